"""Flown tracks and camera triggers: what geotagging and the report read from a flight log.

Times are UTC POSIX seconds (``t_s``) taken from the **vehicle's** clock where the log allows
(``SYSTEM_TIME`` / ``time_boot_ms``, ``CAMERA_FEEDBACK.time_usec``); ``Track.time_source`` says
which clock was used. Positions are degrees, altitudes metres (``alt_amsl_m`` above mean sea
level, ``alt_rel_m`` above home), headings degrees clockwise from north.

>>> f = Fix(t_s=1.0, lat=16.05, lon=103.65, alt_amsl_m=210.0, alt_rel_m=60.0, heading_deg=90.0)
>>> t = Track(drone="drone1", system_id=1, fixes=(f,), triggers=(), time_source="vehicle")
>>> t.span_s
(1.0, 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Fix:
    """One position sample (GLOBAL_POSITION_INT). ``ground_speed_m_s`` from vx, vy."""

    t_s: float
    lat: float
    lon: float
    alt_amsl_m: float
    alt_rel_m: float
    heading_deg: float | None = None
    ground_speed_m_s: float | None = None


@dataclass(frozen=True, kw_only=True)
class Trigger:
    """One camera shot the vehicle reported (CAMERA_FEEDBACK): ``index`` is its img_idx."""

    t_s: float
    index: int
    lat: float
    lon: float
    alt_amsl_m: float
    alt_rel_m: float
    yaw_deg: float | None = None


@dataclass(frozen=True, kw_only=True)
class Track:
    """One drone's flight log: its fixes and triggers in time order."""

    drone: str
    system_id: int
    fixes: tuple[Fix, ...]
    triggers: tuple[Trigger, ...]
    time_source: str  # "vehicle" (SYSTEM_TIME / boot time mapped to UTC), "receiver" (log stamps) or "mixed"
    source: str = ""  # the file it was read from, for messages
    warnings: tuple[str, ...] = ()  # damage met while reading (byte offsets), for messages

    @property
    def span_s(self) -> tuple[float, float] | None:
        """(first, last) fix time in UTC seconds, or ``None`` without fixes."""
        if not self.fixes:
            return None
        return self.fixes[0].t_s, self.fixes[-1].t_s
