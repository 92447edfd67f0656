"""Geotag a folder of photos from flight tracks: read, place, copy with GPS tags, manifest.

The batch never stops on a bad photo: unreadable files, photos without EXIF time, photos
outside every flight are returned as :class:`~dronepatrol.geotag.locate.Problem` with the reason.
Originals are only read; copies go to ``out_dir`` under the same relative paths, each written to
a temporary file and renamed. The image data of every copy (from the JPEG SOS marker on) is
checked byte for byte against the original before it is written.

Reading EXIF and writing copies run in a thread pool (hashing and file I/O release the GIL).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from dronepatrol.config import DEFAULT_CAMERA, FleetConfig
from dronepatrol.errors import UsageError
from dronepatrol.formats.manifest import manifest_csv, manifest_json, photos_geojson
from dronepatrol.fsutil import atomic_write_bytes, atomic_write_text
from dronepatrol.geotag.locate import GroupReport, PhotoTime, Placement, Problem, TaggedPhoto, locate
from dronepatrol.photos.exif import ExifProblem, PhotoExif, add_gps, gps_ifd, load_exif, photo_exif
from dronepatrol.photos.jpeg import JpegError, exif_parts, exif_segment, read_exif_payload
from dronepatrol.planning.camera import CAMERAS, Camera
from dronepatrol.telemetry.model import Track

JPEG_SUFFIXES = {".jpg", ".jpeg"}
MANIFEST_FILES = ("manifest.csv", "manifest.json", "photos.geojson")

#: EXIF Model (upper case) -> built-in camera preset, for the footprint.
EXIF_MODELS = {
    "M3E": "dji-mavic3e",
    "L2D-20C": "dji-mavic3",
    "FC6310": "dji-phantom4pro",
    "FC6310S": "dji-phantom4pro",
    "FC6310R": "dji-phantom4rtk",
    "DSC-RX100M2": "sony-rx100-2",
    "ILCE-6000": "sony-a6000-16mm",
}

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, kw_only=True)
class ScannedPhoto:
    """A photo found under PHOTOS: its relative path (POSIX) and EXIF, or why it cannot be used."""

    rel: str
    path: Path
    exif: PhotoExif | None = None
    problem: str | None = None


@dataclass(frozen=True, kw_only=True)
class BatchResult:
    """What a geotagging run did. ``files`` are the manifest files written (paths)."""

    out_dir: Path
    photos: int
    tagged: tuple[TaggedPhoto, ...]
    problems: tuple[Problem, ...]
    groups: tuple[GroupReport, ...]
    offset_given_s: float | None
    files: tuple[Path, ...]

    def summary(self) -> dict:
        """The run summary: counts, per-group offsets and residuals, problems, files."""
        from dronepatrol.formats.manifest import summary_dict

        return summary_dict(self)

    def document(self) -> dict:
        """What ``manifest.json`` and ``--json`` hold: the summary and every photo's row."""
        from dronepatrol.formats.manifest import document

        return document(self)


def find_photos(root: Path, *, exclude: Path | None = None) -> list[Path]:
    """Every JPEG under ``root`` (recursively, sorted), skipping ``exclude`` and hidden files."""
    if root.is_file():
        return [root]
    skip = exclude.resolve() if exclude is not None and exclude.exists() else None
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and (skip is None or
                                                                              (here / d).resolve() != skip))
        found.extend(here / f for f in sorted(filenames)
                     if not f.startswith(".") and Path(f).suffix.lower() in JPEG_SUFFIXES)
    return found


def _rel(root: Path, path: Path) -> str:
    return path.name if root.is_file() else path.relative_to(root).as_posix()


def scan_photo(root: Path, path: Path, tz_s: float | None) -> ScannedPhoto:
    """Read one photo's EXIF header (not the image data)."""
    rel = _rel(root, path)
    try:
        payload = read_exif_payload(path)
        exif = photo_exif(load_exif(payload), tz_s=tz_s)
    except OSError as exc:
        return ScannedPhoto(rel=rel, path=path, problem=f"cannot be read ({exc.strerror or exc})")
    except (JpegError, ExifProblem) as exc:
        return ScannedPhoto(rel=rel, path=path, problem=str(exc))
    return ScannedPhoto(rel=rel, path=path, exif=exif)


