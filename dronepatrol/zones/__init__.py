"""Safety zones: the planners' GeoJSON, validated and turned into a metric model.

>>> zone = load_zone("geofences/roiet.geojson")
>>> len(zone.launches), zone.frame.epsg
(3, 32648)
"""

from __future__ import annotations

from pathlib import Path

from dronepatrol.errors import ZoneError
from dronepatrol.fsutil import read_input_text
from dronepatrol.rules import DEFAULT_RULES, Rules
from dronepatrol.zones.build import ZoneReport, check_zone_text
from dronepatrol.zones.findings import Finding
from dronepatrol.zones.model import (
    Cctv,
    Community,
    Hotspot,
    LaunchSite,
    NoFly,
    SafetyZone,
    Site,
)

__all__ = [
    "Cctv",
    "Community",
    "Finding",
    "Hotspot",
    "LaunchSite",
    "NoFly",
    "SafetyZone",
    "Site",
    "ZoneReport",
    "check_zone_file",
    "check_zone_text",
    "load_zone",
    "read_text",
]


def read_text(path: str | Path) -> str:
    """The text of a zone file; raises :class:`ZoneError` (exit 3) if it cannot be read."""
    return read_input_text(path, what="a zone GeoJSON file", error=ZoneError)


def check_zone_file(path: str | Path, rules: Rules = DEFAULT_RULES) -> ZoneReport:
    """Validate a zone file; the report holds every finding and, if valid, the zone."""
    return check_zone_text(read_text(path), str(path), rules)


def load_zone(path: str | Path, rules: Rules = DEFAULT_RULES) -> SafetyZone:
    """Load a valid zone (warnings allowed); raise :class:`ZoneError` listing every error."""
    report = check_zone_file(path, rules)
    if not report.ok or report.zone is None:
        errors = report.errors
        lines = [f.format(report.source) for f in errors]
        more = f" (and {len(errors) - 1} more: run 'dronepatrol zone check {path}')" if len(errors) > 1 else ""
        raise ZoneError(lines[0] + more, findings=errors)
    return report.zone
