"""``.tlog`` framing: each record is an 8-byte big-endian UNIX timestamp in microseconds
followed by one raw MAVLink packet (what Mission Planner, MAVExplorer and pymavlink read).

:class:`TlogWriter` is append-only: it never truncates, flushes every write batch and fsyncs at
least every ``fsync_s`` seconds and on close, so a killed recorder loses at most about a second
and the file still parses up to its last whole record.

:func:`iter_tlog` reads records back, tolerating damage: corrupt bytes are skipped to the next
whole record and a truncated tail is ignored, each reported with its byte offset
(:class:`TlogDamage`). :func:`iter_messages` decodes them with pymavlink.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "a.tlog"
>>> with TlogWriter(p) as w:
...     w.write(b"\\xfd\\x09", t_us=1_700_000_000_000_001)
>>> p.read_bytes()[:8] == (1_700_000_000_000_000).to_bytes(8, "big")
True
"""

from __future__ import annotations

import functools
import logging
import mmap
import os
import re
import struct
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

log = logging.getLogger(__name__)


def stamp_us(t_us: int) -> bytes:
    """The 8-byte record header for ``t_us`` (microseconds; low 2 bits cleared, as MAVProxy)."""
    return (int(t_us) & ~3).to_bytes(8, "big")


class TlogWriter:
    """Append raw packets to a ``.tlog`` file, durably. Thread-safe.

    Every write goes straight to the file (no user-space buffer); written data is fsynced at
    least every ``fsync_s`` seconds, also when nothing more arrives (a background flusher), and on
    close.
    """

    def __init__(self, path: Path | str, *, fsync_s: float = 1.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._f = open(self.path, "ab", buffering=0)  # noqa: SIM115 (closed in close())
        self._lock = threading.Lock()
        self._fsync_s = fsync_s
        self._last_sync = time.monotonic()
        self._dirty = False
        self.records = 0
        _flusher().add(self)

    def write(self, packet: bytes, *, t_us: int | None = None) -> None:
        """Append one packet stamped ``t_us`` (default: now). Written through at once; a packet
        that arrives after :meth:`close` (a link still delivering while the recording ends) is
        dropped, never an error."""
        t = time.time_ns() // 1000 if t_us is None else t_us
        with self._lock:
            if self._f.closed:
                return
            self._f.write(stamp_us(t) + bytes(packet))
            self.records += 1
            self._dirty = True
            now = time.monotonic()
            if now - self._last_sync >= self._fsync_s:
                os.fsync(self._f.fileno())
                self._last_sync = now
                self._dirty = False

    def sync(self) -> None:
        """fsync now."""
        with self._lock:
            if not self._f.closed:
                os.fsync(self._f.fileno())
                self._last_sync = time.monotonic()
                self._dirty = False

    def _sync_if_due(self, now: float) -> None:
        with self._lock:
            if self._dirty and not self._f.closed and now - self._last_sync >= self._fsync_s:
                os.fsync(self._f.fileno())
                self._last_sync = now
                self._dirty = False

    def close(self) -> None:
        with self._lock:
            if not self._f.closed:
                os.fsync(self._f.fileno())
                self._f.close()
                self._dirty = False
        _flusher().discard(self)

    def __enter__(self) -> TlogWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Flusher:
    """One daemon thread fsyncing every open writer's written data when it is due."""

    PERIOD_S = 0.25

    def __init__(self) -> None:
        self._writers: weakref.WeakSet[TlogWriter] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, w: TlogWriter) -> None:
        with self._lock:
            self._writers.add(w)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="tlog-fsync", daemon=True)
                self._thread.start()

    def discard(self, w: TlogWriter) -> None:
        with self._lock:
            self._writers.discard(w)

    def _run(self) -> None:
        while True:
            time.sleep(self.PERIOD_S)
            with self._lock:
                writers = list(self._writers)
            now = time.monotonic()
            for w in writers:
                try:
                    w._sync_if_due(now)
                except OSError as exc:  # a disk error: say it, keep the others going
                    log.warning("%s: fsync failed: %s", w.path, exc)


@functools.cache
def _flusher() -> _Flusher:
    return _Flusher()


# ----------------------------------------------------------------------------- reading

#: Plausible record stamps: 2000-01-01 .. 2100-01-01 UTC, in microseconds.
T_MIN_US = 946_684_800_000_000
T_MAX_US = 4_102_444_800_000_000
#: A record may be stamped at most this much before the previous one (threads writing both
#: directions, a laptop clock stepped by NTP) or this much after it (a long radio gap).
BACK_US = 3600 * 1_000_000
FORWARD_US = 7 * 86400 * 1_000_000

