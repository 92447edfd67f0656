"""``dronepatrol telemetry export`` and ``replay``: exit codes, messages, files."""

from __future__ import annotations

import json
from pathlib import Path

from tests.telemetry.tlogs import flight


def test_export_gpx_writes_the_file_and_says_what(cli, tmp_path: Path) -> None:
    tlog = flight(seconds=6).write(tmp_path / "drone1.tlog")
    out = tmp_path / "out" / "drone1.gpx"
    r = cli("telemetry", "export", tlog, "--format", "gpx", "-o", out)
    assert r.exit_code == 0, r.stderr
    assert out.read_text().startswith("<?xml") and "<trkpt" in out.read_text()
    assert "1 drone(s), 30 positions, 3 photos" in r.stderr and "vehicle clock" in r.stderr


def test_export_json_and_every_format(cli, tmp_path: Path) -> None:
    tlog = flight(seconds=4).write(tmp_path / "drone1.tlog")
    for fmt in ("geojson", "csv", "kml"):
        out = tmp_path / f"t.{fmt}"
        r = cli("telemetry", "export", tlog, "-f", fmt, "-o", out, "--json")
        assert r.exit_code == 0, r.stderr
        assert r.json["format"] == fmt and r.json["drones"][0]["fixes"] == 20 and out.stat().st_size > 0


def test_export_truncated_log_warns_with_the_byte_offset(cli, tmp_path: Path) -> None:
    tlog = flight(seconds=4).write(tmp_path / "drone1.tlog")
    data = tlog.read_bytes()
    tlog.write_bytes(data[:-5])
    r = cli("telemetry", "export", tlog, "-f", "csv", "-o", tmp_path / "t.csv", "--json")
    assert r.exit_code == 0
    assert "truncated at byte" in r.stderr
    assert "truncated at byte" in r.json["drones"][0]["warnings"][0]


def test_export_refuses_to_overwrite_its_input_and_bad_format(cli, tmp_path: Path) -> None:
    tlog = flight(seconds=2).write(tmp_path / "drone1.tlog")
    before = tlog.read_bytes()
    r = cli("telemetry", "export", tlog, "-f", "csv", "-o", tlog)
    assert r.exit_code == 2 and "refusing to overwrite an input file" in r.stderr
    assert tlog.read_bytes() == before
    r = cli("telemetry", "export", tlog, "-f", "shp", "-o", tmp_path / "x")
    assert r.exit_code == 2 and "shp" in r.stderr


def test_export_missing_file_is_exit_3(cli, tmp_path: Path) -> None:
    r = cli("telemetry", "export", tmp_path / "nope.tlog", "-f", "gpx", "-o", tmp_path / "x.gpx")
    assert r.exit_code == 3 and "nope.tlog: file not found" in r.stderr


def test_replay_as_fast_as_possible_prints_json_lines(cli, tmp_path: Path) -> None:
    paths = [flight(sysid=i, seconds=4, speedup=1.0).write(tmp_path / f"drone{i}.tlog") for i in (1, 2, 3)]
    r = cli("telemetry", "replay", *paths, "--speed", "0")
    assert r.exit_code == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(lines) >= 15  # one per 0.25 s of recording
    last = lines[-1]["drones"]
    assert [d["name"] for d in last] == ["drone1", "drone2", "drone3"]
    assert all(d["mode"] == "AUTO" and d["link"] == "ok" for d in last)


def test_export_and_replay_take_a_session_directory(cli, tmp_path: Path) -> None:
    session = tmp_path / "20261201T101500Z"
    session.mkdir()
    for i in (1, 2):
        flight(sysid=i, seconds=2).write(session / f"drone{i}.tlog")
    r = cli("telemetry", "export", session, "-f", "geojson", "-o", tmp_path / "all.geojson", "--json")
    assert r.exit_code == 0, r.stderr
    assert [d["drone"] for d in r.json["drones"]] == ["drone1", "drone2"]
    r = cli("telemetry", "replay", tmp_path, "--speed", "0")
    assert r.exit_code == 3 and "no .tlog recording in this directory" in r.stderr
