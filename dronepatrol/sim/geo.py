"""Small local-tangent-plane geometry used inside the simulator.

Positions are metres north/east of an origin; conversion uses ArduPilot's own flat-earth
scaling (``LATLON_TO_M``), which is what the autopilot uses for navigation and fences, and is
accurate to centimetres over the few kilometres a patrol covers.

>>> f = LocalFrame(16.0563, 103.6488)
>>> n, e = f.to_ne(16.0563, 103.6488 + 0.001)
>>> round(n, 3), round(e, 1)
(0.0, 107.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: Metres per degree of latitude, as ArduPilot's ``LATLON_TO_M`` (1e-7 degrees -> m) x 1e7.
M_PER_DEG = 0.011131884502145034 * 1e7


class LocalFrame:
    """North/east metres around ``(lat0_deg, lon0_deg)``."""

    def __init__(self, lat0_deg: float, lon0_deg: float) -> None:
        self.lat0_deg = lat0_deg
        self.lon0_deg = lon0_deg
        self._lon_scale = max(math.cos(math.radians(lat0_deg)), 0.01)

    def to_ne(self, lat_deg: float, lon_deg: float) -> tuple[float, float]:
        """Return ``(north_m, east_m)`` of a WGS84 point."""
        dlon = (lon_deg - self.lon0_deg + 180.0) % 360.0 - 180.0
        return ((lat_deg - self.lat0_deg) * M_PER_DEG, dlon * M_PER_DEG * self._lon_scale)

    def to_latlon(self, north_m: float, east_m: float) -> tuple[float, float]:
        """Return ``(lat_deg, lon_deg)`` of a point ``north_m``/``east_m`` from the origin."""
        return (
            self.lat0_deg + north_m / M_PER_DEG,
            self.lon0_deg + east_m / (M_PER_DEG * self._lon_scale),
        )


def point_in_polygon(x: float, y: float, poly: Sequence[tuple[float, float]]) -> bool:
    """Even-odd rule: is ``(x, y)`` inside the closed polygon ``poly`` (vertices, any winding)?"""
    inside = False
    n = len(poly)
    j = n - 1
    for i in range(n):
        xi, yi = poly[i]
        xj, yj = poly[j]
        if (yi > y) != (yj > y):
            x_cross = xi + (y - yi) * (xj - xi) / (yj - yi)
            if x < x_cross:
                inside = not inside
        j = i
    return inside


def bearing_deg(dn: float, de: float) -> float:
    """Bearing of the vector ``(dn, de)`` metres, degrees clockwise from north in [0, 360)."""
    return math.degrees(math.atan2(de, dn)) % 360.0
