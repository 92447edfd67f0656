"""Coverage paths in metres: boustrophedon cells, lanes per cell at the best angle, safe links.

The free region (zone part shrunk by the margin, minus no-fly areas grown by the margin) is cut
into *cells* by a boustrophedon decomposition: in a frame where the lanes run along x, a cell is
split only where a horizontal line's crossings with the region change (a hole or a notch starts
or ends), so every horizontal line crosses a cell in one interval. Each cell gets lanes at its
own best angle (fewest metres flown, turns counted). Lanes lie on lines exactly ``spacing`` apart
in one phase across the whole region (per heading), so the cells beside a hole continue the lines
of the cells around them instead of each rounding its own lane count up; where a cell's side
bulges beyond a lane's end inside its band, the lane follows the boundary out to the band's
extreme ("tips"), on into the neighbouring cell if need be. The lanes' coverage is then checked
(lanes buffered by half a spacing against the free region): a piece left uncovered (under a
hole's bottom, beside a notch) gets a loop of the nearest lane out to it, or an extra lane
through it; where that costs more than spreading each cell's lanes evenly over it (the older
layout, which covers each cell on its own), the even spread is used. So every point of the free
region lies within half a lane spacing of a photographed lane. Everything is
inside the free region: lanes, tips and links between lanes follow the cell boundary; links
between cells are shortest safe paths (:class:`~dronepatrol.planning.paths.SafeSpace`).

Angles are lane headings in degrees clockwise from north (0: lanes run north-south, 90:
east-west), as QGroundControl's survey "Angle".

>>> from shapely.geometry import box
>>> route = plan_coverage(box(0, 0, 300, 100), spacing_m=25.0)
>>> route.angles_deg[0], len(route.lanes)
(90.0, 4)
>>> round(covered_fraction(route.lanes, box(0, 0, 300, 100), 12.5), 4)
1.0
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.polygon import orient

from dronepatrol.planning.flight_time import FlightModel
from dronepatrol.planning.paths import SafeSpace

XY = tuple[float, float]
_EPS = 1e-7

# --- public records ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Segment:
    """A piece of route: a polyline in metres, photographed (``photo``) or a link (camera off)."""

    points: tuple[XY, ...]
    photo: bool

    @property
    def length_m(self) -> float:
        return _polyline_length(self.points)


@dataclass(frozen=True, kw_only=True)
class CoverageRoute:
    """An ordered coverage route: lanes (``photo``) alternating with safe links, metres."""

    segments: tuple[Segment, ...]
    cells: tuple[Polygon, ...] = ()
    angles_deg: tuple[float, ...] = ()
    spacing_m: float = 0.0

    @property
    def lanes(self) -> list[tuple[XY, ...]]:
        """The photographed polylines, in flight order."""
        return [s.points for s in self.segments if s.photo]

    @property
    def length_m(self) -> float:
        """Total length in metres from the first lane's start to the last lane's end."""
        return sum(s.length_m for s in self.segments)

    @property
    def lane_length_m(self) -> float:
        return sum(s.length_m for s in self.segments if s.photo)

    @property
    def start(self) -> XY | None:
        return self.segments[0].points[0] if self.segments else None

    @property
    def end(self) -> XY | None:
        return self.segments[-1].points[-1] if self.segments else None


# --- geometry helpers ----------------------------------------------------------------------


def _polyline_length(points: Sequence[XY]) -> float:
    if len(points) < 2:
        return 0.0
    a = np.asarray(points, dtype=float)
    return float(np.hypot(*np.diff(a, axis=0).T).sum())


def _rot(points: np.ndarray, heading_deg: float, *, inverse: bool = False) -> np.ndarray:
    """Rotate metric points so lanes of ``heading_deg`` run along +x (``inverse`` undoes it)."""
    beta = math.radians(90.0 - heading_deg)  # lane direction, counter-clockwise from east
    ang = beta if inverse else -beta
    c, s = math.cos(ang), math.sin(ang)
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    return np.column_stack([c * pts[:, 0] - s * pts[:, 1], s * pts[:, 0] + c * pts[:, 1]])


def _rot_geom(geom, heading_deg: float, *, inverse: bool = False):
    return shapely.transform(geom, lambda c: _rot(c, heading_deg, inverse=inverse))


def _polygons(region: Polygon | MultiPolygon) -> list[Polygon]:
    if region.is_empty:
        return []
    if isinstance(region, Polygon):
        return [region]
    if isinstance(region, MultiPolygon):
        return [g for g in region.geoms if not g.is_empty]
    return [g for g in getattr(region, "geoms", []) if isinstance(g, Polygon) and not g.is_empty]


def heading_of(a: XY, b: XY) -> float:
    """Heading in degrees clockwise from north of the direction a -> b, folded to [0, 180)."""
    return math.degrees(math.atan2(b[0] - a[0], b[1] - a[1])) % 180.0


def edge_headings(region: Polygon | MultiPolygon, *, limit: int = 8) -> list[float]:
    """Distinct lane-heading candidates (degrees) from the region's longest edges and its hull."""
    weights: dict[float, float] = {}
    polys = _polygons(region)
    rings = [p.exterior for p in polys] + [r for p in polys for r in p.interiors]
    rings += [p.convex_hull.exterior for p in polys if isinstance(p.convex_hull, Polygon)]
    for ring in rings:
        c = np.asarray(ring.coords)
        d = np.diff(c, axis=0)
        lengths = np.hypot(d[:, 0], d[:, 1])
        heads = np.degrees(np.arctan2(d[:, 0], d[:, 1])) % 180.0
        for h, w in zip(heads, lengths, strict=True):
            key = round(float(h) * 2) / 2 % 180.0  # half-degree bins
            weights[key] = weights.get(key, 0.0) + float(w)
    hw = min_width_heading(region)
    if hw is not None:
        weights[round(hw * 2) / 2 % 180.0] = math.inf
    ranked = sorted(weights, key=lambda k: -weights[k])
    out: list[float] = []
    for h in ranked:
        if all(min(abs(h - o), 180 - abs(h - o)) > 2.0 for o in out):
            out.append(h)
        if len(out) >= limit:
            break
    return out


