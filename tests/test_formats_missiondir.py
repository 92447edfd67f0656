"""Mission directories: what is written, atomically, and read back."""

from __future__ import annotations

import json

import pytest

from dronepatrol.errors import MissionFileError, UsageError
from dronepatrol.formats.missiondir import read_missions, write_mission_dir
from dronepatrol.mission import Geofence
from tests.missionfixtures import FIXTURES, assert_same_mission, legal_missions


def test_writes_plan_and_waypoints_per_mission_routes_and_summary(tmp_path):
    missions = [m if m.drone != "drone1" else m.__class__(**{**m.__dict__, "geofence": Geofence(max_alt_m=90.0)})
                for m in legal_missions()]
    paths = write_mission_dir(tmp_path, missions, {"kind": "patrol"})
    assert [p.name for p in paths] == ["drone1.plan", "drone1.waypoints", "drone2.plan", "drone2.waypoints",
                                       "drone3.plan", "drone3.waypoints", "routes.geojson", "summary.json"]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["kind"] == "patrol" and summary["fence_alt_max_m"]["drone1"] == 90.0
    assert "FENCE_ALT_MAX" in summary["fence_alt_max_note"]
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary files left
    back = read_missions(tmp_path)
    for a, b in zip(back, missions, strict=True):
        assert_same_mission(a, b, deg=0.0)
    routes = read_missions(tmp_path / "routes.geojson")
    assert [m.drone for m in routes] == ["drone1", "drone2", "drone3"]


def test_stale_missions_of_an_earlier_run_are_removed(tmp_path):
    write_mission_dir(tmp_path, legal_missions(), {})
    (tmp_path / "notes.txt").write_text("mine")
    write_mission_dir(tmp_path, legal_missions()[:2], {})
    assert not (tmp_path / "drone3.plan").exists() and not (tmp_path / "drone3.waypoints").exists()
    assert (tmp_path / "notes.txt").exists()
    assert [m.drone for m in read_missions(tmp_path)] == ["drone1", "drone2"]


def test_inputs_are_never_overwritten(tmp_path):
    write_mission_dir(tmp_path, legal_missions(), {})
    with pytest.raises(UsageError, match="refusing to overwrite an input file"):
        write_mission_dir(tmp_path, legal_missions(), {}, protect=[tmp_path / "drone2.plan"])


def test_sorties_are_read_in_natural_order(tmp_path):
    base = legal_missions()[0]
    sorties = [base.__class__(**{**base.__dict__, "sortie": k}) for k in (1, 2, 10)]
    write_mission_dir(tmp_path, sorties, {})
    assert [m.file_stem for m in read_missions(tmp_path)] == ["drone1", "drone1-sortie2", "drone1-sortie10"]


def test_directory_of_waypoints_files(tmp_path):
    for f in FIXTURES.glob("*.waypoints"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    assert [m.drone for m in read_missions(tmp_path)] == ["mavproxy", "missionplanner"]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("missing.plan", None, "missing.plan: not found"),
        ("empty", "", "no .plan or .waypoints files"),
        ("x.bin", "\x00\x01", "unknown mission file type"),
        ("latin.plan", b"\xff\xfe", "not UTF-8 text"),
    ],
)
def test_unreadable_inputs(tmp_path, name, content, expected):
    path = tmp_path / name
    if name == "empty":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(MissionFileError) as exc:
        read_missions(path)
    assert expected in str(exc.value) and str(path) in str(exc.value)
