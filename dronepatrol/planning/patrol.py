"""Patrol planning: hotspot priorities, routes for the fleet, and one patrol mission per drone.

Each drone starts and ends at its own launch site (drone *k* at the zone's *k*-th launch site).
Its mission:

=====  ==========================================================================================
seq    item
=====  ==========================================================================================
1      NAV_TAKEOFF to the patrol altitude (over the launch site)
2      DO_CHANGE_SPEED to the cruise speed
3      NAV_WAYPOINT over the launch site (or the nearest safe point when the launch site lies
       within the margin): the first patrol item, target of the loop's DO_JUMP
...    per hotspot: NAV_WAYPOINTs where the shortest safe path bends around no-fly areas, a
       NAV_WAYPOINT over the hotspot, DO_SET_ROI on it, NAV_LOITER_TIME for the dwell,
       DO_DIGICAM_CONTROL (one photo)
...    safe-path NAV_WAYPOINTs back and a NAV_WAYPOINT over the launch site
...    DO_JUMP to seq 3, repeat ``loops - 1`` (only when ``loops > 1``)
...    DO_SET_ROI at 0, 0 (ROI off), NAV_RETURN_TO_LAUNCH (a vertical descent: already overhead)
=====  ==========================================================================================

Each loop is the closed tour from the launch site, so the drone passes over its pilot between
loops and every leg, the loop's included, follows a safe path. A hotspot inside a no-fly area or
within the margin is watched from the nearest safe point within 100 m (ROI on the hotspot).

Default dwell per hotspot kind (:data:`DEFAULT_DWELL_S`, seconds): bank 30, gold shop 45,
convenience store 20, park 60, landmark 30, market 45, school 30, incident 60, other 30; a
hotspot's ``dwell_s`` overrides it and ``dwell`` (``--dwell``) overrides both.

When drones' routes come closer than ``rules.min_separation_m`` to each other anywhere, the drones
fly at altitudes ``rules.separation_alt_band_m`` apart (the plan's altitude first, then above,
then below). Drones whose launch sites are closer than the separation distance then take off one
after the other and land one after the other (start offsets and holds over home:
:mod:`~dronepatrol.planning.deconflict`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.ops import nearest_points

from dronepatrol.config import FleetConfig, default_fleet
from dronepatrol.errors import InputError, SafetyError, UsageError
from dronepatrol.mission import (
    Geofence,
    Home,
    Mission,
    MissionItem,
    change_speed,
    do_jump,
    loiter_time,
    photo,
    roi,
    roi_none,
    rtl,
    takeoff,
    waypoint,
)
from dronepatrol.planning.checks import MAX_MISSION_ITEMS
from dronepatrol.planning.deconflict import best_deconfliction, hold_points
from dronepatrol.planning.estimate import estimate_mission
from dronepatrol.planning.fence import LAUNCH_CLEAR_M, onboard_fence, rally_for
from dronepatrol.planning.flight_time import FlightModel
from dronepatrol.planning.paths import SafeSpace, free_region
from dronepatrol.planning.priority import Incident, RankedHotspot, rank_hotspots
from dronepatrol.planning.routing import RoutePlan, RoutingProblem, shuffle_routes, solve_routes
from dronepatrol.rules import DEFAULT_RULES, Rules
from dronepatrol.zones.model import SafetyZone

XY = tuple[float, float]

#: Default dwell (seconds of loiter) per hotspot kind.
DEFAULT_DWELL_S: dict[str, float] = {
    "bank": 30.0,
    "gold_shop": 45.0,
    "convenience_store": 20.0,
    "park": 60.0,
    "landmark": 30.0,
    "market": 45.0,
    "school": 30.0,
    "incident": 60.0,
    "other": 30.0,
}
#: A hotspot that cannot be flown over is watched from a safe point at most this far away (m).
MAX_OBSERVE_DISTANCE_M = 100.0
#: Lowest altitude (m above home) a drone is moved down to for separation.
MIN_ALT_M = 20.0
#: Seconds kept aside in each drone's budget for what the route model leaves out (turns, ROI yaw).
BUDGET_SLACK_S = 10.0
ORDERS = ("best", "shuffle")


@dataclass(frozen=True, kw_only=True)
class PatrolStop:
    """A hotspot in a route: where the drone hovers (``observe_xy`` metres) and for how long."""

    ranked: RankedHotspot
    dwell_s: float
    observe_xy: XY

    @property
    def observed_from_m(self) -> float:
        """Horizontal distance (m) from the hover point to the hotspot (0 when overhead)."""
        return math.dist(self.observe_xy, self.ranked.hotspot.xy)


@dataclass(frozen=True, kw_only=True)
class DroneRoute:
    """One drone's patrol: launch site, hotspots in order, the metric polyline of one loop."""

    drone: str
    launch: str
    alt_m: float
    speed_m_s: float
    loops: int
    stops: tuple[PatrolStop, ...]
    path_m: tuple[XY, ...]
    loop_time_s: float
    time_s: float
    distance_m: float
    budget_s: float


