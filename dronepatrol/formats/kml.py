"""KML 2.2 for Google Earth: one Folder per mission with its route and placemarks.

The route is a LineString with ``altitudeMode`` ``relativeToGround`` (Google Earth draws it
above the terrain under each point, which matches "metres above home" on flat ground). Each
mission item is a Placemark (a Point for items with a position); its full content (``seq``,
``command``, ``frame``, ``params``, ``alt_m``, ...) is in ``ExtendedData`` so the file reads back to
the same missions. Home, fence polygons and circles, and rally points are placemarks too.
Numbers are written exactly. Files with a DOCTYPE (entity expansion) are refused on reading.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from dronepatrol.formats._util import (
    check_latlon,
    command_name,
    fail,
    finite_or_none,
    item_from_props,
    item_props,
    num,
    route_lonlat_alt,
)
from dronepatrol.mission import FenceCircle, FencePolygon, Geofence, Home, Mission, RallyPoint

SUFFIX = ".kml"
NS = "http://www.opengis.net/kml/2.2"
_COLORS = ("ff0000ff", "ffff0000", "ff00aa00", "ff00ffff", "ffff00ff", "ffffff00")  # aabbggrr


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def _extended(parent: ET.Element, data: dict[str, Any]) -> None:
    ext = _sub(parent, "ExtendedData")
    for k, v in data.items():
        d = _sub(ext, "Data")
        d.set("name", k)
        _sub(d, "value", json.dumps(v, allow_nan=False))


def _coords(points: Sequence[Sequence[float]]) -> str:
    return " ".join(",".join(repr(float(c)) for c in p) for p in points)


def _placemark(folder: ET.Element, name: str, data: dict[str, Any], style: str | None = None) -> ET.Element:
    pm = _sub(folder, "Placemark")
    _sub(pm, "name", name)
    if style:
        _sub(pm, "styleUrl", style)  # KML 2.2 schema order: name, styleUrl, ExtendedData, geometry
    _extended(pm, data)
    return pm


def _point(pm: ET.Element, lon: float, lat: float, alt: float | None = None) -> None:
    pt = _sub(pm, "Point")
    if alt is not None and math.isfinite(alt):
        _sub(pt, "altitudeMode", "relativeToGround")
        _sub(pt, "coordinates", _coords([(lon, lat, alt)]))
    else:
        _sub(pt, "coordinates", _coords([(lon, lat)]))


def dumps(missions: Sequence[Mission]) -> str:
    """A KML document with every mission (all drones) as Folders."""
    kml = ET.Element("kml", xmlns=NS)
    doc = _sub(kml, "Document")
    _sub(doc, "name", "dronepatrol missions")
    for k, color in enumerate(_COLORS):
        style = _sub(doc, "Style")
        style.set("id", f"route{k}")
        ls = _sub(style, "LineStyle")
        _sub(ls, "color", color)
        _sub(ls, "width", "3")
    for n, m in enumerate(missions):
        folder = _sub(doc, "Folder")
        _sub(folder, "name", m.file_stem)
        tag = {"drone": m.drone, "sortie": m.sortie}
        route = route_lonlat_alt(m)
        if len(route) >= 2:
            pm = _placemark(folder, f"{m.file_stem} route", {**tag, "role": "route"},
                            style=f"#route{n % len(_COLORS)}")
            ls = _sub(pm, "LineString")
            _sub(ls, "tessellate", "1")
            _sub(ls, "altitudeMode", "relativeToGround")
            _sub(ls, "coordinates", _coords(route))
        h = m.home
        rp = m.geofence.return_point
        pm = _placemark(
            folder,
            f"{m.file_stem} home",
            {
                **tag,
                "role": "home",
                "alt_amsl_m": h.alt_amsl_m,
                "cruise_speed_m_s": m.cruise_speed_m_s,
                "hover_speed_m_s": m.hover_speed_m_s,
                "kind": m.kind,
                "fence_max_alt_m": m.geofence.max_alt_m,
                "fence_return_point": None if rp is None else list(rp),
            },
        )
        _point(pm, h.lon, h.lat)
        for seq, it in enumerate(m.items, start=1):
            props = item_props(it, seq)
            positioned = it.has_position and math.isfinite(it.lon) and math.isfinite(it.lat)
            if not positioned:
                props.setdefault("lat", finite_or_none(it.lat))
                props.setdefault("lon", finite_or_none(it.lon))
            pm = _placemark(folder, f"{seq} {command_name(it.command)}", {**tag, "role": "item", **props})
            if positioned:
                _point(pm, it.lon, it.lat, it.alt_m)
        for p in m.geofence.polygons:
            pm = _placemark(folder, "fence " + ("inclusion" if p.inclusion else "exclusion"),
                            {**tag, "role": "fence", "inclusion": p.inclusion})
            poly = _sub(pm, "Polygon")
            ring = _sub(_sub(poly, "outerBoundaryIs"), "LinearRing")
            _sub(ring, "coordinates", _coords([*p.vertices, p.vertices[0]]))
        for c in m.geofence.circles:
            pm = _placemark(folder, f"fence circle {c.radius_m:g} m",
                            {**tag, "role": "fence_circle", "inclusion": c.inclusion, "radius_m": c.radius_m})
            _point(pm, c.lon, c.lat)
        for r in m.rally:
            pm = _placemark(folder, "rally point", {**tag, "role": "rally", "alt_m": r.alt_m})
            _point(pm, r.lon, r.lat, r.alt_m)
    ET.indent(kml)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(kml, encoding="unicode") + "\n"


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def loads(text: str, source: str) -> list[Mission]:
    """Missions from a KML written by :func:`dumps` (``route`` lines are ignored)."""
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise fail(source, None, "KML with a DOCTYPE/ENTITY is refused", "export the KML again without a DOCTYPE")
    try:
        root = ET.fromstring(text.lstrip("\ufeff").encode("utf-8"))
    except ET.ParseError as exc:
        line, col = exc.position  # expat counts columns from 0
        what = str(exc).split(":")[0]
        raise fail(source, f"line {line} column {col + 1}", f"not XML: {what}", "fix the syntax there") from None
    if root.tag != _q("kml"):
        raise fail(source, None, f"root element is {root.tag!r}, not kml", "give a KML 2.2 file written by dronepatrol")
    missions = []
    for fi, folder in enumerate(root.iter(_q("Folder"))):
        missions.append(_folder(folder, source, f"Folder {fi + 1}"))
    if not missions:
        raise fail(source, None, "no mission folders", "give a KML written by dronepatrol")
    return missions


def _data(pm: ET.Element, source: str, where: str) -> dict[str, Any]:
    out = {}
    for d in pm.iter(_q("Data")):
        value = d.find(_q("value"))
        try:
            out[d.get("name", "")] = json.loads(value.text or "null") if value is not None else None
        except json.JSONDecodeError:
            raise fail(source, where, f"ExtendedData {d.get('name')!r} is not a value", "fix the value") from None
    return out


def _coord_list(el: ET.Element | None, source: str, where: str) -> list[tuple[float, ...]]:
    if el is None or not (el.text or "").strip():
        return []
    out = []
    for tup in el.text.split():
        try:
            out.append(tuple(float(v) for v in tup.split(",")))
        except ValueError:
            raise fail(source, where, f"coordinates {tup!r} are not lon,lat[,alt]", "fix the coordinates") from None
    for c in out:
        if len(c) < 2:
            raise fail(source, where, "coordinates are not lon,lat[,alt]", "fix the coordinates")
        check_latlon(c[1], c[0], source, where)
    return out


def _folder(folder: ET.Element, source: str, fwhere: str) -> Mission:
    home = None
    items: list[tuple[int, Any]] = []
    polygons, circles, rally = [], [], []
    tag: dict[str, Any] = {}
    for k, pm in enumerate(folder.findall(_q("Placemark"))):
        where = f"{fwhere} Placemark {k + 1}"
        props = _data(pm, source, where)
        role = props.get("role")
        tag = {"drone": props.get("drone"), "sortie": props.get("sortie", 1)}
        point = _coord_list(pm.find(f"{_q('Point')}/{_q('coordinates')}"), source, where)
        if role == "route":
            continue
        if role == "home":
            if not point:
                raise fail(source, where, "home has no Point", "give the home position")
            home = (point[0][0], point[0][1], props)
        elif role == "item":
            seq = int(num(props.get("seq"), source, where, "seq"))
            lon, lat = (point[0][0], point[0][1]) if point else (None, None)
            items.append((seq, item_from_props(props, lon, lat, source, f"{where} (item {seq})")))
        elif role == "fence":
            ring = _coord_list(pm.find(f".//{_q('LinearRing')}/{_q('coordinates')}"), source, where)
            verts = [(c[0], c[1]) for c in ring]
            if len(verts) > 1 and verts[0] == verts[-1]:
                verts = verts[:-1]
            polygons.append(FencePolygon(vertices=tuple(verts), inclusion=bool(props.get("inclusion", True))))
        elif role == "fence_circle":
            circles.append(FenceCircle(lon=point[0][0], lat=point[0][1],
                                       radius_m=num(props.get("radius_m"), source, where, "radius_m"),
                                       inclusion=bool(props.get("inclusion", False))))
        elif role == "rally":
            rally.append(RallyPoint(lon=point[0][0], lat=point[0][1],
                                    alt_m=num(props.get("alt_m"), source, where, "alt_m")))
        else:
            raise fail(source, where, f"role {role!r} is unknown", "give a KML written by dronepatrol")
    if home is None:
        raise fail(source, fwhere, "has no home placemark", "give a KML written by dronepatrol")
    lon, lat, hp = home
    items.sort(key=lambda t: t[0])
    if [s for s, _ in items] != list(range(1, len(items) + 1)):
        raise fail(source, fwhere, "item numbers are not 1, 2, ...", "number the items without gaps")
    rp = hp.get("fence_return_point")
    return Mission(
        drone=str(hp.get("drone") or tag.get("drone") or "drone"),
        sortie=int(hp.get("sortie") or 1),
        home=Home(lon=lon, lat=lat, alt_amsl_m=num(hp.get("alt_amsl_m", 0.0), source, fwhere, "alt_amsl_m")),
        items=tuple(it for _, it in items),
        geofence=Geofence(polygons=tuple(polygons), circles=tuple(circles),
                          max_alt_m=None if hp.get("fence_max_alt_m") is None else float(hp["fence_max_alt_m"]),
                          return_point=None if not rp else (float(rp[0]), float(rp[1]))),
        rally=tuple(rally),
        cruise_speed_m_s=num(hp.get("cruise_speed_m_s", 10.0), source, fwhere, "cruise_speed_m_s"),
        hover_speed_m_s=num(hp.get("hover_speed_m_s", 5.0), source, fwhere, "hover_speed_m_s"),
        kind=str(hp.get("kind") or ""),
    )
