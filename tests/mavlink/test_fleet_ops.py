"""``dronepatrol fleet upload|status|start|pause|resume|rtl|land`` against the simulated fleet, through
the real links (``open_fleet``). Each test asserts the exit code and the message; what the drones
did is checked on the simulated vehicles or with the plain-pymavlink ground station."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from dronepatrol.config import DroneConfig, FleetConfig
from dronepatrol.errors import LinkTimeout
from dronepatrol.formats.missiondir import write_mission_dir
from dronepatrol.mavlink import ops
from dronepatrol.mavlink.fleetlink import open_fleet
from dronepatrol.mavlink.items import compare, plan_lists, wire_from_msg
from dronepatrol.mission import waypoint
from dronepatrol.planning.fence import geofence_for, rally_for
from tests.mavlink.plainport import sim_factory
from tests.missionfixtures import ROIET, legal_missions, roiet
from tests.sim.conftest import Gcs

MODES = {"STABILIZE": 0, "AUTO": 3, "GUIDED": 4, "LOITER": 5, "RTL": 6, "LAND": 9, "BRAKE": 17}


@pytest.fixture
def make_fleet():
    with sim_factory() as make:
        yield make


@pytest.fixture(autouse=True)
def state(tmp_path, monkeypatch):
    d = tmp_path / "state"
    monkeypatch.setenv("DRONEPATROL_STATE_DIR", str(d))
    return d


def fleet_file(tmp_path: Path, fleet, ports=None) -> Path:
    lines = []
    for i, port in enumerate(ports or fleet.ports):
        lines += ["[[drones]]", f'name = "drone{i + 1}"', f'connection = "tcp:127.0.0.1:{port}"',
                  f"system_id = {i + 1}", ""]
    path = tmp_path / "fleet.toml"
    path.write_text("\n".join(lines))
    return path


def dead_port() -> int:
    """A local TCP port nothing listens on (a drone that does not answer)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fenced_missions(n: int = 3):
    zone = roiet()
    fence = geofence_for(zone)
    rally = rally_for(zone, alt_m=30.0)
    return [replace(m, geofence=fence, rally=rally) for m in legal_missions()[:n]]


def mission_dir(tmp_path: Path, missions) -> Path:
    out = tmp_path / "missions" / "roiet"
    write_mission_dir(out, missions, {"checks": {"zone": str(ROIET), "passed": True}, "authorization": None})
    return out


def readback(fleet, i: int) -> dict[int, list]:
    g = Gcs(fleet.ports[i], target=i + 1)
    try:
        g.wait("HEARTBEAT", 5)
        return {mt: [wire_from_msg(m) for m in g.download(mt)] for mt in (0, 1, 2)}
    finally:
        g.close()


def mode_of(fleet, i: int) -> int:
    with fleet.lock:
        return int(fleet.vehicle(i).mode)


