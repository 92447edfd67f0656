"""Geofence and rally points for a drone, within ArduPilot's fence storage. Pure functions.

ArduPilot stores the fence (``AC_PolyFence_loader``) as: a 4-byte header; per polygon 1 byte type,
1 byte vertex count (so at most 255 vertices, at least 3) and 8 bytes per vertex; per circle 13
bytes; a return point 9 bytes; an end marker 1 byte. Each vertex, circle and return point is one
MAVLink fence item. The storage and the item count are per-firmware facts: :data:`FENCE_LIMIT`
holds the numbers measured on ArduCopter SITL (see its ``source``); a fence over either is refused
by the vehicle (MAV_MISSION_ERROR over the bytes, MAV_MISSION_NO_SPACE over the items).

The inclusion polygon is the drone's part of the zone simplified *outward*: it never cuts into
the zone, so a mission that is legal by :mod:`dronepatrol.planning.checks` is never stopped by its
fence. No-fly areas become exclusion polygons simplified outward too (they only grow), or exact
exclusion circles when they were given as circles (airport rings included, unless authorised).
When they do not fit, :func:`onboard_fence` covers them with fewer, simpler shapes (fewer
vertices, circles, one hull over neighbours), always outward, and says what it simplified: the
planners then route around those larger shapes (:attr:`OnboardFence.exclusions_m`), because the
autopilot enforces them.

>>> from dronepatrol.zones import load_zone
>>> fence = geofence_for(load_zone("geofences/roiet.geojson"))
>>> [p.inclusion for p in fence.polygons], len(fence.circles), fence.max_alt_m
([True, False], 1, 90.0)
>>> fence_fit_problem(fence) is None
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from dronepatrol.errors import SafetyError
from dronepatrol.mission import FenceCircle, FencePolygon, Geofence, RallyPoint
from dronepatrol.zones.model import NoFly, SafetyZone

#: ArduPilot stores a polygon's vertex count in one byte (AC_PolyFence_loader).
MAX_POLYGON_VERTICES = 255
#: Fence storage, bytes, and fence items, measured on ArduCopter 4.7 SITL (see FENCE_LIMIT_SOURCE).
FENCE_STORAGE_BYTES = 560
MAX_FENCE_ITEMS = 70
FENCE_LIMIT_SOURCE = (
    "measured on ArduCopter V4.7.0-dev SITL (df83545f) by tests/test_fence_sitl.py: 70 fence items at most "
    "(71 gets MAV_MISSION_NO_SPACE), 560 bytes of fence storage (a 69-vertex polygon, a 4-vertex polygon "
    "plus 40 circles, or 16 four-vertex polygons fit; 70 vertices, 41 circles or 17 polygons get "
    "MAV_MISSION_ERROR); storage accounting of AC_PolyFence_loader: 4 + per polygon 2 + 8 per vertex, "
    "13 per circle, 9 for a return point, 1 end marker"
)
#: Default vertex budget of one fence polygon.
DEFAULT_MAX_VERTICES = 60
#: No-fly areas farther than this from the drone's part (metres) are left out of its fence.
EXCLUSION_REACH_M = 2000.0
#: Outward padding (metres) so that rounding vertices to 1e-7 degree (≈ 1 cm) cannot cut in.
PAD_M = 0.05
#: Exclusions closer than this (metres) may be merged under one shape.
MERGE_REACH_M = 600.0
#: Simplified exclusions keep this far (metres, plus the margin) from launch sites.
LAUNCH_CLEAR_M = 5.0
#: Simplified exclusions may add at most this share of the drone's area to what it cannot fly over.
MAX_GROWN_SHARE = 0.05
#: Area outside the zone counts this much against an outward simplification of the inclusion.
INCLUSION_AREA_WEIGHT = 0.2
#: Segments per quarter circle of the polygon that stands for a fence circle in planning.
CIRCLE_QUAD_SEGS = 8


@dataclass(frozen=True, kw_only=True)
class FenceLimit:
    """What a flight controller's fence storage holds: ``storage_bytes`` and ``max_items``."""

    storage_bytes: int = FENCE_STORAGE_BYTES
    max_items: int = MAX_FENCE_ITEMS
    source: str = FENCE_LIMIT_SOURCE


