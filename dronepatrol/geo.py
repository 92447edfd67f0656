"""Metric geometry: a local UTM frame picked from the data, and conversions to and from lon/lat.

All planning happens in metres in this frame, never in degrees. Axis order is (lon, lat) for
geographic coordinates and (x_m east, y_m north) for metric ones.

>>> frame = LocalFrame.around(103.6511, 16.0531)
>>> frame.epsg
32648
>>> x, y = frame.xy(103.6511, 16.0531)
>>> lon, lat = frame.lonlat(x, y)
>>> round(lon, 7), round(lat, 7)
(103.6511, 16.0531)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), metres


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS 84 UTM zone containing (lon, lat) degrees (north 326xx, south 327xx)."""
    zone = math.floor((lon + 180.0) / 6.0) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


@dataclass(frozen=True)
class LocalFrame:
    """A projected metric frame (WGS 84 / UTM) with vectorised converters.

    Build it with :meth:`around` from a representative lon/lat (e.g. the zone's centroid).
    """

    epsg: int
    _fwd: Transformer = field(repr=False, compare=False)
    _inv: Transformer = field(repr=False, compare=False)

    @classmethod
    def around(cls, lon: float, lat: float) -> LocalFrame:
        """The UTM frame of the zone containing (lon, lat) degrees."""
        return cls.from_epsg(utm_epsg(lon, lat))

    @classmethod
    def from_epsg(cls, epsg: int) -> LocalFrame:
        crs = CRS.from_epsg(epsg)
        return cls(
            epsg,
            Transformer.from_crs(4326, crs, always_xy=True),
            Transformer.from_crs(crs, 4326, always_xy=True),
        )

    @property
    def name(self) -> str:
        """Human name, e.g. ``UTM 48N (EPSG:32648)``."""
        hemi = "N" if self.epsg < 32700 else "S"
        return f"UTM {self.epsg % 100}{hemi} (EPSG:{self.epsg})"

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        """Metres (x east, y north) of a lon/lat position in degrees."""
        x, y = self._fwd.transform(lon, lat)
        return float(x), float(y)

    def lonlat(self, x: float, y: float) -> tuple[float, float]:
        """Degrees (lon, lat) of a metric position."""
        lon, lat = self._inv.transform(x, y)
        return float(lon), float(lat)

    def to_m(self, geom: BaseGeometry) -> BaseGeometry:
        """A lon/lat geometry projected to metres."""
        return shapely.transform(geom, self._fwd_array)

    def to_lonlat(self, geom: BaseGeometry) -> BaseGeometry:
        """A metric geometry back to lon/lat degrees."""
        return shapely.transform(geom, self._inv_array)

    def _fwd_array(self, coords: np.ndarray) -> np.ndarray:
        x, y = self._fwd.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    def _inv_array(self, coords: np.ndarray) -> np.ndarray:
        lon, lat = self._inv.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two lon/lat positions in degrees.

    >>> round(haversine_m(100.0, 16.0, 100.0, 16.001), 1)
    111.2
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
