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
   :func:`minmax_descent`: relocate, cross-exchange and 2-opt* between two routes and a
   three-route ejection chain, pairs with the longest route first, each move kept only if it
   lowers longest + 0.01 x total and does not lengthen the longest route; changed routes are
   re-ordered by 2-opt/Or-opt. At 200 hotspots OR-Tools' own routes after 1-4 s are 50-65 % longer.
3. Dropped hotspots are inserted back, highest priority first, where they fit.

:func:`minmax_lower_bound` bounds the longest route of any plan from below (Held-Karp bound of
the routes laid end to end), for the benchmark and the tests.

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
from dataclasses import dataclass, field

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

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
_EPS = 1e-7


@dataclass(frozen=True, kw_only=True)
class RoutingProblem:
    """A patrol routing problem.

    ``leg_s``: (n, n) or (V, n, n) seconds to fly from node i to node j (per drone when 3-D;
    ``inf`` where there is no safe path). ``depots``: node of each drone's launch site (start and
    end). ``service_s``: seconds spent at each node (dwell; 0 at launch sites). ``priority``: 1-5 per
    node (ignored at launch sites). ``max_time_s``: each drone's time budget for the route (None =
    unlimited: then every hotspot must be visited).
    """

    leg_s: np.ndarray
    depots: tuple[int, ...]
    service_s: np.ndarray | None = None
    priority: np.ndarray | None = None
    max_time_s: tuple[float | None, ...] | None = None

    @property
    def n_nodes(self) -> int:
        return int(self.leg_s.shape[-1])

    @property
    def n_vehicles(self) -> int:
        return len(self.depots)

    @property
    def visits(self) -> tuple[int, ...]:
        """The nodes to visit (every node that is not a launch site), ascending."""
        d = set(self.depots)
        return tuple(i for i in range(self.n_nodes) if i not in d)

    def legs(self, v: int) -> np.ndarray:
        """(n, n) leg times of drone ``v``."""
        return self.leg_s if self.leg_s.ndim == 2 else self.leg_s[v]

    def service(self) -> np.ndarray:
        return np.zeros(self.n_nodes) if self.service_s is None else np.asarray(self.service_s, float)

    def prio(self) -> np.ndarray:
        return np.full(self.n_nodes, 3) if self.priority is None else np.asarray(self.priority, int)

    def budget(self, v: int) -> float:
        if self.max_time_s is None or self.max_time_s[v] is None:
            return math.inf
        return float(self.max_time_s[v])

    def route_time_s(self, v: int, route: Sequence[int]) -> float:
        """Seconds drone ``v`` needs for ``route`` (hotspot nodes, launch site excluded)."""
        if not route:
            return 0.0
        legs = self.legs(v)
        path = [self.depots[v], *route, self.depots[v]]
        svc = self.service()
        return float(sum(legs[path[k], path[k + 1]] for k in range(len(path) - 1)) + svc[list(route)].sum())


@dataclass(frozen=True, kw_only=True)
class RoutePlan:
    """Solver result: per drone the hotspot nodes in visit order, the dropped nodes, times (s)."""

    routes: tuple[tuple[int, ...], ...]
    dropped: tuple[int, ...] = ()
    times_s: tuple[float, ...] = ()
    stats: dict = field(default_factory=dict, compare=False)

    @property
    def longest_s(self) -> float:
        return max(self.times_s, default=0.0)


def plan_of(problem: RoutingProblem, routes: Sequence[Sequence[int]], dropped: Sequence[int] = (),
            stats: dict | None = None) -> RoutePlan:
    """A :class:`RoutePlan` with the times of ``routes`` computed."""
    routes = tuple(tuple(int(x) for x in r) for r in routes)
    return RoutePlan(
        routes=routes,
        dropped=tuple(sorted(int(x) for x in dropped)),
        times_s=tuple(problem.route_time_s(v, r) for v, r in enumerate(routes)),
        stats=stats or {},
    )


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
    nearest-launch-site clusters. Each start is improved by :func:`minmax_descent`; the best is
    polished with more 2-opt/Or-opt kicks and improved again. Every stage stops on counts, not on
    the clock, so the plan depends only on the problem and ``seed``; the time limits are safety nets
    that a normal run does not reach.
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
        voronoi = _voronoi_start(problem, rng)
        if all(problem.route_time_s(v, r) <= problem.budget(v) + _EPS for v, r in enumerate(voronoi)):
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
        if max(times, default=0.0) <= limit + _EPS and all(
            t <= max(problem.budget(v), best.times_s[v]) + _EPS for v, t in enumerate(times)
        ) and (tuple(map(tuple, routes)) != best.routes or sigma < 0.05):
            return plan_of(problem, routes, best.dropped, {"shuffle_sigma": sigma})
        sigma *= 0.7
    return plan_of(problem, fallback, best.dropped, {"shuffle_sigma": 0.0})


