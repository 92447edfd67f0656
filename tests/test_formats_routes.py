"""GeoJSON routes and KML: all drones in one file, round trips, map-ready geometry."""

from __future__ import annotations

import contextlib
import json
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dronepatrol.errors import MissionFileError
from dronepatrol.formats import FORMATS, kml, routes_geojson
from tests.missionfixtures import assert_same_mission, legal_missions, missions_st


@settings(max_examples=40, deadline=None)
@given(st.lists(missions_st(), min_size=1, max_size=3, unique_by=lambda m: (m.drone, m.sortie)))
@pytest.mark.parametrize("name", ["geojson", "kml"])
def test_random_fleets_round_trip_exactly(name, missions):
    fmt = FORMATS[name]
    back = fmt.loads(fmt.dumps(missions), f"routes{fmt.suffix}")
    assert len(back) == len(missions)
    for a, b in zip(back, missions, strict=True):
        assert_same_mission(a, b, deg=0.0)


def test_geojson_has_one_route_line_per_drone_and_points_for_items():
    missions = legal_missions()
    doc = json.loads(routes_geojson.dumps(missions))
    assert doc["type"] == "FeatureCollection"
    routes = [f for f in doc["features"] if f["properties"]["role"] == "route"]
    assert [r["properties"]["drone"] for r in routes] == ["drone1", "drone2", "drone3"]
    line = routes[0]["geometry"]
    assert line["type"] == "LineString"
    # home on the ground, take-off climb, waypoints, RTL back over home, landing: [lon, lat, alt]
    assert line["coordinates"][0] == [103.6488, 16.0563, 0.0]
    assert line["coordinates"][1] == [103.6488, 16.0563, 30.0]
    assert line["coordinates"][2] == [103.6492, 16.0575, 30.0]
    assert line["coordinates"][-1] == [103.6488, 16.0563, 0.0]
    items = [f for f in doc["features"] if f["properties"]["role"] == "item" and f["properties"]["drone"] == "drone1"]
    wp = items[1]
    assert wp["geometry"] == {"type": "Point", "coordinates": [103.6492, 16.0575]}
    assert wp["properties"]["seq"] == 2 and wp["properties"]["command_name"] == "NAV_WAYPOINT"
    assert wp["properties"]["params"] == [0.0, 0.0, 0.0, None]
    assert items[-1]["geometry"] is None and items[-1]["properties"]["command"] == 20


def test_kml_routes_are_relative_to_ground_for_google_earth():
    text = kml.dumps(legal_missions())
    root = ET.fromstring(text)
    ns = {"k": kml.NS}
    folders = root.findall(".//k:Folder", ns)
    assert [f.find("k:name", ns).text for f in folders] == ["drone1", "drone2", "drone3"]
    line = folders[0].find(".//k:LineString", ns)
    assert line.find("k:altitudeMode", ns).text == "relativeToGround"
    first = line.find("k:coordinates", ns).text.split()[:3]
    assert first == ["103.6488,16.0563,0.0", "103.6488,16.0563,30.0", "103.6492,16.0575,30.0"]
    names = [p.find("k:name", ns).text for p in folders[0].findall("k:Placemark", ns)]
    assert "2 NAV_WAYPOINT" in names


def test_kml_with_entities_is_refused():
    bomb = '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaa">]><kml xmlns="http://www.opengis.net/kml/2.2"/>'
    with pytest.raises(MissionFileError, match="DOCTYPE"):
        kml.loads(bomb, "x.kml")


@pytest.mark.parametrize(
    ("fmt", "text", "expected"),
    [
        ("geojson", "[1, 2]", "x: not a GeoJSON FeatureCollection"),
        ("geojson", '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"role": "item", '
                    '"drone": "d", "seq": 1, "command": 16, "frame": 3, "params": [0, 0, 0, 0]}, "geometry": null}]}',
         "drone d sortie 1: has no home feature"),
        ("kml", "<kml><Document>", "x: line 1 column 16: not XML"),
        ("kml", '<kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>', "no mission folders"),
    ],
)
def test_bad_files(fmt, text, expected):
    with pytest.raises(MissionFileError) as exc:
        FORMATS[fmt].loads(text, "x")
    assert expected in str(exc.value)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 400), st.sampled_from(["geojson", "kml"]))
def test_truncated_files_fail_cleanly(cut, name):
    text = FORMATS[name].dumps(legal_missions()[:1])
    with contextlib.suppress(MissionFileError):
        FORMATS[name].loads(text[: cut * 37], "x")
