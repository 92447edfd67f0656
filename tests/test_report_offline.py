"""report.offline and report.escape: pages are self-contained and user text is inert."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path

import folium
import pytest

from dronepatrol.report.escape import esc
from dronepatrol.report.offline import (
    LEAFLET_VERSION,
    OfflineError,
    Popup,
    Tooltip,
    leaflet_css,
    leaflet_js,
    linked_resources,
    new_map,
    render_offline,
)

VENDOR = files("dronepatrol.report").joinpath("vendor")
HOSTILE = (
    "</script><script>alert(1)</script>",
    "${alert(1)}",
    "a`b",
    "back\\slash",
    "<img src=x onerror=alert(1)>",
    'it\'s "quoted" & <b>bold</b>',
)


class _Scripts(HTMLParser):
    """Collects every <script> element: (src attribute, inline text)."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[str | None, str]] = []
        self.styles: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append((dict(attrs).get("src"), ""))
            self._in = "script"
        elif tag == "style":
            self.styles.append("")
            self._in = "style"

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            src, text = self.scripts[-1]
            self.scripts[-1] = (src, text + data)
        elif self._in == "style":
            self.styles[-1] += data


def _parse(page: str) -> _Scripts:
    p = _Scripts()
    p.feed(page)
    p.close()
    return p


def _page(**kwargs: object) -> str:
    m = new_map(**kwargs)  # type: ignore[arg-type]
    dot = folium.CircleMarker([16.05, 103.65], radius=6).add_to(m)
    Tooltip("<b>tip</b>").add_to(dot)
    Popup("<b>pop</b>").add_to(dot)
    folium.LayerControl(collapsed=False).add_to(m)
    return render_offline(m, title="Test map")


# --- escape ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_esc_leaves_no_html_or_js_specials(text: str) -> None:
    out = esc(text)
    for ch in "<>\"'`$\\":
        assert ch not in out, (text, out)
    # the browser shows the original text: entities decode back to it
    import html

    assert html.unescape(out) == text


def test_esc_examples() -> None:
    assert esc("${alert(1)}") == "&#36;&#123;alert(1)&#125;"
    assert esc("{{ 7*7 }}{% x %}") == "&#123;&#123; 7*7 &#125;&#125;&#123;% x %&#125;"  # inert for Jinja too
    assert esc("a`b") == "a&#96;b"
    assert esc("C:\\x") == "C:&#92;x"
    assert esc("ร้านทอง เยาวราช") == "ร้านทอง เยาวราช"  # Thai passes through untouched
    assert esc(None) == "" and esc(3) == "3"


# --- vendored Leaflet -----------------------------------------------------------------------


def test_vendored_files_and_licence() -> None:
    names = sorted(p.name for p in VENDOR.iterdir())
    assert {"leaflet.js", "leaflet.css", "LICENSE"} <= set(names)
    assert all(not n.endswith((".png", ".map")) for n in names), names
    assert "BSD 2-Clause" in VENDOR.joinpath("LICENSE").read_text()
    assert f't.version="{LEAFLET_VERSION}"' in leaflet_js()
    readme = VENDOR.joinpath("README.md").read_text()
    for name in ("leaflet.js", "leaflet.css", "LICENSE"):
        digest = hashlib.sha256(VENDOR.joinpath(name).read_bytes()).hexdigest()
        assert digest in readme, f"vendor/README.md does not record the sha256 of {name}"


def test_inline_texts_are_clean() -> None:
    assert "sourceMappingURL" not in leaflet_js()
    assert "url(images/" not in leaflet_css()
    assert ".leaflet-container" in leaflet_css()


