"""``dronepatrol photos geotag``: exit codes, messages, outputs; originals untouched.

The flight logs are given as Track objects here (the .tlog reader is tested with the telemetry
code; the end-to-end test reads real simulator logs)."""

from __future__ import annotations

import csv
import hashlib
import json

import piexif
import pytest

from dronepatrol.photos.exif import load_exif, read_gps
from dronepatrol.photos.jpeg import exif_segment, image_data_offset
from dronepatrol.telemetry.model import Track
from tests.photos.helpers import dist_m, jpeg_bytes, make_track, write_photos


def digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def tracks(monkeypatch):
    holder: dict = {"tracks": [make_track("drone1")]}
    monkeypatch.setattr("dronepatrol.cli.photos._read_tracks", lambda paths: holder["tracks"])
    return holder


def test_geotag_drone_folder(cli, tmp_path, tracks):
    tr = tracks["tracks"][0]
    photos = tmp_path / "photos"
    write_photos(photos / "drone1", tr, clock_offset_s=37.0, skip={4})
    (photos / "drone1" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe1 garbage")
    (photos / "drone1" / "notime.jpg").write_bytes(jpeg_bytes(None))
    (photos / "notes.txt").write_text("not a photo")
    before = digest(photos)
    out = tmp_path / "out"
    r = cli("photos", "geotag", photos, "--log", "x.tlog", "-o", out, "--json")
    assert r.exit_code == 0, r.stderr
    assert "camera clock offset -37.00 s (from camera triggers)" in r.stderr
    assert "1 trigger without a photo (img_idx 4)" in r.stderr
    assert "not tagged: drone1/broken.jpg" in r.stderr and "not tagged: drone1/notime.jpg: no EXIF DateTimeOriginal" \
        in r.stderr
    n = len(tr.triggers) - 1
    assert f"{n} of {n + 2} photos geotagged" in r.stderr
    summary = r.json
    assert summary["tagged"] == n and summary["failed"] == 2 and summary["methods"] == {"trigger": n}
    assert summary["groups"][0]["offset_s"] == pytest.approx(-37.0, abs=0.01)
    assert summary["groups"][0]["unmatched_triggers"] == [4]
    per_photo = {row["file"]: row for row in summary["rows"]}
    assert per_photo["drone1/IMG_0001.JPG"]["residual_s"] == pytest.approx(0.0, abs=0.01)
    assert "DateTimeOriginal" in per_photo["drone1/notime.jpg"]["problem"]
    assert digest(photos) == before  # originals untouched
    trig = {t.index: t for t in tr.triggers}
    rows = list(csv.DictReader((out / "manifest.csv").open()))
    assert len(rows) == n + 2
    tagged = [row for row in rows if not row["problem"]]
    for row in tagged:
        src, dst = (photos / row["file"]).read_bytes(), (out / row["file"]).read_bytes()
        assert row["sha256_original"] == hashlib.sha256(src).hexdigest() == before[row["file"]]
        assert row["sha256_copy"] == hashlib.sha256(dst).hexdigest()
        assert src[image_data_offset(src):] == dst[image_data_offset(dst):]  # image data byte-identical
        gps = read_gps(load_exif(exif_segment(dst)))
        t = trig[int(row["trigger_index"])]
        assert dist_m(gps["lon"], gps["lat"], t.lon, t.lat) < 0.01 and gps["alt_amsl_m"] == pytest.approx(210.0)
        assert row["method"] == "trigger" and abs(float(row["residual_s"])) < 0.01
        assert load_exif(exif_segment(dst))["0th"][piexif.ImageIFD.Make] == b"DronePatrol"
    problems = {row["file"]: row["problem"] for row in rows if row["problem"]}
    assert set(problems) == {"drone1/broken.jpg", "drone1/notime.jpg"}
    geo = json.loads((out / "photos.geojson").read_text())
    kinds = [f["properties"]["kind"] for f in geo["features"]]
    assert kinds.count("photo") == n and kinds.count("footprint") == n
    assert json.loads((out / "manifest.json").read_text())["tagged"] == n


def test_none_tagged_exits_3(cli, tmp_path, tracks):
    tr = tracks["tracks"][0]
    photos = tmp_path / "photos"
    write_photos(photos, tr, clock_offset_s=0.0)
    r = cli("photos", "geotag", photos, "--log", "x.tlog", "-o", tmp_path / "out", "--offset", "-5000")
    assert r.exit_code == 3
    assert "none of the" in r.stderr and "outside" in r.stderr and "check --offset and --tz" in r.stderr


def test_given_offset_interpolates(cli, tmp_path, tracks):
    tr = tracks["tracks"][0]
    tracks["tracks"] = [Track(drone="drone1", system_id=1, fixes=tr.fixes, triggers=tr.triggers,
                              time_source="receiver", source="d1.tlog")]
    photos = tmp_path / "photos"
    write_photos(photos, tr, clock_offset_s=-20.0)
    r = cli("photos", "geotag", photos, "--log", "x.tlog", "-o", tmp_path / "out", "--offset", "20", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json["methods"] == {"interpolated": len(tr.triggers)}
    assert "offset +20.00 s given" in r.stderr
    assert "warning: d1.tlog: drone1's times are partly or all the laptop's receive times" in r.stderr


def test_refuses_output_inside_photos(cli, tmp_path, tracks):
    photos = tmp_path / "photos"
    photos.mkdir()
    for out in (photos, photos / "tagged"):
        r = cli("photos", "geotag", photos, "--log", "x.tlog", "-o", out)
        assert r.exit_code == 2 and "must not be inside the photos folder" in r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--offset", "soon"), "--offset 'soon': give auto or seconds"),
        (("--tz", "Bangkok"), "--tz: time zone 'Bangkok'"),
        (("--drone", "drone7"), "--drone drone7: no log of that drone"),
    ],
)
def test_usage_errors(cli, tmp_path, tracks, args, message):
    (tmp_path / "photos").mkdir()
    r = cli("photos", "geotag", tmp_path / "photos", "--log", "x.tlog", "-o", tmp_path / "out", *args)
    assert r.exit_code == 2 and message in r.stderr


