"""fleet setup: the parameters fleet start checks are set and read back, the camera type takes
effect through a reboot, nothing changes on an armed drone. Checked by an independent
plain-pymavlink client on each vehicle's second port, on the simulator and on real ArduCopter."""

from __future__ import annotations

import os

os.environ.setdefault("MAVLINK20", "1")

import pytest
from pymavlink import mavutil

from tests.mavlink.plainport import sim_factory
from tests.sim.conftest import Gcs


@pytest.fixture
def make_fleet():
    with sim_factory() as make:
        yield make


WANT = {"FS_GCS_ENABLE": 1.0, "MAV_GCS_SYSID": 254.0, "MAV_GCS_SYSID_HI": 255.0, "CAM1_TYPE": 1.0}


def _fleet_file(path, connections: list[str]):
    path.write_text("".join(f'[[drones]]\nname = "drone{i}"\nconnection = "{c}"\nsystem_id = {i}\n\n'
                            for i, c in enumerate(connections, start=1)))
    return path


def _read(connection: str, sysid: int, names) -> dict[str, float]:
    m = mavutil.mavlink_connection(connection, source_system=250, source_component=190, autoreconnect=False)
    try:
        assert m.recv_match(type="HEARTBEAT", blocking=True, timeout=15) is not None
        out = {}
        for name in names:
            for _ in range(5):
                m.mav.param_request_read_send(sysid, 1, name.encode(), -1)
                pv = m.recv_match(type="PARAM_VALUE", blocking=True, timeout=2,
                                  condition=f"PARAM_VALUE.param_id=='{name}'")
                if pv is not None:
                    out[name] = pv.param_value
                    break
        return out
    finally:
        m.close()


def test_setup_sets_reads_back_reboots_for_the_camera_then_has_nothing_to_do(cli, make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=2, camera=False)
    fleet_file = _fleet_file(tmp_path / "fleet.toml", [f"tcp:127.0.0.1:{p}" for p in fleet.ports])
    assert _read(f"tcp:127.0.0.1:{fleet.ports2[0]}", 1, ["CAM1_TYPE"]) == {"CAM1_TYPE": 0.0}
    r = cli("fleet", "setup", "--fleet", fleet_file, "--camera-type", "1", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    assert "FS_GCS_ENABLE 0 -> 1" in r.stderr and "(rebooted)" in r.stderr
    assert all(d["rebooted"] for d in r.json["drones"])
    for i, port in enumerate(fleet.ports2, start=1):
        assert _read(f"tcp:127.0.0.1:{port}", i, WANT) == WANT
    again = cli("fleet", "setup", "--fleet", fleet_file, "--camera-type", "1", "--yes", "--json")
    assert again.exit_code == 0
    assert "already set" in again.stderr
    assert not any(d["rebooted"] or d["changed"] for d in again.json["drones"])


def test_an_armed_drone_is_refused_and_left_as_it_was(cli, make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=1)
    fleet_file = _fleet_file(tmp_path / "fleet.toml", [f"tcp:127.0.0.1:{fleet.ports[0]}"])
    pilot = Gcs(fleet.ports2[0])
    try:
        pilot.wait("HEARTBEAT", 5)
        pilot.wait_armable(4)
        r = cli("fleet", "setup", "--fleet", fleet_file, "--yes")
    finally:
        pilot.close()
    assert r.exit_code == 5
    assert "drone1: armed" in r.stderr and "land and disarm first" in r.stderr
    assert _read(f"tcp:127.0.0.1:{fleet.ports2[0]}", 1, ["FS_GCS_ENABLE"]) == {"FS_GCS_ENABLE": 0.0}


def test_without_a_terminal_it_asks_for_yes(cli, make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=1)
    r = cli("fleet", "setup", "--fleet", _fleet_file(tmp_path / "f.toml", [f"tcp:127.0.0.1:{fleet.ports[0]}"]))
    assert r.exit_code == 2 and "pass --yes" in r.stderr


@pytest.mark.sitl
def test_setup_on_real_arducopter(cli, sitl_fleet, tmp_path) -> None:
    sitl = sitl_fleet(2, speedup=5)
    fleet_file = sitl.fleet_toml(tmp_path / "fleet.toml")
    r = cli("fleet", "setup", "--fleet", fleet_file, "--camera-type", "1", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    assert all(d["rebooted"] for d in r.json["drones"])
    for d in sitl.drones:
        assert _read(d.connection2, d.system_id, WANT) == WANT


def _boot_ms(connection: str, sysid: int) -> int:
    m = mavutil.mavlink_connection(connection, source_system=250, source_component=190, autoreconnect=False)
    try:
        assert m.recv_match(type="HEARTBEAT", blocking=True, timeout=15) is not None
        m.mav.command_long_send(sysid, 1, 512, 0, 2, 0, 0, 0, 0, 0, 0)  # REQUEST_MESSAGE SYSTEM_TIME
        st = m.recv_match(type="SYSTEM_TIME", blocking=True, timeout=5)
        assert st is not None
        return int(st.time_boot_ms)
    finally:
        m.close()


def test_reboot_restarts_the_autopilot_and_refuses_an_armed_drone(cli, make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=2)
    fleet_file = _fleet_file(tmp_path / "fleet.toml", [f"tcp:127.0.0.1:{p}" for p in fleet.ports])
    import time

    time.sleep(1.0)  # 20 s of vehicle time
    before = [_boot_ms(f"tcp:127.0.0.1:{fleet.ports2[i]}", i + 1) for i in (0, 1)]
    pilot = Gcs(fleet.ports2[0])
    try:
        pilot.wait("HEARTBEAT", 5)
        pilot.wait_armable(4)
        r = cli("fleet", "reboot", "--fleet", fleet_file, "--yes", "--json")
    finally:
        pilot.close()
    assert r.exit_code == 5 and "drone1: armed" in r.stderr
    assert [d["rebooted"] for d in r.json["drones"]] == [False, True]
    assert _boot_ms(f"tcp:127.0.0.1:{fleet.ports2[1]}", 2) < before[1]  # drone2's boot clock started again
    assert _boot_ms(f"tcp:127.0.0.1:{fleet.ports2[0]}", 1) > before[0]  # drone1 was not rebooted
