"""Self-contained folium pages: Leaflet inlined, no CDN, no tile server needed to draw overlays.

folium pages load Leaflet, jQuery, Bootstrap and Font Awesome from CDNs; opened without internet
they draw nothing ("L is not defined"). :func:`render_offline` renders a folium map with the
vendored Leaflet (``vendor/leaflet.js``, ``vendor/leaflet.css``, BSD-2-Clause, see
``vendor/LICENSE``) inlined, drops the other CDN assets (nothing here uses them: no folium
``Popup``, which needs jQuery, and no ``Marker`` icons, which need images; use
:class:`Tooltip`, :class:`Popup` and ``CircleMarker``), and refuses to return a page that still
links a script or stylesheet. The optional OpenStreetMap background (``new_map(basemap=True)``)
only shows when online; overlays are vector layers and never depend on it.

>>> import folium
>>> m = new_map(basemap=False)
>>> folium.CircleMarker([16.05, 103.65], radius=6).add_to(m)  # doctest: +ELLIPSIS
<folium.vector_layers.CircleMarker object at ...>
>>> page = render_offline(m, title="Roi Et")
>>> linked_resources(page), f't.version="{LEAFLET_VERSION}"' in page
([], True)
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator
from functools import lru_cache
from html.parser import HTMLParser
from importlib.resources import files
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from dronepatrol.report.escape import esc

__all__ = [
    "DROPPED_ASSETS",
    "INLINED_ASSETS",
    "LEAFLET_VERSION",
    "OSM_ATTRIBUTION",
    "OSM_TILES",
    "PLAIN_BACKGROUND",
    "OfflineError",
    "Popup",
    "Raw",
    "Tooltip",
    "leaflet_css",
    "leaflet_js",
    "linked_resources",
    "new_map",
    "render_offline",
]

#: The vendored Leaflet (``vendor/leaflet.js``); folium 0.20 itself links 1.9.3 from a CDN.
LEAFLET_VERSION = "1.9.4"

#: folium's CDN assets (by folium's names) replaced by the inlined vendored copy.
INLINED_ASSETS = frozenset({"leaflet", "leaflet_css"})

#: folium's CDN assets dropped: only folium's ``Popup`` (jQuery) and ``Marker`` icons use them.
DROPPED_ASSETS = frozenset(
    {
        "jquery",
        "bootstrap",
        "awesome_markers",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers_font_css",
        "awesome_markers_css",
        "awesome_rotate_css",
    }
)

#: Map background where no tiles are drawn (offline, or ``basemap=False``): plain, light land.
PLAIN_BACKGROUND = "#f3f1ec"

#: The optional online background; tile images are not needed for anything else on the page.
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


class OfflineError(RuntimeError):
    """A page would need the network to draw (a programming error: vendor the asset instead)."""


class Raw(Element):
    """Text put into the page exactly as given. branca's ``Element(text)`` compiles ``text`` as a
    Jinja template, so a name holding ``{{ ... }}`` would be evaluated while the page is built;
    this one never is (and inlining Leaflet or a data block costs no template compilation).

    >>> Raw("{{ 7*7 }}").render()
    '{{ 7*7 }}'
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Raw"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


# --- the vendored Leaflet ---------------------------------------------------------------------


