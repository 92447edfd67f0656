"""Placing a fleet's photos: drones from folders or from alignment, offsets, problems."""

from __future__ import annotations

import random

import pytest

from dronepatrol.errors import UsageError
from dronepatrol.geotag.locate import PhotoTime, locate
from dronepatrol.planning.camera import CAMERAS
from dronepatrol.telemetry.model import Track
from tests.photos.helpers import START, dist_m, make_track

CAM = CAMERAS["dji-mavic3e"]


def photos_of(track: Track, *, offset_s: float, group: str, drone: str | None = None, skip=(), extras=()):
    """Photo times on a camera clock ``offset_s`` ahead of the vehicle (photo + (-offset) = vehicle)."""
    times = [(f"{group}/t{g.index:03d}", g.t_s) for g in track.triggers if g.index not in skip]
    times += [(f"{group}/x{k}", t) for k, t in enumerate(extras)]
    return [PhotoTime(key=k, t_s=t + offset_s, group=group, drone=drone, camera=CAM) for k, t in times]


def test_known_drone_offset_and_trigger_positions():
    tr = make_track("drone1")
    extra = tr.triggers[5].t_s + 0.9  # a hand photo between two shots
    photos = photos_of(tr, offset_s=37.0, group="drone1", drone="drone1", skip={3, 8}, extras=(extra,))
    res = locate(photos, [tr])
    (g,) = res.groups
    assert g.drone == "drone1" and g.offset_s == pytest.approx(-37.0, abs=1e-6) and g.offset_source == "auto"
    assert g.unmatched_triggers == (3, 8) and g.unmatched_photos == ("drone1/x0",)
    assert g.matched == len(tr.triggers) - 2 and g.residual_max_s < 1e-6
    by_key = {p.key: p for p in res.placements}
    trig = {t.index: t for t in tr.triggers}
    for key, p in by_key.items():
        if p.method == "trigger":
            t = trig[p.trigger_index]
            assert key == f"drone1/t{t.index:03d}" and (p.lat, p.lon) == (t.lat, t.lon)
            assert p.footprint is not None and len(p.footprint) == 5
    hand = by_key["drone1/x0"]
    assert hand.method == "interpolated" and hand.residual_s is None
    # 0.9 s after shot 6 at 10 m/s: 9 m further along the lane, 11 m before shot 7
    assert dist_m(hand.lon, hand.lat, trig[6].lon, trig[6].lat) == pytest.approx(9.0, abs=0.01)
    assert dist_m(hand.lon, hand.lat, trig[7].lon, trig[7].lat) == pytest.approx(11.0, abs=0.01)
    assert res.problems == ()


def test_flat_folder_mixing_two_drones_is_split_by_alignment():
    """Both drones' photos in one folder, one camera clock each (both 12 s fast here): every photo
    placed is on its own drone's shot; a photo that could be either drone's is reported, never guessed."""
    rng = random.Random(4)
    d1 = make_track("drone1", start_s=START)
    d2 = make_track("drone2", start_s=START + 13.37, north0_m=300.0, trigger_m=17.0, system_id=2)
    photos = [PhotoTime(key=f"{tr.drone}-{g.index:03d}", t_s=g.t_s + 12.0 + rng.uniform(-0.01, 0.01), group="card")
              for tr in (d1, d2) for g in tr.triggers if (tr.drone, g.index) != ("drone1", 2)]
    res = locate(photos, [d1, d2])
    drones = {g.drone: g for g in res.groups if g.drone}
    assert set(drones) == {"drone1", "drone2"}
    assert drones["drone1"].offset_s == pytest.approx(-12.0, abs=0.01)
    assert drones["drone2"].offset_s == pytest.approx(-12.0, abs=0.01)
    assert all(p.key.startswith(p.drone + "-") and p.method == "trigger" for p in res.placements)
    assert all(int(p.key[-3:]) == p.trigger_index for p in res.placements)
    assert len(res.placements) + len(res.problems) == len(photos)
    assert all("ambiguous" in p.reason for p in res.problems)
    assert len(res.placements) >= 0.8 * len(photos)


