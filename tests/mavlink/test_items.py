"""Mission model -> MAVLink items, and the read-back comparison that tolerates ArduCopter's quirks.

The read-back side is the simulator's model of ArduCopter's storage (AP_Mission's conversions:
float32, truncated integers, frames in their non-INT form, unused params zeroed): an independent
implementation of what the vehicle does, so the comparison is checked against it, not against itself.
"""

from __future__ import annotations

import math
import os
from dataclasses import replace

os.environ.setdefault("MAVLINK20", "1")

from hypothesis import given, settings
from hypothesis import strategies as st

from dronepatrol.mavlink.items import (
    WireItem,
    board_digest,
    compare,
    deg_e7,
    fence_items,
    mission_items,
    rally_items,
    triggers_photos,
    wire_item,
)
from dronepatrol.mission import (
    FenceCircle,
    FencePolygon,
    Geofence,
    Home,
    Mission,
    RallyPoint,
    cam_trigger_distance,
    change_speed,
    do_jump,
    loiter_time,
    photo,
    roi,
    roi_none,
    rtl,
    takeoff,
    waypoint,
)
from dronepatrol.sim.mission_items import ItemInt, command_to_fields, item_to_command
from tests.missionfixtures import legal_missions

HOME = Home(lon=103.652, lat=16.056, alt_amsl_m=150.0)


def arducopter_readback(items: list[WireItem]) -> list[WireItem]:
    """What ArduCopter returns for an uploaded mission list (home replaced by its own)."""
    out = [WireItem(command=16, frame=0, x=160560003, y=1036519998, z=150.3)]
    for seq, it in enumerate(items[1:], start=1):
        p = it.params
        result, cmd = item_to_command(ItemInt(seq, it.frame, it.command, 0, it.autocontinue, p[0], p[1], p[2], p[3],
                                              it.x, it.y, it.z, 0))
        assert result == 0 and cmd is not None, (seq, it, result)
        f = command_to_fields(cmd)
        out.append(WireItem(command=int(f["command"]), frame=int(f["frame"]),
                            params=(f["param1"], f["param2"], f["param3"], f["param4"]), x=int(f["x"]), y=int(f["y"]),
                            z=float(f["z"]), autocontinue=int(f["autocontinue"])))
    return out


def test_coordinates_are_rounded_not_truncated() -> None:
    assert deg_e7(16.05600009) == 160560001  # truncation would give 160560000
    assert deg_e7(-16.05600009) == -160560001
    w = wire_item(waypoint(103.65212349999, 16.0561, 30.0))
    assert (w.x, w.y) == (160561000, 1036521235)


def test_home_is_seq_0_and_frames_become_int() -> None:
    m = Mission(drone="drone1", home=HOME, items=(takeoff(20.0), waypoint(103.653, 16.057, 30.0), rtl()))
    wire = mission_items(m)
    assert [(w.command, w.frame) for w in wire] == [(16, 5), (22, 6), (16, 6), (20, 2)]
    assert (wire[0].x, wire[0].y, wire[0].z) == (160560000, 1036520000, 150.0)


def test_non_global_frames_carry_param5_as_an_integer() -> None:
    w = wire_item(photo())  # DO_DIGICAM_CONTROL shoot = 1 in param5
    assert (w.frame, w.x, w.y) == (2, 1, 0)


def test_fence_items_polygons_circles_return_point() -> None:
    fence = Geofence(
        polygons=(FencePolygon(vertices=((103.65, 16.05), (103.66, 16.05), (103.66, 16.06)), inclusion=True),
                  FencePolygon(vertices=((103.651, 16.051), (103.652, 16.051), (103.652, 16.052), (103.651, 16.052)),
                               inclusion=False)),
        circles=(FenceCircle(lon=103.655, lat=16.055, radius_m=40.0, inclusion=False),),
        return_point=(103.652, 16.056),
    )
    wire = fence_items(fence)
    assert [w.command for w in wire] == [5001] * 3 + [5002] * 4 + [5004, 5000]
    assert [w.params[0] for w in wire[:7]] == [3.0] * 3 + [4.0] * 4
    assert wire[7].params[0] == 40.0 and (wire[7].x, wire[7].y) == (160550000, 1036550000)
    assert (wire[0].x, wire[0].y) == (160500000, 1036500000)  # lat first, as MAVLink


def test_rally_items() -> None:
    wire = rally_items((RallyPoint(lon=103.652, lat=16.056, alt_m=30.0),))
    assert [(w.command, w.frame, w.x, w.y, w.z) for w in wire] == [(5100, 6, 160560000, 1036520000, 30.0)]


def test_planned_missions_match_their_arducopter_readback() -> None:
    for m in legal_missions():
        wire = mission_items(m)
        back = arducopter_readback(wire)
        assert back[1].frame == 3 and back[-1].frame == 0  # the quirks are really there
        assert compare(wire, back, 0) == [], m.drone


