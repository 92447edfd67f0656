"""Survey planning: photograph the whole safety zone, split over the fleet. Pure function.

:func:`plan_survey` turns a :class:`~dronepatrol.zones.SafetyZone` and the fleet into one
:class:`~dronepatrol.mission.Mission` per drone and sortie:

1. camera maths (:mod:`~dronepatrol.planning.camera`): altitude or GSD, lane spacing, trigger
   distance from the overlaps;
2. per zone part, the free region (part shrunk by the margin, no-fly areas grown by it) is covered
   by lanes (:mod:`~dronepatrol.planning.coverage`), one safe route per connected piece;
3. the route is split over the drones whose launch site is in that part, balancing their flight
   times including transit (:mod:`~dronepatrol.planning.split`), in sorties if needed;
4. each share becomes a mission: take-off, speed, transit, lanes with distance triggering on at
   lane starts and off at lane ends, safe way back over the launch site, RTL; with the part's
   geofence and the launch sites as rally points;
5. the drones are kept apart (:mod:`~dronepatrol.planning.deconflict`): take-off and transit
   altitude layers, staggered starts (``Mission.start_offset_s``) and holds before landing, so
   that the plan passes the separation check even from launch sites a few metres apart.

The onboard fence of each part (:func:`~dronepatrol.planning.fence.onboard_fence`) is built first:
when the no-fly areas had to be simplified to fit the flight controller, the lanes and transits
avoid the larger shapes the autopilot will enforce. The summary reports the lane coverage and the
photo coverage (:mod:`~dronepatrol.planning.footprints`), the deconfliction and its cost, and what
the fence simplified.

Distances in metres, times in seconds, altitudes in metres above home.

>>> from dronepatrol.config import load_fleet
>>> from dronepatrol.zones import load_zone
>>> plan = plan_survey(load_zone("geofences/roiet.geojson"), fleet=load_fleet(None))
>>> [m.file_stem for m in plan.missions][:2]   # 2.5 km² at 60 m: four sorties per drone
['drone1', 'drone1-sortie2']
>>> plan.summary["balance"] <= 1.10
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.ops import nearest_points

from dronepatrol.config import FleetConfig
from dronepatrol.errors import SafetyError, UsageError
from dronepatrol.mission import (
    Geofence,
    Home,
    Mission,
    MissionItem,
    cam_trigger_distance,
    change_speed,
    rtl,
    takeoff,
    waypoint,
)
from dronepatrol.planning.camera import (
    DEFAULT_ALT_M,
    Camera,
    SurveySpacing,
    alt_for_gsd_m,
    get_camera,
    survey_spacing,
)
from dronepatrol.planning.checks import MAX_MISSION_ITEMS
from dronepatrol.planning.coverage import covered_fraction, plan_coverage
from dronepatrol.planning.deconflict import best_deconfliction, hold_points
from dronepatrol.planning.estimate import estimate_mission
from dronepatrol.planning.fence import LAUNCH_CLEAR_M, onboard_fence, rally_for
from dronepatrol.planning.flight_time import FlightModel
from dronepatrol.planning.footprints import photo_coverage
from dronepatrol.planning.paths import SafeSpace, free_region
from dronepatrol.planning.segments import XY
from dronepatrol.planning.split import Share, entry_point, split_route
from dronepatrol.rules import DEFAULT_RULES, Rules
from dronepatrol.zones.model import SafetyZone

#: Lanes are planned this far (metres) inside the margin, so rounding never touches it.
PLAN_INSET_M = 0.5
#: Share of the usable endurance a sortie is planned to (estimates differ a little).
ENDURANCE_USE = 0.97
#: Lowest transit altitude, metres above home: clear of the city's trees and low buildings.
MIN_TRANSIT_ALT_M = 30.0
#: No-fly polygons with many vertices (circles) are planned around a covering polygon this
#: much coarser (metres): far fewer corners for the shortest-path graph.
COARSE_M = 2.0
#: Free pieces smaller than this (m²) that no drone can reach are dropped with a warning.
SLIVER_M2 = 200.0


@dataclass(frozen=True, kw_only=True)
class DroneRoute:
    """One mission's geometry in metres: ``path`` from launch back to launch, ``lanes`` photographed."""

    drone: str
    sortie: int
    launch: str
    part: int
    path: tuple[XY, ...]
    lanes: tuple[tuple[XY, ...], ...]
    survey_m: float
    time_s: float


