"""The report's figures, computed once here and shown by the page (and ``report --json``).

:func:`summarize` is pure: it takes the zone, missions, flown tracks, photos and alerts already
read, and returns a :class:`ReportSummary`. Times are UTC POSIX seconds (the page shows them in
Thai time), distances metres, durations seconds, areas hectares, shares percent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from dronepatrol.mission import Mission
from dronepatrol.planning.camera import Camera
from dronepatrol.reporting.coverage import Coverage, coverage
from dronepatrol.reporting.flights import all_flights
from dronepatrol.reporting.hotspots import HotspotVisits, flight_hours_per_week, hotspot_visits, planned_hotspots
from dronepatrol.reporting.model import ALERT_KINDS, Alert, Flight, Photo
from dronepatrol.telemetry.model import Track
from dronepatrol.zones.model import SafetyZone


@dataclass(frozen=True, kw_only=True)
class DroneFigures:
    """One drone's totals: flights, flown distance (m), airborne time (s), photos taken/tagged."""

    drone: str
    flights: int
    distance_m: float
    flight_time_s: float
    photos: int
    photos_tagged: int


@dataclass(frozen=True, kw_only=True)
class ReportSummary:
    """Everything the summary panel says."""

    zone: str
    span_s: tuple[float, float] | None  # first and last time seen (flights, photos, alerts), UTC s
    drones: tuple[DroneFigures, ...]
    flights: tuple[Flight, ...]
    photos: int
    photos_tagged: int
    untagged: tuple[str, ...]  # files without a position, as given
    coverage: Coverage | None
    hotspots: tuple[HotspotVisits, ...]
    alerts: tuple[Alert, ...]
    alert_counts: dict[str, int]
    authorizations: tuple[str, ...]
    hours_per_week: tuple[tuple[str, float], ...]
    planned_drones: tuple[str, ...] = field(default=())
    triggers: int = 0  # camera shots the drones reported (CAMERA_FEEDBACK)
    coverage_from: str = "photos"  # "photos", or "triggers" when no photos were given

    @property
    def distance_m(self) -> float:
        return sum(d.distance_m for d in self.drones)

    @property
    def flight_time_s(self) -> float:
        return sum(d.flight_time_s for d in self.drones)

    @property
    def hotspots_planned(self) -> int:
        return sum(h.planned for h in self.hotspots)

    @property
    def hotspots_visited_planned(self) -> int:
        return sum(h.planned and h.visited for h in self.hotspots)

    @property
    def hotspots_visited(self) -> int:
        return sum(h.visited for h in self.hotspots)

    def figures(self) -> dict[str, float | int | str | None]:
        """The headline figures, rounded as the page shows them (the browser test compares them)."""
        cov = self.coverage
        return {
            "flights": len(self.flights),
            "drones": len(self.drones),
            "distance_km": round(self.distance_m / 1000.0, 1),
            "flight_time_h": round(self.flight_time_s / 3600.0, 1),
            "photos": self.photos,
            "photos_tagged": self.photos_tagged,
            "photos_untagged": len(self.untagged),
            "camera_triggers": self.triggers,
            "coverage_pct": None if cov is None else round(cov.covered_pct, 1),
            "hotspots_planned": self.hotspots_planned,
            "hotspots_visited": self.hotspots_visited,
            "hotspots_planned_visited": self.hotspots_visited_planned,
            "alerts": len(self.alerts),
        }

    def to_dict(self) -> dict:
        """JSON-ready (``report --json``)."""
        cov = self.coverage
        return {
            "zone": self.zone,
            "span_utc_s": list(self.span_s) if self.span_s else None,
            "figures": self.figures(),
            "drones": [
                {
                    "drone": d.drone,
                    "flights": d.flights,
                    "distance_m": round(d.distance_m, 1),
                    "flight_time_s": round(d.flight_time_s, 1),
                    "photos": d.photos,
                    "photos_tagged": d.photos_tagged,
                }
                for d in self.drones
            ],
            "coverage": None
            if cov is None
            else {
                "covered_pct": round(cov.covered_pct, 2),
                "from": self.coverage_from,
                "target_ha": round(cov.target_m.area / 10_000.0, 3),
                "uncovered_ha": round(cov.uncovered_m.area / 10_000.0, 3),
                "communities": [
                    {
                        "name": c.name,
                        "area_ha": round(c.area_ha, 3),
                        "covered_pct": round(c.covered_pct, 2),
                        "photos": c.photos,
                        "last_photo_utc_s": c.last_photo_s,
                    }
                    for c in cov.communities
                ],
            },
            "hotspots": [
                {
                    "name": h.name,
                    "kind": h.kind,
                    "priority": h.priority,
                    "reasons": list(h.reasons),
                    "dwell_s": h.dwell_s,
                    "planned": h.planned,
                    "visits": len(h.visits),
                    "last_visit_utc_s": h.last_visit_s,
                    "per_week": dict(h.per_week),
                }
                for h in self.hotspots
            ],
            "alerts": [{"t_utc_s": a.t_s, "drone": a.drone, "kind": a.kind, "text": a.text} for a in self.alerts],
            "alert_counts": self.alert_counts,
            "authorizations": list(self.authorizations),
            "flight_hours_per_week": {w: round(h, 3) for w, h in self.hours_per_week},
            "untagged_photos": list(self.untagged),
        }