@dataclass(frozen=True, kw_only=True)
class PatrolPlan:
    """Missions per drone, the routes behind them, dropped hotspots and a JSON-ready ``summary``."""

    missions: tuple[Mission, ...]
    routes: tuple[DroneRoute, ...]
    dropped: tuple[tuple[RankedHotspot, str], ...]
    hotspots: tuple[RankedHotspot, ...]
    space: SafeSpace
    summary: dict = field(default_factory=dict)


def dwell_for(ranked: RankedHotspot, dwell: float | None = None) -> float:
    """Seconds to loiter: ``dwell`` if given, else the hotspot's ``dwell_s``, else the kind default."""
    if dwell is not None:
        return float(dwell)
    h = ranked.hotspot
    if h.dwell_s is not None:
        return float(h.dwell_s)
    return DEFAULT_DWELL_S.get(h.kind, DEFAULT_DWELL_S["other"])


def plan_patrol(
    zone: SafetyZone,
    *,
    fleet: FleetConfig | None = None,
    rules: Rules = DEFAULT_RULES,
    alt_m: float = 50.0,
    dwell: float | None = None,
    loops: int | str = 1,
    min_priority: int = 1,
    incidents: Sequence[Incident] = (),
    order: str = "best",
    seed: int = 0,
    speed: float | None = None,
    margin_m: float | None = None,
    authorized: bool = False,
    name: str | None = None,
    now: datetime | None = None,
    time_limit_s: float | None = None,
) -> PatrolPlan:
    """Plan a patrol of ``zone``'s hotspots for ``fleet`` (default: three drones).

    ``alt_m`` metres above home; ``dwell`` seconds at every hotspot (default per kind);
    ``loops`` an int >= 1 or ``"max"`` (as many as each drone's endurance allows); hotspots whose
    priority (after raises) is below ``min_priority`` are left out; ``incidents`` raise priorities
    (dated against ``now``, default the latest incident); ``order`` ``"best"`` or ``"shuffle"``
    (seeded by ``seed``, longest route within 10 % of the best); ``speed`` m/s overrides the
    drones' cruise speed; ``margin_m`` (default ``rules.margin_m``) from the zone edge and no-fly
    areas; ``authorized`` lifts airport rings. Raises :class:`UsageError` for bad options,
    :class:`InputError` for a zone that cannot be patrolled, :class:`SafetyError` when no safe
    plan exists.

    >>> from dronepatrol.zones import load_zone
    >>> plan = plan_patrol(load_zone("geofences/roiet.geojson"), time_limit_s=0.2)
    >>> len(plan.missions), sum(len(r.stops) for r in plan.routes)
    (3, 12)
    """
    fleet = fleet or default_fleet()
    margin = rules.margin_m if margin_m is None else float(margin_m)
    loops_n = _check_options(zone, fleet, rules, alt_m, dwell, loops, min_priority, order, speed, margin)
    drones = fleet.drones
    if not zone.launches:
        raise InputError(f"{zone.source}: the zone has no launch site; add a Point with \"role\": \"launch\"")
    if len(zone.launches) < len(drones):
        raise UsageError(
            f"{zone.source}: {len(zone.launches)} launch site(s) for {len(drones)} drones; each drone needs its "
            f"own launch site — add launch sites to the zone or use --drones {len(zone.launches)}"
        )

    # --- the free region and where each drone departs ------------------------------------------
    obstacles = [n.area_m for n in zone.obstacles(authorized=authorized)]
    # the onboard fence first: when it had to be simplified to fit, routes avoid what it excludes
    onboard = onboard_fence(zone, authorized=authorized, keep_clear=[s.xy for s in zone.launches],
                            clear_m=margin + LAUNCH_CLEAR_M)
    obstacles += list(onboard.exclusions_m)
    free = free_region(zone.area_m, obstacles, margin)
    if free.is_empty:
        ring = [n for n in zone.obstacles(authorized=authorized) if n.airport]
        hint = " — the zone is inside an airport ring: run with --authorization ID" if ring else ""
        raise SafetyError(f"{zone.source}: no safe airspace is left in the zone (margin {margin:g} m){hint}")
    space = SafeSpace(free)
    inner = free.buffer(-0.5)
    depots: list[XY] = []
    for d, site in zip(drones, zone.launches, strict=False):
        p = _safe_point(space, inner, site.xy, 2 * margin + 1.0)
        if p is None:
            raise SafetyError(
                f"{zone.source}: launch site {site.name!r} of {d.name} is inside a no-fly area or outside the "
                "zone" + (" (an airport ring: run with --authorization ID)" if _in_airport(zone, site.xy, authorized)
                          else "") + " — move it or pick another launch site"
            )
        depots.append(p)

    # --- priorities, observation points, dwell ---------------------------------------------------
    ranked = rank_hotspots(zone, incidents, now=now)
    dropped: list[tuple[RankedHotspot, str]] = []
    stops: list[PatrolStop] = []
    for r in ranked.hotspots:
        if r.priority < min_priority:
            dropped.append((r, f"priority {r.priority} is below --min-priority {min_priority}"))
            continue
        obs = _safe_point(space, inner, r.hotspot.xy, MAX_OBSERVE_DISTANCE_M)
        if obs is None:
            dropped.append((r, "inside a no-fly area or outside the zone, with no safe point within 100 m"))
            continue
        stops.append(PatrolStop(ranked=r, dwell_s=dwell_for(r, dwell), observe_xy=obs))

    # --- routing -----------------------------------------------------------------------------------
    nd = len(drones)
    points = depots + [s.observe_xy for s in stops]
    dist = space.distance_matrix(points)
    speeds = [speed or d.cruise_speed_m_s for d in drones]
    model = FlightModel()
    legs = np.stack([_leg_times(dist, model, v) for v in speeds])
    alts = [float(alt_m)] * nd
    climb = [model.climb_time_s(a) + model.descent_time_s(a) for a in alts]
    limits = [d.endurance_min * 60.0 * (1.0 - rules.battery_reserve) for d in drones]
    k_loops = [loops_n or 1] * nd
    budgets = [max(0.0, (limits[v] - climb[v] - BUDGET_SLACK_S) / k_loops[v]) for v in range(nd)]
    service = np.array([0.0] * nd + [s.dwell_s for s in stops])
    prio = np.array([0] * nd + [s.ranked.priority for s in stops])

    for _attempt in range(4):
        problem = RoutingProblem(leg_s=legs, depots=tuple(range(nd)), service_s=service, priority=prio,
                                 max_time_s=tuple(budgets))
        best = solve_routes(problem, time_limit_s=time_limit_s, seed=seed)
        chosen: RoutePlan = best
        if order == "shuffle":
            chosen = shuffle_routes(problem, best, seed=seed)
        routes_m = [_route_path(space, depots[v], [points[i] for i in chosen.routes[v]]) for v in range(nd)]
        alts = _altitudes(routes_m, alt_m, zone, rules)
        missions, loop_s, times = _missions(
            zone, space, drones, depots, stops, chosen, routes_m, alts, speeds, loops_n, limits, onboard.fence, nd
        )
        over = [v for v in range(nd) if times[v] > limits[v] + 1e-6]
        if not over:
            break
        for v in over:  # the route model was optimistic: shrink that drone's budget and plan again
            k = _loops_of(missions[v])
            budgets[v] = max(0.0, budgets[v] - (times[v] - limits[v]) / k - 5.0)
    else:
        raise SafetyError(
            f"{zone.source}: no patrol fits the drones' endurance; lower --loops or raise --min-priority"
        )

    # --- deconfliction: staggered take-offs and holds over home (altitude layers are above) -------
    check_limits = {d.name: limits[v] - 1.0 for v, d in enumerate(drones)}
    hard = zone.area_m.difference(shapely.union_all(obstacles)) if obstacles else zone.area_m
    holds_at = hold_points(zone.frame, space.free, hard, [s.xy for s in zone.launches[:nd]], rules=rules,
                           margin_m=margin)
    options = [(alts, missions, loop_s)]
    desc = sorted(alts, reverse=True)
    if desc != alts:  # the first to take off climbs highest, so the next can climb beneath it at once
        m2, l2, t2 = _missions(zone, space, drones, depots, stops, chosen, routes_m, desc, speeds, loops_n, limits,
                               onboard.fence, nd)
        if all(t <= lim + 1e-6 for t, lim in zip(t2, limits, strict=True)):
            options.append((desc, m2, l2))
    pick, deconfliction = best_deconfliction([o[1] for o in options], zone.frame, rules=rules, where=zone.source,
                                             limits_s=check_limits, hold_point=holds_at)
    alts, _, loop_s = options[pick]
    missions = list(deconfliction.missions)
    times = [estimate_mission(m, zone.frame).time_s for m in missions]

    dropped += [(stops[i - nd].ranked, "does not fit the drones' endurance (lowest priority dropped first)")
                for i in chosen.dropped]
    drone_routes = []
    for v, d in enumerate(drones):
        route_stops = tuple(stops[i - nd] for i in chosen.routes[v])
        drone_routes.append(
            DroneRoute(
                drone=d.name,
                launch=zone.launches[v].name,
                alt_m=alts[v],
                speed_m_s=speeds[v],
                loops=_loops_of(missions[v]),
                stops=route_stops,
                path_m=tuple(routes_m[v]),
                loop_time_s=loop_s[v],
                time_s=times[v],
                distance_m=_length(routes_m[v]) * _loops_of(missions[v]),
                budget_s=limits[v],
            )
        )
    plan_name = name or _default_name(zone)
    summary = _summary(plan_name, zone, drone_routes, dropped, ranked, alt_m, order, seed,
                       "max" if loops_n is None else loops_n, margin,
                       min_priority, best, chosen, dwell)
    summary["deconfliction"] = deconfliction.to_json()
    summary["fence"] = onboard.to_json()
    for entry, m in zip(summary["drones"], missions, strict=True):
        entry["start_offset_s"] = m.start_offset_s
    return PatrolPlan(
        missions=tuple(missions),
        routes=tuple(drone_routes),
        dropped=tuple(dropped),
        hotspots=ranked.hotspots,
        space=space,
        summary=summary,
    )


