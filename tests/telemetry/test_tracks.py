"""Tracks from recordings: the vehicle's clock, not the recorder's, gives the times; what the
ground station sent is in the recording but never in the track; damage is read around."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dronepatrol.errors import InputError
from dronepatrol.mavlink.tlog import iter_tlog, stamp_us
from dronepatrol.mavlink.tracks import iter_samples, read_track, read_tracks, replay_views
from dronepatrol.telemetry.samples import Position
from tests.telemetry.tlogs import RX0_US, UNIX0_US, flight


def test_track_times_come_from_the_vehicle_clock(tmp_path: Path) -> None:
    f = flight(seconds=20, speedup=10.0)
    track = read_track(f.write(tmp_path / "drone1.tlog"))
    assert track.time_source == "vehicle" and track.drone == "drone1" and track.system_id == 1
    assert len(track.fixes) == len(f.fixes)
    for fix, (t, lat, lon, alt) in zip(track.fixes, f.fixes, strict=True):
        assert fix.t_s == pytest.approx(t, abs=1e-6)
        assert (fix.lat, fix.lon, fix.alt_amsl_m) == pytest.approx((lat, lon, alt), abs=1e-7)
    # 20 s of vehicle time, although the recorder saw only 2 s go by (speed-up 10)
    assert track.span_s[1] - track.span_s[0] == pytest.approx(20 - 0.2, abs=1e-6)
    assert [g.index for g in track.triggers] == [i for _, i in f.shots]
    assert [g.t_s for g in track.triggers] == pytest.approx([t for t, _ in f.shots])
    assert abs(track.fixes[0].t_s - RX0_US / 1e6) > 1e6  # not the recorder's clock


def test_without_system_time_the_recorder_clock_is_used_and_said(tmp_path: Path) -> None:
    f = flight(seconds=4, system_time=False)
    track = read_track(f.write(tmp_path / "d.tlog"))
    assert track.time_source == "receiver"
    assert track.fixes[0].t_s == pytest.approx(RX0_US / 1e6, abs=1e-3)


def test_a_reboot_starts_a_new_epoch(tmp_path: Path) -> None:
    a = flight(seconds=12)
    b = flight(seconds=4)  # boots again from the same boot time, 1000 s of UTC later
    shift_rx, shift_utc = 500_000_000, 1000 * 10**6
    from pymavlink.dialects.v20 import ardupilotmega as M

    mav = M.MAVLink(None, 1, 1)
    recs = list(a.records)
    for t, p in b.records:
        msg = mav.decode(bytearray(p))
        if msg.get_type() == "SYSTEM_TIME":
            p = mav.system_time_encode(msg.time_unix_usec + shift_utc, msg.time_boot_ms).pack(mav)
        recs.append((t + shift_rx, p))
    path = tmp_path / "reboot.tlog"
    path.write_bytes(b"".join(stamp_us(t) + p for t, p in recs))
    track = read_track(path)
    assert track.time_source == "vehicle"
    assert len(track.fixes) == len(a.fixes) + len(b.fixes)
    assert track.fixes[len(a.fixes)].t_s == pytest.approx(b.fixes[0][0] + 1000, abs=1e-6)


def test_both_directions_are_in_the_recording_but_only_the_vehicle_in_the_track(tmp_path: Path) -> None:
    f = flight(seconds=6)
    path = f.write(tmp_path / "d.tlog")
    packets = [r.packet for r in iter_tlog(path)]
    assert all(p in packets for p in f.sent) and f.sent
    senders = {s.system_id for s in iter_samples(path)}
    assert senders == {1}  # the GCS HEARTBEAT (254) is not a vehicle sample
    assert len(read_tracks(path)) == 1


def test_truncated_recording_gives_the_track_up_to_the_damage(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    f = flight(seconds=10)
    data = b"".join(stamp_us(t) + p for t, p in f.records)
    path = tmp_path / "cut.tlog"
    path.write_bytes(data[: len(data) - 7])
    track = read_track(path)
    assert len(track.fixes) >= len(f.fixes) - 1
    assert track.warnings and "truncated at byte" in track.warnings[0]
    assert "truncated at byte" in caplog.text


def test_session_json_names_the_drone(tmp_path: Path) -> None:
    f = flight(sysid=2, seconds=2)
    path = f.write(tmp_path / "x.tlog")
    (tmp_path / "session.json").write_text(json.dumps({"drones": [{"name": "alpha", "system_id": 2,
                                                                    "file": "x.tlog"}]}))
    assert read_track(path).drone == "alpha"
    with pytest.raises(InputError, match="system id 3"):
        read_track(path, system_id=3)


def test_not_a_tlog_is_an_input_error(tmp_path: Path) -> None:
    p = tmp_path / "notes.tlog"
    p.write_bytes(b"hello, this is not a recording at all" * 20)
    with pytest.raises(InputError, match="no readable MAVLink record"):
        read_track(p)
    with pytest.raises(InputError, match="file not found"):
        read_track(tmp_path / "missing.tlog")


def test_iter_samples_over_messages_is_the_same_decoder(tmp_path: Path) -> None:
    from pymavlink.dialects.v20 import ardupilotmega as M

    mav = M.MAVLink(None, 1, 1)
    msg = mav.global_position_int_encode(1000, 160500000, 1036500000, 150000, 10000, 0, 0, 0, 65535)
    (s,) = list(iter_samples([(5.0, msg)]))
    assert s.t_rx_s == 5.0 and isinstance(s.record, Position) and s.record.heading_deg is None


def test_replay_views_step_through_the_recording(tmp_path: Path) -> None:
    paths = [flight(sysid=i, seconds=10, speedup=1.0).write(tmp_path / f"drone{i}.tlog") for i in (1, 2)]
    views = list(replay_views(paths, step_s=0.5))
    assert len(views) >= 19
    assert views[0].t_s == pytest.approx(RX0_US / 1e6)
    last = views[-1]
    assert [d.name for d in last.drones] == ["drone1", "drone2"]
    assert all(d.link == "ok" and d.mode == "AUTO" and d.armed for d in last.drones)
    assert last.drones[1].system_id == 2 and last.drones[1].photos == 5
    assert UNIX0_US  # the vehicle clock plays no part in link ages
