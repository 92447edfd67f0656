"""Multi-drone patrol routing: split hotspots over the drones and order them, minimising the longest
drone's patrol time, each drone starting and ending at its own launch site.

Times are seconds, distances metres. A problem is a leg-time matrix per drone over *nodes* (the
launch sites and the hotspots), a dwell per node, a priority per node and a time budget per drone.

Solver (measured in ``benchmarks/patrol.py``):

1. OR-Tools' routing library builds the split: a time dimension with the global span cost (the
   longest route) plus the total time as arc cost, one optional-node disjunction per hotspot whose
   penalty grows by powers of ``N + 1`` with priority (so one priority-5 hotspot outweighs every
   lower one: hotspots are dropped lowest priority first, only when they do not fit the budget),
   guided local search under a time limit.
2. Each route is then polished by an iterated local search of our own (2-opt and Or-opt moves on
   neighbour lists, segment-swap kicks, seeded): OR-Tools' guided local search alone stays 2-4 %
   above the best known tour at 100 hotspots after 1.5 s; the polish brings it within 1 %.
3. Min-max repair: hotspots move from the longest route to another while that lowers the longest
   time; dropped hotspots are inserted back, highest priority first, where they fit.

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

    ``time_limit_s`` bounds OR-Tools' guided local search (default grows with the number of
    hotspots, 0.2-1 s); ``polish_s`` bounds the local-search polish (default 0.1-1 s). The polish
    is seeded by ``seed`` and deterministic when it ends on its kick count, not its time limit.
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
    if nv > 1:
        time_limit_s *= 0.5  # the other half goes to the giant-tour split
    routes, dropped = _ortools(problem, time_limit_s=time_limit_s)
    t1 = time.perf_counter()
    rng = random.Random(seed)
    routes = _balance(problem, routes, rng, deadline=time.perf_counter() + polish_s / (2 if nv > 1 else 1))
    routes, dropped = _reinsert(problem, routes, dropped)
    if 1 < nv <= 4:
        split = _split_giant(problem, rng, deadline=time.perf_counter() + time_limit_s)
        if split is not None:
            split = _balance(problem, split, rng, deadline=time.perf_counter() + polish_s / 2)
            if _key(problem, split, []) < _key(problem, routes, dropped):
                routes, dropped = split, []
    t2 = time.perf_counter()
    return plan_of(problem, routes, dropped, {"ortools_s": t1 - t0, "polish_s": t2 - t1})


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


def _ortools(problem: RoutingProblem, *, time_limit_s: float) -> tuple[list[tuple[int, ...]], list[int]]:
    """Routes and dropped nodes from OR-Tools' routing solver (guided local search)."""
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


def _split_giant(problem: RoutingProblem, rng: random.Random, deadline: float) -> list[tuple[int, ...]] | None:
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
    tour = improve_tour(legs0, tour, kicks=10**6, rng=rng, deadline=deadline)
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
    """Polish every route, then move hotspots off the longest route while the longest time drops."""
    nv = problem.n_vehicles
    total = max(1, sum(len(r) for r in routes))
    start = time.perf_counter()
    span = max(0.0, deadline - start)
    # share the polish time by route size
    routes = list(routes)
    for v in range(nv):
        share = start + span * 0.7 * sum(len(r) for r in routes[: v + 1]) / total
        routes[v] = _polish(problem, v, routes[v], rng, deadline=share)
    if nv < 2:
        return routes
    times = [problem.route_time_s(v, r) for v, r in enumerate(routes)]
    for _ in range(4 * total):
        if time.perf_counter() > deadline:
            break
        worst = int(np.argmax(times))
        move = _best_relocate(problem, routes, times, worst)
        if move is None:
            break
        _node, to, new_from, new_to = move
        routes[worst], routes[to] = new_from, new_to
        routes[worst] = _polish(problem, worst, routes[worst], rng, deadline, kicks=10 * len(new_from) + 10)
        routes[to] = _polish(problem, to, routes[to], rng, deadline, kicks=10 * len(new_to) + 10)
        times[worst] = problem.route_time_s(worst, routes[worst])
        times[to] = problem.route_time_s(to, routes[to])
    return routes


def _best_relocate(problem: RoutingProblem, routes: list[tuple[int, ...]], times: list[float],
                   worst: int) -> tuple[int, int, tuple[int, ...], tuple[int, ...]] | None:
    """Best move of one hotspot from route ``worst`` to another route lowering max(both times)."""
    cur = times[worst]
    best = None
    best_val = cur - 1e-6
    r = routes[worst]
    svc = problem.service()
    for k, node in enumerate(r):
        rest = r[:k] + r[k + 1 :]
        t_from = problem.route_time_s(worst, rest)
        if t_from >= best_val:
            continue
        for to in range(problem.n_vehicles):
            if to == worst:
                continue
            legs = problem.legs(to)
            path = [problem.depots[to], *routes[to], problem.depots[to]]
            costs = [legs[path[j], node] + legs[node, path[j + 1]] - legs[path[j], path[j + 1]]
                     for j in range(len(path) - 1)]
            j = int(np.argmin(costs))
            t_to = times[to] + costs[j] + svc[node]
            if not np.isfinite(t_to) or t_to > problem.budget(to) + _EPS:
                continue
            val = max(t_from, t_to)
            if val < best_val:
                best_val = val
                new_to = (*routes[to][:j], node, *routes[to][j:])
                best = (node, to, rest, new_to)
    return best


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
