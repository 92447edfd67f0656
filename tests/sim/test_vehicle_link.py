"""Identity, streams, arming, parameters and the one-client-per-port rule."""

from __future__ import annotations

import itertools
import socket
import time

from pymavlink import mavutil

M = mavutil.mavlink

STREAMED = {
    "SYS_STATUS",
    "GPS_RAW_INT",
    "GLOBAL_POSITION_INT",
    "ATTITUDE",
    "VFR_HUD",
    "BATTERY_STATUS",
    "EKF_STATUS_REPORT",
    "MISSION_CURRENT",
    "SYSTEM_TIME",
}


def test_heartbeat_identity_and_ports(make_fleet, connect):
    fleet = make_fleet(drones=3)
    assert len(set(fleet.ports)) == 3
    for i, port in enumerate(fleet.ports):
        gcs = connect(port, target=i + 1)
        hb = gcs.wait("HEARTBEAT", 5)
        assert hb.get_srcSystem() == i + 1 and hb.get_srcComponent() == M.MAV_COMP_ID_AUTOPILOT1
        assert (hb.type, hb.autopilot) == (M.MAV_TYPE_QUADROTOR, M.MAV_AUTOPILOT_ARDUPILOTMEGA)
        assert hb.custom_mode == 0  # boots in STABILIZE
        assert hb.base_mode & M.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
        assert not hb.base_mode & M.MAV_MODE_FLAG_SAFETY_ARMED
        assert hb.system_status == M.MAV_STATE_STANDBY
        assert hb.get_header().mlen > 0 and gcs.m.WIRE_PROTOCOL_VERSION == "2.0"


def test_streams_silent_until_requested_then_stop_with_interval_minus_1(one):
    _fleet, gcs = one
    gcs.wait_home()  # home is announced once when it is set; wait for that first
    quiet = {m.get_type() for m in gcs.collect(0.5)}
    assert quiet <= {"HEARTBEAT", "HOME_POSITION", "GPS_GLOBAL_ORIGIN", "COMMAND_ACK", "TIMESYNC", "STATUSTEXT"}, quiet
    gcs.request_streams(5)
    seen = {m.get_type() for m in gcs.collect(1.0)}
    assert seen >= STREAMED, STREAMED - seen
    assert "HOME_POSITION" not in seen and "FENCE_STATUS" not in seen
    assert gcs.command(M.MAV_CMD_SET_MESSAGE_INTERVAL, M.MAVLINK_MSG_ID_ATTITUDE, -1) == M.MAV_RESULT_ACCEPTED
    gcs.collect(0.2)
    later = {m.get_type() for m in gcs.collect(0.5)}
    assert "ATTITUDE" not in later and "VFR_HUD" in later
    assert gcs.command(M.MAV_CMD_SET_MESSAGE_INTERVAL, 99999, 100000) == M.MAV_RESULT_DENIED  # as ArduCopter


def test_set_message_interval_rate_in_vehicle_time(one):
    _fleet, gcs = one
    assert gcs.command(M.MAV_CMD_SET_MESSAGE_INTERVAL, M.MAVLINK_MSG_ID_GLOBAL_POSITION_INT, 500_000) == 0
    msgs = [m for m in gcs.collect(1.0) if m.get_type() == "GLOBAL_POSITION_INT"]
    assert len(msgs) >= 10
    gaps = {b.time_boot_ms - a.time_boot_ms for a, b in itertools.pairwise(msgs)}
    assert gaps == {500}  # 2 Hz of vehicle time


def test_home_position_on_request(one):
    _fleet, gcs = one
    home = gcs.wait_home()
    assert abs(home.latitude - 160563000) <= 1 and abs(home.longitude - 1036488000) <= 1
    assert home.altitude == 140000


def test_arm_refused_before_position_estimate_then_accepted(make_fleet, connect):
    fleet = make_fleet(prearm_delay_s=30.0)  # 1.5 s of wall time at 20x
    gcs = connect(fleet.ports[0])
    gcs.wait("HEARTBEAT", 5)
    gcs.m.mav.request_data_stream_send(1, 1, M.MAV_DATA_STREAM_EXTENDED_STATUS, 10, 1)
    gcs.m.mav.request_data_stream_send(1, 1, M.MAV_DATA_STREAM_EXTRA3, 10, 1)
    # GPS gets its 3D fix first and the pre-arm bit is set in STABILIZE...
    gps = gcs.wait("GPS_RAW_INT", 10, lambda g: g.fix_type >= 3)
    assert gps.satellites_visible > 0
    sys_status = gcs.wait("SYS_STATUS", 5)
    assert sys_status.onboard_control_sensors_health & M.MAV_SYS_STATUS_PREARM_CHECK
    ekf = gcs.wait("EKF_STATUS_REPORT", 5)
    assert not ekf.flags & M.EKF_POS_HORIZ_ABS
    # ...but arming in GUIDED is refused until the position estimate is ready
    assert gcs.set_mode(4) == M.MAV_RESULT_ACCEPTED
    assert gcs.arm() == M.MAV_RESULT_FAILED
    assert [t for t in gcs.texts() if t.startswith("Arm:")][-1] == "Arm: Need Position Estimate"
    ekf = gcs.wait("EKF_STATUS_REPORT", 10, lambda e: e.flags & M.EKF_POS_HORIZ_ABS)
    assert gcs.arm() == M.MAV_RESULT_ACCEPTED
    hb = gcs.wait("HEARTBEAT", 5, lambda h: h.base_mode & M.MAV_MODE_FLAG_SAFETY_ARMED)
    assert hb.custom_mode == 4 and hb.system_status == M.MAV_STATE_STANDBY  # ArduCopter: ACTIVE once flying


