"""Real ArduCopter SITL instances for tests marked ``sitl``.

The binary is found through the environment variable ``DRONEPATROL_SITL`` (the path of an
``arducopter`` SITL build; ``.ci/run`` points it at ``../shared/sitl/arducopter``), else beside
the repository in ``../shared/sitl/``. Without one, tests that ask for :func:`sitl_fleet` are
skipped, saying why.

Instances are started with :func:`dronepatrol.sitl.start_sitl`, the launcher ``dronepatrol demo
--sitl`` uses (so every test here exercises it). Every fleet takes a *slot*: a block of instance numbers
(ports ``5760 + 10 k``) held with an exclusive lock file, so that xdist workers, and several test
runs on one machine, never share a port. Slots start at instance 10, clear of the default fleet's
ports (instances 0..2, where an officer may run ``dronepatrol sim``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from dronepatrol.sitl import SitlFleetProcess, SitlHome, sitl_ports, start_sitl

ROOT = Path(__file__).resolve().parent.parent
SHARED_SITL = ROOT.parent / "shared" / "sitl"
ENV = "DRONEPATROL_SITL"
SLOT_SIZE = 4  # instances per slot (fleets of up to 4 drones)
FIRST_SLOT_INSTANCE = 10
SLOTS = 12
LOCK_DIR = Path(tempfile.gettempdir()) / "dronepatrol-sitl-slots"

#: Launch sites near the Roi Et example zone, 100 m apart (those of ``../shared/sitl/fleet.sh``).
ROIET_HOMES = tuple(SitlHome(lat=16.0560, lon=103.6520 + 0.001 * i, alt_amsl_m=150.0) for i in range(SLOT_SIZE))


def sitl_binary() -> Path | None:
    """The ArduCopter SITL binary to use, or ``None`` when there is none on this machine."""
    env = os.environ.get(ENV)
    if env:
        p = Path(env)
        return p if p.is_file() and os.access(p, os.X_OK) else None
    p = SHARED_SITL / "arducopter"
    return p if p.is_file() and os.access(p, os.X_OK) else None


def skip_reason() -> str:
    env = os.environ.get(ENV)
    if env:
        return f"{ENV}={env} is not an executable ArduCopter SITL binary"
    return f"no ArduCopter SITL binary: set {ENV} to an arducopter SITL build (see README)"


@dataclass(frozen=True)
class SitlDrone:
    """One running instance: its MAVLink system id and its two TCP ports."""

    system_id: int
    instance: int
    port: int  # SERIAL0: the port the tool under test owns
    port2: int  # SERIAL1: a second independent port, for an independent observer

    @property
    def connection(self) -> str:
        return f"tcp:127.0.0.1:{self.port}"

    @property
    def connection2(self) -> str:
        return f"tcp:127.0.0.1:{self.port2}"


@dataclass
class SitlFleet:
    """N running SITL instances in ``workdir`` (stopped by :meth:`stop`)."""

    workdir: Path
    drones: list[SitlDrone]
    processes: SitlFleetProcess

    def fleet_toml(self, path: Path, **extra: object) -> Path:
        """Write a fleet file for these drones (``drone1``..) to ``path``; returns ``path``."""
        lines = []
        for d in self.drones:
            lines += ["[[drones]]", f'name = "drone{d.system_id}"', f'connection = "{d.connection}"',
                      f"system_id = {d.system_id}"]
            lines += [f"{k} = {v!r}".replace("'", '"') for k, v in extra.items()]
            lines.append("")
        path.write_text("\n".join(lines))
        return path

    def stop(self) -> None:
        self.processes.stop()


def _ports_free(first: int, n: int) -> bool:
    for k in range(first, first + n):
        for port in (5760 + 10 * k, 5762 + 10 * k):
            with socket.socket() as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    return False
    return True


@contextlib.contextmanager
def _slot(n: int) -> Iterator[int]:
    """Hold an exclusive slot of instance numbers; yields its first instance number."""
    if n > SLOT_SIZE:
        raise ValueError(f"at most {SLOT_SIZE} SITL drones per fleet")
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    for slot in range(SLOTS):
        f = open(LOCK_DIR / f"slot{slot}.lock", "w")  # noqa: SIM115 (held for the fleet's life)
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()
            continue
        first = FIRST_SLOT_INSTANCE + SLOT_SIZE * slot
        if not _ports_free(first, n):
            f.close()
            continue
        try:
            yield first
        finally:
            f.close()
        return
    raise RuntimeError("no free SITL slot (all instance numbers in use)")


@contextlib.contextmanager
def start_sitl_fleet(n: int = 3, *, speedup: float = 10, homes: Sequence[SitlHome] = ROIET_HOMES,
                     workdir: Path | None = None) -> Iterator[SitlFleet]:
    """Start ``n`` fresh (wiped) SITL instances with system ids 1..n; stop them afterwards."""
    binary = sitl_binary()
    if binary is None:
        pytest.skip(skip_reason())
    own = workdir is None
    wd = Path(tempfile.mkdtemp(prefix="dp-sitl-")) if own else workdir
    try:
        with _slot(n) as first, start_sitl(binary, list(homes[:n]), wd, first_instance=first, speedup=speedup,
                                           params={}) as procs:
            yield SitlFleet(
                workdir=wd,
                drones=[SitlDrone(system_id=i + 1, instance=first + i, port=sitl_ports(first + i)[0],
                                  port2=sitl_ports(first + i)[1]) for i in range(n)],
                processes=procs,
            )
    finally:
        if own:
            shutil.rmtree(wd, ignore_errors=True)
