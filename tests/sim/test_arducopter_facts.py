"""Facts of ArduCopter 4.7 SITL the simulator reproduces (checked against SITL by tests/sim_diff)."""

from __future__ import annotations

import re
from pathlib import Path

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

import dronepatrol.sim
from dronepatrol.sim.params import ParamStore, arducopter_specs

M = mavlink2
SIM_DIR = Path(dronepatrol.sim.__file__).parent


def test_parameter_table_is_arducopters():
    plain, with_camera = ParamStore(sysid=3), ParamStore(sysid=3, camera=True)
    assert len(plain) == 1354 and len(with_camera) == 1366  # the camera adds its 12 parameters
    assert plain.get("MAV_SYSID") == 3 and plain.get("CAM1_TYPE") == 0 and with_camera.get("CAM1_TYPE") == 1
    assert plain.ptype("RTL_ALT") == M.MAV_PARAM_TYPE_INT32 and plain.get("FENCE_RADIUS") == 150
    assert plain.get("MAV_GCS_SYSID") == 255 and "SYSID_THISMAV" not in plain
    plain.set("CAM1_TYPE", 1)
    assert len(plain) == 1366  # listed as soon as a camera type is set
    assert plain.set("RTL_ALT", 2000.7) == 2000  # integers truncate, as C++ does
    assert plain.set("FS_GCS_ENABLE", 300) == 127  # int8 clamps


def test_every_parameter_the_simulator_reads_exists():
    names = {p.name for p in arducopter_specs()}
    used = set()
    for path in SIM_DIR.glob("*.py"):
        used |= set(re.findall(r'params\.(?:get|set|update)\("([A-Z0-9_]+)"', path.read_text()))
    assert used and used <= names, used - names


def test_param_list_indices_and_echoes(one):
    _fleet, gcs = one
    gcs.m.mav.param_request_list_send(1, 1)
    values = [m for m in gcs.collect(2.0) if m.get_type() == "PARAM_VALUE" and m.param_index != 65535]
    assert sorted(p.param_index for p in values) == list(range(1354)) and {p.param_count for p in values} == {1354}
    gcs.m.mav.param_request_read_send(1, 1, b"RTL_ALT", -1)
    assert gcs.wait("PARAM_VALUE", 5, lambda p: p.param_id == "RTL_ALT").param_index == 65535


def test_second_port_observes_without_the_main_ports_replies(one, connect):
    fleet, gcs = one
    obs = connect(fleet.ports2[0])
    obs.wait("HEARTBEAT", 5)
    gcs.request_streams(5)
    assert gcs.set_mode(5) == M.MAV_RESULT_ACCEPTED
    assert gcs.param_set("RTL_ALT", 1600) == 1600
    seen = obs.collect(0.5)
    kinds = {m.get_type() for m in seen}
    assert "COMMAND_ACK" not in kinds and "ATTITUDE" not in kinds  # replies and streams are per port
    assert any(m.get_type() == "PARAM_VALUE" and m.param_id == "RTL_ALT" for m in seen)  # changes are not
    obs.m.mav.request_data_stream_send(1, 1, M.MAV_DATA_STREAM_EXTRA3, 5, 1)
    kinds = {m.get_type() for m in obs.collect(0.5)}
    assert {"VIBRATION", "WIND", "AHRS", "EKF_STATUS_REPORT", "BATTERY_STATUS"} <= kinds


def test_arming_texts_and_mission_current(one):
    _fleet, gcs = one
    gcs.wait_home()
    gcs.m.mav.command_long_send(1, 1, M.MAV_CMD_REQUEST_MESSAGE, 0, 42, 0, 0, 0, 0, 0, 0)
    mc = gcs.wait("MISSION_CURRENT", 5)
    assert (mc.seq, mc.total, mc.mission_state) == (0, 0, 1)  # no mission
    assert gcs.set_mode(3) == M.MAV_RESULT_ACCEPTED  # AUTO without a mission: started, complete at once
    gcs.m.mav.command_long_send(1, 1, M.MAV_CMD_REQUEST_MESSAGE, 0, 42, 0, 0, 0, 0, 0, 0)
    assert gcs.wait("MISSION_CURRENT", 5).mission_mode == 1
    gcs.wait_armable(4)
    assert gcs.arm() == M.MAV_RESULT_ACCEPTED
    assert gcs.command(M.MAV_CMD_COMPONENT_ARM_DISARM, 0) == M.MAV_RESULT_ACCEPTED
    gcs.collect(0.2)
    assert "Arming motors" in gcs.texts() and gcs.texts()[-1] == "Disarming motors"


def test_upload_texts_totals_and_the_home_slot_after_clear(one):
    _fleet, gcs = one
    gcs.wait_home()
    gcs.m.mav.mission_clear_all_send(1, 1, 0)
    gcs.wait("MISSION_ACK", 5)
    items = [{"command": 16, "frame": 0, "x": 160563000, "y": 1036488000, "z": 140.0}, {"command": 22, "z": 10.0}]
    assert gcs.upload(items) == M.MAV_MISSION_ACCEPTED
    gcs.collect(0.2)
    assert "Flight plan received" in gcs.texts()
    assert [p.param_value for p in gcs.log if p.get_type() == "PARAM_VALUE" and p.param_id == "MIS_TOTAL"][-1] == 2
    assert [i.command for i in gcs.download(0)] == [16, 22]
    fence = [{"command": 5003, "frame": 0, "param1": 50, "x": 160563000, "y": 1036488000, "mission_type": 1}]
    assert gcs.upload(fence, 1) == M.MAV_MISSION_ACCEPTED
    gcs.collect(0.2)
    assert "Fence Indexed OK" in gcs.texts()
    gcs.m.mav.mission_count_send(1, 1, 71, 1)
    assert gcs.wait("MISSION_ACK", 5).type == M.MAV_MISSION_NO_SPACE
