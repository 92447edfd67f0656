"""Files on disk for the report command: a mission directory, a geotag output, EXIF photos."""

from __future__ import annotations

import io
import json
from pathlib import Path

import piexif
from PIL import Image

from dronepatrol.formats.missiondir import write_mission_dir
from dronepatrol.mission import Home, Mission, rtl, takeoff, waypoint
from dronepatrol.photos.exif import gps_ifd
from dronepatrol.reporting.model import Photo
from dronepatrol.zones.model import SafetyZone


def iso(t_s: float) -> str:
    from dronepatrol.formats.manifest import iso_utc

    return iso_utc(t_s)


def patrol_dir(zone: SafetyZone, out: Path, *, authorization: str | None = None) -> Path:
    """A two-drone mission directory over the zone's first hotspots, with a patrol summary.json."""
    missions = []
    drones = []
    for k, hs in enumerate((zone.hotspots[:2], zone.hotspots[2:4])):
        site = zone.launches[k]
        items = (takeoff(30.0), *(waypoint(h.lon, h.lat, 50.0) for h in hs), rtl())
        missions.append(
            Mission(
                drone=f"drone{k + 1}",
                home=Home(lon=site.lon, lat=site.lat, alt_amsl_m=40.0),
                items=items,
                kind="patrol",
            )
        )
        drones.append(
            {
                "drone": f"drone{k + 1}",
                "hotspots": [{"name": h.name, "dwell_s": 30.0, "reasons": [f"planned {h.name}"]} for h in hs],
            }
        )
    summary = {
        "kind": "patrol",
        "zone": zone.name,
        "zone_file": zone.source,
        "drones": drones,
        "authorization": authorization,
    }
    write_mission_dir(out, missions, summary)
    return out


def geotag_dir(photos: list[Photo], out: Path, *, jpeg: bool = False) -> Path:
    """What ``photos geotag`` writes: copies (tiny JPEGs when ``jpeg``) and manifest.json."""
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for p in photos:
        if jpeg:
            (out / p.file).parent.mkdir(parents=True, exist_ok=True)
            tiny_jpeg(out / p.file)
        rows.append(
            {
                "file": p.file,
                "drone": p.drone,
                "time_utc": iso(p.t_s) if p.t_s is not None else None,
                "lat": p.lat,
                "lon": p.lon,
                "alt_amsl_m": None if p.alt_rel_m is None else p.alt_rel_m + 40.0,
                "alt_rel_m": p.alt_rel_m,
                "heading_deg": p.heading_deg,
                "method": "trigger",
                "problem": None if p.positioned else "no trigger near the photo time",
            }
        )
    (out / "manifest.json").write_text(json.dumps({"photos": len(rows), "rows": rows}), encoding="utf-8")
    return out


def tiny_jpeg(path: Path, *, gps: dict | None = None, size=(320, 240), colour=(90, 140, 60)) -> Path:
    im = Image.new("RGB", size, colour)
    buf = io.BytesIO()
    exif = {"0th": {}, "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2025:12:02 09:30:00"}, "GPS": {}}
    if gps is not None:
        exif["GPS"] = gps_ifd(**gps)
    im.save(buf, "JPEG", quality=80, exif=piexif.dump(exif))
    path.write_bytes(buf.getvalue())
    return path