#: The fence limit of the unit's ArduCopter (one place; :data:`FENCE_LIMIT_SOURCE` says where from).
FENCE_LIMIT = FenceLimit()


def fence_storage_bytes(fence: Geofence) -> int:
    """Bytes ArduPilot needs to store ``fence`` (AC_PolyFence_loader's accounting + end marker)."""
    total = 4 + 1
    total += sum(2 + 8 * len(p.vertices) for p in fence.polygons)
    total += 13 * len(fence.circles)
    total += 9 if fence.return_point is not None else 0
    return total


def fence_items(fence: Geofence) -> int:
    """MAVLink fence items an upload of ``fence`` sends: one per vertex, circle and return point."""
    return sum(len(p.vertices) for p in fence.polygons) + len(fence.circles) + (fence.return_point is not None)


def fence_storage_need(fence: Geofence) -> tuple[int, int]:
    """(bytes, items) that ``fence`` needs on the flight controller; compare with :data:`FENCE_LIMIT`."""
    return fence_storage_bytes(fence), fence_items(fence)


def fence_fit_problem(fence: Geofence, limit: FenceLimit = FENCE_LIMIT) -> str | None:
    """``None`` if ``fence`` fits ``limit``, else one line saying what it needs and what fits.

    >>> fence_fit_problem(Geofence(circles=tuple(FenceCircle(lon=0, lat=0, radius_m=5, inclusion=False)
    ...                                          for _ in range(50))))[:52]
    'the geofence needs 655 bytes (50 items) but the flig'
    """
    need, items = fence_storage_need(fence)
    if need <= limit.storage_bytes and items <= limit.max_items:
        return None
    return (f"the geofence needs {need} bytes ({items} items) but the flight controller stores "
            f"{limit.storage_bytes} bytes ({limit.max_items} items)")


def cover_polygon(geom: Polygon | MultiPolygon, max_vertices: int) -> Polygon:
    """A polygon with at most ``max_vertices`` vertices that covers ``geom`` (metres).

    Tries a mitred outward buffer then simplification with growing tolerance, keeping the first
    result that still covers ``geom``; falls back to the (simplified) convex hull and finally to the
    minimum rotated rectangle. Holes are dropped (the result only grows).
    """
    if max_vertices < 4:
        raise ValueError("max_vertices must be at least 4")
    base = geom
    if isinstance(base, MultiPolygon) or base.geom_type != "Polygon":
        base = shapely.convex_hull(base)
    base = Polygon(base.exterior)
    target = base.buffer(PAD_M, join_style="mitre")
    if _nverts(target) <= max_vertices and target.covers(geom):
        return orient(target)
    size = math.sqrt(max(base.area, 1.0))
    for candidate in (base, shapely.convex_hull(base)):
        tol = 0.05
        while tol < size:
            simp = candidate.buffer(tol + PAD_M, join_style="mitre").simplify(tol, preserve_topology=True)
            if (
                isinstance(simp, Polygon)
                and not simp.is_empty
                and simp.is_valid
                and _nverts(simp) <= max_vertices
                and simp.covers(geom)
            ):
                return orient(Polygon(simp.exterior))
            tol *= 1.5
    rect = shapely.minimum_rotated_rectangle(base).buffer(PAD_M, join_style="mitre")
    return orient(Polygon(rect.exterior))


def _nverts(p: Polygon) -> int:
    return len(p.exterior.coords) - 1


def _fence_polygon(zone: SafetyZone, poly_m: Polygon, inclusion: bool) -> FencePolygon:
    ll = zone.frame.to_lonlat(poly_m)
    verts = tuple((float(x), float(y)) for x, y in list(ll.exterior.coords)[:-1])
    return FencePolygon(vertices=verts, inclusion=inclusion)


@dataclass(frozen=True, kw_only=True)
class OnboardFence:
    """The fence a drone carries, and what it excludes beyond the zone's own no-fly areas.

    ``exclusions_m``: the exclusion shapes (metres) that grew when the fence was simplified to fit,
    each covering what the autopilot will keep the drone out of: plan around them.
    ``simplified``: one line per simplification, for the summary.
    """

    fence: Geofence
    exclusions_m: tuple[Polygon, ...] = ()
    simplified: tuple[str, ...] = ()

    @property
    def storage_bytes(self) -> int:
        return fence_storage_bytes(self.fence)

    @property
    def items(self) -> int:
        return fence_items(self.fence)

    def to_json(self) -> dict:
        return {"storage_bytes": self.storage_bytes, "items": self.items, "limit_bytes": FENCE_LIMIT.storage_bytes,
                "limit_items": FENCE_LIMIT.max_items, "simplified": list(self.simplified)}


