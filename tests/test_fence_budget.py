"""Fence budget: a city zone with 20 no-fly areas plans within the flight controller's fence
storage, and every leg avoids every exclusion the onboard fence carries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon

from dronepatrol.config import load_fleet
from dronepatrol.errors import SafetyError
from dronepatrol.mission import FenceCircle, Geofence, Mission
from dronepatrol.planning.checks import check_missions
from dronepatrol.planning.estimate import simulate
from dronepatrol.planning.fence import (
    FENCE_LIMIT,
    FenceLimit,
    fence_fit_problem,
    fence_storage_need,
    geofence_for,
    onboard_fence,
)
from dronepatrol.planning.patrol import plan_patrol
from dronepatrol.planning.survey import plan_survey
from dronepatrol.zones import load_zone

CITY = Path(__file__).parent / "fixtures" / "city-20-nofly.geojson"


@pytest.fixture(scope="module")
def city():
    return load_zone(CITY)


def _exclusions_m(fence: Geofence, zone) -> list[tuple[str, Polygon]]:
    """Each exclusion of a fence as the autopilot sees it, in metres (circles exactly, 64 segments)."""
    out = []
    for k, p in enumerate(fence.polygons):
        if not p.inclusion:
            out.append((f"polygon {k}", Polygon([zone.frame.xy(lon, lat) for lon, lat in p.vertices])))
    for k, c in enumerate(fence.circles):
        if not c.inclusion:
            out.append((f"circle {k}", Point(zone.frame.xy(c.lon, c.lat)).buffer(c.radius_m, quad_segs=16)))
    return out


def _assert_every_leg_avoids_the_onboard_fence(missions: list[Mission], zone) -> None:
    for m in missions:
        assert fence_fit_problem(m.geofence) is None, m.file_stem
        shapes = _exclusions_m(m.geofence, zone)
        flight = simulate(m, zone.frame)
        legs = [LineString([leg.a[:2], leg.b[:2]]) if leg.length_m > 0.01 else Point(leg.a[:2])
                for leg in flight.legs]
        arr = np.array(legs, dtype=object)
        for name, shape in shapes:
            hit = shapely.intersects(arr, shape.buffer(-0.05))
            assert not hit.any(), f"{m.file_stem}: a leg enters exclusion {name}"


def test_city_fence_is_simplified_outward_to_fit(city) -> None:
    raw_need = geofence_for(city, storage_bytes=10_000)  # what the no-fly areas need as they are
    assert fence_fit_problem(raw_need) is not None  # 20 polygons do not fit 560 bytes
    onboard = onboard_fence(city)
    need, items = fence_storage_need(onboard.fence)
    assert need <= FENCE_LIMIT.storage_bytes and items <= FENCE_LIMIT.max_items
    assert onboard.simplified and all("no-fly" in line.lower() or "zone boundary" in line
                                      for line in onboard.simplified)
    shapes = shapely.union_all([g for _, g in _exclusions_m(onboard.fence, city)])
    for n in city.nofly:  # outward: every no-fly area stays excluded
        assert shapes.buffer(0.05).covers(n.area_m), n.name
    for site in city.launches:  # grown shapes keep clear of the launch sites
        assert shapes.distance(Point(site.xy)) >= 10.0


def test_refused_only_when_even_the_simplest_fence_cannot_fit(city) -> None:
    with pytest.raises(SafetyError, match=r"needs \d+ bytes but the flight controller stores 120"):
        onboard_fence(city, limit=FenceLimit(storage_bytes=120, max_items=70))


def test_fit_problem_names_bytes_and_items() -> None:
    circles = tuple(FenceCircle(lon=103.65, lat=16.05, radius_m=10.0, inclusion=False) for _ in range(71))
    problem = fence_fit_problem(Geofence(circles=circles))
    assert problem is not None and "928 bytes" in problem and "560" in problem and "70 items" in problem


def test_city_patrol_plans_within_the_fence_limit_and_avoids_its_exclusions(city) -> None:
    plan = plan_patrol(city, time_limit_s=0.3)
    assert check_missions(plan.missions, city).ok
    assert plan.summary["fence"]["simplified"]
    _assert_every_leg_avoids_the_onboard_fence(list(plan.missions), city)


def test_city_survey_plans_within_the_fence_limit_and_avoids_its_exclusions(city) -> None:
    plan = plan_survey(city, fleet=load_fleet(None), lane_spacing_m=120.0, trigger_distance_m=60.0)
    report = check_missions(plan.missions, city)
    assert report.ok, [f.format() for f in report.errors][:3]
    assert plan.summary["fence"]["simplified"]
    _assert_every_leg_avoids_the_onboard_fence(list(plan.missions), city)
