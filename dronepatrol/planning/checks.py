"""Safety checks every mission passes before it is written or uploaded, and per-drone estimates.

Pure functions: missions, zone and rules in, findings out. Each mission is first flown on paper
(:func:`~dronepatrol.planning.estimate.simulate`), which gives every straight leg between
consecutive positions, the time line of positions (for the separation check) and the estimates.

Errors (a plan with any is refused, exit 5):

- ``zone`` / ``nofly``: a waypoint or any point of a leg outside the zone or inside a no-fly
  area, or closer than the margin (``rules.margin_m``, default 10 m) to the zone edge or to a
  no-fly area. Take-off and landing at home are only checked for the hard limits (inside the zone,
  outside no-fly areas): a launch site may lie within the margin, and the first and last
  ``2 × margin`` metres of legs leaving or reaching home are judged the same way.
- ``airport``: a leg inside an airport's ring without a recorded authorisation.
- ``fence``: a leg that the mission's own geofence forbids (inside one of its exclusion polygons or
  circles, or outside its inclusion polygons): the autopilot would stop the drone there.
- ``altitude``: an item above the zone's ceiling (``zone.max_alt_m``, at most ``rules.max_alt_m``).
- ``endurance``: estimated flight time above ``endurance × (1 − rules.battery_reserve)``.
- ``separation``: two drones closer than ``rules.min_separation_m`` at the same time, unless
  their altitudes differ by ``rules.separation_alt_band_m`` or more. Sorties fly in rounds (all
  first sorties, then all second sorties once every drone has landed, ...), and each drone takes off
  ``Mission.start_offset_s`` seconds after its round's common start (:func:`mission_starts`). A
  drone waiting on the ground is not checked.
- ``format``: a DO_JUMP to no item, an unsupported frame, a loop that never ends.

Warnings: a waypoint beyond visual line of sight (``rules.vlos_m``) from home, a planned start or
end outside daylight (``rules.daylight_start_h``..``daylight_end_h`` Thai time), a mission that ends
in the air, a flight inside an airport ring under an authorisation.

>>> from dronepatrol.zones import load_zone
>>> from dronepatrol.mission import Home, Mission, takeoff, waypoint, rtl
>>> zone = load_zone("geofences/roiet.geojson")
>>> m = Mission(drone="drone1", home=Home(lon=103.653, lat=16.0518),
...             items=(takeoff(30.0), waypoint(103.6535, 16.0560, 40.0), rtl()))
>>> report = check_missions([m], zone)
>>> report.ok, round(report.estimates[0].distance_m)
(True, 936)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from dronepatrol.config import DroneConfig, FleetConfig
from dronepatrol.mission import ARDUCOPTER_MISSION_COMMANDS, Cmd, Mission, MissionItem
from dronepatrol.planning.estimate import (
    AMSL_FRAMES,
    RELATIVE_FRAMES,
    Flight,
    MissionEstimate,
    alt_above_home,
    has_xy,
    simulate,
)
from dronepatrol.planning.flight_time import FlightModel
from dronepatrol.planning.paths import free_region
from dronepatrol.rules import DEFAULT_RULES, Rules
from dronepatrol.zones.model import NoFly, SafetyZone

SEVERITIES = ("error", "warning")
#: Mission items (home included) ArduCopter SITL stores; 651 gets MAV_MISSION_NO_SPACE.
MAX_MISSION_ITEMS = 650
#: Commands whose param4 may be NaN (AP_Mission::sanity_check_params); any other NaN or infinite
#: param gets MAV_MISSION_INVALID_PARAMn and the upload fails.
NAN_PARAM4_OK = frozenset({Cmd.NAV_WAYPOINT, Cmd.NAV_LAND, Cmd.NAV_TAKEOFF, 84, 85})
RULES = ("zone", "nofly", "fence", "altitude", "airport", "endurance", "separation", "vlos", "daylight", "format")
#: Geometry slack (metres) for rounding: 1e-7 degree is about 1 cm.
TOLERANCE_M = 0.02
#: Time step of the separation check, seconds.
SEPARATION_STEP_S = 0.25


# --- public records ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CheckFinding:
    """One failed or doubtful check. ``where`` is (lon, lat) degrees; ``item`` the mission seq."""

    severity: str  # "error" | "warning"
    rule: str  # one of RULES
    drone: str  # mission file stem, e.g. "drone1" or "drone1-sortie2"
    message: str  # one line: what, where, what to do
    item: int | None = None  # mission seq (home = 0)
    where: tuple[float, float] | None = None  # (lon, lat)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def format(self) -> str:
        """``drone1: item 4 ...`` as printed by the CLI."""
        return f"{self.drone}: {self.message}"

    def to_json(self) -> dict:
        return {
            "severity": self.severity,
            "rule": self.rule,
            "drone": self.drone,
            "item": self.item,
            "where": None if self.where is None else [self.where[0], self.where[1]],
            "message": self.message,
        }


@dataclass
class CheckReport:
    """All findings of a check run, and one estimate per mission."""

    findings: list[CheckFinding] = field(default_factory=list)
    estimates: list[MissionEstimate] = field(default_factory=list)
    rules_used: dict[str, dict] = field(default_factory=dict)

    @property
    def errors(self) -> list[CheckFinding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[CheckFinding]:
        return [f for f in self.findings if f.severity != "error"]

    @property
    def ok(self) -> bool:
        """True if no check failed (warnings allowed)."""
        return not self.errors

    def for_drone(self, stem: str) -> list[CheckFinding]:
        return [f for f in self.findings if f.drone == stem]

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "estimates": [e.to_json() for e in self.estimates],
            "findings": [f.to_json() for f in self.findings],
            "rules": self.rules_used,
        }


# --- geometry checks ------------------------------------------------------------------------


@dataclass
class _Space:
    zone: SafetyZone
    margin_m: float
    obstacles: list[NoFly]
    free_ok: BaseGeometry
    hard_ok: BaseGeometry
    area_ok: BaseGeometry
    airports: list[NoFly]  # rings lifted by an authorisation (checked for a warning)


def _space(zone: SafetyZone, margin_m: float, authorized: bool) -> _Space:
    obstacles = zone.obstacles(authorized=authorized)
    free = free_region(zone.area_m, [o.area_m for o in obstacles], margin_m)
    free_ok = free.buffer(TOLERANCE_M, join_style="mitre")
    blocked = shapely.union_all([o.area_m for o in obstacles]) if obstacles else None
    area_ok = zone.area_m.buffer(TOLERANCE_M, join_style="mitre")
    hard = zone.area_m if blocked is None else zone.area_m.difference(blocked)
    hard_ok = hard.buffer(TOLERANCE_M, join_style="mitre")
    for g in (free_ok, hard_ok, area_ok):
        shapely.prepare(g)
    lifted = [n for n in zone.nofly if n.airport] if authorized else []
    return _Space(zone=zone, margin_m=margin_m, obstacles=obstacles, free_ok=free_ok, hard_ok=hard_ok,
                  area_ok=area_ok, airports=lifted)


def _where(zone: SafetyZone, geom: BaseGeometry) -> tuple[float, float]:
    """(lon, lat) of the first point of a metric geometry (where a problem starts)."""
    xy = shapely.get_coordinates(geom)
    x, y = (xy[0] if len(xy) else (geom.centroid.x, geom.centroid.y))
    return zone.frame.lonlat(float(x), float(y))


def _diagnose(space: _Space, geom: BaseGeometry, ok: BaseGeometry,
              rules: Rules) -> tuple[str, str, BaseGeometry] | None:
    """(rule, what is wrong, offending part) for a point or segment, or None if it is fine.

    ``ok`` is the region the geometry must stay in (the free region, near home widened).
    """
    bad = geom.difference(ok)
    if bad.is_empty or (bad.length < TOLERANCE_M and not isinstance(geom, Point)):
        return None
    outside = geom.difference(space.area_ok)
    if not outside.is_empty and (isinstance(geom, Point) or outside.length >= TOLERANCE_M):
        return ("zone", "leaves the zone", outside)
    for o in space.obstacles:
        inside = geom.intersection(o.area_m)
        if not inside.is_empty and (isinstance(geom, Point) or inside.length >= TOLERANCE_M):
            if o.airport:
                return ("airport", f"enters the {rules.airport_radius_m / 1000:g} km ring of {o.airport} "
                                   "without a recorded authorisation", inside)
            return ("nofly", f'enters no-fly area "{o.name}"', inside)
    # only the margin is violated: name the closest boundary
    d_edge = geom.distance(space.zone.area_m.boundary)
    best = ("zone", f"passes {d_edge:.1f} m from the zone edge (margin {space.margin_m:g} m)", d_edge)
    for o in space.obstacles:
        d = geom.distance(o.area_m)
        if d < best[2]:
            rule = "airport" if o.airport else "nofly"
            best = (rule, f'passes {d:.1f} m from no-fly area "{o.name}" (margin {space.margin_m:g} m)', d)
    return (best[0], best[1], bad)


def _item_label(item: MissionItem, seq: int) -> str:
    try:
        name = Cmd(item.command).name.replace("NAV_", "")
    except ValueError:
        name = f"command {item.command}"
    return f"item {seq} ({name})"


def _todo(rule: str) -> str:
    return {
        "zone": "move it inside the zone, away from the edge",
        "nofly": "move it or route around the no-fly area",
        "airport": "route outside the ring, or record the permission with --authorization ID",
    }[rule]


def _check_geometry(mission: Mission, flight: Flight, space: _Space, rules: Rules,
                    out: list[CheckFinding]) -> None:
    stem = mission.file_stem
    zone = space.zone
    hx, hy = zone.frame.xy(mission.home.lon, mission.home.lat)
    home_pt = Point(hx, hy)
    relief_disc = home_pt.buffer(2 * space.margin_m + TOLERANCE_M)
    ok_home = space.free_ok.union(space.hard_ok.intersection(relief_disc))
    shapely.prepare(ok_home)
    flagged: set[int] = set()

    # home: hard limits only (a launch site may lie within the margin)
    if not space.hard_ok.covers(home_pt):
        d = _diagnose(space, home_pt, space.free_ok, rules)
        rule, what = (d[0], d[1]) if d else ("zone", "is outside the zone")
        out.append(CheckFinding(severity="error", rule=rule, drone=stem, item=0,
                                where=(mission.home.lon, mission.home.lat),
                                message=f"home (launch site) at {mission.home.lon:.6f} {mission.home.lat:.6f} "
                                        f"{what} — {_todo(rule)}"))
        flagged.add(0)

    for seq, item, (x, y, _alt) in flight.points:
        if item.command == Cmd.NAV_TAKEOFF or not has_xy(item):
            continue
        pt = Point(x, y)
        ok = ok_home if pt.distance(home_pt) <= 2 * space.margin_m else space.free_ok
        d = _diagnose(space, pt, ok, rules)
        if d:
            rule, what, _ = d
            out.append(CheckFinding(severity="error", rule=rule, drone=stem, item=seq, where=(item.lon, item.lat),
                                    message=f"{_item_label(item, seq)} at {item.lon:.6f} {item.lat:.6f} {what} "
                                            f"— {_todo(rule)}"))
            flagged.add(seq)

    for leg in flight.legs:
        if leg.kind in ("return", "land", "takeoff"):
            # take-off and landing are vertical: their position is checked as home or as an item
            continue
        if leg.from_seq in flagged or leg.to_seq in flagged:
            continue
        a, b = leg.a[:2], leg.b[:2]
        geom = Point(a) if math.dist(a, b) < TOLERANCE_M else LineString([a, b])
        touches_home = min(home_pt.distance(Point(a)), home_pt.distance(Point(b))) < TOLERANCE_M
        if touches_home and 0 in flagged:
            continue  # the launch site itself is reported
        d = _diagnose(space, geom, ok_home if touches_home else space.free_ok, rules)
        if d is None:
            continue
        rule, what, part = d
        where = _where(zone, part)
        src = "home" if leg.from_seq == 0 else f"item {leg.from_seq}"
        dst = "home" if leg.kind == "rtl" else f"item {leg.to_seq}"
        label = {"rtl": f"return to home (item {leg.to_seq}, RTL) from {src}",
                 "jump": f"leg from {src} back to {dst} (DO_JUMP)"}.get(leg.kind, f"leg from {src} to {dst}")
        out.append(CheckFinding(severity="error", rule=rule, drone=stem, item=leg.to_seq, where=where,
                                message=f"{label} {what} near {where[0]:.6f} {where[1]:.6f} — {_todo(rule)}"))

    # flights inside a ring lifted by an authorisation: say so
    for ring in space.airports:
        for leg in flight.legs:
            geom = LineString([leg.a[:2], leg.b[:2]]) if leg.length_m > 0 else Point(leg.a[:2])
            if geom.intersects(ring.area_m):
                out.append(CheckFinding(severity="warning", rule="airport", drone=stem, item=leg.to_seq,
                                        where=_where(zone, geom.intersection(ring.area_m)),
                                        message=f"flies inside the ring of {ring.airport} under the recorded "
                                                "authorisation — carry it and follow its conditions"))
                break


def _fence_shapes(mission: Mission, zone: SafetyZone) -> tuple[list[tuple[str, BaseGeometry]], BaseGeometry | None]:
    """The mission's own fence in metres: (label, exclusion) pairs, and the inclusion (intersection)."""
    frame = zone.frame
    excl: list[tuple[str, BaseGeometry]] = []
    incl: list[BaseGeometry] = []
    n_poly = n_circle = 0
    for p in mission.geofence.polygons:
        if len(p.vertices) < 3:
            continue
        poly = shapely.Polygon([frame.xy(lon, lat) for lon, lat in p.vertices]).buffer(0)
        if p.inclusion:
            incl.append(poly)
        else:
            n_poly += 1
            excl.append((f"exclusion polygon {n_poly}", poly))
    for c in mission.geofence.circles:
        disc = Point(frame.xy(c.lon, c.lat)).buffer(c.radius_m, quad_segs=16)
        if c.inclusion:
            incl.append(disc)
        else:
            n_circle += 1
            excl.append((f"exclusion circle {n_circle} ({c.radius_m:g} m)", disc))
    inside = shapely.intersection_all(incl).buffer(TOLERANCE_M) if incl else None
    return [(label, g.buffer(-TOLERANCE_M)) for label, g in excl], inside


