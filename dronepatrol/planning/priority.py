"""Patrol priorities: a hotspot's own priority, raised where no camera watches and where crime is reported.

Rules (each one leaves a human-readable reason on the hotspot):

1. Start from the hotspot's ``priority`` (1-5, default 3; temporary incident hotspots start at 3).
2. **+1** when no *working* CCTV camera covers it: a camera covers a hotspot when the distance
   between them is at most the camera's ``range_m``. Broken cameras in range are named in the reason.
3. **+0..+2** for reported incidents within :data:`INCIDENT_RADIUS_M` (100 m). Each incident weighs
   ``0.5 ** (age_days / HALF_LIFE_DAYS)`` (half-life 7 days: a report from today weighs 1, from a
   week ago 0.5, from two weeks ago 0.25); reports dated after ``now`` weigh 1 and reports older than
   :data:`MAX_AGE_DAYS` (90 days) are ignored. The raise is ``floor(sum of weights + 0.5)`` capped at
   :data:`MAX_INCIDENT_RAISE` (2): one report raises a hotspot by one for a week, two fresh reports
   or more raise it by two.
4. Incidents farther than 100 m from every hotspot that cluster (two or more linked by hops of at
   most 100 m, single linkage) become a temporary ``incident`` hotspot at their centroid.
5. The result is capped to 1..5.

>>> from datetime import datetime, timezone
>>> now = datetime(2026, 5, 10, tzinfo=timezone.utc)
>>> incident_weight(now, now), incident_weight(datetime(2026, 5, 3, tzinfo=timezone.utc), now)
(1.0, 0.5)
>>> incident_raise([1.0]), incident_raise([0.5]), incident_raise([0.4]), incident_raise([1, 1, 1])
(1, 1, 0, 2)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np
from scipy.sparse.csgraph import connected_components
from shapely.geometry import Point

from dronepatrol.zones.model import DEFAULT_PRIORITY, Hotspot, SafetyZone

#: Incidents within this distance (metres) of a hotspot raise its priority; clusters link at it.
INCIDENT_RADIUS_M = 100.0
#: An incident's weight halves every this many days.
HALF_LIFE_DAYS = 7.0
#: Incidents older than this (days) are ignored.
MAX_AGE_DAYS = 90.0
#: Incidents raise a hotspot's priority by at most this much.
MAX_INCIDENT_RAISE = 2
#: Smallest number of incidents that makes a temporary hotspot.
MIN_CLUSTER = 2
MIN_PRIORITY, MAX_PRIORITY = 1, 5


@dataclass(frozen=True, kw_only=True)
class Incident:
    """A reported incident: degrees, an aware ``time``, and where it was read (``source``, ``line``)."""

    lon: float
    lat: float
    time: datetime
    type: str = ""
    description: str = ""
    source: str = ""
    line: int | None = None


@dataclass(frozen=True, kw_only=True)
class RankedHotspot:
    """A hotspot with its patrol ``priority`` (1-5) and the ``reasons`` for it, in order.

    ``base_priority`` is the priority in the zone file; ``temporary`` marks hotspots made from
    incident clusters; ``incidents`` counts the reports (any age up to 90 days) within 100 m.
    """

    hotspot: Hotspot
    priority: int
    base_priority: int
    reasons: tuple[str, ...] = ()
    temporary: bool = False
    incidents: int = 0
    uncovered: bool = False

    @property
    def name(self) -> str:
        return self.hotspot.name

    def to_dict(self) -> dict:
        """JSON-ready description (degrees, seconds)."""
        h = self.hotspot
        return {
            "name": h.name,
            "kind": h.kind,
            "lon": h.lon,
            "lat": h.lat,
            "priority": self.priority,
            "base_priority": self.base_priority,
            "reasons": list(self.reasons),
            "temporary": self.temporary,
            "incidents": self.incidents,
        }


@dataclass(frozen=True, kw_only=True)
class Priorities:
    """Everything :func:`rank_hotspots` found: ranked hotspots (zone order, then temporary ones)."""

    hotspots: tuple[RankedHotspot, ...]
    incidents_used: int = 0
    incidents_ignored: dict[str, int] = field(default_factory=dict)


def incident_weight(time: datetime, now: datetime) -> float:
    """Weight of an incident reported at ``time`` seen at ``now``: 1 for today, halving each week.

    Reports from the future weigh 1; reports older than :data:`MAX_AGE_DAYS` weigh 0.
    """
    age_days = (now - time).total_seconds() / 86400.0
    if age_days <= 0:
        return 1.0
    if age_days > MAX_AGE_DAYS:
        return 0.0
    return 0.5 ** (age_days / HALF_LIFE_DAYS)


def incident_raise(weights: Iterable[float]) -> int:
    """Priority raise for incidents of these weights: ``floor(sum + 0.5)`` capped at 2."""
    total = float(sum(weights))
    return min(MAX_INCIDENT_RAISE, math.floor(total + 0.5 + 1e-12))


def rank_hotspots(
    zone: SafetyZone,
    incidents: Sequence[Incident] = (),
    *,
    now: datetime | None = None,
) -> Priorities:
    """Patrol priority of every hotspot of ``zone`` plus temporary hotspots made from incidents.

    ``now`` (an aware datetime) dates the incidents; ``None`` takes the latest incident's time, so
    the result never depends on the clock.

    >>> from dronepatrol.zones import load_zone
    >>> ranked = rank_hotspots(load_zone("geofences/roiet.geojson"))
    >>> r = ranked.hotspots[4]; r.name, r.base_priority, r.priority
    ('Yaowarat gold shop', 5, 5)
    """
    if now is None and incidents:
        now = max(i.time for i in incidents)
    ignored: dict[str, int] = {}
    # incidents in metres; old ones ignored
    kept: list[tuple[Incident, float, float, float]] = []
    for inc in incidents:
        w = incident_weight(inc.time, now) if now is not None else 1.0
        if w <= 0.0:
            ignored["older than 90 days"] = ignored.get("older than 90 days", 0) + 1
            continue
        x, y = zone.frame.xy(inc.lon, inc.lat)
        kept.append((inc, x, y, w))

    hot_xy = np.array([h.xy for h in zone.hotspots], dtype=float).reshape(-1, 2)
    inc_xy = np.array([(x, y) for _, x, y, _ in kept], dtype=float).reshape(-1, 2)
    near = _within(hot_xy, inc_xy, INCIDENT_RADIUS_M)  # hotspots x incidents

    ranked = [
        _rank(h, zone, [kept[j] for j in np.flatnonzero(near[i])], temporary=False)
        for i, h in enumerate(zone.hotspots)
    ]

    # clusters of incidents far from every hotspot, inside the zone
    far = [j for j in range(len(kept)) if not near[:, j].any()]
    outside = [j for j in far if not zone.area_m.covers(_point(inc_xy[j]))]
    if outside:
        ignored["outside the zone"] = len(outside)
    far = [j for j in far if j not in set(outside)]
    temp: list[RankedHotspot] = []
    if len(far) >= MIN_CLUSTER:
        link = _within(inc_xy[far], inc_xy[far], INCIDENT_RADIUS_M)
        ncomp, labels = connected_components(link, directed=False)
        clusters = [[far[k] for k in np.flatnonzero(labels == c)] for c in range(ncomp)]
        clusters = [c for c in clusters if len(c) >= MIN_CLUSTER]
        # stable order: biggest first, then by first report's position in the file
        clusters.sort(key=lambda c: (-len(c), min(c)))
        for n, members in enumerate(clusters, start=1):
            cx, cy = inc_xy[members].mean(axis=0)
            lon, lat = zone.frame.lonlat(float(cx), float(cy))
            spot = Hotspot(
                name=f"Reported incidents {n} ({len(members)} reports)",
                lon=lon,
                lat=lat,
                x_m=float(cx),
                y_m=float(cy),
                kind="incident",
                priority=DEFAULT_PRIORITY,
            )
            temp.append(_rank(spot, zone, [kept[j] for j in members], temporary=True))
    lone = len(far) - sum(r.incidents for r in temp)
    if lone > 0:
        ignored["alone, far from every hotspot"] = lone
    return Priorities(
        hotspots=tuple(ranked + temp),
        incidents_used=len(kept) - len(outside) - max(lone, 0),
        incidents_ignored=ignored,
    )


def _rank(
    h: Hotspot,
    zone: SafetyZone,
    near: list[tuple[Incident, float, float, float]],
    *,
    temporary: bool,
) -> RankedHotspot:
    base = int(h.priority)
    p = base
    reasons: list[str] = []
    if temporary:
        kinds = sorted({i.type for i, *_ in near if i.type})
        what = f" ({', '.join(kinds)})" if kinds else ""
        reasons.append(
            f"temporary hotspot: {len(near)} reported incidents{what} within 100 m of each other, "
            f"far from every listed hotspot; starts at {base}"
        )
    else:
        reasons.append(f"zone file priority {base}")
    # CCTV coverage
    covering = [c for c in zone.cctv if math.dist(c.xy, h.xy) <= c.range_m]
    working = [c for c in covering if c.status == "working"]
    uncovered = not working
    if working:
        reasons.append(f"watched by working CCTV {working[0].name!r}: no raise")
    else:
        broken = [c.name for c in covering if c.status != "working"]
        why = f" ({', '.join(repr(b) for b in broken)} broken)" if broken else ""
        reasons.append(f"+1: no working CCTV covers it{why}")
        p += 1
    # incidents
    if near:
        weights = [w for *_, w in near]
        up = incident_raise(weights)
        latest = max(near, key=lambda t: t[0].time)[0]
        kind = f" {latest.type}" if latest.type else ""
        text = (
            f"{len(near)} reported incident{'s' if len(near) != 1 else ''} within 100 m "
            f"(weight {sum(weights):.2f}, latest{kind} {latest.time.isoformat(timespec='minutes')})"
        )
        reasons.append(f"+{up}: {text}" if up else f"no raise: {text}, too old to count")
        p += up
    capped = max(MIN_PRIORITY, min(MAX_PRIORITY, p))
    if capped != p:
        reasons.append(f"capped at {capped}")
    return RankedHotspot(
        hotspot=replace(h, priority=capped),
        priority=capped,
        base_priority=base,
        reasons=tuple(reasons),
        temporary=temporary,
        incidents=len(near),
        uncovered=uncovered,
    )


def _within(a: np.ndarray, b: np.ndarray, radius_m: float) -> np.ndarray:
    """Boolean matrix: ``a[i]`` within ``radius_m`` of ``b[j]`` (metres)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), dtype=bool)
    d = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
    return d <= radius_m


def _point(xy: np.ndarray) -> Point:
    return Point(float(xy[0]), float(xy[1]))


__all__ = [
    "HALF_LIFE_DAYS",
    "INCIDENT_RADIUS_M",
    "MAX_AGE_DAYS",
    "MAX_INCIDENT_RAISE",
    "Incident",
    "Priorities",
    "RankedHotspot",
    "incident_raise",
    "incident_weight",
    "rank_hotspots",
]
