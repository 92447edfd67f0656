"""Flown-track export formats: the one registry the CLI's ``telemetry export --format`` reads.

>>> sorted(TRACK_FORMATS)
['csv', 'geojson', 'gpx', 'kml']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dronepatrol.formats import gpx, track_csv, track_geojson, track_kml
from dronepatrol.telemetry.model import Track


@dataclass(frozen=True, kw_only=True)
class TrackFormat:
    """A track format: ``dumps(tracks)`` returns the file's text."""

    name: str
    suffix: str
    description: str
    dumps: Callable[[Sequence[Track]], str]


TRACK_FORMATS: dict[str, TrackFormat] = {
    "gpx": TrackFormat(name="gpx", suffix=gpx.SUFFIX, description="GPX 1.1 tracks and photo waypoints",
                       dumps=gpx.dumps),
    "geojson": TrackFormat(name="geojson", suffix=track_geojson.SUFFIX,
                           description="GeoJSON LineStrings with times, photo points", dumps=track_geojson.dumps),
    "csv": TrackFormat(name="csv", suffix=track_csv.SUFFIX, description="CSV of position samples and photos",
                       dumps=track_csv.dumps),
    "kml": TrackFormat(name="kml", suffix=track_kml.SUFFIX, description="KML gx:Track for Google Earth",
                       dumps=track_kml.dumps),
}
