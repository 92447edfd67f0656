"""A fleet of simulated ArduCopters on local TCP ports, run by one thread.

>>> with SimFleet(drones=1, base_port=0, speedup=10, prearm_delay_s=2) as fleet:  # doctest: +SKIP
...     port = fleet.ports[0]          # connect a GCS to tcp:127.0.0.1:<port>
...     fleet.cut_link(0)              # radio out of range...
...     fleet.restore_link(0)          # ...and back

Simulated time runs ``speedup`` times faster than wall time; every vehicle is stepped at a fixed
simulated ``dt``. One thread does everything (selectors, no blocking calls), so three vehicles
at 20x fit on two cores. ``serve_forever()`` runs the loop in the calling thread (the CLI);
``start()``/``stop()`` (or ``with``) run it in a background thread (tests).
"""

from __future__ import annotations

import contextlib
import logging
import math
import selectors
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dronepatrol.errors import LinkError, UsageError
from dronepatrol.sim.camera import PhotoWriter
from dronepatrol.sim.geo import LocalFrame
from dronepatrol.sim.link import LinkFaults
from dronepatrol.sim.server import VehicleServer
from dronepatrol.sim.sites import HOME_SPACING_M, ROIET_GROUND_ALT_M, ROIET_LAUNCH_SITES
from dronepatrol.sim.vehicle import SimVehicle, VehicleConfig

log = logging.getLogger(__name__)

#: Port of the first vehicle, and the step between vehicles (ArduPilot SITL ``-I0..``).
BASE_PORT = 5760
PORT_STEP = 10
#: The second port of each vehicle is its main port plus this (SITL's SERIAL1: 5762 + 10 i).
SECOND_PORT_OFFSET = 2
#: Most simulation steps run back to back before the loop services its sockets again.
MAX_STEPS_PER_TURN = 8
#: If the loop falls further behind than this (simulated seconds), simulated time slips.
MAX_LAG_S = 0.5


@dataclass(frozen=True, kw_only=True)
class Home:
    """A home position: ``lat_deg``, ``lon_deg`` and ground ``alt_m`` above sea level."""

    lat_deg: float
    lon_deg: float
    alt_m: float = ROIET_GROUND_ALT_M


def default_homes(n: int, home: Home | None = None) -> list[Home]:
    """Homes of ``n`` drones: the Roi Et launch sites, or ``home`` with drones 15 m apart (east).

    Beyond the three launch sites, extra drones stand 15 m east of the previous one.
    """
    if home is not None:
        frame = LocalFrame(home.lat_deg, home.lon_deg)
        out = []
        for i in range(n):
            lat, lon = frame.to_latlon(0.0, i * HOME_SPACING_M)
            out.append(Home(lat_deg=lat, lon_deg=lon, alt_m=home.alt_m))
        return out
    out = [Home(lat_deg=s.lat_deg, lon_deg=s.lon_deg, alt_m=s.ground_alt_m) for s in ROIET_LAUNCH_SITES[:n]]
    while len(out) < n:
        last = out[-1]
        lat, lon = LocalFrame(last.lat_deg, last.lon_deg).to_latlon(0.0, HOME_SPACING_M)
        out.append(Home(lat_deg=lat, lon_deg=lon, alt_m=last.alt_m))
    return out


