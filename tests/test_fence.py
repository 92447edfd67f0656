"""Geofence and rally points: outward simplification, exact circles, airport rings, storage."""

from __future__ import annotations

import math

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon

from dronepatrol.errors import SafetyError
from dronepatrol.mission import FencePolygon
from dronepatrol.planning.fence import (
    FENCE_STORAGE_BYTES,
    cover_polygon,
    fence_storage_bytes,
    geofence_for,
    rally_for,
)
from tests.missionfixtures import phitsanulok, roiet


def _metric(zone, p: FencePolygon) -> Polygon:
    return zone.frame.to_m(Polygon(p.vertices))


def test_roiet_fence_includes_the_zone_and_excludes_its_no_fly_areas():
    zone = roiet()
    fence = geofence_for(zone)
    inclusion = [p for p in fence.polygons if p.inclusion]
    exclusion = [p for p in fence.polygons if not p.inclusion]
    assert len(inclusion) == 1 and len(exclusion) == 1
    # never cuts into the zone, even after rounding to 1e-7 degree as MAVLink does
    rounded = FencePolygon(vertices=tuple((round(x, 7), round(y, 7)) for x, y in inclusion[0].vertices), inclusion=True)
    assert _metric(zone, rounded).covers(zone.area_m)
    hospital = next(n for n in zone.nofly if n.name.startswith("Roi Et Hospital"))
    assert _metric(zone, exclusion[0]).covers(hospital.area_m)
    (tower,) = fence.circles  # the tower was given as a circle: exact
    assert (tower.lon, tower.lat, tower.radius_m, tower.inclusion) == (103.6572, 16.0548, 60.0, False)
    assert fence.max_alt_m == zone.max_alt_m == 90.0
    assert fence_storage_bytes(fence) <= FENCE_STORAGE_BYTES


def test_airport_ring_is_an_exclusion_circle_unless_authorized():
    zone = phitsanulok()
    rings = [c for c in geofence_for(zone).circles if c.radius_m == 9000.0]
    assert [(c.lon, c.lat, c.inclusion) for c in rings] == [(100.279133, 16.782942, False)]
    assert all(c.radius_m != 9000.0 for c in geofence_for(zone, authorized=True).circles)


def test_part_of_the_zone_and_far_no_fly_areas_left_out():
    zone = roiet()
    # the western third only: the tower (east) is > 2 km? no - so check the part is covered
    minx, miny, maxx, maxy = zone.area_m.bounds
    part = zone.area_m.intersection(shapely.box(minx, miny, minx + (maxx - minx) / 3, maxy))
    fence = geofence_for(zone, part=part)
    inc = next(p for p in fence.polygons if p.inclusion)
    assert _metric(zone, inc).covers(part)
    assert _metric(zone, inc).area < zone.area_m.area * 0.6


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 2000).map(lambda v: round(v, 2)), st.floats(0, 2000).map(lambda v: round(v, 2))),
        min_size=3,
        max_size=120,
    ),
    st.integers(4, 40),
)
def test_cover_polygon_covers_and_respects_the_vertex_limit(points, limit):
    geom = shapely.concave_hull(shapely.MultiPoint(points), ratio=0.3).buffer(1.0)
    if geom.is_empty or geom.area < 1:
        return
    cover = cover_polygon(geom, limit)
    assert cover.is_valid
    assert len(cover.exterior.coords) - 1 <= limit
    assert cover.covers(geom)


def test_many_vertex_zone_is_simplified_outward():
    circle = Point(0, 0).buffer(1000, quad_segs=128)  # 512 vertices
    cover = cover_polygon(circle, 30)
    assert len(cover.exterior.coords) - 1 <= 30 and cover.covers(circle)
    assert cover.area < circle.area * 1.05  # outward, but not much


def test_fence_that_cannot_fit_the_vehicle_is_refused():
    zone = roiet()
    with pytest.raises(SafetyError, match=r"fence needs \d+ bytes but the flight controller stores 40"):
        geofence_for(zone, storage_bytes=40)
    small = geofence_for(zone, storage_bytes=110)  # polygons shrink to fit
    assert fence_storage_bytes(small) <= 110


def test_rally_points_at_the_launch_sites():
    zone = roiet()
    rally = rally_for(zone, alt_m=30.0)
    assert [(r.lon, r.lat, r.alt_m) for r in rally] == [(s.lon, s.lat, 30.0) for s in zone.launches]
    assert len(rally) == 3 and not math.isnan(rally[0].lon)
