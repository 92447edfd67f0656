"""Live: ``telemetry watch`` and ``record`` against ``dronepatrol sim``; the link owner records
both directions; the recorded track matches the positions the vehicles reported."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from dronepatrol.config import DroneConfig, FleetConfig
from dronepatrol.mavlink.owner import ensure_owner, stop_owner
from dronepatrol.mavlink.tlog import iter_messages, iter_tlog
from dronepatrol.mavlink.tracks import read_track
from tests.interrupt import dronepatrol_argv
from tests.sim.conftest import Gcs, make_fleet  # noqa: F401 (fixture)


@pytest.fixture(autouse=True)
def _private_runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No link owner of the officer's (or another test's) is ever used."""
    monkeypatch.setenv("DRONEPATROL_RUNTIME_DIR", str(tmp_path / "run"))


def fleet_toml(sim, path: Path) -> Path:
    lines = []
    for i, c in enumerate(sim.connection_strings):
        lines += ["[[drones]]", f'name = "drone{i + 1}"', f'connection = "{c}"', f"system_id = {i + 1}", ""]
    path.write_text("\n".join(lines))
    return path


def fleet_of(sim) -> FleetConfig:
    return FleetConfig(drones=tuple(DroneConfig(name=f"drone{i + 1}", connection=c, system_id=i + 1)
                                    for i, c in enumerate(sim.connection_strings)), source="test")


def test_watch_json_lines_for_three_simulated_drones(cli, make_fleet, tmp_path: Path) -> None:  # noqa: F811
    sim = make_fleet(drones=3)
    r = cli("telemetry", "watch", "--fleet", fleet_toml(sim, tmp_path / "f.toml"), "--duration", "2.5", "--json")
    assert r.exit_code == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert 6 <= len(lines) <= 13  # about 4 per second
    last = {d["name"]: d for d in lines[-1]["drones"]}
    assert set(last) == {"drone1", "drone2", "drone3"}
    for i, name in enumerate(("drone1", "drone2", "drone3"), 1):
        d = last[name]
        assert d["system_id"] == i and d["link"] == "ok" and d["mode"] == "STABILIZE" and d["armed"] is False
        # a 3D fix or better: ArduCopter SITL (and so the simulator) reports fix type 6, RTK
        assert d["battery_pct"] is not None and d["gps_fix"] in ("3D", "DGPS", "RTKf", "RTK")
        assert d["lat"] == pytest.approx(sim.vehicle(i - 1).lat_lon()[0], abs=1e-4)
        assert d["home_dist_m"] is not None and d["home_dist_m"] < 5  # home was asked for


def test_watch_only_named_drones_and_unknown_name(cli, make_fleet, tmp_path: Path) -> None:  # noqa: F811
    sim = make_fleet(drones=2)
    toml = fleet_toml(sim, tmp_path / "f.toml")
    r = cli("telemetry", "watch", "--fleet", toml, "--drones", "drone2", "--duration", "1", "--json")
    assert r.exit_code == 0, r.stderr
    assert [d["name"] for d in json.loads(r.stdout.splitlines()[-1])["drones"]] == ["drone2"]
    r = cli("telemetry", "watch", "--fleet", toml, "--drones", "drone9", "--duration", "1")
    assert r.exit_code == 2 and "drone9" in r.stderr


