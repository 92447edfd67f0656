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

This module owns the planner (:func:`plan_coverage`): choosing the decomposition heading and
each cell's lane heading, laying the lanes and choosing between lanes on the region's lines and
the even spread, then ordering the cells; and :func:`covered_fraction`. The parts live in
:mod:`~dronepatrol.planning.headings` (lane frame, candidate headings),
:mod:`~dronepatrol.planning.cells` (decomposition), :mod:`~dronepatrol.planning.lanes` (lanes
in a cell), :mod:`~dronepatrol.planning.repair` (coverage repair),
:mod:`~dronepatrol.planning.cell_order` (cell order) and :mod:`~dronepatrol.planning.segments`
(route pieces).

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

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon

from dronepatrol.planning.cell_order import order_cells
from dronepatrol.planning.cells import Cell, cell_polygon, decompose
from dronepatrol.planning.flight_time import FlightModel
from dronepatrol.planning.headings import edge_headings, rot_geom
from dronepatrol.planning.lanes import (
    CellLanes,
    cells_at,
    estimate_cell,
    lane_lines,
    lane_phase,
    lanes_in_cell,
    with_variants,
)
from dronepatrol.planning.paths import SafeSpace
from dronepatrol.planning.repair import repair
from dronepatrol.planning.segments import XY, Segment, polyline_length

# --- public records ------------------------------------------------------------------------


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


# --- choosing cells and headings, laying lanes ----------------------------------------------


def _choose_cells(
    free: Polygon | MultiPolygon, spacing_m: float, angle_deg: float | None, turn_m: float
) -> list[CellLanes]:
    """Pick the decomposition heading and each cell's lane heading; lay the lanes.

    Lanes lie on lines every ``spacing_m`` in one phase across the whole region (per heading),
    so a cell's lanes continue its neighbours' instead of being rounded up cell by cell.
    """
    link_m = 2.0 * spacing_m + turn_m
    phases: dict[float, float] = {}

    def phase(h: float) -> float:
        if h not in phases:
            phases[h] = lane_phase(free, h, spacing_m)
        return phases[h]

    if angle_deg is not None:
        theta = angle_deg % 180.0
        plan = [(theta, c) for c in decompose(rot_geom(free, theta), reach=spacing_m)]
    else:
        # search on plain cells (no chain extensions: cheaper), then decompose the choice again;
        # costs estimated two ways (lanes on the region's lines / spread per cell), best of each
        best: list[tuple[float, float, list[tuple[float, Polygon | None, int]]] | None] = [None, None]
        for theta in edge_headings(free, limit=5):
            cells = decompose(rot_geom(free, theta))
            y0 = phase(theta)
            totals = [link_m * max(0, len(cells) - 1)] * 2
            chosen: list[list[tuple[float, Polygon | None, int]]] = [[], []]
            for ci, c in enumerate(cells):
                opts = []
                for mode in (0, 1):
                    ys = lane_lines(c, y0, spacing_m) if mode == 0 else None
                    opts.append((estimate_cell(c, spacing_m, turn_m, ys), [(theta, None, ci)]))
                poly = None
                for phi in _cell_headings(c, theta):
                    if poly is None:
                        poly = rot_geom(cell_polygon(c), theta, inverse=True)
                    sub = decompose(rot_geom(poly, phi))
                    # cells at another heading get no help from their neighbours: spread per cell
                    cost = sum(estimate_cell(sc, spacing_m, turn_m) for sc in sub) + link_m * (len(sub) - 1)
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
        wholes: dict[float, list[Cell]] = {}
        subs: dict[int, list[Cell]] = {}
        results = []
        for _, theta, chosen_m in candidates:
            if theta not in wholes:
                wholes[theta] = decompose(rot_geom(free, theta), reach=spacing_m)
            plan = []
            for heading, poly, k in chosen_m:
                if poly is None:
                    plan.append((heading, wholes[theta][k]))
                else:
                    if id(poly) not in subs:
                        subs[id(poly)] = decompose(rot_geom(poly, heading), reach=spacing_m)
                    plan.append((heading, subs[id(poly)][k]))
            results.append(_lay(plan, free, spacing_m, turn_m, phase))
        return min(results, key=lambda r: r[0])[1]
    return _lay(plan, free, spacing_m, turn_m, phase)[1]


def _lay(
    plan: list[tuple[float, Cell]], free: Polygon | MultiPolygon, spacing_m: float, turn_m: float, phase
) -> tuple[float, list[CellLanes]]:
    """Lanes of the cells ``plan`` (heading, cell), covering ``free``; and their estimated metres."""
    tols: dict[float, Polygon] = {}
    for heading, _ in plan:
        if heading not in tols:
            tols[heading] = rot_geom(free, heading).buffer(0.01, join_style="mitre")
            shapely.prepare(tols[heading])
    lined = [lanes_in_cell(cell, spacing_m, heading, tols[heading], ys=lane_lines(cell, phase(heading), spacing_m))
             for heading, cell in plan]
    lined = repair(lined, free, spacing_m, tols)
    # lanes on the region's lines usually cost less; spread them per cell where they do not
    even = [lanes_in_cell(cell, spacing_m, heading, tols[heading], polygon=c.polygon)
            for (heading, cell), c in zip(plan, lined, strict=True)]
    cost_l, cost_e = _layout_m(lined, turn_m), _layout_m(even, turn_m)
    out = lined if cost_l <= cost_e else even
    link_m = 2.0 * spacing_m + turn_m
    cost = min(cost_l, cost_e) + link_m * sum(1 for c in out if c.lanes)
    return cost, [with_variants(c, turn_m) for c in out]


def _layout_m(cells: Sequence[CellLanes], turn_m: float) -> float:
    """Metres of lanes and of the links inside cells, turns counted."""
    total = 0.0
    for c in cells:
        total += sum(polyline_length(p) for p in c.lanes) + turn_m * len(c.lanes)
        total += sum(min(polyline_length(a), polyline_length(b)) for a, b in zip(c.links_left, c.links_right,
                                                                                   strict=True))
    return total


def _cell_headings(cell: Cell, theta: float, limit: int = 2) -> list[float]:
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
        extra: list[CellLanes] = []
        for c in cells:
            extra.extend(cells_at(c.polygon, (c.heading_deg + 90.0) % 180.0, spacing_m, turn_m=turn_m))
        cells = cells + extra
    segs = order_cells(cells, space, start)
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
    "covered_fraction",
    "plan_coverage",
    "safe_distances",
]