@dataclass
class _Shape:
    """One exclusion of the fence being built (metres)."""

    names: tuple[str, ...]
    base: Polygon | MultiPolygon  # the true no-fly areas it covers
    poly: Polygon | None = None
    circle: tuple[float, float, float] | None = None  # x, y, r metres
    lonlat: tuple[float, float] | None = None  # exact centre of a circle given as a circle
    exact: bool = True  # the no-fly area's own shape, unsimplified

    @property
    def cost(self) -> int:
        return 13 if self.poly is None else 2 + 8 * _nverts(self.poly)

    @property
    def items(self) -> int:
        return 1 if self.poly is None else _nverts(self.poly)

    @property
    def geom(self) -> Polygon:
        if self.poly is not None:
            return self.poly
        x, y, r = self.circle
        return Point(x, y).buffer(r / math.cos(math.pi / (4 * CIRCLE_QUAD_SEGS)), quad_segs=CIRCLE_QUAD_SEGS)


def _circle_over(geom) -> tuple[float, float, float]:
    c = shapely.minimum_bounding_circle(geom).centroid
    r = max(math.dist((c.x, c.y), p) for p in _coords(geom)) + PAD_M
    return float(c.x), float(c.y), float(r)


def _coords(geom) -> list[tuple[float, float]]:
    hull = geom.convex_hull
    return list(hull.exterior.coords) if isinstance(hull, Polygon) else list(hull.coords)


