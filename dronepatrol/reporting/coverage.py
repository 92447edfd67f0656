"""Photo coverage: which part of the zone the photos show, overall and per community.

The area to cover is the zone minus the no-fly areas drones may never enter (hospitals,
crowds...). Airport rings stay in it: flying there needs a recorded authorisation, which the
summary lists. A photo covers its ground footprint: the ring geotagging wrote, else the
nadir footprint of the drone's camera at the photo's height and heading
(:func:`~dronepatrol.planning.camera.footprint_corners_m`). Metres in the zone's frame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from dronepatrol.planning.camera import Camera, footprint_corners_m
from dronepatrol.reporting.flights import project_m
from dronepatrol.reporting.model import Photo
from dronepatrol.zones.model import SafetyZone

#: Uncovered pieces smaller than this (m²) are not drawn (slivers between neighbouring photos).
MIN_UNCOVERED_M2 = 4.0


@dataclass(frozen=True, kw_only=True)
class CommunityCoverage:
    """One community: its area to cover (ha), the share photographed (%), last photo time (UTC s)."""

    name: str
    area_ha: float
    covered_pct: float
    photos: int
    last_photo_s: float | None


@dataclass(frozen=True, kw_only=True)
class Coverage:
    """Coverage of the zone: ``target_m`` to cover, ``covered_m`` of it photographed, the rest."""

    target_m: BaseGeometry
    covered_m: BaseGeometry
    uncovered_m: BaseGeometry
    covered_pct: float
    communities: tuple[CommunityCoverage, ...]
    footprints_m: tuple[Polygon | None, ...]  # per photo, in input order (None: no position)


def target_area(zone: SafetyZone) -> BaseGeometry:
    """The part of the zone photos should cover (metres): zone minus permanent no-fly areas."""
    return zone.area_m.difference(zone.nofly_union(authorized=True))


def photo_footprint_m(photo: Photo, zone: SafetyZone, camera: Camera | None) -> Polygon | None:
    """The photo's ground footprint in metres, or ``None`` without a position or a way to know it."""
    return footprints_m([photo], zone, {}, camera)[0]


def footprints_m(
    photos: Sequence[Photo], zone: SafetyZone, cameras: Mapping[str, Camera], default_camera: Camera | None
) -> list[Polygon | None]:
    """Each photo's ground footprint in metres (``None``: no position, or no ring and no camera
    or height to compute one). Positions are projected in one call (fast for 20,000 photos)."""
    out: list[Polygon | None] = [None] * len(photos)
    computed = [
        i
        for i, p in enumerate(photos)
        if p.positioned
        and not (p.footprint and len(p.footprint) >= 3)
        and cameras.get(p.drone, default_camera) is not None
        and (p.alt_rel_m or 0.0) > 0
    ]
    if computed:
        lonlat = np.array([(photos[i].lon, photos[i].lat) for i in computed], dtype=float)
        xy = project_m(lonlat, zone.frame)
        # headings are from true north, the frame's y axis is grid north (UTM meridian convergence)
        north = project_m(np.add(lonlat, (0.0, 1e-4)), zone.frame) - xy
        grid_north_deg = np.degrees(np.arctan2(north[:, 0], north[:, 1]))
        rings = [
            footprint_corners_m(
                cameras.get(photos[i].drone, default_camera),  # type: ignore[arg-type]
                x,
                y,
                photos[i].alt_rel_m,  # type: ignore[arg-type]
                (photos[i].heading_deg or 0.0) + g,
            )
            for i, (x, y), g in zip(computed, xy, grid_north_deg, strict=True)
        ]
        for i, poly in zip(computed, shapely.polygons(np.asarray(rings)), strict=True):
            out[i] = poly
    for i, p in enumerate(photos):
        if p.positioned and p.footprint and len(p.footprint) >= 3:
            poly = zone.frame.to_m(Polygon(p.footprint))
            out[i] = poly if poly.is_valid and poly.area > 0 else poly.buffer(0)
    return out


def coverage(
    zone: SafetyZone,
    photos: Sequence[Photo],
    cameras: Mapping[str, Camera],
    default_camera: Camera | None,
) -> Coverage:
    """Coverage of ``zone`` by ``photos``; ``cameras`` by drone name, else ``default_camera``."""
    target = target_area(zone)
    footprints = tuple(footprints_m(photos, zone, cameras, default_camera))
    shapes = [f for f in footprints if f is not None]
    covered = shapely.intersection(shapely.union_all(shapes), target) if shapes else Polygon()
    uncovered = shapely.difference(target, covered) if shapes else target
    uncovered = _drop_slivers(uncovered)
    pct = 100.0 * covered.area / target.area if target.area > 0 else 0.0

    tree = shapely.STRtree(shapes) if shapes else None
    index = [i for i, f in enumerate(footprints) if f is not None]
    rows = []
    for community in zone.communities:
        area = shapely.intersection(community.area_m, target)
        hits = [] if tree is None else tree.query(area, predicate="intersects")
        times = [photos[index[h]].t_s for h in hits if photos[index[h]].t_s is not None]
        share = 100.0 * shapely.intersection(covered, area).area / area.area if area.area > 0 else 0.0
        rows.append(
            CommunityCoverage(
                name=community.name,
                area_ha=area.area / 10_000.0,
                covered_pct=share,
                photos=len(hits),
                last_photo_s=max(times) if times else None,  # type: ignore[type-var]
            )
        )
    return Coverage(
        target_m=target,
        covered_m=covered,
        uncovered_m=uncovered,
        covered_pct=pct,
        communities=tuple(rows),
        footprints_m=footprints,
    )


def _drop_slivers(geom: BaseGeometry) -> BaseGeometry:
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and g.area >= MIN_UNCOVERED_M2]
    return shapely.multipolygons(parts) if parts else Polygon()  # parts of one geometry: disjoint
