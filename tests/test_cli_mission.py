"""``dronepatrol mission check`` and ``mission export``: exit codes, messages, files."""

from __future__ import annotations

import json

import pytest

from dronepatrol.cli.main import run
from dronepatrol.formats.missiondir import read_missions, write_mission_dir
from dronepatrol.mission import rtl, takeoff, waypoint
from tests.missionfixtures import FIXTURES, PHITSANULOK, POLICE_STATION, ROIET, legal_missions, mission


def dp(capsys, *args: str) -> tuple[int, str, str]:
    code: int | str | None = 0
    try:
        run(list(args))
    except SystemExit as exc:  # run() exits only with a non-zero status (or an explicit one)
        code = exc.code
    out, err = capsys.readouterr()
    return (0 if code is None else int(code)), out, err


@pytest.fixture
def plan_dir(tmp_path):
    write_mission_dir(tmp_path / "m", legal_missions(), {})
    return tmp_path / "m"


def test_check_passes_with_a_table_on_stderr_and_json_on_stdout(capsys, plan_dir):
    code, out, err = dp(capsys, "mission", "check", str(plan_dir), "--zone", str(ROIET), "--json")
    assert code == 0
    assert "Mission checks" in err and "drone3" in err and "all checks passed for 3 mission(s)" in err
    doc = json.loads(out)
    assert doc["ok"] is True and doc["errors"] == 0
    assert [e["drone"] for e in doc["estimates"]] == ["drone1", "drone2", "drone3"]
    assert doc["rules"]["margin_m"]["value"] == 10.0


def test_check_refuses_with_exit_5_and_names_the_problem(capsys, tmp_path):
    bad = mission("drone3", POLICE_STATION, (takeoff(30), waypoint(103.6572, 16.0550, 30), rtl()))
    write_mission_dir(tmp_path, [*legal_missions()[:2], bad], {})
    code, out, err = dp(capsys, "mission", "check", str(tmp_path), "--zone", str(ROIET), "--json")
    assert code == 5
    assert 'error: refused for safety: drone3: item 2 (WAYPOINT) at 103.657200 16.055000 enters no-fly area ' \
           '"Roi Et Tower"' in " ".join(err.split())
    doc = json.loads(out)
    assert doc["ok"] is False and doc["findings"][0]["rule"] == "nofly" and doc["findings"][0]["item"] == 2


def test_check_margin_and_authorization_options(capsys, tmp_path):
    m = mission("drone1", (100.265, 16.7965), (takeoff(30), waypoint(100.268, 16.799, 40), rtl()))
    path = tmp_path / "drone1.plan"
    write_mission_dir(tmp_path, [m], {})
    code, _, err = dp(capsys, "mission", "check", str(path), "--zone", str(PHITSANULOK))
    assert code == 5 and "VTPP without a recorded authorisation" in err
    code, _, err = dp(capsys, "mission", "check", str(path), "--zone", str(PHITSANULOK), "--authorization", "CAAT-1",
                      "--margin", "5")
    assert code == 0 and "under the recorded authorisation" in err


def test_check_start_time(capsys, plan_dir):
    code, out, err = dp(capsys, "mission", "check", str(plan_dir), "--zone", str(ROIET), "--start", "2026-03-01T20:00",
                        "--json")
    assert code == 0 and "outside daylight" in err
    assert {f["rule"] for f in json.loads(out)["findings"]} == {"daylight"}
    code, _, err = dp(capsys, "mission", "check", str(plan_dir), "--zone", str(ROIET), "--start", "tonight")
    assert code == 2 and "--start 'tonight': not an ISO time" in err


def test_check_unreadable_file_exits_3_with_line(capsys, tmp_path):
    bad = tmp_path / "drone1.waypoints"
    bad.write_text("QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t16.05\t103.65\t140\t1\n1\t0\t3\n")
    code, _, err = dp(capsys, "mission", "check", str(bad), "--zone", str(ROIET))
    assert code == 3 and "drone1.waypoints: line 3: 3 values" in err


def test_check_fleet_endurance(capsys, plan_dir, tmp_path):
    fleet = tmp_path / "fleet.toml"
    fleet.write_text('[[drones]]\nname = "drone1"\n[[drones]]\nname = "drone2"\nendurance_min = 3\n'
                     '[[drones]]\nname = "drone3"\n')
    code, _, err = dp(capsys, "mission", "check", str(plan_dir), "--zone", str(ROIET), "--fleet", str(fleet))
    assert code == 5 and "drone2: estimated flight time" in err


def test_export_every_format_beside_the_input(capsys, tmp_path):
    src = tmp_path / "qgc-survey.plan"
    src.write_bytes((FIXTURES / "qgc-survey.plan").read_bytes())
    before = src.read_bytes()
    for fmt, suffix in (("waypoints", ".waypoints"), ("geojson", ".geojson"), ("kml", ".kml")):
        code, _, err = dp(capsys, "mission", "export", str(src), "--format", fmt)
        assert code == 0 and f"wrote {tmp_path / ('qgc-survey' + suffix)}" in " ".join(err.split())
        (back,) = read_missions(tmp_path / f"qgc-survey{suffix}")
        assert len(back.items) == 18
    assert src.read_bytes() == before


def test_export_never_overwrites_its_input(capsys, tmp_path):
    src = tmp_path / "d.plan"
    src.write_bytes((FIXTURES / "qgc-survey.plan").read_bytes())
    code, _, err = dp(capsys, "mission", "export", str(src), "--format", "plan")
    assert code == 2 and "refusing to overwrite an input file" in err
    code, out, _ = dp(capsys, "mission", "export", str(src), "--format", "plan", "-o", str(tmp_path / "copy.plan"),
                      "--json")
    assert code == 0 and json.loads(out)["written"] == [str(tmp_path / "copy.plan")]


def test_export_directory_to_one_kml_and_unknown_format(capsys, plan_dir, tmp_path):
    code, _, _ = dp(capsys, "mission", "export", str(plan_dir), "--format", "kml", "-o", str(tmp_path / "all.kml"))
    assert code == 0 and [m.drone for m in read_missions(tmp_path / "all.kml")] == ["drone1", "drone2", "drone3"]
    code, _, err = dp(capsys, "mission", "export", str(plan_dir), "--format", "gpx")
    assert code == 2 and "gpx" in err
