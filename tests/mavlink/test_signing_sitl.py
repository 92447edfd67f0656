"""Signing on real ArduCopter SITL: install a key over the first (USB-like) port, then the
vehicle signs everything; its second port takes signed commands and ignores unsigned ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from dronepatrol.config import DroneConfig, FleetConfig
from dronepatrol.mavlink.fleetlink import open_fleet
from dronepatrol.mavlink.link import M
from dronepatrol.mavlink.signing import install_key
from tests.mavlink.test_link import wait_for

pytestmark = pytest.mark.sitl


def test_install_key_then_signed_traffic_and_unsigned_counted(sitl_fleet, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from pymavlink import mavutil

    monkeypatch.setenv("DRONEPATROL_RUNTIME_DIR", str(tmp_path / "run"))
    sitl = sitl_fleet(1, speedup=10)
    key = bytes(range(1, 33))
    (tmp_path / "drone1.key").write_bytes(key)
    source = str(tmp_path / "fleet.toml")

    def fleet(connection: str) -> FleetConfig:
        return FleetConfig(drones=(DroneConfig(name="drone1", connection=connection, system_id=1,
                                               signing_key="drone1.key"),), source=source)

    Path(source).write_text("")  # the fleet file's directory anchors the key path
    with open_fleet(fleet(sitl.drones[0].connection), timeout_s=30) as links:
        link = links["drone1"]
        assert wait_for(lambda: link.health.unsigned_count >= 3, 5)  # no key on the vehicle yet: counted
        assert link.health.signing == "unsigned"
        assert install_key(link, key, timeout_s=10)
        assert wait_for(lambda: link.health.signing == "signed", 5)
        unsigned_before = link.health.unsigned_count
        with link.subscribe({"GLOBAL_POSITION_INT"}) as sub:
            for _ in range(10):
                assert sub.get(5).get_signed()
        assert link.health.unsigned_count == unsigned_before and link.health.bad_signature_count == 0

    # the second port: a signed command is acknowledged ...
    with open_fleet(fleet(sitl.drones[0].connection2), timeout_s=30) as links:
        link = links["drone1"]
        with link.subscribe({"COMMAND_ACK"}) as sub:
            link.send(link.mav.command_long_encode(1, 1, M.MAV_CMD_REQUEST_MESSAGE, 0, 148, 0, 0, 0, 0, 0, 0))
            ack = sub.get(5)
        assert ack is not None and ack.get_srcSystem() == 1 and ack.get_signed()
        assert link.health.signing == "signed"
    # ... and an unsigned one is ignored
    plain = mavutil.mavlink_connection(sitl.drones[0].connection2, source_system=254, source_component=190,
                                       autoreconnect=False)
    try:
        assert plain.wait_heartbeat(timeout=10) is not None
        plain.mav.command_long_send(1, 1, M.MAV_CMD_REQUEST_MESSAGE, 0, 148, 0, 0, 0, 0, 0, 0)
        assert plain.recv_match(type="COMMAND_ACK", blocking=True, timeout=3) is None
    finally:
        plain.close()
