"""Missions flown to landing, DO_JUMP loops, fence breach, battery and GCS failsafes."""

from __future__ import annotations

import math

from pymavlink import mavutil

M = mavutil.mavlink
HOME = (16.05630, 103.64880)
M_PER_DEG = 111319.49


def e7(deg: float) -> int:
    return round(deg * 1e7)


def offset(north_m: float, east_m: float) -> tuple[float, float]:
    return (
        HOME[0] + north_m / M_PER_DEG,
        HOME[1] + east_m / (M_PER_DEG * math.cos(math.radians(HOME[0]))),
    )


def wp(north_m: float, east_m: float, alt: float, **kw) -> dict:
    lat, lon = offset(north_m, east_m)
    return {"command": M.MAV_CMD_NAV_WAYPOINT, "x": e7(lat), "y": e7(lon), "z": alt, **kw}


HOME_ITEM = {
    "command": M.MAV_CMD_NAV_WAYPOINT,
    "frame": M.MAV_FRAME_GLOBAL_INT,
    "x": e7(HOME[0]),
    "y": e7(HOME[1]),
    "z": 140.0,
}
TAKEOFF = {"command": M.MAV_CMD_NAV_TAKEOFF, "z": 20.0}
RTL = {"command": M.MAV_CMD_NAV_RETURN_TO_LAUNCH}


def fly_until_disarmed(gcs, timeout: float = 60.0) -> list:
    """Collect everything until the vehicle reports disarmed (after having been armed)."""
    start = len(gcs.log)
    gcs.wait("HEARTBEAT", timeout, lambda h: not h.base_mode & M.MAV_MODE_FLAG_SAFETY_ARMED)
    return gcs.log[start:]


def test_full_mission_flown_to_landing(one):
    _fleet, gcs = one
    mission = [HOME_ITEM, TAKEOFF, wp(100, 0, 30), wp(100, 80, 30, param1=3.0), RTL]
    assert gcs.upload(mission) == M.MAV_MISSION_ACCEPTED
    gcs.m.mav.request_data_stream_send(1, 1, M.MAV_DATA_STREAM_EXTENDED_STATUS, 4, 1)
    gcs.m.mav.request_data_stream_send(1, 1, M.MAV_DATA_STREAM_POSITION, 4, 1)
    before = gcs.wait("MISSION_CURRENT", 5)
    assert (before.seq, before.mission_state, before.total) == (0, 2, 4)
    # ArduCopter's start-a-mission path: GUIDED, arm, take off a little, then AUTO
    gcs.takeoff(5.0)
    assert gcs.set_mode(3) == M.MAV_RESULT_ACCEPTED
    log = fly_until_disarmed(gcs, 90)
    reached = [m.seq for m in log if m.get_type() == "MISSION_ITEM_REACHED"]
    assert reached == [1, 2, 3, 4]
    current = [(m.seq, m.mission_state) for m in log if m.get_type() == "MISSION_CURRENT"]
    active = [seq for seq, state in current if state == 3]
    assert sorted(set(active)) == [1, 2, 3, 4] and active == sorted(active)
    assert current[-1] == (0, 5) or gcs.wait("MISSION_CURRENT", 5).mission_state == 5
    texts = gcs.texts()
    for expected in (
        "Mission: 1 Takeoff",
        "Mission: 2 WP",
        "Reached command #2",
        "Reached command #3",
        "Mission: 4 RTL",
    ):
        assert expected in texts
    pos = gcs.wait("GLOBAL_POSITION_INT", 5)
    assert abs(pos.relative_alt) < 200  # on the ground, mm
    assert math.hypot((pos.lat - e7(HOME[0])) * 0.0111, (pos.lon - e7(HOME[1])) * 0.0107) < 3.0  # back home


def test_hold_time_at_waypoint(one):
    _fleet, gcs = one
    mission = [HOME_ITEM, TAKEOFF, wp(40, 0, 20, param1=10.0), {"command": M.MAV_CMD_NAV_LAND}]
    assert gcs.upload(mission) == M.MAV_MISSION_ACCEPTED
    gcs.wait_armable(4)
    assert gcs.command(M.MAV_CMD_MISSION_START) == M.MAV_RESULT_ACCEPTED  # GUIDED -> AUTO
    gcs.m.mav.request_data_stream_send(1, 1, M.MAV_DATA_STREAM_EXTRA3, 10, 1)
    log = fly_until_disarmed(gcs, 60)
    times = {}
    last_time = None
    for m in log:
        if m.get_type() == "SYSTEM_TIME":
            last_time = m.time_boot_ms
        if m.get_type() == "MISSION_ITEM_REACHED":
            times[m.seq] = last_time
    assert [m.seq for m in log if m.get_type() == "MISSION_ITEM_REACHED"] == [1, 2, 3]
    assert times[2] - times[1] >= 10_000  # 10 s hold on top of the flight time


def test_do_jump_repeats_the_loop(one):
    _fleet, gcs = one
    mission = [
        HOME_ITEM,
        {"command": M.MAV_CMD_NAV_TAKEOFF, "z": 10.0},
        wp(30, 0, 10),
        wp(30, 30, 10),
        {"command": M.MAV_CMD_DO_JUMP, "frame": M.MAV_FRAME_MISSION, "param1": 2, "param2": 2},
        {"command": M.MAV_CMD_NAV_LAND},
    ]
    assert gcs.upload(mission) == M.MAV_MISSION_ACCEPTED
    gcs.wait_armable(4)
    assert gcs.command(M.MAV_CMD_MISSION_START) == M.MAV_RESULT_ACCEPTED
    log = fly_until_disarmed(gcs, 90)
    reached = [m.seq for m in log if m.get_type() == "MISSION_ITEM_REACHED"]
    assert reached == [1, 2, 3, 2, 3, 2, 3, 5]  # the loop body flown 1 + 2 times
    assert "Mission: 4 Jump 1/2" in gcs.texts() and "Mission: 4 Jump 2/2" in gcs.texts()