def _maybe_reverse(problem: RoutingProblem, v: int, route: Sequence[int], rng: random.Random) -> tuple:
    route = tuple(route)
    rev = route[::-1]
    if rng.random() < 0.5 and problem.route_time_s(v, rev) <= problem.route_time_s(v, route) + _EPS:
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
    return new if problem.route_time_s(v, new) <= problem.route_time_s(v, route) + _EPS else tuple(route)


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
    """Insert dropped hotspots back (highest priority first) where they fit the budget."""
    if not dropped:
        return routes, dropped
    prio = problem.prio()
    svc = problem.service()
    left = []
    for node in sorted(dropped, key=lambda i: (-prio[i], i)):
        best = None
        for v in range(problem.n_vehicles):
            legs = problem.legs(v)
            path = [problem.depots[v], *routes[v], problem.depots[v]]
            t = problem.route_time_s(v, routes[v]) if routes[v] else 0.0
            for j in range(len(path) - 1):
                nt = t + legs[path[j], node] + legs[node, path[j + 1]] - legs[path[j], path[j + 1]] + svc[node]
                if np.isfinite(nt) and nt <= problem.budget(v) + _EPS and (best is None or nt < best[0]):
                    best = (nt, v, j)
        if best is None:
            left.append(node)
        else:
            _, v, j = best
            routes[v] = (*routes[v][:j], node, *routes[v][j:])
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
                    if t <= problem.budget(v) + _EPS and (best is None or (prio[k], t) < best[0]):
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
                if np.isfinite(nt) and nt <= problem.budget(v) + _EPS and (best is None or nt < best[0]):
                    best = (nt, v, j)
        if best is None:
            left.append(node)
        else:
            _, v, j = best
            routes[v] = (*routes[v][:j], node, *routes[v][j:])
    return routes, left


# --- min-max local search between routes ---------------------------------------------------------

#: Weight of the total time next to the longest route in the multi-route objective
#: F = longest + MINMAX_SUM_WEIGHT * total (the longest dominates; the total breaks ties and lets
#: routes that are not the longest get shorter, which makes room for later moves).
MINMAX_SUM_WEIGHT = 0.01
_BIG_LEG = 1e9  # finite stand-in for a missing leg inside the vectorised move evaluation


class _Fleet:
    """The data the multi-route moves need: per-drone leg matrices with finite values, dwell,
    launch sites, budgets (with a tolerance)."""

    def __init__(self, problem: RoutingProblem) -> None:
        self.problem = problem
        self.nv = problem.n_vehicles
        self.svc = problem.service()
        self.dep = list(problem.depots)
        self.cap = [problem.budget(v) + _EPS for v in range(self.nv)]
        if problem.leg_s.ndim == 2:
            shared = np.where(np.isfinite(problem.leg_s), problem.leg_s, _BIG_LEG)
            self.D = [shared] * self.nv
        else:
            self.D = [np.where(np.isfinite(problem.legs(v)), problem.legs(v), _BIG_LEG) for v in range(self.nv)]

    def time(self, v: int, route: Sequence[int]) -> float:
        if len(route) == 0:
            return 0.0
        path = np.array([self.dep[v], *route, self.dep[v]])
        return float(self.D[v][path[:-1], path[1:]].sum() + self.svc[path].sum())

    def path(self, v: int, route: Sequence[int]) -> np.ndarray:
        return np.array([self.dep[v], *route, self.dep[v]], dtype=int)


def _objective(times: Sequence[float]) -> float:
    return max(times, default=0.0) + MINMAX_SUM_WEIGHT * sum(times)


def _segments(P: np.ndarray, k: int, D: np.ndarray, svc: np.ndarray) -> tuple:
    """Every run of ``k`` hotspots in the route path ``P`` (launch site, hotspots, launch site):
    start positions, the nodes before, first, last and after, the run's inner cost forwards and
    backwards under ``D``, and its dwell."""
    n = len(P) - 2
    i = np.arange(1, n - k + 2)
    first, last = P[i], P[i + k - 1]
    inner = np.zeros(len(i))
    inner_r = np.zeros(len(i))
    dwell = svc[first].copy()
    for q in range(k - 1):
        inner += D[P[i + q], P[i + q + 1]]
        inner_r += D[P[i + q + 1], P[i + q]]
        dwell += svc[P[i + q + 1]]
    return i, P[i - 1], first, last, P[i + k], inner, inner_r, dwell