def test_commands_and_acks(one):
    _fleet, gcs = one
    gcs.wait_home()
    assert gcs.set_mode(3) == M.MAV_RESULT_ACCEPTED  # any mode while disarmed
    assert gcs.arm() == M.MAV_RESULT_FAILED  # AUTO needs a mission (and is not armable from a GCS)
    assert "Arm: Mode requires mission" in gcs.texts()
    assert gcs.set_mode(9) == M.MAV_RESULT_ACCEPTED
    assert gcs.arm() == M.MAV_RESULT_FAILED
    gcs.collect(0.2)
    assert [t for t in gcs.texts() if t.startswith("Arm:")][-1] == "Arm: LAND mode not armable"
    assert gcs.set_mode(99) == M.MAV_RESULT_FAILED
    assert gcs.command(M.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 10) == M.MAV_RESULT_FAILED  # disarmed
    assert gcs.command(31000) == M.MAV_RESULT_UNSUPPORTED
    assert gcs.command(M.MAV_CMD_DO_SET_MISSION_CURRENT, 5) == M.MAV_RESULT_DENIED  # no mission
    # SET_MODE message: ArduPilot answers with a COMMAND_ACK for "command" 11
    gcs.m.mav.set_mode_send(1, M.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, 5)
    ack = gcs.wait("COMMAND_ACK", 5, lambda a: a.command == 11)
    assert ack.result == M.MAV_RESULT_ACCEPTED
    assert gcs.wait("HEARTBEAT", 5, lambda h: h.custom_mode == 5).custom_mode == 5
    # force-arm bypasses pre-arm checks, disarm on the ground is accepted
    assert gcs.set_mode(0) == 0
    assert gcs.command(M.MAV_CMD_COMPONENT_ARM_DISARM, 1, 21196) == M.MAV_RESULT_ACCEPTED
    assert gcs.command(M.MAV_CMD_COMPONENT_ARM_DISARM, 0) == M.MAV_RESULT_ACCEPTED
    gcs.m.mav.command_long_send(
        1, 1, M.MAV_CMD_REQUEST_MESSAGE, 0, M.MAVLINK_MSG_ID_AUTOPILOT_VERSION, 0, 0, 0, 0, 0, 0
    )
    ver = gcs.wait("AUTOPILOT_VERSION", 5)
    assert ver.capabilities & M.MAV_PROTOCOL_CAPABILITY_MISSION_FENCE
    assert ver.flight_sw_version >> 24 == 4
    # ROI commands: accepted as commands (a mission stores only DO_SET_ROI)
    assert gcs.command(M.MAV_CMD_DO_SET_ROI_LOCATION, 0, 0, 0, 0, 16.0560, 103.6500, 0) == M.MAV_RESULT_ACCEPTED
    assert gcs.command(M.MAV_CMD_DO_SET_ROI_NONE) == M.MAV_RESULT_ACCEPTED


def test_parameters(one):
    _fleet, gcs = one
    assert gcs.param_get("FENCE_ENABLE") == 0
    assert gcs.param_get("MAV_SYSID") == 1
    assert gcs.param_set("WPNAV_SPEED", 750) == 750
    assert gcs.param_set("FENCE_ENABLE", 1.4) == 1  # integer parameter
    gcs.m.mav.param_request_list_send(1, 1)
    names = set()
    count = None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (count is None or len(names) < count):
        pv = gcs.wait("PARAM_VALUE", 5)
        names.add(pv.param_id)
        count = pv.param_count
    assert {"FENCE_TOTAL", "RALLY_TOTAL", "FS_GCS_ENABLE", "BATT_CAPACITY", "BATT_LOW_VOLT", "CAM1_TYPE"} <= names
    assert len(names) == count
    gcs.m.mav.param_request_read_send(1, 1, b"NO_SUCH_PARAM", -1)
    assert not [m for m in gcs.collect(0.3) if m.get_type() == "PARAM_VALUE"]


def test_second_client_gets_nothing_until_first_leaves(one, connect):
    fleet, first = one
    second = connect(fleet.ports[0])
    assert second.collect(0.5) == []
    second.m.mav.command_long_send(1, 1, M.MAV_CMD_DO_SET_MODE, 0, 1, 5, 0, 0, 0, 0, 0)
    assert [m for m in first.collect(0.5) if m.get_type() == "COMMAND_ACK"] == []
    first.close()
    second.wait("HEARTBEAT", 5)


def test_garbage_does_not_crash_the_vehicle(one):
    fleet, gcs = one
    raw = socket.create_connection(("127.0.0.1", fleet.ports[0]))
    raw.close()  # a pending client that leaves at once
    gcs.m.write(bytes(range(256)) * 20 + b"\xfd\x09\x00\x00\x00\xfe\xbe\x4c\x00\x00" + b"\x00" * 30)
    gcs.m.mav.command_long_send(1, 1, M.MAV_CMD_NAV_TAKEOFF, 0, *([float("nan")] * 7))
    gcs.m.mav.mission_item_int_send(1, 1, 7, 0, 16, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0)  # unexpected item
    gcs.m.mav.mission_ack_send(1, 1, 0, 0)
    assert gcs.set_mode(5) == M.MAV_RESULT_ACCEPTED
    gcs.wait("HEARTBEAT", 5)