def test_upload_verifies_all_three_and_a_rerun_only_checks(cli, make_fleet, tmp_path, state) -> None:
    fleet = make_fleet(drones=3)
    missions = fenced_missions()
    d = mission_dir(tmp_path, missions)
    ff = fleet_file(tmp_path, fleet)
    r = cli("fleet", "upload", d, "--fleet", ff, "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    rows = r.json["drones"]
    assert [(x["drone"], x["verified"], x["already_on_board"]) for x in rows] == [
        ("drone1", True, False), ("drone2", True, False), ("drone3", True, False)]
    assert rows[0]["items"] == len(missions[0].items) and rows[0]["fence"] == len(plan_lists(missions[0])[1])
    assert "verified on drone1, drone2, drone3" in r.stderr
    for i, m in enumerate(missions):  # independent read-back after the tool let go of the links
        board = readback(fleet, i)
        want = plan_lists(m)
        assert all(compare(want[mt], board[mt], mt) == [] for mt in (0, 1, 2))
        with fleet.lock:
            assert fleet.vehicle(i).params.get("FENCE_ENABLE") == 1
    assert json.loads((state / "uploads.json").read_text())["drones"]["drone2"]["takes_photos"] is True
    again = cli("fleet", "upload", d, "--fleet", ff, "--yes", "--json")
    assert again.exit_code == 0 and all(x["already_on_board"] for x in again.json["drones"])
    assert "the identical plan was already on board" in again.stderr


def test_upload_without_a_terminal_needs_yes(cli, make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=1)
    r = cli("fleet", "upload", mission_dir(tmp_path, fenced_missions(1)), "--fleet", fleet_file(tmp_path, fleet))
    assert r.exit_code == 2 and "pass --yes to confirm" in r.stderr
    with fleet.lock:
        assert fleet.vehicle(0).mission.item_count() <= 1


def test_upload_refused_by_the_safety_checks(cli, make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=1)
    m = fenced_missions(1)[0]
    far = replace(m, items=(*m.items[:-1], waypoint(103.80, 16.20, 30.0), m.items[-1]))  # far outside the zone
    r = cli("fleet", "upload", mission_dir(tmp_path, [far]), "--fleet", fleet_file(tmp_path, fleet), "--yes")
    assert r.exit_code == 5 and "refused for safety" in r.stderr
    with fleet.lock:
        assert fleet.vehicle(0).mission.item_count() <= 1 and fleet.vehicle(0).fence.item_count() == 0


def test_upload_names_a_drone_that_does_not_answer_and_uploads_the_others(cli, make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=1)
    ff = fleet_file(tmp_path, fleet, ports=[fleet.ports[0], dead_port()])
    r = cli("fleet", "upload", mission_dir(tmp_path, fenced_missions(2)), "--fleet", ff, "--yes", "--wait", "1",
            "--json")
    assert r.exit_code == 4, r.stderr
    rows = {x["drone"]: x for x in r.json["drones"]}
    assert rows["drone1"]["verified"] and not rows["drone2"]["verified"]
    assert "drone2: no HEARTBEAT from system id 2" in r.stderr and "upload failed on drone2" in r.stderr


def test_status_shows_the_match_with_the_last_upload(cli, make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=2)
    ff = fleet_file(tmp_path, fleet)
    before = cli("fleet", "status", "--fleet", ff, "--json")
    assert before.exit_code == 0, before.stderr
    d0 = before.json["drones"][0]
    assert d0["last_upload"] is None and d0["matches_last_upload"]["mission"] is None
    assert d0["mode"] == "STABILIZE" and d0["armed"] is False and d0["fence_enable"] == 0
    assert cli("fleet", "upload", mission_dir(tmp_path, fenced_missions(2)), "--fleet", ff, "--yes").exit_code == 0
    r = cli("fleet", "status", "--fleet", ff, "--json")
    assert r.exit_code == 0
    d0, d1 = r.json["drones"]
    assert d0["matches_last_upload"] == {"mission": True, "fence": True, "rally": True} and d0["fence_enable"] == 1
    assert d0["gps_fix"] >= 3 and d0["battery_pct"] > 50 and d0["signing"] == "off"
    assert d0["home"] is not None and abs(d0["home"]["lat"] - 16.0563) < 1e-3
    assert d1["on_board"]["mission"] == len(fenced_missions(2)[1].items) + 1 and d1["takes_photos"] is True
    # the officer's table: one column per drone, readable in an 80-column terminal
    table = [line for line in r.stderr.split("\n") if line[:1] in "┏┃┡│└"]
    assert table and max(len(line) for line in table) <= 80
    header = next(line for line in table if "drone1" in line)
    assert "drone2" in header and "…" not in header
    row = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]] for line in table
           if line.startswith("│") and line.split("│")[1].strip()}
    assert row["GPS"][0].endswith(f"{d0['satellites']} sats") and row["matches upload"] == ["yes", "yes"]
    assert row["mission items"] == [str(len(m.items)) for m in fenced_missions(2)]
    g = Gcs(fleet.ports[0], target=1)  # someone else changes drone1's mission
    try:
        g.wait("HEARTBEAT", 5)
        g.m.mav.mission_clear_all_send(1, 1, 0)
        g.wait("MISSION_ACK", 5)
    finally:
        g.close()
    r = cli("fleet", "status", "--fleet", ff, "--json", "--drones", "drone1")
    assert r.exit_code == 0 and r.json["drones"][0]["matches_last_upload"]["mission"] is False
    assert "mission DIFFER" in r.stderr
    assert "drone1: the mission on board differs from the last verified upload" in {
        f["drone"] + ": " + f["message"].split(" — ")[0] for f in r.json["drones"][0]["preflight"]}


