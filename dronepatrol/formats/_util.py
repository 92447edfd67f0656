"""Helpers shared by the mission file formats: names, numbers, errors. Pure, no I/O."""

from __future__ import annotations

import math
import re
from typing import Any

from dronepatrol.errors import MissionFileError
from dronepatrol.mission import Cmd, MissionItem

_STEM = re.compile(r"^(?P<drone>.+?)-sortie(?P<sortie>\d+)$")


def split_stem(stem: str) -> tuple[str, int]:
    """``"drone1-sortie2"`` -> ``("drone1", 2)``; ``"drone1"`` -> ``("drone1", 1)``.

    >>> split_stem("drone3-sortie2")
    ('drone3', 2)
    """
    m = _STEM.match(stem)
    if m is None:
        return stem, 1
    return m.group("drone"), int(m.group("sortie"))


def fail(source: str, where: str | None, what: str, todo: str) -> MissionFileError:
    """A :class:`MissionFileError` worded ``source: where: what — todo``."""
    head = f"{source}: {where}" if where else source
    return MissionFileError(f"{head}: {what} — {todo}")


def finite_or_none(x: float) -> float | None:
    """``x``, or ``None`` for NaN/inf (JSON has no NaN: QGroundControl writes null)."""
    return x if math.isfinite(x) else None


def num(value: Any, source: str, where: str, name: str, *, allow_null: bool = False) -> float:
    """A JSON number as float; ``null`` gives NaN when ``allow_null``. Raises MissionFileError."""
    if value is None and allow_null:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(source, where, f"{name} is {value!r}, not a number", f"write {name} as a number")
    return float(value)


def check_latlon(lat: float, lon: float, source: str, where: str) -> None:
    """Raise if a position is outside -90..90 / -180..180 degrees (often: lat and lon swapped)."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise fail(source, where, f"position {lat} {lon} is not a number", "give latitude and longitude")
    if not -90.0 <= lat <= 90.0 or not -180.0 <= lon <= 180.0:
        raise fail(
            source,
            where,
            f"latitude {lat:g} / longitude {lon:g} out of range",
            "latitude must be within ±90 and longitude within ±180 (are they swapped?)",
        )


def fmt_num(x: float) -> str:
    """A number as text that reads back to the same float (plain decimals unless it needs an exponent).

    >>> fmt_num(20.0), fmt_num(0.1), fmt_num(float("nan"))
    ('20.0', '0.1', 'NaN')
    """
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    s = repr(float(x))
    if "e" in s or "E" in s:
        # shortest exact form has an exponent: spell it out if 20 decimals keep it exact
        plain = f"{x:.20f}".rstrip("0")
        plain = plain + "0" if plain.endswith(".") else plain
        if float(plain) == x:
            s = plain
    return s


def command_name(command: int) -> str:
    """``16`` -> ``"NAV_WAYPOINT"``; unknown numbers -> ``"CMD_31999"``."""
    try:
        return Cmd(command).name
    except ValueError:
        return f"CMD_{command}"


def item_props(item: Any, seq: int) -> dict[str, Any]:
    """Everything of a :class:`~dronepatrol.mission.MissionItem` as JSON-friendly properties
    (NaN params as null). Position goes in the geometry when the item has one."""
    props: dict[str, Any] = {
        "seq": seq,
        "command": item.command,
        "command_name": command_name(item.command),
        "frame": item.frame,
        "params": [finite_or_none(p) for p in item.params],
        "alt_m": finite_or_none(item.alt_m),
        "autocontinue": bool(item.autocontinue),
    }
    if not item.has_position:
        props["lat"] = finite_or_none(item.lat)
        props["lon"] = finite_or_none(item.lon)
    return props


def item_from_props(props: dict, lon: float | None, lat: float | None, source: str, where: str) -> Any:
    """Inverse of :func:`item_props`; ``lon``/``lat`` from the geometry (None: from properties)."""
    params = props.get("params")
    if not isinstance(params, list) or len(params) != 4:
        raise fail(source, where, "params is not a list of 4", "give params [p1, p2, p3, p4]")
    p = [num(v, source, where, f"param{i + 1}", allow_null=True) for i, v in enumerate(params)]
    for key in ("command", "frame"):
        v = props.get(key)
        if isinstance(v, bool) or not isinstance(v, int | float) or v != int(v):
            raise fail(source, where, f"{key} is {v!r}", f"give the MAVLink {key} as a whole number")
    if lon is None or lat is None:
        lon = num(props.get("lon", 0.0), source, where, "lon", allow_null=True)
        lat = num(props.get("lat", 0.0), source, where, "lat", allow_null=True)
    return MissionItem(
        command=int(props["command"]),
        frame=int(props["frame"]),
        params=(p[0], p[1], p[2], p[3]),
        lon=lon,
        lat=lat,
        alt_m=num(props.get("alt_m", 0.0), source, where, "alt_m", allow_null=True),
        autocontinue=bool(props.get("autocontinue", True)),
    )


def route_lonlat_alt(mission: Any) -> list[tuple[float, float, float]]:
    """The flown route as (lon, lat, alt_m above home): home on the ground, take-off climb,
    positioned nav items, and home again after RTL/LAND (DO_JUMP loops drawn once)."""
    import math as _m

    h = mission.home
    pts = [(h.lon, h.lat, 0.0)]
    cur = pts[0]
    for it in mission.items:
        if it.command == Cmd.NAV_TAKEOFF:
            cur = (cur[0], cur[1], it.alt_m)
        elif it.command == Cmd.NAV_RETURN_TO_LAUNCH:
            pts.append((h.lon, h.lat, cur[2]))
            cur = (h.lon, h.lat, 0.0)
        elif it.command == Cmd.NAV_LAND:
            if it.has_position and _m.isfinite(it.lon) and _m.isfinite(it.lat):
                pts.append((it.lon, it.lat, cur[2]))
                cur = (it.lon, it.lat, 0.0)
            else:
                cur = (cur[0], cur[1], 0.0)
        elif it.has_position and _m.isfinite(it.lon) and _m.isfinite(it.lat):
            cur = (it.lon, it.lat, it.alt_m)
        else:
            continue
        pts.append(cur)
    return pts