def test_given_offset_interpolates_and_reports_outside_and_ambiguous():
    d1 = make_track("drone1")
    d2 = make_track("drone2", start_s=START + 60.0, system_id=2)
    span_end = d1.fixes[-1].t_s
    photos = [
        PhotoTime(key="early", t_s=START + 10.0 - 100.0, group="card"),  # only drone1 flying
        PhotoTime(key="both", t_s=START + 70.0 - 100.0, group="card"),  # both flying
        PhotoTime(key="late", t_s=span_end + 500.0 - 100.0, group="card"),  # after everything
    ]
    res = locate(photos, [d1, d2], offset_s=100.0)
    assert [p.key for p in res.placements] == ["early"]
    early = res.placements[0]
    assert early.drone == "drone1" and early.method == "interpolated" and early.t_s == pytest.approx(START + 10.0)
    reasons = {p.key: p.reason for p in res.problems}
    assert "ambiguous" in reasons["both"] and "drone1 and drone2" in reasons["both"]
    assert "outside every flight" in reasons["late"]


def test_no_triggers_needs_an_offset():
    tr = make_track("drone1")
    bare = Track(drone="drone1", system_id=1, fixes=tr.fixes, triggers=(), time_source="vehicle")
    with pytest.raises(UsageError, match="--offset SECONDS"):
        locate(photos_of(tr, offset_s=0.0, group="g"), [bare])


def test_unknown_drone_folder_and_log_gap():
    tr = make_track("drone1")
    gap = Track(drone="drone1", system_id=1, fixes=tr.fixes[:50] + tr.fixes[100:], triggers=(), time_source="vehicle")
    inside_gap = (tr.fixes[50].t_s + tr.fixes[99].t_s) / 2
    photos = [PhotoTime(key="a", t_s=inside_gap, group="drone1", drone="drone1"),
              PhotoTime(key="b", t_s=START, group="drone9", drone="drone9")]
    res = locate(photos, [gap], offset_s=0.0)
    reasons = {p.key: p.reason for p in res.problems}
    assert "gap" in reasons["a"] and "no log for drone 'drone9'" in reasons["b"]


def test_same_photos_claimed_by_two_identical_flights_is_ambiguous():
    d1 = make_track("drone1")
    d2 = make_track("drone2", north0_m=500.0, system_id=2)  # the same timing, elsewhere
    res = locate(photos_of(d1, offset_s=5.0, group="card"), [d1, d2])
    assert not res.placements
    assert res.problems and all("ambiguous" in p.reason for p in res.problems)


def test_footprint_is_the_camera_ground_rectangle_along_the_heading():
    tr = make_track("drone1")  # 60 m above home; first lane flown east (heading 90)
    res = locate(photos_of(tr, offset_s=0.0, group="drone1", drone="drone1"), [tr])
    p = res.placements[0]
    ring = p.footprint
    assert ring[0] == ring[-1] and len(ring) == 5
    across, along = 84.46, 63.28  # dji-mavic3e at 60 m: 60 x 17.3 / 12.29 and x 3956 / 5280
    sides = [dist_m(*ring[k], *ring[k + 1]) for k in range(4)]
    assert sides[0] == pytest.approx(across, abs=0.05) and sides[1] == pytest.approx(along, abs=0.05)
    # flying east, the long side lies across the flight: north-south
    (lon0, lat0), (lon1, lat1) = ring[0], ring[1]
    assert abs(lon1 - lon0) < 1e-6 and abs(lat1 - lat0) > 5e-4
    centre = (sum(c[0] for c in ring[:4]) / 4, sum(c[1] for c in ring[:4]) / 4)
    assert dist_m(*centre, p.lon, p.lat) < 0.01