class SimFleet:
    """N simulated ArduCopters (system ids 1..N, ``drone1``..), each on two TCP ports.

    ``base_port`` 5760 gives main ports 5760, 5770, 5780 and second ports 5762, 5772, 5782 (as
    SITL's SERIAL0 and SERIAL1); ``base_port=0`` picks free ports (see ``ports``, ``ports2``).
    ``speedup`` multiplies simulated time; ``loss`` (0-1) and ``latency_ms`` apply to every main
    link both ways; ``photos_dir`` makes cameras write JPEGs; ``signing_key`` (32 bytes) makes
    every vehicle sign all it sends and ignore unsigned commands on its second port (its main
    port, like ArduPilot's first port, still accepts them). ``camera=True`` starts the drones with
    a camera configured (CAM1_TYPE 1) instead of ArduCopter's default CAM1_TYPE 0, which triggers
    nothing; by default (None) a camera is configured only when ``photos_dir`` is given.
    ``prearm_delay_s`` is vehicle time until the position estimate is ready; ``wind_speed_m_s``
    blows from ``wind_from_deg``.
    """

    def __init__(
        self,
        *,
        drones: int = 3,
        speedup: float = 1.0,
        home: Home | None = None,
        homes: Sequence[Home] | None = None,
        base_port: int = BASE_PORT,
        host: str = "127.0.0.1",
        loss: float = 0.0,
        latency_ms: float = 0.0,
        photos_dir: Path | str | None = None,
        camera_clock_offset_s: float = 0.0,
        camera_miss_probability: float = 0.0,
        signing_key: bytes | None = None,
        camera: bool | None = None,
        prearm_delay_s: float = 40.0,
        wind_speed_m_s: float = 0.0,
        wind_from_deg: float = 0.0,
        dt: float = 0.05,
        seed: int = 0,
    ) -> None:
        if drones < 1 or drones > 20:
            raise UsageError(f"--drones must be between 1 and 20, got {drones}")
        if not (math.isfinite(speedup) and 0.1 <= speedup <= 100):
            raise UsageError(f"--speedup must be between 0.1 and 100, got {speedup}")
        if not 0.0 <= loss <= 1.0:
            raise UsageError(f"--loss must be a probability between 0 and 1, got {loss}")
        if not (math.isfinite(latency_ms) and 0 <= latency_ms <= 10000):
            raise UsageError(f"--latency must be between 0 and 10000 ms, got {latency_ms}")
        if not (math.isfinite(prearm_delay_s) and prearm_delay_s >= 0):
            raise UsageError(f"--prearm-delay must be >= 0 seconds, got {prearm_delay_s}")
        if signing_key is not None and len(signing_key) != 32:
            raise UsageError("signing key must be 32 bytes")
        if not 0.0 <= camera_miss_probability <= 1.0:
            raise UsageError("camera miss probability must be between 0 and 1")
        if not 0 < dt <= 0.2:
            raise UsageError(f"dt must be in (0, 0.2] s, got {dt}")
        if not (0 <= base_port <= 65535 - PORT_STEP * (drones - 1) - SECOND_PORT_OFFSET):
            raise UsageError(f"--base-port {base_port} leaves no room for {drones} drones")
        self.speedup = float(speedup)
        self.dt = float(dt)
        self.photos_dir = Path(photos_dir) if photos_dir is not None else None
        homes_list = list(homes) if homes is not None else default_homes(drones, home)
        if len(homes_list) != drones:
            raise UsageError(f"{len(homes_list)} homes given for {drones} drones")
        self.photo_writer = PhotoWriter() if self.photos_dir is not None else None
        start_utc = time.time()
        self.vehicles: list[SimVehicle] = []
        self.servers: list[VehicleServer] = []  # main ports (SERIAL0)
        self.servers2: list[VehicleServer] = []  # second ports (SERIAL1)
        try:
            for i, h in enumerate(homes_list):
                cfg = VehicleConfig(
                    name=f"drone{i + 1}",
                    sysid=i + 1,
                    lat_deg=h.lat_deg,
                    lon_deg=h.lon_deg,
                    ground_alt_m=h.alt_m,
                    prearm_delay_s=prearm_delay_s,
                    camera=(self.photos_dir is not None) if camera is None else camera,
                    photos_dir=self.photos_dir,
                    camera_clock_offset_s=camera_clock_offset_s,
                    camera_miss_probability=camera_miss_probability,
                    wind_speed_m_s=wind_speed_m_s,
                    wind_from_deg=wind_from_deg,
                    seed=seed * 1000 + i,
                    start_utc_s=start_utc,
                    speedup=float(speedup),
                )
                v = SimVehicle(cfg, photo_writer=self.photo_writer)
                port = 0 if base_port == 0 else base_port + PORT_STEP * i
                faults = LinkFaults(loss=loss, latency_s=latency_ms / 1000.0, seed=seed * 1000 + 500 + i)
                port2 = 0 if base_port == 0 else port + SECOND_PORT_OFFSET
                try:
                    srv = VehicleServer(v, host=host, port=port, faults=faults, signing_key=signing_key)
                    self.servers.append(srv)
                    srv2 = VehicleServer(v, host=host, port=port2, signing_key=signing_key, channel=1)
                    self.servers2.append(srv2)
                except OSError as exc:
                    raise LinkError(
                        f"cannot listen on {host}:{port if len(self.servers) == i else port2} ({exc.strerror}) - "
                        f"is another simulator or SITL running? Choose another --base-port"
                    ) from exc
                self.vehicles.append(v)
        except BaseException:
            self._close_sockets()
            raise
        self.sim_time_s = 0.0
        self.lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sel: selectors.BaseSelector | None = None
        self._wall_start = 0.0
        self._slipped_s = 0.0
        self._reboot_at: dict[int, float] = {}

    # ------------------------------------------------------------------ public API
    @property
    def ports(self) -> list[int]:
        """TCP port of each vehicle, in drone order."""
        return [s.port for s in self.servers]

    @property
    def ports2(self) -> list[int]:
        """Second TCP port of each vehicle (SITL's SERIAL1), for an independent observer."""
        return [s.port for s in self.servers2]

    @property
    def connection_strings(self) -> list[str]:
        """``tcp:127.0.0.1:PORT`` of each vehicle."""
        return [f"tcp:{s.host}:{s.port}" for s in self.servers]

    @property
    def connection_strings2(self) -> list[str]:
        """``tcp:127.0.0.1:PORT2`` of each vehicle's second port."""
        return [f"tcp:{s.host}:{s.port}" for s in self.servers2]

    def _all_servers(self) -> list[VehicleServer]:
        return [*self.servers, *self.servers2]

    def vehicle(self, index: int) -> SimVehicle:
        """Vehicle ``index`` (0-based). Read its state under ``fleet.lock``."""
        return self.vehicles[index]

    def cut_link(self, index: int, duration_s: float | None = None) -> None:
        """Cut vehicle ``index``'s link (both ways) for ``duration_s`` wall s, or until restored."""
        with self.lock:
            self.servers[index].faults.cut(duration_s)

    def restore_link(self, index: int) -> None:
        """Restore a cut link."""
        with self.lock:
            self.servers[index].faults.restore()

    def set_loss(self, index: int, loss: float) -> None:
        """Change the packet loss probability of one link."""
        if not 0.0 <= loss <= 1.0:
            raise UsageError(f"loss must be between 0 and 1, got {loss}")
        with self.lock:
            self.servers[index].faults.loss = loss

    def achieved_speedup(self) -> float:
        """Simulated seconds per wall second since start (lower than asked if overloaded)."""
        wall = time.monotonic() - self._wall_start if self._wall_start else 0.0
        return self.sim_time_s / wall if wall > 0 else 0.0

    def flush_photos(self, timeout_s: float = 30.0) -> None:
        """Wait until every photo taken so far is written to disk."""
        if self.photo_writer is not None:
            self.photo_writer.flush(timeout_s)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> SimFleet:
        """Run the fleet in a background thread."""
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self.serve_forever, name="sim-fleet", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the loop (from any thread or a signal handler) and close every socket."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> SimFleet:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
        self._close_sockets()
        if self.photo_writer is not None:
            self.photo_writer.close()

    def close(self) -> None:
        """Stop and release everything (same as leaving the ``with`` block)."""
        self.__exit__(None, None, None)

    def _close_sockets(self) -> None:
        for srv in [*getattr(self, "servers", []), *getattr(self, "servers2", [])]:
            with contextlib.suppress(OSError):
                srv.close(self._sel if getattr(self, "_sel", None) else None)

    def _collect(self, now: float) -> None:
        """Hand each vehicle's queued messages to its two ports."""
        for i, v in enumerate(self.vehicles):
            out = v.outbox
            if not out:
                continue
            v.outbox = []
            self.servers[i].queue(out, now)
            self.servers2[i].queue(out, now)

    def _reboots(self, now: float, sel: selectors.BaseSelector) -> None:
        """Reboot a vehicle that asked to, once its ACK is out: both links drop, as SITL restarts."""
        for i, v in enumerate(self.vehicles):
            if not v.reboot_requested:
                continue
            main = self.servers[i]
            at = self._reboot_at.setdefault(i, now + main.faults.latency_s + 0.05)
            if now >= at and not main.outq:
                del self._reboot_at[i]
                main.drop_client(sel)
                self.servers2[i].drop_client(sel)
                v.reboot()

    def serve_forever(self) -> None:
        """Run the simulation loop in this thread until :meth:`stop` (or KeyboardInterrupt)."""
        sel = selectors.DefaultSelector()
        self._sel = sel
        servers = self._all_servers()
        for srv in servers:
            srv.register(sel)
        self._wall_start = wall0 = time.monotonic()
        try:
            while not self._stop.is_set():
                now = time.monotonic()
                target = (now - wall0) * self.speedup
                with self.lock:
                    for srv in servers:
                        srv.deliver(now)
                    steps = 0
                    while self.sim_time_s + self.dt <= target + 1e-12 and steps < MAX_STEPS_PER_TURN:
                        for v in self.vehicles:
                            v.step(self.dt)
                        self.sim_time_s += self.dt
                        steps += 1
                        self._collect(now)
                    lag = target - self.sim_time_s
                    if lag > MAX_LAG_S:  # overloaded: let simulated time slip
                        wall0 += lag / self.speedup
                        self._slipped_s += lag
                    self._collect(now)
                    for srv in servers:
                        srv.flush(now, sel)
                    self._reboots(now, sel)
                next_step = wall0 + (self.sim_time_s + self.dt) / self.speedup
                wake = [next_step]
                wake.extend(t for t in (s.next_event() for s in servers) if t is not None)
                wake.extend(self._reboot_at.values())
                timeout = max(0.0, min(min(wake) - time.monotonic(), 0.05))
                for key, _mask in sel.select(timeout):
                    srv, what = key.data
                    now = time.monotonic()
                    with self.lock:
                        if what == "accept":
                            srv.on_accept(sel)
                        else:
                            srv.on_read(sel, key.fileobj, now)
                            srv.deliver(now)
                            self._collect(now)
                            for s in servers:
                                s.flush(now, sel)
        finally:
            with self.lock:
                for srv in servers:
                    srv.close(sel)
            sel.close()
            self._sel = None
