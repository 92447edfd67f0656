"""Reading what the report is made of: photos (a ``photos geotag`` output folder or any folder
of JPEGs with EXIF GPS tags), mission directories and their ``summary.json``.

``photos geotag`` writes ``manifest.json`` (every photo, tagged or not, with the reason),
``manifest.csv`` and ``photos.geojson`` (points and footprints) next to the tagged copies; the
report reads them rather than the JPEGs. Any other folder is scanned for JPEGs and their EXIF
GPS tags are read (header only, :mod:`dronepatrol.photos.exif`); photos in a subfolder named
after a drone (``photos/drone2/DJI_0001.JPG``) are that drone's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from dronepatrol.errors import InputError, MissionFileError
from dronepatrol.fsutil import read_input_text
from dronepatrol.mission import Mission
from dronepatrol.reporting.model import Photo

MANIFEST_JSON = "manifest.json"
MANIFEST_CSV = "manifest.csv"
PHOTOS_GEOJSON = "photos.geojson"


def _time(value: object) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str) or not value:
        return None
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).timestamp()


def _num(value: object) -> float | None:
    if value in (None, ""):
        return None
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if v == v and abs(v) != float("inf") else None


def drone_from_path(rel: str, drones: Sequence[str] = ()) -> str:
    """The drone a photo's folder names (``drone2/DJI_0001.JPG`` -> ``drone2``), else ``""``.

    >>> drone_from_path("day1/drone2/DJI_0001.JPG"), drone_from_path("DJI_0001.JPG")
    ('drone2', '')
    """
    known = set(drones)
    return next((p for p in Path(rel).parts[:-1] if p in known or p.lower().startswith("drone")), "")


def _row_photo(row: dict, folder: str, footprints: dict[str, tuple]) -> Photo:
    file = str(row.get("file") or "")
    lat, lon = _num(row.get("lat")), _num(row.get("lon"))
    placed = lat is not None and lon is not None and not row.get("problem")
    return Photo(
        file=file,
        path=folder + file if file else "",
        drone=str(row.get("drone") or "") or drone_from_path(file),
        t_s=_time(row.get("time_utc")),
        lon=lon if placed else None,
        lat=lat if placed else None,
        alt_rel_m=_num(row.get("alt_rel_m")),
        heading_deg=_num(row.get("heading_deg")),
        footprint=footprints.get(file),
    )


def _geojson_footprints(path: Path) -> dict[str, tuple]:
    if not path.is_file():
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        out = {}
        for f in doc.get("features", []):
            props, geom = f.get("properties") or {}, f.get("geometry") or {}
            if props.get("kind") == "footprint" and geom.get("type") == "Polygon":
                out[str(props.get("file"))] = tuple((float(x), float(y)) for x, y, *_ in geom["coordinates"][0])
        return out
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}  # footprints are then computed from the camera


def read_manifest(folder: Path) -> list[Photo]:
    """The photos of a ``photos geotag`` output folder (``manifest.json``, else ``manifest.csv``)."""
    footprints = _geojson_footprints(folder / PHOTOS_GEOJSON)
    if (folder / MANIFEST_JSON).is_file():
        path = folder / MANIFEST_JSON
        try:
            doc = json.loads(read_input_text(path, what="a photos geotag manifest.json"))
            rows = doc["rows"]
            if not isinstance(rows, list):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise InputError(
                f"{path}: not a photos geotag manifest (no 'rows' list); run 'dronepatrol photos geotag' "
                "again or give the folder of the original photos"
            ) from None
    else:
        path = folder / MANIFEST_CSV
        rows = list(csv.DictReader(io.StringIO(read_input_text(path, what="a photos geotag manifest.csv"))))
    prefix = str(folder) + os.sep
    return [_row_photo(r, prefix, footprints) for r in rows if isinstance(r, dict)]


def read_exif_folder(
    folder: Path, drones: Sequence[str] = (), progress: Callable[[int, int], None] | None = None
) -> list[Photo]:
    """Every JPEG under ``folder`` with the position from its EXIF GPS tags (or none)."""
    from dronepatrol.photos.batch import find_photos
    from dronepatrol.photos.exif import ExifProblem, load_exif, photo_exif, read_gps
    from dronepatrol.photos.jpeg import JpegError, read_exif_payload

    paths = find_photos(folder)
    out = []
    for n, path in enumerate(paths, start=1):
        rel = path.relative_to(folder).as_posix() if folder.is_dir() else path.name
        drone = drone_from_path(rel, drones)
        gps, t_s = None, None
        try:
            exif = load_exif(read_exif_payload(path))
            gps = read_gps(exif)
            try:
                t_s = photo_exif(exif, tz_s=None).t_s
            except ExifProblem:
                t_s = None
        except (OSError, JpegError, ExifProblem):
            pass
        if gps is not None and gps.get("t_utc_s") is not None:
            t_s = gps["t_utc_s"]
        out.append(
            Photo(
                file=rel,
                path=str(path),
                drone=drone,
                t_s=t_s,
                lon=gps["lon"] if gps else None,
                lat=gps["lat"] if gps else None,
                heading_deg=gps.get("heading_deg") if gps else None,
            )
        )
        if progress is not None:
            progress(n, len(paths))
    return out


def read_photos(
    path: Path, drones: Sequence[str] = (), progress: Callable[[int, int], None] | None = None
) -> list[Photo]:
    """Photos from a geotag output (folder or its manifest file) or a folder of JPEGs."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: not found; give the folder 'photos geotag' wrote, or a folder of JPEG photos")
    if path.is_file() and path.name in (MANIFEST_JSON, MANIFEST_CSV, PHOTOS_GEOJSON):
        path = path.parent
    if path.is_dir() and ((path / MANIFEST_JSON).is_file() or (path / MANIFEST_CSV).is_file()):
        return read_manifest(path)
    photos = read_exif_folder(path, drones, progress)
    if not photos:
        raise InputError(f"{path}: no JPEG photos found; give the folder 'photos geotag' wrote, or a folder of JPEGs")
    return photos


def read_mission_dirs(paths: Sequence[Path]) -> tuple[list[Mission], list[dict]]:
    """The missions of each directory or file, and each directory's ``summary.json`` (if any)."""
    from dronepatrol.formats.missiondir import SUMMARY_NAME, read_missions

    missions: list[Mission] = []
    summaries: list[dict] = []
    for p in paths:
        missions.extend(read_missions(Path(p)))
        summary = Path(p) / SUMMARY_NAME if Path(p).is_dir() else None
        if summary is not None and summary.is_file():
            try:
                doc = json.loads(summary.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise MissionFileError(f"{summary}: cannot be read ({exc}); plan the missions again") from None
            if isinstance(doc, dict):
                summaries.append(doc)
    return missions, summaries