_V1, _V2 = 0xFE, 0xFD
_MAGIC = re.compile(rb"[\xfd\xfe]")
_TRUNCATED = -1


class TlogRecord(NamedTuple):
    """One record: its stamp ``t_us`` (UNIX microseconds, the recorder's clock), the byte
    ``offset`` of the record in the file, and the raw MAVLink ``packet``."""

    t_us: int
    offset: int
    packet: bytes


@dataclass(frozen=True, kw_only=True)
class TlogDamage:
    """Unreadable bytes in a ``.tlog``: ``kind`` is ``"corrupt"`` (``length`` bytes from
    ``offset`` skipped) or ``"truncated"`` (the file ends inside a record at ``offset``)."""

    path: str
    offset: int
    length: int
    kind: str

    @property
    def message(self) -> str:
        if self.kind == "truncated":
            return (f"{self.path}: truncated at byte {self.offset} (an incomplete last record of "
                    f"{self.length} bytes is ignored); everything before it was read")
        return (f"{self.path}: corrupt data at byte {self.offset} ({self.length} bytes skipped); "
                "reading went on at the next whole record")


DamageHandler = Callable[[TlogDamage], None]


def log_damage(damage: TlogDamage) -> None:
    """Default damage handler: a logged warning naming the file and byte offset."""
    log.warning(damage.message)


_STAMP = struct.Struct(">Q")


def _record_end(data: bytes | mmap.mmap, p: int, n: int, prev_t: int | None) -> int | None:
    """End of the record at ``p``; ``None`` if it cannot start there, ``_TRUNCATED`` if the
    file ends inside it."""
    if p + 10 > n:
        return _TRUNCATED if p < n else None
    t = _STAMP.unpack_from(data, p)[0]
    if not T_MIN_US <= t <= T_MAX_US or (prev_t is not None and not prev_t - BACK_US <= t <= prev_t + FORWARD_US):
        return None
    magic = data[p + 8]
    if magic == _V2:
        if p + 11 > n:
            return _TRUNCATED
        flags = data[p + 10]
        if flags & ~1:
            return None
        end = p + 8 + data[p + 9] + (25 if flags & 1 else 12)
    elif magic == _V1:
        end = p + 16 + data[p + 9]
    else:
        return None
    return _TRUNCATED if end > n else end


def packet_crc_ok(packet: bytes) -> bool:
    """True if ``packet`` (one whole MAVLink 1 or 2 frame) carries a valid checksum for a known
    message (unknown message ids cannot be checked: False)."""
    if len(packet) < 8:
        return False
    if packet[0] == _V2:
        if len(packet) < 12:
            return False
        msg_id = packet[7] | packet[8] << 8 | packet[9] << 16
        body_end = 10 + packet[1]
    else:
        msg_id = packet[5]
        body_end = 6 + packet[1]
    cls = _dialect().mavlink_map.get(msg_id)
    if cls is None or body_end + 2 > len(packet):
        return False
    crc = _dialect().x25crc(bytes(packet[1:body_end]) + bytes([cls.crc_extra])).crc
    return crc == int.from_bytes(packet[body_end : body_end + 2], "little")


def _good_at(data: bytes | mmap.mmap, p: int, n: int, prev_t: int | None) -> int | None:
    """End of a record at ``p`` that is trustworthy: its checksum is valid, or the record after it
    starts where it ends (or the file ends there). ``None`` otherwise."""
    end = _record_end(data, p, n, prev_t)
    if end is None or end == _TRUNCATED:
        return None
    if packet_crc_ok(data[p + 8 : end]):
        return end
    t = int.from_bytes(data[p : p + 8], "big")
    nxt = _record_end(data, end, n, t)
    return end if (end == n or nxt is not None) else None


def iter_tlog(path: Path | str, *, on_damage: DamageHandler | None = log_damage) -> Iterator[TlogRecord]:
    """Every whole record of a ``.tlog`` file, in file order, tolerating damage.

    Corrupt bytes are skipped up to the next whole record and a truncated tail is ignored; each
    is reported to ``on_damage`` (default: a logged warning naming the byte offset). A record is
    trusted when the next one starts right after it, or, when it does not, if its checksum is valid,
    so every whole record before a damaged spot is kept.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.tlog"
    >>> with TlogWriter(p) as w:
    ...     w.write(bytes.fromhex("fe0900010100000000000203000303d598"), t_us=1_700_000_000_000_000)
    >>> [(r.t_us, r.offset, len(r.packet)) for r in iter_tlog(p)]
    [(1700000000000000, 0, 17)]
    """
    path = Path(path)
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            return
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            yield from _iter_records(data, size, str(path), on_damage)


