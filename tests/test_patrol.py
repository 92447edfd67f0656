"""plan_patrol: missions per drone, safe legs, DO_JUMP loops, dwell, drops, incidents, shuffle."""

from __future__ import annotations

import itertools
import json
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from dronepatrol.config import DroneConfig, FleetConfig, default_fleet
from dronepatrol.errors import SafetyError, UsageError
from dronepatrol.formats.incidents import read_incidents
from dronepatrol.mission import Cmd
from dronepatrol.planning.checks import check_missions
from dronepatrol.planning.estimate import estimate_mission
from dronepatrol.planning.patrol import DEFAULT_DWELL_S, plan_patrol
from dronepatrol.zones import load_zone

ROOT = Path(__file__).resolve().parent.parent
ROIET = ROOT / "geofences" / "roiet.geojson"
PHITSANULOK = ROOT / "geofences" / "phitsanulok-zone4.geojson"
FIXTURES = Path(__file__).parent / "fixtures" / "patrol"
NOW = datetime(2026, 5, 10, 12, 0, tzinfo=timezone(timedelta(hours=7)))
FAST = {"time_limit_s": 0.1}


@pytest.fixture(scope="module")
def zone():
    return load_zone(ROIET)


@pytest.fixture(scope="module")
def plan(zone):
    return plan_patrol(zone, **FAST)


def positions(zone, mission):
    """Metric positions of the mission's nav items, home first (take-off climbs in place)."""
    out = [zone.frame.xy(mission.home.lon, mission.home.lat)]
    for it in mission.items:
        if it.has_position:
            out.append(zone.frame.xy(it.lon, it.lat))
    return out


def test_every_hotspot_once_and_checks_pass(zone, plan) -> None:
    names = [s.ranked.name for r in plan.routes for s in r.stops]
    assert sorted(names) == sorted(h.name for h in zone.hotspots)
    assert [m.drone for m in plan.missions] == ["drone1", "drone2", "drone3"]
    assert plan.dropped == ()
    report = check_missions(plan.missions, zone)
    assert report.ok, [f.message for f in report.errors]


def test_mission_layout(zone, plan) -> None:
    for m, r in zip(plan.missions, plan.routes, strict=True):
        items = m.items
        assert [items[0].command, items[1].command, items[2].command] == [
            Cmd.NAV_TAKEOFF, Cmd.DO_CHANGE_SPEED, Cmd.NAV_WAYPOINT]
        assert items[1].params[1] == 10.0
        roi_off = items[-2]  # DO_SET_ROI at 0, 0: ArduCopter stops pointing the camera
        assert [roi_off.command, items[-1].command] == [Cmd.DO_SET_ROI, Cmd.NAV_RETURN_TO_LAUNCH]
        assert (roi_off.lon, roi_off.lat, roi_off.alt_m) == (0.0, 0.0, 0.0)
        assert not any(it.command == Cmd.DO_JUMP for it in items)  # one loop
        rois = [k for k, it in enumerate(items) if it.command == Cmd.DO_SET_ROI and it.lat != 0.0]
        assert len(rois) == len(r.stops)
        for k, s in zip(rois, r.stops, strict=True):
            wp, roi, loiter, shot = items[k - 1], items[k], items[k + 1], items[k + 2]
            h = s.ranked.hotspot
            assert wp.command == Cmd.NAV_WAYPOINT and (wp.lon, wp.lat) == pytest.approx((h.lon, h.lat), abs=1e-9)
            assert (roi.lon, roi.lat) == (h.lon, h.lat)
            assert loiter.command == Cmd.NAV_LOITER_TIME and loiter.params[0] == DEFAULT_DWELL_S[h.kind]
            assert shot.command == Cmd.DO_DIGICAM_CONTROL
        # home is the drone's launch site, and the loop starts and ends over it
        site = zone.launches[plan.missions.index(m)]
        assert (m.home.lon, m.home.lat) == (site.lon, site.lat)
        nav = [it for it in items if it.has_position]
        assert (nav[0].lon, nav[0].lat) == pytest.approx((site.lon, site.lat), abs=1e-7)
        assert (nav[-1].lon, nav[-1].lat) == pytest.approx((site.lon, site.lat), abs=1e-7)
        assert not m.geofence.is_empty and m.rally


