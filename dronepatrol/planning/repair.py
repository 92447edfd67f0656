"""Coverage repair, in metres: every point of the free region within half a spacing of a lane.

Owns finding the pieces of the free region that the laid lanes leave uncovered (lanes buffered by
half a spacing) and covering each from its cell: a loop of the nearest lane out to it and back (a
"bump"), or extra lanes through it, the cell's lanes re-laid by :func:`~dronepatrol.planning.lanes.lanes_in_cell`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon

from dronepatrol.planning.headings import polygons, rot_geom
from dronepatrol.planning.lanes import EDGE_M, CellLanes, lanes_in_cell

#: Coverage is checked against lanes buffered by half a spacing (the buffer's polygon lies inside
#: the true one); uncovered pieces smaller than ``_GAP_M2`` (rounding slivers) are ignored.
_GAP_M2 = 0.05


def _gaps(cells: Sequence[CellLanes], free: Polygon | MultiPolygon, spacing_m: float) -> list[Polygon]:
    """Pieces of ``free`` farther than half a spacing (less a margin) from every lane."""
    geoms = [LineString(p) if len(p) > 1 else shapely.Point(p[0]) for c in cells for p in c.lanes if len(p)]
    if not geoms:
        return polygons(free)
    cover = shapely.union_all(shapely.buffer(np.array(geoms, dtype=object), 0.5 * spacing_m + 1e-6, quad_segs=4))
    left = free.difference(cover)
    return [g for g in polygons(left) if g.area > _GAP_M2]


def repair(
    cells: list[CellLanes], free: Polygon | MultiPolygon, spacing_m: float, tols: dict[float, Polygon]
) -> list[CellLanes]:
    """Make every point of ``free`` (metres) lie within half a spacing of a lane.

    A cell whose lanes follow the region's lines relies on its neighbours' lanes near its bottom
    and top. A piece left uncovered is photographed by a loop of the nearest lane out to it and
    back (a "bump"), or, where that would cost more than a lane or cannot stay in the cell, by one
    extra lane through it. Existing lanes never move, so repairing one cell cannot uncover another.
    """
    r = 0.5 * spacing_m
    for _ in range(_REPAIR_ROUNDS):
        gaps = _gaps(cells, free, spacing_m)
        if not gaps:
            break
        tree = shapely.STRtree([c.polygon for c in cells])
        parts: dict[int, list[Polygon]] = {}
        for g in gaps:
            for i in tree.query(g, predicate="intersects").tolist():
                part = cells[i].polygon.intersection(g)
                if part.area > _GAP_M2:
                    parts.setdefault(i, []).extend(polygons(part))
        changed = False
        for i, pieces in parts.items():
            c = cells[i]
            if c.cell is None:
                continue
            heights = _cell_heights(c, spacing_m)
            bumps = _bumps(c, pieces, r, tols[c.heading_deg])
            if bumps is not None:
                merged = {k: list(v) for k, v in c.bumps.items()}
                for k, v in bumps.items():
                    merged[k] = _merge_ranges(merged.get(k, []) + v, heights[k], spacing_m)
                ys, moved = c.ys, merged
            else:  # extra lanes through the pieces; the cell's other lanes stay where they are
                extra = _stab(c, pieces, r)
                ys = sorted(heights + extra)
                moved = {ys.index(heights[k]): v for k, v in c.bumps.items()}
            cells[i] = lanes_in_cell(c.cell, spacing_m, c.heading_deg, tols[c.heading_deg], ys=ys, bumps=moved,
                                      polygon=c.polygon)
            changed = True
        if not changed:
            break
    return cells


def _stab(c: CellLanes, pieces: list[Polygon], r: float) -> list[float]:
    """Heights (rotated frame) of the fewest extra lanes passing within ``r`` of every piece."""
    cell = c.cell
    assert cell is not None
    spans = []
    for piece in pieces:
        _, y0, _, y1 = rot_geom(piece, c.heading_deg).bounds
        lo, hi = max(cell.yb + EDGE_M, y1 - r), min(cell.yt - EDGE_M, y0 + r)
        spans.append((lo, max(lo, hi)))
    out: list[float] = []
    for lo, hi in sorted(spans, key=lambda t: t[1]):
        if not out or out[-1] < lo - 1e-9:
            out.append(0.5 * (lo + hi) if hi - lo < 2.0 * r else hi)
    return out


#: Rounds of coverage repair (each covers what the previous round left).
_REPAIR_ROUNDS = 4


def _cell_heights(c: CellLanes, spacing_m: float) -> list[float]:
    assert c.cell is not None
    if c.ys is not None:
        return list(c.ys)
    h = c.cell.yt - c.cell.yb
    n = max(1, math.ceil(h / spacing_m - 1e-9))
    return [c.cell.yb + (k + 0.5) * h / n for k in range(n)]


def _bumps(c: CellLanes, pieces: list[Polygon], r: float, tol: Polygon) -> dict[int, list] | None:
    """Loops out of the nearest lanes (rotated frame) photographing the uncovered ``pieces``;
    ``None`` if a loop cannot stay in the cell or costs more than spreading the lanes evenly."""
    cell = c.cell
    assert cell is not None
    heights = _cell_heights(c, 2.0 * r)
    if not heights:
        return None
    out: dict[int, list[tuple[float, float, float]]] = {}
    cost = 0.0
    for piece in pieces:
        x0, y0, x1, y1 = rot_geom(piece, c.heading_deg).bounds
        ym = 0.5 * (y0 + y1)
        k = int(np.argmin([abs(y - ym) for y in heights]))
        y = heights[k]
        yf = max(y, y1 - r * _BUMP_SHARE) if ym >= y else min(y, y0 + r * _BUMP_SHARE)
        lo, hi = min(y, yf), max(y, yf)
        xl = max(_chain_x(cell.left, lo, hi, max), float(np.interp(y, cell.left[:, 1], cell.left[:, 0])))
        xr = min(_chain_x(cell.right, lo, hi, min), float(np.interp(y, cell.right[:, 1], cell.right[:, 0])))
        xa, xb = max(x0, xl + 0.05), min(x1, xr - 0.05)
        if xb - xa < 0.05 or abs(yf - y) < 1e-6:
            return None
        loop = [(xb, y), (xb, yf), (xa, yf), (xa, y)]
        if not tol.covers(LineString(loop)):
            return None
        out.setdefault(k, []).append((xa, xb, yf))
        cost += 2.0 * (xb - xa) + 2.0 * abs(yf - y)
    width = float(np.interp(0.5 * (cell.yb + cell.yt), cell.right[:, 1], cell.right[:, 0])
                  - np.interp(0.5 * (cell.yb + cell.yt), cell.left[:, 1], cell.left[:, 0]))
    if cost > abs(width) + 2.0 * r:
        return None
    return out


#: A bump reaches this share of half a spacing short of the far side of the piece it covers.
_BUMP_SHARE = 0.98


def _chain_x(chain: np.ndarray, y0: float, y1: float, pick) -> float:
    """``pick`` (min or max) of the chain's x over heights y0..y1."""
    xs = [float(np.interp(y0, chain[:, 1], chain[:, 0])), float(np.interp(y1, chain[:, 1], chain[:, 0]))]
    inside = (chain[:, 1] > y0) & (chain[:, 1] < y1)
    xs += chain[inside, 0].tolist()
    return pick(xs)


def _merge_ranges(
    bumps: list[tuple[float, float, float]], y: float, spacing_m: float
) -> list[tuple[float, float, float]]:
    """Bumps of the lane at height ``y``: overlapping or close ones on the same side merged."""
    out: list[tuple[float, float, float]] = []
    for xa, xb, yf in sorted(bumps):
        if out and xa <= out[-1][1] + spacing_m and (yf - y) * (out[-1][2] - y) > 0:
            pa, pb, pf = out[-1]
            out[-1] = (pa, max(pb, xb), yf if abs(yf - y) > abs(pf - y) else pf)
        else:
            out.append((xa, xb, yf))
    return out


__all__ = [
    "repair",
]
