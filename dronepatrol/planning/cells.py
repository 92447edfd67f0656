"""Boustrophedon cells of a region, in metres, in the rotated frame where lanes run along x.

Owns the decomposition (:func:`decompose`): a cell is split only where a horizontal line's
crossings with the region change (a hole or a notch starts or ends), so every horizontal line
crosses a cell in one interval. A :class:`Cell` is given by its left and right chains (bottom ->
top), optionally continued along the region's boundary into the cells below and above.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient

from dronepatrol.planning.headings import polygons
from dronepatrol.planning.segments import XY

# --- boustrophedon decomposition (rotated frame: lanes along x) ----------------------------


@dataclass
class Cell:
    """A cell (rotated frame, metres) crossed by every horizontal line in one interval; chains bottom -> top."""

    yb: float
    yt: float
    left: np.ndarray  # (m, 2) polyline, y non-decreasing
    right: np.ndarray
    #: the same chains continued along the region's boundary into the cells below and above
    #: (as far as it runs on without a break, up to ``reach`` metres), for lane tips
    left_ext: np.ndarray | None = None
    right_ext: np.ndarray | None = None


def _clean_levels(ys: np.ndarray) -> np.ndarray:
    ys = np.unique(ys)
    keep = np.concatenate([[True], np.diff(ys) > 1e-6])
    return ys[keep]


def decompose(region: Polygon | MultiPolygon, *, reach: float = 0.0) -> list[Cell]:
    """Boustrophedon cells of a region given in a frame where lanes run along x.

    With ``reach`` > 0, each cell's chains are also given continued along the region's boundary
    up to ``reach`` metres below its bottom and above its top (``left_ext``, ``right_ext``).
    """
    polys = [orient(p, 1.0) for p in polygons(region)]
    if not polys:
        return []
    rings = [np.asarray(r.coords) for p in polys for r in (p.exterior, *p.interiors)]
    p0 = np.concatenate([r[:-1] for r in rings])
    p1 = np.concatenate([r[1:] for r in rings])
    lo = np.minimum(p0[:, 1], p1[:, 1])
    hi = np.maximum(p0[:, 1], p1[:, 1])
    slanted = hi - lo > 1e-9
    p0, p1, lo, hi = p0[slanted], p1[slanted], lo[slanted], hi[slanted]
    levels = _clean_levels(np.concatenate([lo, hi]))
    dxdy = (p1[:, 0] - p0[:, 0]) / (p1[:, 1] - p0[:, 1])

    # all slabs at once: active edges at each slab's mid-height, sorted by x, paired in/out
    y0s, y1s = levels[:-1], levels[1:]
    ym = 0.5 * (y0s + y1s)
    active = (lo[None, :] <= ym[:, None]) & (hi[None, :] >= ym[:, None])
    xm = np.where(active, p0[None, :, 0] + (ym[:, None] - p0[None, :, 1]) * dxdy[None, :], np.inf)
    order = np.argsort(xm, axis=1)
    counts = active.sum(axis=1)
    width = int(counts.max()) if len(counts) else 0
    order = order[:, :width]
    ex = p0[order, 0]
    ey = p0[order, 1]
    slope = dxdy[order]
    xb = (ex + (y0s[:, None] - ey) * slope).tolist()
    xt = (ex + (y1s[:, None] - ey) * slope).tolist()
    slabs: list[list[tuple[float, float, float, float]]] = []
    for j, c in enumerate(counts.tolist()):
        b, t = xb[j], xt[j]
        slabs.append([(b[k], t[k], b[k + 1], t[k + 1]) for k in range(0, c - 1, 2)])

    # merge slabs into cells where the connection is one-to-one
    cells: list[list[tuple[int, tuple[float, float, float, float]]]] = []
    prev_ids: list[int] = []
    for j, traps in enumerate(slabs):
        ids: list[int] = []
        if j == 0:
            ups: list[list[int]] = []
            downs: list[list[int]] = [[] for _ in traps]
        else:
            below = slabs[j - 1]
            ups = [[] for _ in below]
            downs = [[] for _ in traps]
            for a, tb in enumerate(below):
                for b, ta in enumerate(traps):
                    if max(tb[1], ta[0]) < min(tb[3], ta[2]) - 1e-7:
                        ups[a].append(b)
                        downs[b].append(a)
        for b, t in enumerate(traps):
            d = downs[b]
            if len(d) == 1 and len(ups[d[0]]) == 1:
                cid = prev_ids[d[0]]
            else:
                cid = len(cells)
                cells.append([])
            cells[cid].append((j, t))
            ids.append(cid)
        prev_ids = ids

    out: list[Cell] = []
    for traps in cells:
        left: list[tuple[float, float]] = []
        right: list[tuple[float, float]] = []
        for j, (xl0, xl1, xr0, xr1) in traps:
            y0, y1 = float(levels[j]), float(levels[j + 1])
            for chain, pts in ((left, ((xl0, y0), (xl1, y1))), (right, ((xr0, y0), (xr1, y1)))):
                for p in pts:
                    if not chain or abs(chain[-1][0] - p[0]) > 1e-9 or abs(chain[-1][1] - p[1]) > 1e-9:
                        chain.append(p)
        yb, yt = float(levels[traps[0][0]]), float(levels[traps[-1][0] + 1])
        cell = Cell(yb=yb, yt=yt, left=np.array(_drop_collinear(left)), right=np.array(_drop_collinear(right)))
        if reach > 0:
            ext = []
            for side in (0, 2):  # left edge (xl0, xl1), right edge (xr0, xr1)
                below = _walk(slabs, levels, traps[0][0], traps[0][1], side, -1, yb - reach)
                above = _walk(slabs, levels, traps[-1][0], traps[-1][1], side, 1, yt + reach)
                own = cell.left if side == 0 else cell.right
                ext.append(np.array(below[::-1] + [tuple(p) for p in own] + above))
            cell.left_ext, cell.right_ext = ext
        out.append(cell)
    return out


def _walk(slabs, levels, j: int, t: tuple, side: int, step: int, limit: float) -> list[XY]:
    """Boundary points continuing a trapezoid's side (0 left, 2 right) from slab to slab."""
    out: list[XY] = []
    while True:
        x = t[side + 1] if step > 0 else t[side]  # where the side leaves this slab
        j += step
        if j < 0 or j >= len(slabs):
            break
        nxt = [u for u in slabs[j] if abs((u[side] if step > 0 else u[side + 1]) - x) < 1e-6]
        if len(nxt) != 1:
            break
        t = nxt[0]
        y = float(levels[j + 1] if step > 0 else levels[j])
        out.append((t[side + 1] if step > 0 else t[side], y))
        if (y - limit) * step >= 0:
            break
    return out


def _drop_collinear(pts: list[XY]) -> list[XY]:
    if len(pts) < 3:
        return pts
    out = [pts[0]]
    for i in range(1, len(pts) - 1):
        a, b, c = out[-1], pts[i], pts[i + 1]
        cross = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        if abs(cross) > 1e-9 * max(1.0, math.dist(a, c) ** 2):
            out.append(b)
    out.append(pts[-1])
    return out


def cell_polygon(cell: Cell) -> Polygon:
    """The cell's outline as a polygon (rotated frame, metres)."""
    ring = [tuple(p) for p in cell.right] + [tuple(p) for p in cell.left[::-1]]
    return Polygon(ring).buffer(0)


__all__ = [
    "Cell",
    "cell_polygon",
    "decompose",
]