def min_width_heading(region: Polygon | MultiPolygon) -> float | None:
    """Lane heading (degrees) along which the convex hull is narrowest across (fewest lanes)."""
    hull = region.convex_hull
    if not isinstance(hull, Polygon) or hull.area <= 0:
        return None
    c = np.asarray(hull.exterior.coords)
    best, best_h = math.inf, None
    for i in range(len(c) - 1):
        d = c[i + 1] - c[i]
        n = math.hypot(*d)
        if n < 1e-9:
            continue
        normal = np.array([-d[1], d[0]]) / n
        w = float(np.ptp(c @ normal))
        if w < best:
            best, best_h = w, heading_of(tuple(c[i]), tuple(c[i + 1]))
    return best_h


def min_width_m(region: Polygon | MultiPolygon) -> float:
    """Minimum width in metres of the region's convex hull (rotating calipers)."""
    hull = region.convex_hull
    if not isinstance(hull, Polygon) or hull.area <= 0:
        return 0.0
    c = np.asarray(hull.exterior.coords)
    best = math.inf
    for i in range(len(c) - 1):
        d = c[i + 1] - c[i]
        n = math.hypot(*d)
        if n > 1e-9:
            best = min(best, float(np.ptp(c @ (np.array([-d[1], d[0]]) / n))))
    return best


# --- boustrophedon decomposition (rotated frame: lanes along x) ----------------------------


@dataclass
class _Cell:
    """A cell crossed by every horizontal line in one interval; chains bottom -> top."""

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


def decompose(region: Polygon | MultiPolygon, *, reach: float = 0.0) -> list[_Cell]:
    """Boustrophedon cells of a region given in a frame where lanes run along x.

    With ``reach`` > 0, each cell's chains are also given continued along the region's boundary
    up to ``reach`` metres below its bottom and above its top (``left_ext``, ``right_ext``).
    """
    polys = [orient(p, 1.0) for p in _polygons(region)]
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

    out: list[_Cell] = []
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
        cell = _Cell(yb=yb, yt=yt, left=np.array(_drop_collinear(left)), right=np.array(_drop_collinear(right)))
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


