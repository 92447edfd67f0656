"""A quick, self-contained map of a safety zone (``dronepatrol zone show``).

Zone outline, no-fly areas (airport rings dashed), communities, hotspots coloured by priority,
CCTV cameras with their range, launch sites, a legend, fitted to the zone. The page works with
no internet (see :mod:`dronepatrol.report.offline`); every user string in a tooltip, popup or
the legend goes through :func:`~dronepatrol.report.escape.esc`.

>>> from dronepatrol.zones import load_zone
>>> page = zone_map(load_zone("geofences/roiet.geojson"), basemap=False)
>>> page.startswith("<!DOCTYPE html>") and "Bangkok Bank Roi Et" in page
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium.template import Template
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from dronepatrol.report.escape import esc
from dronepatrol.report.offline import Popup, Tooltip, new_map, render_offline
from dronepatrol.zones.model import Cctv, SafetyZone

__all__ = [
    "CCTV_COLOURS",
    "COMMUNITY_COLOUR",
    "LAUNCH_COLOUR",
    "NOFLY_COLOUR",
    "PRIORITY_COLOURS",
    "ZONE_COLOUR",
    "Legend",
    "zone_map",
]

ZONE_COLOUR = "#1f4e9c"
NOFLY_COLOUR = "#d62728"
COMMUNITY_COLOUR = "#555555"
LAUNCH_COLOUR = "#6a1b9a"
#: Hotspot fill by priority 1 (low) .. 5 (high): light yellow to dark brown (ColorBrewer YlOrBr).
PRIORITY_COLOURS = {1: "#fee391", 2: "#fec44f", 3: "#fe9929", 4: "#d95f0e", 5: "#993404"}
CCTV_COLOURS = {"working": "#2ca02c", "broken": "#8c8c8c"}

#: Page styles (constants only): legend box, and plain labels for communities and launch sites.
_STYLE = """<style>
.dp-legend { background: rgba(255,255,255,0.93); padding: 8px 10px; border-radius: 5px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.4); font: 12px/1.45 system-ui, sans-serif; color: #222;
  max-width: 280px; }
