"""JPEG header surgery: replace or insert the EXIF APP1 segment, keep every other byte.

A JPEG is SOI, header segments (APPn, DQT, SOF, DHT, ...), then SOS and the entropy-coded image
data to EOI. We rewrite only the ``APP1 "Exif\\0\\0"`` segment: every other header segment keeps
its bytes and order, and the image data from SOS on is copied untouched (no re-encoding).
``piexif.insert`` is not used because it drops a JFIF APP0 segment when it adds EXIF.

>>> jpeg = b"\\xff\\xd8" + b"\\xff\\xe0\\x00\\x04ab" + b"\\xff\\xda\\x00\\x02" + b"scan\\xff\\xd9"
>>> new = replace_exif(jpeg, b"Exif\\x00\\x00II*\\x00")
>>> new[:8] + b"|" + new[image_data_offset(new):]
b'\\xff\\xd8\\xff\\xe0\\x00\\x04ab|\\xff\\xda\\x00\\x02scan\\xff\\xd9'
"""

from __future__ import annotations

import struct

EXIF_HEADER = b"Exif\x00\x00"
SOI = b"\xff\xd8"
SOS = 0xDA
#: Markers without a length field (RSTn, TEM, SOI, EOI).
_STANDALONE = {0x01, 0xD8, 0xD9, *range(0xD0, 0xD8)}


class JpegError(ValueError):
    """Not a JPEG, or a header that cannot be parsed."""


def segments(data: bytes) -> tuple[list[tuple[int, int, int]], int]:
    """Header segments as ``(marker, start, end)`` byte offsets, and the offset of SOS (where
    the image data starts). Fill bytes (0xFF padding) between segments are tolerated."""
    if data[:2] != SOI:
        raise JpegError("not a JPEG file (no SOI marker)")
    out = []
    pos, n = 2, len(data)
    while pos < n:
        if data[pos] != 0xFF:
            raise JpegError(f"corrupt JPEG header at byte {pos}")
        start = pos
        while pos < n and data[pos] == 0xFF:
            pos += 1
        if pos >= n:
            break
        marker = data[pos]
        pos += 1
        if marker == SOS:
            return out, start
        if marker in _STANDALONE:
            out.append((marker, start, pos))
            continue
        if pos + 2 > n:
            break
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2:
            raise JpegError(f"corrupt JPEG segment length at byte {pos}")
        pos += length
        out.append((marker, start, pos))
    raise JpegError("truncated JPEG: no image data (SOS marker) found")


def image_data_offset(data: bytes) -> int:
    """Byte offset of the SOS marker: everything from here on is the encoded image."""
    return segments(data)[1]


def exif_segment(data: bytes) -> bytes | None:
    """The EXIF payload (starting ``Exif\\0\\0``) of the first EXIF APP1 segment, or None."""
    segs, _ = segments(data)
    for marker, start, end in segs:
        if marker == 0xE1 and data[start + 4 : start + 10] == EXIF_HEADER:
            return data[start + 4 : end]
    return None


def exif_parts(data: bytes, exif: bytes) -> tuple[memoryview, bytes, memoryview]:
    """``(before, app1, after)``: the new file is their concatenation, with ``app1`` the new EXIF
    segment replacing the old one (or inserted after SOI and any JFIF/JFXX APP0 when there was
    none). ``before``/``after`` are views of ``data`` (no copy)."""
    if not exif.startswith(EXIF_HEADER):
        raise ValueError("EXIF payload must start with the Exif header")
    if len(exif) + 2 > 0xFFFF:
        raise JpegError(f"EXIF block of {len(exif)} bytes is over the 64 KiB a JPEG segment holds")
    segs, _ = segments(data)
    app1 = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    view = memoryview(data)
    for marker, start, end in segs:
        if marker == 0xE1 and data[start + 4 : start + 10] == EXIF_HEADER:
            return view[:start], app1, view[end:]
    at = 2
    for marker, _start, end in segs:
        if marker != 0xE0:
            break
        at = end
    return view[:at], app1, view[at:]


def replace_exif(data: bytes, exif: bytes) -> bytes:
    """``data`` with its EXIF APP1 payload replaced by ``exif`` (``Exif\\0\\0...``), or the
    segment inserted after SOI and any JFIF/JFXX APP0 when there was none."""
    return b"".join(exif_parts(data, exif))


def read_exif_payload(path) -> bytes | None:
    """The EXIF payload of a JPEG file, reading only its header segments (not the image data).
    Raises :class:`JpegError` for a file that is not a JPEG, OSError when it cannot be read."""
    with open(path, "rb") as f:
        if f.read(2) != SOI:
            raise JpegError("not a JPEG file (no SOI marker)")
        while True:
            b = f.read(1)
            if not b:
                raise JpegError("truncated JPEG: no image data (SOS marker) found")
            if b != b"\xff":
                raise JpegError("corrupt JPEG header")
            m = f.read(1)
            while m == b"\xff":  # fill bytes
                m = f.read(1)
            if not m:
                raise JpegError("truncated JPEG: no image data (SOS marker) found")
            marker = m[0]
            if marker == SOS:
                return None
            if marker in _STANDALONE:
                continue
            raw = f.read(2)
            if len(raw) < 2:
                raise JpegError("truncated JPEG header")
            (length,) = struct.unpack(">H", raw)
            body = f.read(length - 2)
            if len(body) < length - 2:
                raise JpegError("truncated JPEG header")
            if marker == 0xE1 and body.startswith(EXIF_HEADER):
                return body


__all__ = [
    "JpegError",
    "exif_parts",
    "exif_segment",
    "image_data_offset",
    "read_exif_payload",
    "replace_exif",
    "segments",
]
