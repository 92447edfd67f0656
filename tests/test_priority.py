"""Patrol priorities: CCTV coverage, incident weighting and decay, incident clusters, the cap."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from dronepatrol.formats.incidents import read_incidents
from dronepatrol.planning.priority import (
    Incident,
    incident_raise,
    incident_weight,
    rank_hotspots,
)
from dronepatrol.zones import load_zone

ROOT = Path(__file__).resolve().parent.parent
ROIET = ROOT / "geofences" / "roiet.geojson"
FIXTURES = Path(__file__).parent / "fixtures" / "patrol"
ICT = timezone(timedelta(hours=7))
NOW = datetime(2026, 5, 10, 12, 0, tzinfo=ICT)


@pytest.fixture(scope="module")
def zone():
    return load_zone(ROIET)


def by_name(ranked, name: str):
    return next(r for r in ranked.hotspots if r.name == name)


def test_incident_weight_halves_each_week() -> None:
    assert incident_weight(NOW, NOW) == 1.0
    assert incident_weight(NOW - timedelta(days=7), NOW) == pytest.approx(0.5)
    assert incident_weight(NOW - timedelta(days=14), NOW) == pytest.approx(0.25)
    assert incident_weight(NOW + timedelta(days=2), NOW) == 1.0  # future report: full weight
    assert incident_weight(NOW - timedelta(days=91), NOW) == 0.0


def test_incident_raise_rounds_half_up_and_caps_at_two() -> None:
    assert incident_raise([]) == 0
    assert incident_raise([0.49]) == 0
    assert incident_raise([0.5]) == 1
    assert incident_raise([1.0, 0.4]) == 1
    assert incident_raise([1.0, 0.5]) == 2
    assert incident_raise([1.0] * 5) == 2


def test_cctv_coverage_raises_uncovered_hotspots(zone) -> None:
    ranked = rank_hotspots(zone)
    bangkok = by_name(ranked, "Bangkok Bank Roi Et")  # CCTV 01 (working, 60 m) is 24 m away
    assert (bangkok.base_priority, bangkok.priority) == (4, 4)
    assert "watched by working CCTV 'CCTV 01 Ho Nang junction'" in bangkok.reasons[1]
    krungthai = by_name(ranked, "Krungthai Bank Ratchakan Damnoen")  # only a broken camera in range
    assert (krungthai.base_priority, krungthai.priority) == (4, 5)
    assert krungthai.reasons[1] == "+1: no working CCTV covers it ('CCTV 02 gold street' broken)"
    school = by_name(ranked, "Sa Kaeo school")
    assert (school.base_priority, school.priority) == (2, 3)
    gold = by_name(ranked, "Yaowarat gold shop")
    assert gold.priority == 5 and gold.reasons[-1] == "capped at 5"


def test_camera_out_of_range_does_not_cover(tmp_path: Path) -> None:
    doc = json.loads(ROIET.read_text())
    for f in doc["features"]:
        if f["properties"].get("name") == "CCTV 01 Ho Nang junction":
            f["properties"]["range_m"] = 20  # the bank is 24 m away
    path = tmp_path / "zone.geojson"
    path.write_text(json.dumps(doc))
    bangkok = by_name(rank_hotspots(load_zone(path)), "Bangkok Bank Roi Et")
    assert bangkok.priority == 5 and bangkok.reasons[1] == "+1: no working CCTV covers it"


def _inc(lon: float, lat: float, days_ago: float, kind: str = "theft") -> Incident:
    return Incident(lon=lon, lat=lat, time=NOW - timedelta(days=days_ago), type=kind)


def test_incidents_within_100_m_raise_with_decay(zone) -> None:
    # Sa Kaeo school (103.659, 16.0585): base 2, +1 for its broken camera
    fresh = rank_hotspots(zone, [_inc(103.6590, 16.0589, 0.0)], now=NOW)
    school = by_name(fresh, "Sa Kaeo school")
    assert school.priority == 4 and school.incidents == 1
    assert school.reasons[-1].startswith("+1: 1 reported incident within 100 m (weight 1.00")
    old = rank_hotspots(zone, [_inc(103.6590, 16.0589, 10.0)], now=NOW)  # weight 0.37
    school = by_name(old, "Sa Kaeo school")
    assert school.priority == 3 and school.reasons[-1].startswith("no raise:")
    three = rank_hotspots(zone, [_inc(103.6590, 16.0589, d) for d in (0, 1, 2)], now=NOW)
    assert by_name(three, "Sa Kaeo school").priority == 5
    # 150 m away: does not count
    far = rank_hotspots(zone, [_inc(103.6590, 16.05985, 0.0), _inc(103.6591, 16.0599, 0.0)], now=NOW)
    assert by_name(far, "Sa Kaeo school").priority == 3


def test_clusters_far_from_hotspots_become_temporary_hotspots(zone) -> None:
    incs = read_incidents(FIXTURES / "incidents.csv")
    ranked = rank_hotspots(zone, incs, now=NOW)
    temp = [r for r in ranked.hotspots if r.temporary]
    assert len(temp) == 1
    t = temp[0]
    assert t.hotspot.kind == "incident" and t.incidents == 2
    assert t.hotspot.lon == pytest.approx(103.64555, abs=1e-6)
    assert t.hotspot.lat == pytest.approx(16.04885, abs=1e-6)
    # base 3, +1 no camera, 20-day-old reports weigh 0.28 in all: no raise
    assert (t.base_priority, t.priority) == (3, 4)
    assert t.reasons[0].startswith("temporary hotspot: 2 reported incidents (assault, robbery)")
    # the two fresh school reports (weights 0.98 + 0.94) raise the school by 2
    assert by_name(ranked, "Sa Kaeo school").priority == 5
    assert ranked.incidents_ignored == {"alone, far from every hotspot": 1}
    assert ranked.incidents_used == 4


def test_incidents_150_m_apart_do_not_cluster(zone) -> None:
    ranked = rank_hotspots(zone, [_inc(103.6454, 16.0488, 0), _inc(103.6468, 16.0488, 0)], now=NOW)
    assert not any(r.temporary for r in ranked.hotspots)


def test_now_defaults_to_latest_incident(zone) -> None:
    incs = [_inc(103.6590, 16.0589, 30.0)]
    # alone, the report is "today" relative to itself: weight 1
    assert by_name(rank_hotspots(zone, incs), "Sa Kaeo school").priority == 4
    assert by_name(rank_hotspots(zone, incs, now=datetime.now(UTC) + timedelta(days=400)),
                   "Sa Kaeo school").priority == 3
