"""Multi-drone patrol routing: split hotspots over the drones and order them, minimising the longest
drone's patrol time, each drone starting and ending at its own launch site.

Times are seconds, distances metres. A problem is a leg-time matrix per drone over *nodes* (the
launch sites and the hotspots), a dwell per node, a priority per node and a time budget per drone.

Solver (measured in ``benchmarks/patrol.py``):

1. OR-Tools' routing library builds a split: a time dimension with the global span cost (the
   longest route) plus the total time as arc cost, one optional-node disjunction per hotspot whose
   penalty grows by powers of ``N + 1`` with priority (so one priority-5 hotspot outweighs every
   lower one: hotspots are dropped lowest priority first, only when they do not fit the budget),
   guided local search. One drone: under a time limit, then each route is polished by an iterated
   local search of our own (2-opt and Or-opt moves on neighbour lists, segment-swap kicks,
   seeded): OR-Tools' guided local search alone stays 2-4 % above the best known tour at 100
   hotspots after 1.5 s; the polish brings it within 1 %.
2. Several drones (:func:`_solve_fleet`): OR-Tools stops on solution counts (so a plan repeats
   exactly for a seed) and is one of several starts, with giant tours cut into per-drone pieces
   by exact dynamic programming and nearest-launch-site clusters. Each start is improved by
   :func:`~dronepatrol.planning.minmax.minmax_descent`: relocate, cross-exchange and 2-opt* between two routes and a
   three-route ejection chain, pairs with the longest route first, each move kept only if it
   lowers longest + 0.01 x total and does not lengthen the longest route; changed routes are
   re-ordered by 2-opt/Or-opt. At 200 hotspots OR-Tools' own routes after 1-4 s are 50-65 % longer.
3. Dropped hotspots are inserted back, highest priority first, where they fit.

:func:`~dronepatrol.planning.minmax.minmax_lower_bound` bounds the longest route of any plan
from below (Held-Karp bound of the routes laid end to end), for the benchmark and the tests.

``shuffle_routes`` makes a seeded, different visit order whose longest route stays within 10 % of
the best one, so patrols are not predictable.

>>> import numpy as np
>>> pts = np.array([[0, 0], [100, 0], [100, 100], [0, 100]], dtype=float)
>>> legs = np.hypot(*(pts[:, None] - pts[None]).transpose(2, 0, 1))
>>> plan = solve_routes(RoutingProblem(leg_s=legs, depots=(0,)))
>>> sorted(plan.routes[0]), round(plan.times_s[0])
([1, 2, 3], 400)
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from dronepatrol.planning.minmax import minmax_descent, voronoi_start
from dronepatrol.planning.tour import improve_tour
from dronepatrol.planning.vrp import EPS, RoutePlan, RoutingProblem, plan_of

#: Seconds become integers for OR-Tools with this many units per second.
SCALE = 100
#: Penalty weight of the longest route relative to the total time (OR-Tools span cost).
SPAN_COEFFICIENT = 100
#: Several drones: OR-Tools runs stopped after these many solutions (counts, so runs repeat
#: exactly), each a start for the min-max local search (only the first above SMALL_FLEET_PROBLEM).
ORTOOLS_SOLUTIONS = (50, 5, 25)
#: Several drones: giant tours (seeded) cut into per-drone routes as further starts (half as many
#: above SMALL_FLEET_PROBLEM hotspots).
SPLIT_STARTS = 4
#: Up to this many hotspots every start is tried; above, OR-Tools only decides the drops (at 200
#: hotspots its routes, even after the local search, stay 5-10 % longer than the other starts' and
#: cost 1-2 s more).
SMALL_FLEET_PROBLEM = 120
_BIG = 10**9  # integer "infinite" leg (about 115 days): never fits a budget


# --- top level ---------------------------------------------------------------------------------


def solve_routes(
    problem: RoutingProblem,
    *,
    time_limit_s: float | None = None,
    polish_s: float | None = None,
    seed: int = 0,
) -> RoutePlan:
    """Best patrol routes: minimise the longest drone's time, drop lowest priorities if needed.

    ``time_limit_s`` bounds OR-Tools' guided local search for one drone (default grows with the
    number of hotspots, 0.2-1 s); ``polish_s`` bounds its local-search polish (default 0.1-1 s).
    Several drones: every stage stops on counts, so the plan depends only on the problem and
    ``seed``; the two limits only size a safety deadline (4 x their sum + 2 s).
    """
    t0 = time.perf_counter()
    n_visit = len(problem.visits)
    if n_visit == 0:
        return plan_of(problem, [() for _ in problem.depots])
    if time_limit_s is None:
        time_limit_s = min(1.0, 0.2 + 0.004 * n_visit)
    if polish_s is None:
        polish_s = min(1.0, 0.1 + 0.009 * n_visit)
    nv = problem.n_vehicles
    if nv == 1:
        routes, dropped = _ortools(problem, time_limit_s=time_limit_s)
        t1 = time.perf_counter()
        routes = _balance(problem, routes, random.Random(seed), deadline=time.perf_counter() + polish_s)
        routes, dropped = _reinsert(problem, routes, dropped)
        return plan_of(problem, routes, dropped, {"ortools_s": t1 - t0, "polish_s": time.perf_counter() - t1})
    return _solve_fleet(problem, time_limit_s=time_limit_s, polish_s=polish_s, seed=seed, t0=t0)


def _solve_fleet(problem: RoutingProblem, *, time_limit_s: float, polish_s: float, seed: int,
                 t0: float) -> RoutePlan:
    """Several drones: multi-start min-max local search.

    Starts: OR-Tools (stopped on solution counts; it also decides which hotspots to drop when the
    budgets are short), giant tours cut into per-drone pieces (:func:`_split_giant`) and
    nearest-launch-site clusters. Each start is improved by
    :func:`~dronepatrol.planning.minmax.minmax_descent`; the best is polished with more
    2-opt/Or-opt kicks and improved again. Every stage stops on counts, not on the clock, so the
    plan depends only on the problem and ``seed``; the time limits are safety nets that a normal
    run does not reach.
    """
    n_visit = len(problem.visits)
    safety = time.perf_counter() + 4.0 * (time_limit_s + polish_s) + 2.0
    small = n_visit <= SMALL_FLEET_PROBLEM
    must_visit_all = all(not math.isfinite(problem.budget(v)) for v in range(problem.n_vehicles))
    must_visit_all = must_visit_all and all(
        any(math.isfinite(problem.legs(v)[problem.depots[v], i] + problem.legs(v)[i, problem.depots[v]])
            for v in range(problem.n_vehicles))
        for i in problem.visits
    )
    starts: list[list[tuple[int, ...]]] = []
    dropped: list[int] = []
    if small or not must_visit_all:
        for k, limit in enumerate(ORTOOLS_SOLUTIONS if small else ORTOOLS_SOLUTIONS[:1]):
            routes, drop = _reinsert(problem, *_ortools(problem, time_limit_s=4 * max(time_limit_s, 0.5),
                                                        solution_limit=limit))
            if k == 0:
                dropped = drop
            if drop == dropped:
                starts.append(routes)
            if dropped:
                break  # hotspots dropped for the budgets: OR-Tools' choice (and routes) stand
    t1 = time.perf_counter()
    if not dropped:
        rng = random.Random(seed)
        if problem.n_vehicles <= 4:
            for k in range(SPLIT_STARTS if small else SPLIT_STARTS // 2):
                split = _split_giant(problem, random.Random(seed * 7919 + k), kicks=n_visit + 20, deadline=safety)
                if split is not None:
                    starts.append(split)
        voronoi = voronoi_start(problem, rng)
        if all(problem.route_time_s(v, r) <= problem.budget(v) + EPS for v, r in enumerate(voronoi)):
            starts.append(voronoi)
    best, best_key = None, None
    for k, start in enumerate(starts):
        cand = minmax_descent(problem, start, seed=seed + k, kicks=10, deadline=safety)
        key = _key(problem, cand, dropped)
        if best_key is None or key < best_key:
            best, best_key = cand, key
    kicks = 50 + max(len(r) for r in best)
    best = minmax_descent(problem, best, seed=seed, kicks=kicks, deadline=safety)
    routes, dropped = _reinsert(problem, [tuple(r) for r in best], list(dropped))
    return plan_of(problem, routes, dropped,
                   {"ortools_s": t1 - t0, "polish_s": time.perf_counter() - t1, "starts": len(starts)})


def shuffle_routes(
    problem: RoutingProblem,
    best: RoutePlan,
    *,
    seed: int,
    tolerance: float = 0.10,
    tries: int = 12,
) -> RoutePlan:
    """A seeded variant of ``best``: same hotspots per drone, another visit order.

    Each route is re-optimised on leg times multiplied by seeded random noise (and randomly
    reversed); a variant is kept only if the longest route stays within ``tolerance`` (10 %) of
    ``best``'s and every route fits its budget. The noise shrinks while variants fail; at worst
    the best routes come back, each possibly reversed (same time on symmetric legs).
    """
    rng = random.Random(seed)
    limit = best.longest_s * (1.0 + tolerance)
    sigma = 0.5
    fallback = [_maybe_reverse(problem, v, r, rng) for v, r in enumerate(best.routes)]
    for _ in range(tries):
        routes = []
        for v, r in enumerate(best.routes):
            if len(r) < 2:
                routes.append(r)
                continue
            nodes = [problem.depots[v], *r]
            sub = problem.legs(v)[np.ix_(nodes, nodes)]
            noise = np.exp(np.array([[rng.gauss(0.0, sigma) for _ in nodes] for _ in nodes]))
            noisy = sub * np.sqrt(noise * noise.T)  # symmetric noise
            start = list(range(1, len(nodes)))
            rng.shuffle(start)
            tour = improve_tour(noisy, [0, *start], kicks=20 * len(nodes), rng=rng)
            routes.append(_maybe_reverse(problem, v, tuple(nodes[k] for k in tour[1:]), rng))
        times = [problem.route_time_s(v, r) for v, r in enumerate(routes)]
        if max(times, default=0.0) <= limit + EPS and all(
            t <= max(problem.budget(v), best.times_s[v]) + EPS for v, t in enumerate(times)
        ) and (tuple(map(tuple, routes)) != best.routes or sigma < 0.05):
            return plan_of(problem, routes, best.dropped, {"shuffle_sigma": sigma})
        sigma *= 0.7
    return plan_of(problem, fallback, best.dropped, {"shuffle_sigma": 0.0})


def _maybe_reverse(problem: RoutingProblem, v: int, route: Sequence[int], rng: random.Random) -> tuple:
    route = tuple(route)
    rev = route[::-1]
    if rng.random() < 0.5 and problem.route_time_s(v, rev) <= problem.route_time_s(v, route) + EPS:
        return rev
    return route


# --- OR-Tools ----------------------------------------------------------------------------------


def _ortools(problem: RoutingProblem, *, time_limit_s: float,
             solution_limit: int | None = None) -> tuple[list[tuple[int, ...]], list[int]]:
    """Routes and dropped nodes from OR-Tools' routing solver (guided local search), stopped after
    ``time_limit_s`` or, if given, ``solution_limit`` solutions (deterministic)."""
    n, nv = problem.n_nodes, problem.n_vehicles
    depots = list(problem.depots)
    manager = pywrapcp.RoutingIndexManager(n, nv, depots, depots)
    model = pywrapcp.RoutingModel(manager)
    svc = problem.service()
    callbacks = []
    cache: dict[int, int] = {}
    for v in range(nv):
        legs = problem.legs(v)
        key = id(legs) if problem.leg_s.ndim == 3 else -1
        if key not in cache:
            m = legs + svc[:, None]
            ints = np.where(np.isfinite(m), np.rint(m * SCALE), _BIG)
            np.fill_diagonal(ints, 0)
            cache[key] = model.RegisterTransitMatrix(ints.astype(np.int64).tolist())
        callbacks.append(cache[key])
        model.SetArcCostEvaluatorOfVehicle(callbacks[v], v)
    caps = []
    for v in range(nv):
        b = problem.budget(v)
        caps.append(int(min(_BIG, math.floor(b * SCALE))) if math.isfinite(b) else _BIG * 4)
    model.AddDimensionWithVehicleTransitAndCapacity(callbacks, 0, caps, True, "time")
    dim = model.GetDimensionOrDie("time")
    dim.SetGlobalSpanCostCoefficient(SPAN_COEFFICIENT)

    visits = problem.visits
    prio = problem.prio()
    optional = any(math.isfinite(problem.budget(v)) for v in range(nv))
    # a hotspot no drone can reach and come back from is optional whatever the budget
    reach = [
        [v for v in range(nv) if math.isfinite(problem.legs(v)[depots[v], i] + problem.legs(v)[i, depots[v]])]
        for i in range(n)
    ]
    base = SPAN_COEFFICIENT * 4 * _BIG  # more than any route cost: drop only when it cannot fit
    step = len(visits) + 1
    for i in visits:
        index = manager.NodeToIndex(i)
        if not reach[i]:
            model.AddDisjunction([index], 1)  # unreachable: will be dropped
            model.VehicleVar(index).SetValues([-1])
            continue
        if len(reach[i]) < nv:
            model.SetAllowedVehiclesForIndex(reach[i], index)
        if optional:
            p = int(min(max(prio[i], 1), 5))
            model.AddDisjunction([index], int(min(base * step ** (p - 1), 2**62)))

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    if solution_limit is not None:
        params.solution_limit = solution_limit
    solution = model.SolveWithParameters(params)
    if solution is None:
        # no feasible split (e.g. budgets too small even for nothing): every hotspot dropped
        return [() for _ in range(nv)], list(visits)
    routes = []
    for v in range(nv):
        idx = model.Start(v)
        r = []
        idx = solution.Value(model.NextVar(idx))
        while not model.IsEnd(idx):
            r.append(manager.IndexToNode(idx))
            idx = solution.Value(model.NextVar(idx))
        routes.append(tuple(r))
    served = {i for r in routes for i in r}
    return routes, [i for i in visits if i not in served]


# --- route first, cluster second --------------------------------------------------------------


def _key(problem: RoutingProblem, routes: Sequence[Sequence[int]], dropped: Sequence[int]) -> tuple:
    """Sort key of a solution: dropped priorities (highest first), then longest and total time."""
    prio = problem.prio()
    times = [problem.route_time_s(v, r) for v, r in enumerate(routes)]
    return (sorted(-int(prio[i]) for i in dropped), max(times, default=0.0), sum(times))


def _split_giant(problem: RoutingProblem, rng: random.Random, deadline: float,
                 kicks: int = 10**6) -> list[tuple[int, ...]] | None:
    """Every hotspot: one good giant tour (iterated local search), cut into one contiguous piece
    per drone by exact dynamic programming over the cut points, the drone order and the tour's
    rotation (min-max). None if it does not fit the budgets or some hotspot is unreachable."""
    visits = list(problem.visits)
    m, nv = len(visits), problem.n_vehicles
    if m < 2:
        return None
    legs0 = problem.legs(0)[np.ix_(visits, visits)]
    if not np.isfinite(legs0).all():
        return None
    # nearest-neighbour start, then iterated local search
    tour, left = [0], set(range(1, m))
    while left:
        last = tour[-1]
        nxt = min(left, key=lambda j: legs0[last, j])
        tour.append(nxt)
        left.remove(nxt)
    tour = improve_tour(legs0, tour, kicks=kicks, rng=rng, deadline=deadline)
    g = [visits[k] for k in tour] * 2
    svc = problem.service()
    s_pre = np.concatenate([[0.0], np.cumsum(svc[g])])
    # cost[v][a, b]: drone v flies g[a..b-1] (a <= b <= a + m) from and back to its launch site
    idx = np.arange(2 * m + 1)
    a_i, b_i = idx[:, None], idx[None, :]
    valid = (b_i >= a_i) & (b_i <= a_i + m)
    costs = []
    for v in range(nv):
        legs = problem.legs(v)
        p = problem.depots[v]
        path = np.array([legs[g[k], g[k + 1]] for k in range(2 * m - 1)])
        pre = np.concatenate([[0.0], np.cumsum(path)])  # pre[k] = length g[0]..g[k]
        first = np.append(legs[p, g], 0.0)  # launch -> g[a]
        back = np.concatenate([[0.0], legs[g, p]])  # g[b-1] -> launch
        pre_b = np.concatenate([[0.0], pre])  # pre_b[b] = pre[b-1]
        c = first[:, None] + (pre_b[None, :] - pre[np.minimum(idx, 2 * m - 1)][:, None]) + back[None, :]
        c = c + (s_pre[None, :] - s_pre[:, None])
        c = np.where(b_i == a_i, 0.0, c)
        costs.append(np.where(valid, c, np.inf))
    budgets = np.array([problem.budget(v) for v in range(nv)])
    best_val, best_cut = math.inf, None
    for order in _orders(nv):
        for c0 in range(m):
            if time.perf_counter() > deadline + 0.5:
                break
            hi = c0 + m
            f = costs[order[0]][c0, c0 : hi + 1].copy()  # f[c]: best max covering c0..c-1
            f[f > budgets[order[0]]] = np.inf
            arg = []
            for k in order[1:-1]:
                blk = costs[k][c0 : hi + 1, c0 : hi + 1]
                blk = np.where(blk > budgets[k], np.inf, blk)
                val = np.maximum(f[:, None], blk)
                arg.append(np.argmin(val, axis=0))
                f = val[arg[-1], np.arange(len(f))]
            last = costs[order[-1]][c0 : hi + 1, hi]
            last = np.where(last > budgets[order[-1]], np.inf, last)
            tot = np.maximum(f, last)
            c = int(np.argmin(tot))
            if tot[c] < best_val - 1e-9:
                cuts = [c]
                for a in reversed(arg):
                    cuts.append(int(a[cuts[-1]]))
                best_val, best_cut = float(tot[c]), (order, c0, list(reversed(cuts)))
    if best_cut is None or not math.isfinite(best_val):
        return None
    order, c0, cuts = best_cut
    bounds = [0, *cuts, m]
    routes: list[tuple[int, ...]] = [()] * nv
    for k, v in enumerate(order):
        routes[v] = tuple(g[c0 + bounds[k] : c0 + bounds[k + 1]])
    return routes


def _orders(nv: int) -> list[tuple[int, ...]]:
    from itertools import permutations

    return list(permutations(range(nv)))


# --- polish and min-max repair -----------------------------------------------------------------


def _polish(problem: RoutingProblem, v: int, route: Sequence[int], rng: random.Random,
            deadline: float, kicks: int | None = None) -> tuple[int, ...]:
    """Route ``v`` re-ordered by the iterated local search (never worse)."""
    if len(route) < 3:
        return tuple(route)
    nodes = [problem.depots[v], *route]
    sub = problem.legs(v)[np.ix_(nodes, nodes)]
    tour = improve_tour(sub, list(range(len(nodes))), kicks=kicks if kicks is not None else 60 * len(nodes),
                        rng=rng, deadline=deadline)
    new = tuple(nodes[k] for k in tour[1:])
    return new if problem.route_time_s(v, new) <= problem.route_time_s(v, route) + EPS else tuple(route)


def _balance(problem: RoutingProblem, routes: list[tuple[int, ...]], rng: random.Random,
             deadline: float) -> list[tuple[int, ...]]:
    """Polish every route by the iterated local search, sharing the time by route size."""
    total = max(1, sum(len(r) for r in routes))
    start = time.perf_counter()
    span = max(0.0, deadline - start)
    routes = list(routes)
    for v in range(problem.n_vehicles):
        share = start + span * sum(len(r) for r in routes[: v + 1]) / total
        routes[v] = _polish(problem, v, routes[v], rng, deadline=share)
    return routes


def _reinsert(problem: RoutingProblem, routes: list[tuple[int, ...]],
              dropped: list[int]) -> tuple[list[tuple[int, ...]], list[int]]:
    """Insert dropped hotspots back (highest priority first) where they fit the budget, then swap
    a still-dropped hotspot for a kept one of lower priority where that fits."""
    if not dropped:
        return routes, dropped
    routes, left = _fill(problem, routes, dropped)
    return _upgrade(problem, routes, left)


def _upgrade(problem: RoutingProblem, routes: list[tuple[int, ...]],
             dropped: list[int]) -> tuple[list[tuple[int, ...]], list[int]]:
    """Swap a dropped hotspot for a kept one of lower priority when the route then still fits."""
    prio = problem.prio()
    rng = random.Random(0)
    changed = True
    rounds = 0
    while changed and rounds < 4 * len(dropped) + 4:
        changed = False
        rounds += 1
        for node in sorted(dropped, key=lambda i: (-prio[i], i)):
            best = None
            for v in range(problem.n_vehicles):
                legs = problem.legs(v)
                for k in sorted(routes[v], key=lambda i: (prio[i], i)):
                    if prio[k] >= prio[node]:
                        break
                    rest = [x for x in routes[v] if x != k]
                    path = [problem.depots[v], *rest, problem.depots[v]]
                    costs = [legs[path[j], node] + legs[node, path[j + 1]] - legs[path[j], path[j + 1]]
                             for j in range(len(path) - 1)]
                    j = int(np.argmin(costs))
                    cand = _polish(problem, v, (*rest[:j], node, *rest[j:]), rng, deadline=math.inf,
                                   kicks=20)
                    t = problem.route_time_s(v, cand)
                    if t <= problem.budget(v) + EPS and (best is None or (prio[k], t) < best[0]):
                        best = ((prio[k], t), v, k, cand)
            if best is not None:
                _, v, k, cand = best
                routes[v] = cand
                dropped = [x for x in dropped if x != node] + [k]
                changed = True
                break
    routes, left = _fill(problem, routes, dropped)
    return routes, left


def _fill(problem: RoutingProblem, routes: list[tuple[int, ...]],
          dropped: list[int]) -> tuple[list[tuple[int, ...]], list[int]]:
    """Cheapest feasible insertion of dropped hotspots, highest priority first."""
    prio = problem.prio()
    svc = problem.service()
    left = []
    for node in sorted(dropped, key=lambda i: (-prio[i], i)):
        best = None
        for v in range(problem.n_vehicles):
            legs = problem.legs(v)
            path = [problem.depots[v], *routes[v], problem.depots[v]]
            t = problem.route_time_s(v, routes[v])
            for j in range(len(path) - 1):
                nt = t + legs[path[j], node] + legs[node, path[j + 1]] - legs[path[j], path[j + 1]] + svc[node]
                if np.isfinite(nt) and nt <= problem.budget(v) + EPS and (best is None or nt < best[0]):
                    best = (nt, v, j)
        if best is None:
            left.append(node)
        else:
            _, v, j = best
            routes[v] = (*routes[v][:j], node, *routes[v][j:])
    return routes, left


__all__ = ["RoutePlan", "RoutingProblem", "shuffle_routes", "solve_routes"]