def _vendor_text(name: str) -> str:
    return files("dronepatrol.report").joinpath("vendor", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def leaflet_js() -> str:
    """The vendored ``leaflet.js``, ready to sit inside ``<script>...</script>``.

    The source-map comment is removed (the map file is not shipped, so a browser's developer
    tools would otherwise ask the network for it).
    """
    text = re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", _vendor_text("leaflet.js"))
    _check_inline(text, "script", "leaflet.js")
    return text


@lru_cache(maxsize=1)
def leaflet_css() -> str:
    """The vendored ``leaflet.css``, ready to sit inside ``<style>...</style>``.

    Its ``url(images/...)`` references (the layers-control icon and the default marker icon,
    neither used here: the layers control is shown expanded and markers are circles) become
    ``none``, so the page never asks for a file that is not there.
    """
    text = re.sub(r"url\(\s*['\"]?images/[^)]*\)", "none", _vendor_text("leaflet.css"))
    _check_inline(text, "style", "leaflet.css")
    return text


def _check_inline(text: str, tag: str, name: str) -> None:
    lowered = text.lower()
    for bad in (f"</{tag}", "<!--"):
        if bad in lowered:
            raise OfflineError(f"vendor/{name} contains {bad!r} and cannot be inlined in <{tag}>")


# --- building a page --------------------------------------------------------------------------


def new_map(*, basemap: bool = True, **kwargs: Any) -> folium.Map:
    """A folium map with no CDN tiles by default and, with ``basemap``, an OpenStreetMap layer.

    The OSM layer draws only when the browser is online; everything added on top (vector
    layers) draws either way over :data:`PLAIN_BACKGROUND`. ``kwargs`` go to ``folium.Map``.
    """
    kwargs.setdefault("control_scale", True)
    kwargs.setdefault("prefer_canvas", False)  # SVG renderer: crisp outlines and dashes
    m = folium.Map(tiles=None, **kwargs)
    if basemap:
        folium.TileLayer(
            tiles=OSM_TILES,
            attr=OSM_ATTRIBUTION,
            name="OpenStreetMap (online only)",
            max_zoom=19,
            overlay=False,
            control=True,
        ).add_to(m)
    return m


def render_offline(m: folium.Map, *, title: str = "dronepatrol map") -> str:
    """Render ``m`` as one self-contained HTML page (UTF-8 text).

    Leaflet's JavaScript and CSS are inlined from the vendored copy, folium's other CDN assets
    are dropped, element ids are numbered in order (the same map gives the same bytes), and
    ``title`` (escaped) becomes the page title. Raises :class:`OfflineError` if any element asks
    for an asset that is not vendored, or if the page would still link a script or stylesheet.
    """
    root = m.get_root()
    _strip_cdn_assets(root)
    _renumber(root)
    # First in <head> (after the charset): page styles added by the caller then override Leaflet's.
    first = int("meta_http" in root.header._children)
    for n, (name, text) in enumerate(
        [
            ("dp_title", f"<title>{esc(title)}</title>"),
            ("dp_leaflet_css", f"<style>\n{leaflet_css()}\n</style>"),
            ("dp_background", f"<style>.leaflet-container {{ background: {PLAIN_BACKGROUND}; }}</style>"),
            ("dp_leaflet_js", f"<script>\n{leaflet_js()}\n</script>"),
        ]
    ):
        root.header.add_child(Raw(text), name=name, index=first + n)
    page = root.render()
    linked = linked_resources(page)
    if linked:
        raise OfflineError(f"the page still links {', '.join(linked)}; vendor it under dronepatrol/report/vendor")
    return page


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for part in ("header", "html", "script"):
        sub = getattr(element, part, None)
        if isinstance(sub, Element) and sub is not element:
            yield from _walk(sub)
    for child in list(element._children.values()):
        yield from _walk(child)


def _strip_cdn_assets(root: Element) -> None:
    """Empty every element's CDN asset lists (per instance: folium's class lists stay intact)."""
    for element in _walk(root):
        if not isinstance(element, JSCSSMixin):
            continue
        names = [name for name, _ in (*element.default_js, *element.default_css)]
        unknown = [n for n in names if n not in INLINED_ASSETS | DROPPED_ASSETS]
        if unknown:
            raise OfflineError(
                f"{type(element).__name__} needs {', '.join(unknown)} from a CDN; vendor it and inline it first"
            )
        element.default_js = []
        element.default_css = []


def _renumber(root: Element) -> None:
    """Replace folium's random element ids by a counter, so one map always renders the same."""
    elements: list[Element] = []
    seen: set[int] = set()
    for element in _walk(root):
        if id(element) not in seen:
            seen.add(id(element))
            elements.append(element)
    old_names = {id(e): e.get_name() for e in elements}
    for n, element in enumerate(elements, start=1):
        element._id = f"{n:06d}"
    for element in elements:
        element._children = OrderedDict(
            (child.get_name() if key == old_names[id(child)] else key, child)
            for key, child in element._children.items()
        )


# --- tooltips and popups without jQuery and without template literals ------------------------


class Tooltip(MacroElement):
    """A Leaflet tooltip whose ``html`` is embedded as a JSON string (not a template literal).

    Build ``html`` with :func:`~dronepatrol.report.escape.esc` around every user string. Options
    are Leaflet's (``sticky``, ``permanent``, ``direction``, ``className``...).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.bindTooltip({{ this.html|tojson }}, {{ this.options|tojavascript }});
        {% endmacro %}
        """
    )

    def __init__(self, html: str, **options: Any) -> None:
        super().__init__()
        self._name = "Tooltip"
        self.html = str(html)
        self.options = {"sticky": not options.get("permanent", False), **options}


class Popup(MacroElement):
    """A Leaflet popup whose ``html`` is embedded as a JSON string; unlike folium's ``Popup`` it
    needs no jQuery. Build ``html`` with :func:`~dronepatrol.report.escape.esc`."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.bindPopup({{ this.html|tojson }}, {{ this.options|tojavascript }});
        {% endmacro %}
        """
    )

    def __init__(self, html: str, **options: Any) -> None:
        super().__init__()
        self._name = "Popup"
        self.html = str(html)
        self.options = {"maxWidth": 320, **options}


# --- checking a page --------------------------------------------------------------------------


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        url = None
        if tag in ("script", "img", "iframe", "embed", "source", "audio", "video"):
            url = a.get("src")
        elif tag == "link":
            url = a.get("href")
        if url and not url.startswith("data:"):
            self.found.append(url)

    handle_startendtag = handle_starttag


def linked_resources(page: str) -> list[str]:
    """Every script, stylesheet, image or frame the page would fetch (``data:`` URLs excepted).

    A self-contained page gives ``[]``. Links inside scripts (tile URLs) and ``<a href>`` are
    not fetched on load and are not listed.

    >>> linked_resources('<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="a.css">')
    ['https://cdn.example/x.js', 'a.css']
    """
    finder = _LinkFinder()
    finder.feed(page)
    finder.close()
    return finder.found