def assert_legs_safe(zone, plan) -> int:
    """Every leg between consecutive positions is in the free region; returns the bend count."""
    bends = 0
    for m in plan.missions:
        pts = positions(zone, m)
        bends += sum(1 for it in m.items if it.command == Cmd.NAV_WAYPOINT) - len(
            [it for it in m.items if it.command == Cmd.NAV_LOITER_TIME]) - 2
        for a, b in itertools.pairwise(pts):
            assert plan.space.visible(a, b), (m.drone, a, b)
    return bends


def test_every_leg_stays_in_the_free_region(zone, plan) -> None:
    assert_legs_safe(zone, plan)


@pytest.mark.parametrize("loops", [2, 4])
def test_do_jump_targets_the_first_patrol_item(zone, loops: int) -> None:
    p = plan_patrol(zone, loops=loops, **FAST)
    for m, r in zip(p.missions, p.routes, strict=True):
        jumps = [(seq, it) for seq, it in enumerate(m.items, start=1) if it.command == Cmd.DO_JUMP]
        assert len(jumps) == 1
        seq, jump = jumps[0]
        target, repeat = int(jump.params[0]), int(jump.params[1])
        assert (target, repeat) == (3, loops - 1)
        first = m.items[target - 1]  # items[0] is seq 1
        assert first.command == Cmd.NAV_WAYPOINT
        assert m.items[seq - 2].command == Cmd.NAV_WAYPOINT  # back over the launch site
        assert (m.items[seq - 2].lon, m.items[seq - 2].lat) == (first.lon, first.lat)
        one = estimate_mission(m.with_items(tuple(i for i in m.items if i.command != Cmd.DO_JUMP)), zone.frame)
        assert estimate_mission(m, zone.frame).time_s == pytest.approx(one.time_s + (loops - 1) * r.loop_time_s,
                                                                      rel=1e-6)
    assert check_missions(p.missions, zone).ok


def test_loops_max_fills_the_endurance(zone) -> None:
    p = plan_patrol(zone, loops="max", **FAST)
    limit = 25 * 60 * 0.8
    for r in p.routes:
        assert r.loops >= 2
        assert r.time_s <= limit < r.time_s + r.loop_time_s
    assert check_missions(p.missions, zone).ok
    assert p.summary["loops"] == "max"


def test_dwell_order_of_precedence(tmp_path: Path) -> None:
    doc = json.loads(ROIET.read_text())
    for f in doc["features"]:
        if f["properties"].get("name") == "Roi Et fresh market":
            f["properties"]["dwell_s"] = 99
    path = tmp_path / "z.geojson"
    path.write_text(json.dumps(doc))
    z = load_zone(path)
    dwell = {s.ranked.name: s.dwell_s for r in plan_patrol(z, **FAST).routes for s in r.stops}
    assert dwell["Roi Et fresh market"] == 99 and dwell["Tang Kim Heng gold shop"] == 45
    assert dwell["7-Eleven Phadung Phanit"] == 20
    forced = {s.dwell_s for r in plan_patrol(z, dwell=12, **FAST).routes for s in r.stops}
    assert forced == {12}


def test_min_priority_and_endurance_drop_lowest_first(zone) -> None:
    p = plan_patrol(zone, min_priority=5, **FAST)
    kept = [s.ranked for r in p.routes for s in r.stops]
    assert kept and all(k.priority == 5 for k in kept)
    assert {h.name for h, _ in p.dropped} == {h.name for h in p.hotspots if h.priority < 5}
    assert all("below --min-priority 5" in why for _, why in p.dropped)
    short = FleetConfig(drones=tuple(DroneConfig(name=f"d{i}", connection="", system_id=i + 1, endurance_min=6.0)
                                     for i in range(3)))
    p = plan_patrol(zone, fleet=short, **FAST)
    kept = [s.ranked.priority for r in p.routes for s in r.stops]
    dropped = [h.priority for h, _ in p.dropped]
    assert dropped and kept
    # every priority-5 hotspot is kept; no dropped hotspot fits anywhere, even in place of a lower one
    assert 5 not in dropped and sorted(kept, reverse=True)[:5] == [5] * 5
    assert sorted(dropped) == [3, 3, 4, 4, 4]
    assert all(r.time_s <= 6 * 60 * 0.8 for r in p.routes)
    assert check_missions(p.missions, zone, fleet=short).ok
    assert [d["name"] for d in p.summary["dropped"]] == [h.name for h, _ in p.dropped]


