"""Mission, fence and rally storage, and the vehicle side of the MAVLink mission protocol.

Reproduces ArduCopter 4.x (``GCS_MAVLink/MissionItemProtocol*.cpp``, ``AP_Mission``,
``AC_PolyFence_loader``, ``AP_Rally``):

* uploads are driven by the vehicle with the *old* ``MISSION_REQUEST``; the next request goes
  out as soon as an item is stored, the current one is re-sent after 1 s without an item and the
  transfer is cancelled (``MISSION_ACK OPERATION_CANCELLED``) after 8 s;
* an item whose ``seq`` is not the one requested gets ``MISSION_ACK INVALID_SEQUENCE`` and the
  transfer goes on; any other error ends it with that result;
* a mission upload is not atomic (the stored mission is truncated at ``MISSION_COUNT`` and
  items are written one by one); fences are written at the end, all or nothing;
* items are stored the way ArduPilot stores them, so read-back shows its quirks: INT frames
  come back in their non-INT form, commands without a location come back in frame 0 with
  unused params zeroed, fence and rally items come back with autocontinue 0, item 0 is home.

The classes are sans-I/O: handlers take decoded pymavlink messages and the vehicle time and
return the pymavlink messages to send.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from dronepatrol.sim.params import ParamStore

M = mavlink2

MISSION = M.MAV_MISSION_TYPE_MISSION
FENCE = M.MAV_MISSION_TYPE_FENCE
RALLY = M.MAV_MISSION_TYPE_RALLY

#: Mission items SITL can store (including home): 651 items at once gets NO_SPACE.
MAX_MISSION_ITEMS = 650
#: Fence items (84 on a Pixhawk's storage, which is what we reproduce).
MAX_FENCE_ITEMS = 84
#: Rally points.
MAX_RALLY_POINTS = 20

UPLOAD_TIMEOUT_S = 8.0
RE_REQUEST_S = 1.0
LOCATION_ALT_MAX_M = 83000.0

_ABS_FRAMES = {M.MAV_FRAME_MISSION, M.MAV_FRAME_GLOBAL, M.MAV_FRAME_GLOBAL_INT}
_REL_FRAMES = {M.MAV_FRAME_GLOBAL_RELATIVE_ALT, M.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT}
_TERRAIN_FRAMES = {M.MAV_FRAME_GLOBAL_TERRAIN_ALT, M.MAV_FRAME_GLOBAL_TERRAIN_ALT_INT}
_FLOAT_GLOBAL_FRAMES = {
    M.MAV_FRAME_GLOBAL,
    M.MAV_FRAME_GLOBAL_RELATIVE_ALT,
    M.MAV_FRAME_GLOBAL_TERRAIN_ALT,
}


def f32(value: float) -> float:
    """Round ``value`` to IEEE single precision (what the autopilot keeps)."""
    try:
        return struct.unpack("<f", struct.pack("<f", value))[0]
    except (OverflowError, struct.error):
        return math.copysign(math.inf, value)


def _to_int(value: float, lo: int, hi: int) -> int:
    """C-style float -> integer conversion (truncation), clamped to ``[lo, hi]``."""
    if not math.isfinite(value):
        return 0
    return max(lo, min(hi, int(value)))


# Storage kinds for command parameters: how ArduPilot keeps each one.
_KINDS: dict[str, Callable[[float], float]] = {
    "u8": lambda v: float(_to_int(v, 0, 255)),
    "i8": lambda v: float(_to_int(v, -128, 127)),
    "u16": lambda v: float(_to_int(v, 0, 65535)),
    "i16": lambda v: float(_to_int(v, -32768, 32767)),
    "f32": f32,
    "sign1": lambda v: -1.0 if (math.isfinite(v) and v < 0) else 1.0,
    "pos01": lambda v: 1.0 if (math.isfinite(v) and v > 0) else 0.0,
}


@dataclass(frozen=True)
class CommandSpec:
    """How ArduPilot stores one MAV_CMD: kept params (slot, kind), location, STATUSTEXT name."""

    name: str
    params: tuple[tuple[str, str], ...] = ()
    location: bool = False
    nav: bool = False


#: Mission commands ArduCopter accepts in a mission (others get MAV_MISSION_UNSUPPORTED), as in
#: AP_Mission::mavlink_int_to_mission_cmd: DO_SET_ROI_LOCATION (195) and DO_SET_ROI_NONE (197) are
#: accepted as commands (COMMAND_LONG/INT) but not stored in a mission.
COMMANDS: dict[int, CommandSpec] = {
    M.MAV_CMD_NAV_WAYPOINT: CommandSpec("WP", (("param1", "u16"),), True, True),
    M.MAV_CMD_NAV_LOITER_UNLIM: CommandSpec("LoitUnlim", (("param3", "i16"),), True, True),
    M.MAV_CMD_NAV_LOITER_TURNS: CommandSpec(
        "LoitTurns", (("param1", "u8"), ("param3", "i16"), ("param4", "pos01")), True, True
    ),
    M.MAV_CMD_NAV_LOITER_TIME: CommandSpec(
        "LoitTime", (("param1", "u16"), ("param3", "sign1"), ("param4", "pos01")), True, True
    ),
    M.MAV_CMD_NAV_RETURN_TO_LAUNCH: CommandSpec("RTL", (), False, True),
    M.MAV_CMD_NAV_LAND: CommandSpec("Land", (("param1", "u16"), ("param4", "sign1")), True, True),
    M.MAV_CMD_NAV_TAKEOFF: CommandSpec("Takeoff", (("param1", "u16"),), True, True),
    M.MAV_CMD_NAV_CONTINUE_AND_CHANGE_ALT: CommandSpec("ChangeAlt", (("param1", "u16"),), True, True),
    M.MAV_CMD_NAV_LOITER_TO_ALT: CommandSpec("LoitAltitude", (("param2", "i16"), ("param4", "pos01")), True, True),
    M.MAV_CMD_NAV_SPLINE_WAYPOINT: CommandSpec("SplineWP", (("param1", "u16"),), True, True),
    M.MAV_CMD_NAV_DELAY: CommandSpec(
        "Delay",
        (("param1", "f32"), ("param2", "f32"), ("param3", "f32"), ("param4", "f32")),
        False,
        True,
    ),
    M.MAV_CMD_CONDITION_DELAY: CommandSpec("CondDelay", (("param1", "f32"),)),
    M.MAV_CMD_CONDITION_DISTANCE: CommandSpec("CondDist", (("param1", "f32"),)),
    M.MAV_CMD_CONDITION_YAW: CommandSpec(
        "CondYaw", (("param1", "f32"), ("param2", "f32"), ("param3", "i8"), ("param4", "u8"))
    ),
    M.MAV_CMD_DO_JUMP: CommandSpec("Jump", (("param1", "u16"), ("param2", "i16"))),
    M.MAV_CMD_DO_CHANGE_SPEED: CommandSpec("ChangeSpeed", (("param1", "u8"), ("param2", "f32"), ("param3", "u8"))),
    M.MAV_CMD_DO_SET_HOME: CommandSpec("SetHome", (("param1", "u16"),), True),
    M.MAV_CMD_DO_SET_RELAY: CommandSpec("SetRelay", (("param1", "u8"), ("param2", "u8"))),
    M.MAV_CMD_DO_SET_SERVO: CommandSpec("SetServo", (("param1", "u8"), ("param2", "u16"))),
    M.MAV_CMD_DO_LAND_START: CommandSpec("LandStart", (), True),
    M.MAV_CMD_DO_SET_ROI: CommandSpec("SetROI", (("param1", "u16"),), True),
    M.MAV_CMD_DO_DIGICAM_CONFIGURE: CommandSpec(
        "DigiCamCfg",
        (("param1", "u8"), ("param2", "u16"), ("param3", "u8"), ("param4", "u8"), ("x", "u8")),
    ),
    M.MAV_CMD_DO_DIGICAM_CONTROL: CommandSpec(
        "DigiCamCtrl",
        (
            ("param1", "u8"),
            ("param2", "u8"),
            ("param3", "i8"),
            ("param4", "u8"),
            ("x", "u8"),
            ("y", "u8"),
        ),
    ),
    M.MAV_CMD_DO_MOUNT_CONTROL: CommandSpec("MountControl", (("param1", "f32"), ("param2", "f32"), ("param3", "f32"))),
    M.MAV_CMD_DO_SET_CAM_TRIGG_DIST: CommandSpec("CamTrigDist", (("param1", "f32"), ("param3", "u8"))),
    M.MAV_CMD_DO_FENCE_ENABLE: CommandSpec("FenceEnable", (("param1", "u16"),)),
    M.MAV_CMD_DO_GUIDED_LIMITS: CommandSpec(
        "GuidedLimits",
        (("param1", "u16"), ("param2", "f32"), ("param3", "f32"), ("param4", "f32")),
    ),
}

# Commands whose param4 may be NaN in a mission item (AP_Mission::sanity_check_params).
_NAN_PARAM4_OK = {M.MAV_CMD_NAV_WAYPOINT, M.MAV_CMD_NAV_LAND, M.MAV_CMD_NAV_TAKEOFF}

_ITEM_FIELDS = ("param1", "param2", "param3", "param4", "x", "y", "z")


@dataclass
class Command:
    """A stored mission command (``AP_Mission::Mission_Command``).

    ``params`` holds the kept parameter slots; the location is ``lat_e7``/``lon_e7`` (degE7)
    and ``alt_cm`` (centimetres, above home if ``relative_alt``, else above sea level).
    """

    index: int
    command: int
    params: dict[str, float] = field(default_factory=dict)
    lat_e7: int = 0
    lon_e7: int = 0
    alt_cm: int = 0
    relative_alt: bool = False
    terrain_alt: bool = False

    @property
    def spec(self) -> CommandSpec:
        """The command's storage specification."""
        return COMMANDS[self.command]

    def p(self, slot: str) -> float:
        """Stored value of parameter ``slot`` (0 if not kept)."""
        return self.params.get(slot, 0.0)

    @property
    def has_location(self) -> bool:
        """True if the command carries a non-zero latitude/longitude."""
        return self.spec.location and not (self.lat_e7 == 0 and self.lon_e7 == 0)


