"""Lane headings and the lane frame (metres; headings in degrees clockwise from north).

Owns the rotation into the frame where lanes of a heading run along +x (the frame the
decomposition and lane layout work in), splitting a region into its polygons, the candidate lane
headings from a region's edges and convex hull, and the hull's minimum width.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from dronepatrol.planning.segments import XY

# --- geometry helpers ----------------------------------------------------------------------


def rot(points: np.ndarray, heading_deg: float, *, inverse: bool = False) -> np.ndarray:
    """Rotate points in metres so lanes of ``heading_deg`` run along +x (``inverse`` undoes it)."""
    beta = math.radians(90.0 - heading_deg)  # lane direction, counter-clockwise from east
    ang = beta if inverse else -beta
    c, s = math.cos(ang), math.sin(ang)
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    return np.column_stack([c * pts[:, 0] - s * pts[:, 1], s * pts[:, 0] + c * pts[:, 1]])


def rot_geom(geom, heading_deg: float, *, inverse: bool = False):
    """A geometry in metres rotated so lanes of ``heading_deg`` run along +x (``inverse`` undoes it)."""
    return shapely.transform(geom, lambda c: rot(c, heading_deg, inverse=inverse))


def polygons(region: Polygon | MultiPolygon) -> list[Polygon]:
    """The non-empty polygons of a region in metres (a Polygon, MultiPolygon or collection)."""
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
    polys = polygons(region)
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


__all__ = [
    "edge_headings",
    "heading_of",
    "min_width_heading",
    "min_width_m",
    "polygons",
    "rot",
    "rot_geom",
]