@dataclass(frozen=True, kw_only=True)
class SurveyPlan:
    """Missions (per drone and sortie), the summary written to ``summary.json``, warnings."""

    missions: tuple[Mission, ...]
    summary: dict
    warnings: tuple[str, ...]
    routes: tuple[DroneRoute, ...]
    spacing: SurveySpacing
    free: tuple[Polygon | MultiPolygon, ...]  # per zone part, at the true margin
    parts: tuple[Polygon, ...]

    @property
    def lanes(self) -> list[tuple[XY, ...]]:
        return [lane for r in self.routes for lane in r.lanes]


def plan_survey(
    zone: SafetyZone,
    *,
    fleet: FleetConfig,
    camera: Camera | str | None = None,
    alt_m: float | None = None,
    gsd_cm_px: float | None = None,
    front_pct: float = 75.0,
    side_pct: float = 65.0,
    lane_spacing_m: float | None = None,
    trigger_distance_m: float | None = None,
    angle_deg: float | None = None,
    crosshatch: bool = False,
    speed_m_s: float | None = None,
    margin_m: float | None = None,
    authorized: bool = False,
    name: str | None = None,
    drones: int | None = None,
    rules: Rules = DEFAULT_RULES,
) -> SurveyPlan:
    """Plan a photo survey of ``zone`` split over the first ``drones`` drones of ``fleet``.

    ``alt_m`` (above home, default 60) or ``gsd_cm_px``; ``camera`` a preset name or
    :class:`Camera` (default: the first drone's camera); overlaps in percent; ``angle_deg`` fixes
    the lane heading (degrees from north, ``None`` = best per cell); ``speed_m_s`` overrides the
    drones' cruise speed; ``margin_m`` (default ``rules.margin_m``) is kept from the zone edge
    and no-fly areas; ``authorized`` lifts airport rings.

    Raises :class:`UsageError` for bad option values and :class:`SafetyError` when the zone
    cannot be surveyed safely (above the ceiling, a part no drone can reach, nothing to fly).
    """
    warnings: list[str] = []
    n = len(fleet) if drones is None else drones
    if n < 1:
        raise UsageError("--drones must be at least 1")
    if n > len(fleet):
        raise UsageError(f"--drones {n}: the fleet ({fleet.source}) has {len(fleet)} drones; "
                         "describe more drones in a --fleet file")
    team = fleet.drones[:n]
    team_index = {d.name: i for i, d in enumerate(team)}
    cam = get_camera(team[0].camera if camera is None else camera) if not isinstance(camera, Camera) else camera
    if alt_m is not None and gsd_cm_px is not None:
        raise UsageError("give either --alt or --gsd, not both")
    if gsd_cm_px is not None:
        if gsd_cm_px <= 0:
            raise UsageError(f"--gsd {gsd_cm_px:g}: must be a positive number of cm per pixel")
        alt = alt_for_gsd_m(cam, gsd_cm_px)
    else:
        alt = DEFAULT_ALT_M if alt_m is None else float(alt_m)
    if alt <= 0:
        raise UsageError(f"--alt {alt:g}: must be above the ground (metres above home)")
    ceiling = min(zone.max_alt_m, rules.max_alt_m)
    if alt > ceiling + 1e-9:
        how = f"a GSD of {gsd_cm_px:g} cm/px with {cam.name} needs {alt:.1f} m" if gsd_cm_px else f"{alt:g} m"
        raise SafetyError(f"{zone.source}: {how}, above the {ceiling:g} m ceiling of this zone — fly at "
                          f"{ceiling:g} m or lower (--alt) or ask for a finer GSD")
    spacing = survey_spacing(cam, alt_m=alt, front_pct=front_pct, side_pct=side_pct,
                             lane_spacing_m=lane_spacing_m, trigger_distance_m=trigger_distance_m)
    margin = rules.margin_m if margin_m is None else float(margin_m)
    if margin < 0:
        raise UsageError(f"--margin {margin:g}: must not be negative")
    if speed_m_s is not None and speed_m_s <= 0:
        raise UsageError(f"--speed {speed_m_s:g}: must be a positive speed in m/s")
    speeds = [float(speed_m_s) if speed_m_s else d.cruise_speed_m_s for d in team]
    for d, v in zip(team, speeds, strict=True):
        if cam.min_interval_s > 0 and spacing.trigger_distance_m / v < cam.min_interval_s:
            warnings.append(
                f"{d.name}: a photo every {spacing.trigger_distance_m:.1f} m at {v:g} m/s is faster than "
                f"{cam.name}'s {cam.min_interval_s:g} s minimum interval — fly slower (--speed "
                f"{spacing.trigger_distance_m / cam.min_interval_s:.1f}) or lower the front overlap"
            )
    models = [FlightModel(cruise_speed_m_s=v) for v in speeds]
    limits = [d.endurance_min * 60.0 * (1.0 - rules.battery_reserve) * ENDURANCE_USE for d in team]

    obstacles = zone.obstacles(authorized=authorized)
    nofly_polys = [o.area_m for o in obstacles]
    bases, base_names = _launches(zone, n, nofly_polys, margin, warnings)
    # each part's onboard fence first: when it had to be simplified to fit the flight controller,
    # the lanes and transits avoid what it excludes (the autopilot enforces it)
    onboard = {pi: onboard_fence(zone, part=part, authorized=authorized, keep_clear=bases,
                                 clear_m=margin + LAUNCH_CLEAR_M) for pi, part in enumerate(zone.parts)}

    shares_by_part: list[tuple[int, list[Share], list[int], tuple[float, ...]]] = []
    covered: list[tuple[int, object, list[int], SafeSpace]] = []
    free_parts: list[Polygon | MultiPolygon] = []
    parts = zone.parts
    for pi, part in enumerate(parts):
        label = _part_label(zone, pi, part)
        obstacle_polys = nofly_polys + list(onboard[pi].exclusions_m)
        free_true = free_region(part, obstacle_polys, margin)
        free_parts.append(free_true)
        free = free_region(part, [_coarse(o) for o in obstacle_polys], margin + PLAN_INSET_M, quad_segs=2)
        members = [i for i in range(n) if part.buffer(0.01).covers(Point(bases[i]))]
        if free.is_empty or free.area < 1.0:
            blockers = [o for o in obstacles if o.area_m.covers(part.buffer(-margin)) or o.area_m.covers(part)]
            if blockers and blockers[0].airport:
                raise SafetyError(
                    f"{zone.source}: {label} lies inside the {blockers[0].airport} airport ring "
                    f"({blockers[0].name}) — record the CAAT permission with --authorization ID"
                )
            if len(parts) == 1 or blockers:
                why = f"inside the no-fly area {blockers[0].name!r}" if blockers else (
                    f"narrower than twice the {margin:g} m margin")
                raise SafetyError(f"{zone.source}: {label} has nothing to fly: it is {why} — "
                                  "check the zone and no-fly areas or lower --margin")
            warnings.append(f"{label} is narrower than twice the {margin:g} m margin: not surveyed")
            continue
        if not members:
            raise SafetyError(
                f"{zone.source}: {label} has no launch site of the {n} drone(s) flying: no drone can reach "
                "it without leaving the zone — add a launch feature inside it (drones take launch sites "
                "in order) or plan it from its own zone file"
            )
        pieces = [g for g in (free.geoms if isinstance(free, MultiPolygon) else [free]) if not g.is_empty]
        space_all = SafeSpace(free)
        entries = {i: entry_point(space_all, bases[i]) for i in members}
        for piece in sorted(pieces, key=lambda g: -g.area):
            probe = piece.buffer(0.05)
            crew = [i for i in members if probe.covers(Point(entries[i]))]
            if not crew:
                if piece.area < SLIVER_M2:
                    warnings.append(f"{label}: a {piece.area:.0f} m² sliver near "
                                    f"{_lonlat_text(zone, piece)} cannot be reached and is not surveyed")
                    continue
                raise SafetyError(
                    f"{zone.source}: {label}: the area near {_lonlat_text(zone, piece)} "
                    f"({piece.area / 10_000:.2f} ha) is cut off by no-fly areas and the margin: no launch "
                    "site can reach it — add a launch site there or lower --margin"
                )
            space = space_all
            route = plan_coverage(piece, spacing_m=spacing.lane_spacing_m, angle_deg=angle_deg,
                                  crosshatch=crosshatch, space=space, start=entries[crew[0]], model=models[crew[0]])
            covered.append((pi, route, crew, space))

    layers = transit_altitudes(alt, len(team), ceiling_m=ceiling, band_m=rules.separation_alt_band_m)
    check_limits = {d.name: d.endurance_min * 60.0 * (1.0 - rules.battery_reserve) - 1.0 for d in team}
    # split each piece's route over its crew; a sortie whose mission (flown on paper, as the checks
    # fly it) is longer than the battery allows has its piece split again with a tighter budget
    scale = [1.0] * len(covered)
    for _attempt in range(6):
        shares_by_part = []
        over = False
        for j, (pi, route, crew, space) in enumerate(covered):
            shares = split_route(route.segments, [bases[i] for i in crew], space=space,
                                 models=[models[i] for i in crew], alt_m=alt,
                                 limits_s=[limits[i] * scale[j] for i in crew])
            shares = [_reindex(s, crew) for s in shares]
            shares_by_part.append((pi, shares, crew, route.angles_deg))
            worst = 0.0
            for share in shares:
                probe = Mission(drone=team[share.drone].name, home=_home_at(zone, bases[share.drone]),
                                items=tuple(_items(zone, share, alt, max(layers), speeds[share.drone],
                                                   spacing.trigger_distance_m)),
                                cruise_speed_m_s=speeds[share.drone])
                t = estimate_mission(probe, zone.frame, models[share.drone]).time_s
                worst = max(worst, t / (check_limits[team[share.drone].name] * ENDURANCE_USE))
            if worst > 1.0:
                scale[j] *= 0.995 / worst
                over = True
        if not over:
            break

    rally = rally_for(zone, alt_m=alt)
    fences: dict[int, Geofence] = {}
    all_shares = sorted(((pi, s) for pi, shares, _, _ in shares_by_part for s in shares),
                        key=lambda ps: (ps[1].drone, ps[0], ps[1].sortie))

    def build(transit_alts: list[float]) -> tuple[list[Mission], list[DroneRoute]]:
        missions: list[Mission] = []
        routes: list[DroneRoute] = []
        sortie_count: dict[int, int] = {}
        for pi, share in all_shares:
            d = team[share.drone]
            sortie_count[share.drone] = sortie_count.get(share.drone, 0) + 1
            fences[pi] = onboard[pi].fence
            lon, lat = zone.frame.lonlat(*bases[share.drone])
            items = _items(zone, share, alt, transit_alts[share.drone], speeds[share.drone],
                           spacing.trigger_distance_m)
            mission = Mission(drone=d.name, home=Home(lon=lon, lat=lat, alt_amsl_m=0.0), items=tuple(items),
                              geofence=fences[pi], rally=rally, cruise_speed_m_s=speeds[share.drone],
                              hover_speed_m_s=5.0, sortie=sortie_count[share.drone], kind="survey")
            missions.append(mission)
            routes.append(DroneRoute(drone=d.name, sortie=mission.sortie, launch=base_names[share.drone], part=pi,
                                     path=tuple(share.path), lanes=tuple(share.lanes), survey_m=share.survey_m,
                                     time_s=0.0))
        return missions, routes

    # deconfliction: altitude layers (two orders tried), staggered starts and holds over home
    grown = nofly_polys + [g for f in onboard.values() for g in f.exclusions_m]
    hard = zone.area_m.difference(shapely.union_all(grown)) if grown else zone.area_m
    holds_at = hold_points(zone.frame, shapely.union_all(free_parts), hard, bases, rules=rules, margin_m=margin)
    built = [build(order) for order in _layer_orders(layers)]
    pick, deconfliction = best_deconfliction([b[0] for b in built], zone.frame, rules=rules, limits_s=check_limits,
                                             hold_point=holds_at, where=zone.source)
    routes = built[pick][1]
    missions = list(deconfliction.missions)
    for k, (mission, r) in enumerate(zip(missions, routes, strict=True)):
        est = estimate_mission(mission, zone.frame, models[team_index[mission.drone]])
        routes[k] = replace(r, time_s=est.time_s)
        if len(mission.items) + 1 > MAX_MISSION_ITEMS:
            warnings.append(f"{mission.drone} sortie {mission.sortie}: {len(mission.items) + 1} mission items, "
                            f"more than the {MAX_MISSION_ITEMS} ArduCopter SITL stores — raise --lane-spacing "
                            "or split the zone")
    busy = {r.drone for r in routes}
    for d in team:
        if d.name not in busy:
            warnings.append(f"{d.name} has nothing to survey (its part of the zone is covered by others)")
    summary = _summary(zone, name, cam, spacing, routes, free_parts, angle_deg, crosshatch, speeds, margin,
                       authorized, team, missions, warnings, shares_by_part)
    summary["deconfliction"] = deconfliction.to_json()
    photo_target = shapely.intersection(
        shapely.union_all([parts[pi] for pi in sorted({r.part for r in routes})]) if routes else Polygon(),
        zone.area_m.difference(shapely.union_all(nofly_polys)) if nofly_polys else zone.area_m)
    summary["photo_coverage_pct"] = round(100.0 * photo_coverage(
        [lane for r in routes for lane in r.lanes], photo_target, cam, spacing.alt_m, spacing.trigger_distance_m), 2)
    summary["photo_coverage_note"] = ("share of the zone minus its no-fly areas (edges included) inside at least "
                                      "one photo footprint, from the altitude, camera and heading at each trigger "
                                      "point; coverage_pct is the share the lanes' swaths cover within the margin")
    summary["fence"] = {"parts": [onboard[pi].to_json() for pi in sorted(onboard)],
                        "simplified": [line for pi in sorted(onboard) for line in onboard[pi].simplified]}
    return SurveyPlan(missions=tuple(missions), summary=summary, warnings=tuple(warnings), routes=tuple(routes),
                      spacing=spacing, free=tuple(free_parts), parts=tuple(parts))


