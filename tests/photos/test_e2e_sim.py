"""End to end: two simulated drones fly a survey with their cameras 37 s fast; a plain pymavlink
ground station records each drone's .tlog; ``photos geotag`` finds the offset and places every
photo within 2 m of the true trigger position."""

from __future__ import annotations

import csv
import math
import re
import time

import pytest

pytest.importorskip("dronepatrol.mavlink.tracks", reason="needs the telemetry .tlog reader (read_track)")

from pymavlink import mavutil

from dronepatrol.photos.exif import load_exif, read_gps
from dronepatrol.photos.jpeg import exif_segment, image_data_offset
from dronepatrol.sim.fleet import SimFleet
from tests.photos.helpers import camera_local, jpeg_bytes
from tests.sim.conftest import Gcs

M = mavutil.mavlink
M_PER_DEG = 111_319.49
CLOCK_OFFSET_S = 37.0


def dist_m(lat1, lon1, lat2, lon2):
    dn = (lat2 - lat1) * M_PER_DEG
    de = (lon2 - lon1) * M_PER_DEG * math.cos(math.radians(lat1))
    return math.hypot(dn, de)


def survey(lat0: float, lon0: float) -> list[dict]:
    def at(n, e):
        return {"x": round((lat0 + n / M_PER_DEG) * 1e7),
                "y": round((lon0 + e / (M_PER_DEG * math.cos(math.radians(lat0)))) * 1e7), "z": 30.0}

    trig = M.MAV_CMD_DO_SET_CAM_TRIGG_DIST
    return [
        {"command": M.MAV_CMD_NAV_WAYPOINT, "frame": M.MAV_FRAME_GLOBAL_INT, **at(0, 0)},
        {"command": M.MAV_CMD_NAV_TAKEOFF, "z": 30.0},
        {"command": M.MAV_CMD_NAV_WAYPOINT, **at(10, 0)},
        {"command": trig, "frame": M.MAV_FRAME_MISSION, "param1": 15.0},
        {"command": M.MAV_CMD_NAV_WAYPOINT, **at(150, 0)},
        {"command": M.MAV_CMD_NAV_WAYPOINT, **at(150, 45)},
        {"command": M.MAV_CMD_NAV_WAYPOINT, **at(10, 45)},
        {"command": trig, "frame": M.MAV_FRAME_MISSION, "param1": 0.0},
        {"command": M.MAV_CMD_NAV_LAND},
    ]


def upload(g: Gcs, items: list[dict], timeout_s: float = 20.0) -> int:
    """Mission upload that, like ArduCopter's, survives a re-requested item: an INVALID_SEQUENCE
    ACK for a duplicate is not the end of the transfer (mavlink-notes.md)."""
    g.m.mav.mission_count_send(g.target, 1, len(items), 0)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        msg = g.recv(0.2)
        if msg is None:
            continue
        kind = msg.get_type()
        if kind in ("MISSION_REQUEST", "MISSION_REQUEST_INT") and msg.mission_type == 0:
            g.send_item(items[msg.seq], msg.seq)
        elif kind == "MISSION_ACK" and msg.mission_type == 0 and msg.type != M.MAV_MISSION_INVALID_SEQUENCE:
            return int(msg.type)
    raise AssertionError("upload did not finish")


def fly(fleet: SimFleet, tlogs: list) -> None:
    """Upload and fly the survey on every drone at once, recording each link to its .tlog."""
    gcss = []
    for i, port in enumerate(fleet.ports):
        g = Gcs(port, target=i + 1)
        g.m.setup_logfile(str(tlogs[i]))
        g.wait("HEARTBEAT", 5)
        g.request_streams(10)
        home = g.wait_home()
        assert upload(g, survey(home.latitude * 1e-7, home.longitude * 1e-7)) == M.MAV_MISSION_ACCEPTED
        gcss.append(g)
    for g in gcss:
        g.wait_armable(4)
        assert g.command(M.MAV_CMD_MISSION_START) == M.MAV_RESULT_ACCEPTED
    flying = set(range(len(gcss)))
    seen_armed: set[int] = set()
    deadline = time.monotonic() + 120
    while flying and time.monotonic() < deadline:
        for i in sorted(flying):
            msg = gcss[i].recv(0.02)
            if msg is None or msg.get_type() != "HEARTBEAT" or msg.get_srcSystem() != i + 1 \
                    or msg.autopilot == M.MAV_AUTOPILOT_INVALID:
                continue
            if msg.base_mode & M.MAV_MODE_FLAG_SAFETY_ARMED:
                seen_armed.add(i)
            elif i in seen_armed:  # landed and disarmed
                flying.discard(i)
    assert not flying, "the survey did not finish"
    for g in gcss:
        g.collect(0.3)
        g.close()


