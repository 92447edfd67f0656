"""The report page and command: self-contained, the right layers and figures, escaped text,
Thai or English, written atomically, thumbnails embedded or beside the page."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

import pytest

from dronepatrol.planning.camera import CAMERAS
from dronepatrol.report.escape import esc
from dronepatrol.report.offline import linked_resources
from dronepatrol.report.page import build_report
from dronepatrol.reporting import Alert, Photo, summarize
from dronepatrol.zones import load_zone
from tests.report.helpers import geotag_dir, patrol_dir, tiny_jpeg
from tests.report.synthetic import T0, loiter_track, survey

GEOFENCES = Path(__file__).resolve().parents[2] / "geofences"
PHITSANULOK = GEOFENCES / "phitsanulok-zone4.geojson"
CAM = CAMERAS["dji-mavic3e"]
HOSTILE = "<img src=x onerror=alert(1)>${alert(2)}</script>`"


@pytest.fixture(scope="module")
def zone():
    return load_zone(PHITSANULOK)


@pytest.fixture(scope="module")
def scenario(zone):
    sc = survey(zone, drones=3, duration_s=1200, photos=400, days=2, untagged=3)
    loiter = loiter_track(zone, zone.hotspots[0].name, "drone1", seconds=60.0, t0=T0 + 3 * 86400)
    return sc, (*sc.tracks, loiter)


def _page(zone, scenario, **kw):
    sc, tracks = scenario
    alerts = [Alert(t_s=T0 + 5, drone="drone2", kind="fence", text="Fence breach")]
    s = summarize(zone, tracks=tracks, photos=sc.photos, alerts=alerts, default_camera=CAM)
    return s, build_report(zone, s, tracks=tracks, photos=sc.photos, **kw)


def test_page_is_self_contained_with_every_layer(zone, scenario) -> None:
    s, page = _page(zone, scenario)
    assert linked_resources(page.html) == []
    assert re.findall(r"<script[^>]*\bsrc=", page.html) == []
    assert page.html.startswith("<!DOCTYPE html>") and '<html lang="th">' in page.html
    assert page.layers == {
        "zone": 1,
        "communities": 17,
        "nofly": 2,
        "uncovered": page.layers["uncovered"],
        "cctv": 4,
        "launch": 3,
        "flown:drone1": 3,
        "flown:drone2": 2,
        "flown:drone3": 2,
        "hotspots": 10,
        "footprints": 400,
        "photos": 400,
    }
    assert page.layers["uncovered"] >= 1
    assert len(page.html.encode()) < 1_500_000
    for key, value in s.figures().items():
        if key in ("distance_km", "flight_time_h"):
            assert f'data-fig="{key}">{value:.1f}<' in page.html
    assert f'data-fig="photos">{s.photos}<' in page.html
    assert 'data-alert="fence">1<' in page.html


def test_thai_by_default_english_on_request(zone, scenario) -> None:
    _, th = _page(zone, scenario)
    _, en = _page(zone, scenario, lang="en")
    assert "เที่ยวบิน" in th.html and "ชั่วโมงบินต่อสัปดาห์" in th.html and "2568" in th.html  # B.E.
    assert "Flights" in en.html and "Flight hours per week" in en.html and "2025" in en.html
    assert "เที่ยวบิน" not in en.html.split("<body>")[1].split("<script")[0]
    assert "Noto Sans Thai" in th.html and "Loma" in th.html  # a font stack with Thai glyphs


def test_same_inputs_same_page(zone, scenario) -> None:
    assert _page(zone, scenario)[1].html == _page(zone, scenario)[1].html


def _decoded_strings(html: str) -> str:
    """Every JSON string in the page's scripts, decoded as the browser's JavaScript sees it."""
    out = []
    for script in re.findall(r"<script[^>]*>(.*?)</script>", html, re.S):
        for literal in re.findall(r'"(?:[^"\\\n]|\\.)*"', script):
            with contextlib.suppress(ValueError):
                out.append(json.loads(literal))
    return "\n".join(out)


def test_untrusted_text_only_appears_escaped(tmp_path: Path, roiet_doc: dict) -> None:
    for f in roiet_doc["features"]:
        f["properties"]["name"] = HOSTILE + f["properties"].get("name", "")
        if f["properties"].get("role") == "nofly":
            f["properties"]["reason"] = HOSTILE
    path = tmp_path / "hostile.geojson"
    path.write_text(json.dumps(roiet_doc), encoding="utf-8")
    zone = load_zone(path)
    sc = survey(zone, drones=1, duration_s=300, photos=5)
    photos = [Photo(**{**p.__dict__, "file": HOSTILE + p.file, "drone": HOSTILE}) for p in sc.photos]
    tracks = [t.__class__(**{**t.__dict__, "drone": HOSTILE, "source": HOSTILE}) for t in sc.tracks]
    alerts = [Alert(t_s=T0, drone=HOSTILE, kind="other", text=HOSTILE)]
    s = summarize(zone, tracks=tracks, photos=photos, alerts=alerts, default_camera=CAM)
    page = build_report(zone, s, tracks=tracks, photos=photos, title=HOSTILE).html
    decoded = _decoded_strings(page)
    for raw in ("<img src=x", "${alert", "</script>`", "`"):
        assert raw not in decoded, raw
    assert "<img src=x" not in page and "${alert" not in page
    assert esc(HOSTILE) in decoded and esc(HOSTILE) in page
    assert page.count("</script>") == len(re.findall(r"<script\b", page))
    assert f"<title>{esc(HOSTILE)}</title>" in page


# --- the command ------------------------------------------------------------------------------


@pytest.fixture
def inputs(tmp_path: Path, zone):
    sc = survey(zone, drones=2, duration_s=600, photos=20, untagged=2)
    missions = patrol_dir(zone, tmp_path / "missions" / "patrol", authorization="CAAT-2568-017")
    photos = geotag_dir(list(sc.photos), tmp_path / "geotagged", jpeg=True)
    return missions, photos, sc


def test_report_command_writes_the_page_and_json(cli, tmp_path: Path, inputs) -> None:
    missions, photos, _sc = inputs
    out = tmp_path / "out" / "report.html"
    r = cli(
        "report",
        "-o",
        out,
        "--zone",
        PHITSANULOK,
        "--missions",
        missions,
        "--photos",
        photos,
        "--json",
        "--title",
        "Ban Khlong week 49",
    )
    assert r.exit_code == 0, r.stderr
    doc = r.json
    assert doc["out"] == str(out) and doc["bytes"] == out.stat().st_size
    assert doc["figures"]["photos"] == 22 and doc["figures"]["photos_tagged"] == 20
    assert doc["figures"]["hotspots_planned"] == 4
    assert doc["authorizations"] == ["CAAT-2568-017"]
    assert doc["untagged_photos"] == ["NOGPS_000.JPG", "NOGPS_001.JPG"]
    assert doc["layers"]["photos"] == 20 and doc["layers"]["planned:drone1"] == 1
    assert "wrote report to" in r.stderr and str(out) in r.stderr
    page = out.read_text(encoding="utf-8")
    assert "<title>Ban Khlong week 49</title>" in page and "CAAT-2568-017" in page
    assert page.count("data:image/jpeg;base64,") == 20  # few photos: thumbnails embedded
    assert "geotagged/DJI_00000.JPG" in page  # the link to the full photo, relative to the page
    assert sorted(p.name for p in out.parent.iterdir()) == ["report.html"]  # no temporary file, no _files


def test_many_photos_put_thumbnails_beside_the_page(cli, tmp_path: Path, inputs, monkeypatch) -> None:
    _missions, photos, _ = inputs
    monkeypatch.setattr("dronepatrol.report.thumbnails.EMBED_MAX", 5)
    out = tmp_path / "r.html"
    r = cli("report", "-o", out, "--zone", PHITSANULOK, "--photos", photos, "--lang", "en", "--json")
    assert r.exit_code == 0, r.stderr
    thumbs = sorted((tmp_path / "r_files" / "thumbs").iterdir())
    assert len(thumbs) == 20 and r.json["thumbnails_written"] == 20
    page = out.read_text(encoding="utf-8")
    assert "data:image/jpeg" not in page and f"r_files/thumbs/{thumbs[0].name}" in page
    from PIL import Image

    with Image.open(thumbs[0]) as im:
        assert max(im.size) == 200
    again = cli("report", "-o", out, "--zone", PHITSANULOK, "--photos", photos, "--json")
    assert again.exit_code == 0 and again.json["thumbnails_written"] == 0  # reused


def test_exif_folder_photos_with_and_without_gps(cli, tmp_path: Path, zone) -> None:
    folder = tmp_path / "camera" / "drone2"
    folder.mkdir(parents=True)
    h = zone.hotspots[0]
    tiny_jpeg(
        folder / "DJI_0001.JPG",
        gps={"lat": h.lat, "lon": h.lon, "alt_amsl_m": 100.0, "t_utc_s": T0, "heading_deg": 90.0},
    )
    tiny_jpeg(folder / "DJI_0002.JPG")
    out = tmp_path / "r.html"
    r = cli("report", "-o", out, "--zone", PHITSANULOK, "--photos", tmp_path / "camera", "--json", "--no-thumbnails")
    assert r.exit_code == 0, r.stderr
    assert r.json["figures"]["photos"] == 2 and r.json["figures"]["photos_tagged"] == 1
    assert r.json["untagged_photos"] == ["drone2/DJI_0002.JPG"]
    assert r.json["drones"][0]["drone"] == "drone2"
    assert r.json["span_utc_s"] == [T0, T0 + 1800]  # GPS time of one, camera time (09:30 Thai) of the other


def test_bad_options_and_inputs(cli, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    r = cli("report", "-o", out, "--zone", PHITSANULOK, "--lang", "fr")
    assert r.exit_code == 2 and "--lang 'fr'" in r.stderr
    r = cli("report", "-o", out)
    assert r.exit_code == 2 and "--zone" in r.stderr
    r = cli("report", "-o", out, "--zone", PHITSANULOK, "--photos", tmp_path / "nope")
    assert r.exit_code == 3 and "nope: not found" in r.stderr
    (tmp_path / "empty").mkdir()
    r = cli("report", "-o", out, "--zone", PHITSANULOK, "--logs", tmp_path / "empty")
    assert r.exit_code == 3 and "no .tlog recordings" in r.stderr
    r = cli("report", "-o", PHITSANULOK, "--zone", PHITSANULOK)
    assert r.exit_code == 2 and "refusing to overwrite an input file" in r.stderr
    assert not out.exists()


def test_zone_from_the_missions_and_an_existing_report_replaced_whole(cli, tmp_path: Path, zone) -> None:
    missions = patrol_dir(zone, tmp_path / "m")
    out = tmp_path / "r.html"
    out.write_text("old report")
    inode = out.stat().st_ino
    r = cli("report", "-o", out, "--missions", missions)
    assert r.exit_code == 0, r.stderr
    assert out.stat().st_ino != inode and out.read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert "0 flights by 2 drones" in r.stderr


# --- flight logs ------------------------------------------------------------------------------


def _session(zone, root: Path, name: str, drone: str, sysid: int, *, texts=(), breaches=0) -> Path:
    """A recorded session: ``root/name/<drone>.tlog`` (from the telemetry tests' synthetic flight,
    over the zone's centre) with STATUSTEXT and FENCE_STATUS records added, and session.json."""
    from pymavlink.dialects.v20 import ardupilotmega as M

    from tests.telemetry.tlogs import flight

    c = zone.to_lonlat(zone.area_m.centroid)
    f = flight(sysid=sysid, seconds=30.0, lat0=c.y, lon0=c.x)
    veh = M.MAVLink(None, sysid, 1)
    t0 = f.records[len(f.records) // 2][0]
    for k, (severity, text) in enumerate(texts):
        f.records.append((t0 + k * 1000, veh.statustext_encode(severity, text.encode()).pack(veh)))
    for k in range(breaches):
        f.records.append((t0 + 5000 + k * 1000, veh.fence_status_encode(1, 1, 1, 0).pack(veh)))
    f.records.sort(key=lambda r: r[0])
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "session.json").write_text(json.dumps({"drones": [{"name": drone, "system_id": sysid,
                                                                 "file": f"{drone}.tlog"}]}))
    return f.write(folder / f"{drone}.tlog")


def test_logs_over_a_folder_of_sessions_give_flights_and_alerts(cli, tmp_path: Path, zone) -> None:
    flights = tmp_path / "flights"
    _session(zone, flights, "20251202T020000Z", "drone1", 1,
             texts=[(2, "Radio Failsafe"), (2, "Radio Failsafe"), (6, "Radio Failsafe Cleared"), (3, "PreArm: GPS")],
             breaches=2)
    _session(zone, flights, "20251209T020000Z", "drone2", 2, texts=[(2, "Crash: Disarming")])
    out = tmp_path / "r.html"
    r = cli("report", "-o", out, "--zone", PHITSANULOK, "--logs", flights, "--json", "--lang", "en")
    assert r.exit_code == 0, r.stderr
    doc = r.json
    assert doc["figures"]["flights"] == 2
    assert [d["drone"] for d in doc["drones"]] == ["drone1", "drone2"]
    assert all(d["flight_time_s"] == pytest.approx(29.8, abs=0.3) for d in doc["drones"])
    assert doc["alert_counts"] == {"failsafe": 1, "fence": 1, "link_lost": 0, "other": 1}
    assert sorted(a["text"] for a in doc["alerts"]) == ["Crash: Disarming", "Radio Failsafe", "fence breach (1)"]
    assert doc["layers"]["flown:drone1"] == 1 and doc["layers"]["flown:drone2"] == 1
    assert doc["layers"]["triggers"] == 2 * 15  # CAMERA_FEEDBACK every 10th of 150 fixes
    assert doc["figures"]["camera_triggers"] == 30 and doc["figures"]["photos"] == 0
    assert doc["coverage"]["from"] == "triggers" and doc["coverage"]["covered_pct"] > 0  # no photos yet
    page = out.read_text(encoding="utf-8")
    assert "Radio Failsafe" in page and "Crash: Disarming" in page


def test_template_syntax_in_names_is_text_not_evaluated(tmp_path: Path, roiet_doc: dict) -> None:
    """branca compiles Element text as Jinja: a name like ``{{ 7*7 }}`` must stay as written."""
    jinja = "{{ 7*7 }}{% if true %}JINJA-RAN{% endif %}"
    for f in roiet_doc["features"]:
        f["properties"]["name"] = jinja + f["properties"].get("name", "")
    path = tmp_path / "jinja.geojson"
    path.write_text(json.dumps(roiet_doc), encoding="utf-8")
    zone = load_zone(path)
    sc = survey(zone, drones=1, duration_s=120, photos=2)
    photos = [Photo(**{**p.__dict__, "file": jinja}) for p in sc.photos]
    s = summarize(zone, tracks=sc.tracks, photos=photos, default_camera=CAM)
    page = build_report(zone, s, tracks=sc.tracks, photos=photos, title=jinja).html
    assert "49JINJA-RAN" not in page  # what Jinja would have made of it
    assert f"<title>{esc(jinja)}</title>" in page
    assert page.count(esc(jinja)) >= len(zone.communities)

    from dronepatrol.report.zone_map import zone_map

    assert "49JINJA-RAN" not in zone_map(zone) and esc(jinja) in zone_map(zone)


def test_camera_preview_used_for_very_many_photos(tmp_path: Path, monkeypatch) -> None:
    import io

    import piexif
    from PIL import Image

    from dronepatrol.report import thumbnails

    preview = io.BytesIO()
    Image.new("RGB", (160, 120), (200, 30, 30)).save(preview, "JPEG")
    exif = piexif.dump({"0th": {}, "Exif": {}, "GPS": {}, "1st": {piexif.ImageIFD.JPEGInterchangeFormat: 0,
                                                                  piexif.ImageIFD.JPEGInterchangeFormatLength: 0},
                        "thumbnail": preview.getvalue()})
    photos = []
    for n in range(4):
        path = tmp_path / f"p{n}.jpg"
        Image.new("RGB", (640, 480), (20, 200, 20)).save(path, "JPEG", exif=exif)
        photos.append(Photo(file=path.name, path=str(path), lon=100.0, lat=16.0))
    monkeypatch.setattr(thumbnails, "PREVIEW_OVER", 2)
    out, written = thumbnails.add_thumbnails(photos, tmp_path / "r.html", embed_max=0)
    assert written == 4
    with Image.open(tmp_path / out[0].thumbnail) as im:
        assert im.size == (160, 120) and im.getpixel((80, 60))[0] > 150  # the camera's own (red) preview
    monkeypatch.setattr(thumbnails, "PREVIEW_OVER", 10)
    out, _ = thumbnails.add_thumbnails(photos, tmp_path / "s.html", embed_max=0)
    with Image.open(tmp_path / out[0].thumbnail) as im:
        assert im.size == (200, 150)  # made from the photo itself


def test_photos_geotag_output_end_to_end(cli, tmp_path: Path, monkeypatch) -> None:
    """``photos geotag`` (its test flight over Roi Et) writes the copies and manifests; the report
    reads them: tagged photos drawn with geotag's footprints, the others counted and listed."""
    from tests.photos.helpers import make_track, write_photos

    track = make_track("drone1")
    monkeypatch.setattr("dronepatrol.cli.photos._read_tracks", lambda paths: [track])
    photos = tmp_path / "photos"
    write_photos(photos / "drone1", track, clock_offset_s=12.0)
    (photos / "drone1" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe1 garbage")
    out = tmp_path / "geotagged"
    g = cli("photos", "geotag", photos, "--log", "x.tlog", "-o", out, "--json")
    assert g.exit_code == 0, g.stderr
    tagged = g.json["tagged"]
    r = cli("report", "-o", tmp_path / "r.html", "--zone", GEOFENCES / "roiet.geojson", "--photos", out, "--json")
    assert r.exit_code == 0, r.stderr
    doc = r.json
    assert doc["figures"]["photos"] == tagged + 1 and doc["figures"]["photos_tagged"] == tagged
    assert doc["untagged_photos"] == ["drone1/broken.jpg"]
    assert doc["layers"]["photos"] == tagged and doc["layers"]["footprints"] == tagged
    assert doc["drones"] == [{"drone": "drone1", "flights": 0, "distance_m": 0.0, "flight_time_s": 0.0,
                              "photos": tagged + 1, "photos_tagged": tagged}]
    assert doc["coverage"]["covered_pct"] > 0
    assert doc["span_utc_s"][0] == pytest.approx(track.triggers[0].t_s, abs=0.01)