def test_recording_by_the_owner_has_both_directions_and_the_reported_track(make_fleet, tmp_path: Path) -> None:  # noqa: F811
    sim = make_fleet(drones=1)
    fleet = fleet_of(sim)
    info = ensure_owner(fleet, record_dir=tmp_path / "flights", background=False)
    try:
        gcs = Gcs(info.ports["drone1"])  # another program, through the owner
        try:
            gcs.wait("HEARTBEAT", 5)
            gcs.request_streams(10)
            gcs.takeoff(15.0)
            reported = [m for m in gcs.collect(1.5) if m.get_type() == "GLOBAL_POSITION_INT"]
        finally:
            gcs.close()
        session = Path(info.recording)
    finally:
        stop_owner(info)
    tlog = session / "drone1.tlog"
    meta = json.loads((session / "session.json").read_text())
    assert meta["drones"][0]["name"] == "drone1" and meta["end_utc"]
    sent = [m for _, m in iter_messages(tlog) if m.get_srcSystem() == 254]
    assert {"COMMAND_LONG", "REQUEST_DATA_STREAM"} <= {m.get_type() for m in sent}  # what the GCS sent
    track = read_track(tlog)
    assert track.drone == "drone1" and track.system_id == 1 and track.time_source == "vehicle"
    assert not track.warnings
    by_pos = {(round(f.lat, 7), round(f.lon, 7), round(f.alt_rel_m, 3)) for f in track.fixes}
    assert reported and all((round(m.lat / 1e7, 7), round(m.lon / 1e7, 7), round(m.relative_alt / 1000, 3)) in by_pos
                            for m in reported)
    assert max(f.alt_rel_m for f in track.fixes) >= 14.5
    # the vehicle's clock runs at the simulator's speed-up: the track spans more than the wall time
    span = track.span_s[1] - track.span_s[0]
    stamps = [r.t_us for r in iter_tlog(tlog)]
    wall = (stamps[-1] - stamps[0]) / 1e6
    assert span > 5 * wall


def test_record_command_and_owner_killed_with_sigkill(cli, make_fleet, tmp_path: Path) -> None:  # noqa: F811
    sim = make_fleet(drones=2)
    toml = fleet_toml(sim, tmp_path / "f.toml")
    r = cli("telemetry", "record", tmp_path / "rec", "--duration", "1.5", "--fleet", toml, "--json")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert sorted(Path(f).name for f in out["files"]) == ["drone1.tlog", "drone2.tlog"]
    for f in out["files"]:
        t = read_track(f)
        assert t.fixes and t.time_source == "vehicle"
    assert "recording closed" in r.stderr
    # an owner killed with SIGKILL mid-recording leaves files that parse to their last whole record
    from dronepatrol.config import load_fleet

    info = ensure_owner(load_fleet(toml), record_dir=tmp_path / "killed")
    try:
        time.sleep(1.5)
    finally:
        os.kill(info.pid, signal.SIGKILL)
        for _ in range(50):
            try:
                os.waitpid(info.pid, os.WNOHANG)
            except ChildProcessError:
                break
            time.sleep(0.05)
    for f in Path(info.recording).glob("*.tlog"):
        damage: list = []
        recs = list(iter_tlog(f, on_damage=damage.append))
        assert recs and all(d.kind == "truncated" for d in damage)
        assert read_track(f).fixes


