"""The .tlog reader: whole records back in order, damage skipped and reported with its byte offset,
and a recorder killed with SIGKILL leaves a file that parses to its last whole record."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dronepatrol.mavlink.tlog import TlogDamage, iter_messages, iter_tlog, iter_tlog_bytes, stamp_us
from tests.telemetry.tlogs import flight

FLIGHT = flight(seconds=6)
BLOB = b"".join(stamp_us(t) + p for t, p in FLIGHT.records)
OFFSETS = []
_o = 0
for _t, _p in FLIGHT.records:
    OFFSETS.append(_o)
    _o += 8 + len(_p)


def _read(data: bytes) -> tuple[list, list[TlogDamage]]:
    damage: list[TlogDamage] = []
    return list(iter_tlog_bytes(data, on_damage=damage.append)), damage


def test_round_trip_keeps_every_record_in_order(tmp_path: Path) -> None:
    path = FLIGHT.write(tmp_path / "a.tlog")
    recs = list(iter_tlog(path, on_damage=None))
    assert [(r.t_us & ~3, r.packet) for r in recs] == [(t & ~3, p) for t, p in FLIGHT.records]
    assert [r.offset for r in recs] == OFFSETS


def test_truncated_file_reads_to_the_last_whole_record_and_names_the_offset(tmp_path: Path) -> None:
    cut = OFFSETS[40] + 11  # inside record 40
    recs, damage = _read(BLOB[:cut])
    assert len(recs) == 40
    assert [d.kind for d in damage] == ["truncated"] and damage[0].offset == OFFSETS[40]
    assert f"byte {OFFSETS[40]}" in damage[0].message


def test_corrupt_record_is_skipped_and_reading_resumes(tmp_path: Path) -> None:
    data = bytearray(BLOB)
    k = 30
    data[OFFSETS[k] + 8 : OFFSETS[k] + 14] = b"\x00\xff\x13\x37\x00\x00"  # the frame header of record 30
    recs, damage = _read(bytes(data))
    got = [r.offset for r in recs]
    assert got == OFFSETS[:k] + OFFSETS[k + 1 :]
    assert damage and damage[0].kind == "corrupt" and damage[0].offset == OFFSETS[k]
    assert f"corrupt data at byte {OFFSETS[k]}" in damage[0].message


def test_payload_bit_flip_is_reported_by_the_decoder(tmp_path: Path) -> None:
    data = bytearray(BLOB)
    k = 12
    data[OFFSETS[k] + 8 + 12] ^= 0x40  # a payload byte: the framing holds, the checksum does not
    path = tmp_path / "flip.tlog"
    path.write_bytes(bytes(data))
    damage: list[TlogDamage] = []
    msgs = list(iter_messages(path, on_damage=damage.append))
    assert len(msgs) == len(FLIGHT.records) - 1
    assert [d.offset for d in damage] == [OFFSETS[k]]


def test_garbage_before_and_between_records(tmp_path: Path) -> None:
    junk = bytes(range(256)) * 3
    data = junk + BLOB[: OFFSETS[20]] + junk + BLOB[OFFSETS[20] :]
    recs, damage = _read(data)
    assert len(recs) == len(FLIGHT.records)
    assert [d.offset for d in damage] == [0, len(junk) + OFFSETS[20]]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(0, len(BLOB)), flips=st.lists(st.tuples(st.integers(0, len(BLOB) - 1), st.integers(1, 255)),
                                                      max_size=4))
def test_any_damage_never_raises_and_keeps_records_away_from_it(cut: int, flips: list[tuple[int, int]]) -> None:
    data = bytearray(BLOB[:cut])
    for pos, x in flips:
        if pos < len(data):
            data[pos] ^= x
    recs, damage = _read(bytes(data))
    originals = {(o, t, p) for o, (t, p) in zip(OFFSETS, FLIGHT.records, strict=True)}
    first_bad = min([p for p, _ in flips if p < cut] + [cut])
    whole_before = [o for o, (_t, p) in zip(OFFSETS, FLIGHT.records, strict=True) if o + 8 + len(p) <= first_bad]
    got = {r.offset for r in recs}
    assert set(whole_before) <= got  # nothing before the first damaged byte is lost
    offs = [r.offset for r in recs]
    assert offs == sorted(offs)
    # a record the reader returns at an original offset is the original one, or it overlaps damage
    for r in recs:
        if (r.offset, r.t_us, r.packet) not in originals:
            assert any(r.offset <= p < r.offset + 8 + len(r.packet) for p, _ in flips) or r.offset >= first_bad
    if cut == len(BLOB) and not flips:
        assert not damage and len(recs) == len(OFFSETS)


WRITER = """
import sys, time
from dronepatrol.mavlink.tlog import TlogWriter
from tests.telemetry.tlogs import flight
recs = flight(seconds=2000, rate_hz=5, shot_every=0).records
w = TlogWriter(sys.argv[1], fsync_s=1.0)
print("ready", flush=True)
i = 0
while True:
    t, p = recs[i % len(recs)]
    w.write(p, t_us=t + (i // len(recs)) * 10**9)
    i += 1
    if i % 50 == 0:
        time.sleep(0.001)
"""


def test_recorder_killed_with_sigkill_parses_to_its_last_whole_record(tmp_path: Path) -> None:
    path = tmp_path / "killed.tlog"
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(1.5)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    damage: list[TlogDamage] = []
    recs = list(iter_tlog(path, on_damage=damage.append))
    assert len(recs) > 500
    assert all(d.kind == "truncated" for d in damage)  # at worst, an incomplete last record
    assert sum(8 + len(r.packet) for r in recs) + sum(d.length for d in damage) == path.stat().st_size
    # and pymavlink's own reader opens it
    from pymavlink import mavutil

    m = mavutil.mavlink_connection(str(path))
    n = 0
    while m.recv_match() is not None:
        n += 1
    assert n >= len(recs) - 1


def test_written_data_is_fsynced_within_a_second_even_when_nothing_more_comes(tmp_path: Path, monkeypatch) -> None:
    import os as _os

    from dronepatrol.mavlink import tlog

    synced: list[int] = []
    real = _os.fsync
    monkeypatch.setattr(tlog.os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    w = tlog.TlogWriter(tmp_path / "idle.tlog")
    try:
        w.write(FLIGHT.records[0][1], t_us=FLIGHT.records[0][0])  # one packet, then silence (link lost)
        assert not synced
        time.sleep(1.6)
        assert synced  # the flusher synced it without another write
        n = len(synced)
        time.sleep(0.6)
        assert len(synced) == n  # nothing new written: no needless fsync
    finally:
        w.close()


def test_a_clock_step_of_the_recorder_is_not_damage() -> None:
    half = len(FLIGHT.records) // 2
    shifted = [(t - (2 * 3600 * 10**6 if i >= half else 0), p) for i, (t, p) in enumerate(FLIGHT.records)]
    recs, damage = _read(b"".join(stamp_us(t) + p for t, p in shifted))
    assert not damage and len(recs) == len(FLIGHT.records)
    assert recs[half].t_us == shifted[half][0] & ~3


def test_a_packet_after_close_is_dropped_and_the_file_stays_whole(tmp_path: Path) -> None:
    from dronepatrol.mavlink.tlog import TlogWriter

    packets = [raw for _t, raw in flight(seconds=2.0).records]
    w = TlogWriter(tmp_path / "late.tlog")
    for raw in packets[:3]:
        w.write(raw, t_us=1_700_000_000_000_000)
    w.close()
    w.write(packets[3], t_us=1_700_000_000_000_004)  # a link still delivering as the recording ends
    assert w.records == 3
    assert len(list(iter_tlog(tmp_path / "late.tlog"))) == 3
