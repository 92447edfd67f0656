"""Track exports: GPX 1.1 valid against the schema, UTC Z times, the clock named in every file."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dronepatrol.formats import gpx, track_csv, track_geojson, track_kml
from dronepatrol.formats.track_common import iso_utc
from dronepatrol.mavlink.tracks import read_track
from dronepatrol.telemetry.model import Fix, Track
from tests.telemetry.tlogs import flight

XSD = Path(__file__).parent / "fixtures" / "gpx11.xsd"
GPX_NS = {"g": "http://www.topografix.com/GPX/1/1"}


@pytest.fixture(scope="module")
def tracks(tmp_path_factory: pytest.TempPathFactory) -> list[Track]:
    d = tmp_path_factory.mktemp("tl")
    return [read_track(flight(sysid=i, seconds=10, lon0=103.65 + i * 0.001).write(d / f"drone{i}.tlog"))
            for i in (1, 2)]


def test_gpx_validates_against_the_gpx_1_1_schema(tracks: list[Track]) -> None:
    etree = pytest.importorskip("lxml.etree")
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    doc = etree.fromstring(gpx.dumps(tracks).encode())
    schema.assertValid(doc)
    # the schema is really checking: a misplaced element fails
    bad = etree.fromstring(gpx.dumps(tracks).replace("<ele>", "<elevation>").replace("</ele>", "</elevation>")
                           .encode())
    assert not schema.validate(bad)


def test_gpx_content_times_utc_and_clock(tracks: list[Track]) -> None:
    root = ET.fromstring(gpx.dumps(tracks))
    pts = root.findall(".//g:trkpt", GPX_NS)
    assert len(pts) == sum(len(t.fixes) for t in tracks)
    times = [p.find("g:time", GPX_NS).text for p in pts]
    assert all(t.endswith("Z") for t in times)
    assert times[0] == iso_utc(tracks[0].fixes[0].t_s)
    assert float(pts[0].find("g:ele", GPX_NS).text) == pytest.approx(210.0)
    wpts = root.findall("g:wpt", GPX_NS)
    assert len(wpts) == sum(len(t.triggers) for t in tracks) > 0
    assert "vehicle's clock" in root.find("g:metadata/g:desc", GPX_NS).text


def test_gpx_splits_segments_at_gaps() -> None:
    fx = tuple(Fix(t_s=1.7e9 + t, lat=16.0, lon=103.0, alt_amsl_m=200.0, alt_rel_m=50.0) for t in (0, 1, 2, 30, 31))
    root = ET.fromstring(gpx.dumps([Track(drone="d", system_id=1, fixes=fx, triggers=(), time_source="vehicle")]))
    assert [len(s) for s in root.findall(".//g:trkseg", GPX_NS)] == [3, 2]


def test_geojson_linestrings_with_times_and_trigger_points(tracks: list[Track]) -> None:
    doc = json.loads(track_geojson.dumps(tracks))
    lines = [f for f in doc["features"] if f["geometry"]["type"] == "LineString"]
    points = [f for f in doc["features"] if f["properties"]["kind"] == "camera_trigger"]
    assert len(lines) == 2 and len(points) == sum(len(t.triggers) for t in tracks)
    f0 = tracks[0].fixes[0]
    assert lines[0]["geometry"]["coordinates"][0] == [round(f0.lon, 7), round(f0.lat, 7), 210.0]  # [lon, lat, alt]
    assert len(lines[0]["properties"]["times"]) == len(lines[0]["geometry"]["coordinates"])
    assert lines[0]["properties"]["time_source"] == "vehicle" and "vehicle's clock" in doc["properties"]["description"]


def test_csv_rows_for_fixes_and_triggers(tracks: list[Track]) -> None:
    rows = list(csv.DictReader(io.StringIO(track_csv.dumps(tracks))))
    fixes = [r for r in rows if r["kind"] == "fix"]
    assert len(fixes) == sum(len(t.fixes) for t in tracks)
    assert fixes[0]["time_utc"].endswith("Z") and fixes[0]["time_source"] == "vehicle"
    assert float(fixes[0]["t_s"]) == pytest.approx(tracks[0].fixes[0].t_s, abs=1e-3)
    assert {r["img_idx"] for r in rows if r["kind"] == "trigger"} == {str(g.index) for g in tracks[0].triggers}


def test_kml_gx_track(tracks: list[Track]) -> None:
    root = ET.fromstring(track_kml.dumps(tracks))
    ns = {"k": "http://www.opengis.net/kml/2.2", "gx": "http://www.google.com/kml/ext/2.2"}
    trk = root.findall(".//gx:Track", ns)
    assert len(trk) == 2
    whens = trk[0].findall("k:when", ns)
    coords = trk[0].findall("gx:coord", ns)
    assert len(whens) == len(coords) == len(tracks[0].fixes)
    lon, lat, alt = map(float, coords[0].text.split())
    assert (lat, lon, alt) == pytest.approx((tracks[0].fixes[0].lat, tracks[0].fixes[0].lon, 210.0))
    assert "vehicle's clock" in root.find("k:Document/k:description", ns).text

_fix = st.builds(
    lambda t, lat, lon, alt: Fix(t_s=t, lat=lat, lon=lon, alt_amsl_m=alt, alt_rel_m=alt - 100.0),
    st.floats(1.0e9, 4.0e9), st.floats(-90, 90), st.floats(-180, 179.9999999), st.floats(-400, 9000),
)


@settings(max_examples=40, deadline=None)
@given(fixes=st.lists(_fix, min_size=1, max_size=30))
def test_any_track_gives_schema_valid_gpx_and_exact_geojson(fixes: list[Fix]) -> None:
    etree = pytest.importorskip("lxml.etree")
    schema = _schema()
    fixes.sort(key=lambda f: f.t_s)
    track = Track(drone="d<&>\"1", system_id=1, fixes=tuple(fixes), triggers=(), time_source="vehicle")
    doc = etree.fromstring(gpx.dumps([track]).encode())
    assert schema.validate(doc), schema.error_log
    assert len(doc.findall(".//{http://www.topografix.com/GPX/1/1}trkpt")) == len(fixes)
    gj = json.loads(track_geojson.dumps([track]))
    coords = [c for f in gj["features"] for c in (f["geometry"]["coordinates"] if f["geometry"]["type"] == "LineString"
                                                   else [f["geometry"]["coordinates"]])]
    assert [(c[0], c[1]) for c in coords] == [(round(f.lon, 7), round(f.lat, 7)) for f in fixes]
    ET.fromstring(track_kml.dumps([track]))  # well-formed with any name


_SCHEMA: list = []


def _schema():
    if not _SCHEMA:
        etree = pytest.importorskip("lxml.etree")
        _SCHEMA.append(etree.XMLSchema(etree.parse(str(XSD))))
    return _SCHEMA[0]
