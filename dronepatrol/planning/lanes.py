"""Lanes in one cell, in metres: on the region's shared lane lines, or spread over the cell.

Owns laying a cell's lanes (:func:`lanes_in_cell`): on lines exactly a spacing apart in one phase
across the whole region per heading (:func:`lane_phase`, :func:`lane_lines`), with tips that follow
the boundary out to the band's extreme, on into the neighbouring cell if need be; or spread evenly
over the cell (which covers it on its own). Also the links between a cell's lanes along its sides,
the cell's four boustrophedon routes (:func:`with_variants`), the chain helpers they use, and a
quick estimate of the metres flown per cell (:func:`estimate_cell`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from dronepatrol.planning.cells import Cell, cell_polygon, decompose
from dronepatrol.planning.headings import rot, rot_geom
from dronepatrol.planning.segments import XY, Segment, polyline_length

# --- chains --------------------------------------------------------------------------------


def _t_first(cy: np.ndarray, y: float) -> float:
    """Smallest chain parameter where the chain reaches height y (before any jump at y)."""
    j = int(np.searchsorted(cy, y - 1e-9, side="left"))
    if j <= 0:
        return 0.0
    if j >= len(cy):
        return float(len(cy) - 1)
    return j - 1 + (y - cy[j - 1]) / (cy[j] - cy[j - 1])


def _t_last(cy: np.ndarray, y: float) -> float:
    """Largest chain parameter still at height <= y (after any jump at y)."""
    i = int(np.searchsorted(cy, y + 1e-9, side="right")) - 1
    if i >= len(cy) - 1:
        return float(len(cy) - 1)
    if i < 0:
        return 0.0
    return i + (y - cy[i]) / (cy[i + 1] - cy[i])


def _chain_point(chain: np.ndarray, t: float) -> XY:
    i = min(math.floor(t), len(chain) - 2) if len(chain) > 1 else 0
    if len(chain) == 1:
        return (float(chain[0, 0]), float(chain[0, 1]))
    f = t - i
    p = chain[i] + f * (chain[i + 1] - chain[i])
    return (float(p[0]), float(p[1]))


def _chain_path(chain: np.ndarray, t0: float, t1: float) -> list[XY]:
    """Chain polyline from parameter t0 to t1 (either direction), both ends included."""
    lo, hi = min(t0, t1), max(t0, t1)
    pts = [_chain_point(chain, lo)]
    for k in range(math.floor(lo) + 1, math.ceil(hi)):
        if lo < k < hi:
            pts.append((float(chain[k, 0]), float(chain[k, 1])))
    end = _chain_point(chain, hi)
    if math.dist(pts[-1], end) > 1e-9:
        pts.append(end)
    return pts if t0 <= t1 else pts[::-1]


def _band_extreme(chain: np.ndarray, y0: float, y1: float, sign: float) -> float:
    """Chain parameter of the extreme point (min x if sign < 0, max x if > 0) within [y0, y1]."""
    ta, tb = _t_last(chain[:, 1], y0), _t_first(chain[:, 1], y1)
    if tb < ta:
        ta, tb = tb, ta
    cands = [ta, *range(math.floor(ta) + 1, math.ceil(tb)), tb]
    cands = [t for t in cands if ta <= t <= tb]
    xs = [sign * _chain_point(chain, t)[0] for t in cands]
    return float(cands[int(np.argmax(xs))])


# --- lanes in a cell -----------------------------------------------------------------------


@dataclass
class CellLanes:
    """Lanes of one cell in metres (original frame), all stored left-to-right in the rotated frame.

    ``ys`` are the lane heights in the rotated frame when the lanes follow the region's global
    phase (``None``: spread evenly over the cell, which covers the cell on its own); ``bumps``
    (lane index -> ``(x0, x1, y)`` in the rotated frame) are detours of a lane that photograph
    a strip next to it that no other lane reaches.
    """

    heading_deg: float
    lanes: list[list[XY]]
    links_left: list[list[XY]]  # links_left[k]: from lane k's left end to lane k+1's left end
    links_right: list[list[XY]]
    polygon: Polygon
    variants: list[tuple[float, XY, XY, Callable[[], list[Segment]]]] = field(default_factory=list)
    cell: Cell | None = None
    ys: list[float] | None = None
    bumps: dict[int, list[tuple[float, float, float]]] = field(default_factory=dict)


def lanes_in_cell(
    cell: Cell,
    spacing_m: float,
    heading_deg: float,
    tol_poly: Polygon | None,
    ys: Sequence[float] | None = None,
    bumps: dict[int, list[tuple[float, float, float]]] | None = None,
    polygon: Polygon | None = None,
) -> CellLanes:
    """Lanes in metres across ``cell`` (rotated frame) at heights ``ys`` (``None``: evenly spread).

    ``polygon`` is the cell in the original frame if already known.
    """
    reach_m = TIP_REACH * spacing_m
    L, R = cell.left, cell.right
    if ys is None:
        h = cell.yt - cell.yb
        n = max(1, math.ceil(h / spacing_m - 1e-9))
        half = 0.5 * h / n
        heights = [cell.yb + (k + 0.5) * 2.0 * half for k in range(n)]
        lo, hi = cell.yb, cell.yt
    else:
        # lanes on the region's lines: a band may reach past the cell, where the tips follow
        # the boundary on into the neighbouring cell (still the free region's boundary)
        half = 0.5 * spacing_m
        heights = [float(y) for y in ys]
        if cell.left_ext is not None and cell.right_ext is not None:
            L, R = cell.left_ext, cell.right_ext
        lo, hi = -math.inf, math.inf
        reach_m = PHASE_TIP_REACH * spacing_m
    bumps = bumps or {}
    lanes: list[list[XY]] = []
    ends: list[tuple[XY, XY]] = []  # each lane's left and right ends (rotated frame)
    for k, y in enumerate(heights):
        tl, tr = _t_first(L[:, 1], y), _t_first(R[:, 1], y)
        b0, b1 = max(lo, y - half), min(hi, y + half)
        el = _band_extreme(L, b0, b1, -1.0)
        er = _band_extreme(R, b0, b1, 1.0)
        if _chain_point(L, el)[0] > _chain_point(L, tl)[0] - 0.25:
            el = tl
        if _chain_point(R, er)[0] < _chain_point(R, tr)[0] + 0.25:
            er = tr
        left_tip = _trim(_chain_path(L, tl, el), reach_m)[::-1]
        right_tip = _trim(_chain_path(R, tr, er), reach_m)
        mid: list[XY] = []
        for x0, x1, yf in sorted(bumps.get(k, [])):  # a loop out to height yf and back
            mid += [(x1, y), (x1, yf), (x0, yf), (x0, y)]
        lanes.append(_dedupe(left_tip + mid + right_tip))
        ends.append((left_tip[0], right_tip[-1]))
    links_l, links_r = [], []
    ok = tol_poly if tol_poly is not None else cell_polygon(cell).buffer(0.01, join_style="mitre")
    if len(heights) > 1:  # straight links where they stay inside, tested all at once
        e = np.asarray(ends, dtype=float)  # (n, 2 sides, 2)
        straight = shapely.covers(ok, shapely.linestrings(
            np.stack([e[:-1], e[1:]], axis=2).reshape(-1, 2, 2))).reshape(-1, 2)
    for k in range(len(heights) - 1):
        for idx, out in ((0, links_l), (1, links_r)):
            a, b = ends[k][idx], ends[k + 1][idx]
            if straight[k, idx]:
                path = [a, b]
            else:
                chain = L if idx == 0 else R
                path = [a, *_chain_path(chain, _t_near(chain, a), _t_near(chain, b))[1:-1], b]
            out.append(path)
    back = lambda pts: [tuple(map(float, p)) for p in rot(np.asarray(pts), heading_deg, inverse=True)]  # noqa: E731
    return CellLanes(
        heading_deg=heading_deg,
        lanes=[back(p) for p in lanes],
        links_left=[back(p) for p in links_l],
        links_right=[back(p) for p in links_r],
        polygon=polygon if polygon is not None else rot_geom(cell_polygon(cell), heading_deg, inverse=True),
        cell=cell,
        ys=None if ys is None else heights,
        bumps=dict(bumps),
    )


#: A tip stops this many lane spacings short of its band's extreme point (the lane's photos
#: reach half a spacing around it); slightly less than one half for safety.
TIP_REACH = 0.45
#: The same for lanes on the region's lines (exactly a spacing apart: no slack between bands).
PHASE_TIP_REACH = 0.25


def _trim(path: list[XY], reach_m: float) -> list[XY]:
    """The path from its start, stopping ``reach_m`` metres (along it) before its end."""
    total = polyline_length(path)
    keep = total - reach_m
    if keep <= 1e-6:
        return [path[0]]
    out = [path[0]]
    run = 0.0
    for a, b in itertools.pairwise(path):
        d = math.dist(a, b)
        if run + d >= keep:
            f = (keep - run) / d if d > 0 else 0.0
            out.append((a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])))
            return out
        out.append(b)
        run += d
    return out


def _t_near(chain: np.ndarray, p: XY) -> float:
    """Chain parameter of the chain point nearest to ``p`` (p lies on the chain)."""
    a, b = chain[:-1], chain[1:]
    d = b - a
    ln2 = np.maximum((d**2).sum(axis=1), 1e-18)
    f = np.clip(((np.asarray(p) - a) * d).sum(axis=1) / ln2, 0.0, 1.0)
    q = a + f[:, None] * d
    i = int(np.argmin(np.hypot(*(q - np.asarray(p)).T)))
    return i + float(f[i])


def _dedupe(pts: list[XY]) -> list[XY]:
    out = [pts[0]]
    for p in pts[1:]:
        if math.dist(p, out[-1]) > 1e-6:
            out.append(p)
    return out


def _pattern(cl: CellLanes, first_left_to_right: bool) -> list[Segment]:
    """Bottom-up boustrophedon route through the cell's lanes."""
    segs: list[Segment] = []
    ltr = first_left_to_right
    for k, lane in enumerate(cl.lanes):
        segs.append(Segment(points=tuple(lane if ltr else lane[::-1]), photo=True))
        if k < len(cl.lanes) - 1:
            link = cl.links_right[k] if ltr else cl.links_left[k]
            if len(link) >= 2 and polyline_length(link) > 1e-6:
                segs.append(Segment(points=tuple(link), photo=False))
        ltr = not ltr
    return segs