def _home_at(zone: SafetyZone, xy: XY) -> Home:
    lon, lat = zone.frame.lonlat(*xy)
    return Home(lon=lon, lat=lat, alt_amsl_m=0.0)


def _coarse(poly: Polygon, tol_m: float = COARSE_M) -> Polygon:
    """A polygon with fewer vertices that covers ``poly`` (metres): fewer corners to route around."""
    if len(poly.exterior.coords) <= 24:
        return poly
    for base in (poly, poly.convex_hull):
        c = base.buffer(tol_m, join_style="mitre").simplify(tol_m, preserve_topology=True)
        if isinstance(c, Polygon) and c.is_valid and c.covers(poly):
            return Polygon(c.exterior)
    return poly


def _reindex(s: Share, crew: list[int]) -> Share:
    return Share(drone=crew[s.drone], sortie=s.sortie, base=s.base, transit_in=s.transit_in, segments=s.segments,
                 transit_out=s.transit_out, time_s=s.time_s)


def _launches(zone: SafetyZone, n: int, obstacles: list[Polygon], margin: float,
              warnings: list[str]) -> tuple[list[XY], list[str]]:
    """Launch site (metres) and name of each drone: launch sites in order, round robin."""
    if zone.launches:
        sites = [zone.launches[i % len(zone.launches)] for i in range(n)]
        return [s.xy for s in sites], [s.name for s in sites]
    free = free_region(zone.area_m, obstacles, margin)
    target = zone.area_m.centroid
    if free.is_empty:
        p = zone.area_m.representative_point()
    else:
        p = target if free.covers(target) else nearest_points(free, target)[0]
    lon, lat = zone.frame.lonlat(p.x, p.y)
    warnings.append(f"{zone.source}: no launch site in the zone; every drone launches at the point nearest the "
                    f"centre, {lon:.6f} {lat:.6f} — add 'launch' features for real sites")
    return [(float(p.x), float(p.y))] * n, ["zone centre"] * n


