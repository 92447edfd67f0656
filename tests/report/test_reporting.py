"""The report's core: flights, coverage, hotspot visits, weeks, alerts, Thai dates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dronepatrol.mission import Home, Mission, takeoff, waypoint
from dronepatrol.planning.camera import CAMERAS, footprint_m
from dronepatrol.report.strings import Strings
from dronepatrol.reporting import Alert, Photo, summarize
from dronepatrol.reporting.alerts import link_losses
from dronepatrol.reporting.coverage import coverage, target_area
from dronepatrol.reporting.flights import all_flights, simplified_lonlat, split_flights
from dronepatrol.reporting.hotspots import VISIT_RADIUS_M, flight_hours_per_week, hotspot_visits, planned_hotspots
from dronepatrol.reporting.timefmt import week_start
from dronepatrol.telemetry.model import Fix, Track
from dronepatrol.zones import load_zone
from tests.report.synthetic import T0, loiter_track, survey, track_from_m

GEOFENCES = Path(__file__).resolve().parents[2] / "geofences"
CAM = CAMERAS["dji-mavic3e"]


@pytest.fixture(scope="module")
def zone():
    return load_zone(GEOFENCES / "phitsanulok-zone4.geojson")


@pytest.fixture(scope="module")
def roiet():
    return load_zone(GEOFENCES / "roiet.geojson")


def _line_track(zone, metres: float, *, drone="drone1", t0=T0, alt=50.0, step_s=1.0, speed=10.0) -> Track:
    c = zone.area_m.centroid
    n = int(metres / (speed * step_s)) + 1
    xy = np.column_stack([np.full(n, c.x), c.y + np.arange(n) * speed * step_s])
    t = track_from_m(zone, drone, 1, xy, t0, hz=1.0 / step_s)
    return Track(
        drone=drone,
        system_id=1,
        fixes=tuple(f.__class__(**{**f.__dict__, "alt_rel_m": alt}) for f in t.fixes),
        triggers=(),
        time_source="vehicle",
    )


# --- flights ----------------------------------------------------------------------------------


def test_flight_distance_and_time_of_a_straight_line(zone) -> None:
    (f,) = split_flights(_line_track(zone, 1000.0), zone.frame)
    assert f.distance_m == pytest.approx(1000.0, abs=0.5)
    assert f.duration_s == pytest.approx(100.0)


def test_a_landing_and_a_long_gap_split_flights(zone) -> None:
    t = _line_track(zone, 600.0)
    fixes = list(t.fixes)
    fixes[20] = Fix(**{**fixes[20].__dict__, "alt_rel_m": 0.2})  # on the ground
    later = [Fix(**{**f.__dict__, "t_s": f.t_s + 3600}) for f in t.fixes[:10]]  # an hour later
    t2 = Track(drone="drone1", system_id=1, fixes=(*fixes, *later), triggers=(), time_source="vehicle")
    flights = split_flights(t2, zone.frame)
    assert [len(f.fixes) for f in flights] == [20, len(fixes) - 21, 10]


def test_tracks_are_simplified_to_a_metre(zone) -> None:
    sc = survey(zone, drones=1, duration_s=1200)
    (f,) = all_flights(sc.tracks, zone.frame)
    pts = simplified_lonlat(f, zone.frame)
    assert len(pts) < len(f.fixes) / 10  # straight lanes: only the turns remain
    line = zone.frame.to_m(__import__("shapely").LineString(pts))
    for fix in f.fixes[::37]:
        x, y = zone.frame.xy(fix.lon, fix.lat)
        assert line.distance(__import__("shapely").Point(x, y)) <= 1.0 + 1e-6


# --- coverage ---------------------------------------------------------------------------------


def test_one_photo_covers_its_footprint_and_names_its_community(zone) -> None:
    community = zone.communities[3]
    c = community.area_m.representative_point()
    lon, lat = zone.frame.lonlat(c.x, c.y)
    photos = [
        Photo(file="a.jpg", drone="drone1", t_s=T0, lon=lon, lat=lat, alt_rel_m=30.0, heading_deg=0.0),
        Photo(file="nogps.jpg", drone="drone1"),
    ]
    cov = coverage(zone, photos, {}, CAM)
    across, along = footprint_m(CAM, 30.0)
    target = target_area(zone)
    assert cov.covered_m.area == pytest.approx(across * along, rel=1e-6)  # well inside the zone
    assert cov.covered_pct == pytest.approx(100 * across * along / target.area, rel=1e-6)
    assert cov.uncovered_m.area == pytest.approx(target.area - across * along, rel=1e-6)
    assert cov.footprints_m[1] is None
    rows = {r.name: r for r in cov.communities}
    assert rows[community.name].photos >= 1 and rows[community.name].last_photo_s == T0
    assert sum(r.photos for r in cov.communities) >= 1
    assert all(r.last_photo_s is None for r in cov.communities if r.photos == 0)


def test_permanent_nofly_is_not_counted_but_airport_rings_are(roiet) -> None:
    permanent = [n for n in roiet.nofly if not n.airport]
    assert permanent
    target = target_area(roiet)
    assert target.area == pytest.approx(roiet.area_m.difference(roiet.nofly_union(authorized=True)).area)
    assert target.area < roiet.area_m.area


def test_geotag_footprint_ring_is_used_as_given(zone) -> None:
    c = zone.area_m.centroid
    ring_m = [(c.x - 10, c.y - 10), (c.x + 10, c.y - 10), (c.x + 10, c.y + 10), (c.x - 10, c.y + 10)]
    ring = tuple(zone.frame.lonlat(x, y) for x, y in ring_m)
    lon, lat = zone.frame.lonlat(c.x, c.y)
    cov = coverage(zone, [Photo(file="g.jpg", lon=lon, lat=lat, footprint=ring)], {}, None)
    assert cov.covered_m.area == pytest.approx(400.0, rel=1e-3)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(20, 90), st.floats(0, 360)), max_size=12))
def test_coverage_partitions_the_target(points) -> None:
    zone = load_zone(GEOFENCES / "roiet.geojson")
    x0, y0, x1, y1 = zone.area_m.bounds
    photos = []
    for fx, fy, alt, hdg in points:
        lon, lat = zone.frame.lonlat(x0 + fx * (x1 - x0), y0 + fy * (y1 - y0))
        photos.append(Photo(file="p.jpg", lon=lon, lat=lat, alt_rel_m=alt, heading_deg=hdg))
    cov = coverage(zone, photos, {}, CAM)
    target = cov.target_m.area
    assert 0.0 <= cov.covered_pct <= 100.0 + 1e-9
    # covered + uncovered = target, up to the dropped slivers (< 4 m² each)
    assert cov.covered_m.area + cov.uncovered_m.area == pytest.approx(target, abs=4.0 * (len(points) + 1) * 4)
    assert cov.covered_m.difference(cov.target_m).area < 1e-3


# --- hotspots ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("hold_s", "offset_m", "visits"), [(50.0, 10.0, 1), (20.0, 10.0, 0), (50.0, 40.0, 0)])
def test_a_visit_needs_the_dwell_within_30_m(zone, hold_s, offset_m, visits) -> None:
    h = zone.hotspots[0]
    track = loiter_track(zone, h.name, "drone1", seconds=hold_s, offset_m=offset_m)
    flights = all_flights([track], zone.frame)
    rows = {r.name: r for r in hotspot_visits(zone, flights, {h.name: {"dwell_s": 30.0}})}
    assert len(rows[h.name].visits) == visits
    assert rows[h.name].planned and rows[h.name].dwell_s == 30.0
    if visits:
        v = rows[h.name].visits[0]
        assert v.end_s - v.start_s >= 30.0 and v.drone == "drone1"
        assert rows[h.name].per_week == ((week_start(T0), 1),)


def test_planned_from_summary_and_from_waypoints(zone) -> None:
    a, b, c = zone.hotspots[:3]
    summary = {"drones": [{"drone": "drone1", "hotspots": [{"name": a.name, "dwell_s": 45.0, "reasons": ["no CCTV"]}]}]}
    near = zone.frame.lonlat(b.x_m + VISIT_RADIUS_M - 5, b.y_m)
    far = zone.frame.lonlat(c.x_m + VISIT_RADIUS_M + 20, c.y_m)
    m = Mission(
        drone="drone2",
        home=Home(lon=b.lon, lat=b.lat),
        items=(takeoff(20.0), waypoint(*near, 40.0), waypoint(*far, 40.0)),
    )
    planned = planned_hotspots(zone, [m], [summary])
    assert planned[a.name]["dwell_s"] == 45.0
    assert b.name in planned and c.name not in planned
    rows = {r.name: r for r in hotspot_visits(zone, [], planned)}
    assert rows[a.name].reasons == ("no CCTV",) and rows[a.name].dwell_s == 45.0
    assert rows[b.name].reasons  # from the zone's own ranking (CCTV coverage)


def test_flight_hours_per_week_fill_the_gaps(zone) -> None:
    tracks = [_line_track(zone, 3600.0, t0=T0), _line_track(zone, 1800.0, t0=T0 + 3 * 7 * 86400)]
    weeks = flight_hours_per_week(all_flights(tracks, zone.frame))
    assert [w for w, _ in weeks] == [week_start(T0 + k * 7 * 86400) for k in range(4)]
    assert [round(h, 3) for _, h in weeks] == [0.1, 0.0, 0.0, 0.05]


# --- the whole summary ------------------------------------------------------------------------


def test_summary_adds_up_per_drone(zone) -> None:
    sc = survey(zone, drones=3, duration_s=900, photos=300, days=2, untagged=4)
    alerts = [Alert(t_s=T0 + 10, drone="drone2", kind="failsafe", text="Battery failsafe")]
    s = summarize(zone, tracks=sc.tracks, photos=sc.photos, alerts=alerts, default_camera=CAM)
    f = s.figures()
    assert f["flights"] == 6 and f["drones"] == 3
    assert f["photos"] == 304 and f["photos_tagged"] == 300 and f["photos_untagged"] == 4
    assert s.untagged == tuple(f"NOGPS_{n:03d}.JPG" for n in range(4))
    assert sum(d.flights for d in s.drones) == 6
    assert s.distance_m == pytest.approx(6 * 899 * 10.0, rel=5e-3)  # corners cut between samples
    assert s.flight_time_s == pytest.approx(6 * 899.0)
    assert s.alert_counts == {"failsafe": 1, "fence": 0, "link_lost": 0, "other": 0}
    assert s.span_s[0] == T0 and len(s.hours_per_week) == 2
    assert 0 < f["coverage_pct"] < 100
    d = s.to_dict()
    assert d["figures"] == f and len(d["coverage"]["communities"]) == 17


def test_link_loss_only_in_the_air() -> None:
    fx = [
        Fix(t_s=t, lat=16.0, lon=103.0, alt_amsl_m=0.0, alt_rel_m=alt)
        for t, alt in ((0, 0.0), (30, 0.0), (31, 20.0), (32, 20.0), (40, 20.0), (41, 20.0))
    ]
    alerts = link_losses(Track(drone="d", system_id=1, fixes=tuple(fx), triggers=(), time_source="vehicle"))
    assert [(a.t_s, a.kind) for a in alerts] == [(32, "link_lost")]


# --- language ---------------------------------------------------------------------------------


def test_thai_dates_use_the_buddhist_era_and_thai_time() -> None:
    t = 1_767_200_400.0  # 2025-12-31 17:00 UTC = 2026-01-01 00:00 Thai time
    assert Strings("th").datetime(t) == "1 ม.ค. 2569 00:00"
    assert Strings("en").datetime(t) == "1 Jan 2026 00:00"
    assert Strings("th").duration(3900) == "1 ชม. 05 นาที"
    with pytest.raises(ValueError, match="th, en"):
        Strings("fr")


def test_every_string_has_both_languages() -> None:
    from dronepatrol.report.strings import TABLE

    for key, (en, th) in TABLE.items():
        assert en and th, key
        assert en.count("{") == th.count("{"), key
        if not key.startswith("u_") and key not in ("drone",):
            assert any("\u0e00" <= ch <= "\u0e7f" for ch in th), key  # Thai script


@pytest.mark.parametrize("path", ["roiet.geojson", "phitsanulok-zone4.geojson"])
def test_footprint_heading_is_from_true_north(path) -> None:
    """A photo taken heading north has its footprint's edges along true east-west on the map
    (the UTM frame's grid north is ~0.4 deg off true north here: 0.6 m at the corners)."""
    zone = load_zone(GEOFENCES / path)
    c = zone.area_m.centroid
    lon, lat = zone.frame.lonlat(c.x, c.y)
    cov = coverage(zone, [Photo(file="n.jpg", lon=lon, lat=lat, alt_rel_m=60.0, heading_deg=0.0)], {}, CAM)
    ring = np.asarray(zone.to_lonlat(cov.footprints_m[0]).exterior.coords)[:4]
    assert ring[0][1] == pytest.approx(ring[1][1], abs=1e-7)  # the back edge: one latitude (1 cm)
    assert ring[1][0] == pytest.approx(ring[2][0], abs=1e-7)  # the right edge: one longitude
    assert ring[1][0] > ring[0][0] and ring[2][1] > ring[1][1]


def test_footprints_on_the_page_are_the_computed_ones(zone) -> None:
    from dronepatrol.report.page import _footprint_offsets

    sc = survey(zone, drones=1, duration_s=300, photos=5)
    cov = coverage(zone, sc.photos, {}, CAM)
    lon = np.array([p.lon for p in sc.photos])
    lat = np.array([p.lat for p in sc.photos])
    for k, offsets in enumerate(_footprint_offsets(zone, cov.footprints_m, lon, lat)):
        drawn = np.array(offsets).reshape(-1, 2) * 1e-6 + [lon[k], lat[k]]
        exact = np.asarray(zone.to_lonlat(cov.footprints_m[k]).exterior.coords)[:-1]
        assert np.abs(drawn - exact).max() <= 0.6e-6  # rounding to 1e-6 deg: under 7 cm