def onboard_fence(
    zone: SafetyZone,
    *,
    part: Polygon | MultiPolygon | None = None,
    authorized: bool = False,
    max_vertices: int = DEFAULT_MAX_VERTICES,
    limit: FenceLimit = FENCE_LIMIT,
    keep_clear: Sequence[tuple[float, float]] | None = None,
    clear_m: float = 10.0 + LAUNCH_CLEAR_M,
) -> OnboardFence:
    """The fence of a drone flying ``part`` of the zone (metres; ``None`` = the whole zone), within ``limit``.

    One inclusion polygon covering the part (simplified outward to ``max_vertices``; a part of
    several polygons is covered by one hull, because ArduPilot intersects inclusion fences by
    default); no-fly areas within :data:`EXCLUSION_REACH_M` as exclusion circles (when given as
    circles) or exclusion polygons covering them; airport rings as exclusion circles unless
    ``authorized``; ``max_alt_m`` = the zone's ceiling.

    When that does not fit ``limit``, the cheapest simplification (least area added per byte
    saved) is made again and again: fewer vertices, an exclusion circle instead of a polygon, one
    shape over two neighbouring exclusions, fewer vertices on the inclusion (whose area outside the
    zone counts :data:`INCLUSION_AREA_WEIGHT`). Grown exclusions keep ``clear_m`` from the points in
    ``keep_clear`` (default: the zone's launch sites). Raises :class:`SafetyError` naming the limit
    when even the simplest fence does not fit.
    """
    area = zone.area_m if part is None else part
    if area.is_empty:
        raise ValueError("the drone's part of the zone is empty")
    clear_pts = [s.xy for s in zone.launches] if keep_clear is None else list(keep_clear)
    reach = area.buffer(EXCLUSION_REACH_M)
    nofly = [n for n in zone.obstacles(authorized=authorized) if n.area_m.intersects(reach)]
    budget = min(max_vertices, MAX_POLYGON_VERTICES)
    shapes = [_initial(zone, n, budget) for n in nofly]
    inclusion = cover_polygon(area, budget)

    def need() -> tuple[int, int]:
        return (5 + 2 + 8 * _nverts(inclusion) + sum(s.cost for s in shapes),
                _nverts(inclusion) + sum(s.items for s in shapes))

    def clear_ok(new: Polygon, old: Sequence[BaseGeometry]) -> bool:
        for p in clear_pts:
            pt = Point(p)
            before = min(g.distance(pt) for g in old)
            if new.distance(pt) < min(clear_m, before) - 1e-6:
                return False
        return True

    cache: dict[tuple, tuple[float, int, list[_Shape]] | None] = {}
    max_grown_m2 = MAX_GROWN_SHARE * area.area
    while True:
        grown_m2 = sum(_grown(s) for s in shapes)
        nbytes, nitems = need()
        if nbytes <= limit.storage_bytes and nitems <= limit.max_items:
            break
        best: tuple[float, str, object] | None = None
        # the inclusion: fewer vertices, outward
        n_inc = _nverts(inclusion)
        if n_inc > 4:
            k = max(4, n_inc * 2 // 3)
            new_inc = cover_polygon(area, k)
            saved = 8 * (n_inc - _nverts(new_inc))
            if saved > 0:
                score = INCLUSION_AREA_WEIGHT * max(0.0, new_inc.area - inclusion.area) / saved
                best = (score, "inclusion", new_inc)
        ids = {id(s): s for s in shapes}
        for s in shapes:
            for key, make in _moves(s, shapes):
                if key not in cache:
                    cache[key] = make()
                got = cache[key]
                if got is None:
                    continue
                added, saved, new_shapes = got
                if saved <= 0 or not all(k in ids for k in key[1:]):
                    continue
                olds = [ids[k] for k in key[1:]]
                if not all(clear_ok(ns.geom, [o.geom for o in olds]) for ns in new_shapes):
                    continue
                if grown_m2 + sum(_grown(ns) for ns in new_shapes) - sum(_grown(o) for o in olds) > max_grown_m2:
                    continue
                score = added / saved
                if best is None or score < best[0]:
                    best = (score, "shape", (olds, new_shapes))
        if best is None:
            raise SafetyError(
                f"{zone.source}: the geofence needs {nbytes} bytes but the flight controller stores "
                f"{limit.storage_bytes} ({nitems} fence items of {limit.max_items}), even with the no-fly areas "
                f"merged into {len(shapes)} simpler shapes as far as the launch sites and "
                f"{MAX_GROWN_SHARE:.0%} of the zone allow — merge or remove no-fly areas, or split the zone "
                f"(limit {limit.source.split(' by ')[0]})"
            )
        if best[1] == "inclusion":
            inclusion = best[2]
        else:
            olds, new_shapes = best[2]
            shapes = [s for s in shapes if all(s is not o for o in olds)] + list(new_shapes)

    polygons = [_fence_polygon(zone, inclusion, True)]
    circles: list[FenceCircle] = []
    grown: list[Polygon] = []
    notes: list[str] = []
    for s in shapes:
        if s.poly is not None:
            polygons.append(_fence_polygon(zone, s.poly, False))
        else:
            lon, lat = s.lonlat if s.lonlat is not None else zone.frame.lonlat(s.circle[0], s.circle[1])
            circles.append(FenceCircle(lon=float(lon), lat=float(lat), radius_m=float(s.circle[2]), inclusion=False))
        if not s.exact:
            grown.append(s.geom)
            what = (f"an exclusion circle of {s.circle[2]:.0f} m" if s.poly is None
                    else f"an exclusion polygon of {_nverts(s.poly)} vertices")
            added = max(0.0, s.geom.area - s.base.area)
            names = ", ".join(repr(n) for n in s.names)
            notes.append(f"{names} carried as {what} (+{added / 10_000:.2f} ha around the no-fly area"
                         f"{'s' if len(s.names) > 1 else ''}; routes keep clear of it)")
    if _nverts(inclusion) < min(budget, _nverts(cover_polygon(area, budget))):
        out = shapely.hausdorff_distance(inclusion.exterior, area.convex_hull.exterior) if area.area else 0.0
        notes.append(f"zone boundary carried with {_nverts(inclusion)} vertices (the fence reaches up to about "
                     f"{out:.0f} m outside the zone; the routes stay inside it)")
    fence = Geofence(polygons=tuple(polygons), circles=tuple(circles), max_alt_m=zone.max_alt_m)
    return OnboardFence(fence=fence, exclusions_m=tuple(grown), simplified=tuple(notes))


def _grown(s: _Shape) -> float:
    """Area (m²) a shape excludes beyond the no-fly areas it covers (0 for an exact one)."""
    return 0.0 if s.exact else max(0.0, s.geom.area - s.base.area)


def _initial(zone: SafetyZone, n: NoFly, budget: int) -> _Shape:
    if n.circle is not None:
        x, y = zone.frame.xy(n.circle[0], n.circle[1])
        return _Shape(names=(n.name,), base=n.area_m, circle=(x, y, n.circle[2]), lonlat=(n.circle[0], n.circle[1]))
    poly = cover_polygon(n.area_m, budget)
    exact = shapely.hausdorff_distance(poly, n.area_m) <= 0.5
    return _Shape(names=(n.name,), base=n.area_m, poly=poly, exact=exact)


def _moves(s: _Shape, shapes: list[_Shape]):
    """(cache key, maker) of each simplification of ``s``: fewer vertices, a circle, a merge with a
    neighbour. A maker returns (area added m², bytes saved, new shapes) or ``None``."""
    if s.poly is not None and _nverts(s.poly) > 4:
        def fewer(s: _Shape = s):
            k = max(4, _nverts(s.poly) * 2 // 3)
            p = cover_polygon(s.base, k)
            ns = _Shape(names=s.names, base=s.base, poly=p, exact=False)
            return max(0.0, p.area - s.geom.area), s.cost - ns.cost, [ns]
        yield ("fewer", id(s)), fewer
    if s.poly is not None:
        def circle(s: _Shape = s):
            ns = _Shape(names=s.names, base=s.base, circle=_circle_over(s.poly), exact=False)
            return max(0.0, ns.geom.area - s.geom.area), s.cost - ns.cost, [ns]
        yield ("circle", id(s)), circle
    near = sorted((t for t in shapes if t is not s and (t.circle is None or t.circle[2] < 2000)),
                  key=lambda t: s.geom.distance(t.geom))[:3]
    for t in near:
        if s.geom.distance(t.geom) > MERGE_REACH_M or (s.circle is not None and s.circle[2] >= 2000):
            continue
        key = ("merge", *sorted((id(s), id(t))))

        def merge(s: _Shape = s, t: _Shape = t):
            both = shapely.union_all([s.geom, t.geom])
            base = shapely.union_all([s.base, t.base])
            hull = both.convex_hull
            options = [_Shape(names=s.names + t.names, base=base, circle=_circle_over(hull), exact=False)]
            for k in (8, 6, 4):
                options.append(_Shape(names=s.names + t.names, base=base, poly=cover_polygon(hull, k), exact=False))
            saved = s.cost + t.cost
            best = min(options, key=lambda o: (max(0.0, o.geom.area - both.area) / max(1, saved - o.cost)
                                               if saved > o.cost else math.inf))
            return max(0.0, best.geom.area - both.area), saved - best.cost, [best]
        yield key, merge


def geofence_for(
    zone: SafetyZone,
    *,
    part: Polygon | MultiPolygon | None = None,
    authorized: bool = False,
    max_vertices: int = DEFAULT_MAX_VERTICES,
    storage_bytes: int = FENCE_STORAGE_BYTES,
) -> Geofence:
    """The fence of :func:`onboard_fence` within ``storage_bytes`` (and :data:`MAX_FENCE_ITEMS`)."""
    limit = FenceLimit(storage_bytes=storage_bytes, max_items=FENCE_LIMIT.max_items, source=FENCE_LIMIT.source)
    return onboard_fence(zone, part=part, authorized=authorized, max_vertices=max_vertices, limit=limit).fence

def rally_for(zone: SafetyZone, *, alt_m: float) -> tuple[RallyPoint, ...]:
    """Rally points at the zone's launch sites, ``alt_m`` metres above home."""
    return tuple(RallyPoint(lon=s.lon, lat=s.lat, alt_m=alt_m) for s in zone.launches)


__all__ = [
    "DEFAULT_MAX_VERTICES",
    "FENCE_LIMIT",
    "FENCE_LIMIT_SOURCE",
    "FENCE_STORAGE_BYTES",
    "MAX_FENCE_ITEMS",
    "MAX_POLYGON_VERTICES",
    "FenceLimit",
    "OnboardFence",
    "cover_polygon",
    "fence_fit_problem",
    "fence_items",
    "fence_storage_bytes",
    "fence_storage_need",
    "geofence_for",
    "onboard_fence",
    "rally_for",
]