def _part_label(zone: SafetyZone, index: int, part: Polygon) -> str:
    c = part.representative_point()
    lon, lat = zone.frame.lonlat(c.x, c.y)
    if len(zone.parts) == 1:
        return f"zone {zone.name!r}"
    return f"part {index + 1} of zone {zone.name!r} (around {lon:.5f} {lat:.5f}, {part.area / 10_000:.1f} ha)"


def _lonlat_text(zone: SafetyZone, geom: Polygon) -> str:
    c = geom.representative_point()
    lon, lat = zone.frame.lonlat(c.x, c.y)
    return f"{lon:.5f} {lat:.5f}"


def _layer_orders(layers: list[float]) -> list[list[float]]:
    """Layer assignments tried: as given, and highest first (the first to take off climbs highest,
    so the next can climb beneath it at once)."""
    orders = [list(layers)]
    desc = sorted(layers, reverse=True)
    if desc != orders[0]:
        orders.append(desc)
    return orders


def transit_altitudes(alt_m: float, n: int, *, ceiling_m: float, band_m: float) -> list[float]:
    """Transit altitude of each of ``n`` drones, metres above home: the survey altitude, then one
    separation band above, one below, two above... within ``MIN_TRANSIT_ALT_M``..``ceiling_m``.

    Drones fly to and from their share at different heights, so transits that cross stay a
    band apart vertically. With more drones than levels, levels repeat.

    >>> transit_altitudes(60, 3, ceiling_m=90, band_m=15)
    [60.0, 75.0, 45.0]
    """
    levels = [float(alt_m)]
    for k in range(1, 8):
        levels += [float(alt_m + k * band_m), float(alt_m - k * band_m)]
    usable = [a for a in levels if MIN_TRANSIT_ALT_M - 1e-9 <= a <= ceiling_m + 1e-9] or [float(alt_m)]
    return [usable[i % len(usable)] for i in range(n)]