def camera_for(exif: PhotoExif, drone: str | None, fleet: FleetConfig | None) -> Camera:
    """The camera preset: by EXIF model, else the fleet's camera for the drone, else the default."""
    preset = EXIF_MODELS.get(exif.model.upper())
    if preset is None and fleet is not None and drone is not None:
        preset = next((d.camera for d in fleet.drones if d.name == drone), None)
    return CAMERAS.get(preset or DEFAULT_CAMERA, CAMERAS[DEFAULT_CAMERA])


def photo_times(
    scanned: Sequence[ScannedPhoto], drones: set[str], *, drone: str | None, fleet: FleetConfig | None
) -> list[PhotoTime]:
    """The core's view of the readable photos: drone from ``--drone`` or a ``<drone>/`` top
    folder; one clock group per drone folder, otherwise per folder and camera body."""
    out = []
    for s in scanned:
        if s.exif is None:
            continue
        parts = s.rel.split("/")
        who = drone or (parts[0] if len(parts) > 1 and parts[0] in drones else None)
        folder = "/".join(parts[:-1]) or "."
        body = " ".join(x for x in (s.exif.make, s.exif.model, s.exif.serial) if x)
        group = who if who and not drone else f"{folder} ({body})" if body else folder
        out.append(PhotoTime(key=s.rel, t_s=s.exif.t_s, group=group, drone=who, subsecond=s.exif.subsecond,
                             camera=camera_for(s.exif, who, fleet)))
    return out


def write_copy(src: Path, dst: Path, placement: Placement, *, fsync: bool = True) -> tuple[str, str]:
    """Copy ``src`` to ``dst`` with GPS tags for ``placement``; returns the SHA-256 of both.

    The copy is written to a temporary file beside ``dst`` and renamed, so ``dst`` is never a
    half-written file; ``fsync=False`` leaves flushing to the caller (:func:`sync_files`).
    Raises :class:`ExifProblem` / :class:`JpegError` / OSError; nothing is written then."""
    data = src.read_bytes()
    sha_orig = hashlib.sha256(data).hexdigest()
    payload = exif_segment(data)
    gps = gps_ifd(lat=placement.lat, lon=placement.lon, alt_amsl_m=placement.alt_amsl_m,
                  t_utc_s=placement.t_s, heading_deg=placement.heading_deg)
    parts = exif_parts(data, add_gps(payload, gps))
    # everything from SOS on is a view of the original: the image data cannot change
    sha = hashlib.sha256()
    for part in parts:
        sha.update(part)
    if fsync:
        atomic_write_bytes(dst, b"".join(parts), protect=(src,))
    else:
        _replace_into(dst, parts, src)
    return sha_orig, sha.hexdigest()


def _replace_into(dst: Path, parts: Sequence[bytes | memoryview], src: Path) -> None:
    """Temporary file in ``dst``'s folder, written, renamed over ``dst`` (no fsync)."""
    if dst.resolve() == src.resolve():
        raise UsageError(f"{dst}: refusing to overwrite an original photo; choose another -o")
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb", buffering=0) as fh:
            for part in parts:
                fh.write(part)
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def sync_files(paths: Sequence[Path], pool: ThreadPoolExecutor) -> None:
    """fsync every file and then each folder holding them (after a batch of renames)."""

    def one(p: Path) -> None:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    list(pool.map(one, paths))
    list(pool.map(one, sorted({p.parent for p in paths})))


def _check_dirs(photos_dir: Path, out_dir: Path) -> None:
    if not photos_dir.exists():
        raise UsageError(f"{photos_dir}: no such folder; give the folder of photos from the drones' cameras")
    src = photos_dir.resolve()
    out = out_dir.resolve()
    root = src if src.is_dir() else src.parent
    if out == root or root in out.parents:
        raise UsageError(f"{out_dir}: the output must not be inside the photos folder {photos_dir} "
                         "(originals are never modified); choose another -o")


