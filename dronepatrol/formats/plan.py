"""QGroundControl ``.plan`` files (JSON): mission, geofence and rally points.

Written the way QGroundControl's own loader expects (``MissionController``, ``SimpleMissionItem``,
``GeoFenceController``, ``RallyPointController``): ``fileType`` "Plan", ``version`` 1, mission
``version`` 2 with ``firmwareType`` 3 (ArduPilot) and ``vehicleType`` 2 (quadrotor), SimpleItems
with 7 ``params`` (``null`` for NaN) and ``doJumpId`` = the item's sequence number (home is 0, so
the first item is 1: a DO_JUMP's param1 names the target's ``doJumpId``). Positions in the file are
``[lat, lon]``; this module swaps them to the model's (lon, lat) exactly once.

A ``.plan`` has no field for the vehicle's maximum fence altitude (the FENCE_ALT_MAX parameter) nor
for the fence return point: they are kept under an extra top-level ``"dronepatrol"`` key, which
QGroundControl ignores (its loader only checks the keys it knows).

The reader also accepts files QGroundControl wrote: ComplexItem surveys and corridor scans (their
pre-computed ``TransectStyleComplexItem.Items`` are used), and old items with 4 params plus a
``coordinate`` [lat, lon, alt] or with ``param1``..``param4`` keys.

>>> from dronepatrol.mission import Home, Mission, takeoff, waypoint, rtl
>>> m = Mission(drone="drone1", home=Home(lon=103.65, lat=16.05, alt_amsl_m=140.0),
...             items=(takeoff(20.0), waypoint(103.651, 16.051, 50.0), rtl()))
>>> [(i.command, i.lat) for i in loads_plan(dumps_plan(m), "drone1.plan")[0].items]
[(22, 0.0), (16, 16.051), (20, 0.0)]
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from dronepatrol.formats._util import check_latlon, fail, finite_or_none, num, split_stem
from dronepatrol.mission import (
    Cmd,
    FenceCircle,
    FencePolygon,
    Geofence,
    Home,
    Mission,
    MissionItem,
    RallyPoint,
)

SUFFIX = ".plan"
FILE_TYPE = "Plan"
PLAN_VERSION = 1
MISSION_VERSION = 2
GEOFENCE_VERSION = 2
RALLY_VERSION = 2
FIRMWARE_ARDUPILOT = 3  # MAV_AUTOPILOT_ARDUPILOTMEGA
VEHICLE_QUADROTOR = 2  # MAV_TYPE_QUADROTOR
GROUND_STATION = "dronepatrol"
EXTRA_KEY = "dronepatrol"
#: ComplexItem types whose file carries pre-computed mission items.
TRANSECT_TYPES = ("survey", "CorridorScan")


# --- writing ---------------------------------------------------------------------------------


def plan_dict(mission: Mission) -> dict[str, Any]:
    """The JSON object of one mission's ``.plan`` file."""
    items = []
    for seq, item in enumerate(mission.items, start=1):
        items.append(
            {
                "autoContinue": bool(item.autocontinue),
                "command": item.command,
                "doJumpId": seq,
                "frame": item.frame,
                "params": [finite_or_none(p) for p in (*item.params, item.lat, item.lon, item.alt_m)],
                "type": "SimpleItem",
            }
        )
    fence = mission.geofence
    extra: dict[str, Any] = {
        "drone": mission.drone,
        "sortie": mission.sortie,
        "kind": mission.kind,
        "startOffsetS": mission.start_offset_s,
        "fenceMaxAltM": fence.max_alt_m,
        "fenceReturnPoint": None
        if fence.return_point is None
        else [fence.return_point[1], fence.return_point[0]],
        "note": "QGroundControl ignores this key. fenceMaxAltM is the FENCE_ALT_MAX parameter "
        "(metres above home), set by 'dronepatrol fleet upload'; a .plan has no field for it. "
        "startOffsetS: seconds after the fleet's common start at which this drone takes off "
        "('dronepatrol fleet start' waits that long).",
    }
    return {
        "fileType": FILE_TYPE,
        "geoFence": {
            "circles": [
                {
                    "circle": {"center": [c.lat, c.lon], "radius": c.radius_m},
                    "inclusion": c.inclusion,
                    "version": 1,
                }
                for c in fence.circles
            ],
            "polygons": [
                {
                    "inclusion": p.inclusion,
                    "polygon": [[lat, lon] for lon, lat in p.vertices],
                    "version": 1,
                }
                for p in fence.polygons
            ],
            "version": GEOFENCE_VERSION,
        },
        "groundStation": GROUND_STATION,
        "mission": {
            "cruiseSpeed": mission.cruise_speed_m_s,
            "firmwareType": FIRMWARE_ARDUPILOT,
            "hoverSpeed": mission.hover_speed_m_s,
            "items": items,
            "plannedHomePosition": [mission.home.lat, mission.home.lon, mission.home.alt_amsl_m],
            "vehicleType": VEHICLE_QUADROTOR,
            "version": MISSION_VERSION,
        },
        "rallyPoints": {
            "points": [[r.lat, r.lon, r.alt_m] for r in mission.rally],
            "version": RALLY_VERSION,
        },
        "version": PLAN_VERSION,
        EXTRA_KEY: extra,
    }