def _pair_move(fl: _Fleet, routes: list[list[int]], times: list[float], a: int, b: int,
               max_seg: int = 3) -> tuple[float, list[int], list[int]] | None:
    """Best move between routes ``a`` and ``b`` by the objective F of the whole plan (the other routes
    unchanged): relocate a run of 1-3 hotspots to its cheapest place in the other route (either
    orientation, both ways), cross-exchange (swap runs of 1-3 hotspots in place, either orientation)
    and 2-opt* (swap the routes' tails, both orientations). Returns (F, new a, new b) or None.
    Each candidate is scored in one vectorised pass; the caller checks the move exactly."""
    svc, w = fl.svc, MINMAX_SUM_WEIGHT
    others = [times[v] for v in range(fl.nv) if v not in (a, b)]
    m_other, s_other = max(others, default=0.0), sum(others)
    Pa, Pb = fl.path(a, routes[a]), fl.path(b, routes[b])
    Da, Db = fl.D[a], fl.D[b]
    ta, tb = times[a], times[b]
    best: list = [math.inf, None, None]

    def consider(ta_new: np.ndarray, tb_new: np.ndarray, build) -> None:
        score = np.maximum(np.maximum(ta_new, tb_new), m_other) + w * (ta_new + tb_new + s_other)
        score = np.where((ta_new <= fl.cap[a]) & (tb_new <= fl.cap[b]), score, np.inf)
        k = int(np.argmin(score))
        if score.flat[k] < best[0]:
            best[:] = [float(score.flat[k]), build, np.unravel_index(k, score.shape)]

    # relocate a run src -> dst (cheapest insertion, either orientation)
    for src, P, Q, Ds, Dd, ts, td in ((a, Pa, Pb, Da, Db, ta, tb), (b, Pb, Pa, Db, Da, tb, ta)):
        u, x = Q[:-1], Q[1:]
        base = Dd[u, x][:, None]
        for k in range(1, min(max_seg, len(P) - 2) + 1):
            i, prv, f, l_, nx, inner, inner_r, dwell = _segments(P, k, Ds, svc)
            inner_d, inner_dr = (inner, inner_r) if Ds is Dd else _segments(P, k, Dd, svc)[5:7]
            ts_new = ts - (Ds[prv, f] + inner + Ds[l_, nx] - Ds[prv, nx] + dwell)
            fwd = Dd[u[:, None], f[None]] + inner_d[None] + Dd[l_[None], x[:, None]]
            rev = Dd[u[:, None], l_[None]] + inner_dr[None] + Dd[f[None], x[:, None]]
            td_new = td + np.minimum(fwd, rev) - base + dwell[None]
            ts_b = np.broadcast_to(ts_new[None], td_new.shape)

            def build(idx, i=i, k=k, P=P, Q=Q, fwd=fwd, rev=rev, src=src):
                j, s = idx
                s0 = int(i[s])
                run = list(P[s0 : s0 + k])
                if rev[j, s] < fwd[j, s]:
                    run = run[::-1]
                new_src = list(P[1:s0]) + list(P[s0 + k : -1])
                new_dst = list(Q[1 : j + 1]) + run + list(Q[j + 1 : -1])
                return (new_src, new_dst) if src == a else (new_dst, new_src)

            if src == a:
                consider(ts_b, td_new, build)
            else:
                consider(td_new, ts_b, build)

    # cross-exchange in place
    na, nb = len(Pa) - 2, len(Pb) - 2
    seg_a = {k: _segments(Pa, k, Da, svc) for k in range(1, min(max_seg, na) + 1)}
    seg_b = {k: _segments(Pb, k, Db, svc) for k in range(1, min(max_seg, nb) + 1)}
    for ka, (ia, pa, fa, la, xa, inn_a, innr_a, dw_a) in seg_a.items():
        out_a = Da[pa, fa] + inn_a + Da[la, xa] + dw_a
        inn_ab, innr_ab = (inn_a, innr_a) if Da is Db else _segments(Pa, ka, Db, svc)[5:7]
        for kb, (ib, pb, fb, lb, xb, inn_b, innr_b, dw_b) in seg_b.items():
            out_b = Db[pb, fb] + inn_b + Db[lb, xb] + dw_b
            inn_ba, innr_ba = (inn_b, innr_b) if Da is Db else _segments(Pb, kb, Da, svc)[5:7]
            in_af = Da[pa[:, None], fb[None]] + inn_ba[None] + Da[lb[None], xa[:, None]]
            in_ar = Da[pa[:, None], lb[None]] + innr_ba[None] + Da[fb[None], xa[:, None]]
            in_bf = Db[pb[None], fa[:, None]] + inn_ab[:, None] + Db[la[:, None], xb[None]]
            in_br = Db[pb[None], la[:, None]] + innr_ab[:, None] + Db[fa[:, None], xb[None]]
            ta_new = ta - out_a[:, None] + np.minimum(in_af, in_ar) + dw_b[None]
            tb_new = tb - out_b[None] + np.minimum(in_bf, in_br) + dw_a[:, None]

            def build(idx, ia=ia, ib=ib, ka=ka, kb=kb, in_af=in_af, in_ar=in_ar, in_bf=in_bf, in_br=in_br):
                p, q = idx
                i0, j0 = int(ia[p]), int(ib[q])
                run_a, run_b = list(Pa[i0 : i0 + ka]), list(Pb[j0 : j0 + kb])
                put_a = run_b if in_af[p, q] <= in_ar[p, q] else run_b[::-1]
                put_b = run_a if in_bf[p, q] <= in_br[p, q] else run_a[::-1]
                return (list(Pa[1:i0]) + put_a + list(Pa[i0 + ka : -1]),
                        list(Pb[1:j0]) + put_b + list(Pb[j0 + kb : -1]))

            consider(ta_new, tb_new, build)

    # 2-opt*: a keeps its head up to position i and flies b's tail after position j (and vice versa)
    def heads(P: np.ndarray, D: np.ndarray) -> np.ndarray:
        e = D[P[:-2], P[1:-1]]
        return np.concatenate([[0.0], np.cumsum(e)]) + np.cumsum(svc[P[:-1]])

    def tails(P: np.ndarray, D: np.ndarray, end: int) -> tuple[np.ndarray, np.ndarray]:
        h = P[1:-1]
        n = len(h)
        cost = np.zeros(n + 1)
        first = np.full(n + 1, end)
        if n:
            e = D[h[:-1], h[1:]]
            suffix = np.concatenate([np.cumsum(e[::-1])[::-1], [0.0]])
            cost[:n] = suffix + D[h[-1], end] + np.cumsum(svc[h][::-1])[::-1]
            first[:n] = h
        return cost, first

    head_a = heads(Pa, Da)
    tail_a, first_a = tails(Pa, Db, fl.dep[b])
    for Pbo in (Pb, np.concatenate([Pb[:1], Pb[1:-1][::-1], Pb[-1:]])):
        head_b = heads(Pbo, Db)
        tail_b, first_b = tails(Pbo, Da, fl.dep[a])
        ta_new = head_a[:, None] + Da[Pa[:-1][:, None], first_b[None]] + tail_b[None]
        tb_new = head_b[None] + Db[Pbo[:-1][None], first_a[:, None]] + tail_a[:, None]

        def build(idx, Pbo=Pbo):
            i, j = idx
            return list(Pa[1 : i + 1]) + list(Pbo[j + 1 : -1]), list(Pbo[1 : j + 1]) + list(Pa[i + 1 : -1])

        consider(ta_new, tb_new, build)

    if best[1] is None:
        return None
    new_a, new_b = best[1](best[2])
    return best[0], [int(x) for x in new_a], [int(x) for x in new_b]


