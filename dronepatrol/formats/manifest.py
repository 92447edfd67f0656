"""Geotagging outputs: ``manifest.csv``, ``manifest.json`` and ``photos.geojson``.

``manifest.csv`` has one row per photo found: the tagged ones with their position, and the ones
that could not be tagged with the ``problem`` column saying why. Columns: file (relative path),
drone, sha256_original, sha256_copy, time_utc (ISO 8601, ms, ``Z``), lat, lon (degrees, 8
decimals), alt_amsl_m, alt_rel_m, heading_deg, method (``trigger`` or ``interpolated``),
residual_s (photo time + offset - trigger time), offset_s, trigger_index, problem.

``photos.geojson`` (RFC 7946, [lon, lat]) holds per tagged photo a Point (``kind: "photo"``) and,
where the heading is known, its ground footprint Polygon (``kind: "footprint"``).

``manifest.json`` is the run summary (offsets, residuals, unmatched photos and triggers,
problems) plus the rows of ``manifest.csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from collections.abc import Sequence
from typing import Any

from dronepatrol.geotag.locate import GroupReport, TaggedPhoto

FIELDS = (
    "file",
    "drone",
    "sha256_original",
    "sha256_copy",
    "time_utc",
    "lat",
    "lon",
    "alt_amsl_m",
    "alt_rel_m",
    "heading_deg",
    "method",
    "residual_s",
    "offset_s",
    "trigger_index",
    "problem",
)


def iso_utc(t_s: float) -> str:
    """``2026-12-01T23:05:07.250Z`` for UTC seconds (millisecond precision).

    >>> iso_utc(1764630307.25)
    '2025-12-01T23:05:07.250Z'
    """
    ms = round(t_s * 1000)
    return dt.datetime.fromtimestamp(ms // 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


def _r(value: float | None, nd: int) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, nd)


def photo_row(t: TaggedPhoto) -> dict[str, Any]:
    """One manifest row (typed values; ``None`` for unknown)."""
    p = t.placement
    return {
        "file": p.key,
        "drone": p.drone,
        "sha256_original": t.sha256_original,
        "sha256_copy": t.sha256_copy,
        "time_utc": iso_utc(p.t_s),
        "lat": _r(p.lat, 8),
        "lon": _r(p.lon, 8),
        "alt_amsl_m": _r(p.alt_amsl_m, 3),
        "alt_rel_m": _r(p.alt_rel_m, 3),
        "heading_deg": _r(p.heading_deg, 2),
        "method": p.method,
        "residual_s": _r(p.residual_s, 3),
        "offset_s": _r(p.offset_s, 3),
        "trigger_index": p.trigger_index,
        "problem": None,
    }


def rows(result: Any) -> list[dict[str, Any]]:
    """Tagged photos then problems, in file order (``result`` is a photos BatchResult)."""
    out = [photo_row(t) for t in result.tagged]
    out += [{**dict.fromkeys(FIELDS), "file": p.key, "problem": p.reason} for p in result.problems]
    return sorted(out, key=lambda r: r["file"])


def manifest_csv(result: Any) -> str:
    """``manifest.csv`` text (header row first; empty cells for unknown values)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    w.writeheader()
    for row in rows(result):
        w.writerow({k: "" if v is None else v for k, v in row.items()})
    return buf.getvalue()


def group_dict(g: GroupReport) -> dict[str, Any]:
    return {
        "group": g.group,
        "drone": g.drone,
        "photos": g.photos,
        "offset_s": _r(g.offset_s, 3),
        "offset_source": g.offset_source,
        "matched": g.matched,
        "tolerance_s": _r(g.tolerance_s, 3),
        "residual_median_s": _r(g.residual_median_s, 3),
        "residual_max_s": _r(g.residual_max_s, 3),
        "unmatched_photos": list(g.unmatched_photos),
        "unmatched_triggers": list(g.unmatched_triggers),
        "warnings": list(g.warnings),
    }


def summary_dict(result: Any) -> dict[str, Any]:
    """The run summary: counts, per-group offsets and residuals, problems, files written."""
    methods: dict[str, int] = {}
    for t in result.tagged:
        methods[t.placement.method] = methods.get(t.placement.method, 0) + 1
    return {
        "out_dir": str(result.out_dir),
        "photos": result.photos,
        "tagged": len(result.tagged),
        "failed": len(result.problems),
        "methods": methods,
        "offset_given_s": result.offset_given_s,
        "groups": [group_dict(g) for g in result.groups],
        "problems": [{"file": p.key, "reason": p.reason} for p in result.problems],
        "files": [str(f) for f in result.files],
    }


def document(result: Any) -> dict[str, Any]:
    """The summary and every row (per-photo position, method, residual, problem)."""
    return {**summary_dict(result), "rows": rows(result)}


def manifest_json(result: Any) -> str:
    """``manifest.json`` text: :func:`document`."""
    return json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"


def photos_geojson(tagged: Sequence[TaggedPhoto]) -> str:
    """``photos.geojson`` text: a Point per photo and its footprint Polygon ([lon, lat])."""
    features = []
    for t in tagged:
        p = t.placement
        props = {
            "file": p.key,
            "drone": p.drone,
            "time_utc": iso_utc(p.t_s),
            "alt_amsl_m": _r(p.alt_amsl_m, 2),
            "alt_rel_m": _r(p.alt_rel_m, 2),
            "heading_deg": _r(p.heading_deg, 1),
            "method": p.method,
            "residual_s": _r(p.residual_s, 3),
            "camera": t.camera,
        }
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(p.lon, 8), round(p.lat, 8)]},
            "properties": {"kind": "photo", **props},
        })
        if p.footprint:
            ring = [[round(lon, 8), round(lat, 8)] for lon, lat in p.footprint]
            features.append({
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"kind": "footprint", "file": p.key, "drone": p.drone, "camera": t.camera},
            })
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False) + "\n"


__all__ = [
    "FIELDS",
    "document",
    "iso_utc", "manifest_csv", "manifest_json", "photo_row", "photos_geojson", "rows", "summary_dict"]
