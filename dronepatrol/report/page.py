"""The commander's report: one self-contained HTML page (map, layer control, summary panel,
charts), built from a :class:`~dronepatrol.reporting.ReportSummary` and what it was made of.

Nothing is fetched from the network: Leaflet and ``assets/report.js`` are inlined, charts are
inline SVG, the data is one JSON block; the OpenStreetMap background (``basemap``) draws only
when online. Photo thumbnails are URLs the caller chose (``data:`` when few, files in
``REPORT_files/`` otherwise; see :mod:`.thumbnails`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path
from urllib.parse import quote

import folium
import numpy as np
import shapely
from branca.element import MacroElement
from folium.template import Template

from dronepatrol.mission import Mission
from dronepatrol.report.charts import bar_chart
from dronepatrol.report.escape import esc
from dronepatrol.report.layers import (
    KIND_GLYPHS,
    UNCOVERED_COLOUR,
    JsLayer,
    add_cctv,
    add_communities,
    add_flown,
    add_hotspots,
    add_launches,
    add_nofly,
    add_planned,
    add_uncovered,
    add_zone,
    drone_colour,
)
from dronepatrol.report.offline import Raw, _check_inline, new_map, render_offline
from dronepatrol.report.strings import FONT_STACK, Strings
from dronepatrol.report.zone_map import CCTV_COLOURS, NOFLY_COLOUR, PRIORITY_COLOURS, ZONE_COLOUR
from dronepatrol.reporting.flights import project_lonlat
from dronepatrol.reporting.hotspots import VISIT_RADIUS_M
from dronepatrol.reporting.model import ALERT_KINDS, Photo
from dronepatrol.reporting.summary import ReportSummary
from dronepatrol.telemetry.model import Track
from dronepatrol.zones.model import SafetyZone

__all__ = ["FOOTPRINTS_SHOWN_MAX", "PANEL_LIST_MAX", "ReportPage", "build_report"]

#: Footprints are shown on opening up to this many photos (the layer can always be switched on).
FOOTPRINTS_SHOWN_MAX = 2000
#: Long lists in the panel (untagged photos, alerts) show this many rows, then "and N more".
PANEL_LIST_MAX = 30
PANEL_WIDTH_PX = 390


@dataclass(frozen=True, kw_only=True)
class ReportPage:
    """The page (UTF-8 text) and the ``layers`` it draws: key -> number of features."""

    html: str
    layers: dict[str, int]


@lru_cache(maxsize=1)
def report_js() -> str:
    text = files("dronepatrol.report").joinpath("assets", "report.js").read_text(encoding="utf-8")
    _check_inline(text, "script", "assets/report.js")
    return text


def _json_for_script(data: object) -> str:
    """JSON that can sit inside ``<script>`` whatever the strings hold (no ``<``, ``>``, ``&``)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, rep in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, rep)
    return text