def test_no_triggers_asks_for_offset(cli, tmp_path, tracks):
    tr = tracks["tracks"][0]
    tracks["tracks"] = [Track(drone="drone1", system_id=1, fixes=tr.fixes, triggers=(), time_source="vehicle")]
    photos = tmp_path / "photos"
    write_photos(photos, tr, clock_offset_s=0.0)
    r = cli("photos", "geotag", photos, "--log", "x.tlog", "-o", tmp_path / "out")
    assert r.exit_code == 2 and "give --offset SECONDS" in r.stderr


def test_missing_or_empty_photos_folder(cli, tmp_path, tracks):
    r = cli("photos", "geotag", tmp_path / "nope", "--log", "x.tlog", "-o", tmp_path / "out")
    assert r.exit_code == 2 and "no such folder" in r.stderr
    (tmp_path / "empty").mkdir()
    r = cli("photos", "geotag", tmp_path / "empty", "--log", "x.tlog", "-o", tmp_path / "out")
    assert r.exit_code == 3 and "no JPEG photos (.jpg, .jpeg) found" in r.stderr


def test_rerun_overwrites_own_copies(cli, tmp_path, tracks):
    tr = tracks["tracks"][0]
    photos = tmp_path / "photos"
    write_photos(photos, tr, clock_offset_s=3.0)
    out = tmp_path / "out"
    assert cli("photos", "geotag", photos, "--log", "x.tlog", "-o", out).exit_code == 0
    first = digest(out)
    assert cli("photos", "geotag", photos, "--log", "x.tlog", "-o", out).exit_code == 0
    assert digest(out) == first  # deterministic, and the second run replaced its own copies


def test_copy_never_overwrites_an_original(cli, tmp_path, tracks):
    """PHOTOS inside OUT, laid out so that a copy's path is another original's path."""
    tr = tracks["tracks"][0]
    out = tmp_path / "mission"
    photos = out / "cards"
    write_photos(photos / "cards", tr, clock_offset_s=0.0)  # mission/cards/cards/IMG_0001.JPG ...
    write_photos(photos, tr, clock_offset_s=0.0)  # mission/cards/IMG_0001.JPG: where a copy would go
    before = digest(photos)
    r = cli("photos", "geotag", photos, "--log", "x.tlog", "-o", out, "--json")
    assert r.exit_code == 0, r.stderr
    assert digest(photos) == before
    problems = {p["file"]: p["reason"] for p in r.json["problems"]}
    assert "cards/IMG_0001.JPG" in problems and "would overwrite the original" in problems["cards/IMG_0001.JPG"]


def test_camera_preset_from_exif_then_fleet_then_default():
    from dronepatrol.config import DroneConfig, FleetConfig
    from dronepatrol.photos.batch import camera_for
    from dronepatrol.photos.exif import PhotoExif

    def exif(model):
        return PhotoExif(t_s=0.0, local="", subsecond=True, tz_s=0.0, make="DJI", model=model, serial="", has_gps=False)

    drone1 = DroneConfig(name="drone1", connection="tcp:x:1", system_id=1, camera="sony-a6000-16mm")
    fleet = FleetConfig(drones=(drone1,))
    assert camera_for(exif("M3E"), "drone1", fleet).name == "dji-mavic3e"
    assert camera_for(exif("FC6310R"), None, None).name == "dji-phantom4rtk"
    assert camera_for(exif("SimCam 1600"), "drone1", fleet).name == "sony-a6000-16mm"
    assert camera_for(exif("SimCam 1600"), None, fleet).name == "dji-mavic3e"