.dp-legend h4 { margin: 0 0 4px; font-size: 13px; }
.dp-legend .dp-sub { color: #555; margin-bottom: 6px; }
.dp-legend .dp-warn { color: #a11; margin-bottom: 6px; }
.dp-legend .dp-note { color: #666; margin-top: 6px; font-size: 11px; }
.dp-legend i { display: inline-block; width: 14px; height: 14px; margin-right: 6px;
  vertical-align: -2px; box-sizing: border-box; }
.dp-legend i.dp-dot { border-radius: 50%; border: 1px solid #333; }
.leaflet-control-layers, .leaflet-tooltip, .leaflet-popup-content { font: 13px/1.4 system-ui, sans-serif; }
.leaflet-tooltip.dp-label { background: transparent; border: 0; box-shadow: none; padding: 0;
  color: #333; font: 10px/1.2 system-ui, sans-serif; white-space: normal; width: 84px;
  text-align: center; text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }
.leaflet-tooltip.dp-label::before { display: none; }
.leaflet-tooltip.dp-launch-label { font-weight: 600; color: #4a148c; text-align: left; width: auto;
  white-space: nowrap; font-size: 11px; }
</style>"""


def zone_map(zone: SafetyZone, *, basemap: bool = True) -> str:
    """The zone as one self-contained HTML page (text to write as UTF-8).

    ``basemap`` adds an OpenStreetMap background that shows only when online; without it (or
    offline) the overlays draw on a plain background. The view is fitted to the zone.
    """
    zone_ll = zone.to_lonlat(zone.area_m)
    west, south, east, north = zone_ll.bounds
    m = new_map(basemap=basemap, location=[(south + north) / 2, (west + east) / 2], zoom_start=15)
    m.get_root().header.add_child(Element(_STYLE), name="dp_zone_style")

    _add_zone(m, zone, zone_ll)
    _add_communities(m, zone)
    _add_nofly(m, zone)
    _add_cctv(m, zone)
    _add_hotspots(m, zone)
    _add_launches(m, zone)

    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    Legend(_legend_html(zone, basemap=basemap)).add_to(m)
    folium.FitBounds([[south, west], [north, east]], padding=(24, 24)).add_to(m)
    return render_offline(m, title=f"{zone.name} — zone map")


# --- layers -----------------------------------------------------------------------------------


def _add_zone(m: folium.Map, zone: SafetyZone, zone_ll: BaseGeometry) -> None:
    group = folium.FeatureGroup(name="Zone", show=True).add_to(m)
    card = _card(
        zone.name,
        [("area", f"{zone.area_ha:.1f} ha"), ("max altitude", f"{zone.max_alt_m:g} m above ground")],
    )
    for rings in _polygons(zone_ll):
        layer = folium.Polygon(
            rings, color=ZONE_COLOUR, weight=3, fill=True, fill_color=ZONE_COLOUR, fill_opacity=0.05
        ).add_to(group)
        Tooltip(card).add_to(layer)


def _add_communities(m: folium.Map, zone: SafetyZone) -> None:
    if not zone.communities:
        return
    group = folium.FeatureGroup(name=f"Communities ({len(zone.communities)})").add_to(m)
    for community in zone.communities:
        for rings in _polygons(zone.to_lonlat(community.area_m)):
            layer = folium.Polygon(
                rings, color=COMMUNITY_COLOUR, weight=1, dash_array="4 3", fill=False, interactive=False
            ).add_to(group)
            Tooltip(esc(community.name), permanent=True, direction="center", className="dp-label").add_to(layer)


def _add_nofly(m: folium.Map, zone: SafetyZone) -> None:
    if not zone.nofly:
        return
    group = folium.FeatureGroup(name=f"No-fly areas ({len(zone.nofly)})").add_to(m)
    for area in zone.nofly:
        rows = [("reason", area.reason)] if area.reason else []
        if area.airport:
            rows.append(("airport ring", f"{area.airport} (lifted only with a recorded --authorization)"))
        if area.circle:
            rows.append(("radius", f"{area.circle[2]:g} m"))
        card = _card(f"No-fly: {area.name}", rows)
        style: dict[str, Any] = (
            {"weight": 2, "dash_array": "8 6", "fill_opacity": 0.06}
            if area.airport
            else {"weight": 2, "fill_opacity": 0.35}
        )
        for rings in _polygons(zone.to_lonlat(area.area_m)):
            layer = folium.Polygon(rings, color=NOFLY_COLOUR, fill=True, fill_color=NOFLY_COLOUR, **style)
            layer.add_to(group)
            Tooltip(card).add_to(layer)


def draw_cctv(group: folium.FeatureGroup, cam: Cctv) -> folium.CircleMarker:
    """One CCTV camera: its range (metres; dashed when broken, never catching clicks) and a dot,
    which is returned for the caller's tooltip."""
    colour = CCTV_COLOURS.get(cam.status, CCTV_COLOURS["broken"])
    ring = folium.Circle(
        [cam.lat, cam.lon],
        radius=cam.range_m,
        color=colour,
        weight=1,
        dash_array=None if cam.status == "working" else "3 3",
        fill=True,
        fill_color=colour,
        fill_opacity=0.1,
    ).add_to(group)
    ring.options["interactive"] = False  # folium drops this keyword: set it so the range never hides the dot
    return folium.CircleMarker(
        [cam.lat, cam.lon], radius=5, color="#ffffff", weight=1.5, fill=True, fill_color=colour, fill_opacity=1
    ).add_to(group)


def _add_cctv(m: folium.Map, zone: SafetyZone) -> None:
    if not zone.cctv:
        return
    working = sum(c.status == "working" for c in zone.cctv)
    group = folium.FeatureGroup(name=f"CCTV ({working} working, {len(zone.cctv) - working} broken)").add_to(m)
    for cam in zone.cctv:
        dot = draw_cctv(group, cam)
        Tooltip(_card(cam.name, [("CCTV", cam.status), ("range", f"{cam.range_m:g} m")])).add_to(dot)


def _add_hotspots(m: folium.Map, zone: SafetyZone) -> None:
    if not zone.hotspots:
        return
    group = folium.FeatureGroup(name=f"Hotspots ({len(zone.hotspots)})").add_to(m)
    for spot in sorted(zone.hotspots, key=lambda h: h.priority):  # high priority drawn on top
        rows = [("kind", spot.kind.replace("_", " ")), ("priority", f"{spot.priority} of 5")]
        if spot.dwell_s is not None:
            rows.append(("dwell", f"{spot.dwell_s:g} s"))
        dot = folium.CircleMarker(
            [spot.lat, spot.lon],
            radius=4 + spot.priority,
            color="#3b2413",
            weight=1,
            fill=True,
            fill_color=PRIORITY_COLOURS.get(spot.priority, PRIORITY_COLOURS[3]),
            fill_opacity=0.95,
        ).add_to(group)
        card = _card(spot.name, rows)
        Tooltip(card).add_to(dot)
        Popup(card + _coords(spot.lon, spot.lat)).add_to(dot)


def _add_launches(m: folium.Map, zone: SafetyZone) -> None:
    if not zone.launches:
        return
    group = folium.FeatureGroup(name=f"Launch sites ({len(zone.launches)})").add_to(m)
    for n, site in enumerate(zone.launches, start=1):
        dot = folium.CircleMarker(
            [site.lat, site.lon],
            radius=8,
            color="#ffffff",
            weight=2.5,
            fill=True,
            fill_color=LAUNCH_COLOUR,
            fill_opacity=1,
        ).add_to(group)
        label = f"L{n} {esc(site.name)}"
        Tooltip(label, permanent=True, direction="right", offset=[10, 0], className="dp-label dp-launch-label").add_to(
            dot
        )
        Popup(
            _card(f"Launch site {n}: {site.name}", [("drones", f"assigned in launch-site order (site {n})")])
            + _coords(site.lon, site.lat)
        ).add_to(dot)


# --- legend -----------------------------------------------------------------------------------


class Legend(MacroElement):
    """A Leaflet control (bottom left, above the scale) showing ``html`` (built with ``esc``)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.control({position: "bottomleft"});
            {{ this.get_name() }}.onAdd = function () {
                var div = L.DomUtil.create("div", "dp-legend");
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, html: str) -> None:
        super().__init__()
        self._name = "Legend"
        self.html = html


def _legend_html(zone: SafetyZone, *, basemap: bool) -> str:
    def swatch(style: str, text: str, cls: str = "") -> str:
        return f'<div><i class="{cls}" style="{style}"></i>{text}</div>'

    rows = [
        f"<h4>{esc(zone.name)}</h4>",
        f'<div class="dp-sub">{zone.area_ha:.1f} ha · max {zone.max_alt_m:g} m above ground</div>',
    ]
    rings = [n.airport for n in zone.nofly if n.airport and n.area_m.intersects(zone.area_m)]
    if rings:
        rows.append(
            f'<div class="dp-warn">Inside airport ring {esc(", ".join(rings))}: '
            "flights need a recorded authorisation</div>"
        )
    rows.append(swatch(f"border: 3px solid {ZONE_COLOUR}; background: {ZONE_COLOUR}0d", "Safety zone"))
    rows.append(swatch(f"border: 2px solid {NOFLY_COLOUR}; background: {NOFLY_COLOUR}59", "No-fly area"))
    if any(n.airport for n in zone.nofly):
        rows.append(swatch(f"border: 2px dashed {NOFLY_COLOUR}; background: {NOFLY_COLOUR}10", "Airport ring"))
    if zone.communities:
        rows.append(swatch(f"border: 1px dashed {COMMUNITY_COLOUR}", "Community"))
    if zone.hotspots:
        dots = "".join(
            f'<i class="dp-dot" style="background: {c}; width: {w}px; height: {w}px; margin-right: 2px"></i>'
            for c, w in ((c, 8 + 2 * p) for p, c in PRIORITY_COLOURS.items())
        )
        rows.append(f"<div>{dots} Hotspot, priority 1 → 5</div>")
    if zone.cctv:
        rows.append(swatch(f"background: {CCTV_COLOURS['working']}", "CCTV working (circle: range)", "dp-dot"))
        rows.append(swatch(f"background: {CCTV_COLOURS['broken']}", "CCTV broken", "dp-dot"))
    if zone.launches:
        rows.append(swatch(f"background: {LAUNCH_COLOUR}; border: 2px solid #fff", "Launch site (L1, L2...)", "dp-dot"))
    note = "Works offline." + (" The street map behind needs internet." if basemap else "")
    rows.append(f'<div class="dp-note">{note}</div>')
    return "".join(rows)


# --- helpers ----------------------------------------------------------------------------------


def _card(title: str, rows: Iterable[tuple[str, str]]) -> str:
    """Tooltip/popup HTML: an escaped bold title and escaped label: value lines."""
    lines = [f"<b>{esc(title)}</b>"]
    lines += [f"{esc(label)}: {esc(value)}" for label, value in rows]
    return "<br>".join(lines)


def _coords(lon: float, lat: float) -> str:
    return f"<br>{lat:.6f}, {lon:.6f}"


def _polygons(geom: BaseGeometry) -> list[list[list[list[float]]]]:
    """Leaflet polygon rings ([lat, lon], rounded to 1e-7°) for each part of a (Multi)Polygon."""
    parts: Sequence[Polygon]
    if isinstance(geom, Polygon):
        parts = [geom]
    elif isinstance(geom, MultiPolygon):
        parts = list(geom.geoms)
    else:
        parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]
    out = []
    for poly in parts:
        if poly.is_empty:
            continue
        rings = [poly.exterior, *poly.interiors]
        out.append([[[round(y, 7), round(x, 7)] for x, y, *_ in ring.coords] for ring in rings])
    return out
