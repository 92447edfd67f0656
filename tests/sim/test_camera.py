"""Camera triggering, CAMERA_FEEDBACK accuracy and JPEG files with the camera's own clock."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import select
import socket
import time

import piexif
import pytest
from PIL import Image
from pymavlink import mavutil

M = mavutil.mavlink
HOME = (16.05630, 103.64880)
M_PER_DEG = 111319.49


def e7(deg: float) -> int:
    return round(deg * 1e7)


def offset(north_m: float, east_m: float) -> tuple[float, float]:
    return HOME[0] + north_m / M_PER_DEG, HOME[1] + east_m / (M_PER_DEG * math.cos(math.radians(HOME[0])))


def dist_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dn = (lat2 - lat1) * M_PER_DEG
    de = (lon2 - lon1) * M_PER_DEG * math.cos(math.radians(lat1))
    return math.hypot(dn, de)


SURVEY = [
    {
        "command": M.MAV_CMD_NAV_WAYPOINT,
        "frame": M.MAV_FRAME_GLOBAL_INT,
        "x": e7(HOME[0]),
        "y": e7(HOME[1]),
        "z": 140.0,
    },
    {"command": M.MAV_CMD_NAV_TAKEOFF, "z": 30.0},
    {"command": M.MAV_CMD_NAV_WAYPOINT, "x": e7(offset(10, 0)[0]), "y": e7(offset(10, 0)[1]), "z": 30.0},
    {"command": M.MAV_CMD_DO_SET_CAM_TRIGG_DIST, "frame": M.MAV_FRAME_MISSION, "param1": 20.0},
    {"command": M.MAV_CMD_NAV_WAYPOINT, "x": e7(offset(150, 0)[0]), "y": e7(offset(150, 0)[1]), "z": 30.0},
    {"command": M.MAV_CMD_DO_SET_CAM_TRIGG_DIST, "frame": M.MAV_FRAME_MISSION, "param1": 0.0},
    {"command": M.MAV_CMD_NAV_LAND},
]


def wait_closed_by_vehicle(sock: socket.socket, timeout: float = 5.0) -> None:
    """Read until the vehicle closes the connection (EOF)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], 0.1)
        if ready and sock.recv(65536) == b"":
            return
    raise AssertionError("the vehicle did not drop the link when rebooting")


def test_survey_photos_feedback_and_exif(make_fleet, connect, tmp_path):
    offset_s = -37.0
    fleet = make_fleet(photos_dir=tmp_path, camera_clock_offset_s=offset_s)
    gcs = connect(fleet.ports[0])
    gcs.wait("HEARTBEAT", 5)
    assert gcs.param_get("CAM1_TYPE") != 0  # photos_dir: the drones come with a camera configured
    assert gcs.upload(SURVEY) == M.MAV_MISSION_ACCEPTED
    gcs.wait_armable(4)
    assert gcs.command(M.MAV_CMD_MISSION_START) == M.MAV_RESULT_ACCEPTED
    start = len(gcs.log)
    gcs.wait("HEARTBEAT", 90, lambda h: not h.base_mode & M.MAV_MODE_FLAG_SAFETY_ARMED)
    feedback = [m for m in gcs.log[start:] if m.get_type() == "CAMERA_FEEDBACK"]
    # 140 m of leg at one shot every 20 m
    assert 6 <= len(feedback) <= 8
    assert [f.img_idx for f in feedback] == list(range(1, len(feedback) + 1))
    with fleet.lock:
        shots = list(fleet.vehicle(0).camera.shots)
    assert len(shots) == len(feedback)
    for f, s in zip(feedback, shots, strict=True):
        assert dist_m(f.lat * 1e-7, f.lng * 1e-7, s.lat_deg, s.lon_deg) < 1.0  # true trigger position
        assert abs(f.alt_rel - 30.0) < 1.0 and abs(f.alt_msl - 170.0) < 1.0
    spacing = [dist_m(a.lat * 1e-7, a.lng * 1e-7, b.lat * 1e-7, b.lng * 1e-7) for a, b in itertools.pairwise(feedback)]
    assert all(abs(d - 20.0) < 1.0 for d in spacing), spacing

    fleet.flush_photos()
    files = sorted((tmp_path / "drone1").glob("*.JPG"))
    assert [p.name for p in files] == [f"IMG_{i:04d}.JPG" for i in range(1, len(feedback) + 1)]
    for f, path in zip(feedback, files, strict=True):
        exif = piexif.load(str(path))
        assert not exif.get("GPS")  # cameras on these drones write no GPS tags
        assert exif["0th"][piexif.ImageIFD.Make] and exif["0th"][piexif.ImageIFD.Model]
        taken = dt.datetime.strptime(exif["Exif"][piexif.ExifIFD.DateTimeOriginal].decode(), "%Y:%m:%d %H:%M:%S")
        expected = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=f.time_usec / 1e6 + 7 * 3600 + offset_s)
        assert abs((taken - expected.replace(microsecond=0)).total_seconds()) < 1e-6
        with Image.open(path) as img:
            assert img.size == (1600, 1200)


