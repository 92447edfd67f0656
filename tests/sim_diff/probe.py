"""An independent probe of an ArduCopter-like vehicle: scripted scenarios, normalised facts.

The probe is a plain pymavlink client (nothing from dronepatrol): the same scenarios run against
a ``dronepatrol sim`` vehicle and a real ArduCopter SITL instance, and each observation is
recorded as a *fact* (a name and a JSON-like value) normalised so that two correct vehicles agree:
no timestamps, durations as coarse buckets of vehicle time, sets where ArduCopter's own order
varies, rates as "about" buckets, positions rounded to metres.

Two scripts share the work so that they can run side by side: :func:`protocol_script` (boot and
the passive link, arming before the position estimate, parameters, streams, mission/fence/rally
transfers, signing on both ports) and :func:`flight_script` (arming in every mode, the camera
before and after a reboot, an AUTO flight, RTL and landing).
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

os.environ.setdefault("MAVLINK20", "1")

from pymavlink import mavutil

M = mavutil.mavlink
GCS_SYSID = 254
GCS_COMPID = 190

#: Texts that belong to a simulated vehicle's sensors, not to behaviour a tool depends on.
NOISE = re.compile(r"^(EKF3 |AHRS:|GPS 1:|Field Elevation|SIM Hit ground|ArduCopter V|Frame:|RCOut|IMU\d|fmuv|"
                   r"Barometer|Throttle disarmed|u-blox|Param space|SITL|Init )")

#: ArduCopter flight modes probed.
MODES = {"STABILIZE": 0, "ALT_HOLD": 2, "AUTO": 3, "GUIDED": 4, "LOITER": 5, "RTL": 6, "LAND": 9,
         "POSHOLD": 16, "BRAKE": 17}

#: Parameters a ground station (QGroundControl, MAVProxy) and this tool read at connect.
WATCHED_PARAMS = (
    "ARMING_CHECK", "BATT_MONITOR", "BATT_CAPACITY", "BATT_LOW_VOLT", "BATT_CRT_VOLT", "BATT_LOW_MAH",
    "BATT_CRT_MAH", "BATT_FS_LOW_ACT", "BATT_FS_CRT_ACT", "BATT_LOW_TIMER", "CAM1_TYPE", "DISARM_DELAY",
    "FENCE_ENABLE", "FENCE_TYPE", "FENCE_ACTION", "FENCE_ALT_MAX", "FENCE_ALT_MIN", "FENCE_RADIUS",
    "FENCE_MARGIN", "FENCE_TOTAL", "FS_GCS_ENABLE", "FS_GCS_TIMEOUT", "FS_THR_ENABLE", "LAND_SPEED",
    "LAND_SPEED_HIGH", "LAND_ALT_LOW", "MAV_SYSID", "MAV_GCS_SYSID", "MAV_GCS_SYSID_HI", "MIS_TOTAL",
    "MIS_RESTART", "RALLY_TOTAL", "RALLY_LIMIT_KM", "RALLY_INCL_HOME", "RTL_ALT", "RTL_ALT_FINAL",
    "RTL_LOIT_TIME", "RTL_SPEED", "WPNAV_SPEED", "WPNAV_SPEED_UP", "WPNAV_SPEED_DN", "WPNAV_RADIUS",
    "WPNAV_ACCEL", "WP_YAW_BEHAVIOR", "MAV1_EXTRA1", "MAV1_POSITION", "MAV2_EXTRA1", "MAV2_POSITION",
    "FRAME_CLASS", "FRAME_TYPE", "FLTMODE1", "FLTMODE_CH", "RC_OPTIONS", "BRD_SAFETY_DEFLT",
    "SYSID_ENFORCE", "PILOT_SPEED_UP", "ANGLE_MAX", "GPS1_TYPE", "AHRS_EKF_TYPE", "COMPASS_USE",
)


@dataclass
class Facts:
    """Normalised observations, by name (insertion order kept for the report)."""

    values: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, value: Any) -> None:
        self.values[name] = _freeze(value)


def _freeze(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted((_freeze(v) for v in value), key=repr)
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_freeze(v) for v in value]
    if isinstance(value, float):
        return round(value, 3)
    return value


def bucket_s(seconds: float) -> str:
    """A coarse bucket of a vehicle-time duration: factors of two, edges at 1.4 x 2^k (``"23-45 s"``)."""
    if seconds < 1.4:
        return "<1.4 s"
    k = math.floor(math.log2(seconds / 1.4))
    return f"{1.4 * 2 ** k:.0f}-{1.4 * 2 ** (k + 1):.0f} s"


def rate_bucket(per_s: float, asked_hz: float) -> str:
    """"as asked" (from a fifth of the asked rate to about twice it), or how far off, in powers of two.

    The lower edge is wide on purpose: ArduPilot gives its MAVLink sending a wall-clock budget per
    scheduler loop, so a SITL on a loaded machine sends the later messages of a stream group at a
    fraction of the asked rate (a CI run on 2 busy cores saw 0.4 x for all of EXTENDED_STATUS but
    SYS_STATUS). The fact is about which messages a request starts and that they flow, not about
    the load of the machine that ran the comparison.
    """
    if per_s <= 0:
        return "none"
    ratio = per_s / asked_hz
    if 0.2 <= ratio <= 2.2:
        return "as asked"
    return f"x{2 ** round(math.log2(ratio)):g}"


def clean_text(text: str) -> str:
    """A STATUSTEXT with numbers that vary between runs masked (voltages, speeds)."""
    return re.sub(r"\d+\.\d+", "<n>", text)


class Probe:
    """A plain pymavlink ground station on one TCP port, logging everything it receives."""

    def __init__(self, port: int, *, target: int, speedup: float, sysid: int = GCS_SYSID) -> None:
        self.port = port
        self.target = target
        self.speedup = speedup
        self.sysid = sysid
        self.log: list[Any] = []
        self.m = self._connect()

    def _connect(self) -> Any:
        deadline = time.monotonic() + 20
        while True:
            try:
                m = mavutil.mavlink_connection(f"tcp:127.0.0.1:{self.port}", source_system=self.sysid,
                                               source_component=GCS_COMPID, autoreconnect=False)
                return m
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.m.close()

    def reconnect(self) -> None:
        self.close()
        deadline = time.monotonic() + 30
        time.sleep(0.2)
        while True:
            try:
                self.m = self._connect()
                if self.m.wait_heartbeat(timeout=1.0) is not None:
                    return
            except OSError:
                time.sleep(0.1)
            self.close()
            if time.monotonic() > deadline:
                raise AssertionError("vehicle did not come back")

    # --- receiving ---------------------------------------------------------------------------
    def wall(self, vehicle_s: float) -> float:
        return vehicle_s / self.speedup

    def recv(self, timeout: float) -> Any | None:
        try:
            msg = self.m.recv_match(blocking=True, timeout=timeout)
        except (OSError, ConnectionError):
            return None
        if msg is None or msg.get_type() == "BAD_DATA":
            return None
        self.log.append(msg)
        return msg

    def collect(self, wall_s: float) -> list[Any]:
        out = []
        deadline = time.monotonic() + wall_s
        while (left := deadline - time.monotonic()) > 0:
            msg = self.recv(min(0.05, left))
            if msg is not None:
                out.append(msg)
        return out

    def wait(self, types: str | Iterable[str], wall_s: float, cond: Callable[[Any], bool] | None = None,
             into: list[Any] | None = None) -> Any | None:
        wanted = {types} if isinstance(types, str) else set(types)
        deadline = time.monotonic() + wall_s
        while (left := deadline - time.monotonic()) > 0:
            msg = self.recv(min(0.05, left))
            if msg is None:
                continue
            if into is not None:
                into.append(msg)
            if msg.get_type() in wanted and (cond is None or cond(msg)):
                return msg
        return None

    def vehicle_time_s(self) -> float | None:
        """Vehicle time since boot (SYSTEM_TIME on MAV_CMD_REQUEST_MESSAGE)."""
        for _ in range(3):
            self.m.mav.command_long_send(self.target, 1, M.MAV_CMD_REQUEST_MESSAGE, 0, 2, 0, 0, 0, 0, 0, 0)
            st = self.wait("SYSTEM_TIME", 1.0)
            if st is not None:
                return st.time_boot_ms / 1000.0
        return None

    def wait_vehicle_time(self, t_s: float, into: list[Any] | None = None) -> None:
        while True:
            now = self.vehicle_time_s()
            if now is None or now >= t_s:
                return
            got = self.collect(min(1.0, self.wall(t_s - now)))
            if into is not None:
                into.extend(got)

    # --- commands ----------------------------------------------------------------------------
    def command(self, command: int, *params: float, settle_vs: float = 0.3) -> tuple[int | None, list[str]]:
        """COMMAND_LONG; (ACK result or None, texts received until ``settle_vs`` vehicle s after it)."""
        p = [float(x) for x in params] + [0.0] * (7 - len(params))
        self.m.mav.command_long_send(self.target, 1, command, 0, *p)
        got: list[Any] = []
        ack = self.wait("COMMAND_ACK", 2.0, lambda a: a.command == command, into=got)
        got += self.collect(self.wall(settle_vs))
        return (None if ack is None else int(ack.result)), texts(got)

    def set_mode(self, mode: int) -> tuple[int | None, list[str]]:
        return self.command(M.MAV_CMD_DO_SET_MODE, 1, mode)

    def arm(self, on: bool = True) -> tuple[int | None, list[str]]:
        return self.command(M.MAV_CMD_COMPONENT_ARM_DISARM, 1 if on else 0)

    def param_read(self, name: str) -> Any | None:
        for _ in range(3):
            self.m.mav.param_request_read_send(self.target, 1, name.encode(), -1)
            pv = self.wait("PARAM_VALUE", 1.0, lambda p, n=name: p.param_id == n)
            if pv is not None:
                return pv
        return None

    def param_set(self, name: str, value: float, ptype: int = M.MAV_PARAM_TYPE_REAL32,
                  settle_vs: float = 0.3) -> tuple[Any | None, list[str]]:
        self.m.mav.param_set_send(self.target, 1, name.encode(), value, ptype)
        got: list[Any] = []
        pv = self.wait("PARAM_VALUE", self.wall(3.0) + 0.3, lambda p: p.param_id == name, into=got)
        got += self.collect(self.wall(settle_vs))
        return pv, texts(got)

    def wait_position(self, vehicle_s: float = 120.0) -> bool:
        """Wait until EKF_STATUS_REPORT shows an absolute horizontal position (a loaded SITL may lose it)."""
        deadline = time.monotonic() + self.wall(vehicle_s) + 3
        while time.monotonic() < deadline:
            ev = self.request_message(193, "EKF_STATUS_REPORT")
            if ev is not None and ev.flags & M.EKF_POS_HORIZ_ABS and not ev.flags & M.EKF_CONST_POS_MODE:
                return True
            self.collect(self.wall(1.0))
        return False

    def wait_armable(self, mode: int = 4, wall_s: float = 20.0) -> list[str]:
        """Retry arming in ``mode`` until accepted (texts seen on the way)."""
        seen: list[str] = []
        self.set_mode(mode)
        deadline = time.monotonic() + wall_s
        while time.monotonic() < deadline:
            result, t = self.arm()
            seen += t
            if result == M.MAV_RESULT_ACCEPTED:
                return seen
            self.collect(self.wall(1.0))
        raise AssertionError("never armable")

    # --- mission protocol --------------------------------------------------------------------
    def upload(self, items: list[dict[str, Any]], mission_type: int = 0, count: int | None = None,
               wall_s: float = 10.0) -> dict[str, Any]:
        """Upload ``items``; what the vehicle asked with, its ACK and texts."""
        n = len(items) if count is None else count
        self.m.mav.mission_count_send(self.target, 1, n, mission_type)
        requests: set[str] = set()
        got: list[Any] = []
        ack = None
        deadline = time.monotonic() + wall_s
        while time.monotonic() < deadline:
            msg = self.recv(0.05)
            if msg is None:
                continue
            got.append(msg)
            kind = msg.get_type()
            if kind in ("MISSION_REQUEST", "MISSION_REQUEST_INT") and msg.mission_type == mission_type:
                requests.add(kind)
                if msg.seq < len(items):
                    send_item(self.m, self.target, items[msg.seq], msg.seq, mission_type)
            elif kind == "MISSION_ACK" and msg.mission_type == mission_type:
                ack = int(msg.type)
                break
        got += self.collect(self.wall(0.5))
        total = ("MIS_TOTAL", "FENCE_TOTAL", "RALLY_TOTAL")[mission_type]
        return {"requests": requests, "ack": ack, "texts": texts(got),
                "params": {p.param_id: p.param_value for p in got if p.get_type() == "PARAM_VALUE"
                           and p.param_id == total}}

    def download(self, mission_type: int = 0, *, use_int: bool = True) -> dict[str, Any]:
        self.m.mav.mission_request_list_send(self.target, 1, mission_type)
        got: list[Any] = []
        c = self.wait("MISSION_COUNT", 2.0, lambda c: c.mission_type == mission_type, into=got)
        if c is None:
            return {"count": None}
        items = []
        want = "MISSION_ITEM_INT" if use_int else "MISSION_ITEM"
        for seq in range(c.count):
            for _ in range(3):
                if use_int:
                    self.m.mav.mission_request_int_send(self.target, 1, seq, mission_type)
                else:
                    self.m.mav.mission_request_send(self.target, 1, seq, mission_type)
                it = self.wait(want, 1.0, lambda i, s=seq: i.seq == s and i.mission_type == mission_type,
                               into=got)
                if it is not None:
                    items.append(item_fact(it, use_int))
                    break
            else:
                items.append(None)
        self.m.mav.mission_ack_send(self.target, 1, M.MAV_MISSION_ACCEPTED, mission_type)
        got += self.collect(self.wall(0.3))
        return {"count": int(c.count), "items": items, "texts": texts(got)}

    def request_message(self, msg_id: int, name: str) -> Any | None:
        self.m.mav.command_long_send(self.target, 1, M.MAV_CMD_REQUEST_MESSAGE, 0, msg_id, 0, 0, 0, 0, 0, 0)
        return self.wait(name, 1.0)


def texts(msgs: Iterable[Any]) -> list[str]:
    """The behaviour texts among ``msgs`` (sensor noise dropped, numbers masked), in order."""
    return [clean_text(m.text) for m in msgs if m.get_type() == "STATUSTEXT" and not NOISE.match(m.text)]


def send_item(m: Any, target: int, item: dict[str, Any], seq: int, mission_type: int) -> None:
    it = {"frame": M.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, "current": 0, "autocontinue": 1, "param1": 0.0,
          "param2": 0.0, "param3": 0.0, "param4": 0.0, "x": 0, "y": 0, "z": 0.0}
    it.update(item)
    m.mav.mission_item_int_send(target, 1, seq, it["frame"], it["command"], it["current"], it["autocontinue"],
                                it["param1"], it["param2"], it["param3"], it["param4"], int(it["x"]), int(it["y"]),
                                it["z"], mission_type)


def item_fact(it: Any, is_int: bool) -> dict[str, Any]:
    """A read-back item: every field, positions to ~1 m, altitudes to 0.1 m."""
    x, y = (it.x * 1e-7, it.y * 1e-7) if is_int else (it.x, it.y)
    return {"type": it.get_type(), "frame": it.frame, "command": it.command, "current": it.current,
            "autocontinue": it.autocontinue, "params": [round(p, 2) for p in (it.param1, it.param2, it.param3,
                                                                              it.param4)],
            "lat": round(x, 5), "lon": round(y, 5), "z": round(it.z, 1)}


# ------------------------------------------------------------------------------------------------
# scripts


@dataclass(frozen=True, kw_only=True)
class Target:
    """One vehicle to probe: its two TCP ports, system id and home (lat, lon degrees)."""

    port: int
    port2: int
    sysid: int
    home_lat: float
    home_lon: float
    speedup: float


def _offset(t: Target, north_m: float, east_m: float) -> tuple[int, int]:
    lat = t.home_lat + north_m / 111319.49
    lon = t.home_lon + east_m / (111319.49 * math.cos(math.radians(t.home_lat)))
    return round(lat * 1e7), round(lon * 1e7)


def _mission(t: Target, *, trigger_m: float) -> list[dict[str, Any]]:
    lat7, lon7 = _offset(t, 0, 0)
    n7, e7 = _offset(t, 30, 0)
    return [
        {"command": 16, "frame": 0, "x": lat7, "y": lon7, "z": 150.0},
        {"command": 22, "z": 10.0},
        {"command": 206, "frame": 0, "param1": trigger_m},
        {"command": 16, "x": n7, "y": e7, "z": 10.0},
        {"command": 20, "frame": 0},
    ]


def protocol_script(t: Target, facts: Facts) -> None:
    """Boot, passive link, arming without a position estimate, parameters, streams, transfers, signing."""
    p = Probe(t.port, target=t.sysid, speedup=t.speedup)
    try:
        _boot_and_passive(p, t, facts)
        _arming_before_estimate(p, facts)
        _parameters(p, facts)
        _streams(p, facts)
        _identity(p, facts)
        _transfers(p, t, facts)
        _signing(p, t, facts)
    finally:
        p.close()


def _boot_and_passive(p: Probe, t: Target, facts: Facts) -> None:
    got: list[Any] = []  # listen, asking nothing, for 22 heartbeats (~22 s of vehicle time)
    deadline = time.monotonic() + p.wall(40.0) + 2
    while time.monotonic() < deadline and sum(1 for m in got if m.get_type() == "HEARTBEAT") < 22:
        msg = p.recv(0.05)
        if msg is not None:
            got.append(msg)
    hbs = [m for m in got if m.get_type() == "HEARTBEAT"]
    # SYS_STATUS is sent once at boot: whether a client sees it depends on when it connected
    facts.add("passive.types", {m.get_type() for m in got} - {"STATUSTEXT", "SYS_STATUS"})
    facts.add("passive.heartbeat_rate", "1 Hz" if len(hbs) >= 22 else "slow")
    if hbs:
        h = hbs[-1]
        facts.add("passive.heartbeat", {"type": h.type, "autopilot": h.autopilot, "base_mode": h.base_mode,
                                        "custom_mode": h.custom_mode, "system_status": h.system_status,
                                        "mavlink_version": h.mavlink_version, "srcSystem": h.get_srcSystem(),
                                        "srcComponent": h.get_srcComponent()})
        facts.add("passive.mavlink2", all(m.get_msgbuf()[0] == 0xFD for m in hbs))
    facts.add("passive.param_values", {m.param_id for m in got if m.get_type() == "PARAM_VALUE"})
    facts.add("passive.timesync_tc1", {m.tc1 for m in got if m.get_type() == "TIMESYNC"})
    p.m.mav.heartbeat_send(M.MAV_TYPE_GCS, M.MAV_AUTOPILOT_INVALID, 0, 0, 0)


def _arming_before_estimate(p: Probe, facts: Facts) -> None:
    p.wait_vehicle_time(28.0)  # sensors settled, no position estimate yet (ArduCopter: ~45 s)
    for name in ("STABILIZE", "GUIDED", "LOITER", "AUTO", "RTL"):
        ack, txt = p.set_mode(MODES[name])
        facts.add(f"arm_no_position.{name}.mode", {"ack": ack, "texts": set(txt) - _PREARM(txt)})
        ack, txt = p.arm()
        facts.add(f"arm_no_position.{name}.arm", {"ack": ack, "texts": set(txt) - _PREARM(txt)})
        if ack == 0:
            ack, txt = p.arm(False)
            facts.add(f"arm_no_position.{name}.disarm", {"ack": ack, "texts": set(txt) - _PREARM(txt)})
    # the periodic pre-arm report, while waiting for the estimate
    seen: list[Any] = []
    p.set_mode(MODES["STABILIZE"])
    p.wait_vehicle_time(40.0, into=seen)
    # which checks the report lists depends on the mode at that moment: compare what does not
    reports = {x.removeprefix("PreArm: ") for x in texts(p.log) if x.startswith("PreArm:")}
    attempts = {x.removeprefix("Arm: ") for x in texts(p.log) if x.startswith("Arm:")}
    facts.add("arm_no_position.periodic_prearm", {"position": "Need Position Estimate" in reports,
                                                  "same_checks_as_arming": reports <= attempts})


def _digest(value: Any) -> str:
    return hashlib.sha1(repr(value).encode()).hexdigest()[:12]


def _PREARM(txt: list[str]) -> set[str]:
    return {x for x in txt if x.startswith("PreArm:")}


def _parameters(p: Probe, facts: Facts) -> None:
    p.m.mav.param_request_list_send(p.target, 1)
    got: list[Any] = []
    deadline = time.monotonic() + 20
    idle_since = time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - idle_since < 1.0:
        msg = p.recv(0.05)
        if msg is not None and msg.get_type() == "PARAM_VALUE":
            got.append(msg)
            idle_since = time.monotonic()
    listed = [m for m in got if m.param_index != 65535]
    facts.add("params.list.count", len(listed))
    facts.add("params.list.param_count", {m.param_count for m in listed})
    facts.add("params.list.indices_complete", sorted(m.param_index for m in listed) == list(range(len(listed))))
    names = [m.param_id for m in sorted(listed, key=lambda m: m.param_index)]
    facts.add("params.list.order_hash", _digest(names) if names else None)
    types = {m.param_id: m.param_type for m in listed}
    facts.add("params.list.types_hash", _digest(sorted(types.items())))
    values = {m.param_id: m.param_value for m in listed}
    for name in WATCHED_PARAMS:
        facts.add(f"params.default.{name}", (values.get(name), types.get(name)))
    pv = p.param_read("RTL_ALT")
    facts.add("params.read_by_name", None if pv is None else {"index": pv.param_index, "type": pv.param_type})
    p.m.mav.param_request_read_send(p.target, 1, b"", 5)
    pv = p.wait("PARAM_VALUE", 1.0, lambda m: m.param_index == 5)
    facts.add("params.read_by_index_5", None if pv is None else (pv.param_id == names[5] if names else pv.param_id))
    for name, value, ptype in (("WPNAV_SPEED", 1200, 9), ("RTL_ALT", 2000.7, 9), ("FS_GCS_ENABLE", 1, 2),
                               ("MAV_GCS_SYSID_HI", 255, 9), ("MIS_TOTAL", 5, 9), ("FENCE_ALT_MAX", 80.5, 9)):
        pv, txt = p.param_set(name, value, ptype)
        facts.add(f"params.set.{name}", None if pv is None else {
            "value": pv.param_value, "type": pv.param_type, "index": pv.param_index, "texts": txt})
    pv, txt = p.param_set("NO_SUCH_PARAM", 1.0)
    facts.add("params.set.unknown", {"reply": pv is not None, "texts": txt})
    for name, value in (("WPNAV_SPEED", 1000), ("RTL_ALT", 1500), ("FS_GCS_ENABLE", 0), ("FENCE_ALT_MAX", 100)):
        p.param_set(name, value, settle_vs=0)


_STREAMS = {"RAW_SENSORS": 1, "EXTENDED_STATUS": 2, "RC_CHANNELS": 3, "RAW_CONTROLLER": 4, "POSITION": 6,
            "EXTRA1": 10, "EXTRA2": 11, "EXTRA3": 12}
_BACKGROUND = {"HEARTBEAT", "TIMESYNC", "PARAM_VALUE", "STATUSTEXT", "SYSTEM_TIME", "COMMAND_ACK"}


def _rates(p: Probe, got: list[Any], t0: float, t1: float, asked_hz: float) -> dict[str, str]:
    span = max(t1 - t0, 1e-3)
    counts: dict[str, int] = {}
    for m in got:
        counts[m.get_type()] = counts.get(m.get_type(), 0) + 1
    return {k: rate_bucket(n / span, asked_hz) for k, n in counts.items() if k not in _BACKGROUND}


def _streams(p: Probe, facts: Facts) -> None:
    for name, sid in _STREAMS.items():
        t0 = p.vehicle_time_s() or 0.0
        p.m.mav.request_data_stream_send(p.target, 1, sid, 4, 1)
        got = p.collect(p.wall(6.0))
        t1 = p.vehicle_time_s() or t0
        p.m.mav.request_data_stream_send(p.target, 1, sid, 0, 0)
        p.collect(p.wall(1.0))
        rates = _rates(p, got, t0, t1, 4.0)
        rates.pop("TERRAIN_REQUEST", None)  # asked only while terrain tiles are missing
        facts.add(f"streams.group.{name}", rates)
    quiet = p.collect(p.wall(3.0))
    facts.add("streams.after_stop", {m.get_type() for m in quiet} - _BACKGROUND)
    # SET_MESSAGE_INTERVAL: ATTITUDE 5 Hz, GLOBAL_POSITION_INT 2 Hz, HOME_POSITION 1 Hz, BATTERY_STATUS 1 Hz
    asked = {"ATTITUDE": (30, 5.0), "GLOBAL_POSITION_INT": (33, 2.0), "HOME_POSITION": (242, 1.0),
             "BATTERY_STATUS": (147, 1.0), "VIBRATION": (241, 1.0)}
    for name, (mid, hz) in asked.items():
        ack, _ = p.command(M.MAV_CMD_SET_MESSAGE_INTERVAL, mid, 1e6 / hz, settle_vs=0)
        facts.add(f"streams.interval.{name}.ack", ack)
    ack, _ = p.command(M.MAV_CMD_SET_MESSAGE_INTERVAL, 65000, 1e6, settle_vs=0)
    facts.add("streams.interval.unknown_id.ack", ack)
    t0 = p.vehicle_time_s() or 0.0
    got = p.collect(p.wall(6.0))
    t1 = p.vehicle_time_s() or t0
    span = max(t1 - t0, 1e-3)
    for name, (_mid, hz) in asked.items():
        n = sum(1 for m in got if m.get_type() == name)
        facts.add(f"streams.interval.{name}.rate", rate_bucket(n / span, hz))
    facts.add("streams.interval.others", {m.get_type() for m in got} - set(asked) - _BACKGROUND)
    p.m.mav.command_long_send(p.target, 1, M.MAV_CMD_GET_MESSAGE_INTERVAL, 0, 30, 0, 0, 0, 0, 0, 0)
    mi = p.wait("MESSAGE_INTERVAL", 1.0, lambda m: m.message_id == 30)
    facts.add("streams.get_interval.ATTITUDE", None if mi is None else mi.interval_us)
    for name, (mid, _hz) in asked.items():
        ack, _ = p.command(M.MAV_CMD_SET_MESSAGE_INTERVAL, mid, -1, settle_vs=0)
        facts.add(f"streams.interval.{name}.stop_ack", ack)
    p.collect(p.wall(1.0))
    quiet = p.collect(p.wall(3.0))
    facts.add("streams.interval.after_stop", {m.get_type() for m in quiet} - _BACKGROUND)
    hp = p.request_message(242, "HOME_POSITION")
    facts.add("streams.request_message.HOME_POSITION", None if hp is None else {
        "lat": round(hp.latitude * 1e-7, 5), "lon": round(hp.longitude * 1e-7, 5), "alt_m": round(hp.altitude / 1000)})
    for mid, name in ((42, "MISSION_CURRENT"), (1, "SYS_STATUS"), (148, "AUTOPILOT_VERSION"),
                      (24, "GPS_RAW_INT"), (193, "EKF_STATUS_REPORT")):
        facts.add(f"streams.request_message.{name}", p.request_message(mid, name) is not None)
    ev = p.request_message(193, "EKF_STATUS_REPORT")
    facts.add("streams.ekf_flags_ready", None if ev is None else ev.flags & 0x3FF)
    ss = p.request_message(1, "SYS_STATUS")
    if ss is not None:  # what a ground station shows as sensor health, in STABILIZE, ready to arm
        facts.add("streams.sys_status.present", hex(ss.onboard_control_sensors_present))
        facts.add("streams.sys_status.enabled", hex(ss.onboard_control_sensors_enabled))
        facts.add("streams.sys_status.prearm_bit", bool(ss.onboard_control_sensors_health & 0x10000000))
        facts.add("streams.sys_status.battery", {"volts": round(ss.voltage_battery / 500) / 2,
                                                 "remaining": ss.battery_remaining})
    gps = p.request_message(24, "GPS_RAW_INT")
    if gps is not None:
        facts.add("streams.gps", {"fix_type": gps.fix_type, "satellites": gps.satellites_visible,
                                  "eph_m": round(gps.eph / 100), "alt_m": round(gps.alt / 1000)})
    bs = p.request_message(147, "BATTERY_STATUS")
    if bs is not None:
        facts.add("streams.battery_status", {"function": bs.battery_function, "type": bs.type,
                                             "cell0_v": round(bs.voltages[0] / 500) / 2,
                                             "remaining": bs.battery_remaining})
    hb = p.wait("HEARTBEAT", 2.0)
    facts.add("streams.heartbeat_disarmed_status", None if hb is None else hb.system_status)


def _home_to_m(d: dict[str, Any]) -> dict[str, Any]:
    """Item 0 (home) altitude to whole metres (SITL's ground is 0.1 m above its --home altitude)."""
    if d.get("items") and d["items"][0] is not None:
        d["items"][0]["z"] = round(d["items"][0]["z"])
    return d


def _identity(p: Probe, facts: Facts) -> None:
    """What a ground station asks once it has found the vehicle: capabilities, version, time sync."""
    n0 = len(p.log)
    ack, _ = p.command(M.MAV_CMD_REQUEST_AUTOPILOT_CAPABILITIES, 1, settle_vs=0.5)
    av = next((m for m in p.log[n0:] if m.get_type() == "AUTOPILOT_VERSION"), None)
    facts.add("identity.capabilities_ack", ack)
    if av is not None:
        v = av.flight_sw_version
        facts.add("identity.version", {"major_minor": f"{v >> 24}.{(v >> 16) & 0xFF}",
                                       "capabilities": hex(av.capabilities)})
    p.m.mav.timesync_send(0, 123456789)
    ts = p.wait("TIMESYNC", 1.0, lambda m: m.ts1 == 123456789 and m.tc1 != 0)
    facts.add("identity.timesync_reply", ts is not None)
    p.m.mav.param_request_read_send(p.target, 1, b"NO_SUCH_PARAM", -1)
    facts.add("identity.unknown_param_read", p.wait("PARAM_VALUE", 0.5, lambda m: m.param_id == "NO_SUCH_PARAM")
              is not None)


def _mission_current(p: Probe) -> Any:
    mc = p.request_message(42, "MISSION_CURRENT")
    return None if mc is None else {"seq": mc.seq, "total": mc.total, "state": mc.mission_state,
                                    "mode": mc.mission_mode}


def _transfers(p: Probe, t: Target, facts: Facts) -> None:
    facts.add("mission.current.empty", _mission_current(p))
    facts.add("mission.download.empty", p.download(0)["count"])
    items = _mission(t, trigger_m=5.0)
    facts.add("mission.upload", p.upload(items))
    facts.add("mission.download.int", _home_to_m(p.download(0)))
    facts.add("mission.download.float", _home_to_m(p.download(0, use_int=False)))
    facts.add("mission.current.uploaded", _mission_current(p))
    ack, _ = p.command(M.MAV_CMD_DO_SET_MISSION_CURRENT, 3, 0, settle_vs=0)
    facts.add("mission.set_current.3", {"ack": ack, "current": _mission_current(p)})
    ack, _ = p.command(M.MAV_CMD_DO_SET_MISSION_CURRENT, 9, 0, settle_vs=0)
    facts.add("mission.set_current.beyond_end", ack)
    pv = p.param_read("MIS_TOTAL")
    facts.add("mission.MIS_TOTAL", None if pv is None else pv.param_value)
    p.m.mav.mission_clear_all_send(p.target, 1, 0)
    got: list[Any] = []
    ack = p.wait("MISSION_ACK", 1.0, into=got)
    got += p.collect(p.wall(0.5))
    facts.add("mission.clear_all", {"ack": None if ack is None else ack.type, "texts": texts(got),
                                    "MIS_TOTAL": [m.param_value for m in got if m.get_type() == "PARAM_VALUE"
                                                  and m.param_id == "MIS_TOTAL"]})
    facts.add("mission.download.after_clear", p.download(0)["count"])
    facts.add("mission.current.after_clear", _mission_current(p))
    facts.add("mission.upload.651", p.upload([], count=651, wall_s=1.0))
    bad = [items[0], {"command": 31999}]
    facts.add("mission.upload.unsupported_command", p.upload(bad))
    facts.add("mission.download.after_unsupported", p.download(0)["count"])
    # an item out of sequence: INVALID_SEQUENCE, and the upload goes on
    seq_items = items[:3]
    p.m.mav.mission_count_send(p.target, 1, len(seq_items), 0)
    acks: list[int] = []
    deadline = time.monotonic() + 5
    sent_wrong = False
    while time.monotonic() < deadline:
        msg = p.recv(0.05)
        if msg is None:
            continue
        if msg.get_type() == "MISSION_REQUEST" or msg.get_type() == "MISSION_REQUEST_INT":
            if msg.seq == 1 and not sent_wrong:
                sent_wrong = True
                send_item(p.m, p.target, seq_items[2], 2, 0)
            else:
                send_item(p.m, p.target, seq_items[msg.seq], msg.seq, 0)
        elif msg.get_type() == "MISSION_ACK":
            acks.append(int(msg.type))
            if msg.type == 0:
                break
    facts.add("mission.upload.out_of_sequence", acks)
    p.collect(p.wall(0.5))
    # fence: a 4-vertex inclusion polygon and an inclusion circle
    d = 2000
    lat7, lon7 = _offset(t, 0, 0)
    fence = [{"command": 5001, "frame": 0, "param1": 4, "x": lat7 + dn, "y": lon7 + de}
             for dn, de in ((-d, -d), (-d, d), (d, d), (d, -d))]
    fence.append({"command": 5003, "frame": 0, "param1": 50, "x": lat7, "y": lon7})
    facts.add("fence.upload", p.upload(fence, 1))
    facts.add("fence.download", p.download(1))
    pv = p.param_read("FENCE_TOTAL")
    facts.add("fence.FENCE_TOTAL", None if pv is None else pv.param_value)
    facts.add("fence.upload.71", p.upload([], 1, count=71, wall_s=1.0))
    # fence storage: 16 four-vertex exclusion polygons fit, 17 do not (mavlink-notes.md)
    for n in (16, 17):
        polys = []
        for k in range(n):
            c7 = (lat7 + 300 * (k % 4) - 450, lon7 + 300 * (k // 4) - 600)
            polys += [{"command": 5002, "frame": 0, "param1": 4, "x": c7[0] + dn, "y": c7[1] + de}
                      for dn, de in ((-50, -50), (-50, 50), (50, 50), (50, -50))]
        up = p.upload(polys, 1)
        facts.add(f"fence.upload.{n}_polygons", {"ack": up["ack"], "texts": up["texts"]})
    p.m.mav.mission_clear_all_send(p.target, 1, 1)
    p.wait("MISSION_ACK", 1.0)
    p.collect(p.wall(1.0))
    rally = [{"command": 5100, "frame": 3, "x": lat7 + dn, "y": lon7, "z": 30.0} for dn in (1000, -1000)]
    facts.add("rally.upload", p.upload(rally, 2))
    facts.add("rally.download", p.download(2))
    pv = p.param_read("RALLY_TOTAL")
    facts.add("rally.RALLY_TOTAL", None if pv is None else pv.param_value)
    # how many rally points an upload may announce: the first answer to MISSION_COUNT
    for n in (30, 101):
        p.m.mav.mission_count_send(p.target, 1, n, 2)
        first = p.wait(("MISSION_REQUEST", "MISSION_REQUEST_INT", "MISSION_ACK"), 1.0,
                       lambda m: m.mission_type == 2)
        facts.add(f"rally.upload.count_{n}", None if first is None else
                  (first.get_type(), getattr(first, "type", getattr(first, "seq", None))))
        p.m.mav.mission_count_send(p.target, 1, 0, 2)  # end it: an empty upload
        p.wait("MISSION_ACK", 1.0, lambda m: m.mission_type == 2)
        p.collect(p.wall(0.5))
    for mt, name in ((1, "fence"), (2, "rally")):
        p.m.mav.mission_clear_all_send(p.target, 1, mt)
        got = []
        ack = p.wait("MISSION_ACK", 1.0, lambda a, mt=mt: a.mission_type == mt, into=got)
        got += p.collect(p.wall(0.5))
        facts.add(f"{name}.clear_all", {"ack": None if ack is None else ack.type, "texts": texts(got)})
        facts.add(f"{name}.download.after_clear", p.download(mt)["count"])


def _signed(msg: Any) -> bool:
    return bool(msg.get_msgbuf()[2] & 0x01) if msg.get_msgbuf()[0] == 0xFD else False


def _signing(p: Probe, t: Target, facts: Facts) -> None:
    key = bytes(range(1, 33))
    second = Probe(t.port2, target=t.sysid, speedup=t.speedup, sysid=GCS_SYSID - 1)
    try:
        got = second.collect(p.wall(5.0))
        facts.add("port2.passive.types", {m.get_type() for m in got} - {"STATUSTEXT"})
        ack, _ = second.command(M.MAV_CMD_REQUEST_MESSAGE, 242)
        facts.add("port2.unsigned_command_before_signing", ack)
        p.m.mav.setup_signing_send(p.target, 1, list(key), 1)
        got = p.collect(p.wall(3.0))
        facts.add("signing.setup_reply", {m.get_type() for m in got} & {"COMMAND_ACK", "STATUSTEXT"})
        after = [m for m in p.collect(p.wall(3.0)) if m.get_type() == "HEARTBEAT"]
        facts.add("signing.main_port_signs", bool(after) and all(_signed(m) for m in after[-3:]))
        ack, _ = p.command(M.MAV_CMD_REQUEST_MESSAGE, 242)
        facts.add("signing.main_port_unsigned_command", ack)
        hb2 = [m for m in second.collect(p.wall(3.0)) if m.get_type() == "HEARTBEAT"]
        facts.add("signing.port2_signs", bool(hb2) and all(_signed(m) for m in hb2[-3:]))
        ack, _ = second.command(M.MAV_CMD_REQUEST_MESSAGE, 242)
        facts.add("signing.port2_unsigned_command", ack)
        second.m.setup_signing(key, sign_outgoing=True)
        acks = []
        for _ in range(2):
            ack, _ = second.command(M.MAV_CMD_REQUEST_MESSAGE, 242)
            acks.append(ack)
        facts.add("signing.port2_signed_command", 0 in acks)
        # what the observer sees of the main port's traffic: broadcast texts and parameter changes
        p.param_set("RTL_ALT", 1600, settle_vs=0.5)
        seen = second.collect(p.wall(1.0))
        facts.add("port2.sees_param_set", any(m.get_type() == "PARAM_VALUE" and m.param_id == "RTL_ALT" for m in seen))
        p.set_mode(MODES["LOITER"])
        p.arm()
        seen = second.collect(p.wall(1.0))
        facts.add("port2.sees_arm", {"texts": set(texts(seen)) - _PREARM(texts(seen)),
                                     "acks": {m.command for m in seen if m.get_type() == "COMMAND_ACK"}})
        p.arm(False)
        second.m.mav.request_data_stream_send(t.sysid, 1, 6, 2, 1)
        seen = second.collect(p.wall(3.0))
        main = p.collect(p.wall(1.0))
        facts.add("port2.own_streams", {m.get_type() for m in seen} & {"GLOBAL_POSITION_INT", "LOCAL_POSITION_NED"})
        facts.add("port2.streams_not_on_main", not ({m.get_type() for m in main} & {"GLOBAL_POSITION_INT"}))
    finally:
        second.close()


def flight_script(t: Target, facts: Facts) -> None:
    """Arming in every mode, the camera before and after a reboot, an AUTO flight, RTL and landing."""
    p = Probe(t.port, target=t.sysid, speedup=t.speedup)
    try:
        p.m.wait_heartbeat(timeout=10)
        p.wait_armable(MODES["GUIDED"], wall_s=p.wall(120) + 5)
        p.arm(False)
        p.wait_position()
        _arming_with_estimate(p, facts)
        _camera_default(p, facts)
        _auto_flight(p, t, facts, "auto_flight.no_camera")
        _camera_reboot(p, facts)
        p.wait_armable(MODES["GUIDED"], wall_s=p.wall(120) + 5)
        p.arm(False)
        _auto_flight(p, t, facts, "auto_flight.camera", pause=True)
        _rtl(p, facts)
        _land(p, facts)
        _loiter_without_pilot(p, facts)
    finally:
        p.close()


def _arming_with_estimate(p: Probe, facts: Facts) -> None:
    for name, mode in MODES.items():
        ack, txt = p.set_mode(mode)
        facts.add(f"arm.{name}.mode", {"ack": ack, "texts": set(txt) - _PREARM(txt)})
        ack, txt = p.arm()
        facts.add(f"arm.{name}.arm", {"ack": ack, "texts": set(txt) - _PREARM(txt)})
        if ack == 0 and name == "GUIDED":
            hb = p.wait("HEARTBEAT", 2.0, lambda h: h.get_srcSystem() == p.target)
            facts.add("arm.heartbeat_armed", None if hb is None else {"status": hb.system_status,
                                                                      "base_mode": hb.base_mode})
        if ack == 0:
            ack, txt = p.arm(False)
            facts.add(f"arm.{name}.disarm", {"ack": ack, "texts": set(txt)})
    p.set_mode(MODES["GUIDED"])
    ack, txt = p.command(M.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 10)
    facts.add("takeoff.disarmed", {"ack": ack, "texts": txt})


def _camera_default(p: Probe, facts: Facts) -> None:
    pv = p.param_read("CAM1_TYPE")
    facts.add("camera.default.CAM1_TYPE", None if pv is None else pv.param_value)
    ack, _ = p.command(M.MAV_CMD_DO_DIGICAM_CONTROL, 0, 0, 0, 0, 1, 0, 0, settle_vs=2.0)
    facts.add("camera.default.digicam_ack", ack)
    facts.add("camera.default.feedback", sum(1 for m in p.log if m.get_type() == "CAMERA_FEEDBACK"))


def _auto_flight(p: Probe, t: Target, facts: Facts, name: str, *, pause: bool = False) -> None:
    p.wait_position()
    items = _mission(t, trigger_m=10.0)
    up = p.upload(items)
    facts.add(f"{name}.upload_ack", up["ack"])
    p.m.mav.request_data_stream_send(t.sysid, 1, 2, 4, 1)  # MISSION_CURRENT
    p.m.mav.request_data_stream_send(t.sysid, 1, 6, 2, 1)  # positions
    p.collect(p.wall(1.0))
    start = len(p.log)
    ack_mode, _ = p.set_mode(MODES["GUIDED"])
    ack_arm, _ = p.arm()
    ack_start, _ = p.command(M.MAV_CMD_MISSION_START, 0, 0, settle_vs=0)
    facts.add(f"{name}.start_acks", [ack_mode, ack_arm, ack_start])
    started = len(p.log)
    t0 = p.vehicle_time_s() or 0.0
    deadline = time.monotonic() + p.wall(200) + 5
    armed_seen = False
    if pause:  # `fleet pause` / `fleet resume`: BRAKE on the way to the waypoint, then AUTO again
        p.wait("MISSION_ITEM_REACHED", p.wall(60) + 3, lambda m: m.seq == 1)
        p.collect(p.wall(2.0))
        ack, txt = p.set_mode(MODES["BRAKE"])
        p.collect(p.wall(4.0))
        g = p.request_message(33, "GLOBAL_POSITION_INT")
        facts.add(f"{name}.pause", {"ack": ack, "texts": txt, "current": _mission_current(p),
                                    "stopped": g is not None and abs(g.vx) < 50 and abs(g.vy) < 50})
        ack, txt = p.set_mode(MODES["AUTO"])
        facts.add(f"{name}.resume", {"ack": ack, "texts": txt})
        p.collect(p.wall(1.0))
        facts.add(f"{name}.resumed_current", _mission_current(p))
    while time.monotonic() < deadline:
        msg = p.recv(0.05)
        if msg is None or msg.get_type() != "HEARTBEAT" or msg.get_srcSystem() != t.sysid:
            continue
        armed = bool(msg.base_mode & M.MAV_MODE_FLAG_SAFETY_ARMED)
        armed_seen |= armed
        if armed_seen and not armed:
            break
    t1 = p.vehicle_time_s() or t0
    p.collect(p.wall(1.0))
    log = p.log[start:]
    mc: list[tuple[int, int, int]] = []
    for m in log:
        if m.get_type() == "MISSION_CURRENT":
            key = (m.seq, m.mission_state, m.mission_mode)
            if not mc or mc[-1] != key:
                mc.append(key)
    # entering AUTO, ArduCopter may report (seq, not started, AUTO) for a loop before (seq, active):
    # a transient that 4 Hz sampling catches only sometimes
    mc = [k for i, k in enumerate(mc) if not (k[1] == 2 and k[2] == 1 and i + 1 < len(mc)
                                              and mc[i + 1] == (k[0], 3, 1))]
    facts.add(f"{name}.mission_current", mc)
    facts.add(f"{name}.mission_current.total", {m.total for m in log if m.get_type() == "MISSION_CURRENT"})
    facts.add(f"{name}.item_reached", [m.seq for m in log if m.get_type() == "MISSION_ITEM_REACHED"])
    facts.add(f"{name}.texts", _dedup(texts(log)))
    facts.add(f"{name}.modes", _dedup([(m.custom_mode, bool(m.base_mode & 128)) for m in p.log[started:]
                                      if m.get_type() == "HEARTBEAT" and m.get_srcSystem() == t.sysid]))
    facts.add(f"{name}.duration", bucket_s(t1 - t0))
    fb = [m for m in log if m.get_type() == "CAMERA_FEEDBACK"]
    facts.add(f"{name}.camera_feedback", _count_bucket(len(fb)))
    facts.add(f"{name}.camera_img_idx_consecutive", [m.img_idx for m in fb] == list(
        range(fb[0].img_idx, fb[0].img_idx + len(fb))) if fb else None)
    gp = [m for m in log if m.get_type() == "GLOBAL_POSITION_INT"]
    facts.add(f"{name}.max_alt_m", round(max((g.relative_alt for g in gp), default=0) / 1000 / 5) * 5)


def _count_bucket(n: int) -> str:
    if n == 0:
        return "0"
    lo = 2 ** math.floor(math.log2(n))
    return f"{lo}-{2 * lo - 1}"


def _dedup(xs: list[Any]) -> list[Any]:
    out: list[Any] = []
    for x in xs:
        if not out or out[-1] != x:
            out.append(x)
    return out


def _camera_reboot(p: Probe, facts: Facts) -> None:
    pv, txt = p.param_set("CAM1_TYPE", 1, M.MAV_PARAM_TYPE_INT8)
    facts.add("camera.set_type", None if pv is None else {"value": pv.param_value, "type": pv.param_type,
                                                          "texts": txt})
    n0 = sum(1 for m in p.log if m.get_type() == "CAMERA_FEEDBACK")
    ack, _ = p.command(M.MAV_CMD_DO_DIGICAM_CONTROL, 0, 0, 0, 0, 1, 0, 0, settle_vs=2.0)
    facts.add("camera.before_reboot.digicam", {"ack": ack, "feedback": sum(
        1 for m in p.log if m.get_type() == "CAMERA_FEEDBACK") - n0})
    ack, _ = p.command(M.MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN, 1, 0, 0, 0, settle_vs=0)
    facts.add("reboot.ack", ack)
    p.reconnect()
    pv = p.param_read("CAM1_TYPE")
    facts.add("reboot.CAM1_TYPE_kept", None if pv is None else pv.param_value)
    facts.add("reboot.param_count", None if pv is None else pv.param_count)
    pv = p.param_read("RTL_ALT")
    facts.add("reboot.RTL_ALT", None if pv is None else pv.param_value)
    facts.add("reboot.mission_kept", p.download(0)["count"])
    deadline = time.monotonic() + p.wall(60) + 3  # a GPS fix first, so that the shot has a position
    while time.monotonic() < deadline:
        gps = p.request_message(24, "GPS_RAW_INT")
        if gps is not None and gps.fix_type >= 3:
            break
        p.collect(p.wall(1.0))
    n0 = len(p.log)
    ack, _ = p.command(M.MAV_CMD_DO_DIGICAM_CONTROL, 0, 0, 0, 0, 1, 0, 0, settle_vs=2.0)
    fb = [m for m in p.log[n0:] if m.get_type() == "CAMERA_FEEDBACK"]
    facts.add("camera.after_reboot.digicam", {"ack": ack, "feedback": len(fb)})
    if fb:
        f = fb[0]
        facts.add("camera.feedback.fields", {
            "target_system": f.target_system, "cam_idx": f.cam_idx, "img_idx": f.img_idx,
            "lat": round(f.lat * 1e-7, 4), "lng": round(f.lng * 1e-7, 4), "alt_msl": round(f.alt_msl),
            "alt_rel": round(f.alt_rel), "roll_small": abs(f.roll) < 2, "pitch_small": abs(f.pitch) < 2,
            "foc_len": f.foc_len, "flags": f.flags, "completed_captures": f.completed_captures,
            "time_set": f.time_usec > 1_600_000_000 * 1_000_000})


def _rtl(p: Probe, facts: Facts) -> None:
    p.wait_position()
    p.wait_armable(MODES["GUIDED"], wall_s=p.wall(60) + 5)
    start = len(p.log)
    ack, _ = p.command(M.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 10)
    facts.add("rtl.takeoff_ack", ack)
    p.wait("GLOBAL_POSITION_INT", p.wall(60) + 3, lambda g: g.relative_alt > 9500)
    for name in ("BRAKE", "GUIDED"):  # mode changes in flight
        ack, txt = p.set_mode(MODES[name])
        facts.add(f"rtl.in_flight_mode.{name}", {"ack": ack, "texts": txt})
    g_start = p.request_message(33, "GLOBAL_POSITION_INT")
    ack, txt = p.set_mode(MODES["RTL"])
    start = len(p.log)
    facts.add("rtl.mode", {"ack": ack, "texts": txt})
    t0 = p.vehicle_time_s() or 0.0
    p.wait("HEARTBEAT", p.wall(200) + 5, lambda h: not h.base_mode & 128 and h.get_srcSystem() == p.target)
    t1 = p.vehicle_time_s() or t0
    p.collect(p.wall(1.0))
    log = p.log[start:]
    facts.add("rtl.texts", _dedup(texts(log)))
    facts.add("rtl.modes", _dedup([(m.custom_mode, bool(m.base_mode & 128)) for m in log
                                  if m.get_type() == "HEARTBEAT" and m.get_srcSystem() == p.target]))
    facts.add("rtl.duration", bucket_s(t1 - t0))
    gp = [m for m in log if m.get_type() == "GLOBAL_POSITION_INT"]
    if g_start is not None:  # the climb before returning: RTL_ALT capped by the cone, at least 2.5 m
        climb = max((g.relative_alt for g in gp), default=0) / 1000 - g_start.relative_alt / 1000
        facts.add("rtl.climb_m", "<1" if climb < 1 else "1-5" if climb < 5 else ">5")
    if gp:
        facts.add("rtl.landed_alt_m", round(gp[-1].relative_alt / 1000))


def _land(p: Probe, facts: Facts) -> None:
    """`fleet land`: LAND from 15 m in GUIDED, until the motors stop (~26 s: mid-bucket)."""
    p.wait_armable(MODES["GUIDED"], wall_s=p.wall(60) + 5)
    p.command(M.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 15)
    p.wait("GLOBAL_POSITION_INT", p.wall(60) + 3, lambda g: g.relative_alt > 14700)
    start = len(p.log)
    ack, txt = p.set_mode(MODES["LAND"])
    after_ack = len(p.log)
    t0 = p.vehicle_time_s() or 0.0
    p.wait("HEARTBEAT", p.wall(200) + 5, lambda h: not h.base_mode & 128 and h.get_srcSystem() == p.target)
    t1 = p.vehicle_time_s() or t0
    p.collect(p.wall(1.0))
    log = p.log[start:]
    facts.add("land.mode", {"ack": ack, "texts": txt})
    facts.add("land.texts", _dedup(texts(log)))
    facts.add("land.modes", _dedup([(m.custom_mode, bool(m.base_mode & 128)) for m in p.log[after_ack:]
                                   if m.get_type() == "HEARTBEAT" and m.get_srcSystem() == p.target]))
    facts.add("land.duration", bucket_s(t1 - t0))


def _loiter_without_pilot(p: Probe, facts: Facts) -> None:
    """Take off again and switch to LOITER (the last scenario: the vehicle is left flying)."""
    p.wait_armable(MODES["GUIDED"], wall_s=p.wall(60) + 5)
    p.command(M.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 10)
    p.wait("GLOBAL_POSITION_INT", p.wall(60) + 3, lambda g: g.relative_alt > 9500)
    # LOITER with the pilot's throttle where SITL leaves it (no transmitter)
    p.request_message(33, "GLOBAL_POSITION_INT")
    ack, _ = p.set_mode(MODES["LOITER"])
    g0 = p.request_message(33, "GLOBAL_POSITION_INT")
    p.collect(p.wall(2.0))
    g1 = p.request_message(33, "GLOBAL_POSITION_INT")
    drop = (g0.relative_alt - g1.relative_alt) / 1000 if g0 is not None and g1 is not None else None
    facts.add("loiter.no_pilot", {"ack": ack, "alt": None if drop is None else (
        "holds" if abs(drop) < 1 else "descends" if drop > 0 else "climbs")})
