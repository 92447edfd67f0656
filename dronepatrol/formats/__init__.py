"""Mission files: text <-> :class:`~dronepatrol.mission.Mission`. Pure functions, no I/O
(:mod:`dronepatrol.formats.missiondir` does the reading and the atomic writing).

``FORMATS`` is the one list of formats; the CLI's ``--format`` choices come from it.

>>> sorted(FORMATS)
['geojson', 'kml', 'plan', 'waypoints']
>>> FORMATS["waypoints"].suffix
'.waypoints'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dronepatrol.formats import kml, plan, routes_geojson, wpl
from dronepatrol.mission import Mission


@dataclass(frozen=True, kw_only=True)
class MissionFormat:
    """A mission file format: how to write (``dumps``) and read (``loads``) its text.

    ``dumps(missions)`` returns the file's text; formats with ``one_mission`` hold exactly one
    mission per file. ``loads(text, source)`` returns the missions, raising
    :class:`~dronepatrol.errors.MissionFileError` with ``source`` and the line or item.
    """

    name: str
    suffix: str
    description: str
    dumps: Callable[[Sequence[Mission]], str]
    loads: Callable[[str, str], list[Mission]]
    one_mission: bool
    other_suffixes: tuple[str, ...] = ()


FORMATS: dict[str, MissionFormat] = {
    "plan": MissionFormat(
        name="plan",
        suffix=plan.SUFFIX,
        description="QGroundControl plan (mission, geofence, rally points)",
        dumps=plan.dumps,
        loads=plan.loads,
        one_mission=True,
    ),
    "waypoints": MissionFormat(
        name="waypoints",
        suffix=wpl.SUFFIX,
        description="QGC WPL 110 (Mission Planner, MAVProxy wp load)",
        dumps=wpl.dumps,
        loads=wpl.loads,
        one_mission=True,
        other_suffixes=(".txt", ".mission"),
    ),
    "geojson": MissionFormat(
        name="geojson",
        suffix=routes_geojson.SUFFIX,
        description="GeoJSON routes and items, all drones in one file",
        dumps=routes_geojson.dumps,
        loads=routes_geojson.loads,
        one_mission=False,
        other_suffixes=(".json",),
    ),
    "kml": MissionFormat(
        name="kml",
        suffix=kml.SUFFIX,
        description="KML for Google Earth, all drones in one file",
        dumps=kml.dumps,
        loads=kml.loads,
        one_mission=False,
    ),
}


def format_for(path: str | Path, text: str | None = None) -> MissionFormat | None:
    """The format of a file from its suffix, else from its first characters (``None``: unknown)."""
    suffix = Path(path).suffix.lower()
    for fmt in FORMATS.values():
        if suffix == fmt.suffix:
            return fmt
    if text is not None:
        head = text.lstrip("\ufeff \t\r\n")[:200]
        if head.startswith("QGC WPL"):
            return FORMATS["waypoints"]
        if head.startswith("<?xml") or head.startswith("<kml"):
            return FORMATS["kml"]
        if head.startswith("{"):
            return FORMATS["plan"] if '"fileType"' in text[:5000] else FORMATS["geojson"]
    for fmt in FORMATS.values():
        if suffix in fmt.other_suffixes:
            return fmt
    return None


__all__ = ["FORMATS", "MissionFormat", "format_for"]
