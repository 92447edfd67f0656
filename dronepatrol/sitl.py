"""Start and stop real ArduPilot Copter SITL instances (for ``dronepatrol demo --sitl``).

Instance ``k`` serves MAVLink 2 on ``tcp:127.0.0.1:5760+10k`` (SERIAL0) and ``5762+10k``
(SERIAL1), as ArduPilot's own ``sim_vehicle.py`` sets it up. Each instance runs in a work
directory of its own (it writes ``eeprom.bin`` and logs there), with ArduPilot's default copter
parameters (``copter.parm`` beside the binary, when there is one) plus ours: the system id
(``MAV_SYSID``) and whatever ``params`` asks for. Parameters of groups that ArduPilot enables at
run time (the camera's ``CAM1_TYPE``, for one) ignore defaults files: set those over MAVLink and
reboot, as on a real drone. SITL exits when its parent
process exits, so instances never outlive the program that started them.

>>> sitl_ports(0), sitl_ports(2)
((5760, 5762), (5780, 5782))
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dronepatrol.errors import InputError, LinkError


def sitl_ports(instance: int) -> tuple[int, int]:
    """(SERIAL0, SERIAL1) TCP ports of SITL instance ``instance``."""
    return 5760 + 10 * instance, 5762 + 10 * instance


@dataclass(frozen=True, kw_only=True)
class SitlHome:
    """A take-off site: degrees, metres above mean sea level, heading degrees."""

    lat: float
    lon: float
    alt_amsl_m: float
    heading_deg: float = 0.0

    def arg(self) -> str:
        return f"{self.lat:.7f},{self.lon:.7f},{self.alt_amsl_m:.1f},{self.heading_deg:.0f}"


@dataclass
class SitlFleetProcess:
    """Running instances (stop them with :meth:`stop`, or use the object as a context manager)."""

    workdir: Path
    instances: list[int]
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def connections(self) -> list[str]:
        """The SERIAL0 connection string of each instance (system ids 1..n in this order)."""
        return [f"tcp:127.0.0.1:{sitl_ports(k)[0]}" for k in self.instances]

    def stop(self, timeout_s: float = 10.0) -> None:
        """Terminate every instance (SIGTERM, then SIGKILL after ``timeout_s``)."""
        for p in self.processes:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for p in self.processes:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def __enter__(self) -> SitlFleetProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _accepts(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def start_sitl(
    binary: Path,
    homes: Sequence[SitlHome],
    workdir: Path,
    *,
    first_instance: int = 0,
    speedup: float = 1.0,
    params: Mapping[str, float] | None = None,
    wipe: bool = True,
    timeout_s: float = 60.0,
) -> SitlFleetProcess:
    """Start one instance per home (system ids 1..n) and return once every SERIAL0 port accepts.

    Raises :class:`InputError` (exit 3) when ``binary`` is not an executable, and
    :class:`LinkError` (exit 4, after stopping what it started) when an instance does not come up.
    """
    binary = Path(binary)
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        raise InputError(f"{binary}: not an executable ArduCopter SITL binary — give the path of an 'arducopter' build")
    defaults = binary.parent / "copter.parm"
    fleet = SitlFleetProcess(workdir=Path(workdir), instances=[first_instance + i for i in range(len(homes))])
    try:
        for i, (home, k) in enumerate(zip(homes, fleet.instances, strict=True)):
            d = fleet.workdir / f"i{k}"
            d.mkdir(parents=True, exist_ok=True)
            ours = {"MAV_SYSID": i + 1, **(params or {})}
            (d / "dronepatrol.parm").write_text("".join(f"{name} {value:g}\n" for name, value in ours.items()))
            parm_files = ([str(defaults)] if defaults.is_file() else []) + [str(d / "dronepatrol.parm")]
            argv = [str(binary), "-I", str(k), "--model", "quad", "--speedup", f"{speedup:g}",
                    "--home", home.arg(), "--defaults", ",".join(parm_files), "--serial0", "tcp:0"]
            if wipe:
                argv.append("-w")
            log = open(d / "arducopter.log", "wb")  # noqa: SIM115 (the child owns it)
            fleet.processes.append(
                subprocess.Popen(argv, cwd=d, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            )
            log.close()
        deadline = time.monotonic() + timeout_s
        for k, p in zip(fleet.instances, fleet.processes, strict=True):
            port = sitl_ports(k)[0]
            while not _accepts(port):
                if p.poll() is not None or time.monotonic() > deadline:
                    tail = (fleet.workdir / f"i{k}" / "arducopter.log").read_text(errors="replace")[-400:]
                    raise LinkError(f"SITL instance {k} did not start on tcp:127.0.0.1:{port}: {tail.strip()}")
                time.sleep(0.2)
    except BaseException:
        fleet.stop()
        raise
    return fleet
