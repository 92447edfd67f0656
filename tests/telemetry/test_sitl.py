"""Three real ArduCopter SITL instances recorded by the link owner (first port) while a plain
pymavlink observer reads each one's positions on its second port: the recordings parse, and each
track matches what its own instance reported, on the vehicle's clock."""

from __future__ import annotations

import os
import time
from pathlib import Path

os.environ.setdefault("MAVLINK20", "1")

import pytest
from pymavlink import mavutil

from dronepatrol.config import load_fleet
from dronepatrol.geo import haversine_m
from dronepatrol.mavlink.owner import ensure_owner, stop_owner
from dronepatrol.mavlink.tlog import iter_messages
from dronepatrol.mavlink.tracks import read_track
from dronepatrol.telemetry.clock import VehicleClock

pytestmark = pytest.mark.sitl
M = mavutil.mavlink


@pytest.fixture(autouse=True)
def _private_runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRONEPATROL_RUNTIME_DIR", str(tmp_path / "run"))


def _observer(connection: str, sysid: int):
    m = mavutil.mavlink_connection(connection, source_system=253, source_component=191, autoreconnect=False)
    assert m.recv_match(type="HEARTBEAT", blocking=True, timeout=15) is not None
    for msg_id, hz in ((M.MAVLINK_MSG_ID_GLOBAL_POSITION_INT, 5), (M.MAVLINK_MSG_ID_SYSTEM_TIME, 2)):
        m.mav.command_long_send(sysid, 1, M.MAV_CMD_SET_MESSAGE_INTERVAL, 0, msg_id, 1e6 / hz, 0, 0, 0, 0, 0)
    return m


def test_recording_of_three_sitl_instances_matches_their_reported_positions(sitl_fleet, tmp_path: Path) -> None:
    sitl = sitl_fleet(3, speedup=10)
    fleet = load_fleet(sitl.fleet_toml(tmp_path / "fleet.toml"))
    info = ensure_owner(fleet, record_dir=tmp_path / "flights", background=False)
    observers = [_observer(d.connection2, d.system_id) for d in sitl.drones]
    seen: list[list] = [[] for _ in observers]
    # another program flies drone1 through the owner: GUIDED, arm (retried until the EKF is ready), take off
    pilot = mavutil.mavlink_connection(info.connection("drone1"), source_system=252, source_component=190,
                                       autoreconnect=False)
    try:
        deadline = time.monotonic() + 20
        next_try, armed = 0.0, False
        while time.monotonic() < deadline:
            for i, m in enumerate(observers):
                while (msg := m.recv_match(type=["GLOBAL_POSITION_INT", "SYSTEM_TIME"], blocking=False)) is not None:
                    seen[i].append(msg)
            while (msg := pilot.recv_match(type=["HEARTBEAT"], blocking=False)) is not None:
                armed = armed or (msg.get_srcSystem() == 1 and bool(msg.base_mode & 128))
            if not armed and time.monotonic() >= next_try:
                next_try = time.monotonic() + 1.0
                pilot.mav.command_long_send(1, 1, M.MAV_CMD_DO_SET_MODE, 0, 1, 4, 0, 0, 0, 0, 0)
                pilot.mav.command_long_send(1, 1, M.MAV_CMD_COMPONENT_ARM_DISARM, 0, 1, 0, 0, 0, 0, 0, 0)
                pilot.mav.command_long_send(1, 1, M.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 0, 20)
            time.sleep(0.02)
        session = Path(info.recording)
    finally:
        pilot.close()
        for m in observers:
            m.close()
        stop_owner(info)
    for i, d in enumerate(sitl.drones):
        tlog = session / f"drone{d.system_id}.tlog"
        track = read_track(tlog)
        assert track.drone == f"drone{d.system_id}" and track.system_id == d.system_id and not track.warnings
        assert track.time_source == "vehicle" and len(track.fixes) > 20
        # both directions: the owner's stream requests are in the recording
        assert any(m.get_srcSystem() == 254 for _, m in iter_messages(tlog, types=["COMMAND_LONG",
                                                                                   "REQUEST_DATA_STREAM"]))
        # the observer's positions, on the vehicle clock from the observer's own SYSTEM_TIME pairs
        clock = VehicleClock()
        obs = []
        for msg in seen[i]:
            e = clock.observe_boot(msg.time_boot_ms)
            if msg.get_type() == "SYSTEM_TIME":
                clock.add_pair(e, boot_ms=msg.time_boot_ms, unix_us=msg.time_unix_usec)
            elif msg.lat or msg.lon:
                obs.append((e, msg))
        pts = [(clock.to_utc_s(e, m.time_boot_ms), m.lat / 1e7, m.lon / 1e7, m.relative_alt / 1000) for e, m in obs]
        pts = [p for p in pts if p[0] is not None and track.span_s[0] <= p[0] <= track.span_s[1]]
        assert len(pts) > 10
        times = [f.t_s for f in track.fixes]
        for t, lat, lon, alt_rel in pts:
            j = min(range(len(times)), key=lambda k: abs(times[k] - t))
            assert abs(times[j] - t) < 0.6  # a fix within a few vehicle-time samples
            assert haversine_m(lon, lat, track.fixes[j].lon, track.fixes[j].lat) < 1.0
            assert abs(track.fixes[j].alt_rel_m - alt_rel) < 2.0
        # and not another instance's (homes are 100 m apart)
        if d.system_id == 1:  # flown by the pilot: the climb is in the track, and the pilot's commands
            assert max(f.alt_rel_m for f in track.fixes) > 3.0
            assert any(m.get_srcSystem() == 252 for _, m in iter_messages(tlog, types=["COMMAND_LONG"]))
        other = read_track(session / f"drone{sitl.drones[(i + 1) % 3].system_id}.tlog")
        assert haversine_m(pts[-1][2], pts[-1][1], other.fixes[-1].lon, other.fixes[-1].lat) > 50