def test_fence_breach_triggers_rtl(one):
    _fleet, gcs = one
    ring = [offset(-60, -60), offset(-60, 60), offset(60, 60), offset(60, -60)]
    fence = [
        {"command": M.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, "param1": 4, "x": e7(a), "y": e7(b)} for a, b in ring
    ]
    assert gcs.upload(fence, 1) == M.MAV_MISSION_ACCEPTED
    assert gcs.param_set("FENCE_ENABLE", 1) == 1
    mission = [HOME_ITEM, TAKEOFF, wp(200, 0, 20), RTL]
    assert gcs.upload(mission) == M.MAV_MISSION_ACCEPTED
    gcs.wait_armable(4)
    assert gcs.command(M.MAV_CMD_MISSION_START) == M.MAV_RESULT_ACCEPTED
    gcs.m.mav.request_data_stream_send(1, 1, M.MAV_DATA_STREAM_EXTENDED_STATUS, 4, 1)
    status = gcs.wait("FENCE_STATUS", 60, lambda f: f.breach_status == 1)
    assert (status.breach_count, status.breach_type) == (1, M.FENCE_BREACH_BOUNDARY)
    hb = gcs.wait("HEARTBEAT", 10, lambda h: h.custom_mode == 6)
    assert hb.custom_mode == 6  # RTL
    assert "Polygon fence breached" in gcs.texts()
    paused = gcs.wait("MISSION_CURRENT", 5)
    assert paused.mission_state == 2 and paused.seq == 2  # interrupted at item 2: ArduCopter says "not started"
    fly_until_disarmed(gcs, 60)


def test_battery_failsafe_triggers_rtl(one):
    _fleet, gcs = one
    gcs.takeoff(10.0)
    assert gcs.param_set("BATT_FS_LOW_ACT", 2) == 2
    assert gcs.param_set("BATT_LOW_MAH", 3299) == 3299  # less than that left already
    hb = gcs.wait("HEARTBEAT", 10, lambda h: h.custom_mode == 6)
    assert hb.system_status == M.MAV_STATE_CRITICAL
    assert any(t.startswith("Battery 1 is low") for t in gcs.texts())
    fly_until_disarmed(gcs, 60)


def test_gcs_heartbeat_failsafe_triggers_rtl(one):
    _fleet, gcs = one
    gcs.auto_heartbeat_s = 0.02  # 0.4 s of vehicle time
    assert gcs.param_set("MAV_GCS_SYSID", 254) == 254  # ArduPilot only watches its own GCS id
    assert gcs.param_set("FS_GCS_ENABLE", 1) == 1
    gcs.takeoff(10.0)
    assert [m for m in gcs.collect(0.5) if m.get_type() == "HEARTBEAT" and m.custom_mode == 6] == []
    gcs.auto_heartbeat_s = None  # the ground station goes silent
    hb = gcs.wait("HEARTBEAT", 10, lambda h: h.custom_mode == 6)
    assert hb.custom_mode == 6
    assert "GCS Failsafe" in gcs.texts()


def test_set_mission_current_then_start_resumes_there(one):
    _fleet, gcs = one
    mission = [HOME_ITEM, {"command": M.MAV_CMD_NAV_TAKEOFF, "z": 10.0}, wp(30, 0, 10), wp(60, 0, 10), wp(90, 0, 10)]
    mission.append({"command": M.MAV_CMD_NAV_LAND})
    assert gcs.upload(mission) == M.MAV_MISSION_ACCEPTED
    assert gcs.command(M.MAV_CMD_DO_SET_MISSION_CURRENT, 4) == M.MAV_RESULT_ACCEPTED
    current = [m for m in gcs.log if m.get_type() == "MISSION_CURRENT"]
    assert current and (current[-1].seq, current[-1].mission_state) == (4, 2)  # sent at once
    assert gcs.command(M.MAV_CMD_DO_SET_MISSION_CURRENT, 9) == M.MAV_RESULT_DENIED
    gcs.wait_armable(4)
    assert gcs.command(M.MAV_CMD_MISSION_START) == M.MAV_RESULT_ACCEPTED
    log = fly_until_disarmed(gcs, 60)
    assert [m.seq for m in log if m.get_type() == "MISSION_ITEM_REACHED"] == [4, 5]


def test_guided_reposition_with_command_int(one):
    fleet, gcs = one
    gcs.takeoff(10.0)
    lat, lon = offset(50, 0)
    gcs.m.mav.command_int_send(
        1, 1, M.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, M.MAV_CMD_DO_REPOSITION, 0, 0, -1, 0, 0, 0, e7(lat), e7(lon), 15.0
    )
    assert gcs.wait("COMMAND_ACK", 5, lambda a: a.command == M.MAV_CMD_DO_REPOSITION).result == 0
    pos = gcs.wait("GLOBAL_POSITION_INT", 30, lambda g: abs(g.lat - e7(lat)) < 20 and abs(g.relative_alt - 15000) < 300)
    assert abs(pos.lon - e7(lon)) < 20
    with fleet.lock:
        assert fleet.vehicle(0).mode.name == "GUIDED"
