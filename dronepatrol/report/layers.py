"""The report's map layers, each one entry of the layer control.

Zone layers (zone, no-fly with airport rings, communities, hotspots, CCTV, launch sites) are
folium vector layers with tooltips and popups built from escaped text. Photos, footprints and
camera triggers can number tens of thousands: they are drawn by ``assets/report.js`` from
compact columns (one photo layer that clusters on a pixel grid, canvas dots and polygons), so
the page never holds thousands of separate marker objects.

Every user string (zone names, reasons, drone names, file names) goes through
:func:`~dronepatrol.report.escape.esc` before it reaches the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import folium
from folium.map import Layer
from folium.template import Template
from shapely.geometry.base import BaseGeometry

from dronepatrol.mission import Mission
from dronepatrol.report.escape import esc
from dronepatrol.report.offline import Popup, Tooltip
from dronepatrol.report.strings import Strings
from dronepatrol.report.zone_map import (
    COMMUNITY_COLOUR,
    LAUNCH_COLOUR,
    NOFLY_COLOUR,
    PRIORITY_COLOURS,
    ZONE_COLOUR,
    _polygons,
    draw_cctv,
)
from dronepatrol.reporting.flights import simplified_lonlat
from dronepatrol.reporting.hotspots import HotspotVisits
from dronepatrol.reporting.model import Flight
from dronepatrol.zones.model import SafetyZone

#: One colour per drone, in drone order, the same in every layer, table and legend (Okabe-Ito,
#: readable by colour-blind readers; no red, which means no-fly).
DRONE_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#000000", "#8C564B")
UNCOVERED_COLOUR = "#e6550d"
#: A glyph per hotspot kind, drawn in the hotspot's priority colour (fonts every system has).
KIND_GLYPHS = {
    "bank": "฿",
    "gold_shop": "◆",
    "convenience_store": "24",
    "park": "♣",
    "landmark": "★",
    "market": "▦",
    "school": "✎",
    "incident": "!",
    "other": "•",
}


def drone_colour(index: int) -> str:
    return DRONE_COLOURS[index % len(DRONE_COLOURS)]


def swatch(colour: str, *, dashed: bool = False) -> str:
    """A short line in ``colour`` (a drone's), for the layer control and tables."""
    style = f"border-top: 3px {'dashed' if dashed else 'solid'} {colour}"
    return f'<i class="dp-line" style="{style}"></i>'


def card(title: str, rows: Iterable[tuple[str, str]]) -> str:
    """Tooltip/popup HTML: an escaped bold title and escaped ``label: value`` lines."""
    lines = [f"<b>{esc(title)}</b>"]
    lines += [f"{esc(label)}: {esc(value)}" for label, value in rows]
    return "<br>".join(lines)


class JsLayer(Layer):
    """A layer made by a JavaScript expression (``js``) and listed in the layer control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = {{ this.js }};
        {% endmacro %}
        """
    )

    def __init__(self, js: str, *, name: str, show: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "JsLayer"
        self.js = js


def group(m: folium.Map, name: str, *, show: bool = True) -> folium.FeatureGroup:
    """A layer-control entry; ``name`` is shown as HTML by Leaflet, so it must already be escaped."""
    return folium.FeatureGroup(name=name, show=show).add_to(m)


# --- the zone -------------------------------------------------------------------------------


def add_zone(m: folium.Map, zone: SafetyZone, s: Strings) -> folium.FeatureGroup:
    g = group(m, esc(s["layer_zone"]))
    tip = card(zone.name, [(s["u_ha"], f"{zone.area_ha:.1f}")])
    for rings in _polygons(zone.to_lonlat(zone.area_m)):
        layer = folium.Polygon(rings, color=ZONE_COLOUR, weight=3, fill=True, fill_color=ZONE_COLOUR, fill_opacity=0.04)
        layer.add_to(g)
        Tooltip(tip).add_to(layer)
    return g


def add_nofly(m: folium.Map, zone: SafetyZone, s: Strings) -> folium.FeatureGroup | None:
    if not zone.nofly:
        return None
    g = group(m, f"{esc(s['layer_nofly'])} ({len(zone.nofly)})")
    for area in zone.nofly:
        rows = [(s["reason"], area.reason)] if area.reason else []
        if area.airport:
            rows.append((s["layer_nofly"], s.fmt("airport_ring", code=area.airport)))
        style: dict[str, Any] = (
            {"weight": 2, "dash_array": "8 6", "fill_opacity": 0.05}
            if area.airport
            else {"weight": 2, "fill_opacity": 0.35}
        )
        for rings in _polygons(zone.to_lonlat(area.area_m)):
            layer = folium.Polygon(rings, color=NOFLY_COLOUR, fill=True, fill_color=NOFLY_COLOUR, **style).add_to(g)
            Tooltip(card(area.name, rows)).add_to(layer)
    return g


def add_communities(m: folium.Map, zone: SafetyZone, s: Strings, covered: dict[str, str]) -> folium.FeatureGroup | None:
    """Community outlines with their name; ``covered`` maps a name to its share line."""
    if not zone.communities:
        return None
    g = group(m, f"{esc(s['layer_communities'])} ({len(zone.communities)})")
    for c in zone.communities:
        rows = [(s["photographed"], covered[c.name])] if c.name in covered else []
        for rings in _polygons(zone.to_lonlat(c.area_m)):
            layer = folium.Polygon(
                rings, color=COMMUNITY_COLOUR, weight=1, dash_array="4 3", fill=True, fill_opacity=0.0
            ).add_to(g)
            Tooltip(esc(c.name), permanent=True, direction="center", className="dp-label").add_to(layer)
            Popup(card(c.name, rows)).add_to(layer)
    return g


def add_hotspots(
    m: folium.Map, zone: SafetyZone, s: Strings, visits: dict[str, HotspotVisits]
) -> folium.FeatureGroup | None:
    """One marker per hotspot: glyph per kind, colour per priority, ring per CCTV coverage
    (solid green: a working camera watches it; dashed red: none does)."""
    if not zone.hotspots:
        return None
    g = group(m, f"{esc(s['layer_hotspots'])} ({len(zone.hotspots)})")
    working = [c for c in zone.cctv if c.status == "working"]
    for h in sorted(zone.hotspots, key=lambda h: h.priority):
        v = visits.get(h.name)
        priority = v.priority if v else h.priority
        watched = any((c.x_m - h.x_m) ** 2 + (c.y_m - h.y_m) ** 2 <= c.range_m**2 for c in working)
        size = 18 + 2 * priority
        ring = "2px solid #2ca02c" if watched else "2px dashed #d62728"
        glyph = KIND_GLYPHS.get(h.kind, KIND_GLYPHS["other"])
        fill = PRIORITY_COLOURS.get(priority, PRIORITY_COLOURS[3])
        text = "#fff" if priority >= 4 else "#3b2413"
        html = (
            f'<div class="dp-hotspot" style="width:{size}px;height:{size}px;line-height:{size - 4}px;'
            f'background:{fill};border:{ring};color:{text}">{glyph}</div>'
        )
        marker = folium.Marker(
            [h.lat, h.lon],
            icon=folium.DivIcon(
                html=html, icon_size=(size, size), icon_anchor=(size // 2, size // 2), class_name="dp-hs"
            ),
        ).add_to(g)
        rows = [(s["kind"], s.kind(h.kind)), (s["priority"], s.fmt("priority_of", p=priority))]
        rows.append(("CCTV", s["cctv_covered"] if watched else s["cctv_not_covered"]))
        if v is not None:
            rows.append((s["planned"], s["yes"] if v.planned else s["no"]))
            rows.append((s["visits"], str(len(v.visits))))
            rows.append((s["last_visit"], s.datetime(v.last_visit_s) if v.last_visit_s else s["never"]))
            rows.append((s["dwell"], f"{v.dwell_s:g} {s['u_s']}"))
        reasons = v.reasons if v else ()
        body = card(h.name, rows)
        if reasons:
            body += f"<br>{esc(s['reasons'])}: " + "; ".join(esc(r) for r in reasons)
        Tooltip(card(h.name, rows[:2])).add_to(marker)
        Popup(body + f"<br>{h.lat:.6f}, {h.lon:.6f}").add_to(marker)
    return g


def add_cctv(m: folium.Map, zone: SafetyZone, s: Strings) -> folium.FeatureGroup | None:
    if not zone.cctv:
        return None
    working = sum(c.status == "working" for c in zone.cctv)
    broken = len(zone.cctv) - working
    name = f"{esc(s['layer_cctv'])} ({working} {esc(s['cctv_working'])}, {broken} {esc(s['cctv_broken'])})"
    g = group(m, name)
    for cam in zone.cctv:
        dot = draw_cctv(g, cam)
        status = s["cctv_working"] if cam.status == "working" else s["cctv_broken"]
        Tooltip(card(cam.name, [("CCTV", status), (s["range"], f"{cam.range_m:g} {s['u_m']}")])).add_to(dot)
    return g


def add_launches(m: folium.Map, zone: SafetyZone, s: Strings) -> folium.FeatureGroup | None:
    if not zone.launches:
        return None
    g = group(m, f"{esc(s['layer_launch'])} ({len(zone.launches)})")
    for n, site in enumerate(zone.launches, start=1):
        dot = folium.CircleMarker(
            [site.lat, site.lon], radius=7, color="#fff", weight=2, fill=True, fill_color=LAUNCH_COLOUR, fill_opacity=1
        ).add_to(g)
        Tooltip(f"L{n} {esc(site.name)}").add_to(dot)
    return g


# --- plans and flights ----------------------------------------------------------------------


def add_planned(m: folium.Map, drone: str, colour: str, missions: Sequence[Mission], s: Strings) -> folium.FeatureGroup:
    """A drone's planned routes (dashed), one polyline per mission, home to home."""
    g = group(m, swatch(colour, dashed=True) + esc(s.fmt("layer_planned", drone=drone)))
    for mission in missions:
        pts = [[mission.home.lat, mission.home.lon]]
        pts += [[i.lat, i.lon] for i in mission.items if i.has_position]
        if len(pts) < 2:
            continue
        line = folium.PolyLine(pts, color=colour, weight=2.5, opacity=0.9, dash_array="6 5").add_to(g)
        kind = f" ({mission.kind})" if mission.kind else ""
        Tooltip(card(s.fmt("layer_planned", drone=mission.file_stem) + kind, [])).add_to(line)
    return g


def add_flown(
    m: folium.Map, drone: str, colour: str, flights: Sequence[Flight], zone: SafetyZone, s: Strings
) -> folium.FeatureGroup:
    """A drone's flown tracks: one polyline per flight, simplified to under a pixel at street zoom."""
    g = group(m, f"{swatch(colour)}{esc(s.fmt('layer_flown', drone=drone))} ({len(flights)})")
    for f in flights:
        pts = [[round(lat, 7), round(lon, 7)] for lon, lat in simplified_lonlat(f, zone.frame)]
        line = folium.PolyLine(pts, color=colour, weight=3, opacity=0.85).add_to(g)
        rows = [
            (s["start"], s.datetime(f.start_s)),
            (s["flight_time"], s.duration(f.duration_s)),
            (s["distance"], f"{f.distance_m / 1000:.2f} {s['u_km']}"),
        ]
        body = card(s.fmt("flight_of", drone=f.drone), rows)
        Tooltip(body).add_to(line)
        Popup(body + (f"<br>{esc(f.source)}" if f.source else "")).add_to(line)
    return g


def add_uncovered(m: folium.Map, zone: SafetyZone, uncovered_m: BaseGeometry, s: Strings) -> folium.FeatureGroup:
    """The parts of the zone no photo shows, hatched in orange (one polygon per part)."""
    parts = _polygons(zone.to_lonlat(uncovered_m.simplify(0.5)))
    g = group(m, f"{esc(s['layer_uncovered'])} ({len(parts)})")
    tip = esc(s.fmt("uncovered_card", ha=f"{uncovered_m.area / 10_000:.2f}"))
    for rings in parts:
        layer = folium.Polygon(
            rings, color=UNCOVERED_COLOUR, weight=1, fill=True, fill_color=UNCOVERED_COLOUR, fill_opacity=0.25
        ).add_to(g)
        Tooltip(tip).add_to(layer)
    return g
