"""Default launch sites of the simulated fleet (the Roi Et example zone).

The lead's ``geofences/roiet.geojson`` carries the same three ``launch`` points; keep them equal.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class LaunchSite:
    """A take-off site: ``lat_deg``/``lon_deg`` WGS84, ``ground_alt_m`` above mean sea level."""

    name: str
    lat_deg: float
    lon_deg: float
    ground_alt_m: float


#: Ground altitude of the Roi Et launch sites, metres AMSL.
ROIET_GROUND_ALT_M = 140.0

#: The three launch sites of the Roi Et example zone, in drone order (drone1..drone3).
ROIET_LAUNCH_SITES: tuple[LaunchSite, ...] = (
    LaunchSite(name="drone1", lat_deg=16.05630, lon_deg=103.64880, ground_alt_m=ROIET_GROUND_ALT_M),
    LaunchSite(name="drone2", lat_deg=16.05180, lon_deg=103.65300, ground_alt_m=ROIET_GROUND_ALT_M),
    LaunchSite(name="drone3", lat_deg=16.05100, lon_deg=103.65550, ground_alt_m=ROIET_GROUND_ALT_M),
)

#: Spacing between drones placed at one ``--home``, metres (towards the east).
HOME_SPACING_M = 15.0