def _chain_move(fl: _Fleet, routes: list[list[int]], times: list[float], L: int, A: int, B: int,
                max_seg: int = 2) -> tuple[float, list[list[int]]] | None:
    """Ejection chain over three routes: a run of 1-2 hotspots leaves ``L`` for its cheapest place in
    ``A`` while a run of ``A`` leaves for its cheapest place in ``B`` (for balanced plans where no
    single move between two routes helps). Returns (F estimate, new routes) or None."""
    svc, w = fl.svc, MINMAX_SUM_WEIGHT
    PL, PA, PB = (fl.path(v, routes[v]) for v in (L, A, B))
    if len(PL) < 3 or len(PA) < 3:
        return None
    rest = [times[v] for v in range(fl.nv) if v not in (L, A, B)]
    m_other, s_other = max(rest, default=0.0), sum(rest)

    def removal(v: int, P: np.ndarray, k: int, Dto: np.ndarray) -> tuple:
        i, prv, f, l_, nx, inner, inner_r, dwell = _segments(P, k, fl.D[v], svc)
        D = fl.D[v]
        gain = D[prv, f] + inner + D[l_, nx] - D[prv, nx] + dwell
        if Dto is not D:
            inner, inner_r = _segments(P, k, Dto, svc)[5:7]
        return i, gain, f, l_, inner, inner_r, dwell

    def insertion(v: int, Q: np.ndarray, f, l_, inner, inner_r, dwell) -> tuple:
        D = fl.D[v]
        u, x = Q[:-1], Q[1:]
        base = D[u, x][:, None]
        fwd = D[u[:, None], f[None]] + inner[None] + D[l_[None], x[:, None]] - base
        rev = D[u[:, None], l_[None]] + inner_r[None] + D[f[None], x[:, None]] - base
        both = np.minimum(fwd, rev)
        j = np.argmin(both, axis=0)
        cols = np.arange(both.shape[1])
        return both[j, cols] + dwell, j, rev[j, cols] < fwd[j, cols]

    best = None
    for kx in range(1, min(max_seg, len(PL) - 2) + 1):
        ix, gx, fx, lx, inx, inrx, dx = removal(L, PL, kx, fl.D[A])
        add_x, jx, rx = insertion(A, PA, fx, lx, inx, inrx, dx)
        for ky in range(1, min(max_seg, len(PA) - 2) + 1):
            iy, gy, fy, ly, iny, inry, dy = removal(A, PA, ky, fl.D[B])
            add_y, jy, ry = insertion(B, PB, fy, ly, iny, inry, dy)
            tL = times[L] - gx
            tA = times[A] + add_x[:, None] - gy[None]
            tB = times[B] + add_y
            score = (np.maximum(np.maximum(np.maximum(tL[:, None], tA), tB[None]), m_other)
                     + w * (tL[:, None] + tA + tB[None] + s_other))
            score = np.where((tA <= fl.cap[A]) & (tB[None] <= fl.cap[B]), score, np.inf)
            p = np.unravel_index(int(np.argmin(score)), score.shape)
            if best is None or score[p] < best[0]:
                best = (float(score[p]), kx, ky, int(ix[p[0]]), int(jx[p[0]]), bool(rx[p[0]]),
                        int(iy[p[1]]), int(jy[p[1]]), bool(ry[p[1]]))
    if best is None or not math.isfinite(best[0]):
        return None
    score, kx, ky, i0, j0, r0, i1, j1, r1 = best
    run_x = [int(x) for x in PL[i0 : i0 + kx]][:: -1 if r0 else 1]
    run_y = [int(x) for x in PA[i1 : i1 + ky]][:: -1 if r1 else 1]
    gone = set(run_y)
    new_a: list[int] = []
    for pos in range(len(PA) - 1):  # run_x goes on the edge PA[j0] -> PA[j0 + 1]
        if pos > 0 and int(PA[pos]) not in gone:
            new_a.append(int(PA[pos]))
        if pos == j0:
            new_a.extend(run_x)
    new = [list(r) for r in routes]
    new[L] = [int(x) for x in PL[1:i0]] + [int(x) for x in PL[i0 + kx : -1]]
    new[A] = new_a
    new[B] = [int(x) for x in PB[1 : j1 + 1]] + run_y + [int(x) for x in PB[j1 + 1 : -1]]
    return score, new


