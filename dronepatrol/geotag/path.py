"""A drone's flown path as a function of time: positions between fixes, linear in local metres.

Fixes are projected once into the track's UTM frame; a position at time ``t_s`` (UTC seconds,
vehicle clock) is the linear interpolation of x/y metres, altitude (AMSL and above home) and
heading between the two fixes around it. Headings are unwrapped first, so 350 deg -> 10 deg passes
through 0 deg, not 180 deg.

>>> from dronepatrol.telemetry.model import Fix
>>> a = Fix(t_s=0.0, lat=16.0, lon=103.65, alt_amsl_m=200.0, alt_rel_m=50.0, heading_deg=350.0)
>>> b = Fix(t_s=2.0, lat=16.0, lon=103.65 + 20 / 106_990, alt_amsl_m=210.0, alt_rel_m=60.0, heading_deg=10.0)
>>> path = FlightPath([a, b])
>>> p = path.at(1.0)
>>> east_m = path.frame.xy(p.lon, p.lat)[0] - path.frame.xy(103.65, 16.0)[0]
>>> round(p.alt_amsl_m, 3), round(p.heading_deg, 3), round(east_m, 1)
(205.0, 0.0, 10.0)
>>> path.at(5.0) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dronepatrol.geo import LocalFrame
from dronepatrol.telemetry.model import Fix

#: Interpolating across a gap longer than this (seconds between fixes) is refused.
MAX_GAP_S = 5.0


@dataclass(frozen=True, kw_only=True)
class Position:
    """Where the drone was: degrees, metres (AMSL, above home, and east/north in ``frame``),
    heading degrees clockwise from north (``None`` where the log has none)."""

    t_s: float
    lat: float
    lon: float
    alt_amsl_m: float
    alt_rel_m: float
    heading_deg: float | None
    x_m: float
    y_m: float


class FlightPath:
    """Fixes (any order; duplicates of one time keep the first) ready for interpolation."""

    def __init__(self, fixes: Sequence[Fix], *, frame: LocalFrame | None = None, max_gap_s: float = MAX_GAP_S):
        fixes = sorted(fixes, key=lambda f: f.t_s)
        keep = [f for k, f in enumerate(fixes) if k == 0 or f.t_s > fixes[k - 1].t_s]
        if not keep:
            raise ValueError("a flight path needs at least one fix")
        self.frame = frame or LocalFrame.around(keep[0].lon, keep[0].lat)
        self.max_gap_s = max_gap_s
        self.t = np.array([f.t_s for f in keep])
        lon = np.array([f.lon for f in keep])
        lat = np.array([f.lat for f in keep])
        x, y = self.frame._fwd.transform(lon, lat)
        self.x, self.y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        self.alt_amsl = np.array([f.alt_amsl_m for f in keep])
        self.alt_rel = np.array([f.alt_rel_m for f in keep])
        h = np.array([np.nan if f.heading_deg is None else f.heading_deg for f in keep], dtype=float)
        self._h_ok = np.isfinite(h)
        self._h_t = self.t[self._h_ok]
        self._h = np.unwrap(h[self._h_ok], period=360.0) if self._h_ok.any() else h[:0]

    @property
    def span_s(self) -> tuple[float, float]:
        """First and last fix time, UTC seconds."""
        return float(self.t[0]), float(self.t[-1])

    def covers(self, t_s: float) -> bool:
        """True when ``t_s`` lies within the fixes (ends included)."""
        return bool(self.t[0] <= t_s <= self.t[-1])

    def gap_at(self, t_s: float) -> float:
        """Seconds between the fixes around ``t_s`` (0 on a fix, inf outside the path)."""
        if not self.covers(t_s):
            return float("inf")
        k = int(np.searchsorted(self.t, t_s, side="left"))
        if self.t[k] == t_s:
            return 0.0
        return float(self.t[k] - self.t[k - 1])

    def heading_at(self, t_s: float) -> float | None:
        """Interpolated heading (degrees, 0-360) or ``None`` without headings in the log."""
        if not len(self._h_t):
            return None
        return float(np.interp(t_s, self._h_t, self._h) % 360.0)

    def at(self, t_s: float) -> Position | None:
        """Position at ``t_s``; ``None`` outside the path or across a gap over ``max_gap_s``."""
        if self.gap_at(t_s) > self.max_gap_s:
            return None
        x = float(np.interp(t_s, self.t, self.x))
        y = float(np.interp(t_s, self.t, self.y))
        lon, lat = self.frame.lonlat(x, y)
        return Position(
            t_s=t_s,
            lat=lat,
            lon=lon,
            alt_amsl_m=float(np.interp(t_s, self.t, self.alt_amsl)),
            alt_rel_m=float(np.interp(t_s, self.t, self.alt_rel)),
            heading_deg=self.heading_at(t_s),
            x_m=x,
            y_m=y,
        )


__all__ = ["MAX_GAP_S", "FlightPath", "Position"]