@dataclass
class ItemInt:
    """A MISSION_ITEM_INT as received (``x``/``y`` already degE7 integers)."""

    seq: int
    frame: int
    command: int
    current: int
    autocontinue: int
    param1: float
    param2: float
    param3: float
    param4: float
    x: int
    y: int
    z: float
    mission_type: int


def item_from_msg(msg: Any) -> ItemInt | None:
    """Convert a received MISSION_ITEM_INT or MISSION_ITEM into an :class:`ItemInt`.

    Float items in a global frame have their coordinates scaled to degE7 as ArduPilot does
    (single-precision multiply, truncation). Returns None for anything unusable.
    """
    try:
        if msg.get_type() == "MISSION_ITEM_INT":
            x, y = int(msg.x), int(msg.y)
        else:
            if msg.frame in _FLOAT_GLOBAL_FRAMES or msg.frame == M.MAV_FRAME_MISSION:
                x = _to_int(f32(f32(msg.x) * f32(1e7)), -(2**31), 2**31 - 1)
                y = _to_int(f32(f32(msg.y) * f32(1e7)), -(2**31), 2**31 - 1)
            else:
                x = _to_int(msg.x, -(2**31), 2**31 - 1)
                y = _to_int(msg.y, -(2**31), 2**31 - 1)
        return ItemInt(
            seq=int(msg.seq),
            frame=int(msg.frame),
            command=int(msg.command),
            current=int(msg.current),
            autocontinue=int(msg.autocontinue),
            param1=float(msg.param1),
            param2=float(msg.param2),
            param3=float(msg.param3),
            param4=float(msg.param4),
            x=x,
            y=y,
            z=float(msg.z),
            mission_type=int(getattr(msg, "mission_type", 0)),
        )
    except (AttributeError, TypeError, ValueError, OverflowError):
        return None


