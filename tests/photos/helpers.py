"""Test helpers: a simulated survey track (fixes and camera triggers) and small camera JPEGs."""

from __future__ import annotations

import datetime as dt
import io
import math
from pathlib import Path

import piexif
from PIL import Image

from dronepatrol.geo import LocalFrame
from dronepatrol.telemetry.model import Fix, Track, Trigger

HOME = (103.64880, 16.05630)  # lon, lat (Roi Et)
FRAME = LocalFrame.around(*HOME)
X0, Y0 = FRAME.xy(*HOME)
THAI = dt.timezone(dt.timedelta(hours=7))
START = 1_764_630_000.0  # 2025-12-01T23:00:00Z


def survey_xy(s_m: float, *, lane_m: float = 200.0, spacing_m: float = 40.0) -> tuple[float, float, float]:
    """Position (east, north metres from home) and heading after ``s_m`` metres of a lawnmower."""
    per = lane_m + spacing_m
    k, r = divmod(s_m, per)
    k = int(k)
    if r < lane_m:  # along a lane
        east = r if k % 2 == 0 else lane_m - r
        return east, k * spacing_m, 90.0 if k % 2 == 0 else 270.0
    east = lane_m if k % 2 == 0 else 0.0
    return east, k * spacing_m + (r - lane_m), 0.0


def make_track(
    drone: str = "drone1",
    *,
    start_s: float = START,
    north0_m: float = 0.0,
    lanes: int = 4,
    speed_m_s: float = 10.0,
    trigger_m: float = 20.0,
    rate_hz: float = 5.0,
    alt_rel_m: float = 60.0,
    ground_amsl_m: float = 150.0,
    system_id: int = 1,
) -> Track:
    """A survey flight: fixes at ``rate_hz``, a trigger every ``trigger_m`` metres along lanes."""
    length = lanes * 200.0 + (lanes - 1) * 40.0
    duration = length / speed_m_s
    fixes, triggers = [], []
    n = int(duration * rate_hz) + 1
    for i in range(n):
        t = i / rate_hz
        e, nn, h = survey_xy(t * speed_m_s)
        lon, lat = FRAME.lonlat(X0 + e, Y0 + nn + north0_m)
        fixes.append(Fix(t_s=start_s + t, lat=lat, lon=lon, alt_amsl_m=ground_amsl_m + alt_rel_m,
                         alt_rel_m=alt_rel_m, heading_deg=h, ground_speed_m_s=speed_m_s))
    s, idx = 0.0, 0
    while s <= length:
        e, nn, h = survey_xy(s)
        if h in (90.0, 270.0):
            idx += 1
            lon, lat = FRAME.lonlat(X0 + e, Y0 + nn + north0_m)
            t = start_s + s / speed_m_s
            triggers.append(Trigger(t_s=t, index=idx, lat=lat, lon=lon, alt_amsl_m=ground_amsl_m + alt_rel_m,
                                    alt_rel_m=alt_rel_m, yaw_deg=h))
        s += trigger_m
    return Track(drone=drone, system_id=system_id, fixes=tuple(fixes), triggers=tuple(triggers),
                 time_source="vehicle", source=f"{drone}.tlog")


def camera_local(t_utc_s: float, clock_offset_s: float) -> dt.datetime:
    """The camera's Thai-time clock reading for true UTC ``t_utc_s`` (naive datetime)."""
    return dt.datetime.fromtimestamp(t_utc_s + clock_offset_s, THAI).replace(tzinfo=None)


def jpeg_bytes(local: dt.datetime | None, *, make: str = "DronePatrol", model: str = "SimCam 1600",
               size: tuple[int, int] = (64, 48), subsec: bool = True, seed: int = 0) -> bytes:
    """A small JPEG (Pillow) with camera EXIF (no GPS); ``local`` None writes no times."""
    img = Image.new("RGB", size, (40 + seed % 200, 120, 60))
    exif: dict = {"0th": {piexif.ImageIFD.Make: make.encode(), piexif.ImageIFD.Model: model.encode()}, "Exif": {}}
    if local is not None:
        stamp = local.strftime("%Y:%m:%d %H:%M:%S").encode()
        exif["Exif"][piexif.ExifIFD.DateTimeOriginal] = stamp
        if subsec:
            exif["Exif"][piexif.ExifIFD.SubSecTimeOriginal] = f"{local.microsecond // 1000:03d}".encode()
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80, exif=piexif.dump(exif))
    return buf.getvalue()


def write_photos(folder: Path, track: Track, *, clock_offset_s: float, skip: set[int] = frozenset(),
                 extras: tuple[float, ...] = (), start_number: int = 1) -> list[Path]:
    """One JPEG per trigger (except ``skip`` img_idx), plus hand photos at UTC ``extras``."""
    folder.mkdir(parents=True, exist_ok=True)
    times = sorted([g.t_s for g in track.triggers if g.index not in skip] + list(extras))
    paths = []
    for k, t in enumerate(times, start_number):
        p = folder / f"IMG_{k:04d}.JPG"
        p.write_bytes(jpeg_bytes(camera_local(t, clock_offset_s), seed=k))
        paths.append(p)
    return paths


def dist_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    x1, y1 = FRAME.xy(lon1, lat1)
    x2, y2 = FRAME.xy(lon2, lat2)
    return math.hypot(x2 - x1, y2 - y1)
