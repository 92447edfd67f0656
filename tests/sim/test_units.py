"""Sans-I/O tests: storage quirks, geometry and the vehicle fed with messages directly."""

from __future__ import annotations

import math
import time

import pytest
from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from dronepatrol.sim.geo import LocalFrame, point_in_polygon
from dronepatrol.sim.mission_items import ItemInt, command_to_fields, item_to_command
from dronepatrol.sim.mission_store import FenceProtocol
from dronepatrol.sim.modes import Mode
from dronepatrol.sim.params import ParamStore
from dronepatrol.sim.vehicle import SimVehicle, VehicleConfig

M = mavlink2
ENC = M.MAVLink(None, srcSystem=1, srcComponent=1)


def item(command: int, frame: int = 6, **kw) -> ItemInt:
    base = {"param1": 0.0, "param2": 0.0, "param3": 0.0, "param4": 0.0, "x": 160570000, "y": 1036490000, "z": 30.0}
    base.update(kw)
    return ItemInt(seq=1, frame=frame, command=command, current=0, autocontinue=1, mission_type=0, **base)


def test_mission_item_storage_quirks():
    result, cmd = item_to_command(item(M.MAV_CMD_NAV_WAYPOINT, param1=2.7, param2=5.0, param4=float("nan"), z=30.456))
    assert result == M.MAV_MISSION_ACCEPTED and cmd is not None
    out = command_to_fields(cmd)
    assert out["param1"] == 2.0  # hold time kept as whole seconds (uint16)
    assert out["param2"] == 0.0 and out["param4"] == 0.0  # not kept by ArduCopter
    assert out["frame"] == M.MAV_FRAME_GLOBAL_RELATIVE_ALT
    assert out["z"] == pytest.approx(30.45, abs=1e-4)  # centimetres, truncated
    assert item_to_command(item(M.MAV_CMD_NAV_WAYPOINT, param1=float("nan")))[0] == M.MAV_MISSION_INVALID_PARAM1
    assert item_to_command(item(M.MAV_CMD_NAV_WAYPOINT, frame=1))[0] == M.MAV_MISSION_UNSUPPORTED_FRAME
    assert item_to_command(item(M.MAV_CMD_NAV_WAYPOINT, x=950000000))[0] == M.MAV_MISSION_INVALID_PARAM5_X
    assert item_to_command(item(31999))[0] == M.MAV_MISSION_UNSUPPORTED
    _, rtl = item_to_command(item(M.MAV_CMD_NAV_RETURN_TO_LAUNCH, frame=3))
    assert rtl is not None
    assert command_to_fields(rtl)["frame"] == 0 and command_to_fields(rtl)["x"] == 0


@pytest.mark.parametrize(
    ("shape", "total"),
    [
        ([5], 7),  # one 5-vertex polygon
        ([4, 3], 9),  # two polygons
        ([4, "circle", "return"], 7),  # a circle counts 1, the return point 0
        (["circle"], 0),  # fewer than 3: FENCE_TOTAL stays 0
    ],
)
def test_fence_total_as_arducopter_counts(shape, total):
    params = ParamStore(sysid=1)
    proto = FenceProtocol(ENC, params)
    items = []
    for s in shape:
        if s == "circle":
            items.append(item(M.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION, param1=50.0))
        elif s == "return":
            items.append(item(M.MAV_CMD_NAV_FENCE_RETURN_POINT))
        else:
            items += [item(M.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, param1=float(s)) for _ in range(s)]
    assert proto.allocate(len(items)) == M.MAV_MISSION_ACCEPTED
    for i, it in enumerate(items):
        it.seq = i
        assert proto.replace_item(it) == M.MAV_MISSION_ACCEPTED
    out: list = []
    assert proto.complete(out) == M.MAV_MISSION_ACCEPTED
    assert params.get("FENCE_TOTAL") == total


def test_local_frame_round_trip_and_polygon():
    f = LocalFrame(16.0563, 103.6488)
    lat, lon = f.to_latlon(123.4, -56.7)
    n, e = f.to_ne(lat, lon)
    assert (n, e) == pytest.approx((123.4, -56.7), abs=1e-6)
    square = [(0, 0), (10, 0), (10, 10), (0, 10)]
    assert point_in_polygon(5, 5, square) and not point_in_polygon(15, 5, square)


def make_vehicle(**kw) -> SimVehicle:
    cfg = VehicleConfig(name="d1", sysid=1, lat_deg=16.0563, lon_deg=103.6488, ground_alt_m=140.0, prearm_delay_s=1.0)
    for k, v in kw.items():
        setattr(cfg, k, v)
    return SimVehicle(cfg)


def run(v: SimVehicle, seconds: float, dt: float = 0.05) -> None:
    for _ in range(round(seconds / dt)):
        v.step(dt)


def cmd(command: int, *p: float):
    params = list(p) + [0.0] * (7 - len(p))
    msg = ENC.command_long_encode(1, 1, command, 0, *params)
    msg._header = M.MAVLink_header(msg.id, srcSystem=254, srcComponent=190)
    return msg


def acks(v: SimVehicle) -> list[int]:
    out = [m.result for m in v.outbox if m.get_type() == "COMMAND_ACK"]
    v.outbox.clear()
    return out


