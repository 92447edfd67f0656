"""The fence limit in dronepatrol.planning.fence, confirmed on real ArduCopter SITL.

Fences of growing size are uploaded with plain pymavlink (mission_type 1): the largest fence that
``fence_fit_problem`` accepts is ACCEPTED by the vehicle, and one vertex, circle or item more is
refused (MAV_MISSION_ERROR over the storage, MAV_MISSION_NO_SPACE over the item count). The city
zone's simplified onboard fence is accepted too.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import pytest

from dronepatrol.mission import Cmd, FenceCircle, FencePolygon, Geofence
from dronepatrol.planning.fence import FENCE_LIMIT, fence_fit_problem, fence_items, onboard_fence
from dronepatrol.zones import load_zone

pytestmark = pytest.mark.sitl

ACCEPTED, ERROR, NO_SPACE = 0, 1, 4
LAT, LON = 16.0560, 103.6520
CITY = Path(__file__).parent / "fixtures" / "city-20-nofly.geojson"


def _ll(x: float, y: float) -> tuple[float, float]:
    return LON + x / (111320.0 * math.cos(math.radians(LAT))), LAT + y / 111320.0


def _ngon(cx: float, cy: float, r: float, n: int, inclusion: bool) -> FencePolygon:
    angles = [2 * math.pi * k / n for k in range(n)]
    return FencePolygon(vertices=tuple(_ll(cx + r * math.cos(a), cy + r * math.sin(a)) for a in angles),
                        inclusion=inclusion)


def _fence(exclusions: int = 0, verts: int = 4, circles: int = 0, inclusion_verts: int = 4) -> Geofence:
    polys = [_ngon(0, 0, 2000, inclusion_verts, True)]
    polys += [_ngon(-1500 + 100 * (j % 30), -1500 + 100 * (j // 30), 20, verts, False) for j in range(exclusions)]
    circ = [FenceCircle(lon=_ll(500 + 100 * (j % 10), 500 + 100 * (j // 10))[0],
                        lat=_ll(500 + 100 * (j % 10), 500 + 100 * (j // 10))[1], radius_m=15.0, inclusion=False)
            for j in range(circles)]
    return Geofence(polygons=tuple(polys), circles=tuple(circ))


def _items(fence: Geofence) -> list[tuple[int, float, float, float]]:
    out = []
    for p in fence.polygons:
        cmd = Cmd.FENCE_POLYGON_VERTEX_INCLUSION if p.inclusion else Cmd.FENCE_POLYGON_VERTEX_EXCLUSION
        out += [(int(cmd), float(len(p.vertices)), lat, lon) for lon, lat in p.vertices]
    for c in fence.circles:
        cmd = Cmd.FENCE_CIRCLE_INCLUSION if c.inclusion else Cmd.FENCE_CIRCLE_EXCLUSION
        out.append((int(cmd), c.radius_m, c.lat, c.lon))
    return out


def _upload(link, fence: Geofence) -> int | str:
    items = _items(fence)
    link.mav.mission_count_send(1, 1, len(items), 1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        msg = link.recv_match(type=["MISSION_REQUEST", "MISSION_REQUEST_INT", "MISSION_ACK"], blocking=True,
                              timeout=2)
        if msg is None or getattr(msg, "mission_type", 0) != 1:
            continue
        if msg.get_type() == "MISSION_ACK":
            return msg.type
        cmd, p1, lat, lon = items[msg.seq]
        link.mav.mission_item_int_send(1, 1, msg.seq, 0, cmd, 0, 1, p1, 0, 0, 0, round(lat * 1e7), round(lon * 1e7),
                                       0.0, 1)
    return "timeout"


@pytest.fixture(scope="module")
def link():
    os.environ.setdefault("MAVLINK20", "1")
    from pymavlink import mavutil

    from tests.sitl import start_sitl_fleet

    with start_sitl_fleet(1, speedup=10) as fleet:
        conn = mavutil.mavlink_connection(fleet.drones[0].connection, source_system=254)
        try:
            conn.wait_heartbeat(timeout=60)
            yield conn
        finally:
            conn.close()


@pytest.mark.parametrize(
    ("fits", "one_more"),
    [
        (_fence(exclusions=15), _fence(exclusions=16)),  # 16 four-vertex polygons; 17 do not fit
        (_fence(exclusions=7, verts=8), _fence(exclusions=8, verts=8)),
        (_fence(circles=40), _fence(circles=41)),  # circles: 13 bytes each
        (_fence(inclusion_verts=69), _fence(inclusion_verts=70)),  # one polygon: 69 vertices
        (_fence(exclusions=12, circles=8), _fence(exclusions=12, circles=9)),  # 551 and 564 bytes
    ],
)
def test_largest_fence_the_model_accepts_is_accepted_and_one_more_is_refused(link, fits, one_more) -> None:
    assert fence_fit_problem(fits) is None
    assert fence_fit_problem(one_more) is not None
    assert _upload(link, fits) == ACCEPTED
    assert _upload(link, one_more) in (ERROR, NO_SPACE)


def test_more_items_than_the_vehicle_counts_is_no_space(link) -> None:
    fence = _fence(circles=67)  # 71 items (the inclusion's 4 vertices + 67 circles)
    assert fence_items(fence) == FENCE_LIMIT.max_items + 1
    assert _upload(link, fence) == NO_SPACE


def test_city_zone_onboard_fence_is_accepted(link) -> None:
    onboard = onboard_fence(load_zone(CITY))
    assert onboard.simplified  # 20 no-fly polygons do not fit as they are
    assert _upload(link, onboard.fence) == ACCEPTED
