"""Patrol routing benchmark: ``.venv/bin/python benchmarks/patrol.py [--quick]``.

Random hotspot sets of 10, 50, 100 and 200 points in a 2.5 x 2 km zone with two no-fly areas
(a hospital block and a 150 m tower circle), legs on shortest safe paths (metres, no dwell). Prints:

- one drone: the planner's tour length vs the exact optimum (N = 10, Held-Karp dynamic programming)
  and vs a strong reference computed in the same run (N >= 50): the best of OR-Tools' guided local
  search with a long budget and our iterated local search with a long budget from several starts;
- three drones (three launch sites): the planner's longest route vs a lower bound
  (``minmax.minmax_lower_bound``): LB = max(TRIP, min(RING / 3, PAIR / 2)) where
  TRIP = the longest round trip any hotspot needs from its nearest launch site;
  RING = the Held-Karp 1-tree bound (subgradient) of a tour through every hotspot and two copies
  a_k, b_k of each launch site k with only b_0-a_1, b_1-a_2, b_2-a_0 joined (cost 0): three
  non-empty routes laid end to end form such a tour, so RING <= their total <= 3 x longest;
  PAIR = the same with all copies joined, a tour any plan with an empty route also forms
  (then longest >= total / 2). For N = 10 the bound is the exact min-max optimum (Held-Karp per
  launch site and subset, then the best split), the tightest lower bound there is;
- three drones launched from one field (launch sites 15 m apart, issue 13), full ``plan_patrol``
  with 20 s dwell: the longest route vs the same lower bound (over the planner's own hover points
  and dwell), hotspots photographed, balance (max/min flight time), deconfliction cost (extra time
  until the last drone lands vs the same plan without separation, start offsets and holds), the
  altitude spread of the layers, whether ``mission check`` passes, and planning time;
- solve times. Targets (issue 5): optimal at N = 10; within 1 % of the reference at N = 100 in
  under 2 s; the three-drone longest route within 1.15 x its lower bound.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from shapely.geometry import Point, box

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dronepatrol.planning.minmax import minmax_lower_bound
from dronepatrol.planning.paths import SafeSpace, free_region
from dronepatrol.planning.routing import RoutingProblem, solve_routes
from dronepatrol.planning.tour import improve_tour, tour_cost

W, H = 2500.0, 2000.0
DEPOTS = [(300.0, 300.0), (2200.0, 400.0), (1250.0, 1750.0)]


def make_space() -> SafeSpace:
    zone = box(0, 0, W, H)
    hospital = box(700, 800, 1100, 1150)
    tower = Point(1700, 1200).buffer(150, quad_segs=4)
    return SafeSpace(free_region(zone, [hospital, tower], 10.0))


def random_points(space: SafeSpace, n: int, rng: np.random.Generator) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    while len(pts) < n:
        p = (float(rng.uniform(0, W)), float(rng.uniform(0, H)))
        if space.contains(p):
            pts.append(p)
    return pts


def held_karp(d: np.ndarray) -> tuple[float, np.ndarray]:
    """Exact closed tour from node 0 over all nodes; also f[S] = best tour from 0 over subset S
    of nodes 1..m (bitmask), for min-max splits."""
    m = len(d) - 1
    full = 1 << m
    dp = np.full((full, m), np.inf)
    for j in range(m):
        dp[1 << j, j] = d[0, j + 1]
    dd = d[1:, 1:]
    for s in range(1, full):
        row = dp[s]
        if not np.isfinite(row).any():
            continue
        for j in range(m):
            if s & (1 << j):
                continue
            cand = row + dd[:, j]
            best = cand.min()
            if best < dp[s | (1 << j), j]:
                dp[s | (1 << j), j] = best
    close = dp + d[1:, 0][None, :]
    f = close.min(axis=1)
    f[0] = 0.0
    return float(f[full - 1]), f


def exact_minmax(dist: np.ndarray, nd: int) -> float:
    """Exact min-max over ``nd`` launch sites (nodes 0..nd-1), hotspots nd.. (small N only)."""
    m = len(dist) - nd
    fs = []
    for k in range(nd):
        idx = [k, *range(nd, nd + m)]
        _, f = held_karp(dist[np.ix_(idx, idx)])
        fs.append(f)
    full = (1 << m) - 1
    best = np.inf
    # enumerate subset of drone 0, then split the rest between 1 and 2
    g = np.full(1 << m, np.inf)  # g[S] = best max for drones 1, 2 over S
    for s in range(1 << m):
        sub = s
        val = np.inf
        while True:
            val = min(val, max(fs[1][sub], fs[2][s ^ sub]))
            if sub == 0:
                break
            sub = (sub - 1) & s
        g[s] = val
    for s in range(1 << m):
        best = min(best, max(fs[0][s], g[full ^ s]))
    return float(best)


def ortools_tsp(d: np.ndarray, seconds: float) -> float:
    n = len(d)
    manager = pywrapcp.RoutingIndexManager(n, 1, 0)
    model = pywrapcp.RoutingModel(manager)
    cb = model.RegisterTransitMatrix(np.rint(d * 100).astype(np.int64).tolist())
    model.SetArcCostEvaluatorOfAllVehicles(cb)
    p = pywrapcp.DefaultRoutingSearchParameters()
    p.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.SAVINGS
    p.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    p.time_limit.FromMilliseconds(int(seconds * 1000))
    s = model.SolveWithParameters(p)
    idx, tour = model.Start(0), []
    while not model.IsEnd(idx):
        tour.append(manager.IndexToNode(idx))
        idx = s.Value(model.NextVar(idx))
    return tour_cost(d, tour)


def reference(d: np.ndarray, seconds: float) -> float:
    starts = 3
    vals = [ortools_tsp(d, seconds)]
    for s in range(starts):
        rng = random.Random(100 + s)
        t = list(range(1, len(d)))
        rng.shuffle(t)
        tour = improve_tour(d, [0, *t], kicks=10**7, rng=rng, deadline=time.perf_counter() + seconds / starts)
        vals.append(tour_cost(d, tour))
    return min(vals)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="short reference budgets (a smoke run)")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    ref_s = 3.0 if args.quick else 20.0
    space = make_space()
    rng = np.random.default_rng(args.seed)
    print(f"zone 2.5 x 2 km, two no-fly areas, seed {args.seed}; lengths in metres")
    print(f"{'N':>4} {'1-drone':>9} {'reference':>10} {'ratio':>7} {'ref kind':>11} {'time s':>7} | "
          f"{'3-drone max':>11} {'lower bnd':>10} {'kind':>6} {'ratio':>6} {'time s':>7}")
    for n in (10, 50, 100, 200):
        hot = random_points(space, n, rng)
        pts = DEPOTS + hot
        dist = space.distance_matrix(pts)
        # one drone from launch site 0
        idx = [0, *range(3, 3 + n)]
        d1 = dist[np.ix_(idx, idx)]
        t0 = time.perf_counter()
        one = solve_routes(RoutingProblem(leg_s=d1, depots=(0,)))
        t1 = time.perf_counter() - t0
        if n <= 12:
            ref, kind = held_karp(d1)[0], "Held-Karp"
        else:
            ref, kind = reference(d1, ref_s), f"best of {ref_s:g}s"
        # three drones
        t0 = time.perf_counter()
        three = solve_routes(RoutingProblem(leg_s=dist, depots=(0, 1, 2)))
        t3 = time.perf_counter() - t0
        bound = minmax_lower_bound(RoutingProblem(leg_s=dist, depots=(0, 1, 2)))
        lb, lb_kind = bound.bound_s, ("trip" if bound.bound_s == bound.trip_s else "ring/3")
        if n <= 10:
            lb, lb_kind = exact_minmax(dist, 3), "exact"
        print(f"{n:>4} {one.longest_s:>9.0f} {ref:>10.0f} {one.longest_s / ref:>7.4f} {kind:>11} {t1:>7.2f} | "
              f"{three.longest_s:>11.0f} {lb:>10.0f} {lb_kind:>6} {three.longest_s / lb:>6.3f} {t3:>7.2f}"
              f"   (trip {bound.trip_s:.0f}, ring/3 {bound.total_s / 3:.0f}, pair/2 {bound.pair_total_s / 2:.0f})")
        sys.stdout.flush()
    one_field(rng)


def _zone_with(hotspots: list[tuple[float, float]], field: tuple[float, float], apart_m: float = 15.0):
    from shapely.geometry import Point as P

    from dronepatrol.geo import LocalFrame
    from dronepatrol.zones.model import Hotspot, LaunchSite, NoFly, SafetyZone

    x0, y0 = 355_000.0, 1_775_000.0
    frame = LocalFrame.from_epsg(32648)

    def site(cls, name, x, y, **kw):
        lon, lat = frame.lonlat(x + x0, y + y0)
        return cls(name=name, lon=lon, lat=lat, x_m=x + x0, y_m=y + y0, **kw)

    hospital = box(700 + x0, 800 + y0, 1100 + x0, 1150 + y0)
    tower = P(1700 + x0, 1200 + y0).buffer(150, quad_segs=16)
    lon, lat = frame.lonlat(1700 + x0, 1200 + y0)
    return SafetyZone(
        name="2.5 x 2 km", source="benchmark:patrol", frame=frame, area_m=box(x0, y0, W + x0, H + y0),
        nofly=(NoFly(name="hospital", area_m=hospital), NoFly(name="tower", area_m=tower, circle=(lon, lat, 150.0))),
        hotspots=tuple(site(Hotspot, f"h{k}", x, y, kind="bank") for k, (x, y) in enumerate(hotspots)),
        launches=tuple(site(LaunchSite, f"pad {k + 1}", field[0] + k * apart_m, field[1]) for k in range(3)),
    )


def one_field(rng: np.random.Generator) -> None:
    from dronepatrol.errors import SafetyError
    from dronepatrol.planning.checks import check_missions
    from dronepatrol.planning.flight_time import FlightModel
    from dronepatrol.planning.patrol import _leg_times, plan_patrol

    print("\nthree drones from one field (launch sites 15 m apart), full plan_patrol, 20 s dwell")
    head = (f"{'N':>4} {'longest s':>9} {'bound s':>8} {'ratio':>6} {'photo':>7} {'balance':>7} {'deconf %':>8} "
            f"{'+s last':>7} {'spread m':>8} {'check':>5} {'time s':>7}")
    print(head)
    print("-" * len(head))
    space = make_space()
    for n in (10, 20, 40):
        hot = random_points(space, n, rng)
        zone = _zone_with(hot, (300.0, 300.0))
        t0 = time.perf_counter()
        try:
            plan = plan_patrol(zone, dwell=20.0, time_limit_s=1.0)
        except SafetyError as exc:
            print(f"{n:>4} refused: {exc}")
            continue
        dt = time.perf_counter() - t0
        ok = check_missions(plan.missions, zone).ok
        depots = [r.path_m[0] for r in plan.routes]
        stops = [s for r in plan.routes for s in r.stops]
        pts = depots + [s.observe_xy for s in stops]
        legs = _leg_times(plan.space.distance_matrix(pts), FlightModel(), 10.0)
        svc = np.array([0.0] * 3 + [s.dwell_s for s in stops])
        bound = minmax_lower_bound(RoutingProblem(leg_s=legs, depots=(0, 1, 2), service_s=svc)).bound_s
        longest = plan.summary["chosen_longest_route_s"]
        times = [r.time_s for r in plan.routes]
        dec = plan.summary["deconfliction"]
        print(f"{n:>4} {longest:>9.0f} {bound:>8.0f} {longest / bound:>6.3f} {len(stops):>3}/{n:<3} "
              f"{max(times) / min(times):>7.3f} {dec['cost_pct']:>8.2f} {dec['cost_s']:>7.0f} "
              f"{dec['altitude_spread_m']:>8.0f} {'yes' if ok else 'NO':>5} {dt:>7.2f}")
        sys.stdout.flush()
    print("targets (issue 13): balance <= 1.05; deconfliction <= 5% of the longest drone's time; < 3 s")


if __name__ == "__main__":
    main()
