"""Geofence and rally points for a drone, within ArduPilot's fence limits. Pure functions.

ArduPilot stores the fence (``AC_PolyFence_loader``) as: a 4-byte header; per polygon 1 byte type,
1 byte vertex count (so at most 255 vertices, at least 3) and 8 bytes per vertex; per circle 13
bytes; a return point 9 bytes; an end marker 1 byte. The fence storage of a Pixhawk-class board
(16 KB storage) is 672 bytes ("84 fence points", ``StorageManager.cpp``); boards with 4 KB storage
have much less. A fence that does not fit is refused by the vehicle ("Fence exceeds storage size").

The inclusion polygon is the drone's part of the zone simplified *outward*: it never cuts into
the zone, so a mission that is legal by :mod:`dronepatrol.planning.checks` is never stopped by its
fence. No-fly areas become exclusion polygons simplified outward too (they only grow), or exact
exclusion circles when they were given as circles (airport rings included, unless authorised).

>>> from dronepatrol.zones import load_zone
>>> fence = geofence_for(load_zone("geofences/roiet.geojson"))
>>> [p.inclusion for p in fence.polygons], len(fence.circles), fence.max_alt_m
([True, False], 1, 90.0)
"""

from __future__ import annotations

import math

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient

from dronepatrol.errors import SafetyError
from dronepatrol.mission import FenceCircle, FencePolygon, Geofence, RallyPoint
from dronepatrol.zones.model import SafetyZone

#: ArduPilot stores a polygon's vertex count in one byte (AC_PolyFence_loader).
MAX_POLYGON_VERTICES = 255
#: Fence storage of a 16 KB-storage flight controller, bytes (StorageManager.cpp: 84 fence points).
FENCE_STORAGE_BYTES = 672
#: Default vertex budget of one fence polygon (leaves room for exclusions in 672 bytes).
DEFAULT_MAX_VERTICES = 60
#: No-fly areas farther than this from the drone's part (metres) are left out of its fence.
EXCLUSION_REACH_M = 2000.0
#: Outward padding (metres) so that rounding vertices to 1e-7 degree (≈ 1 cm) cannot cut in.
PAD_M = 0.05


def fence_storage_bytes(fence: Geofence) -> int:
    """Bytes ArduPilot needs to store ``fence`` (AC_PolyFence_loader's accounting + end marker)."""
    total = 4 + 1
    total += sum(2 + 8 * len(p.vertices) for p in fence.polygons)
    total += 13 * len(fence.circles)
    total += 9 if fence.return_point is not None else 0
    return total


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


def geofence_for(
    zone: SafetyZone,
    *,
    part: Polygon | MultiPolygon | None = None,
    authorized: bool = False,
    max_vertices: int = DEFAULT_MAX_VERTICES,
    storage_bytes: int = FENCE_STORAGE_BYTES,
) -> Geofence:
    """The fence of a drone flying ``part`` of the zone (metres; ``None`` = the whole zone).

    One inclusion polygon covering the part (simplified outward to ``max_vertices``; a part of
    several polygons is covered by one hull, because ArduPilot intersects inclusion fences by
    default); no-fly areas within :data:`EXCLUSION_REACH_M` as exclusion circles (when given as
    circles) or exclusion polygons covering them; airport rings as exclusion circles unless
    ``authorized``; ``max_alt_m`` = the zone's ceiling. If the fence does not fit in
    ``storage_bytes``, the polygons get fewer vertices (they only grow); if even then it does not
    fit, :class:`SafetyError` is raised.
    """
    area = zone.area_m if part is None else part
    if area.is_empty:
        raise ValueError("the drone's part of the zone is empty")
    reach = area.buffer(EXCLUSION_REACH_M)
    nofly = [n for n in zone.obstacles(authorized=authorized) if n.area_m.intersects(reach)]
    circles = tuple(
        FenceCircle(lon=n.circle[0], lat=n.circle[1], radius_m=n.circle[2], inclusion=False)
        for n in nofly
        if n.circle is not None
    )
    polys_m = [n.area_m for n in nofly if n.circle is None]
    budget = min(max_vertices, MAX_POLYGON_VERTICES)
    while True:
        polygons = [_fence_polygon(zone, cover_polygon(area, budget), True)]
        polygons += [_fence_polygon(zone, cover_polygon(p, budget), False) for p in polys_m]
        fence = Geofence(polygons=tuple(polygons), circles=circles, max_alt_m=zone.max_alt_m)
        need = fence_storage_bytes(fence)
        if need <= storage_bytes:
            return fence
        if budget <= 4:
            raise SafetyError(
                f"{zone.source}: the geofence needs {need} bytes but the flight controller stores "
                f"{storage_bytes}: {len(polys_m)} no-fly polygons and {len(circles)} circles near the "
                "drone's area — merge or remove no-fly areas, or split the zone"
            )
        budget = max(4, budget * 2 // 3)


def rally_for(zone: SafetyZone, *, alt_m: float) -> tuple[RallyPoint, ...]:
    """Rally points at the zone's launch sites, ``alt_m`` metres above home."""
    return tuple(RallyPoint(lon=s.lon, lat=s.lat, alt_m=alt_m) for s in zone.launches)


__all__ = [
    "DEFAULT_MAX_VERTICES",
    "FENCE_STORAGE_BYTES",
    "MAX_POLYGON_VERTICES",
    "cover_polygon",
    "fence_storage_bytes",
    "geofence_for",
    "rally_for",
]
