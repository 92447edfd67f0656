"""The link owner against ``dronepatrol sim``: many clients on one drone link, recording both
directions across a link drop, a detached owner found through its state file, udpin behind a router."""

from __future__ import annotations

import json
import os
import socket
import threading
from collections import Counter
from pathlib import Path

import pytest

from dronepatrol.mavlink.fleetlink import open_fleet
from dronepatrol.mavlink.link import M
from dronepatrol.mavlink.owner import LinkOwner, ensure_owner, find_owner, state_path, stop_owner
from tests.interrupt import dronepatrol_argv
from tests.mavlink.test_link import fleet_of, wait_for
from tests.sim.conftest import Gcs, make_fleet  # noqa: F401 (fixture)


@pytest.fixture(autouse=True)
def _private_runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRONEPATROL_RUNTIME_DIR", str(tmp_path / "run"))


def read_tlog(path: Path) -> Counter:
    from pymavlink import mavutil

    log = mavutil.mavlink_connection(str(path))
    out: Counter = Counter()
    while (m := log.recv_match()) is not None:
        out[(m.get_srcSystem(), m.get_type())] += 1
    return out


def test_two_clients_share_one_drone_and_everything_is_recorded(make_fleet, tmp_path: Path) -> None:  # noqa: F811
    sim = make_fleet()
    fleet = fleet_of(sim)
    with LinkOwner(fleet, base_port=0, record_dir=tmp_path / "flights") as owner:
        assert owner.wait_links(5) == {"drone1": True}
        assert find_owner(fleet).pid == os.getpid()
        with open_fleet(fleet, timeout_s=5) as links:
            ours = links["drone1"]
            assert ours.via == owner.info.connection("drone1")
            other = Gcs(owner.ports["drone1"], sysid=255)  # e.g. QGroundControl, plain pymavlink
            try:
                other.wait("HEARTBEAT", 5, lambda m: m.get_srcSystem() == 1)
                with ours.subscribe({"COMMAND_ACK"}) as sub:
                    assert other.command(M.MAV_CMD_REQUEST_MESSAGE, 242) == M.MAV_RESULT_ACCEPTED
                    assert other.log[-1].get_srcSystem() == 1  # the ack is the drone's own
                    assert sub.get(3).command == M.MAV_CMD_REQUEST_MESSAGE
                # our link's command goes through too, and is answered by system id 1
                with ours.subscribe({"COMMAND_ACK"}) as sub:
                    ours.send(ours.mav.command_long_encode(1, 1, M.MAV_CMD_REQUEST_MESSAGE, 0, 148, 0, 0, 0, 0, 0, 0))
                    ack = sub.get(3)
                assert ack.get_srcSystem() == 1 and ack.command == M.MAV_CMD_REQUEST_MESSAGE
                # a reboot drops the owner's TCP link to the drone: it reconnects, recording goes on
                other.command(M.MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN, 1)
                owner_link = owner.links["drone1"]
                assert wait_for(lambda: owner_link.health.reconnects == 1 and owner_link.health.connected, 10)
                records = owner.recorder.writers["drone1"].records
                assert wait_for(lambda: owner.recorder.writers["drone1"].records > records + 20, 5)
                with ours.subscribe({"GLOBAL_POSITION_INT"}) as sub:  # streams asked again after the reboot
                    assert sub.get(5) is not None
            finally:
                other.close()
        session = owner.recorder.dir
    seen = read_tlog(session / "drone1.tlog")
    assert seen[(1, "HEARTBEAT")] >= 2 and seen[(1, "COMMAND_ACK")] >= 2          # the drone's side
    assert seen[(254, "HEARTBEAT")] >= 1 and seen[(254, "REQUEST_DATA_STREAM")] >= 2  # the owner's, twice
    assert seen[(255, "COMMAND_LONG")] >= 2                                          # forwarded from a client
    meta = json.loads((session / "session.json").read_text())
    assert meta["drones"][0] == {"name": "drone1", "system_id": 1, "connection": fleet.drones[0].connection,
                                 "tlog": "drone1.tlog"}
    assert meta["start_utc"].endswith("Z") and meta["end_utc"] and meta["dronepatrol_version"]
    assert find_owner(fleet) is None and not state_path(fleet).exists()  # the state file went with the owner


def test_detached_owner_is_found_records_on_request_and_stops(make_fleet, tmp_path: Path) -> None:  # noqa: F811
    sim = make_fleet()
    fleet = fleet_of(sim)
    info = ensure_owner(fleet, base_port=0)
    try:
        assert info.pid != os.getpid() and info.recording is None
        with open_fleet(fleet, timeout_s=5) as links:
            assert links["drone1"].via == info.connection("drone1")
        again = ensure_owner(fleet, record_dir=tmp_path / "rec")  # reuses it and asks it to record
        assert again.pid == info.pid and again.recording is not None
        session = Path(again.recording)
        assert wait_for(lambda: (session / "drone1.tlog").exists()
                        and (session / "drone1.tlog").stat().st_size > 2000, 5)
    finally:
        stop_owner(info)
    assert wait_for(lambda: find_owner(fleet) is None, 5)
    with pytest.raises(ProcessLookupError):
        os.kill(info.pid, 0)
    assert json.loads((session / "session.json").read_text())["end_utc"]
    assert read_tlog(session / "drone1.tlog")[(1, "HEARTBEAT")] >= 1


