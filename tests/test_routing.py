"""Patrol routing: optimal on small instances, min-max split, drops, shuffle, the local search."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from dronepatrol.planning.minmax import minmax_descent, minmax_lower_bound
from dronepatrol.planning.routing import RoutingProblem, shuffle_routes, solve_routes
from dronepatrol.planning.tour import held_karp_bound, improve_tour, tour_cost


def matrix(pts: np.ndarray) -> np.ndarray:
    return np.hypot(*(pts[:, None] - pts[None]).transpose(2, 0, 1))


def brute_tour(d: np.ndarray, depot: int, nodes: tuple[int, ...]) -> float:
    if not nodes:
        return 0.0
    return min(
        d[depot, p[0]] + sum(d[p[k], p[k + 1]] for k in range(len(p) - 1)) + d[p[-1], depot]
        for p in itertools.permutations(nodes)
    )


@pytest.mark.parametrize("seed", range(4))
def test_improve_tour_finds_the_optimum_of_small_tours(seed: int) -> None:
    rng = np.random.default_rng(seed)
    d = matrix(rng.uniform(0, 1000, (9, 2)))
    tour = improve_tour(d, list(range(9)), kicks=100, rng=random.Random(seed))
    assert tour[0] == 0 and sorted(tour) == list(range(9))
    assert tour_cost(d, tour) == pytest.approx(brute_tour(d, 0, tuple(range(1, 9))), abs=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_one_drone_is_optimal_vs_brute_force(seed: int) -> None:
    rng = np.random.default_rng(10 + seed)
    d = matrix(rng.uniform(0, 1000, (8, 2)))
    svc = np.array([0.0] + [30.0] * 7)
    plan = solve_routes(RoutingProblem(leg_s=d, depots=(0,), service_s=svc), time_limit_s=0.1)
    assert sorted(plan.routes[0]) == list(range(1, 8)) and plan.dropped == ()
    assert plan.times_s[0] == pytest.approx(brute_tour(d, 0, tuple(range(1, 8))) + 210.0, abs=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_two_drones_minimise_the_longest_route_vs_brute_force(seed: int) -> None:
    rng = np.random.default_rng(20 + seed)
    d = matrix(rng.uniform(0, 1000, (9, 2)))  # launch sites 0 and 1, hotspots 2..8
    hot = tuple(range(2, 9))
    best = min(
        max(brute_tour(d, 0, a), brute_tour(d, 1, tuple(h for h in hot if h not in a)))
        for r in range(len(hot) + 1)
        for a in itertools.combinations(hot, r)
    )
    plan = solve_routes(RoutingProblem(leg_s=d, depots=(0, 1)), time_limit_s=0.2)
    assert sorted(plan.routes[0] + plan.routes[1]) == list(hot)
    assert plan.longest_s == pytest.approx(best, abs=1e-6)


def test_dropped_hotspots_are_the_lowest_priority() -> None:
    # launch site at the origin, ten hotspots on a 200 m circle; the budget fits about half
    ang = np.linspace(0, 2 * np.pi, 10, endpoint=False)
    pts = np.vstack([[0, 0], np.column_stack([200 * np.cos(ang), 200 * np.sin(ang)])])
    d = matrix(pts)
    prio = np.array([0, 5, 1, 4, 2, 5, 3, 1, 4, 2, 3])
    svc = np.array([0.0] + [100.0] * 10)
    problem = RoutingProblem(leg_s=d, depots=(0,), service_s=svc, priority=prio, max_time_s=(1000.0,))
    plan = solve_routes(problem, time_limit_s=0.3)
    kept = plan.routes[0]
    assert plan.dropped and kept
    assert plan.times_s[0] <= 1000.0
    assert max(prio[list(plan.dropped)]) <= min(prio[list(kept)])
    assert sorted(prio[list(kept)], reverse=True)[:2] == [5, 5]


def test_unreachable_hotspot_is_dropped_not_fatal() -> None:
    d = matrix(np.array([[0, 0], [100, 0], [0, 100]], dtype=float))
    d[0, 2] = d[2, 0] = d[1, 2] = d[2, 1] = np.inf
    plan = solve_routes(RoutingProblem(leg_s=d, depots=(0,), max_time_s=(1e6,)), time_limit_s=0.1)
    assert plan.routes == ((1,),) and plan.dropped == (2,)


def test_shuffle_stays_within_ten_percent_and_varies_with_the_seed() -> None:
    rng = np.random.default_rng(5)
    d = matrix(rng.uniform(0, 1000, (13, 2)))
    problem = RoutingProblem(leg_s=d, depots=(0,), service_s=np.array([0.0] + [20.0] * 12))
    best = solve_routes(problem, time_limit_s=0.2)
    orders = set()
    for seed in range(6):
        s = shuffle_routes(problem, best, seed=seed)
        assert sorted(s.routes[0]) == sorted(best.routes[0])
        assert s.longest_s <= 1.10 * best.longest_s + 1e-6
        orders.add(s.routes[0])
    assert len(orders) >= 3
    assert shuffle_routes(problem, best, seed=3).routes == shuffle_routes(problem, best, seed=3).routes


def brute_minmax(d: np.ndarray, depots: tuple[int, ...], svc: np.ndarray | None = None) -> float:
    """Exact min-max over every assignment of the hotspots to the launch sites (tiny N only)."""
    hot = [i for i in range(len(d)) if i not in depots]
    extra = (lambda nodes: 0.0) if svc is None else (lambda nodes: float(sum(svc[list(nodes)])))
    best = np.inf
    for lab in itertools.product(range(len(depots)), repeat=len(hot)):
        val = max(
            brute_tour(d, depots[v], nodes) + extra(nodes)
            for v in range(len(depots))
            for nodes in [tuple(h for h, x in zip(hot, lab, strict=True) if x == v)]
        )
        best = min(best, val)
    return float(best)


def random_routes(rng: np.random.Generator, hot: list[int], nv: int) -> list[tuple[int, ...]]:
    order = list(rng.permutation(hot))
    cuts = sorted(rng.integers(0, len(order) + 1, nv - 1))
    bounds = [0, *cuts, len(order)]
    return [tuple(int(x) for x in order[bounds[k] : bounds[k + 1]]) for k in range(nv)]


@pytest.mark.parametrize("seed", range(6))
def test_minmax_descent_never_lengthens_the_longest_route(seed: int) -> None:
    rng = np.random.default_rng(40 + seed)
    d = matrix(rng.uniform(0, 1000, (33, 2)))  # launch sites 0, 1, 2; hotspots 3..32
    svc = np.array([0.0] * 3 + list(rng.uniform(0, 120, 30)))
    problem = RoutingProblem(leg_s=d, depots=(0, 1, 2), service_s=svc)
    start = random_routes(rng, list(range(3, 33)), 3)
    before = max(problem.route_time_s(v, r) for v, r in enumerate(start))
    for moves in (1, 2, 5, None):
        routes = minmax_descent(problem, start, seed=seed, max_moves=moves)
        assert sorted(x for r in routes for x in r) == list(range(3, 33))
        after = [problem.route_time_s(v, r) for v, r in enumerate(routes)]
        assert max(after) <= before + 1e-6
        f = max(after) + 0.01 * sum(after)
        assert f <= max(problem.route_time_s(v, r) for v, r in enumerate(start)) + 0.01 * sum(
            problem.route_time_s(v, r) for v, r in enumerate(start)) + 1e-6
    # a local optimum stays put
    again = minmax_descent(problem, routes, seed=seed)
    assert max(problem.route_time_s(v, r) for v, r in enumerate(again)) == pytest.approx(max(after), abs=1e-6)


def test_minmax_descent_keeps_budgets() -> None:
    rng = np.random.default_rng(7)
    d = matrix(rng.uniform(0, 1000, (23, 2)))
    start = random_routes(rng, list(range(3, 23)), 3)
    times = [RoutingProblem(leg_s=d, depots=(0, 1, 2)).route_time_s(v, r) for v, r in enumerate(start)]
    problem = RoutingProblem(leg_s=d, depots=(0, 1, 2), max_time_s=tuple(t + 1.0 for t in times))
    routes = minmax_descent(problem, start)
    assert all(problem.route_time_s(v, r) <= problem.budget(v) + 1e-6 for v, r in enumerate(routes))


@pytest.mark.parametrize("seed", range(4))
def test_three_drones_reach_the_brute_force_minmax(seed: int) -> None:
    rng = np.random.default_rng(60 + seed)
    d = matrix(rng.uniform(0, 1000, (10, 2)))  # launch sites 0, 1, 2; hotspots 3..9
    svc = np.array([0.0] * 3 + [30.0] * 7)
    problem = RoutingProblem(leg_s=d, depots=(0, 1, 2), service_s=svc)
    best = brute_minmax(d, (0, 1, 2), svc)
    plan = solve_routes(problem, time_limit_s=0.2)
    assert sorted(x for r in plan.routes for x in r) == list(range(3, 10))
    assert plan.longest_s == pytest.approx(best, abs=1e-6)
    bound = minmax_lower_bound(problem)
    assert bound.bound_s <= best + 1e-6


@pytest.mark.parametrize("seed", range(5))
def test_minmax_lower_bound_is_below_the_optimum(seed: int) -> None:
    rng = np.random.default_rng(80 + seed)
    n_hot = 6
    pts = rng.uniform(0, 1000, (3 + n_hot, 2))
    d = matrix(pts)
    svc = np.array([0.0] * 3 + list(rng.uniform(0, 60, n_hot)))
    problem = RoutingProblem(leg_s=d, depots=(0, 1, 2), service_s=svc)
    best = brute_minmax(d, (0, 1, 2), svc)
    bound = minmax_lower_bound(problem, iterations=1000)
    assert 0 < bound.bound_s <= best + 1e-6
    assert bound.bound_s >= bound.trip_s
    # per-drone legs (different speeds): still below the optimum of that problem
    legs = np.stack([d, 1.3 * d, 0.8 * d])
    problem3 = RoutingProblem(leg_s=legs, depots=(0, 1, 2), service_s=svc)
    hot = list(range(3, 3 + n_hot))
    best3 = min(
        max(brute_tour(legs[v], v, tuple(h for h, x in zip(hot, lab, strict=True) if x == v))
            + sum(svc[h] for h, x in zip(hot, lab, strict=True) if x == v) for v in range(3))
        for lab in itertools.product(range(3), repeat=n_hot)
    )
    assert minmax_lower_bound(problem3).bound_s <= best3 + 1e-6


def test_minmax_lower_bound_with_a_lone_far_hotspot_uses_the_round_trip() -> None:
    pts = np.array([[0, 0], [10, 0], [0, 10], [5, 5], [3000, 0]], dtype=float)
    bound = minmax_lower_bound(RoutingProblem(leg_s=matrix(pts), depots=(0, 1, 2)))
    assert bound.bound_s == pytest.approx(2 * 2990.0)


@pytest.mark.parametrize("seed", range(3))
def test_held_karp_bound_is_below_the_optimal_tour(seed: int) -> None:
    rng = np.random.default_rng(90 + seed)
    d = matrix(rng.uniform(0, 1000, (8, 2)))
    opt = brute_tour(d, 0, tuple(range(1, 8)))
    hk = held_karp_bound(d, iterations=500)
    assert hk <= opt + 1e-6 and hk >= 0.9 * opt


def test_three_drone_plans_repeat_exactly_for_a_seed() -> None:
    rng = np.random.default_rng(11)
    d = matrix(rng.uniform(0, 2000, (43, 2)))
    problem = RoutingProblem(leg_s=d, depots=(0, 1, 2))
    a = solve_routes(problem, seed=3)
    b = solve_routes(problem, seed=3)
    assert a.routes == b.routes
    bound = minmax_lower_bound(problem)
    assert bound.bound_s <= a.longest_s
