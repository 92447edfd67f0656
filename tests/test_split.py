"""Fleet split: balanced shares with transit, sorties within endurance, whole route covered."""

from __future__ import annotations

import math

import pytest
from shapely.geometry import box

from dronepatrol.errors import SafetyError
from dronepatrol.planning.coverage import plan_coverage
from dronepatrol.planning.flight_time import FlightModel
from dronepatrol.planning.paths import SafeSpace
from dronepatrol.planning.split import balance, split_route

FREE = box(0, 0, 1200, 600).difference(box(500, 200, 650, 350))


@pytest.fixture(scope="module")
def route():
    space = SafeSpace(FREE)
    return plan_coverage(FREE, spacing_m=30.0, space=space), space


def test_three_drones_are_balanced_and_cover_everything(route) -> None:
    r, space = route
    bases = [(0.0, 0.0), (1200.0, 0.0), (600.0, 600.0)]
    shares = split_route(r.segments, bases, space=space, models=[FlightModel()] * 3, alt_m=60.0)
    assert {s.drone for s in shares} == {0, 1, 2}
    assert balance(shares, 3) <= 1.10
    # the lanes of all shares add up to the route's lanes (cuts only split them)
    assert sum(sum(math.dist(p[i - 1], p[i]) for i in range(1, len(p))) for s in shares for p in s.lanes) == \
        pytest.approx(r.lane_length_m, rel=1e-6)
    for s in shares:  # each flight starts and ends at its own launch site, along safe paths
        assert s.path[0] == bases[s.drone] and s.path[-1] == bases[s.drone]
        assert all(space.visible(s.path[i - 1], s.path[i]) for i in range(1, len(s.path)))


def test_sorties_fit_the_endurance(route) -> None:
    r, space = route
    limit = 600.0
    shares = split_route(r.segments, [(0.0, 0.0), (1200.0, 0.0)], space=space, models=[FlightModel()] * 2,
                         alt_m=60.0, limits_s=[limit, limit])
    assert max(s.sortie for s in shares) >= 2
    assert all(s.time_s <= limit for s in shares)
    assert balance(shares, 2) <= 1.10


def test_a_piece_beyond_endurance_is_refused(route) -> None:
    r, space = route
    with pytest.raises(SafetyError, match="endurance"):
        split_route(r.segments, [(0.0, 0.0)], space=space, models=[FlightModel()], alt_m=60.0, limits_s=[60.0])


def test_safe_distances_between_point_sets() -> None:
    space = SafeSpace(FREE)
    a = [(100.0, 275.0), (575.0, 100.0)]
    b = [(1000.0, 275.0), (575.0, 500.0), (100.0, 275.0)]
    d = space.distances(a, b)
    assert d.shape == (2, 3)
    for i, p in enumerate(a):
        for j, q in enumerate(b):
            assert d[i, j] == pytest.approx(space.distance(p, q), abs=1e-6)
    assert d[0, 2] == 0.0
