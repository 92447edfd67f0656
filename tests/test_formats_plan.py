"""QGroundControl .plan: round trips, QGroundControl's own layout, old item layouts, errors."""

from __future__ import annotations

import contextlib
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dronepatrol.errors import MissionFileError
from dronepatrol.formats import FORMATS, format_for
from dronepatrol.formats.plan import dumps_plan, loads_plan, plan_dict
from dronepatrol.mission import Cmd, Geofence, Home, Mission, do_jump, rtl, takeoff, waypoint
from tests.missionfixtures import FIXTURES, assert_same_mission, legal_missions, missions_st


def roundtrip(m: Mission) -> Mission:
    (back,) = loads_plan(dumps_plan(m), f"out/{m.file_stem}.plan")
    return back


@settings(max_examples=60, deadline=None)
@given(missions_st())
def test_random_missions_round_trip_exactly(m):
    assert_same_mission(roundtrip(m), m, deg=0.0)


def test_layout_follows_qgroundcontrols_loader():
    m = legal_missions()[2]
    doc = plan_dict(m)
    assert (doc["fileType"], doc["version"]) == ("Plan", 1)
    mission = doc["mission"]
    assert (mission["version"], mission["firmwareType"], mission["vehicleType"]) == (2, 3, 2)
    assert mission["plannedHomePosition"] == [m.home.lat, m.home.lon, 140.0]  # [lat, lon, alt AMSL]
    assert mission["cruiseSpeed"] == 10.0 and mission["hoverSpeed"] == 5.0
    first = mission["items"][1]
    assert first == {
        "autoContinue": True,
        "command": 16,
        "doJumpId": 2,
        "frame": 3,
        "params": [0.0, 0.0, 0.0, None, 16.0515, 103.656, 70.0],  # NaN yaw -> null; lat before lon
        "type": "SimpleItem",
    }
    assert [it["doJumpId"] for it in mission["items"]] == [1, 2, 3, 4, 5]
    assert doc["geoFence"]["version"] == 2 and doc["rallyPoints"]["version"] == 2
    text = dumps_plan(m)
    assert "NaN" not in text  # QGroundControl's JSON parser rejects NaN


def test_fence_rally_and_max_alt_survive_and_max_alt_sits_in_an_extra_key():
    from dronepatrol.mission import FenceCircle, FencePolygon, RallyPoint

    fence = Geofence(
        polygons=(FencePolygon(vertices=((103.64, 16.04), (103.67, 16.04), (103.67, 16.07)), inclusion=True),),
        circles=(FenceCircle(lon=103.6572, lat=16.0548, radius_m=60.0, inclusion=False),),
        max_alt_m=90.0,
        return_point=(103.653, 16.0518),
    )
    m = Mission(drone="drone1", home=Home(lon=103.653, lat=16.0518), items=(takeoff(20), rtl()), geofence=fence,
                rally=(RallyPoint(lon=103.6488, lat=16.0563, alt_m=30.0),))
    doc = plan_dict(m)
    assert doc["geoFence"]["circles"][0] == {
        "circle": {"center": [16.0548, 103.6572], "radius": 60.0}, "inclusion": False, "version": 1}
    assert doc["geoFence"]["polygons"][0]["polygon"][0] == [16.04, 103.64]
    assert doc["rallyPoints"]["points"] == [[16.0563, 103.6488, 30.0]]
    assert doc["dronepatrol"]["fenceMaxAltM"] == 90.0
    assert roundtrip(m).geofence == fence


def test_sortie_comes_from_the_file_name():
    m = Mission(drone="drone2", sortie=3, home=Home(lon=103.65, lat=16.05), items=(takeoff(10), rtl()))
    doc = plan_dict(m)
    del doc["dronepatrol"]  # a plan edited in QGroundControl may lose our key
    (back,) = loads_plan(json.dumps(doc), "dir/drone2-sortie3.plan")
    assert (back.drone, back.sortie, back.file_stem) == ("drone2", 3, "drone2-sortie3")


def test_qgroundcontrol_survey_plan_loads():
    path = FIXTURES / "qgc-survey.plan"
    (m,) = loads_plan(path.read_text(), str(path))
    assert (m.home.lon, m.home.lat, m.home.alt_amsl_m) == (103.653, 16.0518, 140.0)
    # take-off + 16 survey items (4 lanes x [wp, trigger, wp, stop]) + RTL
    assert len(m.items) == 18
    assert [i.command for i in m.items[:5]] == [22, 16, 206, 16, 206]
    assert m.items[1].lon == 103.651 and m.items[1].lat == 16.053 and m.items[1].alt_m == 45
    assert math.isnan(m.items[1].params[3])  # null -> NaN
    assert m.items[2].params == (25.0, 0.0, 1.0, 0.0)
    assert m.items[-1].command == Cmd.NAV_RETURN_TO_LAUNCH
    assert len(m.geofence.polygons[0].vertices) == 8 and m.geofence.polygons[0].vertices[0] == (103.645, 16.048)
    assert m.geofence.circles[0].radius_m == 60
    assert m.rally[0].lon == 103.6488
    assert m.drone == "qgc-survey"