def _cell_polygon(cell: _Cell) -> Polygon:
    ring = [tuple(p) for p in cell.right] + [tuple(p) for p in cell.left[::-1]]
    return Polygon(ring).buffer(0)


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
class _CellLanes:
    """Lanes of one cell (original frame), all stored left-to-right in the rotated frame.

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
    cell: _Cell | None = None
    ys: list[float] | None = None
    bumps: dict[int, list[tuple[float, float, float]]] = field(default_factory=dict)


def _lanes_in_cell(
    cell: _Cell,
    spacing_m: float,
    heading_deg: float,
    tol_poly: Polygon | None,
    ys: Sequence[float] | None = None,
    bumps: dict[int, list[tuple[float, float, float]]] | None = None,
    polygon: Polygon | None = None,
) -> _CellLanes:
    """Lanes across ``cell`` (rotated frame) at heights ``ys`` (``None``: evenly spread).

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
    ok = tol_poly if tol_poly is not None else _cell_polygon(cell).buffer(0.01, join_style="mitre")
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
    back = lambda pts: [tuple(map(float, p)) for p in _rot(np.asarray(pts), heading_deg, inverse=True)]  # noqa: E731
    return _CellLanes(
        heading_deg=heading_deg,
        lanes=[back(p) for p in lanes],
        links_left=[back(p) for p in links_l],
        links_right=[back(p) for p in links_r],
        polygon=polygon if polygon is not None else _rot_geom(_cell_polygon(cell), heading_deg, inverse=True),
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
    total = _polyline_length(path)
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


def _pattern(cl: _CellLanes, first_left_to_right: bool) -> list[Segment]:
    """Bottom-up boustrophedon route through the cell's lanes."""
    segs: list[Segment] = []
    ltr = first_left_to_right
    for k, lane in enumerate(cl.lanes):
        segs.append(Segment(points=tuple(lane if ltr else lane[::-1]), photo=True))
        if k < len(cl.lanes) - 1:
            link = cl.links_right[k] if ltr else cl.links_left[k]
            if len(link) >= 2 and _polyline_length(link) > 1e-6:
                segs.append(Segment(points=tuple(link), photo=False))
        ltr = not ltr
    return segs


def _reverse(segs: list[Segment]) -> list[Segment]:
    return [Segment(points=tuple(s.points[::-1]), photo=s.photo) for s in reversed(segs)]


def _cost(segs: list[Segment], turn_m: float) -> float:
    return sum(s.length_m for s in segs) + turn_m * sum(1 for s in segs if s.photo)


def _with_variants(cl: _CellLanes, turn_m: float) -> _CellLanes:
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
) -> list[_CellLanes]:
    """Decompose ``region`` for lanes of ``heading_deg`` and lay lanes in each cell."""
    rotated = _rot_geom(region, heading_deg)
    tol = rotated.buffer(0.01, join_style="mitre")
    shapely.prepare(tol)
    return [_with_variants(_lanes_in_cell(c, spacing_m, heading_deg, tol), turn_m) for c in decompose(rotated)]


def _phase(region: Polygon | MultiPolygon, heading_deg: float, spacing_m: float) -> float:
    """Height (frame of ``heading_deg``) of the region's first lane line; the others follow every
    ``spacing_m`` metres, centred on the region's extent so that it starts and ends within half a
    spacing of a line."""
    ys = _rot(shapely.get_coordinates(region), heading_deg)[:, 1]
    y0, y1 = float(ys.min()), float(ys.max())
    n = max(1, math.ceil((y1 - y0) / spacing_m - 1e-9))
    return y0 + 0.5 * ((y1 - y0) - (n - 1) * spacing_m)


def _lines(cell: _Cell, y0: float, spacing_m: float) -> list[float]:
    """The region's lane lines (first at ``y0``, every ``spacing_m``) that cross the cell."""
    k0 = math.ceil((cell.yb + _EDGE_M - y0) / spacing_m)
    k1 = math.floor((cell.yt - _EDGE_M - y0) / spacing_m)
    return [y0 + k * spacing_m for k in range(k0, k1 + 1)]


#: A lane line closer than this (metres) to a cell's bottom or top is not flown in that cell.
_EDGE_M = 1e-6


def _estimate(cell: _Cell, spacing_m: float, turn_m: float, ys: Sequence[float] | None = None) -> float:
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