def _check_fence(mission: Mission, flight: Flight, zone: SafetyZone, out: list[CheckFinding]) -> None:
    """Legs the mission's own geofence forbids (the autopilot enforces it once FENCE_ENABLE=1)."""
    if mission.geofence.is_empty or not flight.legs:
        return
    excl, inside = _fence_shapes(mission, zone)
    legs = [leg for leg in flight.legs if leg.kind != "return"]
    geoms = np.array([Point(leg.a[:2]) if leg.length_m < TOLERANCE_M else LineString([leg.a[:2], leg.b[:2]])
                      for leg in legs], dtype=object)
    stem = mission.file_stem
    reported = 0
    for label, shape in excl:
        if shape.is_empty:
            continue
        hits = np.flatnonzero(shapely.intersects(geoms, shape))
        for k in hits[:1]:
            leg = legs[int(k)]
            part = geoms[k].intersection(shape)
            where = _where(zone, part if not part.is_empty else geoms[k])
            out.append(CheckFinding(
                severity="error", rule="fence", drone=stem, item=leg.to_seq, where=where,
                message=f"{_leg_label(leg)} enters {label} of its own geofence near {where[0]:.6f} {where[1]:.6f} "
                        "(the autopilot would stop it there) — route around the fence's exclusions"))
            reported += 1
    if inside is not None:
        outside = np.flatnonzero(~shapely.covers(inside, geoms))
        for k in outside[:1]:
            leg = legs[int(k)]
            part = geoms[k].difference(inside)
            where = _where(zone, part if not part.is_empty else geoms[k])
            out.append(CheckFinding(
                severity="error", rule="fence", drone=stem, item=leg.to_seq, where=where,
                message=f"{_leg_label(leg)} leaves the inclusion area of its own geofence near {where[0]:.6f} "
                        f"{where[1]:.6f} (the autopilot would stop it there) — keep the route inside the fence"))