# --- helpers -----------------------------------------------------------------------------------


def _check_options(zone: SafetyZone, fleet: FleetConfig, rules: Rules, alt_m: float, dwell: float | None,
                   loops: int | str, min_priority: int, order: str, speed: float | None,
                   margin: float) -> int | None:
    """Validate options; returns the loop count, or None for ``"max"``."""
    ceiling = min(zone.max_alt_m, rules.max_alt_m)
    if not 0 < alt_m <= ceiling:
        raise UsageError(f"--alt {alt_m:g}: must be above 0 and at most the {ceiling:g} m ceiling")
    if dwell is not None and not (math.isfinite(dwell) and 0 <= dwell <= 3600):
        raise UsageError(f"--dwell {dwell:g}: give seconds between 0 and 3600")
    if speed is not None and not (math.isfinite(speed) and 0 < speed <= 30):
        raise UsageError(f"--speed {speed:g}: give m/s above 0 and at most 30")
    if not 1 <= min_priority <= 5:
        raise UsageError(f"--min-priority {min_priority}: give 1 (all hotspots) to 5 (only the highest)")
    if order not in ORDERS:
        raise UsageError(f"--order {order!r}: choose best or shuffle")
    if margin < 0:
        raise UsageError("--margin: must not be negative")
    if not fleet.drones:
        raise UsageError("--drones: at least one drone is needed")
    if isinstance(loops, str):
        if loops.strip().lower() == "max":
            return None
        try:
            loops = int(loops)
        except ValueError:
            raise UsageError(f"--loops {loops!r}: give a whole number of loops (1 or more) or max") from None
    if loops < 1 or loops > 1000:
        raise UsageError(f"--loops {loops}: give a whole number of loops from 1 to 1000, or max")
    return int(loops)


