"""Proof on real ArduCopter SITL (three instances): plan, ``fleet upload`` with an independent
read-back through each instance's second port, ``fleet status``, ``fleet start`` and ``fleet rtl``
until all three have landed and disarmed.

The tests run in order on one module-scoped fleet; the observer on ``connection2`` is plain
pymavlink and uses nothing from dronepatrol's link code.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from dronepatrol.formats.missiondir import read_missions
from dronepatrol.mavlink.items import compare, plan_lists, wire_from_msg
from tests.sim.conftest import Gcs

pytestmark = pytest.mark.sitl

HOMES = [(103.6520, 16.0560), (103.6530, 16.0560), (103.6540, 16.0560)]
HOTSPOTS = [(103.6508, 16.0548, "bank"), (103.6512, 16.0574, "gold_shop"), (103.6527, 16.0546, "market"),
            (103.6534, 16.0576, "park"), (103.6548, 16.0550, "convenience_store"), (103.6553, 16.0572, "school")]


def zone_doc() -> dict:
    ring = [[103.6495, 16.0535], [103.6565, 16.0535], [103.6565, 16.0585], [103.6495, 16.0585], [103.6495, 16.0535]]
    feats = [{"type": "Feature", "properties": {"role": "zone", "name": "SITL test zone", "max_alt_m": 90},
              "geometry": {"type": "Polygon", "coordinates": [ring]}}]
    feats += [{"type": "Feature", "properties": {"role": "launch", "name": f"site {k + 1}"},
               "geometry": {"type": "Point", "coordinates": [lon, lat]}} for k, (lon, lat) in enumerate(HOMES)]
    feats += [{"type": "Feature", "properties": {"role": "hotspot", "name": f"{kind} {k}", "kind": kind, "dwell_s": 5},
               "geometry": {"type": "Point", "coordinates": [lon, lat]}} for k, (lon, lat, kind) in enumerate(HOTSPOTS)]
    return {"type": "FeatureCollection", "features": feats}


class Observer:
    """Plain-pymavlink clients on each instance's second port (system id 255, like QGroundControl)."""

    def __init__(self, fleet) -> None:
        self.g = [Gcs(d.port2, sysid=255, target=d.system_id) for d in fleet.drones]
        for g in self.g:
            g.wait("HEARTBEAT", 30)
            g.request_streams(4)

    def close(self) -> None:
        for g in self.g:
            g.close()

    def heartbeat(self, i: int):
        return self.g[i].wait("HEARTBEAT", 5)


@pytest.fixture(scope="module")
def sitl(tmp_path_factory):
    from tests.sitl import start_sitl_fleet

    work = tmp_path_factory.mktemp("sitl-ops")
    with pytest.MonkeyPatch.context() as mp, start_sitl_fleet(3, speedup=10) as fleet:
        mp.setenv("DRONEPATROL_STATE_DIR", str(work / "state"))
        zone = work / "zone.geojson"
        zone.write_text(json.dumps(zone_doc()))
        ff = fleet.fleet_toml(work / "fleet.toml")
        obs = Observer(fleet)
        try:
            yield {"fleet": fleet, "fleet_file": ff, "zone": zone, "work": work, "obs": obs, "dir": work / "plan"}
        finally:
            obs.close()


def test_upload_verified_and_read_back_independently(sitl, cli) -> None:
    r = cli("plan", "patrol", sitl["zone"], "-o", sitl["dir"], "--alt", "25", "--fleet", sitl["fleet_file"],
            "--loops", "1")
    assert r.exit_code == 0, r.stderr
    t0 = time.monotonic()
    r = cli("fleet", "upload", sitl["dir"], "--fleet", sitl["fleet_file"], "--yes", "--json")
    first_s = time.monotonic() - t0
    assert r.exit_code == 0, r.stderr
    assert [x["verified"] for x in r.json["drones"]] == [True, True, True]
    missions = {m.drone: m for m in read_missions(sitl["dir"])}
    for i, g in enumerate(sitl["obs"].g):
        want = plan_lists(missions[f"drone{i + 1}"])
        for mt in (0, 1, 2):
            board = [wire_from_msg(m) for m in g.download(mt)]
            assert compare(want[mt], board, mt) == [], (i, mt)
        assert g.param_get("FENCE_ENABLE") == 1
        assert g.param_get("FENCE_ACTION") != 0
        assert g.param_get("FENCE_ALT_MAX") == pytest.approx(90.0)
    t0 = time.monotonic()
    again = cli("fleet", "upload", sitl["dir"], "--fleet", sitl["fleet_file"], "--yes", "--json")
    assert again.exit_code == 0 and all(x["already_on_board"] for x in again.json["drones"])
    assert time.monotonic() - t0 < first_s + 5.0
    assert "already on board" in again.stderr