class _Registry(MacroElement):
    """Fits the map to ``bounds`` at once (no zoom animation running when the page is ready) and
    sets ``window.dpReport``: the map and every layer by key (for readers' scripts and the tests)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.fitBounds({{ this.bounds|tojson }}, {padding: [20, 20], animate: false});
            window.dpReport = {map: {{ this._parent.get_name() }}, layers: {
            {%- for key, layer in this.layers.items() %} {{ key|tojson }}: {{ layer.get_name() }},{% endfor %} }};
        {% endmacro %}
        """
    )

    def __init__(self, layers: dict, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "Registry"
        self.layers = layers
        self.bounds = bounds


def build_report(
    zone: SafetyZone,
    summary: ReportSummary,
    *,
    missions: Sequence[Mission] = (),
    tracks: Sequence[Track] = (),
    photos: Sequence[Photo] = (),
    lang: str = "th",
    title: str | None = None,
    basemap: bool = True,
    page_dir: str | Path | None = None,
) -> ReportPage:
    """The report page. ``photos`` in the order ``summary`` was computed with; their ``path``
    becomes a link relative to ``page_dir`` (the folder the page is written to)."""
    s = Strings(lang)
    title = title or s["title"]
    drones = list(dict.fromkeys([d.drone for d in summary.drones] + [m.drone for m in missions]))
    colours = {d: drone_colour(i) for i, d in enumerate(drones)}

    zone_ll = zone.to_lonlat(zone.area_m)
    west, south, east, north = zone_ll.bounds
    m = new_map(basemap=basemap, location=[(south + north) / 2, (west + east) / 2], zoom_start=15, max_zoom=20,
                zoom_snap=0.25)
    layers: dict[str, object] = {}
    counts: dict[str, int] = {}

    def register(key: str, layer, count: int) -> None:
        if layer is not None:
            layers[key] = layer
            counts[key] = count

    cov = summary.coverage
    shares = {}
    if cov is not None:
        for c in cov.communities:
            last = s.datetime(c.last_photo_s) if c.last_photo_s else s["never"]
            shares[c.name] = f"{c.covered_pct:.1f} % · {s['last_photo']} {last}"
    register("zone", add_zone(m, zone, s), len(zone.parts))
    register("communities", add_communities(m, zone, s, shares), len(zone.communities))
    register("nofly", add_nofly(m, zone, s), len(zone.nofly))
    if cov is not None:
        layer = add_uncovered(m, zone, cov.uncovered_m, s)
        register("uncovered", layer, len(layer._children) if layer else 0)
    register("cctv", add_cctv(m, zone, s), len(zone.cctv))
    register("launch", add_launches(m, zone, s), len(zone.launches))
    for drone in drones:
        mine = [x for x in missions if x.drone == drone]
        if mine:
            register(f"planned:{esc(drone)}", add_planned(m, drone, colours[drone], mine, s), len(mine))
    for drone in drones:
        flights = [f for f in summary.flights if f.drone == drone]
        if flights:
            register(f"flown:{esc(drone)}", add_flown(m, drone, colours[drone], flights, zone, s), len(flights))
    visits = {h.name: h for h in summary.hotspots}
    register("hotspots", add_hotspots(m, zone, s, visits), len(zone.hotspots))

    data, n_fp = _photo_data(zone, summary, photos, drones, colours, page_dir)
    triggers = _trigger_data(tracks, drones, colours)
    js_strings = {
        k: esc(s[k]) for k in ("drone", "time", "altitude", "above_home", "heading", "open_photo", "zoom_in", "trigger")
    }
    js_strings.update(months=[esc(x) for x in s.months], year_offset=s.year_offset)
    payload = {"strings": js_strings, "photos": data, "triggers": triggers}
    root = m.get_root()
    root.header.add_child(
        Raw(f'<script type="application/json" id="dp-data">{_json_for_script(payload)}</script>'), name="dp_data"
    )
    root.header.add_child(Raw(f"<script>\n{report_js()}\nvar DP_DATA = DP.data();\n</script>"), name="dp_js")
    root.header.add_child(Raw(_style()), name="dp_style")

    n_trig = len(triggers["lat"])
    if n_trig:
        layer = JsLayer(
            "new DP.TriggerLayer(DP_DATA.triggers, DP_DATA.strings)",
            name=f"{esc(s['layer_triggers'])} ({n_trig})",
            show=n_trig <= FOOTPRINTS_SHOWN_MAX,
        ).add_to(m)
        register("triggers", layer, n_trig)
    if n_fp:
        layer = JsLayer(
            "new DP.FootprintLayer(DP_DATA.photos)",
            name=f"{esc(s['layer_footprints'])} ({n_fp})",
            show=n_fp <= FOOTPRINTS_SHOWN_MAX,
        ).add_to(m)
        register("footprints", layer, n_fp)
    n_photos = len(data["lon"])
    if n_photos:
        layer = JsLayer(
            "new DP.PhotoLayer(DP_DATA.photos, DP_DATA.strings)", name=f"{esc(s['layer_photos'])} ({n_photos})"
        ).add_to(m)
        register("photos", layer, n_photos)

    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    _Registry(layers, [[south, west], [north, east]]).add_to(m)
    panel = _panel_html(summary, s, title, colours, _legend_html(zone, s, colours))
    root.html.add_child(Raw(panel), name="dp_panel", index=0)
    html = render_offline(m, title=title)
    return ReportPage(html=html.replace("<html>", f'<html lang="{lang}">', 1), layers=counts)


# --- data for the JavaScript layers ---------------------------------------------------------


def _photo_data(
    zone: SafetyZone,
    summary: ReportSummary,
    photos: Sequence[Photo],
    drones: list[str],
    colours: dict[str, str],
    page_dir: str | Path | None,
) -> tuple[dict, int]:
    """Columns of the positioned photos (escaped text), and how many have a footprint."""
    cov = summary.coverage
    footprints = cov.footprints_m if cov and summary.coverage_from == "photos" else (None,) * len(photos)
    idx = [i for i, p in enumerate(photos) if p.positioned]
    drone_names = list(drones)
    for i in idx:
        if photos[i].drone not in drone_names:
            drone_names.append(photos[i].drone)
    index_of = {d: n for n, d in enumerate(drone_names)}
    lon = np.array([photos[i].lon for i in idx], dtype=float)
    lat = np.array([photos[i].lat for i in idx], dtype=float)
    times = [photos[i].t_s for i in idx if photos[i].t_s is not None]
    t0 = int(min(times)) if times else 0
    fps = _footprint_offsets(zone, [footprints[i] for i in idx], lon, lat)
    n_fp = sum(f is not None for f in fps)
    base = Path(page_dir).resolve() if page_dir is not None else None

    @cache
    def folder(parent: str) -> str:
        rel = os.path.relpath(Path(parent).resolve(), base) if base is not None else parent
        return quote(Path(rel).as_posix()) + "/"

    def href(p: Photo) -> str:
        if not p.path:
            return ""
        parent, _, name = p.path.replace(os.sep, "/").rpartition("/")
        return esc(folder(parent or ".") + quote(name))

    def column(values: list[float | None], nd: int) -> list:
        if all(v is not None for v in values):
            arr = np.round(np.asarray(values, dtype=float), nd)
            return (arr.astype(int) if nd == 0 else arr).tolist()
        return [None if v is None else (round(v, nd) if nd else round(v)) for v in values]

    data = {
        "drones": [esc(d) for d in drone_names],
        "colours": [colours.get(d, drone_colour(n)) for n, d in enumerate(drone_names)],
        "t0": t0,
        "lon": np.round(lon, 6).tolist(),
        "lat": np.round(lat, 6).tolist(),
        "drone": [index_of[photos[i].drone] for i in idx],
        "t": column([None if photos[i].t_s is None else photos[i].t_s - t0 for i in idx], 0),
        "alt": column([photos[i].alt_rel_m for i in idx], 1),
        "hdg": column([photos[i].heading_deg for i in idx], 0),
        "file": [esc(photos[i].file) for i in idx],
        "href": [href(photos[i]) for i in idx],
        "fp": fps,
    }
    if any(photos[i].thumbnail for i in idx):
        data["thumb"] = [esc(photos[i].thumbnail) for i in idx]
    return data, n_fp


def _footprint_offsets(zone: SafetyZone, polys: Sequence, lon: np.ndarray, lat: np.ndarray) -> list[list[int] | None]:
    """Each footprint's corners as offsets from its photo in millionths of a degree
    (dlon, dlat, ...): exact on the map, and as short as whole metres."""
    out: list[list[int] | None] = [None] * len(polys)
    have = [k for k, f in enumerate(polys) if f is not None]
    if not have:
        return out
    shapes = np.array([polys[k] for k in have], dtype=object)
    sizes = shapely.get_num_coordinates(shapes)  # closed rings: the last corner repeats the first
    ll = project_lonlat(shapely.get_coordinates(shapes), zone.frame)
    origin = np.repeat(np.column_stack([lon[have], lat[have]]), sizes, axis=0)
    d = np.rint((ll - origin) * 1e6).astype(int)
    ends = np.cumsum(sizes)
    for k, end, n in zip(have, ends.tolist(), sizes.tolist(), strict=True):
        out[k] = d[end - n : end - 1].ravel().tolist()
    return out


def _trigger_data(tracks: Sequence[Track], drones: list[str], colours: dict[str, str]) -> dict:
    names = list(drones) + [t.drone for t in tracks if t.drone not in drones]
    index_of = {d: n for n, d in enumerate(names)}
    rows = [(t.drone, tr) for t in tracks for tr in t.triggers]
    t0 = int(min((tr.t_s for _, tr in rows), default=0))
    return {
        "drones": [esc(d) for d in names],
        "colours": [colours.get(d, drone_colour(n)) for n, d in enumerate(names)],
        "t0": t0,
        "lat": [round(tr.lat, 6) for _, tr in rows],
        "lon": [round(tr.lon, 6) for _, tr in rows],
        "drone": [index_of[d] for d, _ in rows],
        "t": [round(tr.t_s - t0) for _, tr in rows],
        "idx": [int(tr.index) for _, tr in rows],
    }


# --- the summary panel ----------------------------------------------------------------------


def _fig(key: str, value: str, label: str, sub: str = "") -> str:
    sub_html = f'<div class="dp-fig-sub">{sub}</div>' if sub else ""
    return (
        f'<div class="dp-fig"><div class="dp-fig-value" data-fig="{key}">{value}</div>'
        f'<div class="dp-fig-label">{label}</div>{sub_html}</div>'
    )


def _panel_html(summary: ReportSummary, s: Strings, title: str, colours: dict[str, str], legend: str) -> str:
    f = summary.figures()
    out = [f'<aside id="dp-panel" class="dp-panel"><h1>{esc(title)}</h1><div class="dp-zone">{esc(summary.zone)}</div>']
    if summary.span_s:
        a, b = summary.span_s
        if s.date(a) == s.date(b):  # one day: 2 ธ.ค. 2568 09:00–11:01
            span = f"{s.datetime(a)}–{s.datetime(b).rsplit(' ', 1)[1]}"
        else:
            span = f"{s.datetime(a)} – {s.datetime(b)}"
        out.append(
            f'<div class="dp-period"><b>{esc(s["period"])}</b><br><span data-fig="period">{esc(span)}</span></div>'
        )
    else:
        out.append(f'<div class="dp-period">{esc(s["no_data"])}</div>')
    cov = "–" if f["coverage_pct"] is None else f"{f['coverage_pct']:.1f} %"
    out.append('<div class="dp-figs">')
    out.append(_fig("flights", str(f["flights"]), esc(s["flights"]), esc(s.fmt("n_drones", n=f["drones"]))))
    out.append(_fig("distance_km", f"{f['distance_km']:.1f}", f"{esc(s['distance'])} ({esc(s['u_km'])})"))
    out.append(_fig("flight_time_h", f"{f['flight_time_h']:.1f}", f"{esc(s['flight_time'])} ({esc(s['u_h'])})"))
    out.append(
        _fig(
            "photos",
            f"{f['photos']:,}",
            esc(s["photos_taken"]),
            f'<span data-fig="photos_tagged">{f["photos_tagged"]:,}</span> {esc(s["photos_tagged"])}'
            + (
                f'<br><span data-fig="camera_triggers">{summary.triggers:,}</span> {esc(s["camera_shots"])}'
                if summary.triggers
                else ""
            ),
        )
    )
    note = s["coverage_triggers"] if summary.coverage_from == "triggers" else s["coverage_note"]
    out.append(_fig("coverage_pct", cov, esc(s["coverage"]), esc(note)))
    out.append(
        _fig(
            "hotspots_planned_visited" if f["hotspots_planned"] else "hotspots_visited",
            (
                f'{f["hotspots_planned_visited"]} / <span data-fig="hotspots_planned">{f["hotspots_planned"]}</span>'
                if f["hotspots_planned"]
                else f"{f['hotspots_visited']} / {len(summary.hotspots)}"
            ),
            esc(s["hotspots_visited"] if f["hotspots_planned"] else s["hotspots_visited_all"]),
            esc(s.fmt("visit_rule", radius=f"{VISIT_RADIUS_M:g}")),
        )
    )
    out.append("</div>")
    out.append(f'<details class="dp-legend" open><summary>{esc(s["legend_title"])}</summary>{legend}</details>')

    if summary.drones:  # per drone
        rows = "".join(
            f'<tr><td><i class="dp-swatch" style="background:{colours.get(d.drone, "#888")}"></i>{esc(d.drone)}</td>'
            f'<td data-drone-fig="flights">{d.flights}</td>'
            f'<td data-drone-fig="distance_km">{d.distance_m / 1000:.1f}</td>'
            f"<td>{esc(s.duration(d.flight_time_s))}</td><td>{d.photos_tagged}/{d.photos}</td></tr>"
            for d in summary.drones
        )
        out.append(
            f'<h2>{esc(s["per_drone"])}</h2><table class="dp-table"><tr><th>{esc(s["drone"])}</th>'
            f"<th>{esc(s['flights'])}</th>"
            f"<th>{esc(s['u_km'])}</th><th>{esc(s['flight_time'])}</th><th>{esc(s['photos'])}</th></tr>{rows}</table>"
        )
    if summary.hours_per_week:
        bars = [(s.iso_date(w).rsplit(" ", 1)[0], h) for w, h in summary.hours_per_week]
        out.append(
            '<div class="dp-chart-box">'
            + bar_chart(bars, title=s["chart_title"], y_label=s["chart_y"], x_label=s["chart_x"])
            + "</div>"
        )
    out.append(_alerts_html(summary, s))
    if summary.coverage is not None and summary.coverage.communities:
        rows = "".join(
            f'<tr><td>{esc(c.name)}</td><td class="dp-num" data-community="{esc(c.name)}">{c.covered_pct:.1f} %</td>'
            f"<td>{esc(s.date(c.last_photo_s) if c.last_photo_s else s['never'])}</td></tr>"
            for c in sorted(summary.coverage.communities, key=lambda c: c.covered_pct)
        )
        out.append(
            f'<h2>{esc(s["communities_title"])}</h2><table class="dp-table"><tr><th>{esc(s["community"])}</th>'
            f"<th>{esc(s['photographed'])}</th><th>{esc(s['last_photo'])}</th></tr>{rows}</table>"
        )
    if summary.hotspots:
        weeks = [w for w, _ in summary.hours_per_week]
        rows = []
        for h in sorted(summary.hotspots, key=lambda h: (-h.priority, h.name)):
            per_week = " ".join(str(n) for _, n in h.per_week) if weeks else "–"
            when = " · ".join(f"{s.iso_date(w).rsplit(' ', 1)[0]}: {n}" for w, n in h.per_week)
            why = "; ".join(esc(r) for r in h.reasons)
            planned = esc(s["planned"] if h.planned else s["not_planned"])
            rows.append(
                f'<tr><td>{esc(h.name)}<div class="dp-why">{planned}{" · " + why if why else ""}</div></td>'
                f'<td class="dp-num">{h.priority}</td>'
                f'<td class="dp-num" data-hotspot="{esc(h.name)}">{len(h.visits)}</td>'
                f'<td class="dp-week" title="{esc(when)}">{per_week}</td></tr>'
            )
        out.append(
            f'<h2>{esc(s["hotspots_title"])}</h2><table class="dp-table"><tr><th>{esc(s["hotspot"])}</th>'
            f"<th>{esc(s['priority'])}</th><th>{esc(s['visits'])}</th><th>{esc(s['per_week'])}</th></tr>"
            + "".join(rows)
            + "</table>"
        )
    auth = ", ".join(esc(a) for a in summary.authorizations) or esc(s["none"])
    out.append(f'<h2>{esc(s["authorizations"])}</h2><div data-fig="authorizations">{auth}</div>')
    if summary.untagged:
        shown = summary.untagged[:PANEL_LIST_MAX]
        more = len(summary.untagged) - len(shown)
        items = "".join(f"<li>{esc(name)}</li>" for name in shown)
        if more:
            items += f"<li>{esc(s.fmt('n_more', n=more))}</li>"
        out.append(
            f'<h2>{esc(s["photos_untagged"])}: <span data-fig="photos_untagged">{len(summary.untagged)}</span></h2>'
            f'<ul class="dp-list">{items}</ul>'
        )
    out.append(f'<div class="dp-foot">{esc(s["generated"])} · {esc(s["offline_note"])}</div></aside>')
    return "".join(out)


def _alerts_html(summary: ReportSummary, s: Strings) -> str:
    counts = " · ".join(
        f'{esc(s["alert_" + k])} <b data-alert="{k}">{summary.alert_counts.get(k, 0)}</b>' for k in ALERT_KINDS
    )
    rows = "".join(
        f'<li><span class="dp-when">{esc(s.datetime(a.t_s))}</span> {esc(a.drone)}: {esc(a.text)}</li>'
        for a in summary.alerts[:PANEL_LIST_MAX]
    )
    more = len(summary.alerts) - PANEL_LIST_MAX
    if more > 0:
        rows += f"<li>{esc(s.fmt('n_more', n=more))}</li>"
    return (
        f'<h2>{esc(s["alerts"])}: <span data-fig="alerts">{len(summary.alerts)}</span></h2>'
        f'<div class="dp-alert-counts">{counts}</div>' + (f'<ul class="dp-list">{rows}</ul>' if rows else "")
    )


def _legend_html(zone: SafetyZone, s: Strings, colours: dict[str, str]) -> str:
    def row(style: str, text: str, cls: str = "") -> str:
        return f'<div><i class="{cls}" style="{style}"></i>{esc(text)}</div>'

    out = []
    for drone, colour in colours.items():
        out.append(row(f"background:{colour}; height:4px; vertical-align:3px", drone))
    out.append(row(f"border: 3px solid {ZONE_COLOUR}", s["layer_zone"]))
    out.append(row(f"border: 2px solid {NOFLY_COLOUR}; background: {NOFLY_COLOUR}59", s["layer_nofly"]))
    out.append(row(f"background: {UNCOVERED_COLOUR}; opacity: .6", s["layer_uncovered"]))
    if zone.hotspots:
        kinds = dict.fromkeys(h.kind for h in zone.hotspots)
        glyphs = " ".join(f"{KIND_GLYPHS.get(k, '•')} {esc(s.kind(k))}" for k in kinds)
        dots = "".join(f'<i class="dp-dot" style="background:{c}"></i>' for c in PRIORITY_COLOURS.values())
        out.append(f'<div>{dots} {esc(s["priority"])} 1 → 5</div><div class="dp-kinds">{glyphs}</div>')
        out.append(row("border: 2px solid #2ca02c; border-radius: 50%", s["cctv_covered"]))
        out.append(row("border: 2px dashed #d62728; border-radius: 50%", s["cctv_not_covered"]))
    if zone.cctv:
        out.append(row(f"background: {CCTV_COLOURS['working']}", f"CCTV {s['cctv_working']}", "dp-dot"))
        out.append(row(f"background: {CCTV_COLOURS['broken']}", f"CCTV {s['cctv_broken']}", "dp-dot"))
    return "".join(out)


def _style() -> str:
    w = PANEL_WIDTH_PX
    return f"""<style>
html, body {{ font-family: {FONT_STACK}; }}
.folium-map {{ position: absolute !important; left: {w}px !important; top: 0 !important;
  width: calc(100% - {w}px) !important; height: 100% !important; }}
.leaflet-container, .leaflet-control-layers, .leaflet-tooltip, .leaflet-popup-content {{
  font-family: {FONT_STACK}; font-size: 13px; line-height: 1.45; }}
.dp-panel {{ position: absolute; left: 0; top: 0; bottom: 0; width: {w - 28}px; overflow-y: auto; padding: 12px 14px;
  background: #fbfbfa; border-right: 1px solid #ccc; color: #1d1d1d; font-size: 13px; line-height: 1.5; }}
.dp-panel h1 {{ font-size: 19px; margin: 0 0 2px; line-height: 1.3; }}
.dp-panel h2 {{ font-size: 14px; margin: 14px 0 4px; border-bottom: 1px solid #ddd; }}
.dp-zone {{ color: #444; margin-bottom: 6px; }}
.dp-period {{ margin-bottom: 8px; }}
.dp-figs {{ display: grid; grid-template-columns: 1fr 1fr 1fr; gap: 6px; }}
.dp-fig {{ background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 5px 6px; }}
.dp-fig-value {{ font-size: 19px; font-weight: 700; color: #1f4e9c; }}
.dp-fig-label {{ font-size: 12px; color: #333; }}
.dp-fig-sub {{ font-size: 11px; color: #666; line-height: 1.3; }}
.dp-table {{ width: 100%; border-collapse: collapse; font-size: 12px; }}
.dp-table th {{ text-align: left; color: #555; font-weight: 600; }}
.dp-table td, .dp-table th {{ padding: 2px 4px; border-bottom: 1px solid #eee; vertical-align: top; }}
.dp-num {{ text-align: right; white-space: nowrap; }}
.dp-why {{ color: #666; font-size: 11px; }}
.dp-week {{ font-family: ui-monospace, monospace; font-size: 11px; }}
.dp-list {{ margin: 0; padding-left: 18px; font-size: 12px; max-height: 180px; overflow-y: auto; }}
.dp-when {{ color: #555; }}
.dp-swatch {{ display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 5px;
  vertical-align: -1px; }}
.dp-foot {{ margin-top: 14px; color: #777; font-size: 11px; }}
.dp-chart-box {{ margin-top: 10px; }}
.dp-chart text {{ font-family: {FONT_STACK}; }}
.dp-chart-title {{ font-size: 13px; font-weight: 600; fill: #222; }}
.dp-tick {{ font-size: 10px; fill: #444; }}
.dp-grid {{ stroke: #e3e3e3; stroke-width: 1; }}
.dp-legend {{ margin-top: 10px; font-size: 12px; line-height: 1.45; color: #222;
  columns: 2; column-gap: 10px; }}
.dp-legend summary {{ font-size: 14px; font-weight: 600; column-span: all; cursor: pointer;
  border-bottom: 1px solid #ddd; margin-bottom: 3px; }}
.dp-legend i {{ display: inline-block; width: 14px; height: 14px; margin-right: 6px; vertical-align: -2px;
  box-sizing: border-box; }}
.dp-legend i.dp-dot {{ border-radius: 50%; border: 1px solid #333; width: 11px; height: 11px; margin-right: 2px; }}
.dp-line {{ display: inline-block; width: 18px; height: 0; margin: 0 5px 0 2px; vertical-align: 3px; }}
.dp-kinds {{ font-size: 11px; color: #333; }}
.dp-hotspot {{ box-sizing: border-box; border-radius: 50%; text-align: center; font-weight: 700; font-size: 12px;
  box-shadow: 0 0 0 1px #fff; font-family: {FONT_STACK}; }}
.dp-hs {{ background: none; border: 0; }}
.dp-cluster {{ background: rgba(31,78,156,0.85); border: 2px solid #fff; border-radius: 50%; color: #fff;
  display: flex; align-items: center; justify-content: center; font-weight: 700; font-size: 12px;
  box-shadow: 0 0 0 2px rgba(31,78,156,0.35); font-family: {FONT_STACK}; }}
.dp-thumb {{ width: 200px; max-height: 160px; object-fit: contain; display: block; margin: 4px 0; background: #eee; }}
.leaflet-tooltip.dp-label {{ background: transparent; border: 0; box-shadow: none; padding: 0; color: #333;
  font-size: 10px; line-height: 1.2; white-space: normal; width: 90px; text-align: center;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }}
.leaflet-tooltip.dp-label::before {{ display: none; }}
.leaflet-control-layers-expanded {{ max-height: 60vh; overflow-y: auto; }}
@media (max-width: 800px) {{
  .dp-panel {{ position: static; width: auto; border-right: 0; }}
  .folium-map {{ position: relative !important; left: 0 !important; width: 100% !important; height: 80vh !important; }}
}}
</style>"""
