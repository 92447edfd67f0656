"""Interpolation along fixes: reference values with explicit tolerances."""

from __future__ import annotations

import math

import pytest

from dronepatrol.geo import LocalFrame, haversine_m
from dronepatrol.geotag.path import FlightPath
from dronepatrol.telemetry.model import Fix

FRAME = LocalFrame.around(103.65, 16.05)
X0, Y0 = FRAME.xy(103.65, 16.05)


def fix(t, east_m, north_m, alt=200.0, rel=50.0, heading=0.0):
    lon, lat = FRAME.lonlat(X0 + east_m, Y0 + north_m)
    return Fix(t_s=t, lat=lat, lon=lon, alt_amsl_m=alt, alt_rel_m=rel, heading_deg=heading)


def test_linear_in_metres_altitude_and_heading():
    path = FlightPath([fix(0.0, 0, 0, 200, 50, 350), fix(4.0, 100, 40, 220, 70, 30)], frame=FRAME)
    p = path.at(1.0)  # a quarter of the way
    assert p.x_m - X0 == pytest.approx(25.0, abs=1e-6) and p.y_m - Y0 == pytest.approx(10.0, abs=1e-6)
    assert p.alt_amsl_m == pytest.approx(205.0, abs=1e-9) and p.alt_rel_m == pytest.approx(55.0, abs=1e-9)
    assert p.heading_deg == pytest.approx(0.0, abs=1e-9)  # 350 -> 30 through north: +40 deg, a quarter is +10
    # the interpolated point is 25/100 of the way along the 107.7 m leg
    start = path.at(0.0)
    assert haversine_m(start.lon, start.lat, p.lon, p.lat) == pytest.approx(math.hypot(25, 10), abs=0.05)


def test_heading_wraps_the_other_way():
    path = FlightPath([fix(0.0, 0, 0, heading=10.0), fix(2.0, 0, 20, heading=330.0)], frame=FRAME)
    assert path.at(1.0).heading_deg == pytest.approx(350.0, abs=1e-9)
    assert path.at(1.5).heading_deg == pytest.approx(340.0, abs=1e-9)


def test_exact_fix_outside_and_gaps():
    fixes = [fix(0.0, 0, 0), fix(1.0, 10, 0), fix(20.0, 200, 0)]
    path = FlightPath(list(reversed(fixes)), frame=FRAME, max_gap_s=5.0)  # any order
    assert path.at(1.0).x_m - X0 == pytest.approx(10.0, abs=1e-6)
    assert path.at(-0.01) is None and path.at(20.01) is None
    assert path.at(10.0) is None and path.gap_at(10.0) == pytest.approx(19.0)
    assert path.span_s == (0.0, 20.0)


def test_missing_headings():
    path = FlightPath([fix(0.0, 0, 0, heading=None), fix(1.0, 10, 0, heading=None)], frame=FRAME)
    assert path.at(0.5).heading_deg is None
    mixed = FlightPath([fix(0.0, 0, 0, heading=90.0), fix(1.0, 10, 0, heading=None), fix(2.0, 20, 0, heading=100.0)],
                       frame=FRAME)
    assert mixed.at(1.0).heading_deg == pytest.approx(95.0)


def test_duplicate_times_keep_the_first():
    path = FlightPath([fix(0.0, 0, 0), fix(0.0, 50, 0), fix(2.0, 20, 0)], frame=FRAME)
    assert path.at(1.0).x_m - X0 == pytest.approx(10.0, abs=1e-6)