def summarize(
    zone: SafetyZone,
    *,
    missions: Sequence[Mission] = (),
    mission_summaries: Iterable[Mapping] = (),
    tracks: Sequence[Track] = (),
    photos: Sequence[Photo] = (),
    alerts: Sequence[Alert] = (),
    cameras: Mapping[str, Camera] | None = None,
    default_camera: Camera | None = None,
) -> ReportSummary:
    """All the report's figures for ``zone``.

    ``mission_summaries`` are the ``summary.json`` documents of the mission directories (planned
    hotspots, authorisations); ``cameras`` maps drone names to cameras for photo footprints.
    Without ``photos``, coverage is computed from the camera shots the tracks recorded.
    """
    summaries = list(mission_summaries)
    flights = all_flights(tracks, zone.frame)
    planned = planned_hotspots(zone, missions, summaries)
    visits = hotspot_visits(zone, flights, planned) if zone.hotspots else []
    shots = trigger_photos(tracks)
    basis = list(photos) if photos else shots  # before the photos come back: where the camera fired
    cov = coverage(zone, basis, cameras or {}, default_camera) if basis or flights else None

    names = sorted(
        {f.drone for f in flights} | {p.drone for p in photos if p.drone} | {m.drone for m in missions}, key=_natural
    )
    per_drone = []
    for name in names:
        mine = [f for f in flights if f.drone == name]
        own = [p for p in photos if p.drone == name]
        per_drone.append(
            DroneFigures(
                drone=name,
                flights=len(mine),
                distance_m=sum(f.distance_m for f in mine),
                flight_time_s=sum(f.duration_s for f in mine),
                photos=len(own),
                photos_tagged=sum(p.positioned for p in own),
            )
        )
    times = [t for f in flights for t in (f.start_s, f.end_s)]
    times += [p.t_s for p in photos if p.t_s is not None]
    times += [a.t_s for a in alerts]
    counts = Counter(a.kind for a in alerts)
    auth = sorted({s["authorization"] for s in summaries if isinstance(s.get("authorization"), str)})
    return ReportSummary(
        zone=zone.name,
        span_s=(min(times), max(times)) if times else None,
        drones=tuple(per_drone),
        flights=tuple(flights),
        photos=len(photos),
        photos_tagged=sum(p.positioned for p in photos),
        untagged=tuple(p.file for p in photos if not p.positioned),
        coverage=cov,
        hotspots=tuple(visits),
        alerts=tuple(sorted(alerts, key=lambda a: a.t_s)),
        alert_counts={k: counts.get(k, 0) for k in ALERT_KINDS},
        authorizations=tuple(auth),
        hours_per_week=tuple(flight_hours_per_week(flights)),
        planned_drones=tuple(sorted({m.drone for m in missions}, key=_natural)),
        triggers=len(shots),
        coverage_from="photos" if photos or not shots else "triggers",
    )


def trigger_photos(tracks: Sequence[Track]) -> list[Photo]:
    """The camera shots the drones reported, as photos without files (position, height, yaw)."""
    return [
        Photo(file=f"{t.drone} #{tr.index}", drone=t.drone, t_s=tr.t_s, lon=tr.lon, lat=tr.lat,
              alt_rel_m=tr.alt_rel_m, heading_deg=tr.yaw_deg)
        for t in tracks
        for tr in t.triggers
    ]


def _natural(name: str) -> tuple:
    import re

    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))
