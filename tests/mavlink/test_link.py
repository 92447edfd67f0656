"""DroneLink and open_fleet against ``dronepatrol sim``: heartbeat and system id, streams,
reconnect, packet loss from sequence numbers, the no-heartbeat error."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from dronepatrol.config import DroneConfig, FleetConfig
from dronepatrol.errors import LinkError
from dronepatrol.mavlink.fleetlink import open_fleet
from dronepatrol.mavlink.link import M
from tests.sim.conftest import make_fleet  # noqa: F401 (fixture)


@pytest.fixture(autouse=True)
def _private_runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No link owner of the officer's (or another test's) is ever used."""
    monkeypatch.setenv("DRONEPATROL_RUNTIME_DIR", str(tmp_path / "run"))


def fleet_of(sim, system_ids: list[int] | None = None, **kw) -> FleetConfig:
    ids = system_ids or [v.config.sysid for v in sim.vehicles]
    return FleetConfig(drones=tuple(
        DroneConfig(name=f"drone{i + 1}", connection=c, system_id=sid, **kw)
        for i, (c, sid) in enumerate(zip(sim.connection_strings, ids, strict=True))
    ), source="test")


def wait_for(cond: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def test_open_fleet_heartbeats_and_streams(make_fleet) -> None:  # noqa: F811
    sim = make_fleet(drones=2)
    with open_fleet(fleet_of(sim), timeout_s=5) as links:
        assert set(links) == {"drone1", "drone2"}
        for name, sid in (("drone1", 1), ("drone2", 2)):
            link = links[name]
            assert link.system_id == sid and link.heartbeat.get_srcSystem() == sid
            assert link.mav.srcSystem == 254 and link.mav.srcComponent == 190
            # the sim, like ArduCopter, streams nothing until asked: the link asked
            with link.subscribe({"GLOBAL_POSITION_INT", "SYS_STATUS"}) as sub:
                got = {sub.get(5).get_type() for _ in range(6)}
            assert got == {"GLOBAL_POSITION_INT", "SYS_STATUS"}
            h = link.health
            assert h.connected and h.last_msg_age_s < 1 and h.signing == "off" and h.loss_pct == 0
        # a command goes to the drone and is acknowledged by its system id
        link = links["drone2"]
        with link.subscribe({"COMMAND_ACK"}) as sub:
            link.send(link.mav.command_long_encode(2, 1, M.MAV_CMD_REQUEST_MESSAGE, 0, 242, 0, 0, 0, 0, 0, 0))
            ack = sub.get(5)
        assert ack.command == M.MAV_CMD_REQUEST_MESSAGE and ack.get_srcSystem() == 2
    assert not links["drone1"]._thread.is_alive()


def test_system_id_mismatch_names_both_ids(make_fleet) -> None:  # noqa: F811
    sim = make_fleet()
    t0 = time.monotonic()
    with pytest.raises(LinkError) as exc, open_fleet(fleet_of(sim, [7]), timeout_s=10):
        pass
    msg = str(exc.value)
    assert "drone1" in msg and "system id 1" in msg and "expects 7" in msg
    assert time.monotonic() - t0 < 6  # gives up soon once only another vehicle answers


def test_no_heartbeat_is_exit_4_naming_drone_connection_and_what_to_check(cli, tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "k.key").write_bytes(bytes(32))
    fleet = tmp_path / "fleet.toml"
    fleet.write_text(f'[[drones]]\nname = "alpha"\nconnection = "tcp:127.0.0.1:{port}"\nsystem_id = 1\n'
                     'signing_key = "k.key"\n')
    r = cli("fleet", "keys", "install", "--fleet", fleet, "--yes", "--timeout", "1")
    assert r.exit_code == 4
    assert "alpha" in r.stderr and f"tcp:127.0.0.1:{port}" in r.stderr and "powered" in r.stderr


def test_refused_connection_string_is_exit_3(cli, tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.toml"
    fleet.write_text('[[drones]]\nname = "alpha"\nconnection = "/bin/sh"\nsystem_id = 1\nsigning_key = "k"\n')
    (tmp_path / "k").write_bytes(bytes(32))
    r = cli("fleet", "keys", "install", "--fleet", fleet, "--yes")
    assert r.exit_code == 3 and "alpha" in r.stderr and "/bin/sh" in r.stderr


def test_reconnects_after_a_cut_and_after_a_reboot(make_fleet) -> None:  # noqa: F811
    sim = make_fleet()
    with open_fleet(fleet_of(sim), timeout_s=5) as links:
        link = links["drone1"]
        sim.cut_link(0)  # radio out of range: TCP stays up, nothing passes
        assert wait_for(lambda: not link.health.connected, 5)
        sim.restore_link(0)
        assert wait_for(lambda: link.health.connected, 5)
        assert link.health.reconnects == 1
        # SITL restart: the TCP connection drops; the link reconnects and asks for streams again
        link.send(link.mav.command_long_encode(1, 1, M.MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN, 0, 1, 0, 0, 0, 0, 0, 0))
        assert wait_for(lambda: link.health.reconnects == 2 and link.health.connected, 10)
        with link.subscribe({"GLOBAL_POSITION_INT"}) as sub:
            assert sub.get(5) is not None


def test_loss_pct_from_sequence_gaps(make_fleet) -> None:  # noqa: F811
    sim = make_fleet()
    with open_fleet(fleet_of(sim), timeout_s=5) as links:
        link = links["drone1"]
        with link.subscribe({"GLOBAL_POSITION_INT"}) as sub:
            assert sub.get(5) is not None
        sim.set_loss(0, 0.3)
        time.sleep(2.5)
        h = link.health
    assert h.lost > 20 and 15 <= h.loss_pct <= 45, h


def _fake_vehicle_frames(sysid: int = 1) -> bytes:
    """One ArduCopter-like HEARTBEAT from ``sysid``, packed as a vehicle would."""
    from pymavlink.dialects.v20 import ardupilotmega as mav2

    m = mav2.MAVLink(None, srcSystem=sysid, srcComponent=1)
    hb = m.heartbeat_encode(M.MAV_TYPE_QUADROTOR, M.MAV_AUTOPILOT_ARDUPILOTMEGA, 0, 0, M.MAV_STATE_STANDBY)
    return bytes(hb.pack(m))


def _gcs_heartbeat_from(data: bytes) -> bool:
    from pymavlink.dialects.v20 import ardupilotmega as mav2

    p = mav2.MAVLink(None)
    p.robust_parsing = True
    return any(m.get_type() == "HEARTBEAT" and m.get_srcSystem() == 254 and m.type == M.MAV_TYPE_GCS
               for m in p.parse_buffer(data) or [])


def test_serial_device_link(tmp_path: Path) -> None:
    """A serial radio, played by a pseudo-terminal: heartbeats both ways at the requested baud."""
    import os
    import select

    from dronepatrol.mavlink.link import DroneLink

    master, slave = os.openpty()
    name = os.ttyname(slave)
    link = DroneLink(name="drone1", system_id=1, connection=f"{name}:57600")
    try:
        got = b""
        deadline = time.monotonic() + 5
        while link.heartbeat is None and time.monotonic() < deadline:
            os.write(master, _fake_vehicle_frames())
            if select.select([master], [], [], 0.1)[0]:
                got += os.read(master, 4096)
        assert link.heartbeat is not None and link.health.connected
        while not _gcs_heartbeat_from(got) and time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                got += os.read(master, 4096)
        assert _gcs_heartbeat_from(got)
    finally:
        link.close()
        os.close(master)
        os.close(slave)


def test_udpout_link() -> None:
    """udpout: we send first (the GCS heartbeat); the vehicle answers the address it heard from."""
    import socket

    from dronepatrol.mavlink.link import DroneLink

    vehicle = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    vehicle.bind(("127.0.0.1", 0))
    vehicle.settimeout(2)
    link = DroneLink(name="drone1", system_id=1, connection=f"udpout:127.0.0.1:{vehicle.getsockname()[1]}")
    try:
        data, peer = vehicle.recvfrom(65536)
        assert _gcs_heartbeat_from(data)
        vehicle.sendto(_fake_vehicle_frames(), peer)
        assert link.wait_heartbeat(3) is not None
    finally:
        link.close()
        vehicle.close()
