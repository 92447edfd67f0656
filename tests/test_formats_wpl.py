"""QGC WPL 110: round trips, Mission Planner's and MAVProxy's layouts, MAVProxy can load ours."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dronepatrol.errors import MissionFileError
from dronepatrol.formats.wpl import dumps_wpl, loads_wpl
from dronepatrol.mission import Cmd, Mission
from tests.missionfixtures import FIXTURES, assert_same_items, legal_missions, missions_st


@settings(max_examples=60, deadline=None)
@given(missions_st(with_fence=False))
def test_random_missions_round_trip_to_1e7_degree(m):
    (back,) = loads_wpl(dumps_wpl(m), f"x/{m.file_stem}.waypoints")
    assert (back.drone, back.sortie) == (m.drone, m.sortie)
    assert abs(back.home.lon - m.home.lon) <= 1e-7 and abs(back.home.lat - m.home.lat) <= 1e-7
    assert back.home.alt_amsl_m == m.home.alt_amsl_m
    assert_same_items(back.items, m.items, deg=1e-7)


def test_home_is_row_0_and_coordinates_have_10_decimals():
    m = legal_missions()[0]
    lines = dumps_wpl(m).splitlines()
    assert lines[0] == "QGC WPL 110"
    assert lines[1].split("\t") == ["0", "1", "0", "16", "0.0", "0.0", "0.0", "0.0", "16.0563000000",
                                    "103.6488000000", "140.0", "1"]
    row = lines[3].split("\t")
    assert row[:4] == ["2", "0", "3", "16"] and row[7] == "NaN" and row[8] == "16.0575000000"
    assert len(lines) == len(m.items) + 2


def test_mavproxy_wp_load_reads_our_file(tmp_path):
    mavwp = pytest.importorskip("pymavlink.mavwp")
    m = legal_missions()[2]
    path = tmp_path / "drone3.waypoints"
    path.write_text(dumps_wpl(m))
    loader = mavwp.MAVWPLoader()
    assert loader.load(str(path)) == len(m.items) + 1
    wp = loader.wp(2)
    assert (wp.command, wp.frame, wp.seq) == (16, 3, 2)
    assert abs(wp.x - m.items[1].lat) < 1e-9 and abs(wp.y - m.items[1].lon) < 1e-9
    assert loader.wp(4).command == Cmd.DO_JUMP and loader.wp(4).param1 == 2


def test_mission_planner_layout_loads():
    path = FIXTURES / "missionplanner.waypoints"
    text = path.read_bytes().decode()
    assert "\r\n" in text  # Mission Planner writes CRLF
    (m,) = loads_wpl(text, str(path))
    assert (m.home.lon, m.home.lat, m.home.alt_amsl_m) == (103.6488, 16.0563, 141.5)
    assert [i.command for i in m.items] == [22, 16, 16, 19, 201, 177, 20]
    assert m.items[2].params[0] == 5 and m.items[3].params == (20.0, 0.0, 0.0, 1.0)
    assert m.items[5].params[:2] == (2.0, 1.0)
    assert m.drone == "missionplanner"


def test_mavproxy_layout_loads_with_comments():
    path = FIXTURES / "mavproxy.waypoints"
    (m,) = loads_wpl(path.read_text(), str(path))
    assert (m.home.lon, m.home.lat) == (103.6555, 16.051)
    assert [i.command for i in m.items] == [22, 16, 206, 16, 206, 21]
    assert m.items[2].params[0] == 20.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("QGC WPL 100\n", "line 1: version '100' is not supported"),
        ("waypoints\n", "line 1: header is 'waypoints', not 'QGC WPL 110'"),
        ("QGC WPL 110\n", "no rows — row 0 must be home"),
        ("QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t16.05\t103.65\t140\t1\n1\t0\t3\t16\t0\t0\t0\n",
         "m.waypoints: line 3: 7 values — give 12 tab-separated values"),
        ("QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t16.05\t103.65\t140\t1\n\n2\t0\t3\t16\t0\t0\t0\t0\t16\t103\t5\t1\n",
         "line 4: item number 2, expected 1"),
        ("QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t16.05\t103.65\t140\t1\n1\t0\t3\t16\tx\t0\t0\t0\t16\t103\t5\t1\n",
         "line 3: 'x' is not a number"),
        ("QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t103.65\t16.05\t140\t1\n",
         "line 2 (home): latitude 103.65 / longitude 16.05 out of range"),
    ],
)
def test_bad_files_name_the_line(text, expected):
    with pytest.raises(MissionFileError) as exc:
        loads_wpl(text, "m.waypoints")
    assert expected in str(exc.value)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["0", "1", "16", "3", "nan", "-1e9", "x", "16.05", "103.6", ""]),
                         max_size=14), max_size=6))
def test_parser_fails_only_with_mission_file_errors(rows):
    text = "QGC WPL 110\n" + "\n".join("\t".join(r) for r in rows)
    try:
        (m,) = loads_wpl(text, "f.waypoints")
    except MissionFileError:
        return
    assert isinstance(m, Mission) and all(not math.isinf(i.lat) for i in m.items if i.has_position)
