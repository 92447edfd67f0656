"""Incidents CSV reader: variants accepted, errors name file, line and column; never crashes."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dronepatrol.errors import InputError
from dronepatrol.formats.incidents import parse_incidents, parse_time, read_incidents

FIXTURES = Path(__file__).parent / "fixtures" / "patrol"


def test_reads_fixture_with_times_in_thai_time_when_no_zone() -> None:
    incs = read_incidents(FIXTURES / "incidents.csv")
    assert len(incs) == 5
    first, second, *_, last = incs
    assert (first.lat, first.lon, first.type) == (16.0586, 103.6589, "theft")
    assert first.description == "bag snatched near the school gate"
    assert second.time.utcoffset() == timedelta(hours=7)
    assert second.time.isoformat() == "2026-05-09T20:30:00+07:00"
    assert last.time.utcoffset() == timedelta(0)
    assert (first.line, last.line) == (2, 6)


def test_header_variants_semicolons_decimal_commas_and_buddhist_years() -> None:
    incs = read_incidents(FIXTURES / "variants.csv")
    assert len(incs) == 1
    i = incs[0]
    assert (i.lat, i.lon, i.type, i.description) == (16.05, 103.65, "theft", "ok")
    assert i.time.isoformat() == "2026-05-01T21:30:00+07:00"


def test_bom_case_tabs_and_optional_columns() -> None:
    text = "\ufeffLAT\tLng\tDateTime\n 16.1 \t103.7\t2026-05-01\n\n"
    (i,) = parse_incidents(text, "t.csv")
    assert i.time.isoformat() == "2026-05-01T00:00:00+07:00" and i.type == "" and i.line == 2


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2026-05-01T14:30:00Z", "2026-05-01T14:30:00+00:00"),
        ("2026-05-01 14:30+07:00", "2026-05-01T14:30:00+07:00"),
        ("2026-05-01T14:30", "2026-05-01T14:30:00+07:00"),
        ("1/5/2026", "2026-05-01T00:00:00+07:00"),
        ("2569-05-01T08:00", "2026-05-01T08:00:00+07:00"),
    ],
)
def test_time_forms(value: str, iso: str) -> None:
    assert parse_time(value).isoformat() == iso


def test_bad_value_names_file_line_and_column() -> None:
    with pytest.raises(InputError) as exc:
        read_incidents(FIXTURES / "bad_lon.csv")
    msg = str(exc.value)
    assert msg.startswith(f"{FIXTURES / 'bad_lon.csv'}: line 3, column 'lon': 'north' is not a number")
    assert "decimal degrees" in msg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lon,time\n1,2026-01-01\n", "x.csv: line 1: no 'lat' column (found 'lon', 'time')"),
        ("lat,lon,time\n103.6,16.05,2026-01-01\n", "x.csv: line 2, column 'lat': latitude 103.6 is not between"
         " -90 and 90 (lat and lon swapped?)"),
        ("lat,lon,time\n16,103,yesterday\n", "x.csv: line 2, column 'time': 'yesterday' is not a time"),
        ("lat,lon,time\n16,103,\n", "x.csv: line 2, column 'time': empty time"),
        ("lat,lon,time\n16,103,2026-01-01,extra\n", "x.csv: line 2: 4 values but the header has 3 columns"),
        ("lat,lon,time\n16,nan,2026-01-01\n", "x.csv: line 2, column 'lon': longitude nan is not between"),
        ("", "x.csv: line 1: empty file"),
    ],
)
def test_errors_say_where_and_what_to_do(text: str, expected: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_incidents(text, "x.csv")
    assert str(exc.value).startswith(expected)


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_incidents(tmp_path / "none.csv")
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(b"lat,lon,time\n16,103,2026-01-01,\xe9\n")
    with pytest.raises(InputError, match=r"latin1.csv: line 2: not UTF-8"):
        read_incidents(bad)


CELL = st.one_of(
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["2026-05-01", "2026-13-01", "31/02/2026", "2026-05-01T25:00", "9999-12-31T23:59-12:00",
                     "0001-01-01T00:00+14:00", "\"", "16,5", "1e308", "-0"]),
)


@settings(max_examples=300, deadline=None)
@given(
    header=st.lists(st.sampled_from(["lat", "LAT", "lon", "lng", "time", "Date", "type", "desc", "x", ""]),
                    max_size=6),
    rows=st.lists(st.lists(CELL, max_size=7), max_size=5),
    delim=st.sampled_from([",", ";", "\t"]),
)
def test_generated_csv_never_crashes(header: list[str], rows: list[list[str]], delim: str) -> None:
    text = "\n".join(delim.join(r) for r in [header, *rows])
    try:
        incs = parse_incidents(text, "gen.csv")
    except InputError as exc:
        assert str(exc).startswith("gen.csv: ")
        return
    for i in incs:
        assert -90 <= i.lat <= 90 and -180 <= i.lon <= 180 and i.time.tzinfo is not None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes(text: str) -> None:
    with contextlib.suppress(InputError):
        parse_incidents(text, "any.csv")
