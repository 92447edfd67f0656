"""Signing keys and signed links against ``dronepatrol sim`` (which signs as ArduPilot does)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from dronepatrol.config import DroneConfig, FleetConfig
from dronepatrol.errors import LinkError
from dronepatrol.mavlink.fleetlink import open_fleet
from dronepatrol.mavlink.link import M
from dronepatrol.mavlink.signing import load_timestamp, signing_timestamp, timestamp_path
from tests.mavlink.test_link import wait_for
from tests.sim.conftest import Gcs, make_fleet  # noqa: F401 (fixture)


@pytest.fixture(autouse=True)
def _private_runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRONEPATROL_RUNTIME_DIR", str(tmp_path / "run"))


def keyed_fleet(tmp_path: Path, connection: str, key: bytes | None) -> tuple[FleetConfig, Path]:
    path = tmp_path / "keys" / "drone1.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if key is not None:
        path.write_bytes(key)
    fleet_file = tmp_path / "fleet.toml"
    fleet_file.write_text(f'[[drones]]\nname = "drone1"\nconnection = "{connection}"\nsystem_id = 1\n'
                          'signing_key = "keys/drone1.key"\n')
    return FleetConfig(drones=(DroneConfig(name="drone1", connection=connection, system_id=1,
                                           signing_key="keys/drone1.key"),), source=str(fleet_file)), path


def test_keys_init_writes_private_keys_never_shows_them_and_never_overwrites(cli, tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.toml"
    fleet.write_text('[[drones]]\nname = "a"\nsigning_key = "secret/a.key"\n\n[[drones]]\nname = "b"\n')
    r = cli("fleet", "keys", "init", "--fleet", fleet, "--dir", tmp_path / "keys")
    assert r.exit_code == 0, r.stderr
    a, b = tmp_path / "secret" / "a.key", tmp_path / "keys" / "b.key"  # a's from the fleet file (beside it)
    for p in (a, b):
        assert len(p.read_bytes()) == 32 and stat.S_IMODE(p.stat().st_mode) == 0o600
        assert p.read_bytes().hex() not in r.stdout + r.stderr
    assert "signing_key" in r.stderr and "b.key" in r.stderr  # says what to add for b
    assert a.read_bytes() != b.read_bytes()
    old = a.read_bytes()
    r = cli("fleet", "keys", "init", "--fleet", fleet, "--dir", tmp_path / "keys")
    assert r.exit_code == 2 and "--force" in r.stderr and a.read_bytes() == old
    r = cli("fleet", "keys", "init", "--fleet", fleet, "--dir", tmp_path / "keys", "--drones", "a", "--force")
    assert r.exit_code == 0 and a.read_bytes() != old


def test_signed_link_commands_a_signing_drone_and_persists_its_timestamp(make_fleet, tmp_path: Path) -> None:  # noqa: F811
    key = bytes(range(32))
    sim = make_fleet(signing_key=key)
    fleet, path = keyed_fleet(tmp_path, sim.connection_strings[0], key)
    ts_file = timestamp_path(path)
    ts_file.write_text(f"{signing_timestamp(2e9)}\n")  # a clock set back must not lower timestamps
    with open_fleet(fleet, timeout_s=5) as links:
        link = links["drone1"]
        assert link.mav.signing.timestamp > signing_timestamp(2e9)
        with link.subscribe({"COMMAND_ACK"}) as sub:  # the drone refuses unsigned commands: ours are signed
            link.send(link.mav.command_long_encode(1, 1, M.MAV_CMD_REQUEST_MESSAGE, 0, 242, 0, 0, 0, 0, 0, 0))
            assert sub.get(5) is not None
        h = link.health
        assert h.signing == "signed" and h.unsigned_count == 0 and h.bad_signature_count == 0
        used = link.mav.signing.timestamp
    assert load_timestamp(ts_file) >= used


def test_unsigned_and_badly_signed_messages_are_counted(make_fleet, tmp_path: Path) -> None:  # noqa: F811
    plain = make_fleet()
    fleet, _ = keyed_fleet(tmp_path / "a", plain.connection_strings[0], bytes(32 * [7]))
    with open_fleet(fleet, timeout_s=5) as links:  # a drone without the key still talks, unsigned: counted
        link = links["drone1"]
        assert wait_for(lambda: link.health.unsigned_count >= 5, 3)
        assert link.health.signing == "unsigned" and link.health.bad_signature_count == 0
    signed = make_fleet(signing_key=bytes(32 * [1]))
    fleet, _ = keyed_fleet(tmp_path / "b", signed.connection_strings[0], bytes(32 * [2]))
    with pytest.raises(LinkError) as exc, open_fleet(fleet, timeout_s=2):  # wrong key: nothing accepted
        pass
    assert "drone1" in str(exc.value) and "signature does not match" in str(exc.value)


def test_keys_install_then_the_drone_signs_and_ignores_unsigned(make_fleet, cli, tmp_path: Path) -> None:  # noqa: F811
    sim = make_fleet()
    key = bytes(range(100, 132))
    fleet, _ = keyed_fleet(tmp_path, sim.connection_strings[0], key)
    r = cli("fleet", "keys", "install", "--fleet", fleet.source, "--yes")
    assert r.exit_code == 0, r.stderr
    assert "USB" in r.stderr and "drone1" in r.stderr and key.hex() not in r.stderr
    with open_fleet(fleet, timeout_s=5) as links:
        assert wait_for(lambda: links["drone1"].health.signing == "signed", 3)
    gcs = Gcs(sim.ports2[0])  # the second port: like ArduPilot's, it ignores unsigned commands once signing
    try:
        gcs.wait("HEARTBEAT", 5)
        assert gcs.m.mav.signing.sig_count > 0  # the drone's frames now carry signatures
        with pytest.raises(AssertionError):  # an unsigned command is ignored: no ACK
            gcs.command(M.MAV_CMD_REQUEST_MESSAGE, 242, timeout=1.5)
    finally:
        gcs.close()


def test_install_key_on_a_link_without_a_key_then_it_signs(make_fleet) -> None:  # noqa: F811
    from dronepatrol.mavlink.signing import install_key

    sim = make_fleet()
    fleet = FleetConfig(drones=(DroneConfig(name="drone1", connection=sim.connection_strings[0], system_id=1),),
                        source="test")
    key = bytes(range(50, 82))
    with open_fleet(fleet, timeout_s=5) as links:
        link = links["drone1"]
        assert link.health.signing == "off"
        assert install_key(link, key, timeout_s=5)
        assert link.health.signing == "signed"
        with link.subscribe({"COMMAND_ACK"}) as sub:  # the drone now refuses unsigned commands: ours are signed
            link.send(link.mav.command_long_encode(1, 1, M.MAV_CMD_REQUEST_MESSAGE, 0, 242, 0, 0, 0, 0, 0, 0))
            assert sub.get(5) is not None