def test_ctrl_c_exits_0_after_closing_the_recording(make_fleet, tmp_path: Path) -> None:  # noqa: F811
    import subprocess

    sim = make_fleet(drones=2)
    toml = fleet_toml(sim, tmp_path / "f.toml")
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(dronepatrol_argv("telemetry", "watch", "--fleet", str(toml),
                                             "--record", str(tmp_path / "rec"), "--json"),
                            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        first = proc.stdout.readline()  # the live view is up
        assert json.loads(first)["drones"]
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "recording closed" in err
    (session,) = (tmp_path / "rec").iterdir()
    meta = json.loads((session / "session.json").read_text())
    assert meta["end_utc"] and sorted(meta["records"]) == ["drone1", "drone2"]
    from dronepatrol.config import load_fleet
    from dronepatrol.mavlink.owner import find_owner

    assert find_owner(load_fleet(toml)) is None  # the owner it started is gone


def test_iter_samples_from_a_live_subscription(make_fleet) -> None:  # noqa: F811
    from dronepatrol.mavlink.fleetlink import open_fleet
    from dronepatrol.mavlink.tracks import iter_samples
    from dronepatrol.telemetry.samples import Heartbeat, Position

    sim = make_fleet(drones=1)
    with open_fleet(fleet_of(sim), timeout_s=5) as links, links["drone1"].subscribe() as sub:
        kinds = set()
        for s in iter_samples(sub, timeout_s=3):
            assert s.system_id == 1
            kinds.add(type(s.record))
            if {Heartbeat, Position} <= kinds:
                break
    assert {Heartbeat, Position} <= kinds


def test_watch_goes_on_without_a_silent_drone_and_fails_when_none_answers(cli, make_fleet,  # noqa: F811
                                                                           tmp_path: Path) -> None:
    import socket

    sim = make_fleet(drones=1)
    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    toml = tmp_path / "f.toml"
    toml.write_text(f'[[drones]]\nname = "drone1"\nconnection = "{sim.connection_strings[0]}"\nsystem_id = 1\n\n'
                    f'[[drones]]\nname = "drone2"\nconnection = "tcp:127.0.0.1:{dead}"\nsystem_id = 2\n')
    r = cli("telemetry", "watch", "--fleet", toml, "--timeout", "1", "--duration", "2", "--json")
    assert r.exit_code == 0, r.stderr
    assert "drone2: no HEARTBEAT from system id 2" in r.stderr and "watching the others" in r.stderr
    last = {d["name"]: d for d in json.loads(r.stdout.splitlines()[-1])["drones"]}
    assert last["drone1"]["link"] == "ok" and last["drone2"]["link"] == "waiting"
    r = cli("telemetry", "watch", "--fleet", toml, "--drones", "drone2", "--timeout", "1", "--duration", "1")
    assert r.exit_code == 4 and "drone2: no HEARTBEAT" in r.stderr


def test_record_says_which_drone_is_silent(cli, make_fleet, tmp_path: Path, monkeypatch) -> None:  # noqa: F811
    import socket

    monkeypatch.setattr("dronepatrol.cli.telemetry.SILENT_CHECK_S", 1.0)
    sim = make_fleet(drones=1)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    toml = tmp_path / "f.toml"
    toml.write_text(f'[[drones]]\nname = "drone1"\nconnection = "{sim.connection_strings[0]}"\nsystem_id = 1\n\n'
                    f'[[drones]]\nname = "drone2"\nconnection = "tcp:127.0.0.1:{dead}"\nsystem_id = 2\n')
    r = cli("telemetry", "record", tmp_path / "rec", "--duration", "2.5", "--fleet", toml)
    assert r.exit_code == 0, r.stderr
    assert "drone2: nothing received yet; recording goes on" in r.stderr and "drone1: nothing" not in r.stderr


def test_watch_until_landed_waits_for_the_flight_then_ends(cli, make_fleet, tmp_path: Path) -> None:  # noqa: F811
    import threading

    sim = make_fleet(drones=1)
    states: list[bool] = []

    def pilot() -> None:  # arms the drone a second in, disarms it a second later
        for armed in (True, False):
            time.sleep(1.0)
            with sim.lock:
                assert sim.vehicle(0).arm(force=True) if armed else sim.vehicle(0).disarm(force=True)
            states.append(armed)

    t = threading.Thread(target=pilot)
    t0 = time.monotonic()
    t.start()
    r = cli("telemetry", "watch", "--fleet", fleet_toml(sim, tmp_path / "f.toml"), "--until-landed",
            "--duration", "20", "--json")
    t.join()
    assert r.exit_code == 0, r.stderr
    assert "the watch ends once drone1 has flown (armed) and landed (disarmed)" in r.stderr
    seen = [json.loads(x)["drones"][0]["armed"] for x in r.stdout.splitlines()]
    assert seen[0] is not True and True in seen and seen[-1] is False  # on the ground, flew, landed
    assert states == [True, False] and time.monotonic() - t0 < 10  # ended at the landing, not at --duration
