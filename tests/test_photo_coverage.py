"""Photo coverage: trigger points along the lanes, footprints from altitude, camera and heading."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from dronepatrol.planning.camera import CAMERAS, footprint_m
from dronepatrol.planning.footprints import photo_coverage, trigger_points, uncovered

CAM = CAMERAS["dji-mavic3e"]


@settings(max_examples=40, deadline=None)
@given(lane=st.lists(st.tuples(st.floats(-500, 500), st.floats(-500, 500)), min_size=2, max_size=6),
       trigger=st.floats(5, 60))
def test_trigger_points_start_at_the_lane_start_and_follow_it(lane, trigger) -> None:
    pts = trigger_points([lane], trigger)
    length = sum(math.dist(lane[k - 1], lane[k]) for k in range(1, len(lane)))
    assert math.dist(pts[0][:2], lane[0]) < 1e-6
    assert abs(len(pts) - (math.floor(length / trigger) + 1)) <= 1  # floor at the float boundary
    assert all(0 <= h < 360 for *_, h in pts)
    steps = [math.dist(pts[k - 1][:2], pts[k][:2]) for k in range(1, len(pts))]
    assert all(s <= trigger + 1e-6 for s in steps)  # straight-line gaps never exceed the trigger distance


def test_heading_turns_the_footprint() -> None:
    across, along = footprint_m(CAM, 60.0)
    east = trigger_points([((0.0, 0.0), (100.0, 0.0))], 200.0)[0]
    assert round(east[2]) == 90
    # flying east, the long side (across) lies north-south: a thin east-west strip is fully seen
    strip = box(-along / 2 + 0.5, -across / 2 + 0.5, along / 2 - 0.5, across / 2 - 0.5)
    assert photo_coverage([((0.0, 0.0), (0.1, 0.0))], strip, CAM, 60.0, 200.0) > 0.999


def test_a_gap_between_lanes_is_uncovered_and_located() -> None:
    across, _ = footprint_m(CAM, 60.0)
    gap = 30.0
    y2 = across + gap
    lanes = [((0.0, 0.0), (400.0, 0.0)), ((400.0, y2), (0.0, y2))]
    target = box(0, -across / 2, 400, y2 + across / 2)
    share = photo_coverage(lanes, target, CAM, 60.0, 10.0)
    assert 0.7 < share < 0.95
    hole = uncovered(lanes, target, CAM, 60.0, 10.0)
    assert hole.buffer(1).covers(Point(200, y2 / 2))  # the strip between the two swaths


def test_roiet_survey_reports_photo_coverage(cli, tmp_path) -> None:
    from tests.conftest import ROIET

    r = cli("plan", "survey", ROIET, "-o", tmp_path / "s", "--json", "--lane-spacing", "60")
    assert r.exit_code == 0, r.stderr
    assert r.json["photo_coverage_pct"] >= 99.5
    assert "photo coverage" in r.stderr
