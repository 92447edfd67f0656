"""Survey camera maths, as QGroundControl's ``CameraCalc`` computes it, and built-in presets.

Everything is a plain function of the camera's sensor size (mm), focal length (mm) and image
size (px), in landscape orientation (the image's long side across the lanes):

- ground sample distance ``GSD (cm/px) = alt_m x sensor_width_mm x 100 / (image_width_px x focal_mm)``
- footprint across the lanes ``image_width_px x GSD / 100`` metres, along the lanes
  ``image_height_px x GSD / 100`` metres
- lane spacing ``footprint_side x (100 - side_overlap_pct) / 100`` metres
- trigger distance ``footprint_front x (100 - front_overlap_pct) / 100`` metres

>>> cam = CAMERAS["dji-mavic3e"]
>>> round(gsd_cm_px(cam, 60.0), 3)
1.6
>>> s = survey_spacing(cam, alt_m=60.0, front_pct=75.0, side_pct=65.0)
>>> round(s.lane_spacing_m, 1), round(s.trigger_distance_m, 1)
(29.6, 15.8)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dronepatrol.errors import UsageError

#: Survey altitude above home when none is given, metres.
DEFAULT_ALT_M = 60.0


@dataclass(frozen=True, kw_only=True)
class Camera:
    """A survey camera. Sizes in millimetres and pixels; ``min_interval_s`` between shots."""

    name: str
    label: str
    sensor_width_mm: float
    sensor_height_mm: float
    focal_length_mm: float
    image_width_px: int
    image_height_px: int
    min_interval_s: float = 0.0
    source: str = ""


#: Built-in presets (manufacturers' published specifications; the Sony payloads as in
#: QGroundControl's ``CameraMetaData.json``).
CAMERAS: dict[str, Camera] = {
    c.name: c
    for c in (
        Camera(
            name="dji-mavic3e",
            label="DJI Mavic 3 Enterprise (M3E) wide, 4/3 CMOS 20 MP, 24 mm equiv.",
            sensor_width_mm=17.3,
            sensor_height_mm=13.0,
            focal_length_mm=12.29,
            image_width_px=5280,
            image_height_px=3956,
            min_interval_s=0.7,
            source="DJI Mavic 3 Enterprise specifications",
        ),
        Camera(
            name="dji-mavic3",
            label="DJI Mavic 3 Classic Hasselblad L2D-20c, 4/3 CMOS 20 MP, 24 mm equiv.",
            sensor_width_mm=17.3,
            sensor_height_mm=13.0,
            focal_length_mm=12.29,
            image_width_px=5280,
            image_height_px=3956,
            min_interval_s=2.0,
            source="DJI Mavic 3 Classic specifications",
        ),
        Camera(
            name="dji-phantom4pro",
            label="DJI Phantom 4 Pro, 1-inch CMOS 20 MP, 8.8 mm (24 mm equiv.)",
            sensor_width_mm=13.2,
            sensor_height_mm=8.8,
            focal_length_mm=8.8,
            image_width_px=5472,
            image_height_px=3648,
            min_interval_s=2.0,
            source="DJI Phantom 4 Pro specifications",
        ),
        Camera(
            name="dji-phantom4rtk",
            label="DJI Phantom 4 RTK, 1-inch CMOS 20 MP, 8.8 mm (24 mm equiv.)",
            sensor_width_mm=13.2,
            sensor_height_mm=8.8,
            focal_length_mm=8.8,
            image_width_px=5472,
            image_height_px=3648,
            min_interval_s=2.0,
            source="DJI Phantom 4 RTK specifications",
        ),
        Camera(
            name="dji-m30-wide",
            label="DJI Matrice 30 wide camera, 1/2-inch CMOS 12 MP, 4.5 mm (24 mm equiv.)",
            sensor_width_mm=6.4,
            sensor_height_mm=4.8,
            focal_length_mm=4.5,
            image_width_px=4000,
            image_height_px=3000,
            min_interval_s=2.0,
            source="DJI Matrice 30 series specifications",
        ),
        Camera(
            name="autel-evo2pro",
            label="Autel EVO II Pro 6K, 1-inch CMOS 20 MP, 10.57 mm (29 mm equiv.)",
            sensor_width_mm=13.2,
            sensor_height_mm=8.8,
            focal_length_mm=10.57,
            image_width_px=5472,
            image_height_px=3648,
            min_interval_s=2.0,
            source="Autel EVO II Pro specifications",
        ),
        Camera(
            name="sony-rx100-2",
            label="Sony RX100 II, 1-inch CMOS 20 MP, 10.4 mm (28 mm equiv.)",
            sensor_width_mm=13.2,
            sensor_height_mm=8.8,
            focal_length_mm=10.4,
            image_width_px=5472,
            image_height_px=3648,
            min_interval_s=0.0,
            source="QGroundControl CameraMetaData.json, Sony RX100 II 28mm",
        ),
        Camera(
            name="sony-a6000-16mm",
            label="Sony a6000 with 16 mm lens, APS-C 24 MP",
            sensor_width_mm=23.5,
            sensor_height_mm=15.6,
            focal_length_mm=16.0,
            image_width_px=6000,
            image_height_px=4000,
            min_interval_s=1.0,
            source="QGroundControl CameraMetaData.json, Sony a6000 16mm",
        ),
    )
}


def get_camera(name: str) -> Camera:
    """The preset called ``name``; raises :class:`UsageError` (exit 2) listing the presets."""
    try:
        return CAMERAS[name]
    except KeyError:
        raise UsageError(
            f"unknown camera {name!r}; built-in presets: {', '.join(CAMERAS)} (see --camera list)"
        ) from None


def gsd_cm_px(camera: Camera, alt_m: float) -> float:
    """Ground sample distance in cm per pixel at ``alt_m`` metres above ground (QGC's formula)."""
    return alt_m * camera.sensor_width_mm * 100.0 / (camera.image_width_px * camera.focal_length_mm)


def alt_for_gsd_m(camera: Camera, gsd_cm: float) -> float:
    """Altitude in metres giving a ground sample distance of ``gsd_cm`` cm per pixel."""
    return camera.image_width_px * gsd_cm * camera.focal_length_mm / (camera.sensor_width_mm * 100.0)


def footprint_m(camera: Camera, alt_m: float) -> tuple[float, float]:
    """Ground footprint of one photo at ``alt_m``: (across the lanes, along the lanes) metres."""
    gsd = gsd_cm_px(camera, alt_m)
    return camera.image_width_px * gsd / 100.0, camera.image_height_px * gsd / 100.0


def footprint_corners_m(
    camera: Camera, x_m: float, y_m: float, alt_m: float, heading_deg: float
) -> list[tuple[float, float]]:
    """Corners of one nadir photo's ground footprint in a metric frame (counter-clockwise).

    The photo is taken at ``(x_m, y_m)`` (metres, east and north), ``alt_m`` metres above the
    ground, the drone heading ``heading_deg`` (degrees clockwise from north). The image's long
    side lies across the flight direction (landscape, as the survey planner assumes).

    >>> c = footprint_corners_m(CAMERAS["dji-mavic3e"], 0.0, 0.0, 60.0, 0.0)
    >>> [tuple(round(v, 1) for v in p) for p in c]
    [(-42.2, -31.6), (42.2, -31.6), (42.2, 31.6), (-42.2, 31.6)]
    >>> c90 = footprint_corners_m(CAMERAS["dji-mavic3e"], 0.0, 0.0, 60.0, 90.0)
    >>> [tuple(round(v, 1) + 0.0 for v in p) for p in c90][0]
    (-31.6, 42.2)
    """
    across, along = footprint_m(camera, alt_m)
    h = math.radians(heading_deg)
    # unit vectors: forward (along the heading) and right (across it), in east/north metres
    fx, fy = math.sin(h), math.cos(h)
    rx, ry = math.cos(h), -math.sin(h)
    a, b = across / 2.0, along / 2.0
    return [
        (x_m + sr * a * rx + sf * b * fx, y_m + sr * a * ry + sf * b * fy)
        for sr, sf in ((-1, -1), (1, -1), (1, 1), (-1, 1))
    ]


@dataclass(frozen=True, kw_only=True)
class SurveySpacing:
    """Camera geometry of a survey: metres, cm/px, percent."""

    alt_m: float
    gsd_cm_px: float
    footprint_side_m: float
    footprint_front_m: float
    lane_spacing_m: float
    trigger_distance_m: float
    front_pct: float
    side_pct: float


def survey_spacing(
    camera: Camera,
    *,
    alt_m: float,
    front_pct: float = 75.0,
    side_pct: float = 65.0,
    lane_spacing_m: float | None = None,
    trigger_distance_m: float | None = None,
) -> SurveySpacing:
    """Lane spacing and trigger distance (metres) from the overlaps, unless overridden.

    Raises :class:`UsageError` for overlaps outside 0-99 % or non-positive values.
    """
    for label, pct in (("--front", front_pct), ("--side", side_pct)):
        if not 0.0 <= pct < 100.0:
            raise UsageError(f"{label} {pct:g}: an overlap is a percentage from 0 to 99")
    if alt_m <= 0:
        raise UsageError(f"altitude {alt_m:g} m: must be above the ground")
    side, front = footprint_m(camera, alt_m)
    spacing = side * (100.0 - side_pct) / 100.0 if lane_spacing_m is None else lane_spacing_m
    trigger = front * (100.0 - front_pct) / 100.0 if trigger_distance_m is None else trigger_distance_m
    if spacing <= 0 or trigger <= 0:
        raise UsageError("--lane-spacing and --trigger-distance must be positive metres")
    return SurveySpacing(
        alt_m=alt_m,
        gsd_cm_px=gsd_cm_px(camera, alt_m),
        footprint_side_m=side,
        footprint_front_m=front,
        lane_spacing_m=spacing,
        trigger_distance_m=trigger,
        front_pct=front_pct,
        side_pct=side_pct,
    )


__all__ = [
    "CAMERAS",
    "DEFAULT_ALT_M",
    "Camera",
    "SurveySpacing",
    "alt_for_gsd_m",
    "footprint_corners_m",
    "footprint_m",
    "get_camera",
    "gsd_cm_px",
    "survey_spacing",
]
