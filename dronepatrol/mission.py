"""Mission model: per-drone MAVLink mission items, geofence and rally points.

Pure data, no I/O. Positions are degrees (``lon``, ``lat``) and altitudes metres relative to home
(``alt_m``), except :class:`Home` whose ``alt_amsl_m`` is above mean sea level. Item sequence
numbers follow ArduPilot: home is seq 0 and is not in :attr:`Mission.items`; ``items[0]`` is seq 1.

>>> m = Mission(drone="drone1", home=Home(lon=103.65, lat=16.05, alt_amsl_m=140.0),
...             items=(takeoff(20.0), waypoint(103.651, 16.051, 50.0), rtl()))
>>> [i.command for i in m.items]
[22, 16, 20]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import IntEnum


class Cmd(IntEnum):
    """MAV_CMD values dronepatrol writes (MAVLink common.xml)."""

    NAV_WAYPOINT = 16
    NAV_LOITER_UNLIM = 17
    NAV_LOITER_TURNS = 18
    NAV_LOITER_TIME = 19
    NAV_RETURN_TO_LAUNCH = 20
    NAV_LAND = 21
    NAV_TAKEOFF = 22
    NAV_SPLINE_WAYPOINT = 82
    NAV_DELAY = 93
    DO_JUMP = 177
    DO_CHANGE_SPEED = 178
    DO_SET_ROI_LOCATION = 195
    DO_SET_ROI_NONE = 197
    DO_SET_ROI = 201
    DO_DIGICAM_CONTROL = 203
    DO_SET_CAM_TRIGG_DIST = 206
    FENCE_RETURN_POINT = 5000
    FENCE_POLYGON_VERTEX_INCLUSION = 5001
    FENCE_POLYGON_VERTEX_EXCLUSION = 5002
    FENCE_CIRCLE_INCLUSION = 5003
    FENCE_CIRCLE_EXCLUSION = 5004
    RALLY_POINT = 5100


class Frame(IntEnum):
    """MAV_FRAME values used in missions."""

    GLOBAL = 0
    MISSION = 2
    GLOBAL_RELATIVE_ALT = 3
    GLOBAL_INT = 5
    GLOBAL_RELATIVE_ALT_INT = 6
    GLOBAL_TERRAIN_ALT = 10


class MissionType(IntEnum):
    """MAV_MISSION_TYPE: which of the vehicle's three lists a transfer addresses."""

    MISSION = 0
    FENCE = 1
    RALLY = 2


#: Commands whose lat/lon/alt are a position the vehicle flies to or over.
NAV_COMMANDS = frozenset(
    {
        Cmd.NAV_WAYPOINT,
        Cmd.NAV_LOITER_UNLIM,
        Cmd.NAV_LOITER_TURNS,
        Cmd.NAV_LOITER_TIME,
        Cmd.NAV_LAND,
        Cmd.NAV_TAKEOFF,
        Cmd.NAV_SPLINE_WAYPOINT,
    }
)


#: Commands ArduCopter stores in a mission (AP_Mission::mavlink_int_to_mission_cmd); any other
#: command makes the upload fail with MAV_MISSION_UNSUPPORTED. Fence and rally items travel in
#: their own lists.
ARDUCOPTER_MISSION_COMMANDS = frozenset(
    {
        16,
        17,
        18,
        19,
        20,
        21,
        22,
        30,
        31,
        82,
        83,
        92,
        93,
        112,
        114,
        115,  # nav and conditions
        176,
        177,
        178,
        179,
        181,
        182,
        183,
        184,
        189,
        191,
        201,
        202,
        203,
        205,
        206,
        207,
        208,
        210,
        211,
        212,
        222,
        42600,  # do commands
    }
)


