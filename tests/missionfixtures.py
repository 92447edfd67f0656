"""Shared helpers for the mission tests: zones, legal sample missions, NaN-aware comparison,
and hypothesis strategies for random missions."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

from hypothesis import strategies as st

from dronepatrol.mission import (
    FenceCircle,
    FencePolygon,
    Geofence,
    Home,
    Mission,
    MissionItem,
    RallyPoint,
    cam_trigger_distance,
    do_jump,
    loiter_time,
    rtl,
    takeoff,
    waypoint,
)
from dronepatrol.zones import load_zone

ROOT = Path(__file__).resolve().parent.parent
ROIET = ROOT / "geofences" / "roiet.geojson"
PHITSANULOK = ROOT / "geofences" / "phitsanulok-zone4.geojson"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "missions"

# Roi Et launch sites (zone file order)
PROVINCIAL_HALL = (103.6488, 16.0563)
LAKE_LAWN = (103.653, 16.0518)
POLICE_STATION = (103.6555, 16.051)


@cache
def roiet():
    return load_zone(ROIET)


@cache
def phitsanulok():
    return load_zone(PHITSANULOK)


def mission(drone: str, home: tuple[float, float], items: tuple[MissionItem, ...], **kw) -> Mission:
    return Mission(drone=drone, home=Home(lon=home[0], lat=home[1], alt_amsl_m=140.0), items=items, **kw)


def legal_missions() -> list[Mission]:
    """Three missions over Roi Et that pass every check (distinct altitudes, clear of no-fly)."""
    d1 = mission(
        "drone1",
        PROVINCIAL_HALL,
        (takeoff(30.0), waypoint(103.6492, 16.0575, 30.0), waypoint(103.6510, 16.0585, 30.0, hold_s=5),
         waypoint(103.6515, 16.0570, 30.0), rtl()),
        kind="patrol",
    )
    d2 = mission(
        "drone2",
        LAKE_LAWN,
        (takeoff(50.0), cam_trigger_distance(25.0), waypoint(103.6515, 16.0535, 50.0),
         waypoint(103.6545, 16.0535, 50.0), waypoint(103.6545, 16.0545, 50.0), waypoint(103.6515, 16.0545, 50.0),
         cam_trigger_distance(0.0), rtl()),
        kind="survey",
    )
    d3 = mission(
        "drone3",
        POLICE_STATION,
        (takeoff(70.0), waypoint(103.6560, 16.0515, 70.0), loiter_time(103.6590, 16.0520, 70.0, 30.0),
         do_jump(2, 1), rtl()),
        kind="patrol",
    )
    return [d1, d2, d3]


def _same_float(a: float, b: float, abs_tol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=abs_tol)


def assert_same_items(a: tuple[MissionItem, ...], b: tuple[MissionItem, ...], deg: float = 1e-7) -> None:
    assert len(a) == len(b), (len(a), len(b))
    for k, (x, y) in enumerate(zip(a, b, strict=True), start=1):
        where = f"item {k}: {x} != {y}"
        assert (x.command, x.frame, x.autocontinue) == (y.command, y.frame, y.autocontinue), where
        assert all(_same_float(p, q, 1e-9) for p, q in zip(x.params, y.params, strict=True)), where
        assert _same_float(x.lat, y.lat, deg) and _same_float(x.lon, y.lon, deg), where
        assert _same_float(x.alt_m, y.alt_m, 1e-6), where


def assert_same_mission(a: Mission, b: Mission, *, fence: bool = True, deg: float = 1e-7) -> None:
    """Equal to 1e-7 degree, NaN params equal to NaN."""
    assert (a.drone, a.sortie) == (b.drone, b.sortie)
    assert abs(a.home.lon - b.home.lon) <= deg and abs(a.home.lat - b.home.lat) <= deg
    assert abs(a.home.alt_amsl_m - b.home.alt_amsl_m) <= 1e-6
    assert_same_items(a.items, b.items, deg)
    if fence:
        assert a.geofence == b.geofence
        assert a.rally == b.rally
        assert a.kind == b.kind
        assert (a.cruise_speed_m_s, a.hover_speed_m_s) == (b.cruise_speed_m_s, b.hover_speed_m_s)


# --- hypothesis strategies ---------------------------------------------------------------------

lons = st.floats(97.0, 106.0, allow_nan=False)
lats = st.floats(5.0, 21.0, allow_nan=False)
params = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False), st.just(math.nan), st.just(0.0), st.integers(-5, 500).map(float)
)
COMMANDS = [16, 17, 19, 20, 21, 22, 82, 178, 195, 197, 201, 203, 206, 2000, 31999]


@st.composite
def items_st(draw, n_max: int = 12) -> tuple[MissionItem, ...]:
    n = draw(st.integers(0, n_max))
    out = []
    for _ in range(n):
        zero = draw(st.booleans())
        out.append(
            MissionItem(
                command=draw(st.sampled_from(COMMANDS)),
                frame=draw(st.sampled_from([0, 2, 3, 5, 6, 10])),
                params=tuple(draw(params) for _ in range(4)),
                lon=0.0 if zero else draw(lons),
                lat=0.0 if zero else draw(lats),
                alt_m=draw(st.floats(-50, 5000, allow_nan=False)),
                autocontinue=draw(st.booleans()),
            )
        )
    if out and draw(st.booleans()):  # a DO_JUMP to a real item
        target = draw(st.integers(1, len(out)))
        out.append(do_jump(target, draw(st.integers(-1, 5))))
    return tuple(out)


@st.composite
def missions_st(draw, *, with_fence: bool = True) -> Mission:
    fence = Geofence()
    rally: tuple[RallyPoint, ...] = ()
    if with_fence:
        polys = tuple(
            FencePolygon(vertices=tuple((draw(lons), draw(lats)) for _ in range(draw(st.integers(3, 6)))),
                         inclusion=draw(st.booleans()))
            for _ in range(draw(st.integers(0, 2)))
        )
        circles = tuple(
            FenceCircle(lon=draw(lons), lat=draw(lats), radius_m=draw(st.floats(1, 20000)),
                        inclusion=draw(st.booleans()))
            for _ in range(draw(st.integers(0, 2)))
        )
        fence = Geofence(polygons=polys, circles=circles,
                         max_alt_m=draw(st.one_of(st.none(), st.floats(10, 120))))
        rally = tuple(RallyPoint(lon=draw(lons), lat=draw(lats), alt_m=draw(st.floats(0, 100)))
                      for _ in range(draw(st.integers(0, 3))))
    return Mission(
        drone=draw(st.sampled_from(["drone1", "drone2", "alpha"])),
        sortie=draw(st.integers(1, 3)),
        home=Home(lon=draw(lons), lat=draw(lats), alt_amsl_m=draw(st.floats(-10, 2000, allow_nan=False))),
        items=draw(items_st()),
        geofence=fence,
        rally=rally,
        cruise_speed_m_s=draw(st.floats(1, 20)),
        hover_speed_m_s=draw(st.floats(1, 10)),
        kind=draw(st.sampled_from(["", "survey", "patrol"])),
    )
