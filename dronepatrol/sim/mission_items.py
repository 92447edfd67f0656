"""Mission items as ArduCopter stores them: command specs and conversions to and from MAVLink.

Owns :data:`COMMANDS` (the MAV_CMDs ArduCopter accepts in a mission and how it keeps each
parameter), :class:`ItemInt` (a MISSION_ITEM or MISSION_ITEM_INT as received, degE7), the stored
:class:`Command` (``AP_Mission::Mission_Command``) and the conversions between them, which
reproduce ArduCopter 4.x (``AP_Mission``): values are stored as ArduPilot stores them (single
precision, truncated integers), so read-back shows its quirks: INT frames come back in their
non-INT form, commands without a location come back in frame 0 with unused params zeroed.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

M = mavlink2

LOCATION_ALT_MAX_M = 83000.0

#: Frames of an altitude above mean sea level (m).
ABS_FRAMES = {M.MAV_FRAME_MISSION, M.MAV_FRAME_GLOBAL, M.MAV_FRAME_GLOBAL_INT}
#: Frames of an altitude above home (m).
REL_FRAMES = {M.MAV_FRAME_GLOBAL_RELATIVE_ALT, M.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT}
#: Frames of an altitude above terrain (m).
TERRAIN_FRAMES = {M.MAV_FRAME_GLOBAL_TERRAIN_ALT, M.MAV_FRAME_GLOBAL_TERRAIN_ALT_INT}
#: Global frames whose float x/y are degrees (degE7 in the INT forms and on storage).
FLOAT_GLOBAL_FRAMES = {
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


def to_int(value: float, lo: int, hi: int) -> int:
    """C-style float -> integer conversion (truncation), clamped to ``[lo, hi]``."""
    if not math.isfinite(value):
        return 0
    return max(lo, min(hi, int(value)))


# Storage kinds for command parameters: how ArduPilot keeps each one.
_KINDS: dict[str, Callable[[float], float]] = {
    "u8": lambda v: float(to_int(v, 0, 255)),
    "i8": lambda v: float(to_int(v, -128, 127)),
    "u16": lambda v: float(to_int(v, 0, 65535)),
    "i16": lambda v: float(to_int(v, -32768, 32767)),
    "f32": f32,
    "sign1": lambda v: -1.0 if (math.isfinite(v) and v < 0) else 1.0,
    "pos01": lambda v: 1.0 if (math.isfinite(v) and v > 0) else 0.0,
    # DO_CHANGE_SPEED throttle: observed on ArduCopter 4.7 SITL, 0 (and -1) come back -1 ("no change")
    "thr": lambda v: float(to_int(v, -128, 127)) if (math.isfinite(v) and v > 0) else -1.0,
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
    M.MAV_CMD_NAV_CONTINUE_AND_CHANGE_ALT: CommandSpec("ContinueAndChangeAlt", (("param1", "u16"),), True, True),
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
    M.MAV_CMD_DO_CHANGE_SPEED: CommandSpec("ChangeSpeed", (("param1", "u8"), ("param2", "f32"), ("param3", "thr"))),
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
    M.MAV_CMD_DO_SET_CAM_TRIGG_DIST: CommandSpec("SetCamTrigDst", (("param1", "f32"), ("param3", "u8"))),
    M.MAV_CMD_DO_FENCE_ENABLE: CommandSpec("FenceEnable", (("param1", "u16"),)),
    M.MAV_CMD_DO_GUIDED_LIMITS: CommandSpec(
        "GuidedLimits",
        (("param1", "u16"), ("param2", "f32"), ("param3", "f32"), ("param4", "f32")),
    ),
}

# Commands whose param4 may be NaN in a mission item (AP_Mission::sanity_check_params).
_NAN_PARAM4_OK = {M.MAV_CMD_NAV_WAYPOINT, M.MAV_CMD_NAV_LAND, M.MAV_CMD_NAV_TAKEOFF}

#: Numeric fields of a MISSION_ITEM(_INT) (x/y degE7 or m, z m), in message order.
ITEM_FIELDS = ("param1", "param2", "param3", "param4", "x", "y", "z")


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
            if msg.frame in FLOAT_GLOBAL_FRAMES or msg.frame == M.MAV_FRAME_MISSION:
                x = to_int(f32(f32(msg.x) * f32(1e7)), -(2**31), 2**31 - 1)
                y = to_int(f32(f32(msg.y) * f32(1e7)), -(2**31), 2**31 - 1)
            else:
                x = to_int(msg.x, -(2**31), 2**31 - 1)
                y = to_int(msg.y, -(2**31), 2**31 - 1)
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
        if item.frame in ABS_FRAMES:
            rel, terrain = False, False
        elif item.frame in REL_FRAMES:
            rel, terrain = True, False
        elif item.frame in TERRAIN_FRAMES:
            rel, terrain = True, True
        else:
            return M.MAV_MISSION_UNSUPPORTED_FRAME, None
        cmd.lat_e7, cmd.lon_e7 = item.x, item.y
        cmd.alt_cm = to_int(f32(f32(item.z) * 100.0), -(2**31), 2**31 - 1)
        cmd.relative_alt, cmd.terrain_alt = rel, terrain
    return M.MAV_MISSION_ACCEPTED, cmd


def command_to_fields(cmd: Command) -> dict[str, float]:
    """``AP_Mission::mission_cmd_to_mavlink_int``: the fields a read-back item carries."""
    out: dict[str, float] = dict.fromkeys(ITEM_FIELDS, 0.0)
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