def _choose_cells(
    free: Polygon | MultiPolygon, spacing_m: float, angle_deg: float | None, turn_m: float
) -> list[_CellLanes]:
    """Pick the decomposition heading and each cell's lane heading; lay the lanes.

    Lanes lie on lines every ``spacing_m`` in one phase across the whole region (per heading),
    so a cell's lanes continue its neighbours' instead of being rounded up cell by cell.
    """
    link_m = 2.0 * spacing_m + turn_m
    phases: dict[float, float] = {}

    def phase(h: float) -> float:
        if h not in phases:
            phases[h] = _phase(free, h, spacing_m)
        return phases[h]

    if angle_deg is not None:
        theta = angle_deg % 180.0
        plan = [(theta, c) for c in decompose(_rot_geom(free, theta), reach=spacing_m)]
    else:
        # search on plain cells (no chain extensions: cheaper), then decompose the choice again;
        # costs estimated two ways (lanes on the region's lines / spread per cell), best of each
        best: list[tuple[float, float, list[tuple[float, Polygon | None, int]]] | None] = [None, None]
        for theta in edge_headings(free, limit=5):
            cells = decompose(_rot_geom(free, theta))
            y0 = phase(theta)
            totals = [link_m * max(0, len(cells) - 1)] * 2
            chosen: list[list[tuple[float, Polygon | None, int]]] = [[], []]
            for ci, c in enumerate(cells):
                opts = []
                for mode in (0, 1):
                    ys = _lines(c, y0, spacing_m) if mode == 0 else None
                    opts.append((_estimate(c, spacing_m, turn_m, ys), [(theta, None, ci)]))
                poly = None
                for phi in _cell_headings(c, theta):
                    if poly is None:
                        poly = _rot_geom(_cell_polygon(c), theta, inverse=True)
                    sub = decompose(_rot_geom(poly, phi))
                    # cells at another heading get no help from their neighbours: spread per cell
                    cost = sum(_estimate(sc, spacing_m, turn_m) for sc in sub) + link_m * (len(sub) - 1)
                    for mode in (0, 1):
                        if cost < opts[mode][0] - 1e-6:
                            opts[mode] = (cost, [(phi, poly, k) for k in range(len(sub))])
                for mode in (0, 1):
                    chosen[mode].extend(opts[mode][1])
                    totals[mode] += opts[mode][0]
                if all(bm is not None and t >= bm[0] for bm, t in zip(best, totals, strict=True)):
                    break
            for mode in (0, 1):
                bm = best[mode]
                if bm is None or totals[mode] < bm[0] - 1e-6:
                    best[mode] = (totals[mode], theta, chosen[mode])
        candidates = []
        for bm in best:
            assert bm is not None
            if all(bm[1:] != c[1:] for c in candidates):
                candidates.append(bm)
        wholes: dict[float, list[_Cell]] = {}
        subs: dict[int, list[_Cell]] = {}
        results = []
        for _, theta, chosen_m in candidates:
            if theta not in wholes:
                wholes[theta] = decompose(_rot_geom(free, theta), reach=spacing_m)
            plan = []
            for heading, poly, k in chosen_m:
                if poly is None:
                    plan.append((heading, wholes[theta][k]))
                else:
                    if id(poly) not in subs:
                        subs[id(poly)] = decompose(_rot_geom(poly, heading), reach=spacing_m)
                    plan.append((heading, subs[id(poly)][k]))
            results.append(_lay(plan, free, spacing_m, turn_m, phase))
        return min(results, key=lambda r: r[0])[1]
    return _lay(plan, free, spacing_m, turn_m, phase)[1]


def _lay(
    plan: list[tuple[float, _Cell]], free: Polygon | MultiPolygon, spacing_m: float, turn_m: float, phase
) -> tuple[float, list[_CellLanes]]:
    """Lanes of the cells ``plan`` (heading, cell), covering ``free``; and their estimated metres."""
    tols: dict[float, Polygon] = {}
    for heading, _ in plan:
        if heading not in tols:
            tols[heading] = _rot_geom(free, heading).buffer(0.01, join_style="mitre")
            shapely.prepare(tols[heading])
    lined = [_lanes_in_cell(cell, spacing_m, heading, tols[heading], ys=_lines(cell, phase(heading), spacing_m))
             for heading, cell in plan]
    lined = _repair(lined, free, spacing_m, tols)
    # lanes on the region's lines usually cost less; spread them per cell where they do not
    even = [_lanes_in_cell(cell, spacing_m, heading, tols[heading], polygon=c.polygon)
            for (heading, cell), c in zip(plan, lined, strict=True)]
    cost_l, cost_e = _layout_m(lined, turn_m), _layout_m(even, turn_m)
    out = lined if cost_l <= cost_e else even
    link_m = 2.0 * spacing_m + turn_m
    cost = min(cost_l, cost_e) + link_m * sum(1 for c in out if c.lanes)
    return cost, [_with_variants(c, turn_m) for c in out]