def _safe_point(space: SafeSpace, inner, xy: XY, reach_m: float) -> XY | None:
    """``xy`` if it is in the free region, else the nearest point 0.5 m inside it within ``reach_m``."""
    if space.contains(xy):
        return (float(xy[0]), float(xy[1]))
    target = inner if not inner.is_empty else space.free
    p = nearest_points(target, Point(xy))[0]
    if p.distance(Point(xy)) > reach_m or not space.contains((p.x, p.y)):
        return None
    return (float(p.x), float(p.y))


def _in_airport(zone: SafetyZone, xy: XY, authorized: bool) -> bool:
    return any(n.airport and n.area_m.covers(Point(xy)) for n in zone.obstacles(authorized=authorized))


def _leg_times(dist: np.ndarray, model: FlightModel, speed: float) -> np.ndarray:
    """Stop-to-stop leg times (s) at ``speed`` for a matrix of distances (m); ``inf`` stays."""
    a = model.accel_m_s2
    d = np.where(np.isfinite(dist), dist, 0.0)
    long = d >= speed * speed / a
    t = np.where(long, d / speed + speed / a, 2.0 * np.sqrt(d / a))
    t = np.where(np.isfinite(dist), t, np.inf)
    np.fill_diagonal(t, 0.0)
    return t


