"""``.tlog`` framing: each record is an 8-byte big-endian UNIX timestamp in microseconds
followed by one raw MAVLink packet (what Mission Planner, MAVExplorer and pymavlink read).

:class:`TlogWriter` is append-only: it never truncates, flushes every write batch and fsyncs at
least every ``fsync_s`` seconds and on close, so a killed recorder loses at most about a second
and the file still parses up to its last whole record.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "a.tlog"
>>> with TlogWriter(p) as w:
...     w.write(b"\\xfd\\x09", t_us=1_700_000_000_000_001)
>>> p.read_bytes()[:8] == (1_700_000_000_000_000).to_bytes(8, "big")
True
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path


def stamp_us(t_us: int) -> bytes:
    """The 8-byte record header for ``t_us`` (microseconds; low 2 bits cleared, as MAVProxy)."""
    return (int(t_us) & ~3).to_bytes(8, "big")


class TlogWriter:
    """Append raw packets to a ``.tlog`` file, durably. Thread-safe."""

    def __init__(self, path: Path | str, *, fsync_s: float = 1.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._f = open(self.path, "ab", buffering=0)  # noqa: SIM115 (closed in close())
        self._lock = threading.Lock()
        self._fsync_s = fsync_s
        self._last_sync = time.monotonic()
        self.records = 0

    def write(self, packet: bytes, *, t_us: int | None = None) -> None:
        """Append one packet stamped ``t_us`` (default: now). Written through at once."""
        t = time.time_ns() // 1000 if t_us is None else t_us
        with self._lock:
            self._f.write(stamp_us(t) + bytes(packet))
            self.records += 1
            now = time.monotonic()
            if now - self._last_sync >= self._fsync_s:
                os.fsync(self._f.fileno())
                self._last_sync = now

    def sync(self) -> None:
        """fsync now."""
        with self._lock:
            if not self._f.closed:
                os.fsync(self._f.fileno())
                self._last_sync = time.monotonic()

    def close(self) -> None:
        with self._lock:
            if not self._f.closed:
                os.fsync(self._f.fileno())
                self._f.close()

    def __enter__(self) -> TlogWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
