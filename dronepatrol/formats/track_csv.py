"""CSV of flown tracks: one row per position sample (``kind`` ``fix``) and per camera trigger
(``kind`` ``trigger``), UTC times; the ``time_source`` column says which clock they come from
(``vehicle``: time_boot_ms mapped to UTC with SYSTEM_TIME; ``receiver``: the recording computer).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from dronepatrol.formats.track_common import iso_utc
from dronepatrol.telemetry.model import Track

SUFFIX = ".csv"
COLUMNS = ("drone", "system_id", "kind", "time_utc", "t_s", "lat", "lon", "alt_amsl_m", "alt_rel_m",
           "heading_deg", "ground_speed_m_s", "img_idx", "time_source")


def _n(x: float | None, nd: int) -> str:
    return "" if x is None else f"{x:.{nd}f}"


def dumps(tracks: Sequence[Track]) -> str:
    """The CSV text of ``tracks`` (header row first)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for t in tracks:
        for f in t.fixes:
            w.writerow((t.drone, t.system_id, "fix", iso_utc(f.t_s), f"{f.t_s:.3f}", f"{f.lat:.7f}", f"{f.lon:.7f}",
                        _n(f.alt_amsl_m, 2), _n(f.alt_rel_m, 2), _n(f.heading_deg, 2), _n(f.ground_speed_m_s, 2),
                        "", t.time_source))
        for g in t.triggers:
            w.writerow((t.drone, t.system_id, "trigger", iso_utc(g.t_s), f"{g.t_s:.3f}", f"{g.lat:.7f}",
                        f"{g.lon:.7f}", _n(g.alt_amsl_m, 2), _n(g.alt_rel_m, 2), _n(g.yaw_deg, 2), "", g.index,
                        t.time_source))
    return buf.getvalue()