def dumps_plan(mission: Mission) -> str:
    """The text of one mission's ``.plan`` file (JSON, floats written exactly)."""
    return json.dumps(plan_dict(mission), indent=4, allow_nan=False) + "\n"


def dumps(missions: Sequence[Mission]) -> str:
    """Registry entry: a ``.plan`` holds exactly one mission."""
    if len(missions) != 1:
        raise ValueError(f"a .plan file holds one mission, got {len(missions)}")
    return dumps_plan(missions[0])


# --- reading ---------------------------------------------------------------------------------


def loads_plan(text: str, source: str) -> list[Mission]:
    """Parse ``.plan`` text; ``source`` (the file name) names the drone and appears in errors.

    Raises :class:`~dronepatrol.errors.MissionFileError` (exit 3) saying where and what.
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(
            source, f"line {exc.lineno} column {exc.colno}", f"not JSON: {exc.msg}", "fix the syntax there"
        ) from None
    except RecursionError:
        raise fail(source, None, "JSON nested too deeply", "save the plan again from QGroundControl") from None
    if not isinstance(doc, dict):
        raise fail(source, None, "not a QGroundControl plan (top level is not an object)", "give a .plan file")
    if doc.get("fileType") != FILE_TYPE:
        raise fail(
            source,
            None,
            f'fileType is {doc.get("fileType")!r}, not "Plan"',
            "give a QGroundControl .plan file (File > Save in Plan view)",
        )
    if doc.get("version") != PLAN_VERSION:
        raise fail(
            source, None, f"plan version {doc.get('version')!r} is not supported", "save it as a version 1 plan"
        )
    mission_doc = doc.get("mission")
    if not isinstance(mission_doc, dict):
        raise fail(source, None, 'no "mission" object', "save the plan again from QGroundControl")
    version = mission_doc.get("version")
    if version not in (1, 2):
        raise fail(source, "mission", f"version {version!r} is not supported", "save it with QGroundControl 4+")

    home = _home(mission_doc, source)
    raw_items = mission_doc.get("items", [])
    if not isinstance(raw_items, list):
        raise fail(source, "mission", '"items" is not a list', 'write "items": [...]')
    flat: list[tuple[dict, str]] = []
    for k, raw in enumerate(raw_items):
        where = f"mission.items[{k}]"
        if not isinstance(raw, dict):
            raise fail(source, where, "is not an object", "each item is a JSON object")
        kind = raw.get("type")
        if kind == "ComplexItem":
            flat.extend(_complex_items(raw, source, where))
        elif kind in ("SimpleItem", "missionItem", "MissionItem"):
            flat.append((raw, where))
        else:
            raise fail(source, where, f"type {kind!r} is unknown", 'use "SimpleItem" or "ComplexItem"')

    items: list[MissionItem] = []
    jump_ids: dict[int, int] = {}
    for seq, (raw, where) in enumerate(flat, start=1):
        item = _simple_item(raw, source, f"item {seq} ({where})")
        items.append(item)
        jid = raw.get("doJumpId")
        if isinstance(jid, int | float) and not isinstance(jid, bool) and jid >= 0:
            jump_ids.setdefault(int(jid), seq)
    items = _remap_jumps(items, jump_ids, source)

    stem = source.rsplit("/", 1)[-1]
    stem = stem[: -len(SUFFIX)] if stem.endswith(SUFFIX) else stem.rsplit(".", 1)[0]
    drone, sortie = split_stem(stem)
    extra = doc.get(EXTRA_KEY) if isinstance(doc.get(EXTRA_KEY), dict) else {}
    drone = str(extra.get("drone") or drone)
    sortie = int(extra.get("sortie") or sortie)
    cruise = mission_doc.get("cruiseSpeed", 10.0)
    hover = mission_doc.get("hoverSpeed", 5.0)
    return [
        Mission(
            drone=drone,
            home=home,
            items=tuple(items),
            geofence=_geofence(doc.get("geoFence"), extra, source),
            rally=_rally(doc.get("rallyPoints"), source),
            cruise_speed_m_s=num(cruise, source, "mission", "cruiseSpeed"),
            hover_speed_m_s=num(hover, source, "mission", "hoverSpeed"),
            sortie=sortie,
            kind=str(extra.get("kind") or ""),
            start_offset_s=_start_offset(extra, source),
        )
    ]


def _start_offset(extra: dict, source: str) -> float:
    """The ``startOffsetS`` of the extra key: seconds >= 0 (0 when absent)."""
    raw = extra.get("startOffsetS")
    if raw is None:
        return 0.0
    value = num(raw, source, EXTRA_KEY, "startOffsetS")
    if not (math.isfinite(value) and value >= 0):
        raise fail(source, f"{EXTRA_KEY}.startOffsetS", f"{raw!r} is not a number of seconds >= 0",
                   "give the take-off delay in seconds (0 = at the fleet's start)")
    return float(value)


def _home(mission_doc: dict, source: str) -> Home:
    raw = mission_doc.get("plannedHomePosition")
    if isinstance(raw, dict):  # very old plans: home as an item with a coordinate
        raw = raw.get("coordinate")
    if not isinstance(raw, list) or len(raw) < 2:
        raise fail(
            source,
            "mission",
            "plannedHomePosition is missing or not [lat, lon, alt]",
            "set the planned home (launch site) in QGroundControl's Mission Start item",
        )
    lat = num(raw[0], source, "plannedHomePosition", "latitude")
    lon = num(raw[1], source, "plannedHomePosition", "longitude")
    alt = num(raw[2], source, "plannedHomePosition", "altitude") if len(raw) > 2 else 0.0
    check_latlon(lat, lon, source, "plannedHomePosition")
    return Home(lon=lon, lat=lat, alt_amsl_m=0.0 if math.isnan(alt) else alt)


def _complex_items(raw: dict, source: str, where: str) -> list[tuple[dict, str]]:
    kind = raw.get("complexItemType")
    transect = raw.get("TransectStyleComplexItem")
    inner = transect.get("Items") if isinstance(transect, dict) else None
    if not isinstance(inner, list):
        if kind in TRANSECT_TYPES:
            todo = "open the plan in QGroundControl and save it again (it stores the survey's items)"
        else:
            todo = f'"{kind}" items are not supported: export the mission from QGroundControl as .waypoints'
        raise fail(source, where, f'ComplexItem "{kind}" has no TransectStyleComplexItem.Items', todo)
    out = []
    for j, sub in enumerate(inner):
        sub_where = f"{where} ({kind}) Items[{j}]"
        if not isinstance(sub, dict):
            raise fail(source, sub_where, "is not an object", "save the plan again from QGroundControl")
        out.append((sub, sub_where))
    return out


def _simple_item(raw: dict, source: str, where: str) -> MissionItem:
    params = raw.get("params")
    if params is None and all(f"param{i}" in raw for i in range(1, 5)):  # V1: param1..param4 keys
        params = [raw[f"param{i}"] for i in range(1, 5)]
    if not isinstance(params, list):
        raise fail(source, where, '"params" is missing', "give 7 params [p1, p2, p3, p4, lat, lon, alt]")
    if "coordinate" in raw:  # V2: 4 params + coordinate [lat, lon, alt]
        coord = raw["coordinate"]
        if not isinstance(coord, list) or len(coord) != 3:
            raise fail(source, where, '"coordinate" is not [lat, lon, alt]', "give 3 numbers")
        if len(params) != 4:
            raise fail(source, where, f"{len(params)} params with a coordinate", "give 4 params")
        params = [*params, *coord]
    if len(params) != 7:
        raise fail(source, where, f"{len(params)} params", "give 7 params [p1, p2, p3, p4, lat, lon, alt]")
    values = [num(p, source, where, f"param{i + 1}", allow_null=True) for i, p in enumerate(params)]
    for key in ("command", "frame"):
        v = raw.get(key)
        if isinstance(v, bool) or not isinstance(v, int | float) or v != int(v) or v < 0:
            raise fail(source, where, f"{key} is {v!r}", f"give the MAVLink {key} as a whole number")
    auto = raw.get("autoContinue", True)
    if not isinstance(auto, bool | int):
        raise fail(source, where, f"autoContinue is {auto!r}", "write true or false")
    item = MissionItem(
        command=int(raw["command"]),
        frame=int(raw["frame"]),
        params=(values[0], values[1], values[2], values[3]),
        lat=values[4],
        lon=values[5],
        alt_m=values[6],
        autocontinue=bool(auto),
    )
    if item.has_position and math.isfinite(item.lat) and math.isfinite(item.lon):
        check_latlon(item.lat, item.lon, source, where)
    return item


def _remap_jumps(items: list[MissionItem], jump_ids: dict[int, int], source: str) -> list[MissionItem]:
    """DO_JUMP param1 names a ``doJumpId``: turn it into the target's sequence number."""
    out = []
    for seq, item in enumerate(items, start=1):
        if item.command == Cmd.DO_JUMP:
            target = item.params[0]
            if not math.isfinite(target) or int(target) not in jump_ids:
                if not (math.isfinite(target) and 1 <= target <= len(items)):
                    raise fail(
                        source,
                        f"item {seq}",
                        f"DO_JUMP to {target:g}, which is no item of this mission",
                        f"jump to an item 1..{len(items)}",
                    )
            else:
                p = list(item.params)
                p[0] = float(jump_ids[int(target)])
                item = replace(item, params=(p[0], p[1], p[2], p[3]))
        out.append(item)
    return out


