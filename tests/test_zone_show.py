"""zone show: a self-contained map page of a zone; user text escaped; written atomically; exit 3."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from dronepatrol.cli.zone_show import show
from dronepatrol.report.escape import esc
from dronepatrol.report.offline import LEAFLET_VERSION, linked_resources
from dronepatrol.report.zone_map import CCTV_COLOURS, NOFLY_COLOUR, PRIORITY_COLOURS, zone_map
from dronepatrol.zones import load_zone

GEOFENCES = Path(__file__).resolve().parent.parent / "geofences"  # not "from conftest": tests/sim has one too
ROIET = GEOFENCES / "roiet.geojson"
PHITSANULOK = GEOFENCES / "phitsanulok-zone4.geojson"
HOSTILE = {
    "zone": "</script><script>document.title='PWNED-zone'</script>",
    "nofly": "${document.title='PWNED-tpl'}",
    "hotspot": "`;document.title='PWNED-tick';`",
    "cctv": "<img src=x onerror=\"document.title='PWNED-img'\">",
    "launch": "\\`${document.title='PWNED-bs'}",
    "community": "<img src=x onerror=\"document.title='PWNED-label'\">Ban <b>Khlong</b>",
}
REASON = "</script><svg onload=alert(1)> & ${x} `y`"


@pytest.fixture
def cli_show(cli, monkeypatch: pytest.MonkeyPatch):
    """The ``cli`` runner with ``zone show`` registered (until cli/zone.py registers it)."""
    from dronepatrol.cli import zone as zone_cli

    registered = zone_cli.app.registered_commands
    if not any(c.name == "show" or (c.name is None and c.callback is show) for c in registered):
        monkeypatch.setattr(zone_cli.app, "registered_commands", list(registered))
        zone_cli.app.command("show")(show)
    return cli


def _names(path: Path) -> list[str]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return [f["properties"]["name"] for f in doc["features"] if f["properties"].get("name")]


def _hostile_zone(doc: dict, tmp_path: Path) -> Path:
    """The Roi Et zone with one hostile name per role and a hostile no-fly reason."""
    done: set[str] = set()
    for feature in doc["features"]:
        props = feature["properties"]
        role = props.get("role")
        if role in HOSTILE and role not in done:
            props["name"] = HOSTILE[role]
            done.add(role)
            if role == "nofly":
                props["reason"] = REASON
    assert done == set(HOSTILE)
    path = tmp_path / "hostile.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


# --- the page -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [ROIET, PHITSANULOK], ids=lambda p: p.name)
def test_page_is_self_contained_and_names_every_feature(path: Path) -> None:
    page = zone_map(load_zone(path))
    assert page.startswith("<!DOCTYPE html>")
    assert linked_resources(page) == []
    assert re.findall(r"<script[^>]*\bsrc=", page) == []
    assert re.findall(r"<link\b", page) == []
    assert f't.version="{LEAFLET_VERSION}"' in page
    decoded = _js_strings(page)
    for name in _names(path):
        assert esc(name) in decoded, name
    assert "Lotus&#x27;s Go Fresh Ban Khlong" in decoded or path == ROIET


def _js_strings(page: str) -> str:
    """The page plus every JSON string literal of the map script decoded (what the browser's
    JavaScript hands to Leaflet, which puts tooltips, popups and the legend in innerHTML)."""
    script = page[page.rindex("<script>") :]
    decoded = []
    for literal in re.findall(r'"(?:[^"\\\n]|\\.)*"', script):
        decoded.append(json.loads(literal))
    return page + "\n" + "\n".join(decoded)


def test_layers_colours_legend_and_bounds() -> None:
    zone = load_zone(ROIET)
    page = zone_map(zone)
    for colour in (*PRIORITY_COLOURS.values(), *CCTV_COLOURS.values(), NOFLY_COLOUR):
        assert colour in page
    assert page.count("L.circle(") == len(zone.cctv)  # CCTV range circles, in metres
    assert page.count("L.circleMarker(") == len(zone.hotspots) + len(zone.cctv) + len(zone.launches)
    assert '"radius": 80' in page  # CCTV 03 lake north range_m
    decoded = _js_strings(page)
    assert "dp-legend" in page and "Hotspot, priority 1 → 5" in decoded
    assert "Launch sites (3)" in decoded and "CCTV (3 working, 3 broken)" in decoded
    west, south, east, north = zone.to_lonlat(zone.area_m).bounds
    bounds = re.search(r"\.fitBounds\(\s*(\[\[.*?\]\])", page[page.rindex("<script>") :], re.S)
    assert bounds is not None
    (s, w), (n, e) = json.loads(bounds.group(1))
    assert (s, w, n, e) == pytest.approx((south, west, north, east), abs=1e-9)
    assert "L.tileLayer" in page and "L.tileLayer" not in zone_map(zone, basemap=False)


def test_airport_ring_is_dashed_and_named_in_legend() -> None:
    page = zone_map(load_zone(PHITSANULOK))
    assert '"dashArray": "8 6"' in page
    assert "Inside airport ring VTPP" in _js_strings(page)


def test_hostile_names_only_appear_escaped(tmp_path: Path, roiet_doc: dict) -> None:
    zone = load_zone(_hostile_zone(roiet_doc, tmp_path))
    page = zone_map(zone)
    decoded = _js_strings(page)
    for text in (*HOSTILE.values(), REASON):
        assert text not in page, text
        assert text not in decoded, text  # not even after the browser decodes the JS strings
        assert esc(text) in decoded, text
    for raw in ("</script><script>", "${document", "<img src=x", "`;document", "<svg onload"):
        assert raw not in decoded
    assert f"<title>{esc(HOSTILE['zone'])} — zone map</title>" in page
    assert linked_resources(page) == []
    assert len(re.findall(r"<script\b", page)) == 3  # folium switches, Leaflet, the map


def test_same_zone_same_page() -> None:
    zone = load_zone(ROIET)
    assert zone_map(zone) == zone_map(zone)


# --- the command ----------------------------------------------------------------------------


def test_show_writes_page_and_reports(cli_show, tmp_path: Path) -> None:
    out = tmp_path / "maps" / "roiet.html"
    r = cli_show("zone", "show", ROIET, "-o", out, "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json == {"file": str(ROIET), "out": str(out), "bytes": out.stat().st_size}
    assert f"to {out} (" in r.stderr  # the path on one line of stderr
    page = out.read_text(encoding="utf-8")
    assert "Bangkok Bank Roi Et" in page and linked_resources(page) == []
    assert [p.name for p in out.parent.iterdir()] == ["roiet.html"]  # no temporary file left
    human = cli_show("zone", "show", ROIET, "--out", out, "--no-basemap")
    assert human.exit_code == 0 and human.stdout == ""
    assert "L.tileLayer" not in out.read_text(encoding="utf-8")


def test_show_replaces_an_existing_map_whole(cli_show, tmp_path: Path) -> None:
    out = tmp_path / "map.html"
    out.write_text("old map")
    inode_before = out.stat().st_ino
    r = cli_show("zone", "show", PHITSANULOK, "-o", out)
    assert r.exit_code == 0, r.stderr
    assert out.read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert out.stat().st_ino != inode_before  # a new file renamed into place, not rewritten in place


def test_show_never_writes_over_its_input(cli_show, tmp_path: Path) -> None:
    zone = tmp_path / "zone.geojson"
    shutil.copy(ROIET, zone)
    before = zone.read_bytes()
    for target in (zone, tmp_path / "." / "zone.geojson"):
        r = cli_show("zone", "show", zone, "-o", target)
        assert r.exit_code == 2
        assert "refusing to overwrite an input file" in r.stderr
    assert zone.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zone.geojson"]


def test_invalid_zone_exits_3_and_keeps_old_map(cli_show, tmp_path: Path, roiet_doc: dict) -> None:
    roiet_doc["features"][0]["geometry"]["coordinates"][0].pop()  # ring not closed
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(roiet_doc))
    out = tmp_path / "map.html"
    out.write_text("previous good map")
    r = cli_show("zone", "show", bad, "-o", out)
    assert r.exit_code == 3
    assert "Traceback" not in r.stderr
    assert str(bad) in r.stderr and "not closed" in r.stderr and "feature 0" in r.stderr
    assert out.read_text() == "previous good map"
    assert r.stdout == ""


def test_missing_file_and_missing_out(cli_show, tmp_path: Path) -> None:
    r = cli_show("zone", "show", tmp_path / "nope.geojson", "-o", tmp_path / "m.html")
    assert r.exit_code == 3 and "file not found" in r.stderr
    assert not (tmp_path / "m.html").exists()
    r = cli_show("zone", "show", ROIET)
    assert r.exit_code == 2 and "--out" in r.stderr


# --- optional: the page in a real browser, offline ------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _dump_dom(page: Path) -> str:
    """The DOM after the page's scripts ran, in headless Chromium with networking disabled."""
    with tempfile.TemporaryDirectory() as profile:
        args = [
            CHROMIUM or "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--proxy-server=127.0.0.1:9",  # no network, even where there is some
            "--virtual-time-budget=3000",
            "--window-size=1200,800",
            "--dump-dom",
            page.as_uri(),
        ]
        r = subprocess.run(args, capture_output=True, text=True, timeout=120, env={**os.environ, "LANG": "C.UTF-8"})
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_browser_draws_overlays_offline_and_runs_no_user_script(tmp_path: Path, roiet_doc: dict) -> None:
    zone = load_zone(_hostile_zone(roiet_doc, tmp_path))
    page = tmp_path / "map.html"
    page.write_text(zone_map(zone), encoding="utf-8")
    dom = _dump_dom(page)
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert title is not None and html.unescape(title.group(1)) == f"{HOSTILE['zone']} — zone map"
    # every overlay is an SVG path drawn by Leaflet (no tiles: the browser has no network)
    shapes = len(re.findall(r"<path[^>]*\bstroke=", dom))
    n = len(zone.parts) + len(zone.communities) + len(zone.nofly) + len(zone.hotspots)
    assert shapes == n + 2 * len(zone.cctv) + len(zone.launches), "overlays were not drawn"
    assert 'class="leaflet-control-layers' in dom and "dp-legend" in dom
    # permanent labels and the legend went through innerHTML: the user text is shown as text
    assert html.escape("Ban <b>Khlong</b>", quote=False) in dom
    assert '<img src="x"' not in dom and "<b>Khlong</b>" not in dom


def test_cctv_ranges_never_catch_the_clicks_meant_for_their_cameras() -> None:
    from dronepatrol.report.zone_map import zone_map
    from dronepatrol.zones import load_zone

    zone = load_zone(ROIET)
    page = zone_map(zone, basemap=False)
    assert page.count('"interactive": false') == len(zone.cctv) == 6  # one non-interactive range per camera