@pytest.mark.slow
def test_two_drones_offset_recovered_and_photos_within_2_m(cli, tmp_path):
    photos = tmp_path / "photos"
    tlogs = [tmp_path / "flights" / f"drone{i}.tlog" for i in (1, 2)]
    tlogs[0].parent.mkdir()
    fleet = SimFleet(drones=2, base_port=0, speedup=20.0, prearm_delay_s=2.0, photos_dir=photos, camera=True,
                     camera_clock_offset_s=CLOCK_OFFSET_S, camera_miss_probability=0.15, seed=5).start()
    try:
        fly(fleet, tlogs)
        fleet.flush_photos()
        with fleet.lock:
            shots = [list(fleet.vehicle(i).camera.shots) for i in range(2)]
    finally:
        fleet.close()
    assert all(len(s) >= 15 for s in shots)
    # one photo taken by hand on drone1, half-way between two shots
    a, b = shots[0][6], shots[0][7]
    hand = photos / "drone1" / "HAND_0001.JPG"
    hand.write_bytes(jpeg_bytes(camera_local((a.utc_s + b.utc_s) / 2, CLOCK_OFFSET_S)))

    out = tmp_path / "tagged"
    r = cli("photos", "geotag", photos, "--log", tlogs[0], "--log", tlogs[1], "-o", out, "--json")
    assert r.exit_code == 0, r.stderr
    summary = r.json
    groups = {g["drone"]: g for g in summary["groups"]}
    assert set(groups) == {"drone1", "drone2"}
    for i, name in enumerate(("drone1", "drone2")):
        g = groups[name]
        assert abs(g["offset_s"] + CLOCK_OFFSET_S) < 0.1, g  # the camera's 37 s recovered
        missed = [s.img_idx for s in shots[i] if s.path is None]
        assert g["unmatched_triggers"] == missed
    assert re.search(r"drone2: camera clock offset -3[67]\.\d\d s \(from camera triggers\)", r.stderr)
    rows = {row["file"]: row for row in csv.DictReader((out / "manifest.csv").open())}
    checked = 0
    for i, name in enumerate(("drone1", "drone2")):
        for s in shots[i]:
            if s.path is None:
                continue
            row = rows[f"{name}/{s.path.name}"]
            assert row["drone"] == name and row["method"] == "trigger" and int(row["trigger_index"]) == s.img_idx
            assert dist_m(float(row["lat"]), float(row["lon"]), s.lat_deg, s.lon_deg) < 2.0
            copy = (out / row["file"]).read_bytes()
            original = s.path.read_bytes()
            gps = read_gps(load_exif(exif_segment(copy)))
            assert dist_m(gps["lat"], gps["lon"], s.lat_deg, s.lon_deg) < 2.0
            assert abs(gps["alt_amsl_m"] - s.alt_msl_m) < 1.0
            assert copy[image_data_offset(copy):] == original[image_data_offset(original):]
            checked += 1
    assert checked == sum(1 for ss in shots for s in ss if s.path is not None)
    h = rows["drone1/HAND_0001.JPG"]
    assert h["method"] == "interpolated"
    assert dist_m(float(h["lat"]), float(h["lon"]), (a.lat_deg + b.lat_deg) / 2, (a.lon_deg + b.lon_deg) / 2) < 2.0
