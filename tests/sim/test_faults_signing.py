"""MAVLink 2 signing, link cut/restore and packet loss."""

from __future__ import annotations

import os

import pytest
from pymavlink import mavutil

M = mavutil.mavlink
KEY = bytes(range(1, 33))


def signed(msg) -> bool:
    """True if the frame carried a signature (checked or not)."""
    return bool(msg.get_header().incompat_flags & M.MAVLINK_IFLAG_SIGNED)


def acks(gcs, seconds: float = 0.4) -> list:
    return [m for m in gcs.collect(seconds) if m.get_type() == "COMMAND_ACK"]


def test_signed_vehicle_ignores_unsigned_commands_on_its_second_port(make_fleet, connect):
    fleet = make_fleet(signing_key=KEY)
    main = connect(fleet.ports[0])
    assert signed(main.wait("HEARTBEAT", 5))  # the vehicle signs everything it sends...
    assert main.set_mode(5) == M.MAV_RESULT_ACCEPTED  # ...and its first (USB) port takes unsigned commands
    gcs = connect(fleet.ports2[0])
    hb = gcs.wait("HEARTBEAT", 5)
    assert signed(hb)
    gcs.m.mav.command_long_send(1, 1, M.MAV_CMD_DO_SET_MODE, 0, 1, 5, 0, 0, 0, 0, 0)
    assert acks(gcs) == []  # unsigned command silently ignored on the second port
    gcs.m.setup_signing(KEY, sign_outgoing=True)
    assert gcs.set_mode(5) == M.MAV_RESULT_ACCEPTED
    # a wrong key is as good as none
    other = os.urandom(32)
    gcs.m.setup_signing(other, sign_outgoing=True, allow_unsigned_callback=lambda *_: True)
    gcs.m.mav.command_long_send(1, 1, M.MAV_CMD_DO_SET_MODE, 0, 1, 0, 0, 0, 0, 0, 0)
    assert acks(gcs) == []


def test_setup_signing_installs_and_zero_key_removes_the_key(make_fleet, connect):
    fleet = make_fleet()
    main = connect(fleet.ports[0])
    main.wait("HEARTBEAT", 5)
    gcs = connect(fleet.ports2[0])
    gcs.wait("HEARTBEAT", 5)
    assert gcs.set_mode(5) == M.MAV_RESULT_ACCEPTED  # unsigned works before a key is set
    main.m.mav.setup_signing_send(1, 1, list(KEY), 1)  # over the main (USB) port
    assert signed(gcs.wait("HEARTBEAT", 5, signed))  # no ACK, but every port signs from now on
    gcs.m.mav.command_long_send(1, 1, M.MAV_CMD_DO_SET_MODE, 0, 1, 0, 0, 0, 0, 0, 0)
    assert acks(gcs) == []
    gcs.m.setup_signing(KEY, sign_outgoing=True, allow_unsigned_callback=lambda *_: True)
    assert gcs.set_mode(0) == M.MAV_RESULT_ACCEPTED
    gcs.m.mav.setup_signing_send(1, 1, [0] * 32, 0)  # signed: accepted, disables signing
    assert not signed(gcs.wait("HEARTBEAT", 5, lambda h: not signed(h)))
    gcs.m.disable_signing()
    assert gcs.set_mode(5) == M.MAV_RESULT_ACCEPTED


def test_link_cut_and_restored(make_fleet, connect):
    fleet = make_fleet()
    gcs = connect(fleet.ports[0])
    gcs.wait("HEARTBEAT", 5)
    fleet.cut_link(0)
    gcs.collect(0.1)  # whatever was already in flight
    assert gcs.collect(0.5) == []
    gcs.m.mav.command_long_send(1, 1, M.MAV_CMD_DO_SET_MODE, 0, 1, 5, 0, 0, 0, 0, 0)
    assert acks(gcs, 0.3) == []  # lost on the way up too
    fleet.restore_link(0)
    hb = gcs.wait("HEARTBEAT", 5)
    assert hb.custom_mode == 0  # the mode change sent during the cut never arrived
    assert gcs.set_mode(5) == M.MAV_RESULT_ACCEPTED


def test_timed_cut_triggers_gcs_failsafe_while_flying(make_fleet, connect):
    fleet = make_fleet()
    gcs = connect(fleet.ports[0])
    gcs.wait("HEARTBEAT", 5)
    gcs.auto_heartbeat_s = 0.02
    assert gcs.param_set("MAV_GCS_SYSID", 254) == 254
    assert gcs.param_set("FS_GCS_ENABLE", 1) == 1
    gcs.takeoff(10.0)
    fleet.cut_link(0, duration_s=1.0)  # 20 s of vehicle time: longer than FS_GCS_TIMEOUT
    hb = gcs.wait("HEARTBEAT", 10, lambda h: h.custom_mode == 6)
    assert hb.custom_mode == 6  # RTL by GCS failsafe, seen once the link is back


@pytest.mark.parametrize("loss", [0.3])
def test_packet_loss_drops_some_but_not_all(make_fleet, connect, loss):
    fleet = make_fleet(loss=loss, seed=1)
    gcs = connect(fleet.ports[0])
    gcs.wait("HEARTBEAT", 5)
    for _ in range(5):  # the request itself may be lost
        gcs.m.mav.request_data_stream_send(1, 1, M.MAV_DATA_STREAM_EXTRA3, 10, 1)
    msgs = [m for m in gcs.collect(1.5) if m.get_type() == "SYSTEM_TIME"]
    expected = 1.5 * 20 * 10  # 1.5 s wall at 20x, 10 Hz
    assert 0.5 * expected < len(msgs) < 0.85 * expected
    assert gcs.m.mav_loss > 0  # sequence numbers show the gaps