def _geofence(raw: Any, extra: dict, source: str) -> Geofence:
    max_alt = extra.get("fenceMaxAltM")
    max_alt_m = None if max_alt is None else num(max_alt, source, EXTRA_KEY, "fenceMaxAltM")
    rp = extra.get("fenceReturnPoint")
    return_point = None
    if isinstance(rp, list) and len(rp) >= 2:
        lat = num(rp[0], source, EXTRA_KEY, "fenceReturnPoint latitude")
        lon = num(rp[1], source, EXTRA_KEY, "fenceReturnPoint longitude")
        return_point = (lon, lat)
    if raw is None:
        return Geofence(max_alt_m=max_alt_m, return_point=return_point)
    if not isinstance(raw, dict):
        raise fail(source, "geoFence", "is not an object", 'write "geoFence": {"polygons": [], "circles": []}')
    polygons = []
    for k, p in enumerate(raw.get("polygons") or []):
        where = f"geoFence polygon {k + 1}"
        verts = p.get("polygon") if isinstance(p, dict) else None
        if not isinstance(verts, list) or len(verts) < 3:
            raise fail(source, where, "has fewer than 3 vertices", "give [[lat, lon], ...] with 3 or more vertices")
        vv = []
        for j, v in enumerate(verts):
            if not isinstance(v, list) or len(v) < 2:
                raise fail(source, f"{where} vertex {j + 1}", "is not [lat, lon]", "give two numbers")
            lat = num(v[0], source, f"{where} vertex {j + 1}", "latitude")
            lon = num(v[1], source, f"{where} vertex {j + 1}", "longitude")
            check_latlon(lat, lon, source, f"{where} vertex {j + 1}")
            vv.append((lon, lat))
        polygons.append(FencePolygon(vertices=tuple(vv), inclusion=bool(p.get("inclusion", True))))
    circles = []
    for k, c in enumerate(raw.get("circles") or []):
        where = f"geoFence circle {k + 1}"
        circle = c.get("circle") if isinstance(c, dict) else None
        center = circle.get("center") if isinstance(circle, dict) else None
        if not isinstance(center, list) or len(center) < 2:
            raise fail(source, where, "has no center [lat, lon]", 'give "circle": {"center": [lat, lon], "radius": m}')
        lat = num(center[0], source, where, "latitude")
        lon = num(center[1], source, where, "longitude")
        check_latlon(lat, lon, source, where)
        radius = num(circle.get("radius"), source, where, "radius")
        if not radius > 0:
            raise fail(source, where, f"radius {radius:g} m", "give a positive radius in metres")
        circles.append(FenceCircle(lon=lon, lat=lat, radius_m=radius, inclusion=bool(c.get("inclusion", True))))
    return Geofence(
        polygons=tuple(polygons), circles=tuple(circles), max_alt_m=max_alt_m, return_point=return_point
    )


def _rally(raw: Any, source: str) -> tuple[RallyPoint, ...]:
    if raw is None:
        return ()
    points = raw.get("points") if isinstance(raw, dict) else None
    if not isinstance(points, list):
        raise fail(source, "rallyPoints", 'no "points" list', 'write "rallyPoints": {"points": [[lat, lon, alt]]}')
    out = []
    for k, p in enumerate(points):
        where = f"rally point {k + 1}"
        if not isinstance(p, list) or len(p) != 3:
            raise fail(source, where, "is not [lat, lon, alt]", "give three numbers")
        names = ("latitude", "longitude", "altitude")
        lat, lon, alt = (num(v, source, where, n) for v, n in zip(p, names, strict=True))
        check_latlon(lat, lon, source, where)
        out.append(RallyPoint(lon=lon, lat=lat, alt_m=alt))
    return tuple(out)


def loads(text: str, source: str) -> list[Mission]:
    """Registry entry (see :func:`loads_plan`)."""
    return loads_plan(text, source)
