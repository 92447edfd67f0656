"""Simulated survey camera: distance/one-shot triggering and JPEG files like a real camera.

Triggering follows ``AP_Camera``: ``DO_SET_CAM_TRIGG_DIST`` arms distance triggering (the first
update only records the position; a shot is taken each time the vehicle is ``distance_m`` from
the last shot), ``DO_DIGICAM_CONTROL`` with shooting command 1 takes one picture. Each trigger
gives one CAMERA_FEEDBACK with consecutive ``img_idx`` and the true trigger position.

The camera body writes ``<photos_dir>/<drone>/IMG_0001.JPG``... with EXIF DateTimeOriginal from
its own clock (Thai local time, UTC+7, plus ``clock_offset_s``), Make/Model, and no GPS tags.
It may miss a shot (``miss_probability``): the trigger is still reported but no file appears.
Files are written by a background thread so the flight loop never waits for JPEG encoding.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import queue
import random
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

#: Thailand has no daylight saving time: local time is always UTC+7.
THAI_UTC_OFFSET_S = 7 * 3600
CAMERA_MAKE = "DronePatrol"
CAMERA_MODEL = "SimCam 1600"
IMAGE_SIZE_PX = (1600, 1200)
#: Horizontal field of view of the simulated lens, degrees (a 24 mm-equivalent lens).
HFOV_DEG = 73.7


@dataclass(frozen=True, kw_only=True)
class Shot:
    """One trigger: true position (``lat_deg``/``lon_deg``, ``alt_msl_m``, ``alt_rel_m``), the
    vehicle clock (``utc_s``, ``boot_s``), ``img_idx`` and the file written (None if missed)."""

    img_idx: int
    utc_s: float
    boot_s: float
    lat_deg: float
    lon_deg: float
    alt_msl_m: float
    alt_rel_m: float
    yaw_deg: float
    path: Path | None


@dataclass(frozen=True, kw_only=True)
class PhotoJob:
    """What the writer thread needs for one JPEG."""

    path: Path
    camera_time: dt.datetime
    east_m: float
    north_m: float
    alt_rel_m: float
    yaw_deg: float
    label: str


class Camera:
    """Trigger logic of one vehicle's camera (no I/O except handing jobs to ``writer``)."""

    def __init__(
        self,
        *,
        name: str,
        configured: bool,
        photos_dir: Path | None,
        clock_offset_s: float = 0.0,
        miss_probability: float = 0.0,
        rng: random.Random | None = None,
        writer: PhotoWriter | None = None,
    ) -> None:
        self.name = name
        self.configured = configured
        self.photos_dir = photos_dir
        self.clock_offset_s = clock_offset_s
        self.miss_probability = miss_probability
        self.rng = rng or random.Random(0)
        self.writer = writer
        self.trigger_distance_m = 0.0
        self._last_ne: tuple[float, float] | None = None
        self.img_idx = 0
        self.file_counter = 0
        self.shots: list[Shot] = []

    def set_trigger_distance(self, distance_m: float) -> None:
        """Start (``distance_m`` > 0) or stop (0) distance triggering."""
        self.trigger_distance_m = max(0.0, distance_m) if math.isfinite(distance_m) else 0.0
        self._last_ne = None

    def due(self, north_m: float, east_m: float) -> bool:
        """Update with the vehicle position; True when a distance trigger is due now."""
        if not self.configured or self.trigger_distance_m <= 0:
            return False
        if self._last_ne is None:
            self._last_ne = (north_m, east_m)
            return False
        if math.hypot(north_m - self._last_ne[0], east_m - self._last_ne[1]) < self.trigger_distance_m:
            return False
        self._last_ne = (north_m, east_m)
        return True

    def take(
        self,
        *,
        utc_s: float,
        boot_s: float,
        lat_deg: float,
        lon_deg: float,
        north_m: float,
        east_m: float,
        alt_msl_m: float,
        alt_rel_m: float,
        yaw_deg: float,
    ) -> Shot | None:
        """Take a picture now; return the Shot (None if no camera is configured)."""
        if not self.configured:
            return None
        self.img_idx += 1
        path: Path | None = None
        missed = self.miss_probability > 0 and self.rng.random() < self.miss_probability
        if self.photos_dir is not None and not missed:
            self.file_counter += 1
            path = Path(self.photos_dir) / self.name / f"IMG_{self.file_counter:04d}.JPG"
            cam_time = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=utc_s + THAI_UTC_OFFSET_S + self.clock_offset_s)
            job = PhotoJob(
                path=path,
                camera_time=cam_time,
                east_m=east_m,
                north_m=north_m,
                alt_rel_m=alt_rel_m,
                yaw_deg=yaw_deg,
                label=f"{self.name} #{self.file_counter}",
            )
            if self.writer is not None:
                self.writer.submit(job)
        shot = Shot(
            img_idx=self.img_idx,
            utc_s=utc_s,
            boot_s=boot_s,
            lat_deg=lat_deg,
            lon_deg=lon_deg,
            alt_msl_m=alt_msl_m,
            alt_rel_m=alt_rel_m,
            yaw_deg=yaw_deg,
            path=path,
        )
        self.shots.append(shot)
        return shot