def straight_runs(points: Sequence[XY], tol_m: float = 0.05) -> list[XY]:
    """``points`` without the points that lie on the straight line between their neighbours
    (within ``tol_m`` metres): the same path, flown as long legs.

    ArduCopter plans each leg's speed so that it could stop by the end of the next one: a lane
    cut into 36 m legs is flown at about 6.6 m/s instead of 10 (measured on ArduCopter 4.7 SITL),
    so collinear waypoints cost flight time and battery.

    >>> straight_runs([(0.0, 0.0), (36.0, 0.0), (72.0, 0.0), (72.0, 30.0)])
    [(0.0, 0.0), (72.0, 0.0), (72.0, 30.0)]
    """
    if len(points) <= 2:
        return list(points)

    def on_line(a: XY, c: XY, b: XY) -> bool:  # b lies on the segment a-c, within tol_m
        ac = (c[0] - a[0], c[1] - a[1])
        ab = (b[0] - a[0], b[1] - a[1])
        length2 = ac[0] * ac[0] + ac[1] * ac[1]
        if length2 == 0:
            return math.hypot(*ab) <= tol_m
        t = (ab[0] * ac[0] + ab[1] * ac[1]) / length2
        off = abs(ab[0] * ac[1] - ab[1] * ac[0]) / math.sqrt(length2)
        return 0.0 <= t <= 1.0 and off <= tol_m

    out: list[XY] = [points[0]]
    skipped: list[XY] = []
    for i in range(1, len(points) - 1):
        nxt = points[i + 1]
        if all(on_line(out[-1], nxt, q) for q in (*skipped, points[i])):
            skipped.append(points[i])
        else:
            out.append(points[i])
            skipped = []
    out.append(points[-1])
    return out


