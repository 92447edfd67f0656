"""Link faults (loss, latency, scripted cuts) and MAVLink 2 signing for simulated vehicles.

Signing follows ArduPilot (``GCS_Signing.cpp``): once a key is installed the vehicle signs all it
sends (on every port) and, on its secondary (network/radio) ports, accepts unsigned packets only
for RADIO_STATUS and RADIO, while its first port (SERIAL0, USB) accepts unsigned packets too;
SETUP_SIGNING installs a key, an all-zero key with a zero timestamp disables signing.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from dronepatrol.errors import InputError

M = mavlink2
KEY_LEN = 32
#: 1 January 2015, the epoch of MAVLink signing timestamps (10 microsecond units).
SIGNING_EPOCH_S = 1420070400
_UNSIGNED_OK = frozenset({M.MAVLINK_MSG_ID_RADIO_STATUS, getattr(M, "MAVLINK_MSG_ID_RADIO", 166)})


def signing_timestamp(unix_s: float) -> int:
    """MAVLink signing timestamp for UNIX time ``unix_s`` (10 us units since 2015-01-01)."""
    return max(0, int((unix_s - SIGNING_EPOCH_S) * 100_000))


def load_signing_key(path: Path | str) -> bytes:
    """Read a 32-byte signing key file (raw bytes, or 64 hex digits).

    Raises InputError when the file is missing or not a key.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: cannot read signing key ({exc.strerror}) - check the path") from exc
    if len(raw) == KEY_LEN:
        return raw
    text = raw.strip()
    try:
        key = bytes.fromhex(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        key = b""
    if len(key) == KEY_LEN:
        return key
    raise InputError(
        f"{p}: not a signing key: expected {KEY_LEN} bytes (or {2 * KEY_LEN} hex digits), "
        f"found {len(raw)} bytes - create one with `dronepatrol fleet keys init`"
    )


def apply_signing(mav: Any, key: bytes | None, timestamp: int, *, accept_unsigned: bool = False) -> None:
    """Install ``key`` on a pymavlink ``MAVLink`` object as ArduPilot does (None: signing off).

    ``accept_unsigned``: the port takes unsigned packets anyway, as ArduPilot's first port
    (SERIAL0, assumed to be USB) does; other ports take only RADIO_STATUS and RADIO unsigned.
    """
    if key is None:
        mav.signing.secret_key = None
        mav.signing.sign_outgoing = False
        mav.signing.allow_unsigned_callback = None
        return
    mav.signing.secret_key = bytes(key)
    mav.signing.sign_outgoing = True
    mav.signing.link_id = 0
    mav.signing.timestamp = max(int(mav.signing.timestamp or 0), int(timestamp))
    if accept_unsigned:
        mav.signing.allow_unsigned_callback = lambda _mav, _msg_id: True
    else:
        mav.signing.allow_unsigned_callback = lambda _mav, msg_id: msg_id in _UNSIGNED_OK


@dataclass
class LinkFaults:
    """Faults of one vehicle link: ``loss`` probability per packet (both ways), one-way
    ``latency_s`` (wall seconds), and a scripted cut (everything dropped, TCP stays up)."""

    loss: float = 0.0
    latency_s: float = 0.0
    seed: int = 0
    cut_until: float | None = None  # time.monotonic() when the cut ends; inf = until restored
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.loss <= 1.0:
            raise ValueError(f"loss must be between 0 and 1, got {self.loss}")
        if self.latency_s < 0:
            raise ValueError(f"latency must be >= 0, got {self.latency_s}")
        self.rng = random.Random(self.seed)

    def is_cut(self, now: float | None = None) -> bool:
        """True while the link is cut."""
        if self.cut_until is None:
            return False
        now = time.monotonic() if now is None else now
        if now >= self.cut_until:
            self.cut_until = None
            return False
        return True

    def cut(self, duration_s: float | None = None) -> None:
        """Cut the link for ``duration_s`` wall seconds (None: until :meth:`restore`)."""
        self.cut_until = float("inf") if duration_s is None else time.monotonic() + duration_s

    def restore(self) -> None:
        """End a cut now."""
        self.cut_until = None

    def drop(self, now: float | None = None) -> bool:
        """Should this packet be lost (cut, or random loss)?"""
        if self.is_cut(now):
            return True
        return self.loss > 0 and self.rng.random() < self.loss
