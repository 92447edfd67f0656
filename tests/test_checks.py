"""Safety checks: each rule has a failing and a passing case; estimates; publish_plan."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import UTC, datetime

import pytest

from dronepatrol.config import DroneConfig, FleetConfig
from dronepatrol.errors import SafetyError
from dronepatrol.mission import (
    cam_trigger_distance,
    do_jump,
    land,
    loiter_time,
    photo,
    rtl,
    takeoff,
    waypoint,
)
from dronepatrol.planning.checks import check_missions
from dronepatrol.planning.estimate import estimate_mission
from dronepatrol.planning.publish import publish_plan
from dronepatrol.rules import DEFAULT_RULES
from tests.missionfixtures import (
    LAKE_LAWN,
    POLICE_STATION,
    PROVINCIAL_HALL,
    legal_missions,
    mission,
    phitsanulok,
    roiet,
)


def errors(report, rule=None):
    return [f for f in report.errors if rule is None or f.rule == rule]


def warnings(report, rule=None):
    return [f for f in report.warnings if rule is None or f.rule == rule]


def test_legal_fleet_passes_every_check():
    report = check_missions(legal_missions(), roiet())
    assert report.ok and report.findings == []
    assert [e.drone for e in report.estimates] == ["drone1", "drone2", "drone3"]


# --- zone and no-fly ---------------------------------------------------------------------------


def test_waypoint_outside_the_zone_is_an_error_naming_item_and_place():
    m = mission("drone1", LAKE_LAWN, (takeoff(30), waypoint(103.6530, 16.0440, 30), rtl()))
    (f,) = errors(check_missions([m], roiet()))
    assert (f.rule, f.item, f.where) == ("zone", 2, (103.653, 16.044))
    assert f.message.startswith("item 2 (WAYPOINT) at 103.653000 16.044000 leaves the zone")


def test_margin_from_the_zone_edge_is_configurable():
    # 6 m inside the western edge x = 103.644..103.645 (a point near 103.6441, 16.053)
    zone = roiet()
    x, y = zone.frame.xy(103.644, 16.053)
    lon, lat = zone.frame.lonlat(x + 6.0, y)
    m = mission("drone1", PROVINCIAL_HALL, (takeoff(30), waypoint(lon, lat, 30), rtl()))
    (f,) = errors(check_missions([m], zone))
    assert f.rule == "zone" and "from the zone edge (margin 10 m)" in f.message
    assert check_missions([m], zone, margin_m=3.0).ok


def test_leg_cutting_a_corner_of_a_no_fly_area_is_caught():
    # both waypoints are legal; the straight leg between them clips the hospital's north-west corner
    # hospital: 103.6482..103.6498 E, 16.0500..16.0512 N
    a, b = waypoint(103.6475, 16.0505, 30), waypoint(103.6490, 16.0518, 30)
    m = mission("drone1", PROVINCIAL_HALL, (takeoff(30), a, b, rtl()))
    report = check_missions([m], roiet())
    (f,) = errors(report)
    assert f.rule == "nofly" and f.item == 3
    assert 'leg from item 2 to item 3 enters no-fly area "Roi Et Hospital helipad area"' in f.message
    lon, lat = f.where
    assert 103.6482 - 1e-6 <= lon <= 103.6490 and 16.0505 <= lat <= 16.0512 + 1e-6
    # going round the corner instead passes
    detour = mission("drone1", PROVINCIAL_HALL, (takeoff(30), a, waypoint(103.6475, 16.0518, 30), b, rtl()))
    assert check_missions([detour], roiet()).ok


def test_waypoint_in_a_circular_no_fly_area():
    m = mission("drone3", POLICE_STATION, (takeoff(30), waypoint(103.6572, 16.0550, 30), rtl()))
    (f,) = errors(check_missions([m], roiet()))
    assert f.rule == "nofly" and '"Roi Et Tower"' in f.message


def test_do_jump_loop_back_leg_is_checked():
    # C -> W -> E are legal legs round the hospital's north-west corner; E -> C (the jump) cuts it
    c, w, e = waypoint(103.6490, 16.0518, 30), waypoint(103.6475, 16.0518, 30), waypoint(103.6475, 16.0505, 30)
    loop = mission("drone1", PROVINCIAL_HALL, (takeoff(30), c, w, e, do_jump(2, 2), rtl()))
    (f,) = errors(check_missions([loop], roiet()))
    assert f.message.startswith("leg from item 4 back to item 2 (DO_JUMP) enters no-fly area") and f.rule == "nofly"
    once = mission("drone1", PROVINCIAL_HALL, (takeoff(30), c, w, e, rtl()))
    assert check_missions([once], roiet()).ok


def test_rtl_leg_to_home_is_checked():
    # two legal waypoints south-west and south of the hospital; RTL flies straight north across it
    m = mission("drone1", PROVINCIAL_HALL, (takeoff(30), waypoint(103.6465, 16.0500, 30),
                                            waypoint(103.6492, 16.0480, 30), rtl()))
    (f,) = errors(check_missions([m], roiet()))
    assert f.message.startswith("return to home (item 4, RTL) from item 3 enters no-fly area")


def test_launch_site_within_the_margin_is_not_flagged_for_take_off_and_landing():
    zone = roiet()
    # 4 m inside the southern edge, between (103.645, 16.048) and (103.656, 16.047)
    x, y = zone.frame.xy(103.6505, 16.0475)
    home = zone.frame.lonlat(x, y + 4.0)
    inward = zone.frame.lonlat(x, y + 60.0)
    m = mission("drone2", home, (takeoff(30), waypoint(*inward, 30), rtl()))
    assert check_missions([m], zone).ok
    # but a launch site outside the zone is
    outside = zone.frame.lonlat(x, y - 5.0)
    bad = mission("drone2", outside, (takeoff(30), waypoint(*inward, 30), rtl()))
    (f,) = errors(check_missions([bad], zone))
    assert f.item == 0 and f.message.startswith("home (launch site)") and f.rule == "zone"


# --- altitude, airport ---------------------------------------------------------------------


def test_altitude_above_the_ceiling():
    m = mission("drone1", PROVINCIAL_HALL, (takeoff(30), waypoint(103.6492, 16.0575, 95), rtl()))
    (f,) = errors(check_missions([m], roiet()))
    assert f.rule == "altitude" and "95.0 m, above the 90 m ceiling" in f.message
    assert check_missions([mission("drone1", PROVINCIAL_HALL, (takeoff(30), waypoint(103.6492, 16.0575, 90),
                                                                rtl()))], roiet()).ok


def test_amsl_frame_altitudes_are_compared_above_home():
    item = dataclasses.replace(waypoint(103.6492, 16.0575, 140 + 95), frame=0)  # 95 m above a 140 m home
    (f,) = errors(check_missions([mission("drone1", PROVINCIAL_HALL, (takeoff(30), item, rtl()))], roiet()))
    assert f.rule == "altitude"


def test_airport_ring_needs_an_authorization():
    zone = phitsanulok()
    m = mission("drone1", (100.265, 16.7965), (takeoff(30), waypoint(100.268, 16.799, 40), rtl()))
    report = check_missions([m], zone)
    assert {f.rule for f in report.errors} == {"airport"}
    assert "ring of VTPP without a recorded authorisation" in report.errors[0].message
    authorized = check_missions([m], zone, authorization="CAAT-2026-0042")
    assert authorized.ok
    assert [f.rule for f in authorized.warnings] == ["airport"]


# --- endurance -------------------------------------------------------------------------------


def _patrol(repeat: int):
    return mission("drone3", POLICE_STATION, (takeoff(40), waypoint(103.6560, 16.0515, 40),
                                              loiter_time(103.6590, 16.0520, 40, 60.0), do_jump(2, repeat), rtl()))


def test_do_jump_repeats_count_in_the_flight_time():
    zone = roiet()
    t0 = estimate_mission(_patrol(0), zone.frame).time_s
    t3 = estimate_mission(_patrol(3), zone.frame).time_s
    # each extra lap: 2 legs of ~330 m at 10 m/s plus a 60 s hover
    lap = (t3 - t0) / 3
    assert 120 < lap < 160


def test_flight_time_above_endurance_minus_reserve():
    fleet = FleetConfig(drones=(DroneConfig(name="drone3", connection="tcp:x:1", system_id=3, endurance_min=10.0),))
    too_long = check_missions([_patrol(6)], roiet(), fleet=fleet)
    (f,) = errors(too_long)
    assert f.rule == "endurance" and "exceeds 8.0 min (10 min endurance less 20% reserve)" in f.message
    assert check_missions([_patrol(1)], roiet(), fleet=fleet).ok


def test_endless_loop_is_an_endurance_error():
    report = check_missions([_patrol(-1)], roiet())
    (f,) = errors(report)
    assert f.rule == "endurance" and "loops forever" in f.message
    assert math.isinf(report.estimates[0].time_s)


# --- separation ------------------------------------------------------------------------------


def _crossing(alt2: float):
    a = mission("drone1", PROVINCIAL_HALL, (takeoff(40), waypoint(103.6520, 16.0563, 40), rtl()))
    b = mission("drone2", (103.6504, 16.0578), (takeoff(alt2), waypoint(103.6504, 16.0540, alt2), rtl()))
    return [a, b]


def test_drones_crossing_at_the_same_time_and_height():
    (f,) = errors(check_missions(_crossing(40), roiet()))
    assert f.rule == "separation" and f.message.startswith("drone1 and drone2 come within")


def test_different_heights_keep_separation():
    assert check_missions(_crossing(60), roiet()).ok


def test_sorties_of_one_drone_do_not_conflict():
    a, _ = _crossing(40)
    second = dataclasses.replace(a, sortie=2)
    assert check_missions([a, second], roiet()).ok


# --- warnings --------------------------------------------------------------------------------


def test_waypoint_beyond_visual_line_of_sight_is_a_warning():
    m = mission("drone1", PROVINCIAL_HALL, (takeoff(30), waypoint(103.6560, 16.0590, 30), rtl()))
    report = check_missions([m], roiet())
    assert report.ok
    (f,) = warnings(report, "vlos")
    assert f.item == 2 and "beyond visual line of sight (500 m)" in f.message
    wide = dataclasses.replace(DEFAULT_RULES, vlos_m=1000.0)
    assert warnings(check_missions([m], roiet(), rules=wide)) == []


def test_start_outside_daylight_in_thai_time():
    evening = check_missions(legal_missions(), roiet(), planned_start=datetime(2026, 3, 1, 19, 0))
    assert evening.ok and {f.rule for f in evening.warnings} == {"daylight"}
    assert "19:00-19:" in evening.warnings[0].message
    assert check_missions(legal_missions(), roiet(), planned_start=datetime(2026, 3, 1, 10, 0)).warnings == []
    # 03:00 UTC is 10:00 in Thailand; 12:00 UTC is 19:00
    morning_utc = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
    assert check_missions(legal_missions(), roiet(), planned_start=morning_utc).warnings == []
    assert warnings(check_missions(legal_missions(), roiet(), planned_start=datetime(2026, 3, 1, 12, 0, tzinfo=UTC)))


def test_landing_late_is_also_outside_daylight():
    late = check_missions([_patrol(3)], roiet(), planned_start=datetime(2026, 3, 1, 17, 55))
    assert [f.rule for f in late.warnings] == ["daylight"]


def test_do_jump_to_nowhere_and_mission_ending_in_the_air():
    m = mission("drone1", PROVINCIAL_HALL, (takeoff(30), waypoint(103.6492, 16.0575, 30), do_jump(99, 1)))
    report = check_missions([m], roiet())
    assert [f.rule for f in report.errors] == ["format"]
    assert "DO_JUMP to 99" in report.errors[0].message
    assert [f.rule for f in report.warnings] == ["format"] and "ends in the air" in report.warnings[0].message


# --- estimates -----------------------------------------------------------------------------


def test_estimate_of_a_simple_mission():
    zone = roiet()
    m = mission("drone1", LAKE_LAWN, (takeoff(50), cam_trigger_distance(20), waypoint(103.653, 16.0554, 50),
                                      cam_trigger_distance(0), photo(), land(103.653, 16.0554)))
    est = estimate_mission(m, zone.frame)
    d = 0.0036 * 110_700  # ~398 m north
    assert est.distance_m == pytest.approx(d, rel=0.01)
    assert est.max_alt_m == 50
    # 50 m climb at 2.5 m/s + leg at 10 m/s (+4 s accel) + 40 m at 1.5 m/s + 10 m at 0.5 m/s
    assert est.time_s == pytest.approx(20 + d / 10 + 4 + 40 / 1.5 + 20, rel=0.02)
    assert est.photos == round(d / 20) + 1 + 1
    assert est.drone == "drone1"


# --- publish -----------------------------------------------------------------------------------


def test_publish_writes_nothing_when_a_check_fails(tmp_path):
    bad = [*legal_missions()[:2], mission("drone3", POLICE_STATION, (takeoff(30), waypoint(103.6572, 16.055, 30),
                                                                      rtl()))]
    with pytest.raises(SafetyError) as exc:
        publish_plan(tmp_path / "out", bad, roiet(), summary={"kind": "patrol"})
    assert exc.value.exit_code == 5
    assert str(exc.value).startswith('refused for safety: drone3: item 2 (WAYPOINT)')
    assert exc.value.findings and not (tmp_path / "out").exists()


def test_publish_writes_the_directory_with_estimates(tmp_path):
    paths, report = publish_plan(tmp_path / "out", legal_missions(), roiet(), summary={"kind": "mixed"},
                                 authorization=None)
    names = sorted(p.name for p in paths)
    assert names == sorted(["drone1.plan", "drone1.waypoints", "drone2.plan", "drone2.waypoints", "drone3.plan",
                            "drone3.waypoints", "routes.geojson", "summary.json"])
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["kind"] == "mixed" and summary["authorization"] is None
    assert [e["drone"] for e in summary["estimates"]] == ["drone1", "drone2", "drone3"]
    assert summary["estimates"][1]["photos"] == report.estimates[1].photos > 0
    assert summary["checks"]["rules"]["max_alt_m"]["source"].startswith("Ministry of Transport announcement")
    assert summary["fence_alt_max_m"] == {"drone1": None, "drone2": None, "drone3": None}


def test_nan_params_that_arducopter_rejects_are_errors():
    from dronepatrol.mission import Cmd, MissionItem

    zone = roiet()
    nan = float("nan")
    bad = MissionItem(command=Cmd.NAV_LOITER_TIME, params=(10.0, 0.0, 0.0, nan), lon=103.6500, lat=16.0560,
                      alt_m=40.0)
    ok = MissionItem(command=Cmd.NAV_WAYPOINT, params=(0.0, 0.0, 0.0, nan), lon=103.6500, lat=16.0560, alt_m=40.0)
    refused = check_missions([mission("drone1", PROVINCIAL_HALL, (takeoff(30.0), bad, rtl()))], zone)
    assert [f.message for f in refused.errors if f.rule == "format" and "param4" in f.message]
    assert "INVALID_PARAM4" in refused.errors[0].message
    accepted = check_missions([mission("drone1", PROVINCIAL_HALL, (takeoff(30.0), ok, rtl()))], zone)
    assert not [f for f in accepted.errors if f.rule == "format"]


def test_commands_arducopter_does_not_store_are_errors():
    from dronepatrol.mission import MissionItem

    zone = roiet()
    roi_location = MissionItem(command=195, lon=103.6500, lat=16.0560)  # DO_SET_ROI_LOCATION
    report = check_missions([mission("drone1", PROVINCIAL_HALL, (takeoff(30.0), roi_location, rtl()))], zone)
    assert [f for f in report.errors if f.rule == "format" and "MAV_MISSION_UNSUPPORTED" in f.message]


def test_more_items_than_arducopter_stores_is_a_warning():
    zone = roiet()
    items = (takeoff(30.0), *[waypoint(103.6500, 16.0560 + 1e-6 * (k % 2), 40.0) for k in range(660)], rtl())
    report = check_missions([mission("drone1", PROVINCIAL_HALL, items)], zone)
    assert [w for w in report.warnings if "NO_SPACE" in w.message and "663 mission items" in w.message]
