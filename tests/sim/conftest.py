"""Fixtures for the simulator tests: a fleet factory and an independent plain-pymavlink GCS.

The GCS below deliberately uses nothing from dronepatrol: it is the second, independent client
the simulator is checked against (real ArduCopter SITL must satisfy the same expectations).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

os.environ.setdefault("MAVLINK20", "1")

import pytest
from pymavlink import mavutil

from dronepatrol.sim.fleet import SimFleet

M = mavutil.mavlink
GCS_SYSID = 254
GCS_COMPID = 190  # MAV_COMP_ID_MISSIONPLANNER

# Speed-ups and delays used by the suite: simulated time runs 20x, the position estimate is
# ready after 2 simulated seconds (40 s on a real ArduCopter).
SPEEDUP = 20.0
PREARM_S = 2.0


class Gcs:
    """A minimal ground station on one TCP port (plain pymavlink, wall-clock timeouts)."""

    def __init__(self, port: int, *, sysid: int = GCS_SYSID, target: int = 1) -> None:
        self.m = mavutil.mavlink_connection(
            f"tcp:127.0.0.1:{port}", source_system=sysid, source_component=GCS_COMPID, autoreconnect=False
        )
        self.target = target
        self.log: list[Any] = []
        self.auto_heartbeat_s: float | None = None  # send a GCS HEARTBEAT this often (wall s)
        self._last_hb = 0.0

    def close(self) -> None:
        self.m.close()

    # --- receiving ---------------------------------------------------------------------------
    def recv(self, timeout: float = 0.2) -> Any | None:
        if self.auto_heartbeat_s is not None:
            now = time.monotonic()
            if now - self._last_hb >= self.auto_heartbeat_s:
                self._last_hb = now
                self.heartbeat()
            timeout = min(timeout, self.auto_heartbeat_s)
        msg = self.m.recv_match(blocking=True, timeout=timeout)
        if msg is not None and msg.get_type() != "BAD_DATA":
            self.log.append(msg)
            return msg
        return None

    def wait(self, types: str | list[str], timeout: float = 10.0, cond: Callable[[Any], bool] | None = None) -> Any:
        """Next message of ``types`` satisfying ``cond``; AssertionError after ``timeout`` s."""
        wanted = {types} if isinstance(types, str) else set(types)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self.recv(min(0.2, max(0.01, deadline - time.monotonic())))
            if msg is not None and msg.get_type() in wanted and (cond is None or cond(msg)):
                return msg
        raise AssertionError(f"no {sorted(wanted)} within {timeout} s")

    def texts(self) -> list[str]:
        """Every STATUSTEXT received so far (in order)."""
        return [m.text for m in self.log if m.get_type() == "STATUSTEXT"]

    def collect(self, seconds: float) -> list[Any]:
        """Everything received during ``seconds`` wall seconds."""
        out = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            msg = self.recv(min(0.1, max(0.01, deadline - time.monotonic())))
            if msg is not None:
                out.append(msg)
        return out

    # --- commands ----------------------------------------------------------------------------
    def heartbeat(self) -> None:
        self.m.mav.heartbeat_send(M.MAV_TYPE_GCS, M.MAV_AUTOPILOT_INVALID, 0, 0, 0)

    def command(self, command: int, *params: float, timeout: float = 5.0) -> int:
        """COMMAND_LONG; return the COMMAND_ACK result."""
        p = list(params) + [0.0] * (7 - len(params))
        self.m.mav.command_long_send(self.target, 1, command, 0, *p)
        ack = self.wait("COMMAND_ACK", timeout, lambda a: a.command == command)
        return int(ack.result)

    def set_mode(self, mode: int) -> int:
        return self.command(M.MAV_CMD_DO_SET_MODE, 1, mode)

    def arm(self) -> int:
        return self.command(M.MAV_CMD_COMPONENT_ARM_DISARM, 1)

    def request_streams(self, rate_hz: int = 5) -> None:
        self.m.mav.request_data_stream_send(self.target, 1, M.MAV_DATA_STREAM_ALL, rate_hz, 1)

    def param_set(self, name: str, value: float, timeout: float = 5.0) -> float:
        self.m.mav.param_set_send(self.target, 1, name.encode(), value, M.MAV_PARAM_TYPE_REAL32)
        pv = self.wait("PARAM_VALUE", timeout, lambda p: p.param_id == name)
        return float(pv.param_value)

    def param_get(self, name: str, timeout: float = 5.0) -> float:
        self.m.mav.param_request_read_send(self.target, 1, name.encode(), -1)
        pv = self.wait("PARAM_VALUE", timeout, lambda p: p.param_id == name)
        return float(pv.param_value)

    def wait_home(self, timeout: float = 10.0) -> Any:
        """Ask for HOME_POSITION (MAV_CMD_REQUEST_MESSAGE) until the vehicle has a home."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.m.mav.command_long_send(self.target, 1, M.MAV_CMD_REQUEST_MESSAGE, 0, 242, 0, 0, 0, 0, 0, 0)
            try:
                return self.wait("HOME_POSITION", 0.3)
            except AssertionError:
                continue
        raise AssertionError("no home position")

    def takeoff(self, alt_m: float = 10.0, timeout: float = 30.0) -> None:
        """GUIDED, arm, NAV_TAKEOFF to ``alt_m`` and wait until reached (streams requested)."""
        self.wait_armable(4)
        assert self.command(M.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, alt_m) == M.MAV_RESULT_ACCEPTED
        self.m.mav.request_data_stream_send(self.target, 1, M.MAV_DATA_STREAM_POSITION, 10, 1)
        self.wait("GLOBAL_POSITION_INT", timeout, lambda g: g.relative_alt >= (alt_m - 0.5) * 1000)

    def wait_armable(self, mode: int = 4, timeout: float = 20.0) -> None:
        """Set ``mode`` and retry arming until accepted."""
        assert self.set_mode(mode) == M.MAV_RESULT_ACCEPTED
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.arm() == M.MAV_RESULT_ACCEPTED:
                return
            time.sleep(0.05)
        raise AssertionError("vehicle never became armable")

    # --- mission protocol --------------------------------------------------------------------
    def upload(self, items: list[dict[str, Any]], mission_type: int = 0, timeout: float = 10.0) -> int:
        """Upload ``items`` (dicts of MISSION_ITEM_INT fields); return the final MISSION_ACK type.

        Answers the vehicle's MISSION_REQUEST / MISSION_REQUEST_INT with MISSION_ITEM_INT.
        """
        self.m.mav.mission_count_send(self.target, 1, len(items), mission_type)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self.recv(0.2)
            if msg is None:
                continue
            kind = msg.get_type()
            if kind in ("MISSION_REQUEST", "MISSION_REQUEST_INT") and msg.mission_type == mission_type:
                self.send_item(items[msg.seq], msg.seq, mission_type)
            elif kind == "MISSION_ACK" and msg.mission_type == mission_type:
                return int(msg.type)
        raise AssertionError("upload did not finish")

    def send_item(self, item: dict[str, Any], seq: int, mission_type: int = 0) -> None:
        it = {
            "frame": M.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
            "current": 0,
            "autocontinue": 1,
            "param1": 0.0,
            "param2": 0.0,
            "param3": 0.0,
            "param4": 0.0,
            "x": 0,
            "y": 0,
            "z": 0.0,
        }
        it.update(item)
        self.m.mav.mission_item_int_send(
            self.target,
            1,
            seq,
            it["frame"],
            it["command"],
            it["current"],
            it["autocontinue"],
            it["param1"],
            it["param2"],
            it["param3"],
            it["param4"],
            int(it["x"]),
            int(it["y"]),
            it["z"],
            mission_type,
        )

    def download(self, mission_type: int = 0, *, use_int: bool = True, timeout: float = 10.0) -> list[Any]:
        self.m.mav.mission_request_list_send(self.target, 1, mission_type)
        count = self.wait("MISSION_COUNT", timeout, lambda c: c.mission_type == mission_type).count
        items = []
        want = "MISSION_ITEM_INT" if use_int else "MISSION_ITEM"
        for seq in range(count):
            for _attempt in range(5):
                if use_int:
                    self.m.mav.mission_request_int_send(self.target, 1, seq, mission_type)
                else:
                    self.m.mav.mission_request_send(self.target, 1, seq, mission_type)
                try:
                    items.append(self.wait(want, 2.0, lambda i, s=seq: i.seq == s and i.mission_type == mission_type))
                    break
                except AssertionError:
                    continue
            else:
                raise AssertionError(f"item {seq} never came")
        self.m.mav.mission_ack_send(self.target, 1, M.MAV_MISSION_ACCEPTED, mission_type)
        return items