def _reverse(segs: list[Segment]) -> list[Segment]:
    return [Segment(points=tuple(s.points[::-1]), photo=s.photo) for s in reversed(segs)]


def _cost(segs: list[Segment], turn_m: float) -> float:
    return sum(s.length_m for s in segs) + turn_m * sum(1 for s in segs if s.photo)


def with_variants(cl: CellLanes, turn_m: float) -> CellLanes:
    """The cell's four routes (cost in metres with turns, entry, exit, segments) set on ``cl``."""
    variants: list[tuple[float, XY, XY, Callable[[], list[Segment]]]] = []
    if not cl.lanes:  # a sliver its neighbours' lanes cover
        cl.variants = variants
        return cl
    for ltr in (True, False):
        segs = _pattern(cl, ltr)
        c = _cost(segs, turn_m)
        variants.append((c, segs[0].points[0], segs[-1].points[-1], lambda s=segs: s))
        rev = _reverse(segs)
        variants.append((c, rev[0].points[0], rev[-1].points[-1], lambda s=rev: s))
    cl.variants = variants
    return cl


def cells_at(
    region: Polygon | MultiPolygon, heading_deg: float, spacing_m: float, *, turn_m: float = 7.0
) -> list[CellLanes]:
    """Decompose ``region`` for lanes of ``heading_deg`` and lay lanes in each cell."""
    rotated = rot_geom(region, heading_deg)
    tol = rotated.buffer(0.01, join_style="mitre")
    shapely.prepare(tol)
    return [with_variants(lanes_in_cell(c, spacing_m, heading_deg, tol), turn_m) for c in decompose(rotated)]


