"""Ordering a coverage route's cells into one route, in metres.

Owns the visit order (greedy nearest neighbour from the start, then 2-opt), each cell's entry
corner and direction (exact dynamic programme over its four routes), and the shortest safe paths
joining consecutive cells (:class:`~dronepatrol.planning.paths.SafeSpace`).
"""

from __future__ import annotations

import math

import numpy as np

from dronepatrol.planning.lanes import CellLanes
from dronepatrol.planning.paths import SafeSpace
from dronepatrol.planning.segments import XY, Segment


def order_cells(cells: list[CellLanes], space: SafeSpace, start: XY | None) -> list[Segment]:
    """Order cells and pick each cell's entry corner; join them with shortest safe paths (metres)."""
    cells = [c for c in cells if c.lanes]
    if not cells:
        return []
    nc = len(cells)
    entries = [[v[1] for v in c.variants] for c in cells]
    exits = [[v[2] for v in c.variants] for c in cells]
    corner_pts: list[XY] = []
    index: dict[XY, int] = {}
    for c in range(nc):
        for p in entries[c] + exits[c]:
            if p not in index:
                index[p] = len(corner_pts)
                corner_pts.append(p)
    cp = np.asarray(corner_pts)
    if nc > 1 and len(corner_pts) * max(1, len(space.nodes)) <= ORDER_BUDGET:
        dist = space.distances(corner_pts, corner_pts)
    elif nc > 1:  # many cells: straight-line distances steer the order; links stay safe paths
        dist = np.hypot(cp[:, None, 0] - cp[None, :, 0], cp[:, None, 1] - cp[None, :, 1])
    else:
        dist = np.zeros((len(corner_pts), len(corner_pts)))
    if start is not None:
        d0 = space.distances([start], corner_pts)[0]
        d0 = np.where(np.isfinite(d0), d0, np.hypot(*(np.asarray(corner_pts) - np.asarray(start)).T) * 10)
    else:
        d0 = np.zeros(len(corner_pts))
    dist = np.where(np.isfinite(dist), dist, 1e9)
    cost = [[v[0] for v in c.variants] for c in cells]

    def link(c1: int, v1: int, c2: int, v2: int) -> float:
        return float(dist[index[exits[c1][v1]], index[entries[c2][v2]]])

    # greedy nearest neighbour from the start, then 2-opt on the order, then exact variants (DP)
    order: list[int] = []
    left = set(range(nc))
    cur: tuple[int, int] | None = None
    while left:
        best = None
        for c in left:
            for v in range(4):
                d = (d0[index[entries[c][v]]] if cur is None else link(cur[0], cur[1], c, v)) + cost[c][v]
                if best is None or d < best[0]:
                    best = (d, c, v)
        assert best is not None
        _, c, v = best
        order.append(c)
        left.discard(c)
        cur = (c, v)
    variants = _dp_variants(order, cost, link, d0, index, entries)
    order, variants = _two_opt(order, variants, cost, link, d0, index, entries)
    variants = _dp_variants(order, cost, link, d0, index, entries)

    segs: list[Segment] = []
    for c, v in zip(order, variants, strict=True):
        body = cells[c].variants[v][3]()
        if segs:
            a, b = segs[-1].points[-1], body[0].points[0]
            if math.dist(a, b) > 1e-6:
                path = space.path(a, b)  # ValueError if the region is not connected
                segs.append(Segment(points=tuple(path), photo=False))
        segs.extend(body)
    return segs


#: Visibility tests allowed when ordering cells by safe distances (corners x nodes).
ORDER_BUDGET = 40_000
_REV = (1, 0, 3, 2)  # variant index of the same cell flown backwards


def _dp_variants(order, cost, link, d0, index, entries) -> list[int]:
    n = len(order)
    acc = [d0[index[entries[order[0]][v]]] + cost[order[0]][v] for v in range(4)]
    back: list[list[int]] = []
    for i in range(1, n):
        c, p = order[i], order[i - 1]
        new, arg = [], []
        for v in range(4):
            cands = [acc[u] + link(p, u, c, v) for u in range(4)]
            u = int(np.argmin(cands))
            new.append(cands[u] + cost[c][v])
            arg.append(u)
        acc = new
        back.append(arg)
    v = int(np.argmin(acc))
    out = [v]
    for arg in reversed(back):
        v = arg[v]
        out.append(v)
    return out[::-1]


def _two_opt(order, variants, cost, link, d0, index, entries):
    n = len(order)
    if n < 3:
        return order, variants

    def edge(i: int) -> float:  # cost of arriving at position i
        if i == 0:
            return float(d0[index[entries[order[0]][variants[0]]]])
        return link(order[i - 1], variants[i - 1], order[i], variants[i])

    improved, rounds = True, 0
    while improved and rounds < 20:
        improved, rounds = False, rounds + 1
        for i in range(n - 1):
            for j in range(i + 1, n):
                old = edge(i) + (edge(j + 1) if j + 1 < n else 0.0)
                rv_i, rv_j = _REV[variants[j]], _REV[variants[i]]
                # after reversal position i holds order[j] reversed, position j holds order[i] reversed
                new_first = (float(d0[index[entries[order[j]][rv_i]]]) if i == 0
                             else link(order[i - 1], variants[i - 1], order[j], rv_i))
                new_last = link(order[i], rv_j, order[j + 1], variants[j + 1]) if j + 1 < n else 0.0
                if new_first + new_last < old - 1e-6:
                    seg_o = order[i : j + 1][::-1]
                    seg_v = [_REV[v] for v in variants[i : j + 1][::-1]]
                    order[i : j + 1] = seg_o
                    variants[i : j + 1] = seg_v
                    improved = True
    return order, variants


__all__ = [
    "ORDER_BUDGET",
    "order_cells",
]