def test_every_builder_item_survives_readback() -> None:
    m = Mission(drone="d", home=HOME, items=(
        takeoff(20.0), change_speed(7.5), cam_trigger_distance(25.0, trigger_now=True),
        waypoint(103.653, 16.057, 30.0, hold_s=5.0), roi(103.654, 16.058, 2.0), loiter_time(103.653, 16.0575, 30.0, 20),
        roi_none(), photo(), cam_trigger_distance(0.0), do_jump(2, 3), rtl()))
    wire = mission_items(m)
    assert compare(wire, arducopter_readback(wire), 0) == []


def test_differences_are_named() -> None:
    m = legal_missions()[0]
    wire = mission_items(m)
    back = arducopter_readback(wire)
    moved = list(back)
    moved[2] = replace(back[2], x=back[2].x + 2)
    assert compare(wire, moved, 0) == [
        f"item 2 (NAV_WAYPOINT): position {moved[2].lat:.7f}, {moved[2].lon:.7f} on board, "
        f"{wire[2].lat:.7f}, {wire[2].lon:.7f} planned"]
    higher = list(back)
    higher[2] = replace(back[2], z=back[2].z + 0.05)
    assert "altitude" in compare(wire, higher, 0)[0]
    absolute = list(back)
    absolute[2] = replace(back[2], frame=0)
    assert "altitude reference" in compare(wire, absolute, 0)[0]
    assert compare(wire, back[:-1], 0) == [f"{len(back) - 1} items on board, {len(back)} planned"]
    other = list(back)
    other[3] = replace(back[3], command=21)
    assert compare(wire, other, 0) == ["item 3 (NAV_WAYPOINT): command 21 on board, 16 planned"]


def test_home_is_not_compared() -> None:
    m = legal_missions()[0]
    wire = mission_items(m)
    back = arducopter_readback(wire)
    back[0] = replace(back[0], x=back[0].x + 5000)
    assert compare(wire, back, 0) == []


def test_fence_and_rally_readback_quirks_tolerated() -> None:
    fence = Geofence(polygons=(FencePolygon(vertices=((103.65, 16.05), (103.66, 16.05), (103.66, 16.06)),
                                            inclusion=True),),
                     circles=(FenceCircle(lon=103.655, lat=16.055, radius_m=40.25, inclusion=False),))
    want = fence_items(fence)
    back = [replace(w, frame=0, autocontinue=0) for w in want]
    assert compare(want, back, 1) == []
    back[3] = replace(back[3], params=(40.0, 0, 0, 0))
    assert "param1 40 on board, 40.25 planned" in compare(want, back, 1)[0]
    rally = rally_items((RallyPoint(lon=103.652, lat=16.056, alt_m=30.6),))
    assert compare(rally, [replace(rally[0], frame=3, z=30.0, autocontinue=0)], 2) == []  # whole metres
    assert compare([], [], 1) == [] and compare(want, [], 1) == [f"0 items on board, {len(want)} planned"]


def test_board_digest_ignores_home_and_the_frame_of_commands_without_location() -> None:
    m = legal_missions()[1]
    back = arducopter_readback(mission_items(m))
    moved_home = [replace(back[0], x=1, y=2), *back[1:]]
    assert board_digest(back, 0) == board_digest(moved_home, 0)
    assert board_digest(back, 0) != board_digest(back[:-1], 0)
    assert board_digest([], 1) != board_digest(back, 1)


def test_triggers_photos() -> None:
    survey, patrol = legal_missions()[1], legal_missions()[0]
    assert triggers_photos(mission_items(survey)) and not triggers_photos(mission_items(patrol))
    stop_only = Mission(drone="d", home=HOME, items=(takeoff(10.0), cam_trigger_distance(0.0), rtl()))
    assert not triggers_photos(mission_items(stop_only))


lon = st.floats(103.60, 103.70)
lat = st.floats(16.00, 16.10)


@settings(max_examples=80, deadline=None)
@given(pts=st.lists(st.tuples(lon, lat, st.floats(2.0, 90.0), st.floats(0.0, 60.0)), min_size=1, max_size=20))
def test_random_waypoints_survive_readback_and_a_1cm_shift_does_not(
        pts: list[tuple[float, float, float, float]]) -> None:
    items = [takeoff(10.0)] + [waypoint(x, y, z, hold_s=h) for x, y, z, h in pts] + [rtl()]
    wire = mission_items(Mission(drone="d", home=HOME, items=tuple(items)))
    back = arducopter_readback(wire)
    assert compare(wire, back, 0) == []
    k = 2
    assert compare(wire, [*back[:k], replace(back[k], y=back[k].y + 2), *back[k + 1:]], 0) != []
    assert math.isclose(back[k].lat, pts[0][1], abs_tol=1e-7)
