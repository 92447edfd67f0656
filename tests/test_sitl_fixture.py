"""The SITL fixture itself: three real ArduCopter instances, each with its own system id, served
on two independent ports (the tests of the fleet link and the simulator rely on both)."""

from __future__ import annotations

import os

os.environ.setdefault("MAVLINK20", "1")

import pytest
from pymavlink import mavutil

pytestmark = pytest.mark.sitl


def _heartbeat_sysid(connection: str) -> int:
    m = mavutil.mavlink_connection(connection, source_system=254, source_component=190, autoreconnect=False)
    try:
        hb = m.recv_match(type="HEARTBEAT", blocking=True, timeout=15)
        assert hb is not None, f"no HEARTBEAT on {connection}"
        return hb.get_srcSystem()
    finally:
        m.close()


def test_three_instances_have_their_own_system_ids_on_both_ports(sitl_fleet) -> None:
    fleet = sitl_fleet(3)
    for drone in fleet.drones:
        assert _heartbeat_sysid(drone.connection) == drone.system_id
        assert _heartbeat_sysid(drone.connection2) == drone.system_id
    assert len({d.port for d in fleet.drones}) == 3
