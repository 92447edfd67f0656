"""What every flown-track format shares: UTC time text, which clock the times come from, and
splitting a track into continuous segments at gaps (link lost, recording paused).

>>> iso_utc(1700000000.25)
'2023-11-14T22:13:20.250Z'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from dronepatrol.telemetry.model import Fix, Track

#: A gap longer than this between two fixes starts a new segment (seconds).
GAP_S = 5.0

_CLOCKS = {
    "vehicle": "the vehicle's clock (time_boot_ms mapped to UTC with SYSTEM_TIME)",
    "receiver": "the recording computer's clock at reception (the log has no vehicle UTC time)",
    "mixed": "the vehicle's clock (time_boot_ms mapped to UTC with SYSTEM_TIME) where the log allows, "
             "else the recording computer's clock at reception",
}


def escape(text: str) -> str:
    """``text`` escaped for XML element content and double-quoted attributes."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def iso_utc(t_s: float) -> str:
    """ISO 8601 UTC with milliseconds and ``Z``."""
    dt = datetime.fromtimestamp(round(t_s, 3), UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def clock_text(tracks: Sequence[Track]) -> str:
    """One sentence saying which clock the times of ``tracks`` come from."""
    sources = sorted({t.time_source for t in tracks if t.fixes or t.triggers}) or ["vehicle"]
    if len(sources) == 1:
        return f"Times are UTC from {_CLOCKS.get(sources[0], sources[0])}."
    parts = "; ".join(f"{t.drone}: {_CLOCKS.get(t.time_source, t.time_source)}" for t in tracks)
    return f"Times are UTC from {parts}."


def track_clock_text(track: Track) -> str:
    return f"Times are UTC from {_CLOCKS.get(track.time_source, track.time_source)}."


def finite_fixes(track: Track) -> list[Fix]:
    return [f for f in track.fixes if math.isfinite(f.lat) and math.isfinite(f.lon) and math.isfinite(f.alt_amsl_m)]


def segments(fixes: Sequence[Fix], gap_s: float = GAP_S) -> list[list[Fix]]:
    """``fixes`` (time order) split where consecutive fixes are more than ``gap_s`` apart.

    >>> from dronepatrol.telemetry.model import Fix
    >>> fx = [Fix(t_s=t, lat=0, lon=0, alt_amsl_m=0, alt_rel_m=0) for t in (0, 1, 2, 10, 11)]
    >>> [len(s) for s in segments(fx)]
    [3, 2]
    """
    out: list[list[Fix]] = []
    for f in fixes:
        if not out or f.t_s - out[-1][-1].t_s > gap_s:
            out.append([f])
        else:
            out[-1].append(f)
    return out
