"""MAVLink 2 signing keys: files, timestamps, installing a key on a drone.

A key is 32 random bytes in a file of mode 0600 (raw bytes; 64 hex digits are read too), never
printed or logged. Beside it, ``<key>.timestamp`` holds the last signing timestamp used (10 us
units since 2015-01-01), so that timestamps keep rising across runs even if the laptop clock is
set back: a vehicle refuses a stream whose timestamps go backwards.

Relative ``signing_key`` paths in a fleet file are relative to the fleet file's directory.

>>> initial_timestamp(0) > 0
True
>>> initial_timestamp(10**15) == 10**15 + 1
True
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import time
from pathlib import Path
from typing import Any

from dronepatrol.config import DroneConfig, FleetConfig
from dronepatrol.errors import InputError, LinkError, UsageError

log = logging.getLogger(__name__)

KEY_LEN = 32
#: 1 January 2015 00:00 UTC: the epoch of MAVLink signing timestamps.
SIGNING_EPOCH_S = 1420070400


def signing_timestamp(unix_s: float) -> int:
    """The MAVLink signing timestamp for UNIX time ``unix_s`` (10 us units since 2015-01-01)."""
    return max(0, int((unix_s - SIGNING_EPOCH_S) * 100_000))


def initial_timestamp(persisted: int, *, unix_s: float | None = None) -> int:
    """The timestamp to start signing with: now, or just past the persisted one if later."""
    now = signing_timestamp(time.time() if unix_s is None else unix_s)
    return max(now, int(persisted) + 1)


def timestamp_path(key_path: Path) -> Path:
    """Where the last timestamp for ``key_path`` is kept (beside the key)."""
    return key_path.with_name(key_path.name + ".timestamp")


def load_timestamp(path: Path | None) -> int:
    """The persisted timestamp at ``path`` (0 when missing or unreadable)."""
    if path is None:
        return 0
    try:
        return max(0, int(path.read_text().strip() or 0))
    except (OSError, ValueError):
        return 0


def save_timestamp(path: Path, timestamp: int) -> None:
    """Write ``timestamp`` atomically, never lowering what is stored."""
    value = max(int(timestamp), load_timestamp(path))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(f"{value}\n")
    os.replace(tmp, path)


def key_path(fleet: FleetConfig, drone: DroneConfig) -> Path | None:
    """The drone's key file (relative paths resolved against the fleet file's directory)."""
    if not drone.signing_key:
        return None
    p = Path(drone.signing_key).expanduser()
    if not p.is_absolute():
        src = Path(fleet.source)
        base = src.parent if src.suffix.lower() == ".toml" or src.is_file() else Path.cwd()
        p = base / p
    return p


def load_key(path: Path, *, drone: str) -> bytes:
    """Read a 32-byte key file; :class:`InputError` naming the drone and file (never the key)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"{drone}: cannot read signing key {path} ({exc.strerror}); create it with `dronepatrol fleet keys init`"
        ) from None
    if len(raw) == KEY_LEN:
        return raw
    with contextlib.suppress(UnicodeDecodeError, ValueError):
        key = bytes.fromhex(raw.strip().decode("ascii"))
        if len(key) == KEY_LEN:
            return key
    raise InputError(f"{drone}: {path} is not a signing key ({KEY_LEN} bytes expected, found {len(raw)})")


def drone_key(fleet: FleetConfig, drone: DroneConfig) -> tuple[bytes | None, Path | None]:
    """(key, timestamp file) for a drone of the fleet, or (None, None) when it has no key."""
    p = key_path(fleet, drone)
    if p is None:
        return None, None
    return load_key(p, drone=drone.name), timestamp_path(p)


def write_key(path: Path, *, force: bool = False) -> None:
    """Create a new random key at ``path`` with mode 0600; refuse to overwrite without ``force``."""
    if path.exists() and not force:
        raise UsageError(f"{path} exists: a drone may already use this key; add --force to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, secrets.token_bytes(KEY_LEN))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    ts = timestamp_path(path)
    if force and ts.exists():
        ts.unlink()


def install_key(link: Any, key: bytes, *, timeout_s: float = 5.0) -> bool:
    """Send SETUP_SIGNING with ``key`` over ``link`` (a :class:`DroneLink`; it signs with the key from now on) and
    verify: ArduCopter accepts it silently, so success is seeing validly signed frames from the
    drone afterwards. Returns True when verified; raises :class:`LinkError` when nothing signed
    arrives within ``timeout_s``."""
    if link.signing_key != key:
        link.set_signing_key(key)
    ts = int(link.mav.signing.timestamp)
    msg = link.mav.setup_signing_encode(link.system_id, 1, list(key), ts)
    deadline = time.monotonic() + timeout_s
    with link.subscribe() as sub:
        for _ in range(3):
            link.send(msg)
            resend = min(deadline, time.monotonic() + timeout_s / 3)
            while time.monotonic() < resend:
                m = sub.get(0.1)
                if m is not None and m.get_signed() and m.get_type() not in ("RADIO_STATUS", "RADIO"):
                    return True
    raise LinkError(
        f"{link.name}: no signed message from system id {link.system_id} after SETUP_SIGNING; "
        "the vehicle may not support signing (MAVLink 2 needed) or did not receive the key: "
        "install over USB and try again"
    )
