"""End to end without the project's link code: missions written by ``plan`` are read by MAVProxy's
own loader (pymavlink ``mavwp``), uploaded by a plain pymavlink client, and flown to landing."""

from __future__ import annotations

import json
from pathlib import Path

from pymavlink import mavwp

from dronepatrol.cli.main import run
from dronepatrol.sim.fleet import Home
from tests.conftest import ROIET
from tests.sim.conftest import M

NAV = {M.MAV_CMD_NAV_WAYPOINT, M.MAV_CMD_NAV_LOITER_TIME, M.MAV_CMD_NAV_TAKEOFF, M.MAV_CMD_NAV_RETURN_TO_LAUNCH}


def _plan(kind: str, out: Path, *args: str) -> dict:
    try:
        run(["-q", "plan", kind, str(ROIET), "-o", str(out), *args])
    except SystemExit as done:
        assert done.code == 0
    return json.loads((out / "summary.json").read_text())


def _load_wpl(path: Path) -> list[dict]:
    """Items as MAVProxy reads them (row 0 = home), as MISSION_ITEM_INT fields."""
    loader = mavwp.MAVWPLoader()
    assert loader.load(str(path)) > 1
    items = []
    for k in range(loader.count()):
        w = loader.wp(k)
        global_frame = w.frame in (M.MAV_FRAME_GLOBAL, M.MAV_FRAME_GLOBAL_RELATIVE_ALT)
        scale = 1e7 if global_frame else 1
        items.append({"command": w.command, "frame": w.frame, "autocontinue": w.autocontinue,
                      "param1": w.param1, "param2": w.param2, "param3": w.param3, "param4": w.param4,
                      "x": round(w.x * scale), "y": round(w.y * scale), "z": w.z})
    return items


def _fly(make_fleet, connect, items: list[dict], timeout_s: float) -> list:
    home = items[0]
    fleet = make_fleet(homes=[Home(lat_deg=home["x"] / 1e7, lon_deg=home["y"] / 1e7)], speedup=50.0, camera=True)
    gcs = connect(fleet.ports[0])
    gcs.wait("HEARTBEAT", 5)
    assert gcs.upload(items) == M.MAV_MISSION_ACCEPTED
    gcs.m.mav.request_data_stream_send(1, 1, M.MAV_DATA_STREAM_POSITION, 2, 1)
    gcs.takeoff(5.0)  # ArduCopter's start-a-mission path: GUIDED, arm, take off, then AUTO
    assert gcs.set_mode(3) == M.MAV_RESULT_ACCEPTED
    start = len(gcs.log)
    gcs.wait("HEARTBEAT", timeout_s, lambda h: not h.base_mode & M.MAV_MODE_FLAG_SAFETY_ARMED)
    return gcs.log[start:]


def test_planned_patrol_is_accepted_and_flown(tmp_path, make_fleet, connect) -> None:
    summary = _plan("patrol", tmp_path / "patrol")
    items = _load_wpl(tmp_path / "patrol" / "drone2.waypoints")
    log = _fly(make_fleet, connect, items, timeout_s=90)
    reached = [m.seq for m in log if m.get_type() == "MISSION_ITEM_REACHED"]
    nav_after_takeoff = [k for k, it in enumerate(items) if k > 1 and it["command"] in NAV]
    assert reached == sorted(reached) and set(nav_after_takeoff) <= set(reached)
    photos = [m for m in log if m.get_type() == "CAMERA_FEEDBACK"]
    hotspots = next(d for d in summary["drones"] if d["drone"] == "drone2")["hotspots"]
    assert len(photos) == len(hotspots)  # one DO_DIGICAM_CONTROL shot per hotspot
    texts = [m.text for m in log if m.get_type() == "STATUSTEXT"]
    assert not [t for t in texts if "Fence" in t or "failsafe" in t.lower()]


def test_planned_survey_sortie_photographs_its_lanes(tmp_path, make_fleet, connect) -> None:
    summary = _plan("survey", tmp_path / "survey", "--lane-spacing", "80")
    drone = summary["drones"][0]
    items = _load_wpl(tmp_path / "survey" / f"{drone['file']}.waypoints")
    log = _fly(make_fleet, connect, items, timeout_s=120)
    photos = [m for m in log if m.get_type() == "CAMERA_FEEDBACK"]
    assert [p.img_idx for p in photos] == list(range(photos[0].img_idx, photos[0].img_idx + len(photos)))
    # the planner's estimate (lane length / trigger distance per lane) within 10 %
    assert abs(len(photos) - drone["photos"]) <= max(2, 0.1 * drone["photos"])