def _leg_label(leg) -> str:
    src = "home" if leg.from_seq == 0 else f"item {leg.from_seq}"
    if leg.kind == "takeoff":
        return f"take-off (item {leg.to_seq})"
    if leg.kind == "land":
        return f"landing (item {leg.to_seq})"
    if leg.kind == "rtl":
        return f"return to home (item {leg.to_seq}, RTL) from {src}"
    return f"leg from {src} to item {leg.to_seq}"


def _check_items(mission: Mission, flight: Flight, zone: SafetyZone, rules: Rules,
                 out: list[CheckFinding]) -> None:
    stem = mission.file_stem
    ceiling = min(zone.max_alt_m, rules.max_alt_m)
    for seq, item in enumerate(mission.items, start=1):
        if item.command not in ARDUCOPTER_MISSION_COMMANDS:
            out.append(CheckFinding(
                severity="error", rule="format", drone=stem, item=seq,
                message=f"{_item_label(item, seq)}: ArduCopter does not store command {item.command} in a "
                        "mission (the upload fails with MAV_MISSION_UNSUPPORTED) — replace or remove it"))
        for k, value in enumerate(item.params):
            if math.isinf(value) or (math.isnan(value) and not (k == 3 and item.command in NAN_PARAM4_OK)):
                out.append(CheckFinding(
                    severity="error", rule="format", drone=stem, item=seq,
                    message=f"{_item_label(item, seq)} has param{k + 1} = {value}; ArduPilot rejects the "
                            f"upload (MAV_MISSION_INVALID_PARAM{k + 1}) — give a number"))
        if item.is_nav and item.frame not in RELATIVE_FRAMES | AMSL_FRAMES:
            out.append(CheckFinding(severity="error", rule="format", drone=stem, item=seq,
                                    message=f"{_item_label(item, seq)} uses frame {item.frame}, which is not a "
                                            "global frame — use frame 3 (altitude relative to home)"))
        if item.is_nav and item.command != Cmd.NAV_LAND:
            alt = alt_above_home(item, mission.home.alt_amsl_m)
            if alt > ceiling + 1e-6:
                where = (item.lon, item.lat) if has_xy(item) else (mission.home.lon, mission.home.lat)
                out.append(CheckFinding(severity="error", rule="altitude", drone=stem, item=seq, where=where,
                                        message=f"{_item_label(item, seq)} flies at {alt:.1f} m, above the "
                                                f"{ceiling:g} m ceiling — lower it to {ceiling:g} m or less"))
    for seq, what, todo in flight.problems:
        out.append(CheckFinding(severity="error", rule="format", drone=stem, item=seq, message=f"{what} — {todo}"))
    if len(mission.items) + 1 > MAX_MISSION_ITEMS:
        out.append(CheckFinding(
            severity="warning", rule="format", drone=stem,
            message=f"{len(mission.items) + 1} mission items with home: ArduCopter SITL stores {MAX_MISSION_ITEMS} "
                    "(MAV_MISSION_NO_SPACE above); check your flight controller's limit or split the mission"))
    if not mission.items:
        out.append(CheckFinding(severity="warning", rule="format", drone=stem,
                                message="the mission has no items — plan it again"))
    elif flight.ends_in_air:
        out.append(CheckFinding(severity="warning", rule="format", drone=stem, item=len(mission.items),
                                message="the mission ends in the air (no RTL or LAND): the drone will hover "
                                        "there — end it with RTL"))
    # visual line of sight from home
    hx, hy = zone.frame.xy(mission.home.lon, mission.home.lat)
    far = [(math.hypot(p[0] - hx, p[1] - hy), seq, item) for seq, item, p in flight.points if has_xy(item)]
    beyond = [f for f in far if f[0] > rules.vlos_m]
    if beyond:
        dist, seq, item = max(beyond, key=lambda f: f[0])
        out.append(CheckFinding(severity="warning", rule="vlos", drone=stem, item=seq, where=(item.lon, item.lat),
                                message=f"{len(beyond)} waypoint(s) beyond visual line of sight "
                                        f"({rules.vlos_m:g} m) from home; farthest {_item_label(item, seq)} at "
                                        f"{dist:.0f} m — post an observer there or launch closer"))