def _ready(sitl, cli, timeout_s: float = 60.0) -> dict:
    """fleet status until only the GCS failsafe id (which start sets) stands in the way."""
    deadline = time.monotonic() + timeout_s
    while True:
        r = cli("fleet", "status", "--fleet", sitl["fleet_file"], "--json")
        assert r.exit_code == 0, r.stderr
        pending = [f for d in r.json["drones"] for f in d["preflight"] if f["check"] != "gcs_failsafe"]
        if not pending or time.monotonic() > deadline:
            return r.json
        time.sleep(1.0)


def test_status_shows_what_is_on_board(sitl, cli) -> None:
    before = cli("fleet", "status", "--fleet", sitl["fleet_file"], "--json")
    assert before.exit_code == 0, before.stderr
    photos = [d["takes_photos"] for d in before.json["drones"]]
    checks = [{f["check"] for f in d["preflight"]} for d in before.json["drones"]]
    assert all("gcs_failsafe" in c for c in checks)  # FS_GCS_ENABLE is 0 on a fresh SITL
    assert all(("camera" in c) == p for c, p in zip(checks, photos, strict=True))  # CAM1_TYPE is 0 on SITL
    for g, p in zip(sitl["obs"].g, photos, strict=True):  # the unit's standard settings
        assert g.param_set("FS_GCS_ENABLE", 1) == 1  # lost link -> RTL
        if p:
            assert g.param_set("CAM1_TYPE", 1) == 1  # a camera, which takes effect after a reboot
    if any(photos):
        for g in sitl["obs"].g:
            assert g.command(246, 1) == 0  # MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN
        sitl["obs"].close()
        time.sleep(1.0)
        sitl["obs"] = Observer(sitl["fleet"])
    doc = _ready(sitl, cli)
    for d in doc["drones"]:
        assert d["matches_last_upload"] == {"mission": True, "fence": True, "rally": True}, d
        assert d["mode"] == "STABILIZE" and d["armed"] is False and d["fence_enable"] == 1
        assert d["gps_fix"] >= 3 and d["ekf_position_ok"] is True and d["home"] is not None
        assert abs(d["home"]["lat"] - 16.0560) < 1e-3
        assert [f["check"] for f in d["preflight"]] in ([], ["gcs_failsafe"])


def test_start_offsets_are_waited_on_arducopters_clock(sitl) -> None:
    from dronepatrol.config import load_fleet
    from dronepatrol.mavlink import ops
    from dronepatrol.mavlink.fleetlink import open_fleet

    with open_fleet(load_fleet(sitl["fleet_file"]), names=["drone1"], timeout_s=20) as links:
        t0 = time.monotonic()
        waited = ops.sleep_vehicle(links["drone1"], 5.0)
        wall = time.monotonic() - t0
    assert 5.0 <= waited < 6.0
    assert wall < 4.0  # SITL runs 10x: half a second when it keeps up; 5 s on the laptop's clock


def test_start_arms_takes_off_and_flies_auto(sitl, cli) -> None:
    r = cli("fleet", "start", "--fleet", sitl["fleet_file"], "--yes", "--json", "--arm-timeout", "60")
    assert r.exit_code == 0, r.stderr
    assert [x["started"] for x in r.json["started"]] == [True, True, True]
    for i, g in enumerate(sitl["obs"].g):
        hb = g.wait("HEARTBEAT", 5, lambda h: h.custom_mode in (3, 6))  # AUTO (RTL once our heartbeats stop)
        assert hb.base_mode & 128, f"drone{i + 1} not armed"
        assert g.param_get("MAV_GCS_SYSID") == 254 and g.param_get("MAV_GCS_SYSID_HI") == 255


def test_rtl_until_all_landed_and_disarmed(sitl, cli) -> None:
    r = cli("fleet", "rtl", "--fleet", sitl["fleet_file"], "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    assert [x["mode"] for x in r.json["drones"]] == ["RTL", "RTL", "RTL"]
    deadline = time.monotonic() + 120
    landed = [False, False, False]
    while not all(landed) and time.monotonic() < deadline:
        for i, g in enumerate(sitl["obs"].g):
            if not landed[i]:
                hb = g.wait("HEARTBEAT", 5)
                landed[i] = not hb.base_mode & 128
        time.sleep(0.5)
    assert all(landed), f"still armed: {[f'drone{i + 1}' for i, x in enumerate(landed) if not x]}"
    for i, g in enumerate(sitl["obs"].g):
        g.request_streams(4)
        g.wait("HEARTBEAT", 5, lambda h: not h.base_mode & 128)
        fresh = [m for m in g.collect(1.5) if m.get_type() == "GLOBAL_POSITION_INT"]  # after the backlog
        assert fresh and fresh[-1].relative_alt < 1500, f"drone{i + 1} not on the ground"  # mm
        lon, lat = HOMES[i]
        assert abs(fresh[-1].lat * 1e-7 - lat) < 5e-5 and abs(fresh[-1].lon * 1e-7 - lon) < 5e-5  # home, ~5 m


def test_files_are_where_they_belong(sitl) -> None:
    assert sorted(p.name for p in Path(sitl["dir"]).glob("*.plan")) == ["drone1.plan", "drone2.plan", "drone3.plan"]
