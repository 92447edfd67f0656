"""Pre-flight decisions (core, pure): each check fails on its own and says what to do."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dronepatrol.preflight import (
    DroneSnapshot,
    PreflightLimits,
    ekf_position_ok,
    evaluate,
    gcs_counted,
    mode_name,
    prearm_ok,
)

READY = DroneSnapshot(drone="drone1", link_age_s=0.5, gps_fix=3, satellites=12, battery_pct=98.0, ekf_flags=0x33F,
                      uploaded=True, mission_match=True, fence_match=True, rally_match=True, fence_enable=1.0,
                      fs_gcs_enable=1.0, gcs_sysid=254.0, gcs_sysid_hi=255.0, needs_camera=True, cam1_type=1.0)


def test_a_ready_drone_passes() -> None:
    assert evaluate(READY) == []


@pytest.mark.parametrize(("change", "check", "words"), [
    ({"link_age_s": 7.0}, "link", "last message 7.0 s ago"),
    ({"link_age_s": None}, "link", "no message"),
    ({"uploaded": False}, "mission", "fleet upload DIR"),
    ({"mission_match": False}, "mission", "the mission on board differs from the last verified upload"),
    ({"fence_match": None}, "fence", "the fence on board could not be read"),
    ({"rally_match": False}, "rally", "rally on board differs"),
    ({"fence_enable": 0.0}, "fence", "FENCE_ENABLE is not 1"),
    ({"gps_fix": 2}, "gps", "no 3D GPS fix yet (2D fix)"),
    ({"gps_fix": 0}, "gps", "no 3D GPS fix yet (no GPS)"),
    ({"satellites": 4}, "gps", "only 4 satellites"),
    ({"battery_pct": 41.0}, "battery", "battery 41 %, below 60 %"),
    ({"battery_pct": None}, "battery", "battery unknown"),
    ({"fs_gcs_enable": 0.0}, "gcs_failsafe", "FS_GCS_ENABLE = 0"),
    ({"gcs_sysid": 255.0, "gcs_sysid_hi": 0.0}, "gcs_failsafe", "vehicle watches 255"),
    ({"ekf_flags": 0x33F | 128}, "position", "no good position estimate"),
    ({"cam1_type": 0.0}, "camera", "--camera-type N' with your camera's trigger (1 servo, 2 relay"),
    ({"armed": True}, "armed", "already armed"),
])
def test_each_check_fails_alone(change: dict, check: str, words: str) -> None:
    found = evaluate(replace(READY, **change))
    assert [f.check for f in found] == [check], found
    assert words in found[0].message and found[0].format().startswith("drone1: ")


def test_no_camera_needed_without_photos() -> None:
    assert evaluate(replace(READY, needs_camera=False, cam1_type=0.0)) == []


def test_battery_threshold_is_a_limit() -> None:
    assert evaluate(replace(READY, battery_pct=45.0), PreflightLimits(min_battery_pct=40.0)) == []


def test_gcs_counted_ranges() -> None:
    assert gcs_counted(254, 254, 255) and gcs_counted(254, 250, 255)
    assert not gcs_counted(254, 255, 0)  # ArduPilot 4.7 default: only 255
    assert gcs_counted(254, 254, None) and not gcs_counted(254, None, None)
    assert not gcs_counted(254, 255, 254)  # _HI below the low end: only MAV_GCS_SYSID counts


def test_ekf_and_prearm_bits() -> None:
    assert ekf_position_ok(0x33F) and not ekf_position_ok(0x0A7) and not ekf_position_ok(None)
    assert not ekf_position_ok(0x33F | 1024)
    assert prearm_ok(0x10000000, 0x10000000) is True and prearm_ok(0x10000000, 0) is False
    assert prearm_ok(0, 0) is None


def test_mode_names() -> None:
    assert [mode_name(m) for m in (0, 3, 4, 6, 9, 17)] == ["STABILIZE", "AUTO", "GUIDED", "RTL", "LAND", "BRAKE"]
    assert mode_name(99) == "MODE 99"


def test_a_drone_away_from_its_planned_launch_site_is_pointed_out_not_refused() -> None:
    from dronepatrol.geo import haversine_m
    from dronepatrol.preflight import LAUNCH_TOLERANCE_M, advisories

    site = (103.6530, 16.0560)
    # one field's pads are 15 m apart: a drone on its neighbour's pad is named
    neighbour = (site[0] + 15 / (111_320 * 0.9610), site[1])
    d = haversine_m(*neighbour, *site)
    assert 14 < d < 16
    snap = replace(READY, home=(*neighbour, 150.0), planned_home=site)
    (w,) = advisories(snap)
    assert w.check == "launch" and w.message.startswith(f"stands {d:.0f} m from the launch site")
    assert "plan from where it stands" in w.message
    assert evaluate(snap) == []  # a warning, not a refusal
    near = replace(READY, home=(site[0] + 5 / 107_000, site[1], 150.0), planned_home=site)
    assert haversine_m(*near.home[:2], *site) < LAUNCH_TOLERANCE_M and advisories(near) == []
    assert advisories(replace(snap, planned_home=None)) == []   # no plan on record
    assert advisories(replace(snap, home=(0.0, 0.0, 0.0))) == []  # no home yet (ArduPilot's 0,0)