def _route_path(space: SafeSpace, depot: XY, stops: Sequence[XY]) -> list[XY]:
    """The metric polyline of one loop: launch point, safe paths through the stops, back."""
    pts = [depot, *stops, depot]
    out: list[XY] = [depot]
    for a, b in itertools.pairwise(pts):
        out.extend(space.path(a, b)[1:])
    return out


def _length(path: Sequence[XY]) -> float:
    return sum(math.dist(path[k - 1], path[k]) for k in range(1, len(path)))


def _altitudes(routes_m: list[list[XY]], alt_m: float, zone: SafetyZone, rules: Rules) -> list[float]:
    """Per-drone altitude: ``alt_m`` for all unless two routes come within the separation distance."""
    n = len(routes_m)
    lines = [LineString(r) if len(r) > 1 and _length(r) > 0 else Point(r[0]) for r in routes_m]
    close = any(
        shapely.distance(lines[i], lines[j]) < rules.min_separation_m for i in range(n) for j in range(i + 1, n)
    )
    if not close:
        return [float(alt_m)] * n
    ceiling = min(zone.max_alt_m, rules.max_alt_m)
    band = rules.separation_alt_band_m
    levels = [float(alt_m)]
    k = 1
    while len(levels) < n and k < 20:
        for cand in (alt_m + k * band, alt_m - k * band):
            if MIN_ALT_M <= cand <= ceiling and len(levels) < n:
                levels.append(float(cand))
        k += 1
    if len(levels) < n:
        raise SafetyError(
            f"{zone.source}: the drones' routes cross, and {n} altitudes {band:g} m apart do not fit between "
            f"{MIN_ALT_M:g} m and the {ceiling:g} m ceiling — use fewer drones (--drones)"
        )
    return levels


def _missions(zone: SafetyZone, space: SafeSpace, drones, depots: list[XY], stops: list[PatrolStop], plan: RoutePlan,
              routes_m: list[list[XY]], alts: list[float], speeds: list[float], loops_n: int | None,
              limits: list[float], fence: Geofence, nd: int) -> tuple[list[Mission], list[float], list[float]]:
    """Build each drone's mission; returns missions, per-loop seconds and total seconds (estimated)."""
    missions, loop_s, times = [], [], []
    for v, d in enumerate(drones):
        site = zone.launches[v]
        route_stops = [stops[i - nd] for i in plan.routes[v]]

        def build(k: int, v: int = v, d=d, site=site, route_stops=route_stops) -> Mission:
            return _mission(zone, space, d.name, site, depots[v], route_stops, alts[v], speeds[v], k, fence,
                            nd)

        one = build(1)
        t1 = estimate_mission(one, zone.frame).time_s
        if not route_stops:
            missions.append(one)
            loop_s.append(0.0)
            times.append(t1)
            continue
        t2 = estimate_mission(build(2), zone.frame).time_s
        per_loop = max(t2 - t1, 0.0)
        if loops_n is None:
            k = 1 + math.floor((limits[v] - t1) / per_loop) if per_loop > 0 and t1 <= limits[v] else 1
            k = max(1, min(k, 1000))
        else:
            k = loops_n
        m = one if k == 1 else build(k)
        missions.append(m)
        loop_s.append(per_loop)
        times.append(t1 + (k - 1) * per_loop)
    return missions, loop_s, times


