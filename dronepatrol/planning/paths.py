"""Shortest safe paths in metres: around no-fly areas, never leaving the zone.

:class:`SafeSpace` holds the free region (the zone shrunk by the margin, minus the no-fly areas
grown by the margin) and a visibility graph over its reflex corners. A shortest path between two
points of a polygonal region bends only at reflex corners, so the graph gives exact shortest paths.

>>> from shapely.geometry import box
>>> space = SafeSpace(box(0, 0, 100, 100).difference(box(40, 10, 60, 100)))
>>> [tuple(round(c) for c in p) for p in space.path((20, 50), (80, 50))]
[(20, 50), (40, 10), (60, 10), (80, 50)]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from scipy.sparse.csgraph import shortest_path
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.polygon import orient

XY = tuple[float, float]

#: Segments may graze the free region's boundary by this much (metres) to absorb rounding.
TOLERANCE_M = 0.01


class SafeSpace:
    """Free flight region with exact shortest paths between any two points in it (metres)."""

    def __init__(self, free: Polygon | MultiPolygon, *, tolerance_m: float = TOLERANCE_M) -> None:
        self.free = free
        self._ok = free.buffer(tolerance_m, join_style="mitre")
        shapely.prepare(self._ok)
        self.nodes = _reflex_vertices(free)
        n = len(self.nodes)
        self._dist = np.zeros((0, 0))
        self._pred = np.zeros((0, 0), dtype=int)
        if n:
            i, j = np.triu_indices(n, k=1)
            visible = self._visible_pairs(self.nodes[i], self.nodes[j])
            w = np.full((n, n), np.inf)
            d = np.hypot(*(self.nodes[i] - self.nodes[j]).T)
            w[i[visible], j[visible]] = d[visible]
            w[j[visible], i[visible]] = d[visible]
            np.fill_diagonal(w, 0.0)
            # dense input: inf means no edge; csgraph treats 0 off-diagonal as no edge too,
            # which cannot happen for distinct vertices.
            self._dist, self._pred = shortest_path(
                np.where(np.isinf(w), 0.0, w), method="D", directed=False, return_predecessors=True
            )

    # --- queries --------------------------------------------------------------------------

    def contains(self, p: XY) -> bool:
        """True if the point is in the free region (within the tolerance)."""
        return bool(self._ok.covers(Point(p)))

    def visible(self, a: XY, b: XY) -> bool:
        """True if the straight segment a-b stays in the free region."""
        return bool(self._visible_pairs(np.array([a]), np.array([b]))[0])

    def path(self, a: XY, b: XY) -> list[XY]:
        """Shortest safe polyline from ``a`` to ``b`` (both included), metres.

        Raises ``ValueError`` if no safe path exists (the points are in different parts).
        """
        a, b = tuple(map(float, a)), tuple(map(float, b))
        if self.visible(a, b):
            return [a, b]
        da, db = self._node_dists(np.array([a]))[0], self._node_dists(np.array([b]))[0]
        if not len(self.nodes):
            raise ValueError(f"no safe path from {a} to {b}")
        cost = da[:, None] + self._dist + db[None, :]
        u, v = np.unravel_index(np.argmin(cost), cost.shape)
        if not np.isfinite(cost[u, v]):
            raise ValueError(f"no safe path from {a} to {b}")
        chain = [int(v)]
        while chain[-1] != u:
            chain.append(int(self._pred[u, chain[-1]]))
        return [a, *(tuple(map(float, self.nodes[k])) for k in reversed(chain)), b]

    def distance(self, a: XY, b: XY) -> float:
        """Length in metres of the shortest safe path (``inf`` if there is none)."""
        try:
            return _length(self.path(a, b))
        except ValueError:
            return math.inf

    def distance_matrix(self, points: Sequence[XY]) -> np.ndarray:
        """All-pairs shortest safe distances (metres) between ``points``; ``inf`` if unreachable."""
        pts = np.asarray(points, dtype=float).reshape(-1, 2)
        m = len(pts)
        out = np.full((m, m), np.inf)
        if m == 0:
            return out
        i, j = np.triu_indices(m, k=1)
        vis = self._visible_pairs(pts[i], pts[j])
        direct = np.hypot(*(pts[i] - pts[j]).T)
        out[i[vis], j[vis]] = direct[vis]
        out[j[vis], i[vis]] = direct[vis]
        np.fill_diagonal(out, 0.0)
        if len(self.nodes) and not vis.all():
            a = self._node_dists(pts)  # m x n
            # best[i, v] = min_u a[i, u] + D[u, v]
            best = np.min(a[:, :, None] + self._dist[None, :, :], axis=1)
            through = np.min(best[:, None, :] + a[None, :, :], axis=2)
            out = np.minimum(out, through)
        return out

    def distances(self, a_points: Sequence[XY], b_points: Sequence[XY]) -> np.ndarray:
        """Shortest safe distances (metres) from each point of ``a_points`` to each of ``b_points``.

        An ``(len(a), len(b))`` array, ``inf`` where no safe path exists. Same maths as
        :meth:`distance_matrix`, for two sets of points, in chunks that bound the memory used.

        >>> from shapely.geometry import box
        >>> space = SafeSpace(box(0, 0, 100, 100).difference(box(40, 10, 60, 100)))
        >>> [round(float(d)) for d in space.distances([(20, 50)], [(30, 50), (80, 50)])[0]]
        [10, 109]
        """
        pa = np.asarray(a_points, dtype=float).reshape(-1, 2)
        pb = np.asarray(b_points, dtype=float).reshape(-1, 2)
        if not len(pa) or not len(pb):
            return np.full((len(pa), len(pb)), np.inf)
        ia = np.repeat(np.arange(len(pa)), len(pb))
        ib = np.tile(np.arange(len(pb)), len(pa))
        vis = self._visible_pairs(pa[ia], pb[ib]).reshape(len(pa), len(pb))
        direct = np.hypot(pa[:, None, 0] - pb[None, :, 0], pa[:, None, 1] - pb[None, :, 1])
        out = np.where(vis, direct, np.inf)
        n = len(self.nodes)
        if n and not vis.all():
            da = self._node_dists(pa)
            db = self._node_dists(pb)
            step = max(1, 2_000_000 // (n * n))
            for s in range(0, len(pa), step):
                best = np.min(da[s : s + step, :, None] + self._dist[None, :, :], axis=1)
                via = np.min(best[:, None, :] + db[None, :, :], axis=2)
                out[s : s + step] = np.minimum(out[s : s + step], via)
        return out

    # --- internals ------------------------------------------------------------------------

    def _visible_pairs(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        lines = shapely.linestrings(np.stack([a, b], axis=1))
        return shapely.covers(self._ok, lines)

    def _node_dists(self, pts: np.ndarray) -> np.ndarray:
        """Distances from each point to each visible node, ``inf`` where not visible."""
        n, m = len(self.nodes), len(pts)
        if n == 0:
            return np.zeros((m, 0))
        pi = np.repeat(np.arange(m), n)
        ni = np.tile(np.arange(n), m)
        vis = self._visible_pairs(pts[pi], self.nodes[ni]).reshape(m, n)
        d = np.hypot(*(pts[pi] - self.nodes[ni]).T).reshape(m, n)
        return np.where(vis, d, np.inf)


def _length(points: Sequence[XY]) -> float:
    return sum(math.dist(points[k - 1], points[k]) for k in range(1, len(points)))


def _reflex_vertices(free: Polygon | MultiPolygon) -> np.ndarray:
    """Corners where the free region's interior angle exceeds 180 degrees."""
    out: list[np.ndarray] = []
    polys = free.geoms if isinstance(free, MultiPolygon) else [free]
    for poly in polys:
        if poly.is_empty:
            continue
        poly = orient(poly, 1.0)  # exterior CCW, holes CW: free space on the left of each ring
        for ring in [poly.exterior, *poly.interiors]:
            c = np.asarray(ring.coords)[:-1]
            if len(c) < 3:
                continue
            prev, nxt = np.roll(c, 1, axis=0), np.roll(c, -1, axis=0)
            cross = (c[:, 0] - prev[:, 0]) * (nxt[:, 1] - c[:, 1]) - (c[:, 1] - prev[:, 1]) * (nxt[:, 0] - c[:, 0])
            out.append(c[cross < -1e-9])
    return np.concatenate(out) if out else np.zeros((0, 2))