class GroundTexture:
    """A synthetic, tiling aerial texture: fields, tree patches, a road grid and roofs.

    ``M_PER_PX`` metres per pixel, ``SIZE_PX`` square; positions wrap around (the texture tiles).
    """

    M_PER_PX = 0.5
    SIZE_PX = 2048

    def __init__(self, seed: int = 7) -> None:
        import numpy as np
        from PIL import Image, ImageDraw, ImageFilter

        rng = np.random.default_rng(seed)
        n = self.SIZE_PX
        # Low-frequency colour fields (paddy, dry grass, soil) upscaled smoothly.
        palette = np.array([[86, 122, 58], [124, 140, 72], [150, 126, 90], [70, 104, 52]], np.uint8)
        cells = palette[rng.integers(0, len(palette), size=(24, 24))]
        img = Image.fromarray(cells, "RGB").resize((n, n), Image.Resampling.NEAREST)
        noise = rng.normal(0, 10, size=(n // 8, n // 8, 3)).astype(np.float32)
        noise_img = Image.fromarray(np.clip(noise + 128, 0, 255).astype(np.uint8), "RGB").resize(
            (n, n), Image.Resampling.BILINEAR
        )
        base = np.asarray(img, np.int16) + np.asarray(noise_img, np.int16) - 128
        img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
        draw = ImageDraw.Draw(img)
        for _ in range(400):  # roofs and tree clumps
            x, y = rng.integers(0, n, size=2)
            w, h = rng.integers(8, 40, size=2)
            colour = tuple(int(c) for c in rng.choice([[170, 60, 50], [190, 190, 185], [40, 80, 40]]))
            draw.rectangle([int(x), int(y), int(x + w), int(y + h)], fill=colour)
        step = 240  # roads every 120 m
        for k in range(0, n, step):
            draw.rectangle([k, 0, k + 12, n], fill=(96, 96, 96))
            draw.rectangle([0, k, n, k + 12], fill=(96, 96, 96))
        self.image = img.filter(ImageFilter.SMOOTH)

    def view(self, east_m: float, north_m: float, alt_rel_m: float, yaw_deg: float):
        """The ground seen looking straight down from ``alt_rel_m`` metres, at IMAGE_SIZE_PX."""
        from PIL import Image

        width_m = 2 * max(alt_rel_m, 2.0) * math.tan(math.radians(HFOV_DEG / 2))
        w_px = max(8, int(width_m / self.M_PER_PX))
        h_px = max(6, w_px * IMAGE_SIZE_PX[1] // IMAGE_SIZE_PX[0])
        side = int(math.hypot(w_px, h_px)) + 4
        cx = int(east_m / self.M_PER_PX) % self.SIZE_PX
        cy = int(-north_m / self.M_PER_PX) % self.SIZE_PX
        n = self.SIZE_PX
        # Tile 3x3 only around the crop: paste the (wrapping) square window.
        window = Image.new("RGB", (side, side))
        x0, y0 = cx - side // 2, cy - side // 2
        for dx in (-n, 0, n):
            for dy in (-n, 0, n):
                window.paste(self.image, (dx - x0, dy - y0))
        window = window.rotate(yaw_deg, resample=Image.Resampling.BILINEAR)
        left, top = (side - w_px) // 2, (side - h_px) // 2
        crop = window.crop((left, top, left + w_px, top + h_px))
        return crop.resize(IMAGE_SIZE_PX, Image.Resampling.BILINEAR)


class PhotoWriter:
    """Background thread writing camera JPEGs (EXIF time, Make/Model, no GPS).

    Writes go to a temporary name then are renamed, so a file that exists is complete.
    ``flush()`` waits until every submitted job is on disk.
    """

    def __init__(self) -> None:
        self._queue: queue.Queue[PhotoJob | threading.Event | None] = queue.Queue()
        self._texture: GroundTexture | None = None
        self._thread = threading.Thread(target=self._run, name="sim-photo-writer", daemon=True)
        self._thread.start()

    def submit(self, job: PhotoJob) -> None:
        """Queue one photo for writing."""
        self._queue.put(job)

    def flush(self, timeout_s: float = 30.0) -> None:
        """Block until all queued photos are written (or ``timeout_s`` wall seconds pass)."""
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout_s)

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        self.flush()
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if isinstance(job, threading.Event):
                job.set()
                continue
            try:
                self._write(job)
            except Exception:  # never let one bad photo kill the camera
                log.exception("could not write photo %s", job.path)

    def _write(self, job: PhotoJob) -> None:
        import piexif
        from PIL import ImageDraw

        if self._texture is None:
            self._texture = GroundTexture()
        img = self._texture.view(job.east_m, job.north_m, job.alt_rel_m, job.yaw_deg)
        ImageDraw.Draw(img).text((20, 20), job.label, fill=(255, 255, 255))
        stamp = job.camera_time.strftime("%Y:%m:%d %H:%M:%S").encode()
        exif = piexif.dump(
            {
                "0th": {
                    piexif.ImageIFD.Make: CAMERA_MAKE.encode(),
                    piexif.ImageIFD.Model: CAMERA_MODEL.encode(),
                    piexif.ImageIFD.DateTime: stamp,
                },
                "Exif": {
                    piexif.ExifIFD.DateTimeOriginal: stamp,
                    piexif.ExifIFD.DateTimeDigitized: stamp,
                    piexif.ExifIFD.SubSecTimeOriginal: f"{job.camera_time.microsecond // 10000:02d}".encode(),
                    piexif.ExifIFD.PixelXDimension: img.width,
                    piexif.ExifIFD.PixelYDimension: img.height,
                },
            }
        )
        job.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = job.path.with_name(job.path.name + ".part")
        img.save(tmp, "JPEG", quality=85, exif=exif)
        os.replace(tmp, job.path)
