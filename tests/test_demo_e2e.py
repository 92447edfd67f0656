"""The whole job end to end: `dronepatrol demo` on a small zone at 20x, checked from its outputs.

All three drones fly their verified survey and land, the recordings parse (both directions), every
photo is placed within 2 m of where the drone was when it took it (the drone's CAMERA_FEEDBACK at
the photo's true time: its camera-clock time less the demo's known 37 s clock error, not the
offset geotagging estimated), and the report shows the three flown tracks with the coverage the
plan promised.
"""

from __future__ import annotations

import csv
import json
import math
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import piexif
import pytest

from dronepatrol.mavlink.tlog import iter_messages
from dronepatrol.mavlink.tracks import read_tracks
from tests.conftest import ROOT
from tests.interrupt import dronepatrol_argv

SMALL = ROOT / "tests" / "fixtures" / "demo-small.geojson"
CLOCK_OFFSET_S = 37.0  # the demo's camera clocks run this far ahead
THAI = timezone(timedelta(hours=7))


def _true_utc_s(jpeg: Path) -> float:
    """When the photo was really taken: its EXIF time (Thai time on the camera's clock) less the clock error."""
    exif = piexif.load(str(jpeg))["Exif"]
    stamp = exif[piexif.ExifIFD.DateTimeOriginal].decode()
    sub = exif.get(piexif.ExifIFD.SubSecTimeOriginal, b"0").decode().strip() or "0"
    local = datetime.strptime(stamp, "%Y:%m:%d %H:%M:%S").replace(tzinfo=THAI)
    return local.timestamp() + float(f"0.{sub}") - CLOCK_OFFSET_S


def _dist_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    k = 111_320.0
    return math.hypot((lat2 - lat1) * k, (lon2 - lon1) * k * math.cos(math.radians(lat1)))