def test_guided_takeoff_climb_rate_and_battery_drain():
    v = make_vehicle()
    run(v, 1.5)
    v.handle(cmd(M.MAV_CMD_DO_SET_MODE, 1, Mode.GUIDED))
    v.handle(cmd(M.MAV_CMD_COMPONENT_ARM_DISARM, 1))
    v.handle(cmd(M.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 20))
    assert acks(v) == [0, 0, 0]
    used0 = v.battery.consumed_mah
    run(v, 4.0)
    assert 6.0 < v.alt < 10.5  # WPNAV_SPEED_UP 2.5 m/s, with acceleration
    run(v, 10.0)
    assert v.alt == pytest.approx(20.0, abs=0.1) and not v.landed
    mah = v.battery.consumed_mah - used0
    assert 14 * 8.0 / 3.6 < mah < 14 * 16.0 / 3.6  # 8 A hovering, more while climbing


def test_wind_tilts_the_hovering_vehicle():
    v = make_vehicle(wind_speed_m_s=8.0, wind_from_deg=270.0)  # westerly wind
    run(v, 1.5)
    v.handle(cmd(M.MAV_CMD_DO_SET_MODE, 1, Mode.GUIDED))
    v.handle(cmd(M.MAV_CMD_COMPONENT_ARM_DISARM, 1))
    v.handle(cmd(M.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 10))
    run(v, 10.0)
    assert v.airspeed_m_s() == pytest.approx(8.0, abs=0.2)
    assert math.degrees(v.roll_rad) < -3.0  # leaning west, into the wind (yaw 0)
    assert math.hypot(v.n, v.e) < 0.5  # position held


def test_vehicle_survives_garbage_messages():
    v = make_vehicle()

    class Weird:
        def get_type(self):
            return "COMMAND_LONG"

    v.handle(Weird())  # missing every field
    v.handle(object())
    bad = cmd(M.MAV_CMD_DO_SET_MODE, float("nan"), float("inf"))
    v.handle(bad)
    run(v, 0.2)
    assert v.mode == Mode.STABILIZE


def test_latency_delays_replies(make_fleet, connect):
    fleet = make_fleet(latency_ms=150)
    gcs = connect(fleet.ports[0])
    gcs.wait("HEARTBEAT", 5)
    t0 = time.monotonic()
    assert gcs.set_mode(5) == 0
    assert time.monotonic() - t0 >= 0.29  # 150 ms each way


def test_change_speed_loiter_time_and_roi_in_auto():
    v = make_vehicle()
    f = v.frame
    lat, lon = f.to_latlon(200.0, 0.0)
    roi_lat, roi_lon = f.to_latlon(100.0, 100.0)
    specs = [
        item(M.MAV_CMD_NAV_TAKEOFF, z=10.0, x=0, y=0),
        item(M.MAV_CMD_DO_CHANGE_SPEED, frame=2, param1=1, param2=4.0, param3=-1),
        item(M.MAV_CMD_DO_SET_ROI, param1=3, x=round(roi_lat * 1e7), y=round(roi_lon * 1e7), z=0.0),
        item(M.MAV_CMD_NAV_LOITER_TIME, param1=20.0, x=round(lat * 1e7), y=round(lon * 1e7), z=10.0),
        item(M.MAV_CMD_NAV_LAND, x=0, y=0, z=0.0),
    ]
    for i, it in enumerate(specs, start=1):
        it.seq = i
        result, c = item_to_command(it)
        assert result == M.MAV_MISSION_ACCEPTED and c is not None
        v.mission.commands.append(c)
    run(v, 1.5)
    v.handle(cmd(M.MAV_CMD_DO_SET_MODE, 1, Mode.GUIDED))
    v.handle(cmd(M.MAV_CMD_COMPONENT_ARM_DISARM, 1))
    v.handle(cmd(M.MAV_CMD_MISSION_START))
    assert acks(v) == [0, 0, 0]
    run(v, 20.0)  # take-off (~5 s) then cruising at the changed speed
    assert math.hypot(v.vn, v.ve) == pytest.approx(4.0, abs=0.05)
    bearing_to_roi = math.degrees(math.atan2(100.0 - v.e, 100.0 - v.n)) % 360
    assert abs((v.yaw_deg - bearing_to_roi + 180) % 360 - 180) < 5  # facing the ROI
    run(v, 50.0)  # reach the loiter point (200 m at 4 m/s)
    reached_at = v.t
    assert v.nav is not None and v.nav.cmd.command == M.MAV_CMD_NAV_LOITER_TIME and v.nav.reached_at is not None
    loiter_start = v.nav.reached_at
    while v.nav is not None and v.nav.cmd.command == M.MAV_CMD_NAV_LOITER_TIME and v.t < reached_at + 60:
        v.step(0.05)
    assert v.t - loiter_start == pytest.approx(20.0, abs=0.1)
    run(v, 60.0)
    assert not v.armed and v.landed


def test_simulator_stores_only_what_the_checks_allow():
    """The simulator's mission command table is ArduCopter's; the mission checks refuse the rest."""
    from dronepatrol.mission import ARDUCOPTER_MISSION_COMMANDS
    from dronepatrol.sim.mission_items import COMMANDS

    assert set(COMMANDS) <= ARDUCOPTER_MISSION_COMMANDS
    assert 195 not in COMMANDS and 197 not in COMMANDS  # DO_SET_ROI_LOCATION / _NONE: commands only


def test_speed_change_does_not_survive_a_reboot():
    from dronepatrol.sim import auto

    v = make_vehicle()
    auto.do_command(v, M.MAV_CMD_DO_CHANGE_SPEED, {"param1": 1, "param2": 4.0})
    assert v.speed_xy == 4.0 and v.speed_override
    v.reboot()
    assert v.speed_xy == v.params.get("WPNAV_SPEED") / 100.0 and not v.speed_override
