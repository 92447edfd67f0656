"""Verified upload of mission + fence + rally to simulated ArduCopters, concurrently.

The read-back proof is independent: after the upload the test closes the tool's links and
downloads each drone's three lists with the plain-pymavlink ground station of the simulator tests.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from dronepatrol.errors import SafetyError
from dronepatrol.mavlink import fleetops
from dronepatrol.mavlink.items import compare, plan_lists
from dronepatrol.mission import FencePolygon, Geofence, MissionItem, RallyPoint, waypoint
from tests.mavlink.plainport import plain_ports, sim_factory
from tests.missionfixtures import legal_missions
from tests.sim.conftest import Gcs


def fenced(m):
    """A legal mission with a small fence (inclusion polygon, an exclusion, a return point) and rally."""
    lon, lat = m.home.lon, m.home.lat
    square = ((lon - 0.01, lat - 0.01), (lon + 0.01, lat - 0.01), (lon + 0.01, lat + 0.01), (lon - 0.01, lat + 0.01))
    hole = ((lon + 0.005, lat + 0.005), (lon + 0.006, lat + 0.005), (lon + 0.006, lat + 0.006))
    fence = Geofence(polygons=(FencePolygon(vertices=square, inclusion=True),
                               FencePolygon(vertices=hole, inclusion=False)),
                     max_alt_m=90.0, return_point=(lon, lat))
    return replace(m, geofence=fence, rally=(RallyPoint(lon=lon, lat=lat + 0.001, alt_m=30.0),))


@pytest.fixture
def make_fleet():
    with sim_factory() as make:
        yield make


@pytest.fixture
def fleet3(make_fleet):
    return make_fleet(drones=3)


def ports_of(fleet):
    return [(f"drone{i + 1}", f"tcp:127.0.0.1:{p}", i + 1) for i, p in enumerate(fleet.ports)]


def independent_readback(fleet, i: int) -> dict[int, list]:
    from dronepatrol.mavlink.items import wire_from_msg

    g = Gcs(fleet.ports[i], target=i + 1)
    try:
        g.wait("HEARTBEAT", 5)
        return {mt: [wire_from_msg(m) for m in g.download(mt)] for mt in (0, 1, 2)}
    finally:
        g.close()


def test_upload_to_three_drones_is_verified_and_independently_read_back(fleet3, tmp_path) -> None:
    missions = {f"drone{k + 1}": fenced(m) for k, m in enumerate(legal_missions())}
    with plain_ports(ports_of(fleet3)) as links:
        results = fleetops.upload_fleet(links, missions, state=tmp_path)
    assert all(o.ok for o in results.values()), {n: str(o.error) for n, o in results.items()}
    for k, (name, m) in enumerate(missions.items()):
        r = results[name].value
        assert (r.items, r.fence, r.rally, r.verified, r.already_on_board) == (len(m.items), 8, 1, True, False)
        assert r.params["FENCE_ENABLE"] == 1 and r.params["FENCE_ALT_MAX"] == 90 and r.params["FENCE_TYPE"] == 5
        assert r.params["FENCE_ACTION"] != 0
        board = independent_readback(fleet3, k)
        want = plan_lists(m)
        for mt in (0, 1, 2):
            assert compare(want[mt], board[mt], mt) == [], (name, mt)
        assert fleet3.vehicle(k).params.get("FENCE_ENABLE") == 1
    records = fleetops.load_uploads(tmp_path)
    assert sorted(records) == ["drone1", "drone2", "drone3"] and records["drone2"].takes_photos
    assert records["drone1"].counts == {"mission": len(missions["drone1"].items) + 1, "fence": 8, "rally": 1}


def test_identical_plan_on_board_is_only_checked(make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=1)
    m = fenced(legal_missions()[1])
    with plain_ports(ports_of(fleet)) as links:
        first = fleetops.upload_fleet(links, {"drone1": m}, state=tmp_path)["drone1"]
        mark = len(links["drone1"].sent)
        again = fleetops.upload_fleet(links, {"drone1": m}, state=tmp_path)["drone1"]
        rerun = set(links["drone1"].sent[mark:]) - {"HEARTBEAT", "REQUEST_DATA_STREAM"}
        changed = replace(m, items=(*m.items[:-1], waypoint(m.home.lon, m.home.lat + 0.001, 40.0), m.items[-1]))
        third = fleetops.upload_fleet(links, {"drone1": changed}, state=tmp_path)["drone1"]
    assert first.ok and not first.value.already_on_board
    assert again.ok and again.value.already_on_board
    assert rerun == {"PARAM_REQUEST_READ", "MISSION_REQUEST_LIST", "MISSION_REQUEST_INT", "MISSION_ACK"}  # read only
    assert third.ok and not third.value.already_on_board and third.value.items == len(m.items) + 1
    assert fleetops.load_uploads(tmp_path)["drone1"].digests["mission"] != first.value.record.digests["mission"]


def test_fence_not_enabled_is_uploaded_again(make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=1)
    m = fenced(legal_missions()[0])
    with plain_ports(ports_of(fleet)) as links:
        assert fleetops.upload_fleet(links, {"drone1": m}, state=tmp_path)["drone1"].ok
        with fleet.lock:
            fleet.vehicle(0).params.set("FENCE_ENABLE", 0)
        again = fleetops.upload_fleet(links, {"drone1": m}, state=tmp_path)["drone1"]
    assert again.ok and not again.value.already_on_board and again.value.params["FENCE_ENABLE"] == 1


def test_too_many_items_refused_before_anything_is_sent(make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=1)
    m = fenced(legal_missions()[0])
    big = replace(m, items=tuple(waypoint(m.home.lon, m.home.lat, 20.0 + k % 10) for k in range(650)))
    with plain_ports(ports_of(fleet)) as links, pytest.raises(SafetyError) as err:
        fleetops.upload_fleet(links, {"drone1": big}, state=tmp_path)
    assert "651 mission items (home included) but the drone stores at most 650" in str(err.value)
    assert fleet.vehicle(0).mission.item_count() <= 1 and fleet.vehicle(0).fence.item_count() == 0
    assert fleetops.load_uploads(tmp_path) == {}


def test_fence_too_big_refused_naming_the_limit(make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=1)
    m = fenced(legal_missions()[0])
    lon, lat = m.home.lon, m.home.lat
    many = tuple(FencePolygon(vertices=((lon + k * 1e-3, lat), (lon + k * 1e-3 + 5e-4, lat),
                                        (lon + k * 1e-3, lat + 5e-4), (lon + k * 1e-3 - 1e-4, lat + 2e-4)),
                              inclusion=False) for k in range(25))
    m = replace(m, geofence=replace(m.geofence, polygons=m.geofence.polygons + many))
    with plain_ports(ports_of(fleet)) as links, pytest.raises(SafetyError) as err:
        fleetops.upload_fleet(links, {"drone1": m}, state=tmp_path)
    assert "but the flight controller stores 560 bytes (70 items)" in str(err.value)


def test_a_rejected_drone_fails_alone_and_is_not_recorded(fleet3, tmp_path) -> None:
    missions = {f"drone{k + 1}": fenced(m) for k, m in enumerate(legal_missions())}
    bad = missions["drone2"]
    missions["drone2"] = replace(bad, items=(*bad.items[:2], MissionItem(command=31999), *bad.items[2:]))
    with plain_ports(ports_of(fleet3)) as links:
        results = fleetops.upload_fleet(links, missions, state=tmp_path)
    assert results["drone1"].ok and results["drone3"].ok
    err = results["drone2"].error
    assert results["drone2"].exit_code == 6
    assert str(err).startswith("drone2: mission upload: the vehicle does not support item 3 (command 31999)")
    assert sorted(fleetops.load_uploads(tmp_path)) == ["drone1", "drone3"]


def test_upload_over_a_lossy_link_completes_and_verifies(make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=1, loss=0.1, seed=3)
    m = fenced(legal_missions()[1])
    with plain_ports(ports_of(fleet)) as links:
        out = fleetops.upload_fleet(links, {"drone1": m}, state=tmp_path)["drone1"]
    assert out.ok and out.value.verified, out.error
