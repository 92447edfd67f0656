"""Real ArduCopter SITL: a camera configured (CAM1_TYPE 1, reboot), a survey with distance
triggering recorded to a .tlog, photos made for the shots from a camera clock 37 s fast (two
missed, one taken by hand): ``photos geotag`` recovers the offset from ArduCopter's own
CAMERA_FEEDBACK and puts every photo within 2 m of the position ArduCopter reported for it."""

from __future__ import annotations

import csv
import os
import time

os.environ.setdefault("MAVLINK20", "1")

import pytest

pytest.importorskip("dronepatrol.mavlink.tracks", reason="needs the telemetry .tlog reader (read_track)")

from pymavlink import mavutil

from tests.photos.helpers import camera_local, jpeg_bytes
from tests.photos.test_e2e_sim import dist_m, survey, upload
from tests.sim.conftest import Gcs

pytestmark = pytest.mark.sitl
M = mavutil.mavlink
CLOCK_OFFSET_S = 37.0


def connect(port: int, timeout_s: float = 60.0) -> Gcs:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            g = Gcs(port)
            g.wait("HEARTBEAT", 10)
            return g
        except (OSError, AssertionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)


def shot_utc_s(feedback, pairs: list[tuple[int, int]]) -> float:
    """UTC seconds of a CAMERA_FEEDBACK: its time_usec is UNIX time (MAVLink), or boot time on
    some builds, mapped with the last SYSTEM_TIME pair (boot ms, unix us) seen before it."""
    if feedback.time_usec > 1_000_000_000_000_000:
        return feedback.time_usec / 1e6
    boot_ms, unix_us = pairs[-1]
    return unix_us / 1e6 + (feedback.time_usec / 1e3 - boot_ms) / 1e3


def test_sitl_camera_feedback_geotag(sitl_fleet, cli, tmp_path):
    sitl = sitl_fleet(1, speedup=10)
    port = sitl.drones[0].port
    g = connect(port)
    assert g.param_set("CAM1_TYPE", 1) == 1
    g.command(M.MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN, 1)
    g.close()
    time.sleep(2.0)
    tlog = tmp_path / "flights" / "drone1.tlog"
    tlog.parent.mkdir()
    g = connect(port)
    g.m.setup_logfile(str(tlog))
    assert g.param_get("CAM1_TYPE") == 1
    g.request_streams(10)
    home = g.wait_home(60)
    assert upload(g, survey(home.latitude * 1e-7, home.longitude * 1e-7)) == M.MAV_MISSION_ACCEPTED
    g.auto_heartbeat_s = 0.5
    g.wait_armable(4, timeout=90)
    assert g.command(M.MAV_CMD_MISSION_START) == M.MAV_RESULT_ACCEPTED
    deadline = time.monotonic() + 240
    armed_seen = False
    while time.monotonic() < deadline:
        msg = g.recv(0.2)
        if msg is None or msg.get_type() != "HEARTBEAT" or msg.get_srcSystem() != 1 \
                or msg.autopilot == M.MAV_AUTOPILOT_INVALID:
            continue
        if msg.base_mode & M.MAV_MODE_FLAG_SAFETY_ARMED:
            armed_seen = True
        elif armed_seen:
            break
    else:
        raise AssertionError("the SITL survey did not finish")
    g.collect(0.5)
    g.close()

    pairs: list[tuple[int, int]] = []
    shots = []
    for m in g.log:
        if m.get_type() == "SYSTEM_TIME" and m.time_unix_usec:
            pairs.append((m.time_boot_ms, m.time_unix_usec))
        elif m.get_type() == "CAMERA_FEEDBACK" and pairs:
            shots.append((shot_utc_s(m, pairs), m))
    assert len(shots) >= 15, "ArduCopter reported too few camera shots"
    photos = tmp_path / "photos" / "drone1"
    photos.mkdir(parents=True)
    missed = {shots[3][1].img_idx, shots[9][1].img_idx}
    for t, fb in shots:
        if fb.img_idx not in missed:
            (photos / f"IMG_{fb.img_idx:04d}.JPG").write_bytes(jpeg_bytes(camera_local(t, CLOCK_OFFSET_S)))
    hand_t = (shots[5][0] + shots[6][0]) / 2
    (photos / "HAND_0001.JPG").write_bytes(jpeg_bytes(camera_local(hand_t, CLOCK_OFFSET_S)))

    out = tmp_path / "tagged"
    r = cli("photos", "geotag", tmp_path / "photos", "--log", tlog, "-o", out, "--json")
    assert r.exit_code == 0, r.stderr
    (group,) = r.json["groups"]
    assert group["drone"] == "drone1" and abs(group["offset_s"] + CLOCK_OFFSET_S) < 0.1, group
    assert sorted(group["unmatched_triggers"]) == sorted(missed)
    rows = {row["file"]: row for row in csv.DictReader((out / "manifest.csv").open())}
    for _, fb in shots:
        if fb.img_idx in missed:
            continue
        row = rows[f"drone1/IMG_{fb.img_idx:04d}.JPG"]
        assert row["method"] == "trigger" and int(row["trigger_index"]) == fb.img_idx
        assert dist_m(float(row["lat"]), float(row["lon"]), fb.lat * 1e-7, fb.lng * 1e-7) < 2.0
        assert abs(float(row["alt_amsl_m"]) - fb.alt_msl) < 1.0
    a, b = shots[5][1], shots[6][1]
    hand = rows["drone1/HAND_0001.JPG"]
    assert hand["method"] == "interpolated"
    assert dist_m(float(hand["lat"]), float(hand["lon"]), (a.lat + b.lat) * 0.5e-7, (a.lng + b.lng) * 0.5e-7) < 2.0