@dataclass(frozen=True, kw_only=True)
class MissionItem:
    """One MAVLink mission item. ``params`` are param1..param4 (NaN allowed where unused)."""

    command: int
    frame: int = Frame.GLOBAL_RELATIVE_ALT
    params: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    lon: float = 0.0
    lat: float = 0.0
    alt_m: float = 0.0
    autocontinue: bool = True

    def __post_init__(self) -> None:
        # store plain ints so items compare, hash and serialise the same however built
        object.__setattr__(self, "command", int(self.command))
        object.__setattr__(self, "frame", int(self.frame))
        object.__setattr__(self, "params", tuple(float(p) for p in self.params))

    @property
    def is_nav(self) -> bool:
        """True if the vehicle flies to this item's position (take-off climbs in place)."""
        return self.command in NAV_COMMANDS

    @property
    def has_position(self) -> bool:
        """True if ``lon``/``lat`` are meaningful (a nav item not at 0, 0)."""
        return self.is_nav and not (self.lon == 0.0 and self.lat == 0.0)


@dataclass(frozen=True, kw_only=True)
class Home:
    """Planned home (launch site). ``alt_amsl_m`` metres above mean sea level."""

    lon: float
    lat: float
    alt_amsl_m: float = 0.0


@dataclass(frozen=True, kw_only=True)
class FencePolygon:
    """A fence polygon, vertices (lon, lat) degrees, not closed (first != last)."""

    vertices: tuple[tuple[float, float], ...]
    inclusion: bool


@dataclass(frozen=True, kw_only=True)
class FenceCircle:
    """A fence circle: centre degrees, ``radius_m`` metres."""

    lon: float
    lat: float
    radius_m: float
    inclusion: bool


@dataclass(frozen=True, kw_only=True)
class Geofence:
    """The fence uploaded with a mission. ``max_alt_m`` goes to the FENCE_ALT_MAX parameter."""

    polygons: tuple[FencePolygon, ...] = ()
    circles: tuple[FenceCircle, ...] = ()
    max_alt_m: float | None = None
    return_point: tuple[float, float] | None = None  # (lon, lat)

    @property
    def is_empty(self) -> bool:
        return not self.polygons and not self.circles and self.return_point is None


@dataclass(frozen=True, kw_only=True)
class RallyPoint:
    """A rally (safe landing) point: degrees, ``alt_m`` relative to home."""

    lon: float
    lat: float
    alt_m: float


@dataclass(frozen=True, kw_only=True)
class Mission:
    """Everything uploaded to one drone for one sortie.

    ``drone`` names the file (``<drone>.plan``); ``sortie`` > 1 gives ``<drone>-sortie2.plan``.
    Speeds in m/s. ``start_offset_s``: seconds after the fleet's common start at which this drone
    takes off (the planner staggers take-offs from nearby launch sites). Sorties fly in rounds: the
    fleet starts all first sorties together, then, once every drone has landed, all second
    sorties, each drone ``start_offset_s`` after that round's start. ``fleet start`` and
    ``mission check`` honour it.
    """

    drone: str
    home: Home
    items: tuple[MissionItem, ...] = ()
    geofence: Geofence = field(default_factory=Geofence)
    rally: tuple[RallyPoint, ...] = ()
    cruise_speed_m_s: float = 10.0
    hover_speed_m_s: float = 5.0
    sortie: int = 1
    kind: str = ""  # "survey", "patrol" or "" (imported)
    start_offset_s: float = 0.0

    def __post_init__(self) -> None:
        off = float(self.start_offset_s)
        if not (math.isfinite(off) and off >= 0.0):
            raise ValueError(f"start_offset_s must be a finite number of seconds >= 0, not {self.start_offset_s!r}")
        object.__setattr__(self, "start_offset_s", off)

    @property
    def file_stem(self) -> str:
        """``drone1`` for the first sortie, ``drone1-sortie2`` for the next ones."""
        return self.drone if self.sortie <= 1 else f"{self.drone}-sortie{self.sortie}"

    def with_items(self, items: tuple[MissionItem, ...]) -> Mission:
        return replace(self, items=tuple(items))


# --- builders for the common items ---------------------------------------------------------

_REL = Frame.GLOBAL_RELATIVE_ALT
_NAN = float("nan")


def takeoff(alt_m: float, lon: float = 0.0, lat: float = 0.0) -> MissionItem:
    """NAV_TAKEOFF to ``alt_m`` metres above home (position 0, 0 means "here", as ArduCopter)."""
    return MissionItem(command=Cmd.NAV_TAKEOFF, frame=_REL, lon=lon, lat=lat, alt_m=alt_m)


