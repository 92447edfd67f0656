"""Camera maths against QGroundControl's CameraCalc formulas, with explicit tolerances."""

from __future__ import annotations

import pytest

from dronepatrol.config import DEFAULT_CAMERA
from dronepatrol.errors import UsageError
from dronepatrol.planning.camera import (
    CAMERAS,
    alt_for_gsd_m,
    footprint_m,
    get_camera,
    gsd_cm_px,
    survey_spacing,
)


def test_default_camera_is_a_preset() -> None:
    assert DEFAULT_CAMERA in CAMERAS
    assert len(CAMERAS) >= 6
    for cam in CAMERAS.values():
        assert cam.sensor_width_mm > cam.sensor_height_mm > 0
        assert cam.image_width_px > cam.image_height_px > 0
        assert cam.focal_length_mm > 0


@pytest.mark.parametrize(
    ("name", "alt_m", "gsd", "side_m", "front_m"),
    [
        # QGC: GSD = alt * sensorW * 100 / (imageW * focal); footprint = image px * GSD / 100
        ("dji-mavic3e", 60.0, 1.59960, 84.459, 63.280),
        ("sony-a6000-16mm", 100.0, 2.44792, 146.875, 97.917),  # QGC preset "Sony a6000 16mm"
        ("sony-rx100-2", 50.0, 1.15975, 63.462, 42.308),  # QGC preset "Sony RX100 II 28mm"
        ("dji-phantom4pro", 100.0, 2.74123, 150.0, 100.0),
    ],
)
def test_gsd_and_footprint_match_qgc(name: str, alt_m: float, gsd: float, side_m: float, front_m: float) -> None:
    cam = CAMERAS[name]
    assert gsd_cm_px(cam, alt_m) == pytest.approx(gsd, abs=1e-4)
    side, front = footprint_m(cam, alt_m)
    assert side == pytest.approx(side_m, abs=0.01)
    assert front == pytest.approx(front_m, abs=0.01)


def test_spacing_and_trigger_from_overlaps() -> None:
    s = survey_spacing(CAMERAS["dji-mavic3e"], alt_m=60.0, front_pct=75.0, side_pct=65.0)
    assert s.lane_spacing_m == pytest.approx(84.459 * 0.35, abs=0.01)  # 29.56 m
    assert s.trigger_distance_m == pytest.approx(63.280 * 0.25, abs=0.01)  # 15.82 m
    assert s.gsd_cm_px == pytest.approx(1.5996, abs=1e-4)


def test_overrides_win_over_overlaps() -> None:
    s = survey_spacing(CAMERAS["dji-mavic3e"], alt_m=60.0, lane_spacing_m=40.0, trigger_distance_m=12.0)
    assert (s.lane_spacing_m, s.trigger_distance_m) == (40.0, 12.0)


@pytest.mark.parametrize("gsd", [0.8, 1.6, 2.5])
def test_alt_for_gsd_round_trip(gsd: float) -> None:
    cam = CAMERAS["dji-mavic3e"]
    assert gsd_cm_px(cam, alt_for_gsd_m(cam, gsd)) == pytest.approx(gsd, rel=1e-12)
    assert alt_for_gsd_m(cam, 1.5996) == pytest.approx(60.0, abs=0.01)


@pytest.mark.parametrize("pct", [-1.0, 100.0, 120.0])
def test_bad_overlap_is_usage_error(pct: float) -> None:
    with pytest.raises(UsageError, match="overlap"):
        survey_spacing(CAMERAS["dji-mavic3e"], alt_m=60.0, side_pct=pct)


def test_unknown_camera_lists_presets() -> None:
    with pytest.raises(UsageError, match="dji-mavic3e"):
        get_camera("gopro-9000")
