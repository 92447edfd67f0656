"""Base layer: metric frame, flight-time model, safe paths, fleet and rules files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import LineString, Point, Polygon, box

from dronepatrol.config import default_fleet, load_fleet, load_rules
from dronepatrol.errors import ConfigError
from dronepatrol.geo import LocalFrame, haversine_m, utm_epsg
from dronepatrol.planning.flight_time import FlightModel, path_length_m, turn_angle
from dronepatrol.planning.paths import SafeSpace, free_region

# --- geo -------------------------------------------------------------------------------------


def test_utm_zone_of_the_pilot_cities() -> None:
    assert utm_epsg(103.6511, 16.0531) == 32648  # Roi Et
    assert utm_epsg(100.2659, 16.8211) == 32647  # Phitsanulok
    assert utm_epsg(-58.4, -34.6) == 32721


def test_metric_distances_match_geodesic() -> None:
    frame = LocalFrame.around(103.65, 16.05)
    a, b = (103.6450, 16.0480), (103.6620, 16.0610)
    d_utm = math.dist(frame.xy(*a), frame.xy(*b))
    _, _, d_geodesic = Geod(ellps="WGS84").inv(*a, *b)
    # UTM scale factor at 103.65 E in zone 48 (central meridian 105 E) is about 0.99986
    assert d_utm == pytest.approx(d_geodesic, rel=3e-4)
    assert haversine_m(*a, *b) == pytest.approx(d_geodesic, rel=3e-3)  # spherical: within 0.3 %


@settings(max_examples=200, deadline=None)
@given(st.floats(97, 106), st.floats(5, 21))
def test_frame_round_trip_is_exact_to_1e9_deg(lon: float, lat: float) -> None:
    frame = LocalFrame.around(lon, lat)
    back = frame.lonlat(*frame.xy(lon, lat))
    assert back == pytest.approx((lon, lat), abs=1e-9)


def test_geometry_round_trip() -> None:
    frame = LocalFrame.around(103.65, 16.05)
    poly = Polygon([(103.645, 16.048), (103.656, 16.047), (103.662, 16.0575), (103.645, 16.059)])
    back = frame.to_lonlat(frame.to_m(poly))
    assert back.hausdorff_distance(poly) < 1e-9


# --- flight time -----------------------------------------------------------------------------


def test_leg_time_reference_values() -> None:
    m = FlightModel(cruise_speed_m_s=10.0, accel_m_s2=2.5)
    assert m.leg_time_s(1000) == pytest.approx(104.0)
    assert m.leg_time_s(10) == pytest.approx(2 * math.sqrt(10 / 2.5))  # never reaches cruise speed
    assert m.leg_time_s(0) == 0


def test_turn_penalty_grows_with_angle() -> None:
    m = FlightModel()
    penalties = [m.turn_penalty_s(math.radians(a)) for a in (0, 45, 90, 135, 180)]
    assert penalties[0] == 0
    assert penalties == sorted(penalties)
    assert penalties[-1] == pytest.approx(m.cruise_speed_m_s / m.accel_m_s2)  # full stop and restart


def test_path_time_and_geometry_helpers() -> None:
    m = FlightModel()
    square = [(0, 0), (100, 0), (100, 100), (0, 100)]
    assert path_length_m(square) == 300
    assert turn_angle((0, 0), (1, 0), (1, 1)) == pytest.approx(math.pi / 2)
    assert m.path_time_s(square) > m.leg_time_s(300)
    assert m.descent_time_s(60) == pytest.approx(50 / 1.5 + 10 / 0.5)


# --- safe paths ------------------------------------------------------------------------------


def test_path_goes_around_an_obstacle_exactly() -> None:
    space = SafeSpace(box(0, 0, 100, 100).difference(box(40, 10, 60, 100)))
    path = space.path((20, 50), (80, 50))
    assert path == [(20.0, 50.0), (40.0, 10.0), (60.0, 10.0), (80.0, 50.0)]
    assert space.distance((20, 50), (80, 50)) == pytest.approx(2 * math.hypot(20, 40) + 20)


def test_free_region_keeps_the_margin_from_circles() -> None:
    disc = Point(50, 50).buffer(10, quad_segs=64)
    free = free_region(box(0, 0, 100, 100), [disc], margin_m=5)
    # every point of the free region is at least 5 m from the true disc and the zone edge
    assert free.distance(Point(50, 50)) >= 15 - 1e-6
    assert free.bounds == pytest.approx((5, 5, 95, 95))


def test_unreachable_parts_are_infinite() -> None:
    space = SafeSpace(box(0, 0, 10, 10).union(box(20, 0, 30, 10)))
    assert math.isinf(space.distance((5, 5), (25, 5)))
    with pytest.raises(ValueError):
        space.path((5, 5), (25, 5))


obstacle_boxes = st.lists(
    st.tuples(st.floats(5, 85), st.floats(5, 85), st.floats(3, 12), st.floats(3, 12)), min_size=1, max_size=5
)


@settings(max_examples=40, deadline=None)
@given(obstacle_boxes, st.lists(st.tuples(st.floats(0, 100), st.floats(0, 100)), min_size=2, max_size=6))
def test_paths_stay_free_and_matrix_agrees(boxes, points) -> None:
    holes = [box(x, y, x + w, y + h) for x, y, w, h in boxes]
    free = free_region(box(0, 0, 100, 100), holes, margin_m=1.0)
    space = SafeSpace(free)
    pts = [p for p in points if space.contains(p)]
    if len(pts) < 2:
        return
    matrix = space.distance_matrix(pts)
    for i in range(len(pts)):
        for j in range(len(pts)):
            if i == j:
                continue
            d = space.distance(pts[i], pts[j])
            assert matrix[i, j] == pytest.approx(d, rel=1e-9, abs=1e-6)
            if math.isfinite(d):
                path = space.path(pts[i], pts[j])
                line = LineString(path)
                assert free.buffer(0.05).covers(line)  # never leaves the free region
                assert d >= math.dist(pts[i], pts[j]) - 1e-9  # never shorter than straight
    assert np.allclose(matrix, matrix.T, equal_nan=True)


# --- fleet and rules files -------------------------------------------------------------------


def test_default_fleet_matches_product_contract() -> None:
    fleet = default_fleet()
    assert [d.name for d in fleet.drones] == ["drone1", "drone2", "drone3"]
    assert [d.connection for d in fleet.drones] == ["tcp:127.0.0.1:5760", "tcp:127.0.0.1:5770", "tcp:127.0.0.1:5780"]
    assert [d.system_id for d in fleet.drones] == [1, 2, 3]


def test_fleet_file_defaults_and_errors(tmp_path: Path) -> None:
    f = tmp_path / "fleet.toml"
    f.write_text('[[drones]]\nname = "alpha"\ncruise_speed_m_s = 8\n[[drones]]\nconnection = "udp:0.0.0.0:14550"\n')
    fleet = load_fleet(f)
    assert fleet.drones[0].name == "alpha" and fleet.drones[0].cruise_speed_m_s == 8.0
    assert fleet.drones[0].connection == "tcp:127.0.0.1:5760"
    assert fleet.drones[1].name == "drone2" and fleet.drones[1].system_id == 2
    f.write_text('[[drones]]\nname = "a"\nspeed = 3\n')
    with pytest.raises(ConfigError, match="unknown key 'speed'"):
        load_fleet(f)
    f.write_text("[[drones]]\nsystem_id = 254\n")
    with pytest.raises(ConfigError, match="254 is the ground station"):
        load_fleet(f)
    f.write_text("[[drones]\n")
    with pytest.raises(ConfigError, match="not valid TOML") as err:
        load_fleet(f)
    assert err.value.exit_code == 3


def test_rules_override(tmp_path: Path) -> None:
    f = tmp_path / "config.toml"
    f.write_text("[rules]\nmax_alt_m = 60\n")
    assert load_rules(f).max_alt_m == 60.0
    assert load_rules(None).max_alt_m == 90.0
    assert {a.icao for a in load_rules(None).airports} == {"VTUV", "VTPP"}
    f.write_text("[rules]\nmax_altitude = 60\n")
    with pytest.raises(ConfigError, match="unknown key 'max_altitude'"):
        load_rules(f)
    f.write_text("[rules]\nmargin_m = nan\n")
    with pytest.raises(ConfigError, match="margin_m = nan; it must be a number, 0 or more"):
        load_rules(f)
    f.write_text('[[airports]]\nicao = "VTXX"\n')
    with pytest.raises(ConfigError, match=r"\[\[airports\]\].*each needs icao, name, lat, lon"):
        load_rules(f)


def test_fleet_subset(tmp_path: Path) -> None:
    from dronepatrol.config import fleet_subset
    from dronepatrol.errors import UsageError

    assert [d.name for d in fleet_subset(default_fleet(), 2).drones] == ["drone1", "drone2"]
    assert [d.system_id for d in fleet_subset(default_fleet(), 4).drones] == [1, 2, 3, 4]
    assert fleet_subset(default_fleet(), None) == default_fleet()
    f = tmp_path / "fleet.toml"
    f.write_text('[[drones]]\nname = "solo"\n')
    with pytest.raises(UsageError, match="describes 1 drones"):
        fleet_subset(load_fleet(f), 2)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('cruise_speed_m_s = "fast"', "cruise_speed_m_s = 'fast'; it must be a number"),
        ("system_id = 1.5", "system_id = 1.5; it must be a whole number"),
        ("name = 3", "name = 3; it must be text in quotes"),
        ("endurance_min = true", "endurance_min = True; it must be a number"),
        ("cruise_speed_m_s = nan", "cruise_speed_m_s = nan; it must be a positive number"),
        ("endurance_min = -5", "endurance_min = -5.0; it must be a positive number"),
    ],
)
def test_fleet_file_type_errors_name_the_key(tmp_path: Path, line: str, message: str) -> None:
    f = tmp_path / "fleet.toml"
    f.write_text(f"[[drones]]\n{line}\n")
    with pytest.raises(ConfigError) as err:
        load_fleet(f)
    assert str(err.value) == f"{f}: drone 1: {message}"


def _toml_value(v: object) -> str:
    import json

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return json.dumps(v) if isinstance(v, str) else repr(v)


fleet_values = st.one_of(st.integers(-300, 300), st.floats(allow_nan=True), st.text(max_size=8), st.booleans())
fleet_keys = st.sampled_from(
    ["name", "connection", "system_id", "cruise_speed_m_s", "endurance_min", "camera", "signing_key", "speed"]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.dictionaries(fleet_keys, fleet_values, max_size=5), min_size=1, max_size=4))
def test_any_fleet_file_loads_or_says_why(tables) -> None:
    import tempfile

    text = "".join("[[drones]]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in t.items()) for t in tables)
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as fh:
        fh.write(text)
    try:
        fleet = load_fleet(fh.name)
    except ConfigError as exc:
        assert str(exc).startswith(fh.name)
    else:
        assert len(fleet) == len(tables)
        assert all(d.cruise_speed_m_s > 0 and 1 <= d.system_id <= 253 for d in fleet.drones)
    finally:
        Path(fh.name).unlink()