def _route_ls(fl: _Fleet, v: int, route: list[int], rng: random.Random, kicks: int) -> list[int]:
    """Route ``v`` re-ordered by 2-opt/Or-opt (plus ``kicks`` perturbations); never worse."""
    if len(route) < 3:
        return list(route)
    nodes = [fl.dep[v], *route]
    tour = improve_tour(fl.D[v][np.ix_(nodes, nodes)], list(range(len(nodes))), kicks=kicks, rng=rng)
    new = [nodes[k] for k in tour[1:]]
    return new if fl.time(v, new) <= fl.time(v, route) + _EPS else list(route)


def minmax_descent(problem: RoutingProblem, routes: Sequence[Sequence[int]], *, seed: int = 0,
                   kicks: int = 0, max_moves: int | None = None,
                   deadline: float | None = None) -> list[tuple[int, ...]]:
    """Local search between routes for the min-max objective.

    Moves (pairs with the longest route first): relocate, cross-exchange and 2-opt* between two
    routes (:func:`_pair_move`), then the three-route ejection chain; the changed routes are
    re-ordered by 2-opt/Or-opt. A move is kept only if it lowers F = longest + 0.01 x total,
    keeps every route within its budget and does not make the longest route longer: the longest
    route never grows. Hotspots are neither added nor dropped. Deterministic for a given ``seed``.
    """
    fl = _Fleet(problem)
    rng = random.Random(seed)
    cur = [_route_ls(fl, v, list(r), rng, kicks) for v, r in enumerate(routes)]
    times = [fl.time(v, r) for v, r in enumerate(cur)]
    nv = fl.nv
    limit = max_moves if max_moves is not None else 20 * (sum(len(r) for r in cur) + 10)
    for _ in range(limit):
        if deadline is not None and time.perf_counter() > deadline:
            break
        order = sorted(range(nv), key=lambda v: (-times[v], v))
        f_cur, longest = _objective(times), max(times)
        candidates = []
        for x in range(nv):
            for y in range(x + 1, nv):
                candidates.append(("pair", order[x], order[y]))
        if nv >= 3:
            candidates += [("chain", order[0], a, b) for a in order[1:] for b in order[1:] if a != b]
        applied = False
        for cand in candidates:
            if cand[0] == "pair":
                _, a, b = cand
                mv = _pair_move(fl, cur, times, a, b)
                if mv is None or mv[0] >= f_cur - 1e-6:
                    continue
                new = [list(r) for r in cur]
                new[a], new[b] = mv[1], mv[2]
            else:
                mv = _chain_move(fl, cur, times, *cand[1:])
                if mv is None or mv[0] >= f_cur - 1e-6:
                    continue
                new = mv[1]
            changed = [v for v in range(nv) if new[v] != cur[v]]
            for v in changed:
                new[v] = _route_ls(fl, v, new[v], rng, kicks)
            new_times = [fl.time(v, r) if v in changed else times[v] for v, r in enumerate(new)]
            if (_objective(new_times) < f_cur - 1e-6 and max(new_times) <= longest + 1e-9
                    and all(t <= fl.cap[v] or t <= times[v] for v, t in enumerate(new_times))):
                cur, times, applied = new, new_times, True
                break
        if not applied:
            break
    return [tuple(r) for r in cur]


