"""Mission, fence and rally storage of a simulated ArduCopter, each behind the mission protocol.

Reproduces ArduCopter 4.x (``AP_Mission``, ``AC_PolyFence_loader``, ``AP_Rally``) on top of the
transfer protocol of :mod:`dronepatrol.sim.mission_transfer`:

* a mission upload is not atomic (the stored mission is truncated at ``MISSION_COUNT`` and
  items are written one by one); fences are written at the end, all or nothing;
* items are stored the way ArduPilot stores them (:mod:`dronepatrol.sim.mission_items`), so
  read-back shows its quirks: fence and rally items come back with autocontinue 0, item 0 is home.

The classes are sans-I/O: handlers take decoded pymavlink messages and the vehicle time and
return the pymavlink messages to send.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from dronepatrol.sim.mission_items import (
    ABS_FRAMES,
    ITEM_FIELDS,
    REL_FRAMES,
    TERRAIN_FRAMES,
    Command,
    ItemInt,
    command_to_fields,
    f32,
    item_to_command,
    to_int,
)
from dronepatrol.sim.mission_transfer import FENCE, MISSION, RALLY, ItemProtocol, Send
from dronepatrol.sim.params import ParamStore

M = mavlink2

#: Mission items SITL can store (including home): 651 items at once gets NO_SPACE.
MAX_MISSION_ITEMS = 650
#: Fence items ArduCopter 4.7 SITL takes in one upload (71 gets NO_SPACE, "Only 70 items are supported").
MAX_FENCE_ITEMS = 70
#: Bytes of fence storage (AC_PolyFence_loader): 16 four-vertex polygons fit, 17 do not (ERROR).
FENCE_STORAGE_BYTES = 560
#: Rally points ArduCopter 4.7 SITL stores (47 gets NO_SPACE, "Only 46 items are supported").
MAX_RALLY_POINTS = 46


@dataclass
class FenceItem:
    """One stored fence item (``AC_PolyFenceItem``); ``radius_m`` for circles."""

    command: int
    lat_e7: int
    lon_e7: int
    vertex_count: int = 0
    radius_m: float = 0.0


@dataclass
class RallyPoint:
    """A stored rally point: degE7 position and ``alt_m`` (whole metres above home)."""

    lat_e7: int
    lon_e7: int
    alt_m: int


HomeFn = Callable[[], tuple[int, int, int]]


class MissionProtocol(ItemProtocol):
    """Mission (type 0) storage: ``commands[0]`` is home, read from ``home_fn`` (degE7, cm AMSL).

    ``is_running`` tells whether the mission is being flown (it cannot be cleared then).
    """

    mission_type = MISSION
    timeout_text = "Mission upload timeout"

    def __init__(
        self,
        enc: Any,
        params: ParamStore,
        home_fn: HomeFn,
        is_running: Callable[[], bool] = lambda: False,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(enc)
        self.params = params
        self.home_fn = home_fn
        self.is_running = is_running
        self.on_change = on_change
        self.commands: list[Command] = [Command(index=0, command=M.MAV_CMD_NAV_WAYPOINT)]
        self._sync()

    def _sync(self) -> None:
        self.params.update("MIS_TOTAL", len(self.commands))
        self.on_change()

    def item_count(self) -> int:
        return len(self.commands)

    def max_items(self) -> int:
        return MAX_MISSION_ITEMS

    def command(self, index: int) -> Command:
        """Stored command ``index`` (0 = home, with the current home location)."""
        if index == 0:
            lat, lon, alt_cm = self.home_fn()
            return Command(index=0, command=M.MAV_CMD_NAV_WAYPOINT, lat_e7=lat, lon_e7=lon, alt_cm=alt_cm)
        return self.commands[index]

    def get_item(self, seq: int, out: Send, msg: Any) -> tuple[int, dict[str, float] | None]:
        if seq != 0 and seq >= len(self.commands):
            out.append(
                self.enc.mission_count_encode(msg.get_srcSystem(), msg.get_srcComponent(), len(self.commands), MISSION)
            )
            return M.MAV_MISSION_ERROR, None
        return M.MAV_MISSION_ACCEPTED, command_to_fields(self.command(seq))

    def _check_jump(self, cmd: Command) -> bool:
        if cmd.command != M.MAV_CMD_DO_JUMP:
            return True
        target = int(cmd.p("param1"))
        return not ((target >= self.item_count() and target > self.request_last) or target == 0)

    def replace_item(self, item: ItemInt) -> int:
        result, cmd = item_to_command(item)
        if cmd is None:
            return result
        if not self._check_jump(cmd):
            return M.MAV_MISSION_ERROR
        self.commands[item.seq] = cmd
        self.on_change()
        return M.MAV_MISSION_ACCEPTED

    def append_item(self, item: ItemInt) -> int:
        result, cmd = item_to_command(item)
        if cmd is None:
            return result
        if not self._check_jump(cmd):
            return M.MAV_MISSION_ERROR
        if len(self.commands) >= MAX_MISSION_ITEMS:
            return M.MAV_MISSION_ERROR
        if not self.commands:
            # after MISSION_CLEAR_ALL there is no home slot: ArduCopter puts one back first, so the
            # first item uploaded lands at index 1 (and is overwritten by the next one)
            self.commands.append(Command(index=0, command=M.MAV_CMD_NAV_WAYPOINT))
        cmd.index = len(self.commands)
        self.commands.append(cmd)
        self._sync()
        return M.MAV_MISSION_ACCEPTED

    def truncate(self, count: int) -> None:
        if len(self.commands) > count:
            del self.commands[max(count, 1) :]
            self._sync()

    def complete(self, out: Send) -> int:
        out.append(self.enc.statustext_encode(M.MAV_SEVERITY_INFO, b"Flight plan received"))
        return M.MAV_MISSION_ACCEPTED

    def clear_all(self) -> bool:
        """Clear everything, home included: a download then reports count 0 (ArduCopter 4.7)."""
        if self.is_running():
            return False
        self.commands.clear()
        self._sync()
        return True


_FENCE_POLY = {M.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, M.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION}
_FENCE_CIRCLE = {M.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION, M.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION}
_FENCE_FRAMES = ABS_FRAMES | REL_FRAMES | TERRAIN_FRAMES


def _storage_bytes(items: list[FenceItem]) -> int:
    """Bytes AC_PolyFence_loader needs for ``items``: per polygon a type and count byte and 8 per
    vertex, per circle 13, per return point 9, and a 4-byte header."""
    total, i = 4, 0
    while i < len(items):
        it = items[i]
        if it.command in _FENCE_POLY:
            total += 2 + 8 * it.vertex_count
            i += max(it.vertex_count, 1)
            continue
        total += 13 if it.command in _FENCE_CIRCLE else 9
        i += 1
    return total


class FenceProtocol(ItemProtocol):
    """Fence (type 1) storage, as ``AC_PolyFence_loader``: written at the end, validated."""

    mission_type = FENCE
    timeout_text = "Fence upload timeout"

    def __init__(self, enc: Any, params: ParamStore, on_change: Callable[[], None] = lambda: None) -> None:
        super().__init__(enc)
        self.params = params
        self.on_change = on_change
        self.items: list[FenceItem] = []
        self._new: list[FenceItem | None] | None = None

    def item_count(self) -> int:
        if self.receiving and self._new is not None:
            return len(self._new)
        return len(self.items)

    def max_items(self) -> int:
        return MAX_FENCE_ITEMS

    def readback_autocontinue(self) -> int:
        return 0

    def get_item(self, seq: int, out: Send, msg: Any) -> tuple[int, dict[str, float] | None]:
        if seq > len(self.items):
            return M.MAV_MISSION_INVALID_SEQUENCE, None
        if seq == len(self.items):
            return M.MAV_MISSION_ERROR, None
        it = self.items[seq]
        p1 = float(it.vertex_count) if it.command in _FENCE_POLY else 0.0
        if it.command in _FENCE_CIRCLE:
            p1 = it.radius_m
        fields = dict.fromkeys(ITEM_FIELDS, 0.0)
        fields.update(frame=0, command=it.command, param1=p1, x=it.lat_e7, y=it.lon_e7)
        return M.MAV_MISSION_ACCEPTED, fields

    def allocate(self, count: int) -> int:
        self._new = [None] * count
        return M.MAV_MISSION_ACCEPTED

    def free(self) -> None:
        self._new = None

    def replace_item(self, item: ItemInt) -> int:
        if self._new is None or item.seq >= len(self._new):
            return M.MAV_MISSION_INVALID_SEQUENCE
        if item.frame not in _FENCE_FRAMES:
            return M.MAV_MISSION_UNSUPPORTED_FRAME
        if item.command in _FENCE_POLY:
            new = FenceItem(item.command, item.x, item.y, vertex_count=to_int(item.param1, 0, 255))
        elif item.command in _FENCE_CIRCLE:
            new = FenceItem(item.command, item.x, item.y, radius_m=f32(item.param1))
        elif item.command == M.MAV_CMD_NAV_FENCE_RETURN_POINT:
            new = FenceItem(item.command, item.x, item.y)
        else:
            return M.MAV_MISSION_UNSUPPORTED
        self._new[item.seq] = new
        return M.MAV_MISSION_ACCEPTED

    def append_item(self, item: ItemInt) -> int:
        return self.replace_item(item)

    def _validate(self, items: list[FenceItem], out: Send) -> bool:
        def warn(text: str) -> bool:
            out.append(self.enc.statustext_encode(M.MAV_SEVERITY_WARNING, text.encode()[:50]))
            return False

        expecting, remaining, orig, seen_return = 0, 0, 0, False
        for it in items:
            if it.command in _FENCE_POLY:
                if it.vertex_count < 3:
                    return warn(f"Invalid vertex count ({it.vertex_count})")
                if remaining == 0:
                    remaining, orig, expecting = it.vertex_count, it.vertex_count, it.command
                elif it.command != expecting or it.vertex_count != orig:
                    return warn("Received incorrect vertex type")
                remaining -= 1
            else:
                if remaining:
                    return warn("Received incorrect type")
                if it.command in _FENCE_CIRCLE and not it.radius_m > 0:
                    return warn("Non-positive circle radius")
                if it.command == M.MAV_CMD_NAV_FENCE_RETURN_POINT:
                    if seen_return:
                        return warn("Multiple return points")
                    seen_return = True
            if not (-900000000 <= it.lat_e7 <= 900000000 and -1800000000 <= it.lon_e7 <= 1800000000):
                return warn("Bad lat or lon")
        if remaining:
            out.append(self.enc.statustext_encode(M.MAV_SEVERITY_INFO, b"Incorrect item count"))
            return False
        return True

    def complete(self, out: Send) -> int:
        new = self._new or []
        if any(it is None for it in new):
            return M.MAV_MISSION_ERROR
        items = [it for it in new if it is not None]
        if not self._validate(items, out):
            out.append(self.enc.statustext_encode(M.MAV_SEVERITY_WARNING, b"Fence validation failed"))
            return M.MAV_MISSION_ERROR
        if _storage_bytes(items) > FENCE_STORAGE_BYTES:
            out.append(self.enc.statustext_encode(M.MAV_SEVERITY_WARNING, b"Fence exceeds storage size"))
            return M.MAV_MISSION_ERROR
        self._write(items)
        out.append(self.enc.statustext_encode(M.MAV_SEVERITY_DEBUG, b"Fence Indexed OK"))
        return M.MAV_MISSION_ACCEPTED

    def after_clear(self, out: Send) -> None:
        out.append(self.enc.statustext_encode(M.MAV_SEVERITY_DEBUG, b"Fence Indexed OK"))

    def _write(self, items: list[FenceItem]) -> None:
        self.items = items
        # FENCE_TOTAL as AC_PolyFence_loader::write_fence computes it: the vertex count of each
        # polygon (once per polygon) plus one per circle, plus 2 if that reaches 3, else 0.
        total, i = 0, 0
        while i < len(items):
            it = items[i]
            if it.command in _FENCE_POLY:
                total += it.vertex_count
                i += max(it.vertex_count, 1)
                continue
            if it.command in _FENCE_CIRCLE:
                total += 1
            i += 1
        self.params.update("FENCE_TOTAL", total + 2 if total >= 3 else 0)
        self.on_change()

    def clear_all(self) -> bool:
        self._write([])
        return True

    def polygons(self) -> list[tuple[bool, list[tuple[int, int]]]]:
        """Stored polygons as ``(inclusion, [(lat_e7, lon_e7), ...])``."""
        out: list[tuple[bool, list[tuple[int, int]]]] = []
        i = 0
        while i < len(self.items):
            it = self.items[i]
            if it.command in _FENCE_POLY:
                n = it.vertex_count
                verts = [(v.lat_e7, v.lon_e7) for v in self.items[i : i + n]]
                out.append((it.command == M.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, verts))
                i += n
            else:
                i += 1
        return out

    def circles(self) -> list[tuple[bool, int, int, float]]:
        """Stored circles as ``(inclusion, lat_e7, lon_e7, radius_m)``."""
        return [
            (it.command == M.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION, it.lat_e7, it.lon_e7, it.radius_m)
            for it in self.items
            if it.command in _FENCE_CIRCLE
        ]


class RallyProtocol(ItemProtocol):
    """Rally (type 2) storage, as ``AP_Rally``: RALLY_TOTAL is the stored count."""

    mission_type = RALLY
    timeout_text = "Rally upload timeout"

    def __init__(self, enc: Any, params: ParamStore) -> None:
        super().__init__(enc)
        self.params = params
        self._points: list[RallyPoint] = []

    @property
    def points(self) -> list[RallyPoint]:
        """Stored rally points (as many as RALLY_TOTAL says)."""
        total = int(self.params.get("RALLY_TOTAL"))
        if total < len(self._points):
            del self._points[max(total, 0) :]
        return self._points

    def item_count(self) -> int:
        return len(self.points)

    def max_items(self) -> int:
        return MAX_RALLY_POINTS

    def readback_autocontinue(self) -> int:
        return 0

    def get_item(self, seq: int, out: Send, msg: Any) -> tuple[int, dict[str, float] | None]:
        if seq >= len(self.points):
            return M.MAV_MISSION_INVALID_SEQUENCE, None
        p = self.points[seq]
        fields = dict.fromkeys(ITEM_FIELDS, 0.0)
        fields.update(
            frame=M.MAV_FRAME_GLOBAL_RELATIVE_ALT,
            command=M.MAV_CMD_NAV_RALLY_POINT,
            x=p.lat_e7,
            y=p.lon_e7,
            z=float(p.alt_m),
        )
        return M.MAV_MISSION_ACCEPTED, fields

    @staticmethod
    def _convert(item: ItemInt) -> tuple[int, RallyPoint | None]:
        if item.command != M.MAV_CMD_NAV_RALLY_POINT:
            return M.MAV_MISSION_UNSUPPORTED, None
        if item.frame not in REL_FRAMES:
            return M.MAV_MISSION_UNSUPPORTED_FRAME, None
        if not -900000000 <= item.x <= 900000000:
            return M.MAV_MISSION_INVALID_PARAM5_X, None
        if not -1800000000 <= item.y <= 1800000000:
            return M.MAV_MISSION_INVALID_PARAM6_Y, None
        if not (math.isfinite(item.z) and -32768 <= item.z <= 32767):
            return M.MAV_MISSION_INVALID_PARAM7, None
        return M.MAV_MISSION_ACCEPTED, RallyPoint(item.x, item.y, int(item.z))

    def replace_item(self, item: ItemInt) -> int:
        result, point = self._convert(item)
        if point is None:
            return result
        if item.seq >= len(self.points):
            return M.MAV_MISSION_ERROR
        self._points[item.seq] = point
        return M.MAV_MISSION_ACCEPTED

    def append_item(self, item: ItemInt) -> int:
        result, point = self._convert(item)
        if point is None:
            return result
        if len(self.points) >= MAX_RALLY_POINTS:
            return M.MAV_MISSION_ERROR
        self._points.append(point)
        self.params.update("RALLY_TOTAL", len(self._points))
        return M.MAV_MISSION_ACCEPTED

    def truncate(self, count: int) -> None:
        del self.points[count:]
        self.params.update("RALLY_TOTAL", len(self._points))

    def complete(self, out: Send) -> int:
        return M.MAV_MISSION_ACCEPTED

    def clear_all(self) -> bool:
        self.truncate(0)
        return True
