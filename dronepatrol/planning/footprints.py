"""Photo coverage of a survey: where the photos are taken and what they show. Pure functions.

ArduCopter's distance trigger (DO_SET_CAM_TRIGG_DIST with "trigger now") takes a photo at the
start of each lane and then every ``trigger_m`` metres flown along it, until triggering stops at
the lane's end. :func:`trigger_points` gives those positions and the heading there;
:func:`photo_coverage` the share of a target area (the zone minus its no-fly areas: the margin
keeps the drone inside, not the photos) inside at least one photo footprint
(:func:`~dronepatrol.planning.camera.footprint_corners_m`). Metres, degrees clockwise from north.

>>> from shapely.geometry import box
>>> from dronepatrol.planning.camera import CAMERAS
>>> lanes = [((0.0, 0.0), (100.0, 0.0))]
>>> [(round(x), round(h)) for x, _, h in trigger_points(lanes, 40.0)]
[(0, 90), (40, 90), (80, 90)]
>>> round(photo_coverage(lanes, box(0, -20, 100, 20), CAMERAS["dji-mavic3e"], 60.0, 40.0), 3)
1.0
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from dronepatrol.planning.camera import Camera, footprint_corners_m

XY = tuple[float, float]


def trigger_points(lanes: Sequence[Sequence[XY]], trigger_m: float) -> list[tuple[float, float, float]]:
    """(x, y, heading_deg) of every photo: each lane's start, then every ``trigger_m`` metres along it."""
    if trigger_m <= 0:
        raise ValueError("trigger_m must be positive")
    out: list[tuple[float, float, float]] = []
    for lane in lanes:
        pts = [tuple(map(float, p)) for p in lane]
        if not pts:
            continue
        if len(pts) == 1:
            out.append((pts[0][0], pts[0][1], 0.0))
            continue
        travelled = 0.0
        next_at = 0.0
        first = len(out)
        for a, b in itertools.pairwise(pts):
            seg = math.dist(a, b)
            if seg <= 0:
                continue
            heading = math.degrees(math.atan2(b[0] - a[0], b[1] - a[1])) % 360.0
            heading = 0.0 if heading >= 360.0 else heading  # -1e-300 % 360 rounds to 360
            while next_at <= travelled + seg + 1e-9:
                f = (next_at - travelled) / seg
                out.append((a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), heading))
                next_at += trigger_m
            travelled += seg
        if len(out) == first:  # a lane of no length: the photo taken as triggering starts
            out.append((pts[0][0], pts[0][1], 0.0))
    return out


def footprints(points: Sequence[tuple[float, float, float]], camera: Camera, alt_m: float) -> np.ndarray:
    """Footprint polygons (shapely array) of photos taken at ``points`` (x, y, heading_deg)."""
    rings = [footprint_corners_m(camera, x, y, alt_m, h) for x, y, h in points]
    return shapely.polygons(np.asarray(rings, dtype=float)) if rings else np.array([], dtype=object)


def photo_coverage(lanes: Sequence[Sequence[XY]], target: BaseGeometry, camera: Camera, alt_m: float,
                   trigger_m: float) -> float:
    """Share (0..1) of ``target`` (metres) inside at least one photo footprint of the lanes."""
    if target.is_empty or target.area <= 0:
        return 1.0
    shots = footprints(trigger_points(lanes, trigger_m), camera, alt_m)
    if not len(shots):
        return 0.0
    seen = shapely.union_all(shots)
    return float(target.intersection(seen).area / target.area)


def uncovered(lanes: Sequence[Sequence[XY]], target: BaseGeometry, camera: Camera, alt_m: float,
              trigger_m: float) -> BaseGeometry:
    """The part of ``target`` no photo shows (metres)."""
    shots = footprints(trigger_points(lanes, trigger_m), camera, alt_m)
    return target if not len(shots) else target.difference(shapely.union_all(shots))


__all__ = ["footprints", "photo_coverage", "trigger_points", "uncovered"]
