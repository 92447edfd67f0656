"""Alignment of photos to camera triggers: missed shots, extra photos, an unknown clock offset."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dronepatrol.geotag.align import align, default_tolerance_s, match_pairs
from dronepatrol.geotag.locate import AMBIGUOUS_RATIO, DECISIVE_PHOTOS


@st.composite
def flights(draw):
    """Trigger times with irregular intervals; photos = the kept triggers shifted by -offset with
    jitter, plus extra photos well away from every trigger; shuffled."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = random.Random(seed)
    n = draw(st.integers(8, 120))
    offset = draw(st.floats(-4000.0, 4000.0))
    drop = draw(st.floats(0.0, 0.3))
    extra = draw(st.floats(0.0, 0.25))
    t = np.cumsum([rng.uniform(1.0, 6.0) for _ in range(n)]) + 1.7e9
    kept = [j for j in range(n) if rng.random() >= drop]
    if len(kept) < 5:
        kept = list(range(5))
    photos = [(t[j] - offset + rng.uniform(-0.05, 0.05), j) for j in kept]
    n_extra = int(extra * len(kept))
    while n_extra:
        x = rng.uniform(t[0] - 30.0, t[-1] + 30.0)
        if np.min(np.abs(t - x)) > 0.6:
            photos.append((x - offset, None))
            n_extra -= 1
    rng.shuffle(photos)
    return t.tolist(), photos, offset


@settings(max_examples=60, deadline=None)
@given(flights())
def test_offset_and_pairs_recovered(case):
    trig, photos, offset = case
    times = [p for p, _ in photos]
    tol = default_tolerance_s(trig, subsecond=True)
    a = align(times, trig, tolerance_s=tol)
    assert abs(a.offset_s - offset) < 0.1
    expected = sorted((i, j) for i, (_, j) in enumerate(photos) if j is not None)
    assert sorted(a.pairs) == expected
    extras = sorted(i for i, (_, j) in enumerate(photos) if j is None)
    assert sorted(a.unmatched_photos) == extras
    matched_triggers = {j for _, j in expected}
    assert sorted(a.unmatched_triggers) == [j for j in range(len(trig)) if j not in matched_triggers]
    assert all(abs(r) < 0.11 for r in a.residuals_s)


def test_regular_shots_off_by_one_is_reported_as_ambiguous():
    trig = [100.0 + 2.0 * k for k in range(30)]
    photos = [t - 37.0 for t in trig]
    a = align(photos, trig, tolerance_s=0.5)
    assert abs(a.offset_s - 37.0) < 1e-9  # the full overlap wins (one more pair)
    assert a.runner_up_offset_s is not None and abs(abs(a.runner_up_offset_s - 37.0) - 2.0) < 1e-6
    assert a.runner_up_ratio > 0.9
    assert a.runner_up_evidence < DECISIVE_PHOTOS  # one pair's worth: nothing decides it


def test_lanes_decide_between_offsets_that_regular_shots_make_close():
    # a survey: 6 lanes of 20 shots 1.6 s apart, 12 s turns between them, a little trigger jitter
    trig = []
    t = 100.0
    for lane in range(6):
        trig += [t + 1.6 * k + 0.01 * ((k * 7 + lane) % 3 - 1) for k in range(20)]
        t = trig[-1] + 12.0
    photos = [x - 37.0 for x in trig]
    a = align(photos, trig, tolerance_s=0.7)
    assert abs(a.offset_s - 37.0) < 0.02 and len(a.pairs) == len(trig)
    assert a.runner_up_offset_s is not None and abs(abs(a.runner_up_offset_s - 37.0) - 1.6) < 0.05
    assert a.runner_up_ratio >= AMBIGUOUS_RATIO  # shifted by one shot, most photos still line up...
    assert a.runner_up_evidence >= DECISIVE_PHOTOS  # ...but every lane's end contradicts it


def test_match_pairs_prefers_more_pairs_then_closer():
    # photo 1 could take trigger 0 (closer) but then photo 0 would be left alone
    assert match_pairs([0.0, 0.1], [0.05, 0.3], 0.0, 0.25) == [(0, 0), (1, 1)]
    assert match_pairs([0.0, 0.02], [0.01], 0.0, 0.25) in ([(0, 0)], [(1, 0)])
    assert match_pairs([], [1.0], 0.0, 0.5) == []


def test_given_offset_is_kept():
    trig = [10.0, 13.0, 17.0]
    a = align([0.0, 3.0, 7.2], trig, tolerance_s=0.5, offset_s=10.0)
    assert a.offset_s == 10.0 and a.pairs == ((0, 0), (1, 1), (2, 2))
    assert [round(r, 6) for r in a.residuals_s] == [0.0, 0.0, 0.2]


def test_no_triggers_gives_no_pairs():
    a = align([1.0, 2.0], [], tolerance_s=0.5)
    assert a.pairs == () and a.unmatched_photos == (0, 1)


def test_tolerance_whole_seconds_and_fast_shots():
    assert default_tolerance_s([0, 4, 8], subsecond=False) == 1.0
    assert default_tolerance_s([0, 4, 8], subsecond=True) == 0.5
    assert abs(default_tolerance_s([0, 0.5, 1.0], subsecond=True) - 0.225) < 1e-12


@pytest.mark.parametrize("seed", range(8))
def test_whole_second_camera_clock(seed):
    """Cameras without sub-seconds truncate to the second: the offset is found within half a second
    and every photo still meets its own trigger."""
    rng = random.Random(seed)
    trig = list(np.cumsum([rng.uniform(2.5, 6.0) for _ in range(60)]) + 1.7e9)
    offset = rng.uniform(-100, 100)
    kept = [j for j in range(60) if rng.random() > 0.2]
    photos = [float(math.floor(trig[j] - offset)) for j in kept]
    a = align(photos, trig, tolerance_s=default_tolerance_s(trig, subsecond=False))
    assert abs(a.offset_s - offset) < 0.6
    assert sorted(j for _, j in a.pairs) == kept


def test_hand_photo_near_a_missed_shot_stays_unmatched():
    rng = random.Random(3)
    trig = list(np.cumsum([rng.uniform(1.5, 3.0) for _ in range(40)]) + 1.7e9)
    photos = [t - 37.0 + rng.uniform(-0.005, 0.005) for k, t in enumerate(trig) if k != 20]
    photos.append(trig[20] - 37.0 + 0.3)  # by hand, 0.3 s after the shot the camera missed
    a = align(photos, trig, tolerance_s=0.5)
    assert abs(a.offset_s - 37.0) < 0.01
    assert a.unmatched_photos == (len(photos) - 1,) and a.unmatched_triggers == (20,)
    assert a.tolerance_s < 0.3
