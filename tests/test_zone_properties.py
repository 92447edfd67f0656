"""Property-based: any JSON, any GeoJSON-ish structure: zone check never crashes; exit 0 or 3."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dronepatrol.errors import ZoneError
from dronepatrol.zones import check_zone_text
from dronepatrol.zones.fix import fix_zone_text
from dronepatrol.zones.model import ROLES

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20,
)

lon = st.floats(min_value=-200, max_value=200, allow_nan=False) | st.floats(97, 106)
lat = st.floats(min_value=-100, max_value=100, allow_nan=False) | st.floats(5, 21)
position = st.one_of(
    st.tuples(lon, lat).map(list),
    st.tuples(lat, lon).map(list),
    st.lists(st.one_of(lon, st.text(max_size=3), st.none()), min_size=0, max_size=3),
)
ring = st.lists(position, min_size=0, max_size=8).map(lambda r: r + r[:1] if r and len(r) % 2 else r)
geometry = st.one_of(
    st.builds(lambda c: {"type": "Point", "coordinates": c}, position),
    st.builds(lambda r: {"type": "Polygon", "coordinates": r}, st.lists(ring, max_size=3)),
    st.builds(lambda p: {"type": "MultiPolygon", "coordinates": p}, st.lists(st.lists(ring, max_size=2), max_size=2)),
    st.builds(lambda c: {"type": "LineString", "coordinates": c}, st.lists(position, max_size=4)),
    st.none(),
    json_values,
)
properties = st.fixed_dictionaries(
    {},
    optional={
        "role": st.sampled_from([*ROLES, "nofy", "zones", 3, None]),
        "name": st.text(max_size=8) | st.integers(),
        "radius_m": st.floats(-10, 1e6, allow_nan=False) | st.text(max_size=3),
        "priority": st.integers(-2, 9) | st.floats(allow_nan=False) | st.text(max_size=2),
        "kind": st.sampled_from(["bank", "park", "banks", ""]) | st.integers(),
        "status": st.sampled_from(["working", "broken", "dead"]) | st.none(),
        "range_m": st.floats(allow_nan=False) | st.none(),
        "dwell_s": st.floats(allow_nan=False) | st.text(max_size=2),
        "max_alt_m": st.floats(allow_nan=False) | st.text(max_size=2),
    },
)
feature = st.builds(lambda p, g: {"type": "Feature", "properties": p, "geometry": g}, properties, geometry)
documents = st.one_of(
    st.builds(lambda fs: {"type": "FeatureCollection", "features": fs}, st.lists(feature, max_size=6)),
    feature,
    geometry,
    json_values,
)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_check_never_crashes(doc) -> None:
    text = json.dumps(doc)
    report = check_zone_text(text, "random.geojson")
    assert report.ok == (report.zone is not None and not report.errors)
    if not report.ok:
        assert report.errors, "an invalid file must say why"
    for f in report.findings:
        assert f.format("random.geojson").startswith("random.geojson")


@settings(max_examples=150, deadline=None)
@given(documents)
def test_fix_never_crashes(doc) -> None:
    try:
        result = fix_zone_text(json.dumps(doc), "random.geojson")
    except ZoneError:
        return
    check_zone_text(result.text, "fixed.geojson")  # must not raise either


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(documents)
def test_cli_exit_is_0_or_3(cli, tmp_path_factory, doc) -> None:
    path = tmp_path_factory.mktemp("z") / "z.geojson"
    path.write_text(json.dumps(doc))
    r = cli("zone", "check", path)
    assert r.exit_code in (0, 3), r.stderr
    assert "Traceback" not in r.stderr


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text(text: str) -> None:
    report = check_zone_text(text, "t")
    assert report.zone is None or report.ok