def _sanity_check_params(item: ItemInt) -> int:
    for i, name in enumerate(("param1", "param2", "param3", "param4")):
        v = getattr(item, name)
        nan_ok = i == 3 and item.command in _NAN_PARAM4_OK
        if math.isinf(v) or (math.isnan(v) and not nan_ok):
            return M.MAV_MISSION_INVALID_PARAM1 + i
    return M.MAV_MISSION_ACCEPTED


def item_to_command(item: ItemInt) -> tuple[int, Command | None]:
    """``AP_Mission::mavlink_int_to_mission_cmd``: return (MAV_MISSION_RESULT, Command)."""
    if item.command in (0, 1):
        return M.MAV_MISSION_INVALID, None
    spec = COMMANDS.get(item.command)
    if spec is None:
        return M.MAV_MISSION_UNSUPPORTED, None
    result = _sanity_check_params(item)
    if result != M.MAV_MISSION_ACCEPTED:
        return result, None
    cmd = Command(index=item.seq, command=item.command)
    for slot, kind in spec.params:
        cmd.params[slot] = _KINDS[kind](float(getattr(item, slot)))
    if spec.location:
        if not -900000000 <= item.x <= 900000000:
            return M.MAV_MISSION_INVALID_PARAM5_X, None
        if not -1800000000 <= item.y <= 1800000000:
            return M.MAV_MISSION_INVALID_PARAM6_Y, None
        if math.isnan(item.z) or abs(item.z) >= LOCATION_ALT_MAX_M:
            return M.MAV_MISSION_INVALID_PARAM7, None
        if item.frame in _ABS_FRAMES:
            rel, terrain = False, False
        elif item.frame in _REL_FRAMES:
            rel, terrain = True, False
        elif item.frame in _TERRAIN_FRAMES:
            rel, terrain = True, True
        else:
            return M.MAV_MISSION_UNSUPPORTED_FRAME, None
        cmd.lat_e7, cmd.lon_e7 = item.x, item.y
        cmd.alt_cm = _to_int(f32(f32(item.z) * 100.0), -(2**31), 2**31 - 1)
        cmd.relative_alt, cmd.terrain_alt = rel, terrain
    return M.MAV_MISSION_ACCEPTED, cmd