def waypoint(lon: float, lat: float, alt_m: float, *, hold_s: float = 0.0, accept_radius_m: float = 0.0) -> MissionItem:
    """NAV_WAYPOINT; ``hold_s`` seconds of hover there, ``accept_radius_m`` (0 = vehicle default)."""
    return MissionItem(
        command=Cmd.NAV_WAYPOINT,
        frame=_REL,
        params=(hold_s, accept_radius_m, 0.0, _NAN),
        lon=lon,
        lat=lat,
        alt_m=alt_m,
    )


def loiter_time(lon: float, lat: float, alt_m: float, seconds: float) -> MissionItem:
    """NAV_LOITER_TIME: hover ``seconds`` at the position (a copter holds position).

    param4 is 0, not NaN: ArduPilot accepts NaN only in waypoint, take-off and land items.
    """
    return MissionItem(
        command=Cmd.NAV_LOITER_TIME,
        frame=_REL,
        params=(seconds, 0.0, 0.0, 0.0),
        lon=lon,
        lat=lat,
        alt_m=alt_m,
    )


def roi(lon: float, lat: float, alt_m: float = 0.0) -> MissionItem:
    """DO_SET_ROI (param1 3 = MAV_ROI_LOCATION): point the vehicle (and camera) at a place,
    ``alt_m`` above home. ArduCopter stores DO_SET_ROI in missions, not DO_SET_ROI_LOCATION."""
    return MissionItem(command=Cmd.DO_SET_ROI, frame=_REL, params=(3.0, 0.0, 0.0, 0.0), lon=lon, lat=lat, alt_m=alt_m)


def roi_none() -> MissionItem:
    """DO_SET_ROI at 0, 0, 0: ArduCopter stops pointing at a region of interest."""
    return MissionItem(command=Cmd.DO_SET_ROI, frame=_REL)


def cam_trigger_distance(distance_m: float, *, trigger_now: bool = False) -> MissionItem:
    """DO_SET_CAM_TRIGG_DIST: a photo every ``distance_m`` metres; 0 stops triggering."""
    return MissionItem(
        command=Cmd.DO_SET_CAM_TRIGG_DIST,
        frame=Frame.MISSION,
        params=(distance_m, 0.0, 1.0 if trigger_now else 0.0, 0.0),
    )


def photo() -> MissionItem:
    """DO_DIGICAM_CONTROL: take one photo now (param5 shoot = 1, carried in ``lat`` as QGC does)."""
    return MissionItem(
        command=Cmd.DO_DIGICAM_CONTROL,
        frame=Frame.MISSION,
        params=(0.0, 0.0, 0.0, 0.0),
        lat=1.0,  # param5 = shoot command
    )


def change_speed(speed_m_s: float) -> MissionItem:
    """DO_CHANGE_SPEED: ground speed ``speed_m_s`` (param1 = 1 ground speed, -1 = no throttle change)."""
    return MissionItem(command=Cmd.DO_CHANGE_SPEED, frame=Frame.MISSION, params=(1.0, speed_m_s, -1.0, 0.0))


def do_jump(target_seq: int, repeat: int) -> MissionItem:
    """DO_JUMP to mission seq ``target_seq`` (home = 0), ``repeat`` more times (-1 = forever)."""
    return MissionItem(command=Cmd.DO_JUMP, frame=Frame.MISSION, params=(float(target_seq), float(repeat), 0.0, 0.0))


def rtl() -> MissionItem:
    """NAV_RETURN_TO_LAUNCH: fly home and land."""
    return MissionItem(command=Cmd.NAV_RETURN_TO_LAUNCH, frame=Frame.MISSION)


def land(lon: float = 0.0, lat: float = 0.0) -> MissionItem:
    """NAV_LAND at a position (0, 0 = where the vehicle is)."""
    return MissionItem(command=Cmd.NAV_LAND, frame=_REL, lon=lon, lat=lat, alt_m=0.0)