def test_serve_refuses_a_second_owner_for_the_same_fleet(make_fleet, cli, tmp_path: Path,  # noqa: F811
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    sim = make_fleet()

    def never(*_a: object, **_k: object) -> None:
        raise AssertionError("a second owner started serving")

    fleet_file = tmp_path / "fleet.toml"
    fleet_file.write_text(f'[[drones]]\nname = "drone1"\nconnection = "{sim.connection_strings[0]}"\nsystem_id = 1\n')
    from dronepatrol.config import load_fleet

    with LinkOwner(load_fleet(fleet_file), base_port=0):
        monkeypatch.setattr(LinkOwner, "wait_links", never)  # if it did start, fail instead of serving forever
        r = cli("fleet", "serve", "--fleet", fleet_file, "--base-port", "0")
    assert r.exit_code == 4 and "already served by process" in r.stderr


def test_drone_behind_a_router_on_udpin(make_fleet) -> None:  # noqa: F811
    """mavlink-router / MAVProxy hold the radio and send each drone to a udpin: port of ours."""
    sim = make_fleet()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        udp_port = probe.getsockname()[1]
    tcp = socket.create_connection(("127.0.0.1", sim.ports[0]))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(0.1)
    stop = threading.Event()

    def router_down() -> None:  # vehicle -> our udpin port
        tcp.settimeout(0.1)
        while not stop.is_set():
            try:
                data = tcp.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if data:
                udp.sendto(data, ("127.0.0.1", udp_port))

    def router_up() -> None:  # our replies -> vehicle
        while not stop.is_set():
            try:
                data, _ = udp.recvfrom(65536)
            except (TimeoutError, OSError):
                continue
            tcp.sendall(data)

    threads = [threading.Thread(target=f, daemon=True) for f in (router_down, router_up)]
    for t in threads:
        t.start()
    try:
        from dronepatrol.config import DroneConfig, FleetConfig

        fleet = FleetConfig(drones=(DroneConfig(name="drone1", connection=f"udpin:127.0.0.1:{udp_port}",
                                                system_id=1),), source="test")
        with open_fleet(fleet, timeout_s=5) as links:
            link = links["drone1"]
            with link.subscribe({"GLOBAL_POSITION_INT"}) as sub:  # our stream requests reached the vehicle
                assert sub.get(5) is not None
    finally:
        stop.set()
        for t in threads:
            t.join(2)
        tcp.close()
        udp.close()


def test_an_owner_of_another_fleet_file_serves_the_drones_it_holds(make_fleet) -> None:  # noqa: F811
    from dronepatrol.config import DroneConfig, FleetConfig

    sim = make_fleet(drones=2)
    full = fleet_of(sim)
    info = ensure_owner(full, background=False, base_port=0)  # in this process, in threads
    try:
        assert info.pid == os.getpid()
        only = FleetConfig(drones=(DroneConfig(name="bravo", connection=full.drones[1].connection, system_id=2),),
                           source="other.toml")
        with open_fleet(only, timeout_s=5) as links:
            assert links["bravo"].via == info.connection("drone2")
            assert links["bravo"].heartbeat.get_srcSystem() == 2
    finally:
        stop_owner(info)
    assert not state_path(full).exists()


def test_fleet_serve_records_and_ctrl_c_closes_the_recording(make_fleet, tmp_path: Path) -> None:  # noqa: F811
    import signal
    import subprocess

    sim = make_fleet()
    fleet_file = tmp_path / "fleet.toml"
    fleet_file.write_text(f'[[drones]]\nname = "drone1"\nconnection = "{sim.connection_strings[0]}"\nsystem_id = 1\n')
    proc = subprocess.Popen(dronepatrol_argv("fleet", "serve", "--fleet", str(fleet_file),
                                             "--base-port", "0", "--record", str(tmp_path / "rec")),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        from dronepatrol.config import load_fleet
        from dronepatrol.mavlink.owner import control

        assert wait_for(lambda: find_owner(load_fleet(fleet_file)) is not None, 15)
        info = find_owner(load_fleet(fleet_file))
        assert wait_for(lambda: control(info, {"cmd": "status"})["health"]["drone1"]["connected"], 5)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130 and "link owner stopped" in err
    (session,) = (tmp_path / "rec").iterdir()
    assert json.loads((session / "session.json").read_text())["end_utc"]
    assert read_tlog(session / "drone1.tlog")[(1, "HEARTBEAT")] >= 1


def test_a_reboot_behind_the_owner_is_seen_from_the_streams(make_fleet, monkeypatch) -> None:  # noqa: F811
    """Our port to the owner never drops when the drone reboots, and SYSTEM_TIME requests may go
    unanswered (a lossy radio): the restarted boot clock in the streams still says it came back."""
    from dronepatrol.mavlink import setup

    sim = make_fleet()
    fleet = fleet_of(sim)
    asked: list[int] = []
    real = setup._boot_ms

    def first_answer_only(link):
        asked.append(1)
        return real(link) if len(asked) == 1 else None

    with LinkOwner(fleet, base_port=0) as owner:
        assert owner.wait_links(5) == {"drone1": True}
        with open_fleet(fleet, timeout_s=5) as links:
            ours = links["drone1"]
            with ours.subscribe({"GLOBAL_POSITION_INT"}) as sub:
                assert sub.get(5) is not None  # streams flow
            reconnects = ours.health.reconnects
            monkeypatch.setattr(setup, "_boot_ms", first_answer_only)
            setup.reboot(ours, timeout_s=10)
            assert owner.links["drone1"].health.reconnects == 1  # the drone did reboot (the owner relinked)
            assert ours.health.reconnects == reconnects          # and our own port never dropped