@pytest.fixture
def make_fleet() -> Iterator[Callable[..., SimFleet]]:
    """Factory: ``make_fleet(**SimFleet options)`` starts a fleet on free ports (closed after)."""
    fleets: list[SimFleet] = []

    def make(**kw: Any) -> SimFleet:
        opts: dict[str, Any] = {"drones": 1, "base_port": 0, "speedup": SPEEDUP, "prearm_delay_s": PREARM_S}
        opts.update(kw)
        fleet = SimFleet(**opts).start()
        fleets.append(fleet)
        return fleet

    yield make
    for f in fleets:
        f.close()


@pytest.fixture
def connect() -> Iterator[Callable[..., Gcs]]:
    """Factory: ``connect(port)`` opens a plain-pymavlink GCS (closed after the test)."""
    clients: list[Gcs] = []

    def make(port: int, **kw: Any) -> Gcs:
        g = Gcs(port, **kw)
        clients.append(g)
        return g

    yield make
    for g in clients:
        g.close()


@pytest.fixture
def one(make_fleet: Callable[..., SimFleet], connect: Callable[..., Gcs]) -> tuple[SimFleet, Gcs]:
    """A one-drone fleet and a GCS that has seen its first HEARTBEAT."""
    fleet = make_fleet()
    gcs = connect(fleet.ports[0])
    gcs.wait("HEARTBEAT", 5)
    return fleet, gcs