def _items(zone: SafetyZone, share: Share, alt: float, transit_alt: float, speed: float,
           trigger_m: float) -> list[MissionItem]:
    """Take-off, speed, transit, lanes (trigger on at starts, off at ends), way back, RTL.

    Take-off and transits fly at ``transit_alt``; lanes at the survey altitude ``alt`` (metres).
    """
    items: list[MissionItem] = [takeoff(transit_alt), change_speed(speed)]
    last: list = [share.base, transit_alt]  # last waypoint (metres) and its altitude

    def wp(p: XY, height: float) -> None:
        if last[0] is not None and math.dist(last[0], p) < 0.05 and last[1] == height:
            return
        lon, lat = zone.frame.lonlat(*p)
        items.append(waypoint(lon, lat, height))
        last[:] = [p, height]

    for p in share.transit_in[1:-1]:
        wp(p, transit_alt)
    if len(share.transit_in) > 1:
        wp(share.transit_in[-1], alt)  # descend or climb to the survey altitude on the way in
    for seg in share.segments:
        points = straight_runs(seg.points)
        if seg.photo:
            wp(points[0], alt)
            items.append(cam_trigger_distance(trigger_m, trigger_now=True))
            for p in points[1:]:
                wp(p, alt)
            items.append(cam_trigger_distance(0.0))
        else:
            for p in points[1:]:
                wp(p, alt)
    back = list(share.transit_out[1:])
    if back and math.dist(back[-1], share.base) < 1e-6:
        back = back[:-1]  # RTL flies the last leg home
    if back:
        last[0] = None  # climb or descend to the transit altitude over the last survey point
        wp(share.transit_out[0], transit_alt)
    for p in back:
        wp(p, transit_alt)
    items.append(rtl())
    return items


