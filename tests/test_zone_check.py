"""zone check: the example zones are valid; every invalid case exits 3 naming feature and problem."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from dronepatrol.errors import ZoneError
from dronepatrol.zones import check_zone_text, load_zone
from tests.conftest import GEOFENCES, PHITSANULOK, ROIET


@pytest.mark.parametrize("path", sorted(GEOFENCES.glob("*.geojson")), ids=lambda p: p.name)
def test_every_shipped_zone_is_valid(cli, path: Path) -> None:
    r = cli("zone", "check", path)
    assert r.exit_code == 0, r.stderr
    assert "valid" in r.stderr


def test_roiet_summary_numbers(cli) -> None:
    r = cli("zone", "check", ROIET, "--json")
    assert r.exit_code == 0
    s = r.json["summary"]
    assert 150 <= s["area_ha"] <= 300  # the issue asks 1.5-3 km²
    assert s["epsg"] == 32648
    assert s["hotspots_by_kind"]["bank"] >= 2 and s["hotspots_by_kind"]["gold_shop"] >= 1
    assert s["cctv"]["broken"] >= 1 and s["cctv"]["working"] >= 1
    assert len(s["launches"]) == 3
    assert any(n["name"] == "Roi Et Tower" and n["radius_m"] for n in s["nofly"])
    assert s["airport_rings_touching"] == []  # VTUV is about 15 km away


def test_phitsanulok_inside_airport_ring(cli) -> None:
    r = cli("zone", "check", PHITSANULOK, "--json")
    assert r.exit_code == 0
    assert r.json["summary"]["airport_rings_touching"] == ["VTPP"]
    assert len(r.json["summary"]["communities"]) == 17
    assert any("VTPP" in w["message"] and "--authorization" in w["hint"] for w in r.json["warnings"])


def test_stdin(cli) -> None:
    r = cli("zone", "check", "-", stdin=ROIET.read_text())
    assert r.exit_code == 0
    assert "<stdin>: valid" in r.stderr


def test_human_output_on_stderr_json_on_stdout(cli) -> None:
    human = cli("zone", "check", ROIET)
    assert human.stdout == ""
    machine = cli("zone", "check", ROIET, "--json")
    assert json.loads(machine.stdout)["valid"] is True


# --- invalid cases ---------------------------------------------------------------------------


def _zone_ring(doc: dict) -> list:
    return doc["features"][0]["geometry"]["coordinates"][0]


def _feature(doc: dict, name: str) -> dict:
    return next(f for f in doc["features"] if f["properties"].get("name") == name)


def _unclosed(d: dict) -> None:
    _zone_ring(d).pop()


def _short_ring(d: dict) -> None:
    d["features"][0]["geometry"]["coordinates"][0] = [*_zone_ring(d)[:2], _zone_ring(d)[0]]


def _bowtie(d: dict) -> None:
    ring = _zone_ring(d)
    ring[1], ring[2] = ring[2], ring[1]


def _hole_outside(d: dict) -> None:
    d["features"][0]["geometry"]["coordinates"].append(
        [[103.70, 16.10], [103.701, 16.10], [103.701, 16.101], [103.70, 16.10]]
    )


def _lat_range(d: dict) -> None:
    _feature(d, "Bangkok Bank Roi Et")["geometry"]["coordinates"] = [103.65, 95.0]


def _swapped(d: dict) -> None:
    for p in _zone_ring(d):
        p[0], p[1] = p[1], p[0]


def _projected(d: dict) -> None:
    _feature(d, "Bangkok Bank Roi Et")["geometry"]["coordinates"] = [283456.0, 1776543.0]


def _crs(d: dict) -> None:
    d["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32648"}}


def _non_numeric(d: dict) -> None:
    _zone_ring(d)[2][0] = "103.66"


def _no_geometry(d: dict) -> None:
    _feature(d, "Roi Et fresh market")["geometry"] = None


def _nofly_no_radius(d: dict) -> None:
    del _feature(d, "Roi Et Tower")["properties"]["radius_m"]


def _priority(d: dict) -> None:
    _feature(d, "Yaowarat gold shop")["properties"]["priority"] = 7


def _cctv_status(d: dict) -> None:
    _feature(d, "CCTV 02 gold street")["properties"]["status"] = "dead"


def _unknown_role(d: dict) -> None:
    _feature(d, "Roi Et Tower")["properties"]["role"] = "nofy"


def _wrong_type(d: dict) -> None:
    _feature(d, "Bangkok Bank Roi Et")["geometry"] = d["features"][0]["geometry"]


def _no_zone(d: dict) -> None:
    d["features"] = d["features"][1:]


def _unknown_kind(d: dict) -> None:
    _feature(d, "Bangkok Bank Roi Et")["properties"]["kind"] = "banks"


CASES = [
    # (id, mutation, feature index or None, words the message must contain)
    ("unclosed ring", _unclosed, 0, ["not closed", "--fix"]),
    ("ring under 4 positions", _short_ring, 0, ["at least 4"]),
    ("self-intersection", _bowtie, 0, ["self-intersects", " at 103."]),
    ("hole outside shell", _hole_outside, 0, ["hole lies outside"]),
    ("latitude out of range", _lat_range, 3, ["out of range", "95"]),
    ("swapped lat/lon", _swapped, 0, ["swapped", "[longitude, latitude]"]),
    ("projected coordinates", _projected, 3, ["projected", "EPSG:4326"]),
    ("non-WGS84 crs", _crs, None, ["EPSG::32648", "WGS 84"]),
    ("non-numeric coordinate", _non_numeric, 0, ["not a number"]),
    ("missing geometry", _no_geometry, 13, ["no geometry"]),
    ("nofly point without radius", _nofly_no_radius, 1, ['needs "radius_m"']),
    ("priority out of 1-5", _priority, 7, ["priority is 7", "1 to 5"]),
    ("unknown CCTV status", _cctv_status, 16, ["status is 'dead'", '"working" or "broken"']),
    ("unknown role suggests", _unknown_role, 1, ["unknown role 'nofy'", 'did you mean "nofly"']),
    ("wrong geometry for role", _wrong_type, 3, ["hotspot must be a Point", "not a Polygon"]),
    ("no zone", _no_zone, None, ["no zone"]),
    ("unknown hotspot kind", _unknown_kind, 3, ["unknown hotspot kind 'banks'", 'did you mean "bank"']),
]


@pytest.mark.parametrize(("case", "mutate", "feature", "words"), CASES, ids=[c[0] for c in CASES])
def test_invalid_case(cli, tmp_path: Path, roiet_doc: dict, case, mutate, feature, words) -> None:
    mutate(roiet_doc)
    path = tmp_path / "zone.geojson"
    path.write_text(json.dumps(roiet_doc))
    r = cli("zone", "check", path)
    assert r.exit_code == 3, (case, r.stderr)
    assert "Traceback" not in r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("error")]
    assert errors, r.stderr
    text = " ".join(errors)
    assert str(path) in text
    for word in words:
        assert word in text, (word, text)
    if feature is not None:
        name = roiet_doc["features"][feature]["properties"].get("name")
        assert f"feature {feature}" in text
        if name:
            assert f'"{name}"' in text
    # --json names the same problem on stdout
    j = cli("zone", "check", path, "--json")
    assert j.exit_code == 3
    assert j.json["valid"] is False
    assert any(words[0] in e["message"] or words[0] in e["text"] for e in j.json["errors"])


def test_not_json_gives_line_and_column(cli, tmp_path: Path) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [\n  {"type": "Feature"\n  }\n ]\n')
    r = cli("zone", "check", path)
    assert r.exit_code == 3
    assert f"{path}:5:" in r.stderr or f"{path}:6:" in r.stderr
    assert "not JSON" in r.stderr


def test_not_geojson(cli, tmp_path: Path) -> None:
    path = tmp_path / "list.geojson"
    path.write_text("[1, 2, 3]")
    r = cli("zone", "check", path)
    assert r.exit_code == 3 and "not GeoJSON" in r.stderr


def test_missing_file_is_exit_3(cli, tmp_path: Path) -> None:
    r = cli("zone", "check", tmp_path / "nope.geojson")
    assert r.exit_code == 3
    assert "file not found" in r.stderr and "Traceback" not in r.stderr


def test_every_problem_is_reported_not_just_the_first(cli, tmp_path: Path, roiet_doc: dict) -> None:
    _priority(roiet_doc)
    _cctv_status(roiet_doc)
    _nofly_no_radius(roiet_doc)
    path = tmp_path / "z.geojson"
    path.write_text(json.dumps(roiet_doc))
    r = cli("zone", "check", path, "--json")
    assert r.exit_code == 3
    assert {e["feature"] for e in r.json["errors"]} == {1, 7, 16}


# --- warnings --------------------------------------------------------------------------------


def test_lone_polygon_without_properties_is_the_zone_with_a_warning(cli, tmp_path: Path, roiet_doc) -> None:
    geom = roiet_doc["features"][0]["geometry"]
    path = tmp_path / "drawn.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": geom}]})
    )
    r = cli("zone", "check", path, "--json")
    assert r.exit_code == 0
    assert any("read as the zone" in w["message"] for w in r.json["warnings"])
    bare = tmp_path / "bare.geojson"
    bare.write_text(json.dumps(geom))
    assert cli("zone", "check", bare).exit_code == 0


def test_warnings_do_not_fail(cli, tmp_path: Path, roiet_doc: dict) -> None:
    _zone_ring(roiet_doc).reverse()  # clockwise
    _feature(roiet_doc, "Sa Kaeo school")["geometry"]["coordinates"] = [103.70, 16.07]  # outside
    _feature(roiet_doc, "Lake south lawn")["geometry"]["coordinates"] = [103.70, 16.071]
    roiet_doc["features"].append(
        {
            "type": "Feature",
            "properties": {"role": "nofly", "name": "Far away", "radius_m": 50},
            "geometry": {"type": "Point", "coordinates": [103.80, 16.2]},
        }
    )
    path = tmp_path / "w.geojson"
    path.write_text(json.dumps(roiet_doc))
    r = cli("zone", "check", path, "--json")
    assert r.exit_code == 0, r.stderr
    messages = " | ".join(w["message"] for w in r.json["warnings"])
    assert "clockwise" in messages
    assert "hotspot lies outside the zone" in messages
    assert "launch site lies outside the zone" in messages
    assert "no-fly area lies outside the zone" in messages


def test_zone_exterior_is_normalised_ccw(tmp_path: Path, roiet_doc: dict) -> None:
    _zone_ring(roiet_doc).reverse()
    report = check_zone_text(json.dumps(roiet_doc), "z")
    assert report.zone is not None
    assert report.zone.parts[0].exterior.is_ccw


def test_max_alt_above_the_law_is_capped(roiet_doc: dict) -> None:
    roiet_doc["features"][0]["properties"]["max_alt_m"] = 120
    report = check_zone_text(json.dumps(roiet_doc), "z")
    assert report.zone is not None and report.zone.max_alt_m == 90
    assert any("above the legal 90" in w.message for w in report.warnings)


# --- --fix -----------------------------------------------------------------------------------


def test_fix_repairs_and_never_overwrites_input(cli, tmp_path: Path, roiet_doc: dict) -> None:
    _unclosed(roiet_doc)
    src = tmp_path / "bad.geojson"
    original = json.dumps(roiet_doc)
    src.write_text(original)
    out = tmp_path / "fixed.geojson"
    r = cli("zone", "check", src, "--fix", out)
    assert r.exit_code == 0, r.stderr
    assert "closed 1 ring" in r.stderr and "the repaired copy is valid" in r.stderr
    assert src.read_text() == original
    assert cli("zone", "check", out).exit_code == 0
    again = cli("zone", "check", src, "--fix", src)
    assert again.exit_code == 2 and "refusing to overwrite" in again.stderr
    assert src.read_text() == original


def test_fix_self_intersection_reports_area_change(cli, tmp_path: Path, roiet_doc: dict) -> None:
    _bowtie(roiet_doc)
    src = tmp_path / "bowtie.geojson"
    src.write_text(json.dumps(roiet_doc))
    out = tmp_path / "fixed.geojson"
    r = cli("zone", "check", src, "--fix", out, "--json")
    fix = r.json["fix"]
    assert any("made the polygon valid" in c for c in fix["changes"])
    assert fix["zone_area_before_m2"] > 0 and fix["zone_area_after_m2"] > 0
    assert "zone area" in r.stderr and "ha ->" in r.stderr
    zone = load_zone(out)
    assert zone.area_m.is_valid


def test_fix_swapped_coordinates(cli, tmp_path: Path, roiet_doc: dict) -> None:
    reference = load_zone(ROIET)
    _swapped(roiet_doc)
    src = tmp_path / "swapped.geojson"
    src.write_text(json.dumps(roiet_doc))
    out = tmp_path / "fixed.geojson"
    r = cli("zone", "check", src, "--fix", out)
    assert r.exit_code == 0, r.stderr
    assert load_zone(out).area_m.symmetric_difference(reference.area_m).area < 1.0


def test_fix_leaves_what_it_cannot_repair_as_errors(cli, tmp_path: Path, roiet_doc: dict) -> None:
    _nofly_no_radius(roiet_doc)
    src = tmp_path / "z.geojson"
    src.write_text(json.dumps(roiet_doc))
    r = cli("zone", "check", src, "--fix", tmp_path / "out.geojson")
    assert r.exit_code == 3
    assert "still has 1 error" in r.stderr and "radius_m" in r.stderr


def test_load_zone_raises_zone_error_listing_count(tmp_path: Path, roiet_doc: dict) -> None:
    _priority(roiet_doc)
    _cctv_status(roiet_doc)
    path = tmp_path / "z.geojson"
    path.write_text(json.dumps(roiet_doc))
    with pytest.raises(ZoneError) as err:
        load_zone(path)
    assert err.value.exit_code == 3
    assert "and 1 more" in str(err.value)
    assert len(err.value.findings) == 2


def test_model_is_metric(roiet_doc: dict) -> None:
    zone = load_zone(ROIET)
    tower = next(n for n in zone.nofly if n.name == "Roi Et Tower")
    # a 60 m circle: area within 1% of pi r^2, and it covers the whole disc
    assert tower.area_m.area == pytest.approx(3.14159 * 60**2, rel=0.01)
    assert tower.area_m.area >= 3.14159 * 60**2
    drone1 = zone.launches[0]
    assert (drone1.lon, drone1.lat) == (103.6488, 16.0563)
    x, y = zone.frame.xy(drone1.lon, drone1.lat)
    assert (x, y) == pytest.approx(drone1.xy, abs=1e-6)


def test_multipolygon_zone_and_copy_is_untouched(roiet_doc: dict) -> None:
    doc = copy.deepcopy(roiet_doc)
    ring = _zone_ring(doc)
    far = [[p[0] + 0.03, p[1]] for p in ring]
    doc["features"][0]["geometry"] = {"type": "MultiPolygon", "coordinates": [[ring], [far]]}
    report = check_zone_text(json.dumps(doc), "multi")
    assert report.ok and report.zone is not None
    assert len(report.zone.parts) == 2
