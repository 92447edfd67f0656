"""Repair a zone file: close rings, swap lat/lon back, make polygons valid, normalise winding.

Pure: text in, repaired GeoJSON document and a list of changes out. The caller writes the copy
(never over the input) and re-checks it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

from dronepatrol.errors import ZoneError
from dronepatrol.geo import LocalFrame
from dronepatrol.zones.validate import _in_thailand, _positions

POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass
class FixResult:
    """The repaired document, what changed, and the zone area before/after in m² (None if unknown)."""

    document: dict
    changes: list[str] = field(default_factory=list)
    zone_area_before_m2: float | None = None
    zone_area_after_m2: float | None = None

    @property
    def text(self) -> str:
        return json.dumps(self.document, indent=1, ensure_ascii=False) + "\n"


def fix_zone_text(text: str, source: str) -> FixResult:
    """Repair what can be repaired mechanically. Raises :class:`ZoneError` if the text is not JSON."""
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, ValueError) as exc:
        raise ZoneError(f"{source}: not JSON ({exc}); --fix cannot repair syntax: fix it by hand") from None
    if isinstance(doc, dict) and doc.get("type") in ("Point", *POLYGONAL):
        doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": doc}]}
    elif isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
        raise ZoneError(f"{source}: not a GeoJSON FeatureCollection; --fix cannot repair that")
    result = FixResult(document=doc)
    features = doc["features"]
    if len(features) == 1 and isinstance(features[0], dict):
        props = features[0].get("properties")
        geom = features[0].get("geometry")
        if (
            isinstance(props, dict | None)
            and isinstance(geom, dict)
            and "role" not in (props or {})
            and geom.get("type") in POLYGONAL
        ):
            props = features[0]["properties"] = props or {}
            props["role"] = "zone"
            result.changes.append('feature 0: set role "zone"')
    before, after = [], []
    for i, feat in enumerate(features):
        if not isinstance(feat, dict) or not isinstance(feat.get("geometry"), dict):
            continue
        geom = feat["geometry"]
        gtype = geom.get("type")
        coords = geom.get("coordinates")
        positions = _positions(gtype, coords) if gtype else None
        if not positions or not all(
            isinstance(p, list) and len(p) >= 2 and all(isinstance(v, int | float) for v in p[:2]) for p in positions
        ):
            continue
        if not any(_in_thailand(p[0], p[1]) for p in positions) and all(_in_thailand(p[1], p[0]) for p in positions):
            for p in positions:
                p[0], p[1] = p[1], p[0]
            result.changes.append(f"feature {i}: swapped latitude/longitude to [lon, lat]")
        if gtype not in POLYGONAL:
            continue
        polys = [coords] if gtype == "Polygon" else coords
        closed = 0
        for poly in polys:
            for ring in poly:
                if ring and ring[0][:2] != ring[-1][:2]:
                    ring.append(list(ring[0]))
                    closed += 1
        if closed:
            result.changes.append(f"feature {i}: closed {closed} ring(s)")
        polys = [[r for r in poly if len(r) >= 4] for poly in polys]
        polys = [p for p in polys if p]
        if not polys:
            continue
        try:
            g = shape({"type": "MultiPolygon", "coordinates": polys})
        except (ValueError, TypeError, IndexError, shapely.errors.ShapelyError):
            continue
        is_zone = (feat.get("properties") or {}).get("role") == "zone"
        if is_zone:
            before.append(g if g.is_valid else g.buffer(0))
        if not g.is_valid:
            g = _polygonal(shapely.make_valid(g))
            if g.is_empty:
                result.changes.append(f"feature {i}: polygon has no area; redraw it by hand")
                continue
            result.changes.append(f"feature {i}: made the polygon valid (self-intersections split)")
        if any(not p.exterior.is_ccw or any(h.is_ccw for h in p.interiors) for p in _parts(g)):
            result.changes.append(f"feature {i}: normalised winding (exterior counter-clockwise)")
        g = shapely.orient_polygons(g)
        if len(_parts(g)) == 1:
            g = _parts(g)[0]
        if is_zone:
            after.append(g)
        new = mapping(g)
        feat["geometry"] = {"type": new["type"], "coordinates": _lists(new["coordinates"])}
    if before and after:
        b, a = shapely.union_all(before), shapely.union_all(after)
        if a.is_empty:
            return result
        c = a.centroid
        frame = LocalFrame.around(c.x, c.y)
        result.zone_area_before_m2 = frame.to_m(b).area
        result.zone_area_after_m2 = frame.to_m(a).area
    return result


def _parts(g: Any) -> list[Polygon]:
    return list(g.geoms) if isinstance(g, MultiPolygon) else [g]


def _polygonal(g: Any) -> Polygon | MultiPolygon:
    polys: list[Polygon] = []
    for part in getattr(g, "geoms", [g]):
        if isinstance(part, Polygon) and not part.is_empty:
            polys.append(part)
        elif isinstance(part, MultiPolygon):
            polys.extend(part.geoms)
    return MultiPolygon(polys) if len(polys) != 1 else polys[0]


def _lists(c: Any) -> Any:
    if isinstance(c, tuple | list):
        if c and isinstance(c[0], int | float):
            return [round(float(v), 9) for v in c]
        return [_lists(v) for v in c]
    return c