def geotag_photos(
    photos_dir: Path,
    tracks: Sequence[Track],
    out_dir: Path,
    *,
    offset_s: float | None = None,
    tz_s: float | None = None,
    drone: str | None = None,
    fleet: FleetConfig | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> BatchResult:
    """Geotag every JPEG under ``photos_dir`` into ``out_dir`` (see the module docstring).

    ``offset_s`` None finds the camera clock offset from the tracks' camera triggers; ``tz_s`` is
    the cameras' UTC offset in seconds (None: the photo's own OffsetTimeOriginal, else +07:00).
    """
    _check_dirs(photos_dir, out_dir)
    names = {t.drone for t in tracks}
    if drone is not None and drone not in names:
        raise UsageError(f"--drone {drone}: no log of that drone; the logs are of {', '.join(sorted(names))}")
    paths = find_photos(photos_dir, exclude=out_dir)
    workers = workers or min(4, os.cpu_count() or 1)
    total = len(paths)

    def tick(phase: str, done: int) -> None:
        if progress is not None:
            progress(phase, done, total)

    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        scanned = []
        for k, s in enumerate(pool.map(lambda p: scan_photo(photos_dir, p, tz_s), paths), 1):
            scanned.append(s)
            tick("reading", k)
        problems = [Problem(key=s.rel, reason=s.problem) for s in scanned if s.problem]
        times = photo_times(scanned, names, drone=drone, fleet=fleet)
        result = locate(times, tracks, offset_s=offset_s) if times else None
        placements = result.placements if result else ()
        problems.extend(result.problems if result else ())
        by_key = {s.rel: s for s in scanned}
        cameras = {t.key: t.camera for t in times}
        originals = {p.resolve() for p in paths}

        def write(p: Placement) -> TaggedPhoto | Problem:
            src = by_key[p.key].path
            if (out_dir / p.key).resolve() in originals:  # PHOTOS nested inside OUT
                return Problem(key=p.key, reason=f"its copy would overwrite the original {out_dir / p.key}; "
                               "choose an -o folder outside the photos")
            try:
                sha_o, sha_c = write_copy(src, out_dir / p.key, p, fsync=False)
            except (ExifProblem, JpegError) as exc:
                return Problem(key=p.key, reason=str(exc))
            except OSError as exc:
                return Problem(key=p.key, reason=f"copy cannot be written ({exc.strerror or exc})")
            cam = cameras.get(p.key)
            return TaggedPhoto(placement=p, sha256_original=sha_o, sha256_copy=sha_c,
                               camera=None if cam is None else cam.name)

        tagged = []
        for k, res in enumerate(pool.map(write, placements), 1):
            (tagged if isinstance(res, TaggedPhoto) else problems).append(res)
            tick("writing", k)
        sync_files([out_dir / t.placement.key for t in tagged], pool)  # copies on disk before the manifest
    finally:  # Ctrl-C: drop the queued photos, finish the ones being written
        pool.shutdown(wait=True, cancel_futures=True)
    order = {s.rel: k for k, s in enumerate(scanned)}
    problems.sort(key=lambda p: order.get(p.key, -1))
    partial = BatchResult(out_dir=out_dir, photos=total, tagged=tuple(tagged), problems=tuple(problems),
                          groups=result.groups if result else (), offset_given_s=offset_s, files=())
    files = tuple(out_dir / name for name in MANIFEST_FILES)
    if tagged or problems:
        atomic_write_text(files[0], manifest_csv(partial))
        atomic_write_text(files[2], photos_geojson(partial.tagged))
        done = BatchResult(**{**partial.__dict__, "files": files})
        atomic_write_text(files[1], manifest_json(done))
        return done
    return partial


__all__ = [
    "BatchResult",
    "ScannedPhoto",
    "camera_for",
    "find_photos",
    "geotag_photos",
    "photo_times",
    "sync_files",
    "write_copy",
]