def _drone_config(fleet: FleetConfig | None, drone: str) -> DroneConfig:
    if fleet is not None:
        for d in fleet.drones:
            if d.name == drone:
                return d
    return DroneConfig(name=drone, connection="", system_id=1)


def _check_endurance(mission: Mission, flight: Flight, cfg: DroneConfig, rules: Rules,
                     out: list[CheckFinding]) -> None:
    stem = mission.file_stem
    limit_s = cfg.endurance_min * 60.0 * (1.0 - rules.battery_reserve)
    if flight.endless:
        out.append(CheckFinding(severity="error", rule="endurance", drone=stem,
                                message=f"{flight.endless}: the flight time has no end — give the loop a "
                                        "repeat count that fits the battery"))
    elif flight.time_s > limit_s:
        out.append(CheckFinding(severity="error", rule="endurance", drone=stem,
                                message=f"estimated flight time {flight.time_s / 60:.1f} min exceeds "
                                        f"{limit_s / 60:.1f} min ({cfg.endurance_min:g} min endurance less "
                                        f"{rules.battery_reserve:.0%} reserve) — shorten the mission or split it "
                                        "into sorties"))


def _position_at(flight: Flight, t: np.ndarray) -> np.ndarray:
    ts = flight.times_s
    return np.column_stack([np.interp(t, ts, flight.xyz[:, k]) for k in range(3)])


