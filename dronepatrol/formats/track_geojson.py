"""GeoJSON (RFC 7946) of flown tracks: a LineString Feature per continuous segment of each drone
with ``[lon, lat, alt_amsl_m]`` positions and a ``times`` list (UTC ISO 8601, one per position),
and a Point Feature per camera trigger (CAMERA_FEEDBACK).

The collection's ``properties`` and each feature's ``time_source`` say which clock the times come
from.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from dronepatrol.formats.track_common import clock_text, finite_fixes, iso_utc, segments
from dronepatrol.telemetry.model import Track

SUFFIX = ".geojson"


def _r(x: float, nd: int) -> float:
    return round(x, nd)


def dumps(tracks: Sequence[Track]) -> str:
    """The GeoJSON text of ``tracks``."""
    features: list[dict] = []
    for t in tracks:
        for i, seg in enumerate(segments(finite_fixes(t))):
            coords = [[_r(f.lon, 7), _r(f.lat, 7), _r(f.alt_amsl_m, 2)] for f in seg]
            geom = ({"type": "LineString", "coordinates": coords} if len(coords) > 1
                    else {"type": "Point", "coordinates": coords[0]})
            features.append({
                "type": "Feature",
                "geometry": geom,
                "properties": {
                    "kind": "track", "drone": t.drone, "system_id": t.system_id, "segment": i,
                    "times": [iso_utc(f.t_s) for f in seg],
                    "alt_rel_m": [_r(f.alt_rel_m, 2) for f in seg],
                    "time_source": t.time_source, "source": t.source,
                },
            })
        for g in t.triggers:
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [_r(g.lon, 7), _r(g.lat, 7), _r(g.alt_amsl_m, 2)]},
                "properties": {
                    "kind": "camera_trigger", "drone": t.drone, "system_id": t.system_id, "img_idx": g.index,
                    "time": iso_utc(g.t_s), "alt_rel_m": _r(g.alt_rel_m, 2), "yaw_deg": g.yaw_deg,
                    "time_source": t.time_source,
                },
            })
    doc = {
        "type": "FeatureCollection",
        "properties": {"description": "Flown tracks and camera triggers. Altitudes in metres above mean sea "
                                      "level. " + clock_text(tracks)},
        "features": features,
    }
    return json.dumps(doc, ensure_ascii=False, allow_nan=False) + "\n"
