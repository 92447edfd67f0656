"""Alerts found in the flown tracks themselves: link losses (no position for a while in the air).

Failsafes and fence breaches come from the autopilot's own messages (STATUSTEXT, FENCE_STATUS),
read by the log reader; this module needs only the fixes.

>>> from dronepatrol.telemetry.model import Fix, Track
>>> fx = [Fix(t_s=t, lat=16.0, lon=103.0, alt_amsl_m=0.0, alt_rel_m=40.0) for t in (0.0, 1.0, 12.0, 13.0)]
>>> track = Track(drone="drone1", system_id=1, fixes=tuple(fx), triggers=(), time_source="vehicle")
>>> [a.text for a in link_losses(track)]
['no position for 11 s in the air']
"""

from __future__ import annotations

from dronepatrol.reporting.flights import AIRBORNE_ALT_M
from dronepatrol.reporting.model import Alert
from dronepatrol.telemetry.model import Track

#: No position for this long (s) while airborne is a link loss (positions stream at 1-10 Hz).
LINK_GAP_S = 5.0


def link_losses(track: Track, *, gap_s: float = LINK_GAP_S) -> list[Alert]:
    """A ``link_lost`` alert for each gap of more than ``gap_s`` between airborne fixes."""
    out = []
    for a, b in zip(track.fixes, track.fixes[1:], strict=False):
        gap = b.t_s - a.t_s
        if gap > gap_s and a.alt_rel_m >= AIRBORNE_ALT_M and b.alt_rel_m >= AIRBORNE_ALT_M:
            out.append(
                Alert(t_s=a.t_s, drone=track.drone, kind="link_lost", text=f"no position for {gap:.0f} s in the air")
            )
    return out