def _check_separation(missions: Sequence[Mission], flights: list[Flight], starts: list[float], zone: SafetyZone,
                      rules: Rules, out: list[CheckFinding]) -> None:
    for i in range(len(missions)):
        for j in range(i + 1, len(missions)):
            if missions[i].drone == missions[j].drone:
                continue
            fi, fj = flights[i], flights[j]
            if not (math.isfinite(starts[i]) and math.isfinite(starts[j])):
                continue
            ei = starts[i] + fi.times_s[-1]
            ej = starts[j] + fj.times_s[-1]
            t0, t1 = max(starts[i], starts[j]), min(ei, ej)
            if t1 < t0:
                continue
            t = np.arange(t0, t1 + SEPARATION_STEP_S, SEPARATION_STEP_S)
            t = np.clip(t, t0, t1)
            pi = _position_at(fi, t - starts[i])
            pj = _position_at(fj, t - starts[j])
            dh = np.hypot(pi[:, 0] - pj[:, 0], pi[:, 1] - pj[:, 1])
            dz = np.abs(pi[:, 2] - pj[:, 2])
            conflict = (dh < rules.min_separation_m) & (dz < rules.separation_alt_band_m)
            if not conflict.any():
                continue
            k = int(np.argmax(conflict))
            k_min = int(np.argmin(np.where(conflict, dh, np.inf)))
            mid = ((pi[k_min, 0] + pj[k_min, 0]) / 2, (pi[k_min, 1] + pj[k_min, 1]) / 2)
            lon, lat = zone.frame.lonlat(*mid)
            a, b = missions[i].file_stem, missions[j].file_stem
            out.append(CheckFinding(
                severity="error", rule="separation", drone=a, where=(lon, lat),
                message=f"{a} and {b} come within {dh[k_min]:.0f} m of each other (minimum "
                        f"{rules.min_separation_m:g} m) {dz[k_min]:.0f} m apart in height (band "
                        f"{rules.separation_alt_band_m:g} m), from {t[k] / 60:.1f} min after the start, near "
                        f"{lon:.6f} {lat:.6f} — stagger their starts, give them altitudes "
                        f"{rules.separation_alt_band_m:g} m apart, or swap their areas"))