def test_missed_shots_give_feedback_without_file(make_fleet, connect, tmp_path):
    fleet = make_fleet(photos_dir=tmp_path, camera_miss_probability=0.5, seed=3)
    gcs = connect(fleet.ports[0])
    gcs.wait("HEARTBEAT", 5)
    gcs.wait_home()
    for _ in range(20):
        assert gcs.command(M.MAV_CMD_DO_DIGICAM_CONTROL, 0, 0, 0, 0, 1) == M.MAV_RESULT_ACCEPTED
    gcs.collect(0.2)
    fleet.flush_photos()
    feedback = [m for m in gcs.log if m.get_type() == "CAMERA_FEEDBACK"]
    files = list((tmp_path / "drone1").glob("*.JPG"))
    assert len(feedback) == 20
    assert 0 < len(files) < 20  # some shots missed, file numbers stay consecutive
    assert sorted(p.name for p in files) == [f"IMG_{i:04d}.JPG" for i in range(1, len(files) + 1)]


def test_no_camera_until_configured_and_rebooted(make_fleet, connect):
    fleet = make_fleet(camera=False)
    port = fleet.ports[0]
    gcs = connect(port)
    gcs.wait("HEARTBEAT", 5)
    assert gcs.param_get("CAM1_TYPE") == 0
    assert gcs.command(M.MAV_CMD_DO_DIGICAM_CONTROL, 0, 0, 0, 0, 1) == M.MAV_RESULT_ACCEPTED
    assert gcs.param_set("CAM1_TYPE", 1) == 1
    assert gcs.command(M.MAV_CMD_DO_DIGICAM_CONTROL, 0, 0, 0, 0, 1) == M.MAV_RESULT_ACCEPTED
    assert not [m for m in gcs.log + gcs.collect(0.3) if m.get_type() == "CAMERA_FEEDBACK"]
    # CAM1_TYPE takes effect after a reboot; SITL's TCP link drops when it reboots
    assert gcs.command(M.MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN, 1) == M.MAV_RESULT_ACCEPTED
    wait_closed_by_vehicle(gcs.m.port)
    gcs.close()
    again = connect(port)
    again.wait("HEARTBEAT", 5)
    assert again.param_get("CAM1_TYPE") == 1
    assert again.command(M.MAV_CMD_DO_DIGICAM_CONTROL, 0, 0, 0, 0, 1) == M.MAV_RESULT_ACCEPTED
    again.collect(0.2)
    assert [m.img_idx for m in again.log if m.get_type() == "CAMERA_FEEDBACK"] == [1]


def test_a_reboot_keeps_gps_time_running_and_the_camera_numbering_going(tmp_path) -> None:
    from dronepatrol.sim.fleet import SimFleet

    fleet = SimFleet(drones=1, base_port=0, speedup=20.0, prearm_delay_s=2.0, photos_dir=tmp_path, camera=True)
    v = fleet.vehicle(0)
    v.t = 100.0  # the drone has been up 100 s
    utc_before = v.utc_s()
    v.camera.file_counter = 41  # and its camera has written IMG_0001..IMG_0041
    v.reboot()
    assert v.t == 0.0 and v.utc_s() == pytest.approx(utc_before)  # GPS time does not jump back
    assert v.camera.file_counter == 41 and v.camera.img_idx == 0  # new shots: IMG_0042.., img_idx from 1
    fleet.close()