def free_region(
    area: Polygon | MultiPolygon,
    obstacles: Sequence[Polygon],
    margin_m: float,
    *,
    quad_segs: int = 4,
) -> Polygon | MultiPolygon:
    """The zone shrunk by ``margin_m`` minus every obstacle grown by ``margin_m`` (metres).

    Grown obstacles use ``quad_segs`` segments per quarter circle; their polygon lies outside the
    true buffer, so the margin is kept everywhere.
    """
    free = area.buffer(-margin_m, join_style="mitre") if margin_m > 0 else area
    if obstacles:
        grown = [_outer_buffer(o, margin_m, quad_segs) for o in obstacles]
        free = free.difference(shapely.union_all(grown))
    return free


def _outer_buffer(geom: Polygon, margin_m: float, quad_segs: int) -> Polygon:
    """Buffer whose polygon circumscribes the true round buffer (scaled chord correction).

    GEOS rounds the number of segments of a corner's arc (an arc of 1.5 quanta gets one segment),
    so a chord spans up to 1.5 × 90°/``quad_segs``; the radius is scaled for that widest chord.
    """
    if margin_m <= 0:
        return geom
    half_angle = 1.5 * math.pi / (4 * quad_segs)
    return geom.buffer(margin_m / math.cos(half_angle), quad_segs=quad_segs)


def line_safe(space: SafeSpace, points: Sequence[XY]) -> bool:
    """True if every leg of the polyline stays in the free region."""
    return all(space.visible(points[k - 1], points[k]) for k in range(1, len(points)))


__all__ = ["LineString", "SafeSpace", "free_region", "line_safe"]
