"""A tests-only link over plain pymavlink with the port protocol of ``dronepatrol.mavlink.ops``.

It does what the real link does for the operations (one reader thread, subscriptions per message
type, messages from the drone's system id only, a GCS HEARTBEAT at 1 Hz, stream rates requested on
connect) and nothing else, so the operations can be tested against ``dronepatrol sim`` and SITL
independently of the link layer.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

os.environ.setdefault("MAVLINK20", "1")

from pymavlink import mavutil

M = mavutil.mavlink


class PlainSubscription:
    def __init__(self, port: PlainPort, types: Iterable[str] | None) -> None:
        self.port = port
        self.types = None if types is None else set(types)
        self.q: queue.Queue[Any] = queue.Queue()

    def get(self, timeout_s: float) -> Any | None:
        try:
            return self.q.get(timeout=max(0.0, timeout_s)) if timeout_s > 0 else self.q.get_nowait()
        except queue.Empty:
            return None

    def close(self) -> None:
        self.port._unsubscribe(self)

    def __enter__(self) -> PlainSubscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PlainPort:
    """One drone over ``tcp:host:port`` (system id ``system_id``), GCS 254/190."""

    def __init__(self, name: str, connection: str, system_id: int, *, stream_hz: int = 4) -> None:
        self.name = name
        self.system_id = system_id
        self.connection = connection
        self.conn = mavutil.mavlink_connection(connection, source_system=254, source_component=190,
                                               autoreconnect=False)
        self.mav = self.conn.mav
        self.sent: list[str] = []  # types of the messages sent, in order
        self._subs: list[PlainSubscription] = []
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._hb = threading.Thread(target=self._heartbeats, args=(stream_hz,), daemon=True)
        self._hb.start()

    def send(self, msg: Any) -> None:
        with self._send_lock:
            self.sent.append(msg.get_type())
            self.mav.send(msg)

    def subscribe(self, types: Iterable[str] | None = None) -> PlainSubscription:
        s = PlainSubscription(self, types)
        with self._lock:
            self._subs.append(s)
        return s

    def _unsubscribe(self, s: PlainSubscription) -> None:
        with self._lock, contextlib.suppress(ValueError):
            self._subs.remove(s)

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                msg = self.conn.recv_match(blocking=True, timeout=0.1)
            except (OSError, ValueError):
                if self._stop.is_set():
                    return
                time.sleep(0.05)
                continue
            if msg is None or msg.get_type() == "BAD_DATA" or msg.get_srcSystem() != self.system_id:
                continue
            with self._lock:
                subs = list(self._subs)
            for s in subs:
                if s.types is None or msg.get_type() in s.types:
                    s.q.put(msg)

    def _heartbeats(self, stream_hz: int) -> None:
        first = True
        while not self._stop.is_set():
            try:
                self.send(self.mav.heartbeat_encode(M.MAV_TYPE_GCS, M.MAV_AUTOPILOT_INVALID, 0, 0, 0))
                if first:
                    self.send(self.mav.request_data_stream_encode(self.system_id, 1, M.MAV_DATA_STREAM_ALL,
                                                                  stream_hz, 1))
                    first = False
            except OSError:
                pass
            self._stop.wait(1.0)

    def close(self) -> None:
        self._stop.set()
        self._reader.join(timeout=2)
        self._hb.join(timeout=2)
        self.conn.close()


@contextlib.contextmanager
def plain_ports(connections: list[tuple[str, str, int]]) -> Iterator[dict[str, PlainPort]]:
    """``{name: PlainPort}`` for ``[(name, connection, system_id), ...]``, closed afterwards."""
    ports: dict[str, PlainPort] = {}
    try:
        for name, conn, sysid in connections:
            ports[name] = PlainPort(name, conn, sysid)
        yield ports
    finally:
        for p in ports.values():
            p.close()


@contextlib.contextmanager
def sim_factory() -> Iterator[Any]:
    """``make(**SimFleet options)`` starts simulated fleets on free ports (speed-up 20, position
    estimate after 2 simulated s, as the simulator's own tests); all closed afterwards."""
    from dronepatrol.sim.fleet import SimFleet

    made: list[Any] = []

    def make(**kw: Any) -> Any:
        opts: dict[str, Any] = {"drones": 1, "base_port": 0, "speedup": 20.0, "prearm_delay_s": 2.0}
        opts.update(kw)
        fleet = SimFleet(**opts).start()
        made.append(fleet)
        return fleet

    try:
        yield make
    finally:
        for f in made:
            f.close()
