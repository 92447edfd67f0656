"""Routes as GeoJSON (RFC 7946): every drone's mission in one FeatureCollection.

Per mission, features carry ``properties.role``:

- ``route``: a LineString [lon, lat, alt_m above home] of the flown path (home, take-off climb,
  positioned items, back home), for maps (geojson.io, QGIS, the report);
- ``home``: a Point with ``alt_amsl_m``, speeds, sortie, kind and the fence's ``fence_max_alt_m``;
- ``item``: one feature per mission item, ``seq`` (home = 0), ``command``, ``command_name``,
  ``frame``, ``params`` (p1..p4, null for NaN), ``alt_m``, ``autocontinue``; a Point for items with
  a position, no geometry (``null``) otherwise, their param5/param6 then in ``lat``/``lon``;
- ``fence``: inclusion/exclusion Polygons; ``fence_circle``: Points with ``radius_m``;
- ``rally``: rally Points with ``alt_m``.

Every feature names its ``drone`` and ``sortie``. Numbers are written exactly, so the file
reads back to the same missions.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from dronepatrol.formats._util import (
    check_latlon,
    fail,
    finite_or_none,
    item_from_props,
    item_props,
    num,
    route_lonlat_alt,
)
from dronepatrol.mission import FenceCircle, FencePolygon, Geofence, Home, Mission, RallyPoint

SUFFIX = ".geojson"


def _feature(geometry: dict | None, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def mission_features(mission: Mission) -> list[dict[str, Any]]:
    """GeoJSON features of one mission (see the module docstring)."""
    tag = {"drone": mission.drone, "sortie": mission.sortie, "file": mission.file_stem}
    h = mission.home
    feats = []
    route = [[lon, lat, alt] for lon, lat, alt in route_lonlat_alt(mission)]
    if len(route) >= 2:
        feats.append(_feature({"type": "LineString", "coordinates": route}, {**tag, "role": "route",
                                                                           "kind": mission.kind}))
    feats.append(
        _feature(
            {"type": "Point", "coordinates": [h.lon, h.lat]},
            {
                **tag,
                "role": "home",
                "seq": 0,
                "alt_amsl_m": h.alt_amsl_m,
                "cruise_speed_m_s": mission.cruise_speed_m_s,
                "hover_speed_m_s": mission.hover_speed_m_s,
                "kind": mission.kind,
                "fence_max_alt_m": mission.geofence.max_alt_m,
                "fence_return_point": None
                if mission.geofence.return_point is None
                else list(mission.geofence.return_point),
            },
        )
    )
    for seq, it in enumerate(mission.items, start=1):
        geom = None
        if it.has_position and math.isfinite(it.lon) and math.isfinite(it.lat):
            geom = {"type": "Point", "coordinates": [it.lon, it.lat]}
        props = item_props(it, seq)
        if geom is None:
            props.setdefault("lat", finite_or_none(it.lat))
            props.setdefault("lon", finite_or_none(it.lon))
        feats.append(_feature(geom, {**tag, "role": "item", **props}))
    for p in mission.geofence.polygons:
        ring = [list(v) for v in p.vertices]
        ring.append(list(p.vertices[0]))
        feats.append(_feature({"type": "Polygon", "coordinates": [ring]},
                              {**tag, "role": "fence", "inclusion": p.inclusion}))
    for c in mission.geofence.circles:
        feats.append(_feature({"type": "Point", "coordinates": [c.lon, c.lat]},
                              {**tag, "role": "fence_circle", "inclusion": c.inclusion, "radius_m": c.radius_m}))
    for r in mission.rally:
        feats.append(_feature({"type": "Point", "coordinates": [r.lon, r.lat]},
                              {**tag, "role": "rally", "alt_m": r.alt_m}))
    return feats


def dumps(missions: Sequence[Mission]) -> str:
    """One FeatureCollection with every mission (all drones, all sorties)."""
    feats = [f for m in missions for f in mission_features(m)]
    doc = {"type": "FeatureCollection", "name": "dronepatrol routes", "features": feats}
    return json.dumps(doc, indent=1, allow_nan=False) + "\n"


def loads(text: str, source: str) -> list[Mission]:
    """Missions from a routes GeoJSON written by :func:`dumps` (``route`` lines are ignored)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(source, f"line {exc.lineno} column {exc.colno}", f"not JSON: {exc.msg}",
                   "fix the syntax there") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise fail(source, None, "not a GeoJSON FeatureCollection", "give a routes.geojson written by dronepatrol")
    feats = doc.get("features")
    if not isinstance(feats, list):
        raise fail(source, None, 'no "features" list', "give a routes.geojson written by dronepatrol")
    order: list[tuple[str, int]] = []
    data: dict[tuple[str, int], dict[str, Any]] = {}
    for k, f in enumerate(feats):
        where = f"feature {k}"
        props = f.get("properties") if isinstance(f, dict) else None
        if not isinstance(props, dict):
            raise fail(source, where, "has no properties", "give a routes.geojson written by dronepatrol")
        role = props.get("role")
        if role == "route":
            continue
        key = (str(props.get("drone", "")), int(num(props.get("sortie", 1), source, where, "sortie")))
        if key not in data:
            order.append(key)
            data[key] = {"home": None, "items": [], "polygons": [], "circles": [], "rally": []}
        d = data[key]
        geom = f.get("geometry")
        coords = geom.get("coordinates") if isinstance(geom, dict) else None
        if role == "home":
            lon, lat = _point(coords, source, where)
            d["home"] = (lon, lat, props)
        elif role == "item":
            seq = int(num(props.get("seq"), source, where, "seq"))
            lonlat = _point(coords, source, where) if coords is not None else (None, None)
            d["items"].append((seq, item_from_props(props, lonlat[0], lonlat[1], source, f"{where} (item {seq})")))
        elif role == "fence":
            if not isinstance(coords, list) or not coords or not isinstance(coords[0], list):
                raise fail(source, where, "fence is not a Polygon", "give a Polygon")
            ring = [_point(v, source, where) for v in coords[0]]
            if len(ring) > 1 and ring[0] == ring[-1]:
                ring = ring[:-1]
            d["polygons"].append(FencePolygon(vertices=tuple(ring), inclusion=bool(props.get("inclusion", True))))
        elif role == "fence_circle":
            lon, lat = _point(coords, source, where)
            d["circles"].append(FenceCircle(lon=lon, lat=lat, radius_m=num(props.get("radius_m"), source, where,
                                                                          "radius_m"),
                                            inclusion=bool(props.get("inclusion", False))))
        elif role == "rally":
            lon, lat = _point(coords, source, where)
            d["rally"].append(RallyPoint(lon=lon, lat=lat, alt_m=num(props.get("alt_m"), source, where, "alt_m")))
        else:
            raise fail(source, where, f"role {role!r} is unknown",
                       "roles are route, home, item, fence, fence_circle, rally")
    missions = []
    for key in order:
        d = data[key]
        if d["home"] is None:
            raise fail(source, f"drone {key[0]} sortie {key[1]}", "has no home feature",
                       'add a Point with "role": "home"')
        lon, lat, hp = d["home"]
        items = sorted(d["items"], key=lambda t: t[0])
        seqs = [s for s, _ in items]
        if seqs != list(range(1, len(items) + 1)):
            raise fail(source, f"drone {key[0]} sortie {key[1]}", f"item numbers {seqs[:8]} are not 1, 2, ...",
                       "number the items 1, 2, ... without gaps")
        rp = hp.get("fence_return_point")
        missions.append(
            Mission(
                drone=key[0],
                sortie=key[1],
                home=Home(lon=lon, lat=lat, alt_amsl_m=num(hp.get("alt_amsl_m", 0.0), source, "home", "alt_amsl_m")),
                items=tuple(it for _, it in items),
                geofence=Geofence(
                    polygons=tuple(d["polygons"]),
                    circles=tuple(d["circles"]),
                    max_alt_m=None if hp.get("fence_max_alt_m") is None else float(hp["fence_max_alt_m"]),
                    return_point=None if not rp else (float(rp[0]), float(rp[1])),
                ),
                rally=tuple(d["rally"]),
                cruise_speed_m_s=num(hp.get("cruise_speed_m_s", 10.0), source, "home", "cruise_speed_m_s"),
                hover_speed_m_s=num(hp.get("hover_speed_m_s", 5.0), source, "home", "hover_speed_m_s"),
                kind=str(hp.get("kind") or ""),
            )
        )
    if not missions:
        raise fail(source, None, "no missions", "give a routes.geojson written by dronepatrol")
    return missions


def _point(coords: Any, source: str, where: str) -> tuple[float, float]:
    if not isinstance(coords, list) or len(coords) < 2:
        raise fail(source, where, "position is not [lon, lat]", "give [lon, lat]")
    lon = num(coords[0], source, where, "longitude")
    lat = num(coords[1], source, where, "latitude")
    check_latlon(lat, lon, source, where)
    return lon, lat