def _summary(zone, name, cam, spacing, routes, free_parts, angle_deg, crosshatch, speeds, margin,
             authorized, team, missions, warnings, shares_by_part) -> dict:
    radius = spacing.lane_spacing_m / 2.0
    target = shapely.union_all(free_parts) if free_parts else Polygon()
    covered = covered_fraction([lane for r in routes for lane in r.lanes], target, radius) if routes else 0.0
    per_drone: dict[str, float] = {}
    for r in routes:
        per_drone[r.drone] = per_drone.get(r.drone, 0.0) + r.time_s
    times = [t for t in per_drone.values() if t > 0]
    drones_out = []
    for r in routes:
        lanes = [LineString(lane) if len(lane) > 1 else Point(lane[0]) for lane in r.lanes]
        area = 0.0
        if lanes:
            swath = shapely.union_all(shapely.buffer(np.array(lanes, dtype=object), radius, quad_segs=4))
            area = swath.intersection(target).area
        stem = r.drone if r.sortie <= 1 else f"{r.drone}-sortie{r.sortie}"
        mission = next(m for m in missions if m.file_stem == stem)
        drones_out.append({
            "drone": r.drone,
            "file": stem,
            "sortie": r.sortie,
            "launch": r.launch,
            "zone_part": r.part + 1,
            "path_m": round(_length(r.path), 1),
            "survey_m": round(r.survey_m, 1),
            "lanes": len(r.lanes),
            "time_s": round(r.time_s, 1),
            "photos": _photos(r.lanes, spacing.trigger_distance_m),
            "area_ha": round(area / 10_000, 2),
            "items": len(mission.items) + 1,
            "start_offset_s": mission.start_offset_s,
            "transit_alt_m": next((it.alt_m for it in mission.items if it.command == 22), None),
        })
    return {
        "kind": "survey",
        "name": name or _default_name(zone),
        "zone": zone.name,
        "zone_file": zone.source,
        "camera": cam.name,
        "camera_label": cam.label,
        "alt_m": round(spacing.alt_m, 2),
        "gsd_cm_px": round(spacing.gsd_cm_px, 3),
        "footprint_m": [round(spacing.footprint_side_m, 2), round(spacing.footprint_front_m, 2)],
        "front_pct": spacing.front_pct,
        "side_pct": spacing.side_pct,
        "lane_spacing_m": round(spacing.lane_spacing_m, 2),
        "trigger_distance_m": round(spacing.trigger_distance_m, 2),
        "angle_deg": "auto" if angle_deg is None else angle_deg,
        "angles_deg": sorted({round(a, 1) for *_, angles in shares_by_part for a in angles}),
        "crosshatch": crosshatch,
        "speed_m_s": speeds[0] if len(set(speeds)) == 1 else speeds,
        "margin_m": margin,
        "authorized": authorized,
        "area_ha": round(target.area / 10_000, 2) if not target.is_empty else 0.0,
        "coverage_pct": round(100.0 * covered, 2),
        "balance": round(max(times) / min(times), 3) if times else None,
        "path_m": round(sum(_length(r.path) for r in routes), 1),
        "photos": sum(d["photos"] for d in drones_out),
        "drones": drones_out,
        "plan_warnings": list(warnings),
        "drone_names": [d.name for d in team],
    }


def _photos(lanes: tuple[tuple[XY, ...], ...], trigger_m: float) -> int:
    return int(sum(math.floor(_length(lane) / trigger_m) + 1 for lane in lanes))


def _length(points) -> float:
    return sum(math.dist(points[i - 1], points[i]) for i in range(1, len(points)))


def _default_name(zone: SafetyZone) -> str:
    stem = Path(zone.source).stem if zone.source else "survey"
    return f"{stem}-survey"


__all__ = ["DEFAULT_ALT_M", "DroneRoute", "SurveyPlan", "plan_survey"]