def _thai(dt: datetime, rules: Rules) -> datetime:
    tz = timezone(timedelta(hours=rules.utc_offset_h))
    if dt.tzinfo is None:
        return dt.replace(tzinfo=tz)
    return dt.astimezone(tz)


def _check_daylight(mission: Mission, start: datetime, duration_s: float, rules: Rules,
                    out: list[CheckFinding]) -> None:
    begin = _thai(start, rules)
    end = begin + timedelta(seconds=duration_s if math.isfinite(duration_s) else 0.0)
    day0 = begin.replace(hour=0, minute=0, second=0, microsecond=0)
    dawn = day0 + timedelta(hours=rules.daylight_start_h)
    dusk = day0 + timedelta(hours=rules.daylight_end_h)
    if begin < dawn or end > dusk:
        hours = f"{_hm(rules.daylight_start_h)}-{_hm(rules.daylight_end_h)}"
        out.append(CheckFinding(severity="warning", rule="daylight", drone=mission.file_stem,
                                message=f"flies {begin:%H:%M}-{end:%H:%M} Thai time, outside daylight "
                                        f"({hours}) — fly in daylight or carry the night-flight permission"))


def _hm(h: float) -> str:
    return f"{int(h):02d}:{round((h % 1) * 60):02d}"


def rules_used(rules: Rules, margin_m: float) -> dict[str, dict]:
    """The numbers the checks used, each with its source (for reports and ``--json``)."""
    values = {
        "max_alt_m": rules.max_alt_m,
        "airport_radius_m": rules.airport_radius_m,
        "margin_m": margin_m,
        "vlos_m": rules.vlos_m,
        "min_separation_m": rules.min_separation_m,
        "separation_alt_band_m": rules.separation_alt_band_m,
        "battery_reserve": rules.battery_reserve,
        "daylight_start_h": rules.daylight_start_h,
        "daylight_end_h": rules.daylight_end_h,
        "utc_offset_h": rules.utc_offset_h,
    }
    src = rules.sources
    daylight = src.get("daylight_start_h", "")
    return {
        k: {"value": v, "source": src.get(k) or (daylight if k.startswith("daylight") else "")}
        for k, v in values.items()
    }


