"""Alerts for the report: what the pilots had to react to during the flights.

- **link losses**: no position for more than :data:`LINK_GAP_S` seconds while in the air
  (:func:`link_losses`, from the track itself);
- **failsafes**: ArduCopter announces them in STATUSTEXT ("Radio Failsafe", "Battery Failsafe",
  "GCS Failsafe", "EKF Failsafe"...; "... Cleared" ends one and is not an alert);
- **fence breaches**: FENCE_STATUS turning ``breached`` on (or a "Fence Breach" STATUSTEXT);
- **other**: STATUSTEXT of severity ERROR or worse (crash check, EKF variance...), pre-arm
  messages excepted (they are about the ground).

:func:`log_alerts` reads them from decoded samples (:mod:`dronepatrol.telemetry.samples`), one
alert per event: a text repeated within :data:`REPEAT_S` seconds (both directions of a link
recorded, or the autopilot repeating it) counts once.

>>> from dronepatrol.telemetry.model import Fix, Track
>>> fx = [Fix(t_s=t, lat=16.0, lon=103.0, alt_amsl_m=0.0, alt_rel_m=40.0) for t in (0.0, 1.0, 12.0, 13.0)]
>>> track = Track(drone="drone1", system_id=1, fixes=tuple(fx), triggers=(), time_source="vehicle")
>>> [a.text for a in link_losses(track)]
['no position for 11 s in the air']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dronepatrol.reporting.flights import AIRBORNE_ALT_M
from dronepatrol.reporting.model import Alert
from dronepatrol.telemetry.model import Track
from dronepatrol.telemetry.samples import FenceState, Sample, StatusText

#: No position for this long (s) while airborne is a link loss (positions stream at 1-10 Hz).
LINK_GAP_S = 5.0
#: The same text from the same drone within this many seconds is one alert.
REPEAT_S = 30.0
#: MAV_SEVERITY_ERROR: this or worse (lower) is an alert.
SEVERITY_ERROR = 3


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


def text_kind(rec: StatusText) -> str | None:
    """The alert kind of a STATUSTEXT, or ``None`` if it is no alert.

    >>> [text_kind(StatusText(severity=s, text=t)) for s, t in
    ...  [(2, "Radio Failsafe"), (6, "Radio Failsafe Cleared"), (2, "Fence Breach"), (3, "PreArm: GPS"),
    ...   (2, "Crash: Disarming"), (6, "Mission: 3 WP")]]
    ['failsafe', None, 'fence', None, 'other', None]
    """
    low = rec.text.lower()
    if "cleared" in low or low.startswith("prearm"):
        return None
    if "failsafe" in low:
        return "failsafe"
    if "fence" in low and "breach" in low:
        return "fence"
    if rec.severity <= SEVERITY_ERROR:
        return "other"
    return None


def log_alerts(samples: Iterable[Sample], drones: Mapping[int, str]) -> list[Alert]:
    """Alerts in ``samples`` from the vehicles named in ``drones`` (system id -> drone name)."""
    out: list[Alert] = []
    last: dict[tuple[int, str], float] = {}
    breached: dict[int, bool] = {}
    for s in samples:
        name = drones.get(s.system_id)
        if name is None:
            continue
        rec = s.record
        if isinstance(rec, FenceState):
            if rec.breached and not breached.get(s.system_id, False):
                out.append(Alert(t_s=s.t_rx_s, drone=name, kind="fence", text=f"fence breach ({rec.breach_count})"))
            breached[s.system_id] = rec.breached
            continue
        if not isinstance(rec, StatusText):
            continue
        kind = text_kind(rec)
        if kind is None or (kind == "fence" and breached.get(s.system_id, False)):
            continue
        key = (s.system_id, rec.text)
        if key in last and s.t_rx_s - last[key] <= REPEAT_S:
            last[key] = s.t_rx_s
            continue
        last[key] = s.t_rx_s
        out.append(Alert(t_s=s.t_rx_s, drone=name, kind=kind, text=rec.text))
    return out