def _layout_m(cells: Sequence[_CellLanes], turn_m: float) -> float:
    """Metres of lanes and of the links inside cells, turns counted."""
    total = 0.0
    for c in cells:
        total += sum(_polyline_length(p) for p in c.lanes) + turn_m * len(c.lanes)
        total += sum(min(_polyline_length(a), _polyline_length(b)) for a, b in zip(c.links_left, c.links_right,
                                                                                   strict=True))
    return total


#: Coverage is checked against lanes buffered by half a spacing (the buffer's polygon lies inside
#: the true one); uncovered pieces smaller than ``_GAP_M2`` (rounding slivers) are ignored.
_GAP_M2 = 0.05


def _gaps(cells: Sequence[_CellLanes], free: Polygon | MultiPolygon, spacing_m: float) -> list[Polygon]:
    """Pieces of ``free`` farther than half a spacing (less a margin) from every lane."""
    geoms = [LineString(p) if len(p) > 1 else shapely.Point(p[0]) for c in cells for p in c.lanes if len(p)]
    if not geoms:
        return _polygons(free)
    cover = shapely.union_all(shapely.buffer(np.array(geoms, dtype=object), 0.5 * spacing_m + 1e-6, quad_segs=4))
    left = free.difference(cover)
    return [g for g in _polygons(left) if g.area > _GAP_M2]


def _repair(
    cells: list[_CellLanes], free: Polygon | MultiPolygon, spacing_m: float, tols: dict[float, Polygon]
) -> list[_CellLanes]:
    """Make every point of ``free`` lie within half a spacing of a lane.

    A cell whose lanes follow the region's lines relies on its neighbours' lanes near its bottom
    and top. A piece left uncovered is photographed by a loop of the nearest lane out to it and
    back (a "bump"), or, where that would cost more than a lane or cannot stay in the cell, the
    cell's lanes are spread evenly over it instead (which covers the cell on its own).
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
                    parts.setdefault(i, []).extend(_polygons(part))
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
            cells[i] = _lanes_in_cell(c.cell, spacing_m, c.heading_deg, tols[c.heading_deg], ys=ys, bumps=moved,
                                      polygon=c.polygon)
            changed = True
        if not changed:
            break
    return cells


def _stab(c: _CellLanes, pieces: list[Polygon], r: float) -> list[float]:
    """Heights (rotated frame) of the fewest extra lanes passing within ``r`` of every piece."""
    cell = c.cell
    assert cell is not None
    spans = []
    for piece in pieces:
        _, y0, _, y1 = _rot_geom(piece, c.heading_deg).bounds
        lo, hi = max(cell.yb + _EDGE_M, y1 - r), min(cell.yt - _EDGE_M, y0 + r)
        spans.append((lo, max(lo, hi)))
    out: list[float] = []
    for lo, hi in sorted(spans, key=lambda t: t[1]):
        if not out or out[-1] < lo - 1e-9:
            out.append(0.5 * (lo + hi) if hi - lo < 2.0 * r else hi)
    return out


#: Rounds of coverage repair (the last spreads a failing cell's lanes evenly).
_REPAIR_ROUNDS = 4


def _cell_heights(c: _CellLanes, spacing_m: float) -> list[float]:
    assert c.cell is not None
    if c.ys is not None:
        return list(c.ys)
    h = c.cell.yt - c.cell.yb
    n = max(1, math.ceil(h / spacing_m - 1e-9))
    return [c.cell.yb + (k + 0.5) * h / n for k in range(n)]


def _bumps(c: _CellLanes, pieces: list[Polygon], r: float, tol: Polygon) -> dict[int, list] | None:
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
        x0, y0, x1, y1 = _rot_geom(piece, c.heading_deg).bounds
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


def _cell_headings(cell: _Cell, theta: float, limit: int = 2) -> list[float]:
    """Lane headings (degrees) along the cell's longest sides, other than ``theta``."""
    weights: dict[float, float] = {}
    for chain in (cell.left, cell.right):
        d = np.diff(chain, axis=0)
        lengths = np.hypot(d[:, 0], d[:, 1])
        # a side at angle a (degrees from +x) in the rotated frame has heading theta - a
        heads = (theta - np.degrees(np.arctan2(d[:, 1], d[:, 0]))) % 180.0
        for hd, w in zip(heads, lengths, strict=True):
            key = round(float(hd) * 2) / 2 % 180.0
            weights[key] = weights.get(key, 0.0) + float(w)
    out: list[float] = []
    for hd in sorted(weights, key=lambda k: -weights[k]):
        if min(abs(hd - theta), 180 - abs(hd - theta)) > 2.0 and all(
            min(abs(hd - o), 180 - abs(hd - o)) > 2.0 for o in out
        ):
            out.append(hd)
        if len(out) >= limit:
            break
    return out


