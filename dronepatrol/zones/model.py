"""Safety-zone model in metres: zone, no-fly areas, hotspots, CCTV, launch sites, communities.

Built by :func:`dronepatrol.zones.load_zone` from the planners' GeoJSON. Every geometry is in the
zone's :class:`~dronepatrol.geo.LocalFrame` (UTM metres); points keep their lon/lat too.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely.geometry import MultiPolygon, Polygon

from dronepatrol.geo import LocalFrame

HOTSPOT_KINDS = (
    "bank",
    "gold_shop",
    "convenience_store",
    "park",
    "landmark",
    "market",
    "school",
    "incident",
    "other",
)
CCTV_STATUSES = ("working", "broken")
ROLES = ("zone", "nofly", "hotspot", "cctv", "launch", "community")
DEFAULT_MAX_ALT_M = 90.0
DEFAULT_PRIORITY = 3
DEFAULT_CCTV_RANGE_M = 50.0


@dataclass(frozen=True, kw_only=True)
class Site:
    """A named point: degrees and metres. ``feature`` is its index in the source file (or None)."""

    name: str
    lon: float
    lat: float
    x_m: float
    y_m: float
    feature: int | None = None

    @property
    def xy(self) -> tuple[float, float]:
        return (self.x_m, self.y_m)


@dataclass(frozen=True, kw_only=True)
class Hotspot(Site):
    """A place to patrol. ``priority`` 1 (low) .. 5 (high); ``dwell_s`` seconds or None (default)."""

    kind: str = "other"
    priority: int = DEFAULT_PRIORITY
    dwell_s: float | None = None


@dataclass(frozen=True, kw_only=True)
class Cctv(Site):
    """A CCTV camera: ``status`` working or broken, ``range_m`` metres it covers."""

    status: str = "working"
    range_m: float = DEFAULT_CCTV_RANGE_M


@dataclass(frozen=True, kw_only=True)
class LaunchSite(Site):
    """A take-off and landing site; drones are assigned to launch sites in order."""


@dataclass(frozen=True, kw_only=True)
class NoFly:
    """A no-fly area in metres.

    ``circle`` is (lon, lat, radius_m) when the area was given as a circle (a fence circle then
    describes it exactly); ``airport`` is the ICAO code for a built-in airport ring.
    """

    name: str
    area_m: Polygon
    reason: str = ""
    feature: int | None = None
    circle: tuple[float, float, float] | None = None
    airport: str | None = None


@dataclass(frozen=True, kw_only=True)
class Community:
    """A named neighbourhood polygon (metres), used for reporting."""

    name: str
    area_m: Polygon | MultiPolygon
    feature: int | None = None


@dataclass(frozen=True, kw_only=True)
class SafetyZone:
    """A validated safety zone. ``area_m`` is the zone (all ``zone`` features merged), metres."""

    name: str
    source: str
    frame: LocalFrame
    area_m: Polygon | MultiPolygon
    max_alt_m: float = DEFAULT_MAX_ALT_M
    nofly: tuple[NoFly, ...] = ()
    hotspots: tuple[Hotspot, ...] = ()
    cctv: tuple[Cctv, ...] = ()
    launches: tuple[LaunchSite, ...] = ()
    communities: tuple[Community, ...] = ()

    @property
    def parts(self) -> list[Polygon]:
        """The zone's separate polygons (one for a Polygon zone)."""
        if isinstance(self.area_m, MultiPolygon):
            return list(self.area_m.geoms)
        return [self.area_m]

    @property
    def area_ha(self) -> float:
        return self.area_m.area / 10_000.0

    def obstacles(self, *, authorized: bool = False) -> list[NoFly]:
        """No-fly areas to avoid; with ``authorized`` the airport rings are lifted."""
        return [n for n in self.nofly if not (authorized and n.airport)]

    def nofly_union(self, *, authorized: bool = False) -> Polygon | MultiPolygon:
        """All no-fly areas to avoid merged, metres."""
        return shapely.union_all([n.area_m for n in self.obstacles(authorized=authorized)])

    def to_lonlat(self, geom):
        """A metric geometry of this zone back in lon/lat degrees."""
        return self.frame.to_lonlat(geom)
