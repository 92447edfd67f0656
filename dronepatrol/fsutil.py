"""Durable file writes: a temporary file in the same folder, flushed, then renamed into place.

A crash never leaves half a file where a good one was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from dronepatrol.errors import InputError, UsageError


def atomic_write_bytes(path: str | Path, data: bytes, *, protect: tuple[str | Path, ...] = ()) -> Path:
    """Write ``data`` to ``path`` atomically. Refuses to write over any file in ``protect``
    (the command's inputs) with :class:`UsageError`."""
    path = Path(path)
    target = path.resolve()
    for p in protect:
        if p not in ("-", None) and Path(p).exists() and Path(p).resolve() == target:
            raise UsageError(f"{path}: refusing to overwrite an input file; choose another output path")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o777  # keep the mode of the file it replaces
    except FileNotFoundError:
        mode = 0o666 & ~_umask()  # as open() would create it (mkstemp makes 0600)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_input_bytes(path: str | Path, *, what: str, error: type[InputError] = InputError) -> bytes:
    """The bytes of an input file, or ``error`` (exit 3) saying what is wrong and what to give.

    ``what`` completes "give the path of ...", e.g. ``"a zone GeoJSON file"``.
    """
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: file not found; give the path of {what}") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory; give the path of {what}") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror}); give the path of {what}") from None


def read_input_text(path: str | Path, *, what: str, error: type[InputError] = InputError) -> str:
    """The UTF-8 text of an input file (a byte-order mark is dropped), or ``error`` (exit 3)
    naming the line where the text stops being UTF-8."""
    raw = read_input_bytes(path, what=what, error=error)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(f"{path}: line {line}: not UTF-8 text; save {what} as UTF-8") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | Path, text: str, *, protect: tuple[str | Path, ...] = ()) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"), protect=protect)
