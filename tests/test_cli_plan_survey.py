"""``dronepatrol plan survey``: files written, exit codes and messages."""

from __future__ import annotations

import json

from tests.conftest import PHITSANULOK, ROIET


def test_writes_plan_files_and_json(cli, tmp_path) -> None:
    out = tmp_path / "survey"
    r = cli("plan", "survey", ROIET, "-o", out, "--json", "--lane-spacing", "60", "--angle", "auto")
    assert r.exit_code == 0, r.stderr
    names = {p.name for p in out.iterdir()}
    assert {"drone1.plan", "drone1.waypoints", "drone3.plan", "routes.geojson", "summary.json"} <= names
    doc = r.json
    assert doc["lane_spacing_m"] == 60.0 and doc["coverage_pct"] >= 99.5 and doc["balance"] <= 1.10
    summary = json.loads((out / "summary.json").read_text())
    assert summary["kind"] == "survey" and summary["drones"][0]["photos"] > 0
    plan = json.loads((out / "drone1.plan").read_text())
    cmds = [i["command"] for i in plan["mission"]["items"]]
    assert cmds[0] == 22 and cmds[-1] == 20 and 206 in cmds
    assert "Survey" in r.stderr and "coverage" in r.stderr and "wrote" in r.stderr


def test_camera_list(cli) -> None:
    r = cli("plan", "survey", "--camera", "list", "--json")
    assert r.exit_code == 0
    assert "dji-mavic3e" in r.stderr
    assert any(c["name"] == "sony-a6000-16mm" for c in r.json["cameras"])


def test_alt_and_gsd_together_is_exit_2(cli, tmp_path) -> None:
    r = cli("plan", "survey", ROIET, "-o", tmp_path / "x", "--alt", "50", "--gsd", "2")
    assert r.exit_code == 2
    assert "either --alt or --gsd" in r.stderr
    assert not (tmp_path / "x").exists()


def test_bad_angle_and_camera_are_exit_2(cli, tmp_path) -> None:
    r = cli("plan", "survey", ROIET, "-o", tmp_path / "x", "--angle", "north")
    assert r.exit_code == 2 and "--angle" in r.stderr
    r = cli("plan", "survey", ROIET, "-o", tmp_path / "x", "--camera", "gopro-9000")
    assert r.exit_code == 2 and "unknown camera" in r.stderr and "dji-mavic3e" in r.stderr
    r = cli("plan", "survey", "-o", tmp_path / "x")
    assert r.exit_code == 2 and "missing ZONE" in r.stderr


def test_airport_zone_without_authorization_is_exit_5(cli, tmp_path) -> None:
    r = cli("plan", "survey", PHITSANULOK, "-o", tmp_path / "p")
    assert r.exit_code == 5
    assert "VTPP" in r.stderr and "--authorization" in r.stderr
    assert not (tmp_path / "p").exists()


def test_above_ceiling_is_exit_5(cli, tmp_path) -> None:
    r = cli("plan", "survey", ROIET, "-o", tmp_path / "c", "--alt", "150")
    assert r.exit_code == 5 and "ceiling" in r.stderr
    assert not (tmp_path / "c").exists()


def test_unreachable_part_is_exit_5_naming_it(cli, tmp_path) -> None:
    a = [[103.645, 16.048], [103.650, 16.048], [103.650, 16.052], [103.645, 16.052], [103.645, 16.048]]
    b = [[103.660, 16.048], [103.664, 16.048], [103.664, 16.051], [103.660, 16.051], [103.660, 16.048]]
    zone = tmp_path / "two.geojson"
    zone.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"role": "zone", "name": "Two fields"},
         "geometry": {"type": "MultiPolygon", "coordinates": [[a], [b]]}},
        {"type": "Feature", "properties": {"role": "launch", "name": "West"},
         "geometry": {"type": "Point", "coordinates": [103.6465, 16.0495]}}]}))
    r = cli("plan", "survey", zone, "-o", tmp_path / "m")
    assert r.exit_code == 5
    assert "Two fields" in r.stderr and "no launch site" in r.stderr and "103.662" in r.stderr
    assert not (tmp_path / "m").exists()
