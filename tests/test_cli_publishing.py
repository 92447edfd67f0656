"""Publishing a plan from the CLI: every failed check is shown before the refusal, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from dronepatrol.cli.publishing import plan_out_dir, publish_checked
from dronepatrol.errors import SafetyError, UsageError
from dronepatrol.mission import rtl, takeoff, waypoint
from tests.missionfixtures import LAKE_LAWN, PROVINCIAL_HALL, mission, roiet


def test_every_refusal_is_printed_and_nothing_is_written(tmp_path: Path, capsys) -> None:
    zone = roiet()
    too_high = mission("drone1", PROVINCIAL_HALL, (takeoff(30.0), waypoint(103.6500, 16.0560, 120.0), rtl()))
    outside = mission("drone2", LAKE_LAWN, (takeoff(30.0), waypoint(103.6700, 16.0520, 40.0), rtl()))
    with pytest.raises(SafetyError) as err:
        publish_checked(tmp_path / "out", [too_high, outside], zone, summary={})
    assert err.value.exit_code == 5
    printed = capsys.readouterr().err
    assert "[altitude] drone1" in printed and "120" in printed
    assert "[zone] drone2" in printed
    assert not (tmp_path / "out").exists()


def test_plan_out_dir() -> None:
    assert plan_out_dir(None, "roiet-survey") == Path("missions/roiet-survey")
    assert plan_out_dir(Path("x"), "whatever") == Path("x")
    for bad in ("../x", "a/b", "", ".."):
        with pytest.raises(UsageError):
            plan_out_dir(None, bad)


@pytest.mark.parametrize("kind", ["survey", "patrol"])
def test_plan_json_has_the_same_keys_for_every_kind(cli, tmp_path: Path, kind: str) -> None:
    from tests.conftest import ROIET

    out = tmp_path / kind
    r = cli("plan", kind, ROIET, "-o", out, "--json", *(["--lane-spacing", "80"] if kind == "survey" else []))
    assert r.exit_code == 0, r.stderr
    doc = r.json
    assert doc["kind"] == kind and doc["out_dir"] == str(out)
    assert sorted(doc["files"]) == sorted(str(p) for p in out.iterdir())
    assert doc["checks"]["ok"] is True


def test_warnings_of_one_kind_collapse_per_drone_errors_do_not() -> None:
    from dronepatrol.cli.publishing import collapse_warnings
    from dronepatrol.planning.checks import CheckFinding

    def w(drone: str, rule: str = "vlos", severity: str = "warning") -> CheckFinding:
        return CheckFinding(severity=severity, rule=rule, drone=drone, message=f"{rule} on {drone}")

    findings = [w("drone1"), w("drone1-sortie2"), w("drone1-sortie3"), w("drone2"), w("drone1", "daylight"),
                w("drone1", "zone", "error"), w("drone1-sortie2", "zone", "error")]
    lines = collapse_warnings(findings)
    assert [(f.drone, f.rule, more) for f, more in lines] == [
        ("drone1", "vlos", ["drone1-sortie2", "drone1-sortie3"]),
        ("drone2", "vlos", []),
        ("drone1", "daylight", []),
        ("drone1", "zone", []),
        ("drone1-sortie2", "zone", []),
    ]


def test_survey_prints_one_vlos_line_per_drone_and_json_keeps_all(cli, tmp_path) -> None:
    from tests.conftest import ROIET

    r = cli("plan", "survey", ROIET, "-o", tmp_path / "s", "--json")
    assert r.exit_code == 0, r.stderr
    vlos_lines = [line for line in r.stderr.splitlines() if line.startswith("warning [vlos]")]
    assert len(vlos_lines) == 3 and "more like it in" in vlos_lines[0]
    assert len([f for f in r.json["checks"]["findings"] if f["rule"] == "vlos"]) > 3
