"""Report records: photos, alerts and flights as the report core sees them.

Times are UTC POSIX seconds (``t_s``); positions degrees; altitudes metres above home
(``alt_rel_m``); headings degrees clockwise from north. Photo footprints, when geotagging
computed them, are lon/lat rings (GeoJSON order).

>>> p = Photo(file="DJI_0001.JPG", drone="drone1", t_s=0.0, lon=103.65, lat=16.05, alt_rel_m=60.0)
>>> p.positioned, Photo(file="x.jpg").positioned
(True, False)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dronepatrol.telemetry.model import Fix

#: Alert kinds the summary counts, in display order.
ALERT_KINDS = ("failsafe", "fence", "link_lost", "other")


@dataclass(frozen=True, kw_only=True)
class Photo:
    """One photo: ``file`` as shown to the reader, ``path`` where the full photo is (or ``""``).

    ``lon``/``lat`` are ``None`` for a photo without a position (counted, listed, not drawn).
    ``footprint`` is the ground footprint ring (lon, lat) if known, else it is computed from the
    camera, ``alt_rel_m`` and ``heading_deg``.
    """

    file: str
    path: str = ""
    drone: str = ""
    t_s: float | None = None
    lon: float | None = None
    lat: float | None = None
    alt_rel_m: float | None = None
    heading_deg: float | None = None
    footprint: tuple[tuple[float, float], ...] | None = None
    thumbnail: str = ""  # a URL (data: or relative) of a ~200 px thumbnail, filled by the report

    @property
    def positioned(self) -> bool:
        return self.lon is not None and self.lat is not None


@dataclass(frozen=True, kw_only=True)
class Alert:
    """Something the pilot had to know: ``kind`` is one of :data:`ALERT_KINDS`."""

    t_s: float
    drone: str
    kind: str
    text: str


@dataclass(frozen=True, kw_only=True)
class Flight:
    """One flight of one drone: airborne fixes with no long gap, and its figures.

    ``distance_m`` is the flown ground distance in metres, ``duration_s`` seconds airborne.
    ``source`` names the log it came from; ``positions_m`` are the fixes in the zone's metric
    frame, (n, 2) metres (computed once, used for distances, simplification and visits).
    """

    drone: str
    fixes: tuple[Fix, ...]
    distance_m: float
    source: str = ""
    positions_m: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def start_s(self) -> float:
        return self.fixes[0].t_s

    @property
    def end_s(self) -> float:
        return self.fixes[-1].t_s

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s
