"""Raw features -> metric :class:`SafetyZone`, with the cross-feature checks and airport rings."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from dronepatrol.geo import LocalFrame, haversine_m
from dronepatrol.rules import DEFAULT_RULES, Rules
from dronepatrol.zones.findings import Finding
from dronepatrol.zones.model import (
    DEFAULT_CCTV_RANGE_M,
    DEFAULT_MAX_ALT_M,
    DEFAULT_PRIORITY,
    Cctv,
    Community,
    Hotspot,
    LaunchSite,
    NoFly,
    SafetyZone,
)
from dronepatrol.zones.validate import RawFeature, parse_features

#: Airport rings closer than this to the zone (metres) are included: a fence must know them.
AIRPORT_REACH_M = 2000.0
#: Segments per quarter circle when a circle becomes a polygon.
CIRCLE_QUAD_SEGS = 16


@dataclass
class ZoneReport:
    """Everything ``zone check`` reports: the findings, and the zone when it is valid."""

    source: str
    findings: list[Finding] = field(default_factory=list)
    zone: SafetyZone | None = None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]

    @property
    def ok(self) -> bool:
        return self.zone is not None and not self.errors


def check_zone_text(text: str, source: str, rules: Rules = DEFAULT_RULES) -> ZoneReport:
    """Validate GeoJSON text; the report holds every finding and, if valid, the metric zone."""
    raw = parse_features(text)
    report = ZoneReport(source=source, findings=list(raw.findings))
    zones = [f for f in raw.features if f.role == "zone"]
    if not zones:
        if "zone" not in raw.declared_roles and not any(f.is_error and f.feature is None for f in report.findings):
            report.findings.append(
                Finding(
                    severity="error",
                    message='no zone: no feature has role "zone"',
                    hint='draw the safety-zone boundary as a Polygon with "role": "zone"',
                )
            )
        return report
    if report.errors:
        return report
    report.zone = _build(raw.features, source, rules, report.findings)
    return report


def _build(features: list[RawFeature], source: str, rules: Rules, findings: list[Finding]) -> SafetyZone:
    zones = [f for f in features if f.role == "zone"]
    lonlat_area = shapely.union_all([f.geometry for f in zones])
    c = lonlat_area.centroid
    frame = LocalFrame.around(c.x, c.y)
    area_m = frame.to_m(lonlat_area)
    zone_name = next((f.name for f in zones if f.name), "safety zone")
    max_alts = [float(f.props["max_alt_m"]) for f in zones if f.props.get("max_alt_m") is not None]
    max_alt_m = min(max_alts) if max_alts else DEFAULT_MAX_ALT_M
    if max_alt_m > rules.max_alt_m:
        findings.append(
            Finding(
                severity="warning",
                message=f"max_alt_m {max_alt_m:g} is above the legal {rules.max_alt_m:g} m; "
                f"{rules.max_alt_m:g} m is used",
                hint="lower max_alt_m",
                feature=zones[0].index,
                name=zones[0].name,
            )
        )
        max_alt_m = rules.max_alt_m

    def warn(f: RawFeature, message: str, hint: str, where: Any = None) -> None:
        findings.append(
            Finding(severity="warning", message=message, hint=hint, feature=f.index, name=f.name, where=where)
        )

    def label(f: RawFeature, role: str, n: int) -> str:
        return f.name or f"{role} {n}"

    nofly: list[NoFly] = []
    hotspots: list[Hotspot] = []
    cctv: list[Cctv] = []
    launches: list[LaunchSite] = []
    communities: list[Community] = []
    counts: Counter[str] = Counter()
    for f in features:
        counts[f.role] += 1
        n = counts[f.role]
        if f.role == "zone":
            continue
        if f.role in ("nofly", "community"):
            if isinstance(f.geometry, Point):
                r = float(f.props["radius_m"])
                x, y = frame.xy(f.geometry.x, f.geometry.y)
                geom_m = _circle(x, y, r)
                circle = (f.geometry.x, f.geometry.y, r)
            else:
                geom_m = frame.to_m(f.geometry)
                circle = None
            if f.role == "community":
                communities.append(Community(name=label(f, "community", n), area_m=geom_m, feature=f.index))
                continue
            if not geom_m.intersects(area_m):
                warn(f, "no-fly area lies outside the zone; it has no effect", "check its position")
            polys = geom_m.geoms if isinstance(geom_m, MultiPolygon) else [geom_m]
            for k, poly in enumerate(polys):
                nofly.append(
                    NoFly(
                        name=label(f, "no-fly", n) + (f" part {k + 1}" if len(polys) > 1 else ""),
                        area_m=poly,
                        reason=str(f.props.get("reason", "")),
                        feature=f.index,
                        circle=circle,
                    )
                )
            continue
        pt = f.geometry
        x, y = frame.xy(pt.x, pt.y)
        common = dict(name=label(f, f.role, n), lon=pt.x, lat=pt.y, x_m=x, y_m=y, feature=f.index)
        inside = area_m.covers(Point(x, y))
        if f.role == "hotspot":
            if not inside:
                warn(f, "hotspot lies outside the zone", "move it inside or extend the zone", (pt.x, pt.y))
            dwell = f.props.get("dwell_s")
            hotspots.append(
                Hotspot(
                    **common,
                    kind=str(f.props.get("kind") or "other"),
                    priority=int(f.props.get("priority") or DEFAULT_PRIORITY),
                    dwell_s=None if dwell is None else float(dwell),
                )
            )
        elif f.role == "cctv":
            cctv.append(
                Cctv(
                    **common,
                    status=str(f.props["status"]),
                    range_m=float(f.props.get("range_m") or DEFAULT_CCTV_RANGE_M),
                )
            )
        elif f.role == "launch":
            if not inside:
                warn(f, "launch site lies outside the zone", "move it inside the zone", (pt.x, pt.y))
            launches.append(LaunchSite(**common))

    for n in list(nofly):
        for s in [*launches, *hotspots]:
            if n.area_m.covers(Point(s.x_m, s.y_m)):
                kind = "launch site" if isinstance(s, LaunchSite) else "hotspot"
                findings.append(
                    Finding(
                        severity="warning",
                        message=f'{kind} lies inside no-fly area "{n.name}"',
                        hint="move it out of the no-fly area",
                        feature=s.feature,
                        name=s.name,
                        where=(s.lon, s.lat),
                    )
                )

    nofly.extend(_airport_rings(frame, area_m, rules, findings, zones[0]))
    return SafetyZone(
        name=zone_name,
        source=source,
        frame=frame,
        area_m=area_m,
        max_alt_m=max_alt_m,
        nofly=tuple(nofly),
        hotspots=tuple(hotspots),
        cctv=tuple(cctv),
        launches=tuple(launches),
        communities=tuple(communities),
    )


def _circle(x: float, y: float, r: float) -> Polygon:
    """A polygon circumscribing the circle of radius ``r`` metres (so it covers the whole disc)."""
    scale = 1.0 / math.cos(math.pi / (4 * CIRCLE_QUAD_SEGS))
    return Point(x, y).buffer(r * scale, quad_segs=CIRCLE_QUAD_SEGS)


def _airport_rings(
    frame: LocalFrame, area_m: Any, rules: Rules, findings: list[Finding], zone_feature: RawFeature
) -> list[NoFly]:
    rings = []
    for ap in rules.airports:
        # quick reject far airports in degrees before projecting
        c = frame.to_lonlat(area_m.centroid)
        if haversine_m(ap.lon, ap.lat, c.x, c.y) > rules.airport_radius_m + 200_000:
            continue
        x, y = frame.xy(ap.lon, ap.lat)
        ring = _circle(x, y, rules.airport_radius_m)
        if ring.distance(area_m) > AIRPORT_REACH_M:
            continue
        rings.append(
            NoFly(
                name=f"{ap.icao} {ap.name} {rules.airport_radius_m / 1000:g} km ring",
                area_m=ring,
                reason=f"airport ({ap.source}, {ap.as_of})",
                circle=(ap.lon, ap.lat, rules.airport_radius_m),
                airport=ap.icao,
            )
        )
        if ring.intersects(area_m):
            inside = area_m.intersection(ring).area / area_m.area
            findings.append(
                Finding(
                    severity="warning",
                    message=f"{inside:.0%} of the zone is inside the {rules.airport_radius_m / 1000:g} km "
                    f"ring of {ap.icao} {ap.name}",
                    hint="missions there need a recorded --authorization ID",
                    feature=zone_feature.index,
                    name=zone_feature.name,
                )
            )
    return rings
