"""Fleet state and alerts: link lost after 3 s, battery, fence, pre-arm and failsafe texts, and
time to empty against time to home."""

from __future__ import annotations

import pytest

from dronepatrol.telemetry.samples import (
    Battery,
    FenceState,
    Health,
    Heartbeat,
    HomePosition,
    Position,
    Sample,
    StatusText,
)
from dronepatrol.telemetry.state import DroneState, time_to_empty_s


def _s(rec, t=100.0, sysid=1) -> Sample:
    return Sample(t_rx_s=t, system_id=sysid, component_id=1, record=rec)


def _kinds(d: DroneState, now: float) -> set[str]:
    return {a.kind for a in d.view(now).alerts}


def _armed(armed: bool = True, mode: int = 3) -> Heartbeat:
    return Heartbeat(mode=mode, armed=armed, system_status=4, vehicle_type=2)


def test_link_lost_after_three_seconds() -> None:
    d = DroneState("drone1", 1)
    d.apply(_s(_armed()))
    assert d.view(102.9).link == "ok" and "link" not in _kinds(d, 102.9)
    v = d.view(103.5)
    assert v.link == "lost" and [a.level for a in v.alerts if a.kind == "link"] == ["alarm"]


def test_other_system_ids_are_ignored() -> None:
    d = DroneState("drone1", 1)
    assert not d.apply(_s(_armed(), sysid=2))
    assert d.view(100).link == "waiting"


def test_battery_low_and_endurance_against_home() -> None:
    d = DroneState("drone1", 1, cruise_speed_m_s=10.0, endurance_min=25)
    d.apply(_s(_armed()))
    d.apply(_s(HomePosition(lat=16.0, lon=103.0, alt_amsl_m=150)))
    d.apply(_s(Position(boot_ms=1, lat=16.0, lon=103.05, alt_amsl_m=210, alt_rel_m=60, heading_deg=90,
                        ground_speed_m_s=10, climb_m_s=0)))  # about 5.3 km from home
    d.apply(_s(Battery(voltage_v=11.0, current_a=20.0, remaining_pct=20, consumed_mah=2640.0)))
    v = d.view(100.5)
    assert v.home_dist_m == pytest.approx(5346, rel=0.01)
    assert v.time_to_home_s == pytest.approx(v.home_dist_m / 10 + 60 / 1.5)
    assert v.time_to_empty_s == pytest.approx(3300 * 0.2 / 1000 / 20 * 3600)  # 118.8 s
    kinds = {a.kind: a.level for a in v.alerts}
    assert kinds["battery"] == "warning" and kinds["endurance"] == "alarm"


def test_time_to_empty_from_endurance_when_charge_unknown() -> None:
    assert time_to_empty_s(Battery(voltage_v=None, current_a=None, remaining_pct=50), endurance_min=20) == 600.0
    assert time_to_empty_s(None, endurance_min=20) is None


def test_fence_breach_from_fence_status_and_sys_status() -> None:
    d = DroneState("drone1", 1)
    d.apply(_s(_armed()))
    d.apply(_s(Health(prearm_ok=True, fence_enabled=True, fence_ok=True, gps_ok=True)))
    assert d.view(100).fence == "ok"
    d.apply(_s(FenceState(breached=True, breach_count=1)))
    assert d.view(100).fence == "breach" and "fence" in _kinds(d, 100)


def test_prearm_text_alerts_only_while_disarmed_and_recent() -> None:
    d = DroneState("drone1", 1)
    d.apply(_s(_armed(False)))
    d.apply(_s(StatusText(severity=3, text="PreArm: Need Position Estimate")))
    assert "prearm" in _kinds(d, 101)
    assert "prearm" not in _kinds(d, 100 + 31)


def test_failsafe_text_until_cleared() -> None:
    d = DroneState("drone1", 1)
    d.apply(_s(_armed()))
    d.apply(_s(StatusText(severity=2, text="GCS Failsafe")))
    v = d.view(100.1)
    assert [a.text for a in v.alerts if a.kind == "failsafe"] == ["GCS Failsafe"] and v.last_text == "GCS Failsafe"
    d.apply(_s(StatusText(severity=2, text="GCS Failsafe Cleared"), t=101))
    assert "failsafe" not in _kinds(d, 101.1)