def mission_starts(missions: Sequence[Mission], times_s: Sequence[float]) -> list[float]:
    """Take-off time of each mission, seconds after the fleet's first start.

    Sorties fly in rounds: every drone's first sortie, then (once every drone has landed, batteries
    swapped) every drone's second sortie, and so on; each mission takes off
    ``Mission.start_offset_s`` after its round's common start (``fleet start``). ``times_s`` are the
    missions' flight times (``inf`` for an endless one: later rounds never start).

    >>> from dronepatrol.mission import Home, Mission
    >>> h = Home(lon=0.0, lat=0.0)
    >>> ms = [Mission(drone="a", home=h), Mission(drone="b", home=h, start_offset_s=10.0),
    ...       Mission(drone="a", home=h, sortie=2, start_offset_s=5.0)]
    >>> mission_starts(ms, [100.0, 100.0, 50.0])
    [0.0, 10.0, 115.0]
    """
    round_start: dict[int, float] = {}
    t = 0.0
    for r in sorted({m.sortie for m in missions}):
        round_start[r] = t
        ends = [t + m.start_offset_s + times_s[k] for k, m in enumerate(missions) if m.sortie == r]
        t = max(ends, default=t)
    return [round_start[m.sortie] + m.start_offset_s for m in missions]


def check_missions(
    missions: Sequence[Mission],
    zone: SafetyZone,
    *,
    rules: Rules = DEFAULT_RULES,
    fleet: FleetConfig | None = None,
    authorization: str | None = None,
    margin_m: float | None = None,
    planned_start: datetime | None = None,
    model: FlightModel | None = None,
) -> CheckReport:
    """Run every safety check on ``missions`` over ``zone``; see the module docstring.

    ``fleet`` gives each drone's endurance (by mission ``drone`` name; default 25 min);
    ``authorization`` (a recorded permission ID) lifts the airport rings; ``margin_m`` overrides
    ``rules.margin_m``; ``planned_start`` (naive = Thai time) enables the daylight check.
    """
    margin = rules.margin_m if margin_m is None else float(margin_m)
    if margin < 0:
        raise ValueError("margin_m must not be negative")
    space = _space(zone, margin, authorized=bool(authorization))
    report = CheckReport(rules_used=rules_used(rules, margin))
    flights: list[Flight] = []
    for m in missions:
        mm = model or FlightModel(cruise_speed_m_s=m.cruise_speed_m_s)
        flights.append(simulate(m, zone.frame, mm))
    starts = mission_starts(missions, [f.time_s for f in flights])
    for k, (m, f) in enumerate(zip(missions, flights, strict=True)):
        found: list[CheckFinding] = []
        _check_items(m, f, zone, rules, found)
        _check_geometry(m, f, space, rules, found)
        _check_fence(m, f, zone, found)
        _check_endurance(m, f, _drone_config(fleet, m.drone), rules, found)
        if planned_start is not None and math.isfinite(starts[k]):
            _check_daylight(m, planned_start + timedelta(seconds=starts[k]), f.time_s, rules, found)
        report.findings.extend(found)
        report.estimates.append(MissionEstimate(drone=m.file_stem, distance_m=f.distance_m, time_s=f.time_s,
                                                max_alt_m=f.max_alt_m, photos=f.photos))
    sep: list[CheckFinding] = []
    _check_separation(missions, flights, starts, zone, rules, sep)
    report.findings.extend(sep)
    report.findings.sort(key=lambda f: (f.severity != "error", f.drone, -1 if f.item is None else f.item))
    return report


__all__ = ["CheckFinding", "CheckReport", "check_missions", "mission_starts", "rules_used"]
