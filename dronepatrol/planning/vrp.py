"""The patrol routing problem and its plans: leg times per drone, launch sites, dwell, priorities
and time budgets. Seconds throughout."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

#: Times closer than this (seconds) count as equal.
EPS = 1e-7


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


def plan_of(
    problem: RoutingProblem, routes: Sequence[Sequence[int]], dropped: Sequence[int] = (), stats: dict | None = None
) -> RoutePlan:
    """A :class:`RoutePlan` with the times of ``routes`` computed."""
    routes = tuple(tuple(int(x) for x in r) for r in routes)
    return RoutePlan(
        routes=routes,
        dropped=tuple(sorted(int(x) for x in dropped)),
        times_s=tuple(problem.route_time_s(v, r) for v, r in enumerate(routes)),
        stats=stats or {},
    )


__all__ = ["EPS", "RoutePlan", "RoutingProblem", "plan_of"]