def iter_tlog_bytes(data: bytes, *, source: str = "<bytes>",
                    on_damage: DamageHandler | None = log_damage) -> Iterator[TlogRecord]:
    """:func:`iter_tlog` over bytes already in memory."""
    yield from _iter_records(data, len(data), source, on_damage)


def _iter_records(data: bytes | mmap.mmap, n: int, source: str,
                  on_damage: DamageHandler | None) -> Iterator[TlogRecord]:
    p = 0
    prev_t: int | None = None
    record_end, unpack = _record_end, _STAMP.unpack_from
    end = record_end(data, 0, n, None)
    while p < n:
        if end is not None and end != _TRUNCATED:
            t = unpack(data, p)[0]
            nxt = record_end(data, end, n, t) if end < n else n  # the next record, checked now
            if nxt is None:
                nxt = _clock_step_at(data, end, n)  # the recorder's clock was set, not damage
            if nxt is not None or packet_crc_ok(data[p + 8 : end]):
                yield TlogRecord(t, p, data[p + 8 : end])
                prev_t = t
                p, end = end, nxt
                continue
        elif end == _TRUNCATED:
            if on_damage is not None:
                on_damage(TlogDamage(path=source, offset=p, length=n - p, kind="truncated"))
            return
        if prev_t is not None and (step := _clock_step_at(data, p, n)) is not None:
            prev_t, end = None, step  # a clock step right after damage
            continue
        # resynchronise: the next offset where a trustworthy record starts
        q = _resync(data, p + 1, n, prev_t)
        if on_damage is not None:
            on_damage(TlogDamage(path=source, offset=p, length=q - p, kind="corrupt"))
        p = q
        end = record_end(data, p, n, prev_t) if p < n else None


def _clock_step_at(data: bytes | mmap.mmap, p: int, n: int) -> int | None:
    """End of a record at ``p`` whose stamp jumps (the recording laptop's clock was set), told
    from damage by a valid checksum and a next record that follows on; ``None`` otherwise."""
    end = _record_end(data, p, n, None)
    if end is None or end == _TRUNCATED or not packet_crc_ok(data[p + 8 : end]):
        return None
    if end == n:
        return end
    nxt = _record_end(data, end, n, _STAMP.unpack_from(data, p)[0])
    return end if nxt is not None else None


def _resync(data: bytes | mmap.mmap, start: int, n: int, prev_t: int | None) -> int:
    pos = start + 8
    while True:
        m = _MAGIC.search(data, pos)
        if m is None:
            return n
        q = m.start() - 8
        if q >= start and _good_at(data, q, n, prev_t) is not None:
            return q
        pos = m.start() + 1


def iter_messages(path: Path | str, *, types: Iterable[str] | None = None,
                  on_damage: DamageHandler | None = log_damage) -> Iterator[tuple[int, Any]]:
    """``(t_us, message)`` for every readable MAVLink message of a ``.tlog`` (pymavlink objects).

    ``types`` (message names such as ``"GLOBAL_POSITION_INT"``) limits decoding to those messages,
    which is much faster. A record whose checksum is wrong is reported as corrupt and skipped.
    """
    yield from decode_records(iter_tlog(path, on_damage=on_damage), types=types, source=str(path),
                              on_damage=on_damage)


def decode_records(records: Iterable[TlogRecord], *, types: Iterable[str] | None = None, source: str = "",
                   on_damage: DamageHandler | None = log_damage) -> Iterator[tuple[int, Any]]:
    """Decode ``records`` (see :func:`iter_messages`)."""
    dialect = _dialect()
    mav = dialect.MAVLink(None)
    wanted: frozenset[int] | None = None
    if types is not None:
        ids = {name.upper(): mid for mid, cls in dialect.mavlink_map.items() for name in [cls.msgname]}
        wanted = frozenset(ids[t] for t in types if t in ids)
    decode = mav.decode
    for t_us, offset, packet in records:
        if wanted is not None:
            mid = packet[7] | packet[8] << 8 | packet[9] << 16 if packet[0] == _V2 else packet[5]
            if mid not in wanted:
                continue
        try:
            msg = decode(bytearray(packet))
        except dialect.MAVError:
            if on_damage is not None:
                on_damage(TlogDamage(path=source, offset=offset, length=8 + len(packet), kind="corrupt"))
            continue
        yield t_us, msg


@functools.cache
def _dialect() -> Any:
    from pymavlink.dialects.v20 import ardupilotmega

    return ardupilotmega
