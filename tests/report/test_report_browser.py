"""The report in a real browser with no network: every layer drawn with the right number of
features, the summary figures those computed in Python, no JavaScript error, and no user text
ever run as script when every popup and tooltip is opened. A screenshot is kept in the test's
temporary folder (``report.png``) for a person to look at."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dronepatrol.formats.missiondir import read_missions
from dronepatrol.planning.camera import CAMERAS
from dronepatrol.report.page import build_report
from dronepatrol.reporting import Alert, Photo, summarize
from dronepatrol.zones import load_zone
from tests.report.browser import CHROMIUM, SKIP_REASON, run_in_page, screenshot
from tests.report.helpers import patrol_dir, tiny_jpeg
from tests.report.synthetic import T0, loiter_track, survey

pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)]

GEOFENCES = Path(__file__).resolve().parents[2] / "geofences"
CAM = CAMERAS["dji-mavic3e"]
HOSTILE = ["<img src=x onerror=alert(1)>", "${alert(2)}", "</script><script>alert(3)</script>", "`;alert(4);`"]

#: Counts every feature of every layer in the report (leaf layers a reader can point at), the
#: photo clusters' total at a view of all photos, and the summary figures as the page shows them.
COUNT_JS = """
var R = window.dpReport, map = R.map, out = {layers: {}, figures: {}};
function leaves(layer) {
  if (layer.count !== undefined) return layer.count;
  var n = 0;
  layer.eachLayer(function (l) {
    if (l.eachLayer) n += leaves(l); else if (l.options.interactive !== false) n++;
  });
  return n;
}
for (var key in R.layers) {
  var layer = R.layers[key];
  if (!map.hasLayer(layer)) map.addLayer(layer);
  out.layers[key] = leaves(layer);
  if (layer.getLayers && layer.count !== undefined) out.layers[key + ":drawn"] = layer.getLayers().length;
}
document.querySelectorAll("[data-fig]").forEach(function (el) { out.figures[el.dataset.fig] = el.textContent; });
out.bars = Array.prototype.map.call(document.querySelectorAll(".dp-bar"), function (b) { return +b.dataset.value; });
var P = R.layers.photos;
if (P) {
  var b = L.latLngBounds(P._p.lat.map(function (lat, i) { return [lat, P._p.lon[i]]; }));
  map.fitBounds(b, {animate: false});
  var total = 0;
  P.getLayers().forEach(function (m) { total += m.dpCount || 1; });
  out.clustered = {sum: total, drawn: P.drawn, geojson: P.toGeoJSON().features.length};
  map.setView([P._p.lat[0], P._p.lon[0]], 20, {animate: false});
  out.single = {drawn: P.drawn, popup: P.getLayers().filter(function (m) { return m.dpIndex === 0; }).map(function (m) {
    m.openPopup(); return document.querySelector(".leaflet-popup-content").innerText; })[0]};
}
out.controls = document.querySelectorAll(".leaflet-control-layers-overlays label").length;
return out;
"""


@pytest.fixture(scope="module")
def zone():
    return load_zone(GEOFENCES / "phitsanulok-zone4.geojson")


def test_report_draws_offline_with_the_python_figures(tmp_path: Path, zone) -> None:
    sc = survey(zone, drones=3, duration_s=1500, photos=600, days=3, untagged=7)
    tracks = [*sc.tracks, loiter_track(zone, zone.hotspots[0].name, "drone1", seconds=60.0, t0=T0 + 86400)]
    mdir = patrol_dir(zone, tmp_path / "missions")
    missions = read_missions(mdir)
    summaries = [json.loads((mdir / "summary.json").read_text())]
    alerts = [Alert(t_s=T0 + 60, drone="drone2", kind="failsafe", text="Radio Failsafe")]
    s = summarize(zone, missions=missions, mission_summaries=summaries, tracks=tracks, photos=sc.photos,
                  alerts=alerts, default_camera=CAM)
    page = build_report(zone, s, missions=missions, tracks=tracks, photos=sc.photos, page_dir=tmp_path)
    path = tmp_path / "report.html"
    path.write_text(page.html, encoding="utf-8")

    r = run_in_page(path, COUNT_JS)
    assert r["errors"] == [] and r["ran"] == [] and r["injected"] == [], r
    assert "harness_error" not in r["result"], r["result"]
    got = r["result"]
    # every layer, with the number of features the inputs hold
    expected = {
        "zone": len(zone.parts), "communities": len(zone.communities), "nofly": len(zone.nofly),
        "cctv": len(zone.cctv), "launch": len(zone.launches), "hotspots": len(zone.hotspots),
        "planned:drone1": 1, "planned:drone2": 1,
        "flown:drone1": 4, "flown:drone2": 3, "flown:drone3": 3,
        "photos": 600, "footprints": 600, "uncovered": page.layers["uncovered"],
    }
    assert {k: v for k, v in got["layers"].items() if ":drawn" not in k} == expected
    assert page.layers == expected
    assert got["controls"] == len(expected)
    # the summary panel shows the figures computed in Python
    f = s.figures()
    assert got["figures"]["flights"] == str(f["flights"]) == "10"
    assert got["figures"]["distance_km"] == f"{f['distance_km']:.1f}"
    assert got["figures"]["flight_time_h"] == f"{f['flight_time_h']:.1f}"
    assert got["figures"]["photos"] == "607" and got["figures"]["photos_tagged"] == "600"
    assert got["figures"]["photos_untagged"] == "7"
    assert got["figures"]["coverage_pct"] == f"{f['coverage_pct']:.1f} %"
    assert got["figures"]["hotspots_planned"] == "4" == str(f["hotspots_planned"])
    # hotspots 0-3 are planned (patrol_dir); the loiter visited hotspot 0
    assert f["hotspots_planned_visited"] == 1 and got["figures"]["hotspots_planned_visited"] == "1 / 4"
    assert got["figures"]["alerts"] == "1"
    assert got["bars"] == pytest.approx([round(h, 3) for _, h in s.hours_per_week])
    # the photo layer: clusters add up to every photo in view; at full zoom, a photo's own popup
    assert got["clustered"]["sum"] == 600 == got["clustered"]["drawn"]["photos"] == got["clustered"]["geojson"]
    assert got["clustered"]["drawn"]["clusters"] < 200
    assert got["single"]["drawn"]["singles"] >= 1
    assert "DJI_00000.JPG" in got["single"]["popup"] and "2568" in got["single"]["popup"]
    # offline: the only things that failed to load are the optional map tiles
    assert all(u.startswith("https://tile.openstreetmap.org/") for u in r["failed"]), r["failed"]
    png = screenshot(path, tmp_path / "report.png")
    assert png.stat().st_size > 20_000
    print(f"screenshot: {png}")


def _hostile_zone(doc: dict, tmp_path: Path) -> Path:
    for n, feature in enumerate(doc["features"]):
        props = feature["properties"]
        props["name"] = HOSTILE[n % len(HOSTILE)] + " " + props.get("name", "")
        if props.get("role") == "nofly":
            props["reason"] = HOSTILE[(n + 1) % len(HOSTILE)]
    path = tmp_path / "hostile.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


OPEN_ALL_JS = """
var R = window.dpReport, map = R.map, opened = {popups: 0, tooltips: 0};
function openAll() {
  map.eachLayer(function (l) {
    if (l.getPopup && l.getPopup()) { l.openPopup(); opened.popups++; }
    if (l.getTooltip && l.getTooltip()) { l.openTooltip(); opened.tooltips++; }
  });
}
for (var key in R.layers) if (!map.hasLayer(R.layers[key])) map.addLayer(R.layers[key]);
openAll();
var P = R.layers.photos;
for (var i = 0; i < P.count; i++) { map.setView([P._p.lat[i], P._p.lon[i]], 20, {animate: false}); openAll(); }
map.setView([P._p.lat[0], P._p.lon[0]], 13, {animate: false}); openAll();  // cluster tooltips
opened.photo_text = P.popupHtml(0);
opened.labels = Array.prototype.map.call(document.querySelectorAll(".leaflet-control-layers label"),
  function (x) { return x.textContent; });
