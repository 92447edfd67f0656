"""A mission directory: ``<stem>.plan`` and ``<stem>.waypoints`` per mission, ``routes.geojson``
(all drones) and ``summary.json``, each written atomically (product.md, "Files written").

A ``.plan`` has no field for the fence's maximum altitude (FENCE_ALT_MAX): ``summary.json`` lists
it per mission under ``fence_alt_max_m`` (and the ``.plan`` carries it under an extra key that
QGroundControl ignores).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dronepatrol.errors import MissionFileError
from dronepatrol.formats import FORMATS, format_for
from dronepatrol.formats._util import split_stem
from dronepatrol.fsutil import atomic_write_text, read_input_text
from dronepatrol.mission import Mission

ROUTES_NAME = "routes.geojson"
SUMMARY_NAME = "summary.json"
FENCE_ALT_NOTE = (
    "FENCE_ALT_MAX is a vehicle parameter (metres above home): a .plan has no field for it, so it is "
    "listed here and under the .plan's 'dronepatrol' key (ignored by QGroundControl); "
    "'dronepatrol fleet upload' sets it."
)

START_OFFSET_NOTE = (
    "Seconds after the fleet's common start at which each mission takes off. Sorties fly in rounds: all "
    "first sorties start together, then, once every drone has landed, all second sorties, each offset counted "
    "from its round's start. Also under each .plan's 'dronepatrol' key as startOffsetS; "
    "'dronepatrol fleet start' and 'mission check' honour them."
)


def _json_clean(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _json_clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_clean(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    return obj


def write_mission_dir(
    out_dir: Path, missions: Sequence[Mission], summary: dict, *, protect: Sequence[Path] = ()
) -> list[Path]:
    """Write every mission's files, ``routes.geojson`` and ``summary.json`` into ``out_dir``.

    Each file is written atomically. Mission files that an earlier run listed in ``summary.json``
    and that this run does not write again are removed, so a directory never mixes plans of two
    runs. Returns the paths written, ``summary.json`` last.
    """
    out_dir = Path(out_dir)
    stems = [m.file_stem for m in missions]
    if len(set(stems)) != len(stems):
        raise ValueError(f"two missions share a file name: {stems}")
    protect_t = tuple(protect)
    written: list[Path] = []
    for m in missions:
        for name in ("plan", "waypoints"):
            fmt = FORMATS[name]
            path = out_dir / f"{m.file_stem}{fmt.suffix}"
            written.append(atomic_write_text(path, fmt.dumps([m]), protect=protect_t))
    written.append(atomic_write_text(out_dir / ROUTES_NAME, FORMATS["geojson"].dumps(missions), protect=protect_t))

    summary_path = out_dir / SUMMARY_NAME
    previous = _previous_files(summary_path)
    names = [p.name for p in written]
    for stale in previous - set(names) - {SUMMARY_NAME}:
        p = out_dir / stale
        if p.suffix in (".plan", ".waypoints") and p.parent == out_dir and p.exists():
            p.unlink()
    out = dict(summary)
    out["files"] = [*names, SUMMARY_NAME]
    out["fence_alt_max_m"] = {m.file_stem: m.geofence.max_alt_m for m in missions}
    out["fence_alt_max_note"] = FENCE_ALT_NOTE
    out["start_offset_s"] = {m.file_stem: m.start_offset_s for m in missions}
    out["start_offset_note"] = START_OFFSET_NOTE
    text = json.dumps(_json_clean(out), indent=2, ensure_ascii=False) + "\n"
    written.append(atomic_write_text(summary_path, text, protect=protect_t))
    return written


def _previous_files(summary_path: Path) -> set[str]:
    try:
        files = json.loads(summary_path.read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError, AttributeError):
        return set()
    return {f for f in files if isinstance(f, str) and "/" not in f and "\\" not in f}


def _natural(p: Path) -> tuple[list[Any], int]:
    """Sort key: drone1, drone1-sortie2, drone1-sortie10, drone2, drone10."""
    drone, sortie = split_stem(p.stem)
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", drone)], sortie


def read_file(path: Path) -> list[Mission]:
    """Missions in one file of any format (chosen by suffix, else by content)."""
    path = Path(path)
    text = read_input_text(path, what="a .plan, .waypoints, .geojson or .kml mission file", error=MissionFileError)
    fmt = format_for(path, text)
    if fmt is None:
        known = ", ".join(f.suffix for f in FORMATS.values())
        raise MissionFileError(f"{path}: unknown mission file type — give a file ending in {known}")
    return fmt.loads(text, str(path))


def read_missions(path: Path) -> list[Mission]:
    """The missions of a directory (its ``.plan`` files; else its ``.waypoints`` files) or of one
    file of any format. Raises :class:`MissionFileError` (exit 3) naming the file and line/item."""
    path = Path(path)
    if not path.exists():
        raise MissionFileError(f"{path}: not found — give a mission directory or file")
    if not path.is_dir():
        return read_file(path)
    files = sorted(path.glob("*.plan"), key=_natural)
    if not files:
        files = sorted(path.glob("*.waypoints"), key=_natural)
    if not files:
        raise MissionFileError(f"{path}: no .plan or .waypoints files — plan missions first (dronepatrol plan ...)")
    missions: list[Mission] = []
    for f in files:
        missions.extend(read_file(f))
    return missions
