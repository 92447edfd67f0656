"""A mission flown on paper: every straight leg, the time line of positions, and estimates.

:func:`simulate` follows ArduCopter's execution: take-off climbs at home, nav items fly straight
legs, DO_JUMP loops repeat (``-1`` = forever), RTL flies home and lands, LAND descends. Times come
from :class:`~dronepatrol.planning.flight_time.FlightModel`. Metres, seconds, altitudes above home.

>>> from dronepatrol.zones import load_zone
>>> from dronepatrol.mission import Home, Mission, takeoff, waypoint, rtl
>>> zone = load_zone("geofences/roiet.geojson")
>>> m = Mission(drone="drone1", home=Home(lon=103.653, lat=16.0518),
...             items=(takeoff(30.0), waypoint(103.6535, 16.0560, 40.0), rtl()))
>>> round(estimate_mission(m, zone.frame).distance_m)
936
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from dronepatrol.geo import LocalFrame
from dronepatrol.mission import Cmd, Frame, Mission, MissionItem
from dronepatrol.planning.flight_time import FlightModel, turn_angle

#: Frames whose altitude is metres above home (relative) or above the terrain (close to it).
RELATIVE_FRAMES = frozenset({Frame.GLOBAL_RELATIVE_ALT, Frame.GLOBAL_RELATIVE_ALT_INT, Frame.GLOBAL_TERRAIN_ALT, 11})
#: Frames whose altitude is above mean sea level.
AMSL_FRAMES = frozenset({Frame.GLOBAL, Frame.GLOBAL_INT})
#: Simulation stops (and the mission counts as endless) after this much flight time, seconds.
MAX_SIM_S = 24 * 3600.0
#: MAV_CMD_IMAGE_START_CAPTURE (QGroundControl's camera section writes it).
IMAGE_START_CAPTURE = 2000
#: LOITER_TURNS radius when param3 is 0, metres (ArduCopter's default circle radius is 5 m).
DEFAULT_LOITER_RADIUS_M = 5.0


@dataclass(frozen=True, kw_only=True)
class MissionEstimate:
    """Per-mission estimates: ``distance_m`` flown horizontally, ``time_s`` in the air (``inf``
    for a mission that never ends), ``max_alt_m`` above home, ``photos`` expected."""

    drone: str
    distance_m: float
    time_s: float
    max_alt_m: float
    photos: int

    def to_json(self) -> dict:
        return {
            "drone": self.drone,
            "distance_m": round(self.distance_m, 1),
            "time_s": round(self.time_s, 1) if math.isfinite(self.time_s) else None,
            "max_alt_m": round(self.max_alt_m, 1),
            "photos": self.photos,
        }



@dataclass(frozen=True)
class Leg:
    """A straight flight between two positions (metres, ``alt`` above home).

    ``kind``: ``takeoff`` (climb at home), ``transit`` (to a nav item), ``jump`` (the first leg
    after a DO_JUMP), ``rtl`` (back to home), ``land`` (descent), ``return`` (the pilot brings a
    drone home whose mission ends in the air: counted for time, not checked).
    """

    a: tuple[float, float, float]
    b: tuple[float, float, float]
    from_seq: int
    to_seq: int
    kind: str

    @property
    def length_m(self) -> float:
        return math.dist(self.a[:2], self.b[:2])


@dataclass
class Flight:
    """What :func:`simulate` found: legs (each distinct leg once), time line, estimates."""

    legs: list[Leg]
    times_s: np.ndarray
    xyz: np.ndarray  # (n, 3) x_m, y_m, alt_m at times_s
    distance_m: float
    time_s: float
    max_alt_m: float
    photos: int
    endless: str = ""  # why the mission never ends ("" if it does)
    ends_in_air: bool = False
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (seq, what, todo)
    points: list[tuple[int, MissionItem, tuple[float, float, float]]] = field(default_factory=list)


def alt_above_home(item: MissionItem, home_amsl: float) -> float:
    """The item's altitude in metres above home, whatever its frame."""
    if item.frame in AMSL_FRAMES:
        return item.alt_m - home_amsl
    return item.alt_m


def has_xy(item: MissionItem) -> bool:
    """True if the item is a nav item with a finite, non-zero position."""
    return item.has_position and math.isfinite(item.lon) and math.isfinite(item.lat)


