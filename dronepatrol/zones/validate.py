"""Raw GeoJSON checks, done before shapely sees the data.

shapely closes unclosed rings silently and accepts swapped lat/lon as valid, so the raw JSON is
checked first: structure, numbers, ranges, closure, axis order, then shapely validity.
Pure functions: text in, :class:`RawFeature` records and :class:`Finding` s out.
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.validation import explain_validity

from dronepatrol.zones.findings import Finding
from dronepatrol.zones.model import CCTV_STATUSES, HOTSPOT_KINDS, ROLES

# Thailand's extent with a margin, degrees: used to recognise swapped lat/lon.
THAILAND_LON = (97.0, 106.0)
THAILAND_LAT = (5.0, 21.0)
WGS84_CRS = {
    "urn:ogc:def:crs:ogc:1.3:crs84",
    "urn:ogc:def:crs:epsg::4326",
    "epsg:4326",
    "crs84",
    "ogc:crs84",
}
GEOMETRY_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
}
ROLE_GEOMETRIES = {
    "zone": {"Polygon", "MultiPolygon"},
    "nofly": {"Polygon", "MultiPolygon", "Point"},
    "hotspot": {"Point"},
    "cctv": {"Point"},
    "launch": {"Point"},
    "community": {"Polygon", "MultiPolygon"},
}


@dataclass
class RawFeature:
    """A feature that passed the raw checks: its role, properties and lon/lat geometry."""

    index: int
    role: str
    name: str | None
    props: dict[str, Any]
    geometry: Any  # shapely geometry, lon/lat degrees, winding normalised
    swapped: bool = False
    repaired_from: Any = None


@dataclass
class RawResult:
    features: list[RawFeature] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    declared_roles: set[str] = field(default_factory=set)  # roles named in the file, valid or not


class _Collector:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def error(self, message: str, hint: str = "", **kw: Any) -> None:
        self.findings.append(Finding(severity="error", message=message, hint=hint, **kw))

    def warn(self, message: str, hint: str = "", **kw: Any) -> None:
        self.findings.append(Finding(severity="warning", message=message, hint=hint, **kw))


def parse_features(text: str) -> RawResult:
    """Parse GeoJSON text into raw features, collecting every problem found."""
    out = RawResult()
    c = _Collector()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        c.error(
            f"not JSON: {exc.msg}",
            "fix the syntax at that line and column (a missing comma or bracket is usual)",
            line=exc.lineno,
            column=exc.colno,
        )
        out.findings = c.findings
        return out
    except (UnicodeDecodeError, RecursionError, ValueError) as exc:
        c.error(f"not JSON: {exc}", "save the file as UTF-8 GeoJSON")
        out.findings = c.findings
        return out

    features = _features_of(doc, c)
    if features is None:
        out.findings = c.findings
        return out
    _check_crs(doc, c)
    lone_polygon = len(features) == 1
    for i, feat in enumerate(features):
        if isinstance(feat, dict) and isinstance(feat.get("properties"), dict):
            out.declared_roles.add(str(feat["properties"].get("role")))
        raw = _check_feature(i, feat, lone_polygon, c)
        if raw is not None:
            out.features.append(raw)
    out.findings = c.findings
    return out


def _features_of(doc: Any, c: _Collector) -> list[Any] | None:
    if not isinstance(doc, dict):
        c.error(
            f"not GeoJSON: the top level is a JSON {type(doc).__name__}, not an object",
            "save a GeoJSON FeatureCollection (geojson.io: Save > GeoJSON)",
        )
        return None
    kind = doc.get("type")
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            c.error('not GeoJSON: FeatureCollection without a "features" list', 'add "features": [...]')
            return None
        return features
    if kind == "Feature":
        return [doc]
    if kind in GEOMETRY_TYPES:
        return [{"type": "Feature", "properties": {}, "geometry": doc}]
    c.error(
        f"not GeoJSON: type is {kind!r}",
        "expected a FeatureCollection, a Feature or a geometry",
    )
    return None


def _check_crs(doc: dict, c: _Collector) -> None:
    crs = doc.get("crs")
    if crs is None:
        return
    name = ""
    if isinstance(crs, dict):
        name = str((crs.get("properties") or {}).get("name", ""))
    if name.lower().replace("urn:ogc:def:crs:epsg:0:", "epsg:") not in WGS84_CRS:
        c.error(
            f"coordinates are in {name or 'an unknown CRS'}, not WGS 84 longitude/latitude",
            "export the layer as GeoJSON with CRS EPSG:4326 - WGS 84 (QGIS: Export > Save Features As)",
        )


def _check_feature(i: int, feat: Any, lone: bool, c: _Collector) -> RawFeature | None:
    if not isinstance(feat, dict) or feat.get("type") != "Feature":
        c.error("is not a GeoJSON Feature", 'each entry of "features" needs "type": "Feature"', feature=i)
        return None
    props = feat.get("properties") or {}
    if not isinstance(props, dict):
        c.error("properties is not an object", 'use "properties": {"role": ..., "name": ...}', feature=i)
        return None
    name = props.get("name")
    name = str(name) if name is not None else None
    kw = {"feature": i, "name": name}
    geom_json = feat.get("geometry")
    if geom_json is None:
        c.error("has no geometry", "draw the feature again or delete it", **kw)
        return None

    role = props.get("role")
    gtype = geom_json.get("type") if isinstance(geom_json, dict) else None
    if role is None:
        if lone and gtype in ("Polygon", "MultiPolygon"):
            c.warn(
                "has no role; read as the zone",
                'add "role": "zone" and a "name" to its properties',
                **kw,
            )
            role = "zone"
        else:
            c.error(
                "has no role",
                f"set properties.role to one of {', '.join(ROLES)}",
                **kw,
            )
            return None
    if role not in ROLES:
        close = difflib.get_close_matches(str(role).lower(), ROLES, n=1, cutoff=0.5)
        hint = f'did you mean "{close[0]}"?' if close else f"use one of {', '.join(ROLES)}"
        c.error(f"unknown role {role!r}", hint, **kw)
        return None
    if gtype not in GEOMETRY_TYPES:
        c.error(f"geometry type {gtype!r} is not a GeoJSON geometry", "draw the feature again", **kw)
        return None
    if gtype not in ROLE_GEOMETRIES[role]:
        allowed = " or ".join(sorted(ROLE_GEOMETRIES[role]))
        c.error(f"a {role} must be a {allowed}, not a {gtype}", f"draw it as a {allowed}", **kw)
        return None

    coords = geom_json.get("coordinates")
    ok, swapped = _check_coordinates(gtype, coords, c, kw)
    if not ok:
        return None
    _check_properties(role, gtype, props, c, kw)
    if swapped:
        return None
    geometry = _shape_and_validity(gtype, geom_json, c, kw)
    if geometry is None:
        return None
    return RawFeature(index=i, role=role, name=name, props=props, geometry=geometry)


# --- coordinates ----------------------------------------------------------------------------


def _positions(gtype: str, coords: Any) -> list[Any] | None:
    """Flatten to the list of positions; None if the nesting is wrong."""
    depth = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}
    d = depth.get(gtype)
    if d is None:
        return None
    level = [coords]
    for _ in range(d):
        nxt = []
        for item in level:
            if not isinstance(item, list):
                return None
            nxt.extend(item)
        level = nxt
    return level


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _check_coordinates(gtype: str, coords: Any, c: _Collector, kw: dict) -> tuple[bool, bool]:
    """Structure, numbers, ranges, projection and axis order. Returns (ok, swapped)."""
    if gtype == "GeometryCollection":
        c.error("GeometryCollection is not supported", "split it into one feature per geometry", **kw)
        return False, False
    positions = _positions(gtype, coords)
    if positions is None or not positions:
        c.error(f"coordinates are not nested as a {gtype} needs", "draw the feature again", **kw)
        return False, False
    for pos in positions:
        if not isinstance(pos, list) or len(pos) < 2:
            c.error(f"position {pos!r} is not [longitude, latitude]", "each position needs two numbers", **kw)
            return False, False
        if not all(_is_number(v) for v in pos[:3]):
            c.error(
                f"position {pos!r} has a value that is not a number",
                "write coordinates as numbers without quotes",
                **kw,
            )
            return False, False
    xs = [p[0] for p in positions]
    ys = [p[1] for p in positions]
    first = (positions[0][0], positions[0][1])
    in_th = [_in_thailand(x, y) for x, y in zip(xs, ys, strict=True)]
    swapped_th = [_in_thailand(y, x) for x, y in zip(xs, ys, strict=True)]
    if not any(in_th) and all(swapped_th):
        c.error(
            "positions look swapped (latitude first)",
            "GeoJSON wants [longitude, latitude]; run with --fix to swap them",
            where=(first[1], first[0]),
            **kw,
        )
        return True, True
    if any(abs(x) > 180 for x in xs) or any(abs(y) > 90 for y in ys):
        if max(map(abs, xs)) > 1000 or max(map(abs, ys)) > 1000:
            c.error(
                f"coordinates look projected (metres), e.g. {first[0]:g} {first[1]:g}",
                "export as GeoJSON in WGS 84 (EPSG:4326) longitude/latitude",
                **kw,
            )
        else:
            bad = next(p for p in positions if abs(p[0]) > 180 or abs(p[1]) > 90)
            c.error(
                f"latitude/longitude out of range: {bad[0]:g} {bad[1]:g}",
                "longitude must be within ±180 and latitude within ±90",
                **kw,
            )
        return False, False
    return True, False


def _in_thailand(lon: float, lat: float) -> bool:
    return THAILAND_LON[0] <= lon <= THAILAND_LON[1] and THAILAND_LAT[0] <= lat <= THAILAND_LAT[1]


def _rings(gtype: str, coords: Any) -> list[list[list[float]]]:
    if gtype == "Polygon":
        return list(coords)
    if gtype == "MultiPolygon":
        return [ring for poly in coords for ring in poly]
    return []


def _shape_and_validity(gtype: str, geom_json: dict, c: _Collector, kw: dict) -> Any:
    coords = geom_json["coordinates"]
    polys = [coords] if gtype == "Polygon" else coords if gtype == "MultiPolygon" else []
    if any(not poly for poly in polys):
        c.error("a polygon has no rings", "draw the polygon again or delete the empty part", **kw)
        return None
    for ring in _rings(gtype, coords):
        if len(ring) < 4:
            c.error(
                f"a ring has {len(ring)} positions; a closed ring needs at least 4",
                "draw the polygon with at least three corners",
                where=(ring[0][0], ring[0][1]) if ring else None,
                **kw,
            )
            return None
        if ring[0][:2] != ring[-1][:2]:
            c.error(
                "ring is not closed (last position differs from the first)",
                "repeat the first position at the end, or run with --fix",
                where=(ring[0][0], ring[0][1]),
                **kw,
            )
            return None
    try:
        geom = shape(geom_json)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError) as exc:
        c.error(f"geometry cannot be read: {exc}", "draw the feature again", **kw)
        return None
    if isinstance(geom, Polygon | MultiPolygon):
        if not geom.is_valid:
            reason, where = _explain(geom)
            c.error(reason, "fix the polygon or run with --fix", where=where, **kw)
            return None
        if _wrong_winding(geom):
            c.warn(
                "exterior ring is clockwise (RFC 7946 wants counter-clockwise); normalised",
                "run with --fix to store it normalised",
                **kw,
            )
        geom = shapely.orient_polygons(geom)
    return geom


def _explain(geom: Polygon | MultiPolygon) -> tuple[str, tuple[float, float] | None]:
    text = explain_validity(geom)
    where = None
    if "[" in text:
        reason, _, loc = text.partition("[")
        try:
            x, y = (float(v) for v in loc.rstrip("]").split()[:2])
            where = (x, y)
        except ValueError:
            pass
    else:
        reason = text
    reason = reason.strip()
    words = {
        "Self-intersection": "ring self-intersects",
        "Ring Self-intersection": "ring touches itself",
        "Hole lies outside shell": "hole lies outside its polygon",
        "Interior is disconnected": "holes cut the polygon in pieces",
        "Nested shells": "polygons of the MultiPolygon are nested",
        "Self-intersecting multipolygon": "polygons of the MultiPolygon overlap",
        "Too few points": "ring has too few distinct points",
        "Nested holes": "holes are nested",
    }
    return words.get(reason, f"invalid polygon ({reason})"), where


def _wrong_winding(geom: Polygon | MultiPolygon) -> bool:
    polys = geom.geoms if isinstance(geom, MultiPolygon) else [geom]
    return any(not p.exterior.is_ccw for p in polys)


# --- properties -----------------------------------------------------------------------------


def _check_properties(role: str, gtype: str, props: dict, c: _Collector, kw: dict) -> None:
    name = props.get("name")
    if role != "zone" and (not isinstance(name, str) or not name.strip()):
        c.warn("has no name", 'add a "name" so reports and messages can refer to it', **kw)

    def number(key: str, lo: float, hi: float, *, integer: bool = False, required: bool = False) -> None:
        if key not in props or props[key] is None:
            if required:
                c.error(f'needs "{key}"', f"add {key} ({lo:g}-{hi:g})", **kw)
            return
        v = props[key]
        if not _is_number(v) or (integer and float(v) != int(v)) or not lo <= v <= hi:
            what = "a whole number" if integer else "a number"
            c.error(f"{key} is {v!r}; it must be {what} from {lo:g} to {hi:g}", f"fix {key}", **kw)

    if role == "zone":
        number("max_alt_m", 1, 500)
    elif role == "nofly":
        number("radius_m", 1, 50_000, required=gtype == "Point")
    elif role == "hotspot":
        kind = props.get("kind")
        if kind is None:
            c.warn('has no "kind"; read as "other"', f"set kind to one of {', '.join(HOTSPOT_KINDS)}", **kw)
        elif kind not in HOTSPOT_KINDS:
            close = difflib.get_close_matches(str(kind), HOTSPOT_KINDS, n=1, cutoff=0.5)
            hint = f'did you mean "{close[0]}"?' if close else f"use one of {', '.join(HOTSPOT_KINDS)}"
            c.error(f"unknown hotspot kind {kind!r}", hint, **kw)
        number("priority", 1, 5, integer=True)
        number("dwell_s", 0, 3600)
    elif role == "cctv":
        status = props.get("status")
        if status not in CCTV_STATUSES:
            c.error(f"CCTV status is {status!r}", 'set status to "working" or "broken"', **kw)
        number("range_m", 1, 1000)


def point_of(geom: Any) -> Point:
    """The Point of a point feature (helper for the builder)."""
    return geom if isinstance(geom, Point) else geom.centroid
