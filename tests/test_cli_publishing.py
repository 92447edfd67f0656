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