def _voronoi_start(problem: RoutingProblem, rng: random.Random) -> list[tuple[int, ...]]:
    """Each hotspot to the drone whose launch site is nearest (shortest leg), routes by 2-opt/Or-opt
    from a nearest-neighbour order."""
    fl = _Fleet(problem)
    visits = np.array(problem.visits)
    lab = np.argmin(np.stack([fl.D[v][fl.dep[v], visits] for v in range(fl.nv)]), axis=0)
    routes = []
    for v in range(fl.nv):
        nodes = [fl.dep[v], *visits[lab == v].tolist()]
        sub = fl.D[v][np.ix_(nodes, nodes)]
        tour, left = [0], set(range(1, len(nodes)))
        while left:
            nxt = min(left, key=lambda j, last=tour[-1]: (sub[last, j], j))
            tour.append(nxt)
            left.remove(nxt)
        tour = improve_tour(sub, tour, kicks=0, rng=rng)
        routes.append(tuple(nodes[k] for k in tour[1:]))
    return routes


# --- lower bound ----------------------------------------------------------------------------------


def held_karp_bound(cost: np.ndarray, *, iterations: int = 400, upper: float | None = None) -> float:
    """Held-Karp lower bound of the shortest closed tour through every node of the symmetric
    ``cost`` matrix: the best 1-tree (spanning tree of nodes 1.. plus node 0's two cheapest edges)
    under node penalties found by subgradient optimisation. Every value returned is a valid bound
    (each Lagrangian value is one); more iterations only tighten it.

    >>> import numpy as np
    >>> c = np.array([[0, 1, 2, 1], [1, 0, 1, 2], [2, 1, 0, 1], [1, 2, 1, 0]], dtype=float)
    >>> round(held_karp_bound(c), 6)
    4.0
    """
    c = np.asarray(cost, dtype=float)
    n = len(c)
    if n < 3:
        return float(2 * c[0, 1:].sum()) if n == 2 else 0.0
    c = np.minimum(c, c.T)
    if upper is None:
        upper = tour_cost(c, improve_tour(c, list(range(n)), kicks=50))
    pi = np.zeros(n)
    best = -math.inf
    step, stall = 2.0, 0
    for _ in range(iterations):
        cc = c + pi[:, None] + pi[None, :]
        inside = np.zeros(n, dtype=bool)
        inside[:2] = True
        key = cc[1].copy()
        parent = np.full(n, 1)
        deg = np.zeros(n)
        total = 0.0
        for _k in range(n - 2):  # Prim on nodes 1..n-1
            km = np.where(inside, np.inf, key)
            j = int(np.argmin(km))
            total += km[j]
            deg[j] += 1
            deg[parent[j]] += 1
            inside[j] = True
            upd = cc[j] < key
            key = np.where(upd, cc[j], key)
            parent = np.where(upd, j, parent)
        two = np.argsort(cc[0, 1:], kind="stable")[:2] + 1
        total += cc[0, two].sum()
        deg[0] += 2
        deg[two] += 1
        val = float(total - 2 * pi.sum())
        if val > best + 1e-9:
            best, stall = val, 0
        else:
            stall += 1
            if stall > 20:
                step, stall = step / 2, 0
        g = deg - 2
        norm = float((g * g).sum())
        if norm == 0:
            return val  # the 1-tree is a tour: optimal
        pi = pi + step * max(upper - val, 1e-9 * abs(upper)) / norm * g
    return best


@dataclass(frozen=True)
class MinMaxBound:
    """Lower bound (s) on the longest route of any plan that visits every hotspot.

    ``trip_s``: the longest round trip (plus dwell) some hotspot needs from its best launch site.
    ``total_s``: a lower bound on the total time of ``nv`` non-empty routes, each closed at its own
    launch site: the Held-Karp bound of a tour through every hotspot and two copies of each launch
    site, where only the copies (b of site k, a of site k+1) are joined, at zero cost; the routes
    laid end to end (a_k, route k, b_k, a_k+1, ...) form such a tour, so its optimum is at most their
    total. ``pair_total_s``: the same bound with every copy joined to every other (a plan with an
    empty route is a tour of this kind too). ``bound_s`` = max(trip, min(total / nv,
    pair_total / (nv - 1))): the longest route is at least the mean of the non-empty ones.
    """

    bound_s: float
    trip_s: float
    total_s: float
    pair_total_s: float