def _mission(zone: SafetyZone, space: SafeSpace, drone: str, site, depot: XY, stops: list[PatrolStop], alt: float,
             speed: float, loops: int, fence: Geofence, nd: int) -> Mission:
    """One drone's patrol mission (see the module docstring for the item layout)."""
    frame = zone.frame

    def wp(xy: XY) -> MissionItem:
        lon, lat = frame.lonlat(*xy)
        return waypoint(lon, lat, alt)

    items: list[MissionItem] = [takeoff(alt), change_speed(speed)]
    loop_start = len(items) + 1  # seq of the next item (home = 0, items[0] = seq 1)
    items.append(wp(depot))
    if stops:
        space_pts = [depot] + [s.observe_xy for s in stops] + [depot]
        paths = [space.path(a, b) for a, b in itertools.pairwise(space_pts)]
        for s, path in zip(stops, paths, strict=False):
            items.extend(wp(p) for p in path[1:-1])
            lon, lat = frame.lonlat(*s.observe_xy)
            h = s.ranked.hotspot
            items.append(waypoint(lon, lat, alt))
            items.append(roi(h.lon, h.lat, 0.0))
            items.append(loiter_time(lon, lat, alt, s.dwell_s))
            items.append(photo())
        items.extend(wp(p) for p in paths[-1][1:-1])
        items.append(wp(depot))
        if loops > 1:
            items.append(do_jump(loop_start, loops - 1))
        items.append(roi_none())
    items.append(rtl())
    if len(items) + 1 > MAX_MISSION_ITEMS:  # + home
        raise SafetyError(
            f"{drone}: the patrol needs {len(items) + 1} mission items, more than the {MAX_MISSION_ITEMS} a flight "
            "controller stores — raise --min-priority or add drones"
        )
    return Mission(
        drone=drone,
        home=Home(lon=site.lon, lat=site.lat),
        items=tuple(items),
        geofence=fence,
        rally=rally_for(zone, alt_m=alt),
        cruise_speed_m_s=speed,
        kind="patrol",
    )


def _loops_of(m: Mission) -> int:
    for it in m.items:
        if it.command == 177:
            return int(it.params[1]) + 1
    return 1


def _default_name(zone: SafetyZone) -> str:
    stem = Path(zone.source).stem if zone.source else "zone"
    return f"{stem}-patrol"


def _summary(name: str, zone: SafetyZone, routes: list[DroneRoute], dropped, ranked, alt_m: float,
             order: str, seed: int, loops: int | str, margin: float, min_priority: int, best: RoutePlan,
             chosen: RoutePlan, dwell: float | None) -> dict:
    def stop_json(s: PatrolStop) -> dict:
        out = s.ranked.to_dict()
        out["dwell_s"] = s.dwell_s
        if s.observed_from_m > 0.01:
            out["observed_from_m"] = round(s.observed_from_m, 1)
        return out

    return {
        "kind": "patrol",
        "name": name,
        "zone": zone.name,
        "zone_file": zone.source,
        "alt_m": alt_m,
        "order": order,
        "seed": seed,
        "loops": loops,
        "margin_m": margin,
        "min_priority": min_priority,
        "dwell_s": dwell,
        "longest_loop_s": round(max((r.loop_time_s for r in routes), default=0.0), 1),
        "best_longest_route_s": round(best.longest_s, 1),
        "chosen_longest_route_s": round(chosen.longest_s, 1),
        "drones": [
            {
                "drone": r.drone,
                "launch": r.launch,
                "alt_m": r.alt_m,
                "speed_m_s": r.speed_m_s,
                "loops": r.loops,
                "loop_time_s": round(r.loop_time_s, 1),
                "time_s": round(r.time_s, 1),
                "distance_m": round(r.distance_m, 1),
                "endurance_limit_s": round(r.budget_s, 1),
                "hotspots": [stop_json(s) for s in r.stops],
            }
            for r in routes
        ],
        "dropped": [dict(r.to_dict(), why=why) for r, why in dropped],
        "incidents": {"used": ranked.incidents_used, "ignored": dict(ranked.incidents_ignored),
                      "temporary_hotspots": sum(1 for h in ranked.hotspots if h.temporary)},
    }


__all__ = ["DEFAULT_DWELL_S", "DroneRoute", "PatrolPlan", "PatrolStop", "dwell_for", "plan_patrol"]