def test_do_jump_targets_follow_doJumpId():
    doc = plan_dict(Mission(drone="d", home=Home(lon=103.65, lat=16.05),
                            items=(takeoff(10), waypoint(103.651, 16.051, 20), do_jump(2, 3), rtl())))
    # a QGroundControl file whose doJumpIds do not equal the positions
    for k, item in enumerate(doc["mission"]["items"]):
        item["doJumpId"] = 10 + k
    doc["mission"]["items"][2]["params"][0] = 11  # jump to the waypoint by its doJumpId
    (m,) = loads_plan(json.dumps(doc), "d.plan")
    assert m.items[2].params[:2] == (2.0, 3.0)


def test_old_item_layouts_load():
    doc = plan_dict(Mission(drone="d", home=Home(lon=103.65, lat=16.05), items=(takeoff(10), rtl())))
    doc["mission"]["items"] = [
        {"type": "SimpleItem", "command": 16, "frame": 3, "autoContinue": True,
         "params": [2, 0, 0, 0], "coordinate": [16.051, 103.651, 25]},
        {"type": "missionItem", "command": 16, "frame": 3, "autoContinue": True,
         "param1": 0, "param2": 0, "param3": 0, "param4": 0, "coordinate": [16.052, 103.652, 30]},
    ]
    (m,) = loads_plan(json.dumps(doc), "d.plan")
    got = [(i.lon, i.lat, i.alt_m, i.params[0]) for i in m.items]
    assert got == [(103.651, 16.051, 25, 2), (103.652, 16.052, 30, 0)]


def _doc_with(item: dict) -> str:
    doc = plan_dict(Mission(drone="d", home=Home(lon=103.65, lat=16.05), items=(takeoff(10),)))
    doc["mission"]["items"].append(item)
    return json.dumps(doc, indent=2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"fileType": "Plan",\n "version": 1,,}', "d.plan: line 2 column 15: not JSON"),
        ('{"fileType": "Mission", "version": 1}', 'fileType is \'Mission\', not "Plan"'),
        ('{"fileType": "Plan", "version": 1}', 'no "mission" object'),
        (_doc_with({"type": "SimpleItem", "command": 16, "frame": 3, "autoContinue": True, "params": [0] * 6}),
         "d.plan: item 2 (mission.items[1]): 6 params — give 7 params"),
        (_doc_with({"type": "SimpleItem", "command": 16, "frame": 3, "autoContinue": True,
                    "params": [0, 0, 0, 0, 103.65, 16.05, 20]}),
         "item 2 (mission.items[1]): latitude 103.65 / longitude 16.05 out of range"),
        (_doc_with({"type": "SimpleItem", "command": 177, "frame": 2, "autoContinue": True,
                    "params": [9, 1, 0, 0, 0, 0, 0]}),
         "item 2: DO_JUMP to 9, which is no item of this mission — jump to an item 1..2"),
        (_doc_with({"type": "ComplexItem", "complexItemType": "StructureScan"}),
         'ComplexItem "StructureScan" has no TransectStyleComplexItem.Items'),
        (_doc_with({"type": "SimpleItem", "command": "WAYPOINT", "frame": 3, "autoContinue": True,
                    "params": [0] * 7}), "command is 'WAYPOINT'"),
    ],
)
def test_bad_files_say_where_and_what(text, expected):
    with pytest.raises(MissionFileError) as exc:
        loads_plan(text, "d.plan")
    assert expected in str(exc.value)
    assert exc.value.exit_code == 3


@settings(max_examples=150, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(
        st.sampled_from(["fileType", "version", "mission", "items", "params", "type", "command", "frame",
                         "plannedHomePosition", "geoFence", "rallyPoints", "polygons", "circles", "points"]),
        c, max_size=5),
    max_leaves=25,
))
def test_parser_fails_only_with_mission_file_errors(doc):
    for d in (doc, {"fileType": "Plan", "version": 1, "mission": doc},
              {"fileType": "Plan", "version": 1, "mission": {"version": 2, "plannedHomePosition": [16, 103, 0],
                                                             "items": doc}}):
        with contextlib.suppress(MissionFileError):
            loads_plan(json.dumps(d), "fuzz.plan")


def test_registry_and_sniffing():
    assert FORMATS["plan"].suffix == ".plan"
    assert format_for("x.unknown", '{"fileType": "Plan"}') is FORMATS["plan"]
    assert format_for("x.txt", "QGC WPL 110\n") is FORMATS["waypoints"]
    assert format_for("x.txt", "") is FORMATS["waypoints"]
    assert format_for("x.bin", "") is None