def simulate(mission: Mission, frame: LocalFrame, model: FlightModel | None = None) -> Flight:
    """Fly ``mission`` in the local metric ``frame``; see :class:`Flight`.

    Speeds: the mission's cruise speed, then DO_CHANGE_SPEED; legs between stops are timed with
    :meth:`FlightModel.path_time_s` (acceleration and turns), climbs and descents at the model's
    rates; holds (WAYPOINT param1, LOITER_TIME, NAV_DELAY, LOITER_TURNS) add their time.
    """
    model = model or FlightModel(cruise_speed_m_s=mission.cruise_speed_m_s)
    hx, hy = frame.xy(mission.home.lon, mission.home.lat)
    home = (hx, hy, 0.0)
    items = mission.items
    n = len(items)
    speed = model.cruise_speed_m_s
    pos = home
    t = 0.0
    times = [0.0]
    xyz = [home]
    legs: dict[tuple, Leg] = {}
    run: list[Leg] = []  # legs flown without stopping
    distance = 0.0
    photos = 0.0
    trigger_m = 0.0
    max_alt = 0.0
    flight = Flight(legs=[], times_s=np.zeros(0), xyz=np.zeros((0, 3)), distance_m=0, time_s=0, max_alt_m=0,
                    photos=0)
    cur_seq = 0
    jump_done: dict[int, int] = {}
    after_jump = False
    seen_points: set[int] = set()

    def flush() -> None:
        nonlocal t, distance, photos
        if not run:
            return
        pts = [run[0].a[:2]] + [leg.b[:2] for leg in run]
        lengths = [leg.length_m for leg in run]
        total = sum(lengths)
        t_run = 0.0
        if total > 0:
            t_run = model.leg_time_s(total, speed)
            for k in range(1, len(pts) - 1):
                if math.dist(pts[k - 1], pts[k]) > 0 and math.dist(pts[k], pts[k + 1]) > 0:
                    t_run += model.turn_penalty_s(turn_angle(pts[k - 1], pts[k], pts[k + 1]), speed)
        for leg, length in zip(run, lengths, strict=True):
            dt = t_run * length / total if total > 0 else 0.0
            dz = leg.b[2] - leg.a[2]
            dt = max(dt, dz / model.climb_m_s if dz > 0 else -dz / model.descent_m_s)
            t += dt
            times.append(t)
            xyz.append(leg.b)
            distance += length
            if trigger_m > 0 and leg.kind != "return":
                photos += length / trigger_m
        run.clear()

    def fly(to: tuple[float, float, float], seq: int, kind: str) -> None:
        nonlocal pos, max_alt
        leg = Leg(a=pos, b=to, from_seq=cur_seq, to_seq=seq, kind=kind)
        key = (round(pos[0], 2), round(pos[1], 2), round(pos[2], 2), round(to[0], 2), round(to[1], 2),
               round(to[2], 2), kind)
        legs.setdefault(key, leg)
        run.append(leg)
        pos = to
        max_alt = max(max_alt, to[2])

    def hover(seconds: float) -> None:
        nonlocal t
        flush()
        if seconds > 0:
            t += seconds
            times.append(t)
            xyz.append(pos)

    def descend_and_land(seq: int) -> None:
        nonlocal t, pos
        flush()
        to = (pos[0], pos[1], 0.0)
        leg = Leg(a=pos, b=to, from_seq=seq, to_seq=seq, kind="land")
        legs.setdefault(("land", round(pos[0], 2), round(pos[1], 2)), leg)
        t += model.descent_time_s(pos[2])
        pos = to
        times.append(t)
        xyz.append(pos)

    i = 0
    steps = 0
    ended = False
    while i < n:
        steps += 1
        if steps > 200_000 or t > MAX_SIM_S:
            flight.endless = "the mission does not end within 24 h of flight"
            break
        item = items[i]
        seq = i + 1
        cmd = item.command
        kind = "jump" if after_jump else "transit"
        if item.is_nav:
            after_jump = False
        if cmd == Cmd.NAV_TAKEOFF:
            flush()
            alt = alt_above_home(item, mission.home.alt_amsl_m)
            to = (pos[0], pos[1], max(pos[2], alt))
            leg = Leg(a=pos, b=to, from_seq=cur_seq, to_seq=seq, kind="takeoff")
            legs.setdefault(("takeoff", seq, round(pos[0], 2), round(pos[1], 2)), leg)
            t += model.climb_time_s(to[2] - pos[2])
            pos = to
            max_alt = max(max_alt, to[2])
            times.append(t)
            xyz.append(pos)
            if seq not in seen_points:
                flight.points.append((seq, item, pos))
        elif cmd in (Cmd.NAV_WAYPOINT, Cmd.NAV_SPLINE_WAYPOINT, Cmd.NAV_LOITER_TIME, Cmd.NAV_LOITER_TURNS,
                     Cmd.NAV_LOITER_UNLIM):
            alt = alt_above_home(item, mission.home.alt_amsl_m)
            if has_xy(item):
                x, y = frame.xy(item.lon, item.lat)
            else:
                x, y = pos[0], pos[1]
            to = (x, y, alt)
            fly(to, seq, kind)
            if seq not in seen_points:
                flight.points.append((seq, item, to))
            p1 = item.params[0] if math.isfinite(item.params[0]) else 0.0
            if cmd == Cmd.NAV_WAYPOINT and p1 > 0:
                hover(p1)
            elif cmd == Cmd.NAV_LOITER_TIME:
                hover(max(0.0, p1))
            elif cmd == Cmd.NAV_LOITER_TURNS:
                r = abs(item.params[2]) if math.isfinite(item.params[2]) and item.params[2] else DEFAULT_LOITER_RADIUS_M
                hover(max(0.0, p1) * 2 * math.pi * r / max(speed, 0.5))
            elif cmd == Cmd.NAV_LOITER_UNLIM:
                flush()
                flight.endless = f"item {seq} (LOITER_UNLIM) hovers until the battery runs out"
                break
        elif cmd == Cmd.NAV_LAND:
            if has_xy(item):
                x, y = frame.xy(item.lon, item.lat)
                fly((x, y, pos[2]), seq, kind)
            descend_and_land(seq)
            ended = True
            break
        elif cmd == Cmd.NAV_RETURN_TO_LAUNCH:
            fly((home[0], home[1], pos[2]), seq, "rtl")
            descend_and_land(seq)
            ended = True
            break
        elif cmd == Cmd.NAV_DELAY:
            hover(max(0.0, item.params[0]) if math.isfinite(item.params[0]) else 0.0)
        elif cmd == Cmd.DO_JUMP:
            target = item.params[0]
            repeat = item.params[1]
            if not (math.isfinite(target) and 1 <= target <= n and int(target) == target) or int(target) == seq:
                flight.problems.append(
                    (seq, f"item {seq}: DO_JUMP to {target:g}, which is no other item of this mission",
                     f"jump to an item 1..{n}")
                )
            elif math.isfinite(repeat) and repeat < 0:
                if jump_done.get(seq, 0) >= 1:
                    flight.endless = f"item {seq} (DO_JUMP, repeat {repeat:g}) loops forever"
                    break
                jump_done[seq] = 1
                i = int(target) - 1
                after_jump = True
                continue
            elif jump_done.get(seq, 0) < int(repeat if math.isfinite(repeat) else 0):
                jump_done[seq] = jump_done.get(seq, 0) + 1
                i = int(target) - 1
                after_jump = True
                continue
            else:
                jump_done[seq] = 0  # ArduPilot resets the counter once the jump is used up
        elif cmd == Cmd.DO_CHANGE_SPEED:
            if math.isfinite(item.params[1]) and item.params[1] > 0:
                flush()
                speed = item.params[1]
        elif cmd == Cmd.DO_SET_CAM_TRIGG_DIST:
            flush()
            d = item.params[0] if math.isfinite(item.params[0]) else 0.0
            if d > 0 and trigger_m <= 0:
                photos += 1  # the first photo as triggering starts
            trigger_m = max(0.0, d)
        elif cmd == Cmd.DO_DIGICAM_CONTROL:
            if math.isfinite(item.lat) and item.lat != 0:  # param5 "shoot"
                photos += 1
        elif cmd == IMAGE_START_CAPTURE and item.params[2] == 1:  # param3: one image
            photos += 1
        if item.is_nav:
            cur_seq = seq
            seen_points.add(seq)
        i += 1

    flush()
    if not ended and not flight.endless:
        flight.ends_in_air = pos[2] > 0 or pos[:2] != home[:2]
        if flight.ends_in_air:
            # the pilot has to bring it back: count the way home for time (not checked)
            fly((home[0], home[1], pos[2]), 0, "return")
            descend_and_land(0)
    flight.legs = list(legs.values())
    flight.times_s = np.asarray(times, dtype=float)
    flight.xyz = np.asarray(xyz, dtype=float).reshape(-1, 3)
    flight.distance_m = distance
    flight.time_s = math.inf if flight.endless else t
    flight.max_alt_m = max_alt
    flight.photos = round(photos)
    return flight


def estimate_mission(mission: Mission, frame: LocalFrame, model: FlightModel | None = None) -> MissionEstimate:
    """Distance (m), flight time (s), maximum altitude above home (m) and photos of a mission.

    ``photos`` counts one photo per trigger distance flown while distance triggering is on, plus
    the first photo when it starts, plus each single shot (DO_DIGICAM_CONTROL).
    """
    f = simulate(mission, frame, model)
    return MissionEstimate(
        drone=mission.file_stem, distance_m=f.distance_m, time_s=f.time_s, max_alt_m=f.max_alt_m, photos=f.photos
    )