def test_incidents_add_a_temporary_hotspot_to_a_route(zone) -> None:
    p = plan_patrol(zone, incidents=read_incidents(FIXTURES / "incidents.csv"), now=NOW, **FAST)
    stops = {s.ranked.name: s for r in p.routes for s in r.stops}
    temp = [s for s in stops.values() if s.ranked.temporary]
    assert len(temp) == 1 and temp[0].dwell_s == DEFAULT_DWELL_S["incident"]
    assert stops["Sa Kaeo school"].ranked.priority == 5
    spots = [h for d in p.summary["drones"] for h in d["hotspots"]]
    school = next(h for h in spots if h["name"] == "Sa Kaeo school")
    assert school["reasons"][-1].startswith("+2: 2 reported incidents within 100 m")
    assert p.summary["incidents"]["temporary_hotspots"] == 1


def test_hotspot_in_a_no_fly_area_is_watched_from_the_nearest_safe_point(tmp_path: Path) -> None:
    doc = json.loads(ROIET.read_text())
    doc["features"].append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [103.6572, 16.0548]},
                            "properties": {"role": "hotspot", "name": "Tower base", "kind": "landmark"}})
    path = tmp_path / "z.geojson"
    path.write_text(json.dumps(doc))
    z = load_zone(path)
    p = plan_patrol(z, **FAST)
    stop = next(s for r in p.routes for s in r.stops if s.ranked.name == "Tower base")
    assert 70.0 <= stop.observed_from_m <= 72.0  # 60 m circle + 10 m margin (+ 0.5 m inside)
    m = next(m for m, r in zip(p.missions, p.routes, strict=True) if stop in r.stops)
    roi = next(it for it in m.items if it.command == Cmd.DO_SET_ROI and it.lon == 103.6572)
    assert roi.lat == 16.0548
    assert check_missions(p.missions, z).ok
    assert assert_legs_safe(z, p) > 0  # legs to and from the tower bend around it


def test_shuffle_varies_order_within_ten_percent(zone) -> None:
    orders = set()
    for seed in range(4):
        p = plan_patrol(zone, order="shuffle", seed=seed, **FAST)
        s = p.summary
        assert s["chosen_longest_route_s"] <= 1.10 * s["best_longest_route_s"] + 0.1
        orders.add(tuple(tuple(x.ranked.name for x in r.stops) for r in p.routes))
    assert len(orders) >= 2


def test_crossing_routes_fly_at_separated_altitudes(zone) -> None:
    p = plan_patrol(zone, loops=2, **FAST)
    alts = sorted(r.alt_m for r in p.routes)
    assert alts in ([50.0, 50.0, 50.0], [35.0, 50.0, 65.0])
    for m, r in zip(p.missions, p.routes, strict=True):
        assert all(it.alt_m == r.alt_m for it in m.items if it.has_position)


def test_bad_options_and_unsafe_zones(zone) -> None:
    with pytest.raises(UsageError, match="--alt 120"):
        plan_patrol(zone, alt_m=120)
    with pytest.raises(UsageError, match="--loops 'many'"):
        plan_patrol(zone, loops="many")
    with pytest.raises(UsageError, match="--order 'random'"):
        plan_patrol(zone, order="random")
    with pytest.raises(UsageError, match="3 launch site"):
        plan_patrol(zone, fleet=default_fleet(4))
    with pytest.raises(SafetyError, match="--authorization"):
        plan_patrol(load_zone(PHITSANULOK))


def test_summary_reports_per_drone_time_distance_and_reasons(plan) -> None:
    s = plan.summary
    assert s["kind"] == "patrol" and len(s["drones"]) == 3
    for d, r in zip(s["drones"], plan.routes, strict=True):
        assert d["time_s"] == pytest.approx(r.time_s, abs=0.1) and d["distance_m"] > 0
        assert all(h["reasons"] and 1 <= h["priority"] <= 5 for h in d["hotspots"])
    assert math.isclose(s["best_longest_route_s"], s["chosen_longest_route_s"])