return opened;
"""


def test_no_user_text_runs_when_every_popup_and_tooltip_opens(tmp_path: Path, roiet_doc: dict) -> None:
    zone = load_zone(_hostile_zone(roiet_doc, tmp_path))
    sc = survey(zone, drones=2, duration_s=240, photos=8)
    photos_dir = tmp_path / "photos"
    photos_dir.mkdir()
    photos = []
    for n, p in enumerate(sc.photos):
        name = f"{HOSTILE[n % len(HOSTILE)]}{n}.jpg".replace("/", "_")
        tiny_jpeg(photos_dir / name)
        photos.append(Photo(**{**p.__dict__, "file": name, "path": str(photos_dir / name), "drone": HOSTILE[n % 2],
                               "thumbnail": HOSTILE[n % len(HOSTILE)]}))
    tracks = [t.__class__(**{**t.__dict__, "drone": HOSTILE[k], "source": HOSTILE[k + 2]})
              for k, t in enumerate(sc.tracks)]
    alerts = [Alert(t_s=T0, drone=h, kind="other", text=h) for h in HOSTILE]
    s = summarize(zone, tracks=tracks, photos=photos, alerts=alerts, default_camera=CAM)
    page = build_report(zone, s, tracks=tracks, photos=photos, title=HOSTILE[2], page_dir=tmp_path)
    path = tmp_path / "hostile.html"
    path.write_text(page.html, encoding="utf-8")

    r = run_in_page(path, OPEN_ALL_JS, budget_ms=15000)
    assert "harness_error" not in r["result"], r["result"]
    assert r["ran"] == [], r["ran"]  # no alert() ran
    assert r["injected"] == [], r["injected"]  # no element with an on... handler appeared
    assert r["errors"] == [], r["errors"]
    assert r["scripts"] == page.html.count("<script") + 2  # no script element was made from user text
    assert r["title"] == HOSTILE[2]
    opened = r["result"]
    n_zone = len(zone.hotspots) + len(zone.cctv) + len(zone.nofly) + len(zone.communities) + len(zone.launches)
    assert opened["popups"] >= len(zone.hotspots) + len(zone.communities) + len(sc.tracks) + len(photos)
    assert opened["tooltips"] >= n_zone + len(sc.tracks) + len(photos)
    assert "&lt;img src=x" in opened["photo_text"] and "<img src=x" not in opened["photo_text"]
    assert any(HOSTILE[0] in label for label in opened["labels"])  # drone names shown as text
    shutil.copy(path, tmp_path / "kept.html")


THUMB_JS = """
var R = window.dpReport, map = R.map, P = R.layers.photos;
map.setView([P._p.lat[0], P._p.lon[0]], 20, {animate: false});
var m = P.getLayers().filter(function (l) { return l.dpIndex === 0; })[0];
m.openPopup();
var img = document.querySelector(".leaflet-popup-content img.dp-thumb");
var a = document.querySelector(".leaflet-popup-content a");
return function () {
  return {loaded: img && img.complete && img.naturalWidth, src: img && img.getAttribute("src"), href: a && a.href};
};
"""


@pytest.mark.parametrize("embed_max", [100, 5], ids=["embedded", "beside-the-page"])
def test_thumbnails_show_offline_and_link_the_full_photo(cli, tmp_path: Path, monkeypatch, embed_max) -> None:
    from tests.report.helpers import geotag_dir

    zone = load_zone(GEOFENCES / "phitsanulok-zone4.geojson")
    sc = survey(zone, drones=1, duration_s=300, photos=12)
    photos = geotag_dir(list(sc.photos), tmp_path / "geotagged", jpeg=True)
    monkeypatch.setattr("dronepatrol.report.thumbnails.EMBED_MAX", embed_max)
    out = tmp_path / "site" / "report.html"
    r = cli("report", "-o", out, "--zone", GEOFENCES / "phitsanulok-zone4.geojson", "--photos", photos)
    assert r.exit_code == 0, r.stderr
    got = run_in_page(out, THUMB_JS)
    assert got["errors"] == [] and "harness_error" not in got["result"], got
    res = got["result"]
    assert res["loaded"] == 200  # the thumbnail was drawn (200 px wide), from the page or REPORT_files
    assert res["src"].startswith("data:image/jpeg" if embed_max == 100 else "report_files/thumbs/")
    assert res["href"].endswith("/geotagged/DJI_00000.JPG")
    assert Path(res["href"].removeprefix("file://")).is_file()  # the link reaches the full photo
    assert not any("report_files" in u for u in got["failed"])