def minmax_lower_bound(problem: RoutingProblem, *, iterations: int = 400) -> MinMaxBound:
    """:class:`MinMaxBound` of ``problem`` (budgets ignored; legs made symmetric by their minimum and,
    per drone, the smallest over drones for legs between hotspots)."""
    nv = problem.n_vehicles
    visits = list(problem.visits)
    svc = problem.service()
    dwell = float(svc[visits].sum())
    legs = [np.minimum(problem.legs(v), problem.legs(v).T) for v in range(nv)]
    legs = [np.where(np.isfinite(x), x, _BIG_LEG) for x in legs]  # no safe path: a huge leg
    trip = max((min(legs[v][problem.depots[v], i] * 2 for v in range(nv)) + svc[i] for i in visits),
               default=0.0)
    if not visits:
        return MinMaxBound(bound_s=0.0, trip_s=0.0, total_s=0.0, pair_total_s=0.0)
    hot = np.minimum.reduce(legs)[np.ix_(visits, visits)]
    m = len(visits)
    k = 2 * nv
    base = np.zeros((k + m, k + m))
    base[k:, k:] = hot
    for v in range(nv):
        for c in (2 * v, 2 * v + 1):
            base[c, k:] = legs[v][problem.depots[v], visits]
            base[k:, c] = base[c, k:]
    big = 2.0 * (base.max() * (m + k) + 1.0)
    pair = base.copy()
    pair[:k, :k] = 0.0
    pair_total = held_karp_bound(pair, iterations=iterations)
    if nv == 1:
        total = pair_total
        bound = max(trip, total + dwell)
        return MinMaxBound(bound_s=float(bound), trip_s=float(trip), total_s=float(total + dwell),
                           pair_total_s=float(total + dwell))
    ring = base.copy()
    ring[:k, :k] = big
    for v in range(nv):
        a, b = 2 * v + 1, (2 * v + 2) % k
        ring[a, b] = ring[b, a] = 0.0
    total = held_karp_bound(ring, iterations=iterations)
    bound = max(trip, min((total + dwell) / nv, (pair_total + dwell) / (nv - 1)))
    return MinMaxBound(bound_s=float(bound), trip_s=float(trip), total_s=float(total + dwell),
                       pair_total_s=float(pair_total + dwell))


# --- iterated local search for one closed tour -------------------------------------------------


def tour_cost(cost: np.ndarray | list, tour: Sequence[int]) -> float:
    """Length (cost) of the closed tour ``tour`` under the matrix ``cost``."""
    return float(sum(cost[tour[k - 1]][tour[k]] for k in range(len(tour))))


def improve_tour(
    cost: np.ndarray,
    tour: list[int],
    *,
    kicks: int = 1000,
    rng: random.Random | None = None,
    deadline: float | None = None,
    neighbours: int = 10,
) -> list[int]:
    """Improve a closed tour (symmetric ``cost``): 2-opt + Or-opt local search, then ``kicks``
    segment-swap perturbations each followed by local search, keeping the best (iterated local
    search). Returns the best tour rotated to start at ``tour[0]``. Stops at ``deadline``
    (``time.perf_counter()`` value) if given.

    >>> import numpy as np
    >>> pts = np.array([[0, 0], [2, 2], [2, 0], [0, 2]], dtype=float)
    >>> c = np.hypot(*(pts[:, None] - pts[None]).transpose(2, 0, 1))
    >>> improve_tour(c, [0, 1, 2, 3])
    [0, 2, 1, 3]
    """
    m = len(tour)
    first = tour[0]
    if m <= 3:
        return list(tour)
    rng = rng or random.Random(0)
    d = np.asarray(cost, dtype=float)
    d = np.where(np.isfinite(d), d, 1e12)
    order = np.argsort(d + np.diag(np.full(len(d), np.inf)), axis=1)[:, : min(neighbours, m - 1)]
    D = d.tolist()
    neigh = order.tolist()
    t = list(tour)
    _local_search(t, D, neigh, list(t))
    best, best_c = t[:], tour_cost(D, t)
    cur_c = best_c
    for _k in range(kicks):
        if deadline is not None and time.perf_counter() > deadline:
            break
        cand = t[:]
        touched = _segment_swap(cand, rng)
        _local_search(cand, D, neigh, touched)
        c = tour_cost(D, cand)
        if c < cur_c - 1e-9 or (c <= cur_c + 1e-9 and rng.random() < 0.5):
            t, cur_c = cand, c
            if c < best_c - 1e-9:
                best, best_c = cand[:], c
    k = best.index(first)
    return best[k:] + best[:k]