def lane_phase(region: Polygon | MultiPolygon, heading_deg: float, spacing_m: float) -> float:
    """Height (frame of ``heading_deg``) of the region's first lane line; the others follow every
    ``spacing_m`` metres, centred on the region's extent so that it starts and ends within half a
    spacing of a line."""
    ys = rot(shapely.get_coordinates(region), heading_deg)[:, 1]
    y0, y1 = float(ys.min()), float(ys.max())
    n = max(1, math.ceil((y1 - y0) / spacing_m - 1e-9))
    return y0 + 0.5 * ((y1 - y0) - (n - 1) * spacing_m)


def lane_lines(cell: Cell, y0: float, spacing_m: float) -> list[float]:
    """Heights in metres of the region's lane lines (first at ``y0``, every ``spacing_m``) that cross the cell."""
    k0 = math.ceil((cell.yb + EDGE_M - y0) / spacing_m)
    k1 = math.floor((cell.yt - EDGE_M - y0) / spacing_m)
    return [y0 + k * spacing_m for k in range(k0, k1 + 1)]


#: A lane line closer than this (metres) to a cell's bottom or top is not flown in that cell.
EDGE_M = 1e-6


def estimate_cell(cell: Cell, spacing_m: float, turn_m: float, ys: Sequence[float] | None = None) -> float:
    """Quick estimate of the metres flown to cover a cell (lanes, tips there and back, links).

    ``ys``: the lane heights on the region's lane lines (``None``: spread evenly over the cell).
    """
    if ys is None:
        h = cell.yt - cell.yb
        n = max(1, math.ceil(h / spacing_m - 1e-9))
        half = 0.5 * h / n
        lines = cell.yb + (np.arange(n) + 0.5) * 2.0 * half
        extra = 0.0
    else:
        half = 0.5 * spacing_m
        lines = np.asarray(ys, dtype=float)
        n = len(lines)
        if n == 0:  # a sliver between two lines: its neighbours' lanes or a repair cover it
            ym = 0.5 * (cell.yb + cell.yt)
            w = float(np.interp(ym, cell.right[:, 1], cell.right[:, 0])
                      - np.interp(ym, cell.left[:, 1], cell.left[:, 0]))
            return 0.5 * (abs(w) + turn_m)
        # a strip beyond half a spacing at either end needs a neighbour's lane or a repair
        extra = spacing_m * ((cell.yt - lines[-1] > half + 1e-6) + (lines[0] - cell.yb > half + 1e-6))
    b0, b1 = np.maximum(cell.yb, lines - half), np.minimum(cell.yt, lines + half)
    total = extra
    xs = []
    for chain, sign in ((cell.left, -1.0), (cell.right, 1.0)):
        cy, cx = chain[:, 1], chain[:, 0]
        x_lane = np.interp(lines, cy, cx)
        ext = np.maximum(sign * np.interp(b0, cy, cx), sign * np.interp(b1, cy, cx))
        ext = np.maximum(ext, sign * x_lane)
        idx = np.clip(np.rint((cy - lines[0]) / (2.0 * half)).astype(int), 0, n - 1)
        inside = np.abs(cy - lines[idx]) <= half + 1e-9
        np.maximum.at(ext, idx[inside], sign * cx[inside])
        total += 2.0 * float(np.maximum(ext - sign * x_lane - TIP_REACH * spacing_m, 0.0).sum())
        xs.append(x_lane)
    total += float(np.abs(xs[1] - xs[0]).sum()) + (n - 1) * 2.0 * half + n * turn_m
    return total


__all__ = [
    "EDGE_M",
    "PHASE_TIP_REACH",
    "TIP_REACH",
    "CellLanes",
    "cells_at",
    "estimate_cell",
    "lane_lines",
    "lane_phase",
    "lanes_in_cell",
    "with_variants",
]
