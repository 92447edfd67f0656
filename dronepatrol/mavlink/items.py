"""Mission model <-> MAVLink mission items, and the read-back comparison.

:class:`WireItem` is one MISSION_ITEM_INT as it travels (``x``/``y`` degE7 integers in global
frames). The builders turn a :class:`~dronepatrol.mission.Mission` into the three lists ArduCopter
keeps:

- mission (``mission_type`` 0): home as seq 0 (ArduCopter replaces it with its own home), then the
  mission's items; float global frames become their ``_INT`` form (3 -> 6, 0 -> 5, 10 -> 11) and
  coordinates are degrees x 1e7 *rounded* (never truncated); non-global frames carry param5/6 as
  plain integers (e.g. DO_DIGICAM_CONTROL's shoot flag);
- fence (1): one item per polygon vertex (5001 inclusion / 5002 exclusion, param1 = the polygon's
  vertex count), circles (5003 / 5004, param1 = radius m), the return point (5000);
- rally (2): MAV_CMD_NAV_RALLY_POINT 5100, altitude above home.

Read back, ArduCopter answers in its own words (mavlink-notes.md): frames in the non-``_INT`` form,
commands without a location in frame 0, fence and rally items with autocontinue 0, only the params
it stores (integers truncated, some reduced to a sign), and home replaced by the vehicle's. So
:func:`compare` checks what matters: the count, each command, the params ArduCopter keeps (float
tolerance), lat/lon to 1e-7 degree and altitude to 1 cm (rally points: whole metres, as stored);
:func:`board_digest` fingerprints a read-back list so that a later download can be matched against
the last verified upload.

>>> from dronepatrol.mission import Home, Mission, takeoff, waypoint, rtl
>>> m = Mission(drone="drone1", home=Home(lon=103.652, lat=16.056, alt_amsl_m=150.0),
...             items=(takeoff(20.0), waypoint(103.65212345678, 16.0561, 30.0), rtl()))
>>> wire = mission_items(m)
>>> [(w.command, w.frame) for w in wire]
[(16, 5), (22, 6), (16, 6), (20, 2)]
>>> wire[2].y  # longitude degE7, rounded
1036521235
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from dronepatrol.mission import Cmd, Frame, Geofence, Mission, MissionItem, MissionType, RallyPoint

#: Float global frames and their ``_INT`` forms (MAV_FRAME).
TO_INT_FRAME = {Frame.GLOBAL: Frame.GLOBAL_INT, Frame.GLOBAL_RELATIVE_ALT: Frame.GLOBAL_RELATIVE_ALT_INT,
                Frame.GLOBAL_TERRAIN_ALT: 11}
#: ``_INT`` frames and the float form ArduCopter reads them back in.
FROM_INT_FRAME = {int(v): int(k) for k, v in TO_INT_FRAME.items()}
#: Frames whose x/y are latitude/longitude.
GLOBAL_FRAMES = frozenset({0, 3, 5, 6, 10, 11})

#: Commands ArduCopter stores with a location (lat/lon/alt are compared for these).
LOCATION_COMMANDS = frozenset({16, 17, 18, 19, 21, 22, 30, 31, 82, 179, 189, 201})
FENCE_COMMANDS = frozenset({5000, 5001, 5002, 5003, 5004})

#: Tolerances of the read-back comparison.
LATLON_TOL_E7 = 1  # 1e-7 degree (about 1 cm)
ALT_TOL_M = 0.01 + 1e-4  # 1 cm (ArduCopter keeps centimetres), plus float32 slack


def _trunc(lo: int, hi: int) -> Callable[[float], float]:
    def f(v: float) -> float:
        return float(max(lo, min(hi, int(v)))) if math.isfinite(v) else 0.0

    return f


def _sign(v: float) -> float:
    return -1.0 if (math.isfinite(v) and v < 0) else 1.0


def _pos(v: float) -> float:
    return 1.0 if (math.isfinite(v) and v > 0) else 0.0


def _float(v: float) -> float:
    return v


def _throttle(v: float) -> float:
    """DO_CHANGE_SPEED param3, as ArduCopter 4.7 SITL reads it back: 0 or less is -1 (no change)."""
    return float(max(-128, min(127, int(v)))) if (math.isfinite(v) and v > 0) else -1.0


_U8, _I8, _U16, _I16 = _trunc(0, 255), _trunc(-128, 127), _trunc(0, 65535), _trunc(-32768, 32767)

#: How ArduCopter keeps param1..param4 of each mission command (AP_Mission's conversions); a param
#: not listed is not stored and comes back 0, so it is not compared. Commands not in the table are
#: compared on all four params.
STORED_PARAMS: dict[int, dict[int, Callable[[float], float]]] = {
    16: {1: _U16},
    17: {3: _I16},
    18: {1: _U8, 3: _I16, 4: _pos},
    19: {1: _U16, 3: _sign, 4: _pos},
    20: {},
    21: {1: _U16},
    22: {1: _U16},
    30: {1: _U16},
    31: {2: _I16, 4: _pos},
    82: {1: _U16},
    93: {1: _float, 2: _float, 3: _float, 4: _float},
    112: {1: _float},
    114: {1: _float},
    115: {1: _float, 2: _float, 3: _I8, 4: _U8},
    177: {1: _U16, 2: _I16},
    178: {1: _U8, 2: _float, 3: _throttle},
    179: {1: _U16},
    181: {1: _U8, 2: _U8},
    183: {1: _U8, 2: _U16},
    189: {},
    201: {1: _U16},
    202: {1: _U8, 2: _U16, 3: _U8, 4: _U8},
    203: {1: _U8, 2: _U8, 3: _I8, 4: _U8},
    205: {1: _float, 2: _float, 3: _float},
    206: {1: _float, 3: _U8},
    207: {1: _U16},
    222: {1: _U16, 2: _float, 3: _float, 4: _float},
    5000: {},
    5001: {1: _U8},
    5002: {1: _U8},
    5003: {1: _float},
    5004: {1: _float},
    5100: {},
}
#: Commands whose param5 (x) / param6 (y) are stored as small integers (not a location).
STORED_XY: dict[int, tuple[bool, bool]] = {202: (True, False), 203: (True, True)}


@dataclass(frozen=True, kw_only=True)
class WireItem:
    """One mission item as MISSION_ITEM_INT carries it; its sequence number is its list index.

    ``x``/``y`` are latitude/longitude degE7 in global frames, else plain integers (param5/6);
    ``z`` is metres (altitude in the frame's reference) or param7.
    """

    command: int
    frame: int
    params: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    x: int = 0
    y: int = 0
    z: float = 0.0
    autocontinue: int = 1
    current: int = 0

    @property
    def lat(self) -> float:
        return self.x * 1e-7

    @property
    def lon(self) -> float:
        return self.y * 1e-7


def deg_e7(deg: float) -> int:
    """Degrees -> degrees x 1e7, rounded to the nearest integer (MAVLink ``_INT`` coordinates)."""
    return round(deg * 1e7)


def wire_item(item: MissionItem) -> WireItem:
    """One model item as MISSION_ITEM_INT fields (global frames in their ``_INT`` form)."""
    frame = int(item.frame)
    frame = int(TO_INT_FRAME.get(frame, frame))
    if frame in GLOBAL_FRAMES:
        x, y = deg_e7(item.lat), deg_e7(item.lon)
    else:
        x = round(item.lat) if math.isfinite(item.lat) else 0
        y = round(item.lon) if math.isfinite(item.lon) else 0
    p = item.params
    return WireItem(command=int(item.command), frame=frame, params=(p[0], p[1], p[2], p[3]), x=x, y=y,
                    z=float(item.alt_m), autocontinue=1 if item.autocontinue else 0)


def mission_items(mission: Mission) -> list[WireItem]:
    """The mission list as uploaded to ArduCopter: home (seq 0, AMSL) then the mission's items."""
    home = mission.home
    out = [WireItem(command=int(Cmd.NAV_WAYPOINT), frame=int(Frame.GLOBAL_INT), x=deg_e7(home.lat),
                    y=deg_e7(home.lon), z=float(home.alt_amsl_m))]
    out.extend(wire_item(i) for i in mission.items)
    return out


def fence_items(fence: Geofence) -> list[WireItem]:
    """The fence list: polygon vertices (param1 = vertex count), circles (param1 = radius), return point."""
    rel = int(Frame.GLOBAL_RELATIVE_ALT_INT)
    out: list[WireItem] = []
    for poly in fence.polygons:
        cmd = Cmd.FENCE_POLYGON_VERTEX_INCLUSION if poly.inclusion else Cmd.FENCE_POLYGON_VERTEX_EXCLUSION
        n = float(len(poly.vertices))
        out.extend(WireItem(command=int(cmd), frame=rel, params=(n, 0.0, 0.0, 0.0), x=deg_e7(lat), y=deg_e7(lon),
                            autocontinue=0) for lon, lat in poly.vertices)
    for c in fence.circles:
        cmd = Cmd.FENCE_CIRCLE_INCLUSION if c.inclusion else Cmd.FENCE_CIRCLE_EXCLUSION
        out.append(WireItem(command=int(cmd), frame=rel, params=(float(c.radius_m), 0.0, 0.0, 0.0),
                            x=deg_e7(c.lat), y=deg_e7(c.lon), autocontinue=0))
    if fence.return_point is not None:
        lon, lat = fence.return_point
        out.append(WireItem(command=int(Cmd.FENCE_RETURN_POINT), frame=rel, x=deg_e7(lat), y=deg_e7(lon),
                            autocontinue=0))
    return out


def rally_items(points: Sequence[RallyPoint]) -> list[WireItem]:
    """The rally list: one MAV_CMD_NAV_RALLY_POINT per point, altitude above home."""
    return [WireItem(command=int(Cmd.RALLY_POINT), frame=int(Frame.GLOBAL_RELATIVE_ALT_INT), x=deg_e7(r.lat),
                     y=deg_e7(r.lon), z=float(r.alt_m), autocontinue=0) for r in points]


def plan_lists(mission: Mission) -> dict[int, list[WireItem]]:
    """All three lists of a mission, keyed by MAV_MISSION_TYPE (0 mission, 1 fence, 2 rally)."""
    return {int(MissionType.MISSION): mission_items(mission), int(MissionType.FENCE): fence_items(mission.geofence),
            int(MissionType.RALLY): rally_items(mission.rally)}


def wire_from_msg(msg: Any) -> WireItem:
    """A received MISSION_ITEM_INT (or the older float MISSION_ITEM) as a :class:`WireItem`."""
    frame = int(msg.frame)
    if msg.get_type() == "MISSION_ITEM_INT":
        x, y = int(msg.x), int(msg.y)
    elif frame in GLOBAL_FRAMES:
        x, y = deg_e7(float(msg.x)), deg_e7(float(msg.y))
    else:
        x = round(msg.x) if math.isfinite(msg.x) else 0
        y = round(msg.y) if math.isfinite(msg.y) else 0
    return WireItem(command=int(msg.command), frame=frame,
                    params=(float(msg.param1), float(msg.param2), float(msg.param3), float(msg.param4)),
                    x=x, y=y, z=float(msg.z), autocontinue=int(msg.autocontinue), current=int(msg.current))


# --- comparison ------------------------------------------------------------------------------

_PARAM_NAMES = ("param1", "param2", "param3", "param4")


def _float_close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= 1e-5 * max(1.0, abs(a), abs(b))


def _base_frame(frame: int) -> int:
    return FROM_INT_FRAME.get(int(frame), int(frame))


def _describe(seq: int, item: WireItem) -> str:
    try:
        name = Cmd(item.command).name
    except ValueError:
        name = f"command {item.command}"
    return f"item {seq} ({name})"


def item_differences(seq: int, want: WireItem, got: WireItem) -> list[str]:
    """What differs between a sent item and its read-back, tolerating ArduCopter's quirks."""
    where = _describe(seq, want)
    if want.command != got.command:
        return [f"{where}: command {got.command} on board, {want.command} planned"]
    out: list[str] = []
    stored = STORED_PARAMS.get(want.command)
    for k in range(4):
        expected = want.params[k]
        if stored is None:
            if math.isnan(expected):
                continue
        else:
            conv = stored.get(k + 1)
            if conv is None:
                continue
            if math.isnan(expected) and conv is _float:
                continue
            expected = conv(expected)
        if not _float_close(expected, got.params[k]):
            out.append(f"{where}: {_PARAM_NAMES[k]} {got.params[k]:g} on board, {expected:g} planned")
    positioned = want.command in LOCATION_COMMANDS or want.command in FENCE_COMMANDS or want.command == Cmd.RALLY_POINT
    if positioned and (abs(want.x - got.x) > LATLON_TOL_E7 or abs(want.y - got.y) > LATLON_TOL_E7):
        out.append(f"{where}: position {got.lat:.7f}, {got.lon:.7f} on board, "
                   f"{want.lat:.7f}, {want.lon:.7f} planned")
    if want.command in LOCATION_COMMANDS or want.command == Cmd.RALLY_POINT:
        if want.command in LOCATION_COMMANDS and _base_frame(want.frame) != _base_frame(got.frame):
            out.append(f"{where}: frame {got.frame} on board, {want.frame} planned (altitude reference)")
        # rally points keep whole metres (RallyLocation.alt is int16)
        z = float(int(want.z)) if want.command == Cmd.RALLY_POINT and math.isfinite(want.z) else want.z
        if not (abs(z - got.z) <= ALT_TOL_M):
            out.append(f"{where}: altitude {got.z:.2f} m on board, {z:.2f} m planned")
    xy = STORED_XY.get(want.command)
    if xy is not None:
        if xy[0] and _U8(want.x) != got.x:
            out.append(f"{where}: param5 {got.x} on board, {want.x} planned")
        if xy[1] and _U8(want.y) != got.y:
            out.append(f"{where}: param6 {got.y} on board, {want.y} planned")
    return out


def compare(want: Sequence[WireItem], got: Sequence[WireItem], mission_type: int) -> list[str]:
    """Differences between a planned list and the list read back (empty: they match).

    For the mission list item 0 (home) is not compared: ArduCopter reports its own home there.
    """
    if len(want) != len(got):
        return [f"{len(got)} items on board, {len(want)} planned"]
    start = 1 if mission_type == MissionType.MISSION else 0
    out: list[str] = []
    for seq in range(start, len(want)):
        out.extend(item_differences(seq, want[seq], got[seq]))
    return out


def _canonical(item: WireItem) -> list[Any]:
    frame = _base_frame(item.frame) if item.command in LOCATION_COMMANDS else 0
    params = [None if math.isnan(p) else round(p, 4) for p in item.params]
    return [item.command, frame, params, item.x, item.y, round(item.z, 2)]


def board_digest(items: Sequence[WireItem], mission_type: int) -> str:
    """A fingerprint of a list as read back from the vehicle (home excluded for the mission list).

    Two downloads of the same stored list give the same digest, so a later download can be matched
    against the read-back of the last verified upload.
    """
    start = 1 if mission_type == MissionType.MISSION and items else 0
    doc = [len(items), [_canonical(i) for i in items[start:]]]
    return hashlib.sha256(json.dumps(doc, separators=(",", ":")).encode()).hexdigest()[:16]


def triggers_photos(items: Sequence[WireItem]) -> bool:
    """True if a mission list takes photos (DO_SET_CAM_TRIGG_DIST > 0 or DO_DIGICAM_CONTROL)."""
    return any((i.command == Cmd.DO_SET_CAM_TRIGG_DIST and i.params[0] > 0) or i.command == Cmd.DO_DIGICAM_CONTROL
               for i in items)


__all__ = [
    "WireItem",
    "board_digest",
    "compare",
    "deg_e7",
    "fence_items",
    "item_differences",
    "mission_items",
    "plan_lists",
    "rally_items",
    "triggers_photos",
    "wire_from_msg",
    "wire_item",
]