def _segment_swap(t: list[int], rng: random.Random) -> list[int]:
    """Perturb in place: swap two consecutive random segments (a double bridge, kept local)."""
    m = len(t)
    cap = max(1, min(50, m // 3))
    l1, l2 = rng.randint(1, cap), rng.randint(1, cap)
    i = rng.randrange(m)
    rot = t[i:] + t[:i]  # rot[0] stays, then B, C
    if 1 + l1 + l2 > m:
        l1 = l2 = max(1, (m - 1) // 2)
    b = rot[1 : 1 + l1]
    c = rot[1 + l1 : 1 + l1 + l2]
    rot[1 : 1 + l1 + l2] = c + b
    t[:] = rot
    return [rot[0], b[0], b[-1], c[0], c[-1], rot[(1 + l1 + l2) % m]]


def _local_search(t: list[int], D: list[list[float]], neigh: list[list[int]], queue: list[int]) -> None:
    """2-opt and Or-opt (segments of 1-3, both orientations) with don't-look bits, in place."""
    m = len(t)
    pos = [0] * len(D)
    for i, c in enumerate(t):
        pos[c] = i
    inq = [False] * len(D)
    q = []
    for c in queue:
        if not inq[c]:
            inq[c] = True
            q.append(c)

    def push(*nodes: int) -> None:
        for c in nodes:
            if not inq[c]:
                inq[c] = True
                q.append(c)

    def reverse(i: int, j: int) -> None:
        """Reverse the cyclic run from position i to j (inclusive), or its complement if shorter."""
        length = (j - i) % m + 1
        if 2 * length > m:
            i, j = (j + 1) % m, (i - 1) % m
            length = m - length
        for _ in range(length // 2):
            a, b = t[i], t[j]
            t[i], t[j] = b, a
            pos[b], pos[a] = i, j
            i = (i + 1) % m
            j = (j - 1) % m

    while q:
        a = q.pop()
        inq[a] = False
        improved = True
        while improved:
            improved = False
            i = pos[a]
            # 2-opt, successor side
            b = t[(i + 1) % m]
            dab = D[a][b]
            for c in neigh[a]:
                dac = D[a][c]
                if dac >= dab:
                    break
                j = pos[c]
                e = t[(j + 1) % m]
                if c == b or e == a:
                    continue
                if dac + D[b][e] - dab - D[c][e] < -1e-9:
                    reverse((i + 1) % m, j)
                    push(a, b, c, e)
                    improved = True
                    break
            if improved:
                continue
            # 2-opt, predecessor side
            b = t[(i - 1) % m]
            dab = D[b][a]
            for c in neigh[a]:
                dac = D[a][c]
                if dac >= dab:
                    break
                j = pos[c]
                e = t[(j - 1) % m]
                if c == b or e == a:
                    continue
                if dac + D[b][e] - dab - D[e][c] < -1e-9:
                    reverse(j, (i - 1) % m)
                    push(a, b, c, e)
                    improved = True
                    break
            if improved:
                continue
            # Or-opt: move the segment that starts at a (forward, length 1-3)
            for seg_len in (1, 2, 3):
                if seg_len >= m - 2:
                    break
                i = pos[a]
                seg = [t[(i + k) % m] for k in range(seg_len)]
                s0, s1 = seg[0], seg[-1]
                p = t[(i - 1) % m]
                nx = t[(i + seg_len) % m]
                gain = D[p][s0] + D[s1][nx] - D[p][nx]
                if gain <= 1e-9:
                    continue
                best = None
                for end in (s0, s1):
                    for c in neigh[end]:
                        if c in seg:
                            continue
                        jc = pos[c]
                        for e in (t[(jc + 1) % m], t[(jc - 1) % m]):
                            if e in seg:
                                continue
                            # insert between c and e: either orientation
                            base = D[c][e]
                            for x, y in ((s0, s1), (s1, s0)):
                                add = D[c][x] + D[y][e] - base
                                if add - gain < -1e-9 and (best is None or add - gain < best[0]):
                                    best = (add - gain, c, e, x, y)
                if best is not None:
                    _, c, e, x, y = best
                    rest = [n for n in t if n not in seg]
                    k = rest.index(c)
                    ins = seg if x == s0 else seg[::-1]
                    # orient so the tour reads c, x..y, e
                    if rest[(k + 1) % len(rest)] == e:
                        new = rest[: k + 1] + ins + rest[k + 1 :]
                    else:
                        new = rest[:k] + ins[::-1] + rest[k:]
                    t[:] = new
                    for idx, node in enumerate(t):
                        pos[node] = idx
                    push(p, nx, c, e, s0, s1)
                    improved = True
                    break


__all__ = [
    "RoutePlan",
    "RoutingProblem",
    "improve_tour",
    "plan_of",
    "shuffle_routes",
    "solve_routes",
    "tour_cost",
]
