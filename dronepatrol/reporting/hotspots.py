"""Hotspot visits: a drone visited a hotspot when it stayed within 30 m of it for at least the
hotspot's dwell time (its ``dwell_s``, else the planner's default for its kind).

Planned visits come from the missions: a patrol's ``summary.json`` lists the hotspots of each
drone's route (with the dwell and the priority reasons); for missions without one, a hotspot is
planned when a mission waypoint lies within 30 m of it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from dronepatrol.geo import LocalFrame
from dronepatrol.mission import Mission
from dronepatrol.reporting.flights import positions_m
from dronepatrol.reporting.model import Flight
from dronepatrol.reporting.timefmt import week_start
from dronepatrol.zones.model import Hotspot, SafetyZone

#: A drone within this horizontal distance (m) of a hotspot is at it.
VISIT_RADIUS_M = 30.0


@dataclass(frozen=True, kw_only=True)
class Visit:
    """One visit: ``drone`` was within the radius from ``start_s`` to ``end_s`` (UTC s)."""

    hotspot: str
    drone: str
    start_s: float
    end_s: float


@dataclass(frozen=True, kw_only=True)
class HotspotVisits:
    """One hotspot's figures: planned or not, visits flown, visits per week, the priority reasons."""

    name: str
    kind: str
    priority: int
    reasons: tuple[str, ...]
    dwell_s: float
    planned: bool
    visits: tuple[Visit, ...]
    per_week: tuple[tuple[str, int], ...]  # (Monday ISO date, visits), weeks in order

    @property
    def visited(self) -> bool:
        return bool(self.visits)

    @property
    def last_visit_s(self) -> float | None:
        return max((v.end_s for v in self.visits), default=None)


def default_dwell_s(hotspot: Hotspot) -> float:
    """The dwell a patrol plan gives ``hotspot`` (its ``dwell_s``, else the kind's default)."""
    from dronepatrol.planning.patrol import DEFAULT_DWELL_S  # the planner's table, one source

    if hotspot.dwell_s is not None:
        return float(hotspot.dwell_s)
    return DEFAULT_DWELL_S.get(hotspot.kind, DEFAULT_DWELL_S["other"])


def visits_at(
    xy: tuple[float, float],
    dwell_s: float,
    flight: Flight,
    frame: LocalFrame,
    name: str = "",
    *,
    radius_m: float = VISIT_RADIUS_M,
) -> list[Visit]:
    """Visits of ``flight`` to the point ``xy`` (metres): runs of consecutive fixes within
    ``radius_m`` lasting at least ``dwell_s`` seconds."""
    pts = positions_m(flight, frame)
    inside = np.hypot(pts[:, 0] - xy[0], pts[:, 1] - xy[1]) <= radius_m
    out: list[Visit] = []
    if not inside.any():
        return out
    edges = np.flatnonzero(np.diff(np.concatenate([[0], inside.astype(np.int8), [0]])))
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        t0, t1 = flight.fixes[start].t_s, flight.fixes[stop - 1].t_s
        if t1 - t0 >= dwell_s:
            out.append(Visit(hotspot=name, drone=flight.drone, start_s=t0, end_s=t1))
    return out


def planned_hotspots(zone: SafetyZone, missions: Sequence[Mission], summaries: Iterable[Mapping]) -> dict[str, dict]:
    """Hotspot name -> what the plan says of it (``dwell_s``, ``reasons``, ``priority`` when a
    patrol summary gives them; ``{}`` for a hotspot found near a waypoint)."""
    planned: dict[str, dict] = {}
    for summary in summaries:
        for drone in summary.get("drones", []) or []:
            for stop in drone.get("hotspots", []) or []:
                if isinstance(stop, Mapping) and isinstance(stop.get("name"), str):
                    planned.setdefault(stop["name"], dict(stop))
    points = [(i.lon, i.lat) for m in missions for i in m.items if i.has_position]
    if points:
        xy = np.array([zone.frame.xy(lon, lat) for lon, lat in points])
        for h in zone.hotspots:
            if h.name not in planned and np.hypot(xy[:, 0] - h.x_m, xy[:, 1] - h.y_m).min() <= VISIT_RADIUS_M:
                planned[h.name] = {}
    return planned


def hotspot_visits(zone: SafetyZone, flights: Sequence[Flight], planned: Mapping[str, Mapping]) -> list[HotspotVisits]:
    """Every hotspot of the zone with its visits, in zone order."""
    from dronepatrol.planning.priority import rank_hotspots

    ranked = {r.hotspot.name: r for r in rank_hotspots(zone).hotspots}
    weeks = [w for w, _ in flight_hours_per_week(flights)]
    out = []
    for h in zone.hotspots:
        plan = planned.get(h.name, {})
        dwell = float(plan.get("dwell_s") or default_dwell_s(h))
        visits = [v for f in flights for v in visits_at(h.xy, dwell, f, zone.frame, h.name)]
        visits.sort(key=lambda v: v.start_s)
        count = Counter(week_start(v.start_s) for v in visits)
        r = ranked.get(h.name)
        reasons = tuple(plan.get("reasons") or (r.reasons if r else ()))
        priority = int(plan.get("priority") or (r.priority if r else h.priority))
        out.append(
            HotspotVisits(
                name=h.name,
                kind=h.kind,
                priority=priority,
                reasons=reasons,
                dwell_s=dwell,
                planned=h.name in planned,
                visits=tuple(visits),
                per_week=tuple((w, count[w]) for w in weeks),
            )
        )
    return out


def flight_hours_per_week(flights: Sequence[Flight]) -> list[tuple[str, float]]:
    """(Monday ISO date, flight hours) for every week from the first flight to the last, gaps as 0."""
    hours: defaultdict[str, float] = defaultdict(float)
    for f in flights:
        hours[week_start(f.start_s)] += f.duration_s / 3600.0
    if not hours:
        return []
    from datetime import date, timedelta

    first, last = date.fromisoformat(min(hours)), date.fromisoformat(max(hours))
    out = []
    d = first
    while d <= last:
        out.append((d.isoformat(), hours.get(d.isoformat(), 0.0)))
        d += timedelta(days=7)
    return out
