"""Links and the link owner on real ArduCopter SITL (two instances, shared by the module)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dronepatrol.config import DroneConfig, FleetConfig
from dronepatrol.errors import LinkError
from dronepatrol.mavlink.fleetlink import open_fleet
from dronepatrol.mavlink.link import M
from dronepatrol.mavlink.owner import LinkOwner

pytestmark = pytest.mark.sitl


@pytest.fixture(scope="module")
def sitl() -> Iterator[object]:
    from tests.sitl import start_sitl_fleet

    with start_sitl_fleet(2, speedup=10) as fleet:
        yield fleet


@pytest.fixture(autouse=True)
def _private_runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRONEPATROL_RUNTIME_DIR", str(tmp_path / "run"))


def fleet_of(sitl, ids: list[int] | None = None) -> FleetConfig:
    ids = ids or [d.system_id for d in sitl.drones]
    return FleetConfig(drones=tuple(DroneConfig(name=f"drone{d.system_id}", connection=d.connection, system_id=sid)
                                    for d, sid in zip(sitl.drones, ids, strict=True)), source="test")


def test_streams_arrive_because_the_link_asks(sitl) -> None:
    with open_fleet(fleet_of(sitl), timeout_s=30) as links:
        for name, link in links.items():
            assert link.heartbeat.get_srcSystem() == link.system_id, name
            with link.subscribe({"GLOBAL_POSITION_INT", "SYS_STATUS", "GPS_RAW_INT"}) as sub:
                kinds = set()
                deadline = time.monotonic() + 10
                while len(kinds) < 3 and time.monotonic() < deadline:
                    msg = sub.get(0.5)
                    if msg is not None:
                        assert msg.get_srcSystem() == link.system_id
                        kinds.add(msg.get_type())
            assert kinds == {"GLOBAL_POSITION_INT", "SYS_STATUS", "GPS_RAW_INT"}, name
            assert link.health.connected and link.health.loss_pct < 5


def test_wrong_system_id_on_sitl(sitl) -> None:
    fleet = FleetConfig(drones=(DroneConfig(name="drone1", connection=sitl.drones[1].connection, system_id=1),),
                        source="test")
    with pytest.raises(LinkError) as exc, open_fleet(fleet, timeout_s=15):
        pass
    assert "system id 2" in str(exc.value) and "expects 1" in str(exc.value)


def test_owner_shares_sitl_and_records_both_directions(sitl, tmp_path: Path) -> None:
    from pymavlink import mavutil

    fleet = fleet_of(sitl)
    with LinkOwner(fleet, base_port=0, record_dir=tmp_path / "flights") as owner:
        assert all(owner.wait_links(30).values())
        with open_fleet(fleet, timeout_s=15) as links:  # client 1: our own command, through the owner
            assert links["drone1"].via == owner.info.connection("drone1")
            qgc = mavutil.mavlink_connection(owner.info.connection("drone2"), source_system=255,
                                             source_component=190, autoreconnect=False)  # client 2: plain pymavlink
            try:
                assert qgc.wait_heartbeat(timeout=10).get_srcSystem() == 2
                with links["drone2"].subscribe({"COMMAND_ACK"}) as sub:
                    qgc.mav.command_long_send(2, 1, M.MAV_CMD_REQUEST_MESSAGE, 0, 148, 0, 0, 0, 0, 0, 0)
                    ack = qgc.recv_match(type="COMMAND_ACK", blocking=True, timeout=10)
                    seen = sub.get(5)
                assert ack is not None and ack.get_srcSystem() == 2 and ack.command == M.MAV_CMD_REQUEST_MESSAGE
                assert ack.result == M.MAV_RESULT_ACCEPTED
                assert seen is not None and seen.command == M.MAV_CMD_REQUEST_MESSAGE  # client 1 sees it too
                with links["drone1"].subscribe({"GLOBAL_POSITION_INT"}) as sub:
                    assert sub.get(5) is not None
            finally:
                qgc.close()
        session = owner.recorder.dir
    meta = json.loads((session / "session.json").read_text())
    assert [d["system_id"] for d in meta["drones"]] == [1, 2] and meta["end_utc"]
    os.environ.setdefault("MAVLINK20", "1")
    log = mavutil.mavlink_connection(str(session / "drone2.tlog"))
    seen = set()
    while (m := log.recv_match()) is not None:
        seen.add((m.get_srcSystem(), m.get_type()))
    assert (2, "HEARTBEAT") in seen and (2, "COMMAND_ACK") in seen  # from the drone
    assert (254, "HEARTBEAT") in seen and (254, "REQUEST_DATA_STREAM") in seen  # the owner's own
    assert (255, "COMMAND_LONG") in seen  # forwarded from the other client


def test_reconnects_and_asks_for_streams_again_after_a_sitl_restart(sitl) -> None:
    fleet = FleetConfig(drones=(DroneConfig(name="drone1", connection=sitl.drones[0].connection, system_id=1),),
                        source="test")
    with open_fleet(fleet, timeout_s=30) as links:
        link = links["drone1"]
        link.send(link.mav.command_long_encode(1, 1, M.MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN, 0, 1, 0, 0, 0, 0, 0, 0))
        deadline = time.monotonic() + 30
        while not (link.health.reconnects >= 1 and link.health.connected) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert link.health.reconnects >= 1 and link.health.connected
        with link.subscribe({"GLOBAL_POSITION_INT"}) as sub:  # a restarted ArduCopter streams only when asked
            assert sub.get(10) is not None