def command_to_fields(cmd: Command) -> dict[str, float]:
    """``AP_Mission::mission_cmd_to_mavlink_int``: the fields a read-back item carries."""
    out: dict[str, float] = dict.fromkeys(_ITEM_FIELDS, 0.0)
    out["frame"] = M.MAV_FRAME_GLOBAL
    for slot, _kind in cmd.spec.params:
        out[slot] = cmd.params.get(slot, 0.0)
    if cmd.spec.location:
        out["x"], out["y"] = cmd.lat_e7, cmd.lon_e7
        out["z"] = f32(cmd.alt_cm * 0.01)
        if cmd.terrain_alt:
            out["frame"] = M.MAV_FRAME_GLOBAL_TERRAIN_ALT
        elif cmd.relative_alt:
            out["frame"] = M.MAV_FRAME_GLOBAL_RELATIVE_ALT
    out["x"], out["y"] = int(out["x"]), int(out["y"])
    out["command"] = cmd.command
    out["autocontinue"] = 1
    return out


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


Send = list[Any]


class ItemProtocol:
    """Generic vehicle side of the mission protocol for one mission type.

    Subclasses provide the storage (item_count, get_item, replace/append, complete...).
    ``enc`` is a pymavlink ``MAVLink`` object used only to build messages.
    """

    mission_type = MISSION
    timeout_text = "Mission upload timeout"

    def __init__(self, enc: Any) -> None:
        self.enc = enc
        self.receiving = False
        self.request_i = 0
        self.request_last = 0
        self.dest_sysid = 0
        self.dest_compid = 0
        self.t_last_receive = 0.0
        self.t_last_request = 0.0

    # --- storage hooks -------------------------------------------------------------------------
    def item_count(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def max_items(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_item(self, seq: int, out: Send, msg: Any) -> tuple[int, dict[str, float] | None]:
        raise NotImplementedError  # pragma: no cover

    def replace_item(self, item: ItemInt) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def append_item(self, item: ItemInt) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def truncate(self, count: int) -> None:
        """Called on MISSION_COUNT before the upload starts."""

    def allocate(self, count: int) -> int:
        """Reserve room for ``count`` incoming items; return a MAV_MISSION_RESULT."""
        return M.MAV_MISSION_ACCEPTED

    def free(self) -> None:
        """Drop what an unfinished upload reserved."""

    def complete(self, out: Send) -> int:
        """Called when the last item arrived; return the final MAV_MISSION_RESULT."""
        return M.MAV_MISSION_ACCEPTED

    def clear_all(self) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def readback_autocontinue(self) -> int:
        """autocontinue of items read back (0 for fence and rally in ArduPilot)."""
        return 1

    # --- protocol ----------------------------------------------------------------------------
    def _ack(self, out: Send, sysid: int, compid: int, result: int) -> None:
        out.append(self.enc.mission_ack_encode(sysid, compid, result, self.mission_type))

    def _request(self, out: Send, now: float) -> None:
        out.append(
            self.enc.mission_request_encode(self.dest_sysid, self.dest_compid, self.request_i, self.mission_type)
        )
        self.t_last_request = now

    def _end(self) -> None:
        self.receiving = False
        self.free()

    def handle_count(self, msg: Any, now: float, out: Send) -> None:
        """MISSION_COUNT: start an upload of ``msg.count`` items."""
        if self.receiving:
            if msg.get_srcSystem() != self.dest_sysid or msg.get_srcComponent() != self.dest_compid:
                self._ack(out, msg.get_srcSystem(), msg.get_srcComponent(), M.MAV_MISSION_DENIED)
                return
            self._end()
        count = int(msg.count)
        if count > self.max_items():
            self._ack(out, msg.get_srcSystem(), msg.get_srcComponent(), M.MAV_MISSION_NO_SPACE)
            out.append(
                self.enc.statustext_encode(
                    M.MAV_SEVERITY_WARNING, f"Only {self.max_items()} items are supported".encode()
                )
            )
            return
        result = self.allocate(count)
        if result != M.MAV_MISSION_ACCEPTED:
            self._ack(out, msg.get_srcSystem(), msg.get_srcComponent(), result)
            return
        self.truncate(count)
        self.dest_sysid, self.dest_compid = msg.get_srcSystem(), msg.get_srcComponent()
        if count == 0:
            self._ack(out, self.dest_sysid, self.dest_compid, self.complete(out))
            self._end()
            return
        self.receiving = True
        self.request_i, self.request_last = 0, count - 1
        self.t_last_receive = now
        self._request(out, now)

    def handle_item(self, msg: Any, item: ItemInt, now: float, out: Send) -> None:
        """MISSION_ITEM / MISSION_ITEM_INT during an upload."""
        src, comp = msg.get_srcSystem(), msg.get_srcComponent()
        if not self.receiving:
            return  # ArduPilot has no upload link: nothing to answer
        if item.seq != self.request_i:
            self._ack(out, src, comp, M.MAV_MISSION_INVALID_SEQUENCE)
            return
        if src != self.dest_sysid or comp != self.dest_compid:
            self._ack(out, src, comp, M.MAV_MISSION_DENIED)
            return
        count = self.item_count()
        if item.seq < count:
            result = self.replace_item(item)
        elif item.seq == count:
            result = self.append_item(item)
        else:
            result = M.MAV_MISSION_ERROR
        if result != M.MAV_MISSION_ACCEPTED:
            self._ack(out, src, comp, result)
            self._end()
            return
        self.t_last_receive = now
        self.request_i += 1
        if self.request_i > self.request_last:
            final = self.complete(out)
            self._ack(out, src, comp, final)
            self._end()
            return
        self._request(out, now)

    def handle_request_list(self, msg: Any, out: Send) -> None:
        """MISSION_REQUEST_LIST: answer MISSION_COUNT."""
        src, comp = msg.get_srcSystem(), msg.get_srcComponent()
        if self.receiving:
            self._ack(out, src, comp, M.MAV_MISSION_DENIED)
            return
        out.append(self.enc.mission_count_encode(src, comp, self.item_count(), self.mission_type))

    def handle_request(self, msg: Any, out: Send, *, want_int: bool) -> None:
        """MISSION_REQUEST_INT (answer MISSION_ITEM_INT) or MISSION_REQUEST (MISSION_ITEM)."""
        src, comp = msg.get_srcSystem(), msg.get_srcComponent()
        if self.receiving:
            self._ack(out, src, comp, M.MAV_MISSION_DENIED)
            return
        seq = int(msg.seq)
        result, fields = self.get_item(seq, out, msg)
        if result != M.MAV_MISSION_ACCEPTED or fields is None:
            self._ack(out, src, comp, result)
            return
        autocontinue = self.readback_autocontinue()
        current = int(fields.get("current", 0))
        if want_int:
            out.append(
                self.enc.mission_item_int_encode(
                    src,
                    comp,
                    seq,
                    int(fields["frame"]),
                    int(fields["command"]),
                    current,
                    autocontinue,
                    fields["param1"],
                    fields["param2"],
                    fields["param3"],
                    fields["param4"],
                    int(fields["x"]),
                    int(fields["y"]),
                    fields["z"],
                    self.mission_type,
                )
            )
        else:
            scale = 1e-7 if fields["frame"] in _FLOAT_GLOBAL_FRAMES else 1.0
            out.append(
                self.enc.mission_item_encode(
                    src,
                    comp,
                    seq,
                    int(fields["frame"]),
                    int(fields["command"]),
                    current,
                    autocontinue,
                    fields["param1"],
                    fields["param2"],
                    fields["param3"],
                    fields["param4"],
                    fields["x"] * scale,
                    fields["y"] * scale,
                    fields["z"],
                    self.mission_type,
                )
            )

    def handle_clear_all(self, msg: Any, out: Send) -> None:
        """MISSION_CLEAR_ALL: clear and acknowledge (ERROR while uploading or if refused)."""
        ok = not self.receiving and self.clear_all()
        self._ack(
            out,
            msg.get_srcSystem(),
            msg.get_srcComponent(),
            M.MAV_MISSION_ACCEPTED if ok else M.MAV_MISSION_ERROR,
        )

    def update(self, now: float, out: Send) -> None:
        """Re-request a missing item after 1 s; cancel the upload after 8 s without items."""
        if not self.receiving:
            return
        if now - self.t_last_receive > UPLOAD_TIMEOUT_S:
            out.append(self.enc.statustext_encode(M.MAV_SEVERITY_WARNING, self.timeout_text.encode()))
            self._ack(out, self.dest_sysid, self.dest_compid, M.MAV_MISSION_OPERATION_CANCELLED)
            self._end()
            return
        if now - self.t_last_request > RE_REQUEST_S:
            self._request(out, now)


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
        self.params.set("MIS_TOTAL", len(self.commands))
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
        if self.is_running():
            return False
        del self.commands[1:]
        self._sync()
        return True


_FENCE_POLY = {M.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, M.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION}
_FENCE_CIRCLE = {M.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION, M.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION}
_FENCE_FRAMES = _ABS_FRAMES | _REL_FRAMES | _TERRAIN_FRAMES


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
        fields = dict.fromkeys(_ITEM_FIELDS, 0.0)
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
            new = FenceItem(item.command, item.x, item.y, vertex_count=_to_int(item.param1, 0, 255))
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
        self._write(items)
        return M.MAV_MISSION_ACCEPTED

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
        self.params.set("FENCE_TOTAL", total + 2 if total >= 3 else 0)
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
        fields = dict.fromkeys(_ITEM_FIELDS, 0.0)
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
        if item.frame not in _REL_FRAMES:
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
        self.params.set("RALLY_TOTAL", len(self._points))
        return M.MAV_MISSION_ACCEPTED

    def truncate(self, count: int) -> None:
        del self.points[count:]
        self.params.set("RALLY_TOTAL", len(self._points))

    def complete(self, out: Send) -> int:
        out.append(self.enc.statustext_encode(M.MAV_SEVERITY_INFO, b"Rally points received"))
        return M.MAV_MISSION_ACCEPTED

    def clear_all(self) -> bool:
        self.truncate(0)
        return True
