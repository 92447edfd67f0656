"""Survey planner benchmark (issue 4): dronepatrol vs a QGroundControl-style baseline.

Run: ``.venv/bin/python benchmarks/survey.py``

Zones (metres, built in a UTM frame near Roi Et, 3 launch sites each): a rotated rectangle, a U
shape, a rectangle with two no-fly polygons and a no-fly circle, a 30-vertex irregular polygon, an
L shape with a no-fly area cutting its edge, a 10 km² zone with 20 no-fly holes.

Figures per zone and planner:

- ``path/LB``: survey path (first lane start to last lane end, all drones and sorties; transit to
  and from the launch sites excluded) over the lower bound ``area / spacing + (lanes at the
  minimum-width direction - 1) x spacing``, with ``area`` the free region (zone shrunk by the
  margin minus the no-fly areas grown by it) and the lanes counted across its narrowest width;
- ``cov %``: share of the free region within half a lane spacing of a photographed lane;
- ``photo %``: share of the zone minus no-fly areas inside the photos' footprint (lanes
  buffered by half the footprint width);
- ``intr``: legs (lanes, links, transits) that enter a no-fly area or leave the zone, and their
  metres inside;
- ``balance``: max/min of the drones' estimated flight times (the baseline does not split: one
  drone flies everything);
- ``ms``: planning time (dronepatrol: the whole ``plan_survey``, missions and fences included).

A second table (issue 13) plans every zone again with its three launch sites clustered on one field
(15 m apart, at the first site): ``path/LB`` as above; ``photo %`` the share of the zone minus
no-fly areas inside at least one photo footprint at the trigger points (footprints from altitude,
camera and heading, :mod:`dronepatrol.planning.footprints`); ``balance``; ``deconf %`` the extra
time until the last drone lands against the same plan without separation (start offsets and
holds), over that plan's time; ``spread m`` the altitude layers used; ``check`` whether
``mission check`` passes the plan; ``ms`` the whole planning time.

The baseline is QGroundControl's survey: one transect per sweep line, from its first to its last
crossing of the zone polygon (shrunk by the same margin, as a pilot would draw it), no holes,
boustrophedon order, at the best single angle (the minimum-width direction; QGC never picks it).
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon, box

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dronepatrol.config import default_fleet
from dronepatrol.errors import SafetyError
from dronepatrol.geo import LocalFrame
from dronepatrol.planning.camera import CAMERAS, survey_spacing
from dronepatrol.planning.checks import check_missions
from dronepatrol.planning.coverage import covered_fraction
from dronepatrol.planning.headings import min_width_heading, min_width_m
from dronepatrol.planning.paths import free_region
from dronepatrol.planning.survey import plan_survey
from dronepatrol.zones.model import LaunchSite, NoFly, SafetyZone

X0, Y0 = 355_000.0, 1_775_000.0  # UTM 48N, Roi Et
FRAME = LocalFrame.from_epsg(32648)
MARGIN_M = 10.0
ALT_M = 60.0


def _zone(
    name: str, area: Polygon, nofly: list[tuple[str, Polygon]], launches: list[tuple[float, float]]
) -> SafetyZone:
    area = affinity.translate(area, X0, Y0)
    sites = []
    for i, (x, y) in enumerate(launches):
        lon, lat = FRAME.lonlat(x + X0, y + Y0)
        sites.append(LaunchSite(name=f"launch {i + 1}", lon=lon, lat=lat, x_m=x + X0, y_m=y + Y0))
    nf = []
    for label, poly in nofly:
        p = affinity.translate(poly, X0, Y0)
        circle = None
        if label.startswith("circle"):
            c = p.centroid
            lon, lat = FRAME.lonlat(c.x, c.y)
            circle = (lon, lat, math.sqrt(p.area / math.pi))
        nf.append(NoFly(name=label, area_m=p, circle=circle))
    return SafetyZone(name=name, source=f"benchmark:{name}", frame=FRAME, area_m=area, nofly=tuple(nf),
                      launches=tuple(sites))


def _circle(x: float, y: float, r: float) -> Polygon:
    return Point(x, y).buffer(r, quad_segs=16)


def zones() -> list[SafetyZone]:
    out = []
    rect = affinity.rotate(box(0, 0, 1250, 800), 30, origin=(0, 0))
    out.append(_zone("rotated rectangle", rect, [], [(-200, 300), (100, 500), (300, 700)]))

    u = box(0, 0, 1200, 1000).difference(box(350, 300, 850, 1000))
    out.append(_zone("U shape", u, [], [(150, 100), (600, 150), (1050, 100)]))

    holes = [
        ("polygon A", box(250, 250, 400, 350)),
        ("polygon B", affinity.rotate(box(700, 500, 820, 620), 25)),
        ("circle C", _circle(900, 250, 60)),
    ]
    out.append(_zone("rect + 3 no-fly", box(0, 0, 1200, 900), holes, [(100, 100), (600, 800), (1100, 450)]))

    rng = np.random.default_rng(4)
    ang = np.sort(rng.uniform(0, 2 * math.pi, 30))
    rad = rng.uniform(430, 680, 30)
    irregular = Polygon(np.column_stack([600 + rad * np.cos(ang), 600 + rad * np.sin(ang)])).buffer(0)
    out.append(_zone("30-vertex irregular", irregular, [], [(600, 600), (500, 400), (750, 700)]))

    ell = box(0, 0, 1200, 1000).difference(box(600, 500, 1200, 1000))
    cut = ("edge cut", box(-60, 350, 140, 520))
    out.append(_zone("L + no-fly on edge", ell, [cut], [(300, 100), (900, 250), (300, 800)]))

    big = Polygon([(0, 0), (3600, 0), (3700, 1500), (3500, 2900), (200, 2800), (-100, 1400)])
    holes20 = []
    rng = np.random.default_rng(20)
    k = 0
    for gx in range(5):
        for gy in range(4):
            x = 350 + gx * 700 + rng.uniform(-120, 120)
            y = 350 + gy * 680 + rng.uniform(-120, 120)
            if k % 2 == 0:
                holes20.append((f"circle {k}", _circle(x, y, rng.uniform(40, 90))))
            else:
                w, h = rng.uniform(80, 200), rng.uniform(60, 160)
                holes20.append((f"polygon {k}", affinity.rotate(box(x - w / 2, y - h / 2, x + w / 2, y + h / 2),
                                                                rng.uniform(0, 90))))
            k += 1
    out.append(_zone("10 km² + 20 holes", big, holes20, [(700, 150), (1800, 1400), (3000, 2600)]))
    return out


def _legs(paths: list[list[tuple[float, float]]]) -> list[LineString]:
    return [LineString([p[i - 1], p[i]]) for p in paths for i in range(1, len(p)) if p[i - 1] != p[i]]


def intrusions(zone: SafetyZone, paths: list[list[tuple[float, float]]]) -> tuple[int, float]:
    """Legs entering a no-fly area or leaving the zone, and their metres there."""
    bad_area = zone.area_m.buffer(0.01).boundary.union(
        shapely.union_all([n.area_m for n in zone.nofly]) if zone.nofly else Polygon())
    outside = box(*zone.area_m.buffer(1000).bounds).difference(zone.area_m.buffer(0.01))
    nofly = shapely.union_all([n.area_m.buffer(-0.01) for n in zone.nofly]) if zone.nofly else Polygon()
    bad = outside.union(nofly)
    shapely.prepare(bad)
    del bad_area
    count, metres = 0, 0.0
    for leg in _legs(paths):
        if bad.intersects(leg):
            count += 1
            metres += leg.intersection(bad).length
    return count, metres


def lower_bound(free, spacing: float) -> float:
    lanes = math.ceil(min_width_m(free) / spacing)
    return free.area / spacing + (lanes - 1) * spacing


def qgc_baseline(zone: SafetyZone, spacing: float) -> tuple[list[tuple[float, float]], float]:
    """One transect per sweep line between its outermost crossings; boustrophedon; seconds."""
    t0 = time.perf_counter()
    outer = Polygon(zone.area_m.buffer(-MARGIN_M, join_style="mitre").exterior)
    heading = min_width_heading(outer) or 0.0
    beta = math.radians(90.0 - heading)
    rot = affinity.rotate(outer, -beta, origin=(0, 0), use_radians=True)
    x0, y0, x1, y1 = rot.bounds
    n = max(1, math.ceil((y1 - y0) / spacing))
    ys = y0 + spacing / 2 + np.arange(n) * spacing
    ys = ys + ((y1 - y0) - (n - 1) * spacing) / 2 - spacing / 2
    path: list[tuple[float, float]] = []
    for k, y in enumerate(ys):
        hit = rot.intersection(LineString([(x0 - 1, y), (x1 + 1, y)]))
        if hit.is_empty:
            continue
        xs = [c[0] for c in shapely.get_coordinates(hit)]
        a, b = (min(xs), y), (max(xs), y)
        path.extend([a, b] if k % 2 == 0 else [b, a])
    back = affinity.rotate(LineString(path), beta, origin=(0, 0), use_radians=True)
    return [tuple(c) for c in back.coords], time.perf_counter() - t0


def run() -> None:
    cam = CAMERAS["dji-mavic3e"]
    spacing = survey_spacing(cam, alt_m=ALT_M)
    s = spacing.lane_spacing_m
    fleet = default_fleet(3)
    print(f"camera {cam.name} at {ALT_M:g} m: lane spacing {s:.2f} m, footprint {spacing.footprint_side_m:.1f} m, "
          f"margin {MARGIN_M:g} m, 3 drones, 25 min endurance, 20% reserve")
    head = f"{'zone':22} {'planner':11} {'km²':>5} {'path/LB':>7} {'cov %':>7} {'photo %':>7} {'intr':>9} " \
           f"{'balance':>7} {'sorties':>7} {'ms':>7}"
    print(head)
    print("-" * len(head))
    for zone in zones():
        obstacles = [n.area_m for n in zone.nofly]
        free = free_region(zone.area_m, obstacles, MARGIN_M)
        usable = zone.area_m.difference(shapely.union_all(obstacles)) if obstacles else zone.area_m
        lb = lower_bound(free, s)

        t0 = time.perf_counter()
        plan = plan_survey(zone, fleet=fleet, camera=cam, alt_m=ALT_M, margin_m=MARGIN_M)
        dt = time.perf_counter() - t0
        lanes = plan.lanes
        survey = sum(r.survey_m for r in plan.routes)
        cov = covered_fraction(lanes, free, s / 2)
        photo = covered_fraction(lanes, usable, spacing.footprint_side_m / 2)
        n_bad, m_bad = intrusions(zone, [list(r.path) for r in plan.routes])
        bal = plan.summary["balance"]
        print(f"{zone.name:22} {'dronepatrol':11} {zone.area_m.area / 1e6:5.2f} {survey / lb:7.3f} "
              f"{100 * cov:7.2f} {100 * photo:7.2f} {n_bad:4d}/{m_bad:4.0f} {bal:7.3f} {len(plan.missions):7d} "
              f"{1000 * dt:7.0f}")

        path, bdt = qgc_baseline(zone, s)
        length = sum(math.dist(path[i - 1], path[i]) for i in range(1, len(path)))
        transects = [path[i : i + 2] for i in range(0, len(path) - 1, 2)]
        bcov = covered_fraction(transects, free, s / 2)
        bphoto = covered_fraction(transects, usable, spacing.footprint_side_m / 2)
        b_bad, bm_bad = intrusions(zone, [path])
        print(f"{'':22} {'QGC-style':11} {'':5} {length / lb:7.3f} {100 * bcov:7.2f} {100 * bphoto:7.2f} "
              f"{b_bad:4d}/{bm_bad:4.0f} {'  —':>7} {'1':>7} {1000 * bdt:7.0f}")
    print("\ntargets: path/LB <= 1.05 convex, <= 1.10 others; cov >= 99.5%; 0 intrusions; balance <= 1.10;"
          " < 200 ms for 1 km², < 3000 ms for 10 km²")
    clustered(fleet, cam, s)


def three_km2() -> SafetyZone:
    """A concave 3 km² zone with 8 no-fly holes (circles and rotated boxes)."""
    shape = Polygon([(0, 0), (2100, 0), (2150, 900), (1300, 900), (1250, 1600), (100, 1550), (-60, 800)])
    rng = np.random.default_rng(3)
    holes = []
    for k, (x, y) in enumerate([(300, 300), (800, 250), (1400, 300), (1900, 500), (400, 900), (900, 1200),
                                (600, 600), (1700, 250)]):
        if k % 2 == 0:
            holes.append((f"circle {k}", _circle(x, y, rng.uniform(30, 70))))
        else:
            holes.append((f"polygon {k}", affinity.rotate(box(x - 60, y - 40, x + 60, y + 40), rng.uniform(0, 90))))
    return _zone("3 km² concave + 8 holes", shape, holes, [(1000, 600)])


def with_clustered_launches(zone: SafetyZone, apart_m: float = 15.0) -> SafetyZone:
    """The zone with its three launch sites moved onto one field, ``apart_m`` metres apart (east),
    at the first launch site inside the zone."""
    inside = [s for s in zone.launches if zone.area_m.buffer(-MARGIN_M).covers(Point(s.xy))]
    x, y = (inside or list(zone.launches))[0].xy
    sites = []
    for i in range(3):
        lon, lat = FRAME.lonlat(x + i * apart_m, y)
        sites.append(LaunchSite(name=f"field pad {i + 1}", lon=lon, lat=lat, x_m=x + i * apart_m, y_m=y))
    return replace(zone, launches=tuple(sites), name=zone.name + " (one field)")


def clustered(fleet, cam, s: float) -> None:
    print("\nthree launch sites on one field, 15 m apart (issue 13)")
    head = f"{'zone':22} {'km²':>5} {'path/LB':>7} {'photo %':>7} {'balance':>7} {'deconf %':>8} " \
           f"{'+s last':>7} {'spread m':>8} {'check':>5} {'ms':>7}"
    print(head)
    print("-" * len(head))
    for base in [*zones(), three_km2()]:
        zone = with_clustered_launches(base)
        obstacles = [n.area_m for n in zone.nofly]
        free = free_region(zone.area_m, obstacles, MARGIN_M)
        lb = lower_bound(free, s)
        t0 = time.perf_counter()
        try:
            plan = plan_survey(zone, fleet=fleet, camera=cam, alt_m=ALT_M, margin_m=MARGIN_M)
        except SafetyError as exc:
            print(f"{base.name:22} refused: {exc}")
            continue
        dt = time.perf_counter() - t0
        ok = check_missions(plan.missions, zone, margin_m=MARGIN_M).ok
        survey = sum(r.survey_m for r in plan.routes)
        dec = plan.summary["deconfliction"]
        photo = plan.summary["photo_coverage_pct"]
        print(f"{base.name:22} {zone.area_m.area / 1e6:5.2f} {survey / lb:7.3f} {photo:7.2f} "
              f"{plan.summary['balance']:7.3f} {dec['cost_pct']:8.2f} {dec['cost_s']:7.0f} "
              f"{dec['altitude_spread_m']:8.0f} {'yes' if ok else 'NO':>5} {1000 * dt:7.0f}")
        sys.stdout.flush()
    print("\ntargets (issue 13): path/LB <= 1.08 concave with holes; photo >= 99.5%; balance <= 1.05; "
          "deconfliction <= 5% of the longest drone's time; < 3000 ms for 3 km²")



if __name__ == "__main__":
    run()
