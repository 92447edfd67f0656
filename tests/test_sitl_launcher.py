"""dronepatrol.sitl starts real ArduCopter SITL instances with our parameters (the demo's --sitl)."""

from __future__ import annotations

import os

os.environ.setdefault("MAVLINK20", "1")

import pytest
from pymavlink import mavutil

from dronepatrol.errors import InputError
from dronepatrol.sitl import SitlHome, start_sitl
from tests.sitl import _slot, sitl_binary


def test_not_a_binary_is_an_input_error(tmp_path) -> None:
    with pytest.raises(InputError, match="not an executable ArduCopter SITL binary"):
        start_sitl(tmp_path / "nothing", [SitlHome(lat=16.056, lon=103.652, alt_amsl_m=150)], tmp_path)


@pytest.mark.sitl
def test_instances_come_up_with_system_ids_and_our_parameters(tmp_path) -> None:
    homes = [SitlHome(lat=16.056, lon=103.652, alt_amsl_m=150), SitlHome(lat=16.056, lon=103.653, alt_amsl_m=150)]
    with _slot(2) as first, start_sitl(sitl_binary(), homes, tmp_path, first_instance=first, speedup=5,
                                        params={"RTL_ALT": 2500}) as fleet:
        assert len(fleet.connections) == 2
        for sysid, conn in enumerate(fleet.connections, start=1):
            m = mavutil.mavlink_connection(conn, source_system=254, source_component=190, autoreconnect=False)
            try:
                hb = m.recv_match(type="HEARTBEAT", blocking=True, timeout=15)
                assert hb is not None and hb.get_srcSystem() == sysid
                m.mav.param_request_read_send(sysid, 1, b"RTL_ALT", -1)
                pv = m.recv_match(type="PARAM_VALUE", blocking=True, timeout=10,
                                  condition="PARAM_VALUE.param_id=='RTL_ALT'")
                assert pv is not None and pv.param_value == 2500
            finally:
                m.close()
    assert all(p.poll() is not None for p in fleet.processes)