# --- the planner ---------------------------------------------------------------------------


def plan_coverage(
    free: Polygon | MultiPolygon,
    *,
    spacing_m: float,
    angle_deg: float | None = None,
    crosshatch: bool = False,
    space: SafeSpace | None = None,
    start: XY | None = None,
    model: FlightModel | None = None,
) -> CoverageRoute:
    """Lanes ``spacing_m`` metres apart covering ``free``, ordered into one safe route.

    ``angle_deg`` fixes the lane heading (degrees from north); ``None`` picks the decomposition
    and each cell's heading to minimise the metres flown (turns counted as ``model`` says).
    ``crosshatch`` adds a second pass at right angles. ``start`` (metres) is where the route
    should begin (e.g. a launch site). Links between cells are shortest safe paths in ``space``
    (built from ``free`` if not given); ``free`` must be connected (plan each piece of a
    MultiPolygon on its own), else ``ValueError``.
    """
    if spacing_m <= 0:
        raise ValueError("spacing_m must be positive")
    model = model or FlightModel()
    turn_m = 2.0 * model.turn_penalty_s(math.pi / 2) * model.cruise_speed_m_s + 2.0
    if free.is_empty:
        return CoverageRoute(segments=(), spacing_m=spacing_m)
    space = space or SafeSpace(free)
    cells = _choose_cells(free, spacing_m, angle_deg, turn_m)
    if crosshatch:
        extra: list[_CellLanes] = []
        for c in cells:
            extra.extend(cells_at(c.polygon, (c.heading_deg + 90.0) % 180.0, spacing_m, turn_m=turn_m))
        cells = cells + extra
    segs = _order(cells, space, start)
    return CoverageRoute(
        segments=tuple(segs),
        cells=tuple(c.polygon for c in cells),
        angles_deg=tuple(c.heading_deg for c in cells),
        spacing_m=spacing_m,
    )


def safe_distances(space: SafeSpace, a: Sequence[XY], b: Sequence[XY]) -> np.ndarray:
    """Shortest safe distances (metres) from each point of ``a`` to each of ``b``; inf if none.

    Kept for callers of the earlier API: :meth:`SafeSpace.distances`.
    """
    return space.distances(a, b)


def _order(cells: list[_CellLanes], space: SafeSpace, start: XY | None) -> list[Segment]:
    """Order cells and pick each cell's entry corner; join them with shortest safe paths."""
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


# --- measures --------------------------------------------------------------------------------


def covered_fraction(
    lanes: Sequence[Sequence[XY]], target: Polygon | MultiPolygon, radius_m: float
) -> float:
    """Fraction of ``target``'s area within ``radius_m`` metres of the lanes (0..1)."""
    if target.is_empty or target.area <= 0:
        return 1.0
    geoms = [LineString(p) if len(p) > 1 else shapely.Point(p[0]) for p in lanes if len(p)]
    if not geoms:
        return 0.0
    cover = shapely.union_all(shapely.buffer(np.array(geoms, dtype=object), radius_m, quad_segs=8))
    return float(cover.intersection(target).area / target.area)


__all__ = [
    "CoverageRoute",
    "Segment",
    "cells_at",
    "covered_fraction",
    "decompose",
    "edge_headings",
    "heading_of",
    "min_width_heading",
    "min_width_m",
    "plan_coverage",
    "safe_distances",
]
