"""Photo geotagging benchmark: ``.venv/bin/python benchmarks/geotag.py [--n 1000] [--quick]``.

A simulated survey flight (lawnmower, 10 m/s, a camera trigger every 20 m, fixes at 5 Hz, trigger
positions rounded to 1e-7 deg as CAMERA_FEEDBACK carries them) and N full-size 4000x3000 JPEGs
(one encoded with Pillow, copied with different EXIF times) from a camera whose clock runs 37 s
ahead in Thai time (SubSecTime to 10 ms); 3 % of the shots give no photo, 1 % of the photos are
extra hand shots. Prints, measured in the same run:

- ``photos geotag`` throughput (read EXIF, align, interpolate, hash both files, insert GPS, check the
  image data, atomic write, manifests) next to the raw cost of ``piexif.insert(exif, src, dst)`` on
  the same files (target: ratio >= 0.8), and next to raw insert plus the two SHA-256 passes the
  manifest needs (so the ratio shows what the pipeline adds beyond that); all until on disk;
- ``exiftool -geotag`` on the same photos with a GPX of the fixes and the true offset given,
  where exiftool is installed (Debian package libimage-exiftool-perl), else says it is skipped;
- position error of the written GPS tags (read back from the copies) against the true position
  of every photo: median < 0.5 m, max < 2 m, with the 37 s offset recovered from the triggers;
  and the same with interpolation only (``--offset`` given, triggers not used).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import piexif
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dronepatrol.geo import LocalFrame
from dronepatrol.photos.batch import geotag_photos
from dronepatrol.photos.exif import gps_ifd, load_exif, read_gps
from dronepatrol.photos.jpeg import read_exif_payload, replace_exif
from dronepatrol.telemetry.model import Fix, Track, Trigger

HOME = (103.64880, 16.05630)
CLOCK_OFFSET_S = 37.0  # the camera runs 37 s ahead: geotagging must find -37 s
SPEED = 10.0
LANE_M, SPACING_M, TRIGGER_M = 400.0, 40.0, 20.0
START = 1_764_630_000.0
THAI = dt.timezone(dt.timedelta(hours=7))


def truth(s_m: float) -> tuple[float, float, float]:
    """East, north metres and heading after s_m metres of the lawnmower."""
    per = LANE_M + SPACING_M
    k, r = divmod(s_m, per)
    k = int(k)
    if r < LANE_M:
        return (r if k % 2 == 0 else LANE_M - r), k * SPACING_M, (90.0 if k % 2 == 0 else 270.0)
    return (LANE_M if k % 2 == 0 else 0.0), k * SPACING_M + (r - LANE_M), 0.0


def flight(n_photos: int, rng: random.Random):
    frame = LocalFrame.around(*HOME)
    x0, y0 = frame.xy(*HOME)
    shots, s = [], 0.0
    while len(shots) < n_photos / 0.97 * 1.0 + 1:
        if truth(s)[2] != 0.0:
            shots.append(s)
        s += TRIGGER_M
    length = s
    fixes = []
    for i in range(int(length / SPEED * 5) + 1):
        t = i / 5
        e, n, h = truth(t * SPEED)
        lon, lat = frame.lonlat(x0 + e, y0 + n)
        fixes.append(Fix(t_s=START + t, lat=lat, lon=lon, alt_amsl_m=210.0, alt_rel_m=60.0, heading_deg=h))
    triggers = []
    for k, sm in enumerate(shots, 1):
        e, n, h = truth(sm)
        lon, lat = frame.lonlat(x0 + e, y0 + n)
        triggers.append(Trigger(t_s=START + sm / SPEED, index=k, lat=round(lat, 7), lon=round(lon, 7),
                                alt_amsl_m=210.0, alt_rel_m=60.0, yaw_deg=h))
    track = Track(drone="drone1", system_id=1, fixes=tuple(fixes), triggers=tuple(triggers), time_source="vehicle")
    # photos: 97 % of the shots, plus 1 % hand photos anywhere in the flight
    times = [START + sm / SPEED for sm in shots if rng.random() >= 0.03]
    times += [START + rng.uniform(0, length / SPEED) for _ in range(max(1, n_photos // 100))]
    times = sorted(times)[:n_photos]
    true_pos = []
    for t in times:
        e, n, _ = truth((t - START) * SPEED)
        true_pos.append(frame.lonlat(x0 + e, y0 + n))
    return track, times, true_pos, frame


def base_jpeg() -> bytes:
    rng = np.random.default_rng(1)
    coarse = rng.integers(40, 200, size=(30, 40, 3), dtype=np.uint8)
    img = Image.fromarray(coarse, "RGB").resize((4000, 3000), Image.Resampling.BILINEAR)
    arr = np.asarray(img, np.int16) + rng.normal(0, 6, size=(3000, 4000, 3)).astype(np.int16)
    buf = io.BytesIO()
    Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB").save(buf, "JPEG", quality=88)
    return buf.getvalue()


def write_photos(folder: Path, base: bytes, times: list[float]) -> list[Path]:
    folder.mkdir(parents=True)
    paths = []
    for k, t in enumerate(times, 1):
        local = dt.datetime.fromtimestamp(t + CLOCK_OFFSET_S, THAI).replace(tzinfo=None)
        stamp = local.strftime("%Y:%m:%d %H:%M:%S").encode()
        exif = piexif.dump({
            "0th": {piexif.ImageIFD.Make: b"DronePatrol", piexif.ImageIFD.Model: b"SimCam 4000"},
            "Exif": {piexif.ExifIFD.DateTimeOriginal: stamp,
                     piexif.ExifIFD.SubSecTimeOriginal: f"{local.microsecond // 10000:02d}".encode()},
        })
        p = folder / f"IMG_{k:04d}.JPG"
        p.write_bytes(replace_exif(base, exif))
        paths.append(p)
    return paths


def errors_m(out: Path, paths: list[Path], true_pos, frame: LocalFrame) -> list[float]:
    errs = []
    for p, (lon, lat) in zip(paths, true_pos, strict=True):
        q = out / p.name
        if not q.exists():
            errs.append(math.inf)
            continue
        g = read_gps(load_exif(read_exif_payload(q)))
        if g is None:
            errs.append(math.inf)
            continue
        a, b = frame.xy(g["lon"], g["lat"]), frame.xy(lon, lat)
        errs.append(math.hypot(a[0] - b[0], a[1] - b[1]))
    return errs


def gpx(track: Track) -> str:
    """GPX of the track: telemetry's exporter (what ``telemetry export --format gpx`` writes), or a
    minimal GPX 1.1 where that is not available."""
    try:
        from dronepatrol.formats.gpx import dumps
    except ImportError:
        pass
    else:
        return dumps([track])
    pts = "\n".join(
        f'<trkpt lat="{f.lat:.8f}" lon="{f.lon:.8f}"><ele>{f.alt_amsl_m:.2f}</ele>'
        f"<time>{dt.datetime.fromtimestamp(f.t_s, dt.UTC).strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}Z</time></trkpt>"
        for f in track.fixes
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="dronepatrol-bench" '
            'xmlns="http://www.topografix.com/GPX/1/1">\n<trk><name>drone1</name><trkseg>\n'
            f"{pts}\n</trkseg></trk></gpx>\n")


def stats(errs: list[float]) -> str:
    return f"median {statistics.median(errs):.3f} m, max {max(errs):.3f} m"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="number of photos (default 1000)")
    ap.add_argument("--quick", action="store_true", help="100 photos")
    ap.add_argument("--workers", type=int, default=None, help="photos geotag worker threads (default: its own)")
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds, alternating (best of each)")
    ap.add_argument("--dir", type=Path, default=None, help="work folder (default: the system temp folder)")
    args = ap.parse_args()
    n = 100 if args.quick else args.n
    rng = random.Random(7)
    track, times, true_pos, frame = flight(n, rng)
    tmp = Path(tempfile.mkdtemp(prefix="geotag-bench-", dir=args.dir))
    ok = True
    try:
        t0 = time.perf_counter()
        base = base_jpeg()
        paths = write_photos(tmp / "photos", base, times)
        print(f"{len(paths)} photos of 4000x3000 ({len(base) / 1e6:.1f} MB each) in {tmp}, {len(track.triggers)} "
              f"triggers, {len(track.fixes)} fixes; generated in {time.perf_counter() - t0:.1f} s")

        # Raw piexif insert of a GPS block into every photo, same files, same disk, until the copies
        # are on disk (os.sync: photos geotag fsyncs each copy). Best of --rounds rounds each, alternating.
        gps = piexif.dump({"GPS": gps_ifd(lat=16.05, lon=103.65, alt_amsl_m=210.0, t_utc_s=START, heading_deg=90.0)})
        raw_s = ours_s = hashed_s = math.inf

        def insert_hashed(src: Path, dst: Path) -> None:  # the least work a manifest with both hashes needs
            data = src.read_bytes()
            hashlib.sha256(data).digest()
            buf = io.BytesIO()
            piexif.insert(gps, data, buf)
            hashlib.sha256(buf.getbuffer()).digest()
            dst.write_bytes(buf.getbuffer())

        for _round in range(args.rounds):
            shutil.rmtree(tmp / "raw", ignore_errors=True)
            shutil.rmtree(tmp / "out", ignore_errors=True)
            (tmp / "raw").mkdir()
            os.sync()
            t0 = time.perf_counter()
            for p in paths:
                piexif.insert(gps, str(p), str(tmp / "raw" / p.name))
            os.sync()
            raw_s = min(raw_s, time.perf_counter() - t0)
            shutil.rmtree(tmp / "raw")
            (tmp / "raw").mkdir()
            os.sync()
            t0 = time.perf_counter()
            for p in paths:
                insert_hashed(p, tmp / "raw" / p.name)
            os.sync()
            hashed_s = min(hashed_s, time.perf_counter() - t0)
            shutil.rmtree(tmp / "raw")
            os.sync()
            t0 = time.perf_counter()
            res = geotag_photos(tmp / "photos", [track], tmp / "out", workers=args.workers)
            os.sync()
            ours_s = min(ours_s, time.perf_counter() - t0)
        raw_rate = len(paths) / raw_s
        ours_rate = len(paths) / ours_s
        ratio = ours_rate / raw_rate
        (g,) = res.groups
        print(f"photos geotag: {ours_rate:.1f} photos/s ({ours_s:.2f} s); raw piexif.insert: {raw_rate:.1f} photos/s "
              f"({raw_s:.2f} s); ratio {ratio:.2f} (target >= 0.8) {'OK' if ratio >= 0.8 else 'MISSED'}")
        hashed_rate = len(paths) / hashed_s
        print(f"  raw piexif.insert + SHA-256 of original and copy (the least a manifest needs): {hashed_rate:.1f} "
              f"photos/s; photos geotag / that: {ours_rate / hashed_rate:.2f}")
        print(f"offset found {g.offset_s:+.3f} s (true {-CLOCK_OFFSET_S:+.3f} s), {g.matched} photos matched, "
              f"{len(g.unmatched_photos)} hand photos interpolated, {len(g.unmatched_triggers)} triggers without a "
              f"photo, residuals median {g.residual_median_s:.3f} s, max {g.residual_max_s:.3f} s")
        errs = errors_m(tmp / "out", paths, true_pos, frame)
        good = statistics.median(errs) < 0.5 and max(errs) < 2.0 and abs(g.offset_s + CLOCK_OFFSET_S) < 0.1
        ok &= good and ratio >= 0.8 and len(res.tagged) == len(paths)
        print(f"position error (triggers + interpolation): {stats(errs)} (target median < 0.5, max < 2) "
              f"{'OK' if good else 'MISSED'}")
        shutil.rmtree(tmp / "out")

        res2 = geotag_photos(tmp / "photos", [track], tmp / "interp", offset_s=-CLOCK_OFFSET_S, workers=args.workers)
        errs2 = errors_m(tmp / "interp", paths, true_pos, frame)
        print(f"position error, interpolation only (--offset {-CLOCK_OFFSET_S:g}): {stats(errs2)}, "
              f"{len(res2.tagged)} tagged")
        shutil.rmtree(tmp / "interp")

        exiftool = shutil.which("exiftool")
        if exiftool is None:
            print("exiftool -geotag: skipped (exiftool not installed; apt install libimage-exiftool-perl)")
        else:
            (tmp / "track.gpx").write_text(gpx(track))
            cmd = [exiftool, "-q", "-q", "-geotag", str(tmp / "track.gpx"),
                   "-geotime<${SubSecDateTimeOriginal}+07:00", f"-geosync={-CLOCK_OFFSET_S:+g}",
                   "-o", str(tmp / "exiftool") + "/", str(tmp / "photos")]
            t0 = time.perf_counter()
            subprocess.run(cmd, check=False, capture_output=True)
            ex_s = time.perf_counter() - t0
            errs3 = errors_m(tmp / "exiftool", paths, true_pos, frame)
            print(f"exiftool -geotag (GPX from telemetry export, true offset given): {len(paths) / ex_s:.1f} photos/s "
                  f"({ex_s:.2f} s); photos geotag is {ours_rate / (len(paths) / ex_s):.1f}x faster; "
                  f"exiftool position error {stats(errs3)}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
