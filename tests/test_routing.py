"""Patrol routing: optimal on small instances, min-max split, drops, shuffle, the local search."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from dronepatrol.planning.routing import (
    RoutingProblem,
    improve_tour,
    shuffle_routes,
    solve_routes,
    tour_cost,
)


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