# --- pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("basemap", [True, False])
def test_page_links_no_script_or_stylesheet(basemap: bool) -> None:
    page = _page(basemap=basemap)
    parsed = _parse(page)
    assert [src for src, _ in parsed.scripts if src] == []
    assert linked_resources(page) == []
    assert not re.search(r"<link\b", page)
    for cdn in ("jsdelivr", "jquery", "bootstrap", "fontawesome", "awesome-markers", "cdnjs"):
        assert cdn not in page.lower(), cdn
    assert "$(`" not in page  # folium's jQuery popups are not used
    # Leaflet itself is inline, before the script that uses it
    texts = [t for src, t in parsed.scripts if not src]
    leaflet_at = next(i for i, t in enumerate(texts) if f't.version="{LEAFLET_VERSION}"' in t)
    map_at = next(i for i, t in enumerate(texts) if "L.map(" in t)
    assert leaflet_at < map_at
    assert any(".leaflet-pane" in s for s in parsed.styles)
    assert "<title>Test map</title>" in page


def test_basemap_is_optional_and_only_a_tile_layer() -> None:
    assert "tile.openstreetmap.org" in _page(basemap=True)
    assert "L.tileLayer" not in _page(basemap=False)


def test_render_does_not_touch_folium_class_defaults() -> None:
    before = (list(folium.Map.default_js), list(folium.Map.default_css))
    _page()
    assert (folium.Map.default_js, folium.Map.default_css) == before
    assert any(name == "jquery" for name, _ in folium.Map.default_js)


def test_same_map_same_bytes() -> None:
    assert _page() == _page()


def test_unvendored_plugin_is_refused() -> None:
    from folium.plugins import MarkerCluster

    m = new_map(basemap=False)
    MarkerCluster().add_to(m)
    with pytest.raises(OfflineError, match="markercluster"):
        render_offline(m)


def test_linked_resources_finds_links() -> None:
    page = (
        '<link rel="stylesheet" href="https://x/a.css"><script src="//x/b.js"></script>'
        '<img src="data:image/png;base64,AA"><script>var s = "<script src=no>";</script>'
    )
    assert linked_resources(page) == ["https://x/a.css", "//x/b.js"]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_tooltip_and_popup_show_text_only(text: str) -> None:
    m = new_map(basemap=False)
    dot = folium.CircleMarker([16.05, 103.65], radius=6).add_to(m)
    Tooltip(esc(text)).add_to(dot)
    Popup(f"<b>{esc(text)}</b>").add_to(dot)
    page = render_offline(m, title=text)
    assert text not in page
    assert f"<title>{esc(text)}</title>" in page
    # what Leaflet receives (and puts in innerHTML) is exactly the escaped text
    assert _bound(page, "bindTooltip") == [esc(text)]
    assert _bound(page, "bindPopup") == [f"<b>{esc(text)}</b>"]


def _bound(page: str, method: str) -> list[str]:
    """The content strings passed to ``.bindTooltip(...)`` or ``.bindPopup(...)``."""
    return [json.loads(s) for s in re.findall(rf'\.{method}\(("(?:[^"\\]|\\.)*")', page)]


@pytest.mark.parametrize("text", HOSTILE)
def test_unescaped_html_still_cannot_leave_its_script(text: str) -> None:
    """Defence in depth: Tooltip/Popup content is a JSON string (``<`` as ``\\u003c``), not a
    template literal, so even a forgotten esc() cannot close the script or start another."""
    m = new_map(basemap=False)
    dot = folium.CircleMarker([16.05, 103.65], radius=6).add_to(m)
    Tooltip(text).add_to(dot)
    Popup(text).add_to(dot)
    page = render_offline(m)
    parsed = _parse(page)
    assert [src for src, _ in parsed.scripts if src] == []
    assert len(parsed.scripts) == 3  # folium switches, Leaflet, the map
    assert "<script>alert" not in page and "<img src=x" not in page


def _node_check(script: str, tmp_path: Path) -> None:
    path = tmp_path / "page.js"
    path.write_text(script, encoding="utf-8")
    r = subprocess.run(["node", "--check", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
def test_map_script_is_valid_javascript(tmp_path: Path) -> None:
    m = new_map()
    dot = folium.CircleMarker([16.05, 103.65], radius=6).add_to(m)
    Tooltip(esc(HOSTILE[0] + HOSTILE[1] + HOSTILE[2])).add_to(dot)
    page = render_offline(m)
    texts = [t for src, t in _parse(page).scripts if not src]
    _node_check("\n;\n".join(texts), tmp_path)