@pytest.fixture
def private_state(tmp_path, monkeypatch):
    monkeypatch.setenv("DRONEPATROL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("DRONEPATROL_RUNTIME_DIR", str(tmp_path / "run"))


@pytest.mark.slow
def test_demo_flies_records_geotags_and_reports(cli, tmp_path, private_state) -> None:
    r = cli("demo", "--zone", SMALL, "-o", tmp_path / "demo", "--loss", "0", "--json")
    assert r.exit_code == 0, r.stderr[-3000:]
    run = r.json
    titles = [s["step"] for s in run["steps"]]
    assert titles[:3] == ["plan survey", "plan patrol", "set the drones up (failsafe, ground stations, camera)"]
    assert titles[3:] == ["upload survey sortie 1", "start survey sortie 1", "watch until every drone has landed",
                          "geotag the photos", "build the report"]
    assert run["steps"][3]["argv"][-3:] == ["--drones", "drone1,drone2,drone3", "--yes"]
    assert "verified on drone1, drone2, drone3" in " ".join(r.stderr.split())
    # no terminal: the live view's JSON lines went to a file of the demo's, not into its messages
    views = [json.loads(line) for line in (Path(run["out"]) / "watch.jsonl").read_text().splitlines()]
    assert len(views) > 10 and all(d["armed"] is False for d in views[-1]["drones"])
    assert any(d["armed"] for v in views for d in v["drones"]) and '"link_age_s"' not in r.stderr

    session = Path(run["flights"])
    tlogs = sorted(session.glob("*.tlog"))
    assert [t.stem for t in tlogs] == ["drone1", "drone2", "drone3"]
    doc = json.loads((session / "session.json").read_text())
    assert doc["end_utc"] and set(doc["plans"]) == {"drone1", "drone2", "drone3"}
    assert all(p["plan"].endswith(f"{name}.plan") for name, p in doc["plans"].items()), "the plans that flew"
    triggers: dict[str, list] = {}
    for tlog in tlogs:
        (track,) = read_tracks(tlog)
        assert track.time_source == "vehicle"
        alts = [f.alt_rel_m for f in track.fixes]
        assert max(alts) > 40 and alts[-1] < 1.0, f"{tlog.stem} flew and landed"
        sources = {m.get_srcSystem() for _t, m in iter_messages(tlog) if m is not None}
        assert {254, track.system_id} <= sources, "both directions are recorded"
        triggers[tlog.stem] = list(track.triggers)

    with open(Path(run["photos"]) / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(not row["problem"] for row in rows)
    camera = Path(run["out"]) / "camera"
    for row in rows:
        t = _true_utc_s(camera / row["file"])
        shot = min(triggers[row["drone"]], key=lambda tr: abs(tr.t_s - t))
        assert abs(shot.t_s - t) < 0.2, f"{row['file']}: no camera trigger at its true time"
        assert _dist_m(float(row["lat"]), float(row["lon"]), shot.lat, shot.lon) < 2.0, row["file"]

    fig = run["figures"]
    assert fig["flights"] == 3 and fig["drones"] == 3
    assert fig["photos_tagged"] == fig["photos"] == len(rows)
    assert all(run["report_layers"][f"flown:drone{i}"] == 1 for i in (1, 2, 3))
    planned = json.loads((Path(run["missions"][0]) / "summary.json").read_text())["photo_coverage_pct"]
    assert abs(fig["coverage_pct"] - planned) <= 3.0
    assert Path(run["report"]).stat().st_size > 10_000
    assert not [p for p in os.listdir(tmp_path / "run") if p.endswith(".json")], "no link owner left registered"


@pytest.mark.sitl
def test_demo_on_three_real_arducopter_sitl_instances(cli, tmp_path, private_state) -> None:
    from tests.sitl import _slot, sitl_binary

    with _slot(3) as first:
        r = cli("demo", "--zone", SMALL, "-o", tmp_path / "demo", "--sitl", sitl_binary(), "--sitl-instance", first,
                "--speedup", "10", "--json")
    assert r.exit_code == 0, r.stderr[-3000:]
    run = r.json
    assert "geotag the photos" not in [s["step"] for s in run["steps"]] and run["photos"] is None
    for tlog in sorted(Path(run["flights"]).glob("*.tlog")):
        (track,) = read_tracks(tlog)
        alts = [f.alt_rel_m for f in track.fixes]
        assert max(alts) > 40 and alts[-1] < 1.0, f"{tlog.stem} flew and landed"
        assert len(track.triggers) > 10, f"{tlog.stem}: the camera configured by 'fleet setup' triggered"
    assert all(run["report_layers"][f"flown:drone{i}"] == 1 for i in (1, 2, 3))
    assert run["figures"]["coverage_pct"] > 90  # from the triggers' footprints


def test_ctrl_c_stops_the_demo_with_130_and_leaves_nothing_running(tmp_path) -> None:
    import signal
    import subprocess
    import time

    env = dict(os.environ, DRONEPATROL_STATE_DIR=str(tmp_path / "state"),
               DRONEPATROL_RUNTIME_DIR=str(tmp_path / "run"))
    argv = dronepatrol_argv("demo", "--zone", str(SMALL), "-o", str(tmp_path / "d"))
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)

    def flying() -> bool:  # the recording grows past what setup and upload send: the drones are in the air
        return any(t.stat().st_size > 600_000 for t in (tmp_path / "d").glob("*/flights/*/drone1.tlog"))

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not flying():
        time.sleep(0.2)
    assert flying()
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err[-2000:]
    assert "interrupted" in err
    (session,) = (tmp_path / "d").glob("*/flights/*")
    assert json.loads((session / "session.json").read_text())["end_utc"], "the recording was closed"
    assert all(read_tracks(t)[0].fixes for t in session.glob("*.tlog"))
    assert not [p for p in os.listdir(tmp_path / "run") if p.endswith(".json")], "no link owner left registered"
    leftover = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout.split()
    assert leftover == [], "no process of the demo is left"


def test_the_demo_finds_the_example_zone_from_any_folder(cli, tmp_path, monkeypatch) -> None:
    from dronepatrol.cli.demo import DEFAULT_ZONE, _example_zone

    monkeypatch.chdir(tmp_path)  # not the checkout: geofences/roiet.geojson is not here
    found = _example_zone(DEFAULT_ZONE)
    assert found.is_absolute() and found.is_file() and found.parts[-2:] == ("geofences", "roiet.geojson")
    assert _example_zone(Path("mine.geojson")) == Path("mine.geojson")  # a zone given is never replaced
    r = cli("demo", "--zone", "mine.geojson")
    assert r.exit_code == 3 and "mine.geojson: no such zone file" in r.stderr