def test_start_refuses_listing_every_failed_check(cli, make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=2)
    ff = fleet_file(tmp_path, fleet)
    assert cli("fleet", "upload", mission_dir(tmp_path, fenced_missions(1)), "--fleet", ff, "--yes",
               "--drones", "drone1").exit_code == 0
    r = cli("fleet", "start", "--fleet", ff, "--yes")
    assert r.exit_code == 5
    assert "drone1: the GCS failsafe is off (FS_GCS_ENABLE = 0)" in r.stderr
    assert "drone2: no verified upload on record" in r.stderr and "no drone was started" in r.stderr
    assert mode_of(fleet, 0) == MODES["STABILIZE"] and mode_of(fleet, 1) == MODES["STABILIZE"]


def test_start_then_pause_resume_rtl_land(cli, make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=2, camera=True)  # drone2 flies a survey: it needs a camera
    ff = fleet_file(tmp_path, fleet)
    assert cli("fleet", "upload", mission_dir(tmp_path, fenced_missions(2)), "--fleet", ff, "--yes").exit_code == 0
    for i in range(2):
        with fleet.lock:
            fleet.vehicle(i).params.set("FS_GCS_ENABLE", 1)
            # simulated time runs 20x: our 1 Hz heartbeats are 20 s apart for the vehicle
            fleet.vehicle(i).params.set("FS_GCS_TIMEOUT", 120)
    r = cli("fleet", "start", "--fleet", ff, "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    assert [x["started"] for x in r.json["started"]] == [True, True]
    for i in range(2):
        assert mode_of(fleet, i) == MODES["AUTO"]
        with fleet.lock:
            v = fleet.vehicle(i)
            assert v.armed and v.params.get("MAV_GCS_SYSID") == 254
    steps = [("pause", "BRAKE"), ("resume", "AUTO"), ("rtl", "RTL"), ("land", "LAND")]
    for action, mode in steps:
        r = cli("fleet", action, "--fleet", ff, "--yes", "--drones", "drone2", "--json")
        assert r.exit_code == 0 and r.json["drones"] == [{"drone": "drone2", "mode": mode, "error": None}], r.stderr
        assert mode_of(fleet, 1) == MODES[mode] and mode_of(fleet, 0) == MODES["AUTO"]


def test_rejected_mode_names_drone_command_and_result(cli, make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=1)
    g = Gcs(fleet.ports[0], target=1)  # flying in GUIDED with no mission: ArduCopter refuses AUTO
    try:
        g.wait("HEARTBEAT", 5)
        g.takeoff(5.0)
    finally:
        g.close()
    r = cli("fleet", "resume", "--fleet", fleet_file(tmp_path, fleet), "--yes")
    assert r.exit_code == 6
    assert "drone1: DO_SET_MODE rejected: MAV_RESULT_FAILED (switching to AUTO)" in r.stderr


def test_unknown_drone_is_a_usage_error(cli, make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=1)
    r = cli("fleet", "rtl", "--fleet", fleet_file(tmp_path, fleet), "--yes", "--drones", "drone7")
    assert r.exit_code == 2 and "unknown drone 'drone7'" in r.stderr
    time.sleep(0)  # nothing was sent: the drone is still in its boot mode
    assert mode_of(fleet, 0) == MODES["STABILIZE"]


def test_arm_retries_and_reports_the_last_prearm_text(make_fleet) -> None:
    from dronepatrol.config import DroneConfig, FleetConfig
    from dronepatrol.errors import VehicleRejected
    from dronepatrol.mavlink import ops
    from dronepatrol.mavlink.fleetlink import open_fleet

    fleet = make_fleet(drones=1, prearm_delay_s=10_000)  # the position estimate never becomes ready
    cfg = FleetConfig(drones=(DroneConfig(name="drone1", connection=fleet.connection_strings[0], system_id=1),))
    with open_fleet(cfg, timeout_s=10) as links:
        ops.set_mode(links["drone1"], 4, "GUIDED")
        t0 = time.monotonic()
        with pytest.raises(VehicleRejected) as err:
            ops.arm(links["drone1"], timeout_s=2.0, retry_s=0.3)
    assert time.monotonic() - t0 >= 2.0
    text = str(err.value)  # ArduCopter says "Arm: ..." when refusing the command, "PreArm: ..." periodically
    assert text.startswith('drone1: arming refused for 2 s: "') and "Need Position Estimate" in text
    assert text.endswith('" — fix that, then start again')
    with fleet.lock:
        assert not fleet.vehicle(0).armed


def test_start_honours_the_plans_start_offsets(cli, make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=2)
    ff = fleet_file(tmp_path, fleet)
    d1, d3 = fenced_missions(3)[0], fenced_missions(3)[2]  # two patrols (no camera needed)
    missions = [d1, replace(d3, drone="drone2", home=fenced_missions(2)[1].home, start_offset_s=2.0)]
    missions[1] = replace(missions[1], items=(missions[1].items[0], *legal_missions()[1].items[2:6],
                                              missions[1].items[-1]))
    assert cli("fleet", "upload", mission_dir(tmp_path, missions), "--fleet", ff, "--yes").exit_code == 0
    for i in range(2):
        with fleet.lock:
            fleet.vehicle(i).params.set("FS_GCS_ENABLE", 1)
            # simulated time runs 20x: our 1 Hz heartbeats are 20 s apart for the vehicle
            fleet.vehicle(i).params.set("FS_GCS_TIMEOUT", 120)
    r = cli("fleet", "start", "--fleet", ff, "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    rows = {x["drone"]: x for x in r.json["started"]}
    assert rows["drone1"]["offset_s"] == 0 and rows["drone2"]["offset_s"] == 2.0
    # began_s is on the drone's clock (the simulator runs 20x): 2 s of vehicle time, not of ours
    assert rows["drone1"]["began_s"] == 0 and 2.0 <= rows["drone2"]["began_s"] < 2.6
    assert "drone2 (+2 s)" in r.stderr
    assert "from the launch site its plan was made for" not in r.stderr  # each stands on its own pad


def test_start_warns_about_a_drone_away_from_its_launch_site_and_starts_it(cli, make_fleet, tmp_path) -> None:
    from dronepatrol.sim.fleet import Home

    mission = fenced_missions(3)[0]  # a patrol (no camera needed)
    fleet = make_fleet(drones=1, homes=[Home(lat_deg=mission.home.lat + 40 / 110_700, lon_deg=mission.home.lon)])
    ff = fleet_file(tmp_path, fleet)
    assert cli("fleet", "upload", mission_dir(tmp_path, [mission]), "--fleet", ff, "--yes").exit_code == 0
    with fleet.lock:
        fleet.vehicle(0).params.set("FS_GCS_ENABLE", 1)
        fleet.vehicle(0).params.set("FS_GCS_TIMEOUT", 120)
    r = cli("fleet", "start", "--fleet", ff, "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json["started"][0]["started"] is True
    warning = next(line for line in r.stderr.splitlines() if line.startswith("warning: drone1: stands"))
    assert "m from the launch site its plan was made for" in warning
    assert r.stderr.index(warning) < r.stderr.index("pre-flight checks passed")  # said before it takes off


def test_start_offsets_are_waited_on_the_drones_clock(make_fleet) -> None:
    fleet = make_fleet(drones=1)  # speed-up 20: 10 vehicle seconds are half a second of ours
    cfg = FleetConfig(drones=(DroneConfig(name="drone1", connection=fleet.connection_strings[0], system_id=1),))
    with open_fleet(cfg, timeout_s=10) as links:
        t0 = time.monotonic()
        waited = ops.sleep_vehicle(links["drone1"], 10.0)
        wall = time.monotonic() - t0
    assert 10.0 <= waited < 10.6
    assert wall < 3.0  # waited on the laptop's clock it would take 10 s


class _Silent:
    """A link whose drone sends ``msgs`` and then nothing."""

    name = "drone1"

    def __init__(self, msgs) -> None:
        self._msgs = list(msgs)

    def subscribe(self, types):
        link = self

        class Sub:
            def get(self, timeout_s):
                return link._msgs.pop(0) if link._msgs else None

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return None

        return Sub()


def test_start_offset_wait_names_a_silent_or_rebooted_drone() -> None:
    from types import SimpleNamespace as Msg

    with pytest.raises(LinkTimeout, match=r"drone1: no telemetry for 0.1 s while waiting for its start time"):
        ops.sleep_vehicle(_Silent([Msg(time_boot_ms=1000)]), 5.0, silence_s=0.1)
    with pytest.raises(LinkTimeout, match=r"drone1: its clock went back .*\(it rebooted\)"):
        ops.sleep_vehicle(_Silent([Msg(time_boot_ms=90_000), Msg(time_boot_ms=200)]), 5.0)
    assert ops.sleep_vehicle(_Silent([]), 0.0) == 0.0  # no offset: no wait, no message needed
    # another message type stamped a few ms earlier in the same loop is not a reboot
    stamps = [Msg(time_boot_ms=ms) for ms in (10_000, 9_990, 12_000, 15_000)]
    assert ops.sleep_vehicle(_Silent(stamps), 5.0) == 5.0


class _FirstAckLost:
    """A link on which the drone's first COMMAND_ACK for ``command`` never arrives (radio loss)."""

    def __init__(self, link, command: int) -> None:
        self._link, self._command, self.dropped = link, command, 0

    def __getattr__(self, name):
        return getattr(self._link, name)

    def subscribe(self, types=None):
        outer, sub = self, self._link.subscribe(types)

        class Sub:
            def get(self, timeout_s):
                msg = sub.get(timeout_s)
                if (msg is not None and msg.get_type() == "COMMAND_ACK" and int(msg.command) == outer._command
                        and not outer.dropped):
                    outer.dropped += 1
                    return None
                return msg

            def close(self):
                sub.close()

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                sub.close()

        return Sub()


def test_take_off_goes_on_when_its_ack_is_lost_and_the_resent_command_is_refused(make_fleet) -> None:
    from dronepatrol.config import DroneConfig, FleetConfig
    from dronepatrol.mavlink.fleetlink import open_fleet
    from dronepatrol.mavlink.fleetops import start_drone

    fleet = make_fleet(drones=1)
    pilot = Gcs(fleet.ports2[0])  # a mission to fly in AUTO, uploaded by an independent client
    try:
        pilot.wait("HEARTBEAT", 5)
        home = pilot.wait_home()
        lat, lon = home.latitude, home.longitude
        assert pilot.upload([{"command": 16, "frame": 0, "x": lat, "y": lon, "z": 0.0},
                             {"command": 22, "z": 10.0}, {"command": 16, "x": lat + 3000, "y": lon, "z": 10.0}]) == 0
    finally:
        pilot.close()
    cfg = FleetConfig(drones=(DroneConfig(name="drone1", connection=fleet.connection_strings[0], system_id=1),))
    with open_fleet(cfg, timeout_s=10) as links:
        lossy = _FirstAckLost(links["drone1"], 22)  # MAV_CMD_NAV_TAKEOFF
        result = start_drone(lossy, takeoff_alt_m=5.0)
    assert lossy.dropped == 1 and result.drone == "drone1"
    with fleet.lock:
        v = fleet.vehicle(0)
        assert v.armed and not v.landed and v.mode.name == "AUTO"


class _FirstTakeoffLost(_FirstAckLost):
    """A link on which the first NAV_TAKEOFF we send never reaches the drone."""

    def send(self, msg):
        if msg.get_type() == "COMMAND_LONG" and int(msg.command) == self._command and not self.dropped:
            self.dropped += 1
            return None
        return self._link.send(msg)

    def subscribe(self, types=None):
        return self._link.subscribe(types)


def test_a_drone_that_disarms_before_the_take_off_arrives_is_armed_again(make_fleet) -> None:
    from dronepatrol.config import DroneConfig, FleetConfig
    from dronepatrol.mavlink.fleetlink import open_fleet
    from dronepatrol.mavlink.fleetops import start_drone

    fleet = make_fleet(drones=1)  # 20x: the re-send after 1.5 s comes 30 s later, past DISARM_DELAY (10 s)
    pilot = Gcs(fleet.ports2[0])
    try:
        pilot.wait("HEARTBEAT", 5)
        home = pilot.wait_home()
        lat, lon = home.latitude, home.longitude
        assert pilot.upload([{"command": 16, "frame": 0, "x": lat, "y": lon, "z": 0.0},
                             {"command": 22, "z": 10.0}, {"command": 16, "x": lat + 3000, "y": lon, "z": 10.0}]) == 0
        pilot.auto_heartbeat_s = 0.05  # a ground station the GCS failsafe hears, in simulated time too
        cfg = FleetConfig(drones=(DroneConfig(name="drone1", connection=fleet.connection_strings[0], system_id=1),))
        with open_fleet(cfg, timeout_s=10) as links:
            lossy = _FirstTakeoffLost(links["drone1"], 22)
            start_drone(lossy, takeoff_alt_m=5.0)
    finally:
        pilot.close()
    assert lossy.dropped == 1
    with fleet.lock:
        v = fleet.vehicle(0)
        assert v.armed and not v.landed and v.mode.name == "AUTO"


def test_start_waits_for_the_position_estimate_of_a_drone_just_booted(cli, make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=1, camera=True, prearm_delay_s=60.0)  # 3 s of wall time at 20x
    ff = fleet_file(tmp_path, fleet)
    assert cli("fleet", "upload", mission_dir(tmp_path, fenced_missions(1)), "--fleet", ff, "--yes").exit_code == 0
    with fleet.lock:
        v = fleet.vehicle(0)
        v.params.set("FS_GCS_ENABLE", 1)
        v.params.set("FS_GCS_TIMEOUT", 120)
        assert v.t < 60.0  # the estimate is not ready yet when the officer starts
    r = cli("fleet", "start", "--fleet", ff, "--yes", "--arm-timeout", "20")
    assert r.exit_code == 0, r.stderr
    assert mode_of(fleet, 0) == MODES["AUTO"]


def test_start_does_not_wait_when_a_check_needs_the_officer(cli, make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=1, prearm_delay_s=10_000)
    ff = fleet_file(tmp_path, fleet)
    assert cli("fleet", "upload", mission_dir(tmp_path, fenced_missions(1)), "--fleet", ff, "--yes").exit_code == 0
    t0 = time.monotonic()
    r = cli("fleet", "start", "--fleet", ff, "--yes", "--arm-timeout", "30")
    assert r.exit_code == 5 and "FS_GCS_ENABLE = 0" in r.stderr and "position estimate" in r.stderr
    assert time.monotonic() - t0 < 15  # refused at once, not after the 30 s a settling check may take


def test_status_warns_when_a_drone_stands_away_from_its_plans_launch_site(cli, make_fleet, tmp_path) -> None:
    from dronepatrol.geo import haversine_m
    from dronepatrol.sim.fleet import Home

    mission = fenced_missions(1)[0]
    # the drone stands 50 m north of the site its plan was made for (e.g. on another field)
    fleet = make_fleet(drones=1, homes=[Home(lat_deg=mission.home.lat + 50 / 110_700, lon_deg=mission.home.lon)])
    ff = fleet_file(tmp_path, fleet)
    assert cli("fleet", "upload", mission_dir(tmp_path, [mission]), "--fleet", ff, "--yes").exit_code == 0
    r = cli("fleet", "status", "--fleet", ff, "--json")
    assert r.exit_code == 0, r.stderr
    d0 = r.json["drones"][0]
    (w,) = d0["warnings"]
    d = haversine_m(d0["home"]["lon"], d0["home"]["lat"], mission.home.lon, mission.home.lat)
    assert 45 < d < 55 and w["check"] == "launch" and w["message"].startswith(f"stands {d:.0f} m from the launch")
    assert f"drone1: warning: stands {d:.0f} m from the launch site its plan was made for" in r.stderr
    assert all(f["check"] != "launch" for f in d0["preflight"])  # it does not stop a start


def test_status_shows_a_silent_drone_and_says_why_once(cli, make_fleet, tmp_path) -> None:
    fleet = make_fleet(drones=1)
    ff = fleet_file(tmp_path, fleet, ports=[fleet.ports[0], dead_port()])
    r = cli("fleet", "status", "--fleet", ff, "--wait", "1", "--json")
    assert r.exit_code == 4
    rows = {x["drone"]: x for x in r.json["drones"]}
    assert rows["drone1"]["mode"] == "STABILIZE" and rows["drone2"]["link"] is None
    link_row = next(line for line in r.stderr.splitlines() if line.startswith("│ link"))
    assert "ok" in link_row and "no link" in link_row
    assert r.stderr.count("drone2: no HEARTBEAT from system id 2") == 1  # in the error that ends it, once
    assert "status failed on drone2" in r.stderr
