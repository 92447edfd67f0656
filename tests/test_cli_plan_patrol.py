"""``dronepatrol plan patrol``: files written, JSON on stdout, exit codes and messages."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROIET = ROOT / "geofences" / "roiet.geojson"
PHITSANULOK = ROOT / "geofences" / "phitsanulok-zone4.geojson"
FIXTURES = Path(__file__).parent / "fixtures" / "patrol"


def test_writes_the_mission_directory_and_json(cli, tmp_path: Path) -> None:
    out = tmp_path / "patrol"
    r = cli("plan", "patrol", ROIET, "-o", out, "--loops", "2", "--incidents", FIXTURES / "incidents.csv",
            "--json")
    assert r.exit_code == 0, r.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["drone1.plan", "drone1.waypoints", "drone2.plan", "drone2.waypoints", "drone3.plan",
                     "drone3.waypoints", "routes.geojson", "summary.json"]
    data = r.json
    assert data["kind"] == "patrol" and data["loops"] == 2 and len(data["drones"]) == 3
    assert data["checks"]["ok"] is True
    summary = json.loads((out / "summary.json").read_text())
    assert [d["drone"] for d in summary["drones"]] == ["drone1", "drone2", "drone3"]
    assert all(h["reasons"] for d in summary["drones"] for h in d["hotspots"])
    plan = json.loads((out / "drone1.plan").read_text())
    assert any(i["command"] == 177 and i["params"][:2] == [3, 1] for i in plan["mission"]["items"])
    assert "Patrol roiet-patrol" in r.stderr and "priorities:" in r.stderr
    assert "no working CCTV covers it" in r.stderr


def test_min_priority_lists_dropped_hotspots(cli, tmp_path: Path) -> None:
    r = cli("plan", "patrol", ROIET, "-o", tmp_path / "p", "--min-priority", "5", "--drones", "2", "--json")
    assert r.exit_code == 0, r.stderr
    assert len(r.json["drones"]) == 2
    assert "dropped 7 hotspot(s):" in r.stderr
    assert "Sa Kaeo school (priority 3): priority 3 is below --min-priority 5" in r.stderr


def test_airport_ring_without_authorization_is_refused(cli, tmp_path: Path) -> None:
    out = tmp_path / "p"
    r = cli("plan", "patrol", PHITSANULOK, "-o", out)
    assert r.exit_code == 5
    assert "run with --authorization ID" in r.stderr
    assert not out.exists()


def test_bad_incidents_file_names_the_line(cli, tmp_path: Path) -> None:
    r = cli("plan", "patrol", ROIET, "-o", tmp_path / "p", "--incidents", FIXTURES / "bad_lon.csv")
    assert r.exit_code == 3
    assert "bad_lon.csv: line 3, column 'lon': 'north' is not a number" in r.stderr


def test_usage_errors(cli, tmp_path: Path) -> None:
    r = cli("plan", "patrol", ROIET, "-o", tmp_path / "p", "--loops", "often")
    assert r.exit_code == 2 and "--loops 'often'" in r.stderr
    r = cli("plan", "patrol", ROIET, "-o", tmp_path / "p", "--order", "random")
    assert r.exit_code == 2 and "choose best or shuffle" in r.stderr
    r = cli("plan", "patrol", ROIET, "-o", tmp_path / "p", "--drones", "4")
    assert r.exit_code == 2 and "3 launch site(s) for 4 drones" in r.stderr
    r = cli("plan", "patrol", tmp_path / "missing.geojson", "-o", tmp_path / "p")
    assert r.exit_code == 3 and "file not found" in r.stderr


def test_refuses_to_overwrite_its_input(cli, tmp_path: Path) -> None:
    zone = tmp_path / "summary.json"
    zone.write_text(ROIET.read_text())
    r = cli("plan", "patrol", zone, "-o", tmp_path)
    assert r.exit_code == 2 and "refusing to overwrite an input file" in r.stderr


def test_zone_inside_an_airport_ring_needs_authorization(cli, tmp_path) -> None:
    from tests.conftest import PHITSANULOK

    out = tmp_path / "p"
    r = cli("plan", "patrol", PHITSANULOK, "-o", out)
    assert r.exit_code == 5
    assert "airport ring" in r.stderr and "--authorization ID" in r.stderr
    assert not out.exists()


def test_drones_beyond_a_fleet_file_is_a_usage_error(cli, tmp_path) -> None:
    from tests.conftest import ROIET

    fleet = tmp_path / "fleet.toml"
    fleet.write_text('[[drones]]\nname = "solo"\n')
    r = cli("plan", "patrol", ROIET, "-o", tmp_path / "p", "--fleet", fleet, "--drones", "2")
    assert r.exit_code == 2
    assert "describes 1 drones" in r.stderr
