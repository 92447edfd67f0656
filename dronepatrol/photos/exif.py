"""EXIF of drone photos (piexif): the camera's time and identity in, GPS tags out.

Times: ``DateTimeOriginal`` (else ``DateTimeDigitized``) plus ``SubSecTimeOriginal`` are the
camera's local clock; ``OffsetTimeOriginal`` says its zone when the camera wrote one, otherwise
the caller's zone (Thai time, +07:00, by default) applies.

GPS tags written (EXIF 2.3): GPSVersionID 2.3.0.0, GPSLatitude/Ref and GPSLongitude/Ref as
degrees, minutes and seconds with the seconds in 1/1e6 arc-second (3e-10 deg), GPSAltitude in
mm above sea level with GPSAltitudeRef, GPSTimeStamp (UTC, ms) and GPSDateStamp, GPSImgDirection
(0.01 deg) with Ref ``T`` (true north), GPSMapDatum ``WGS-84``.

>>> gps = gps_ifd(lat=16.0563012, lon=-103.6488, alt_amsl_m=170.25, t_utc_s=1.7e9, heading_deg=90.5)
>>> g = read_gps({"GPS": gps})
>>> round(g["lat"], 7), round(g["lon"], 7), g["alt_amsl_m"], g["heading_deg"], g["t_utc_s"]
(16.0563012, -103.6488, 170.25, 90.5, 1700000000.0)
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import struct
from dataclasses import dataclass

import piexif

from dronepatrol.photos.jpeg import EXIF_HEADER

_G = piexif.GPSIFD
_TZ = re.compile(r"^\s*(?:(?P<utc>UTC|Z|GMT)|(?:UTC)?(?P<sign>[+-])(?P<h>\d{1,2}):?(?P<m>\d{2})?)\s*$", re.I)
ARCSEC_DENOM = 1_000_000


class ExifProblem(ValueError):
    """A photo's EXIF is missing or unusable (the message says what)."""


def parse_tz(text: str) -> float:
    """A UTC offset in seconds from ``+07:00``, ``+0700``, ``-3``, ``UTC``, ``Z``.

    >>> parse_tz("+07:00"), parse_tz("-0330"), parse_tz("UTC")
    (25200.0, -12600.0, 0.0)
    """
    m = _TZ.match(text or "")
    if not m:
        raise ValueError(f"time zone {text!r}: give an offset like +07:00 (Thai time), -03:30 or UTC")
    if m["utc"]:
        return 0.0
    h, mins = int(m["h"]), int(m["m"] or 0)
    if h > 14 or mins >= 60:
        raise ValueError(f"time zone {text!r}: offsets run from -14:00 to +14:00")
    return (1 if m["sign"] == "+" else -1) * (h * 3600.0 + mins * 60.0)


@dataclass(frozen=True, kw_only=True)
class PhotoExif:
    """What geotagging reads from one photo. ``t_s``: the camera clock as UTC seconds (zone
    applied); ``local`` the EXIF text; ``subsecond`` whether the camera gave a fraction."""

    t_s: float
    local: str
    subsecond: bool
    tz_s: float
    make: str
    model: str
    serial: str
    has_gps: bool


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.split(b"\x00", 1)[0].decode("ascii", "replace").strip()
    return "" if value is None else str(value).strip()


def photo_exif(exif: dict, *, tz_s: float | None) -> PhotoExif:
    """Times and camera identity from a piexif dict; ``tz_s`` overrides the photo's own zone
    (``None``: ``OffsetTimeOriginal`` if present, else Thai time). Raises :class:`ExifProblem`."""
    ex, zeroth = exif.get("Exif") or {}, exif.get("0th") or {}
    stamp = _text(ex.get(piexif.ExifIFD.DateTimeOriginal)) or _text(ex.get(piexif.ExifIFD.DateTimeDigitized))
    if not stamp:
        raise ExifProblem("no EXIF DateTimeOriginal: the camera wrote no shot time")
    try:
        local = dt.datetime.strptime(stamp[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        raise ExifProblem(f"EXIF DateTimeOriginal {stamp!r} is not a date (YYYY:MM:DD HH:MM:SS)") from None
    sub = _text(ex.get(piexif.ExifIFD.SubSecTimeOriginal))
    frac = float("0." + sub) if sub.isdigit() else 0.0
    zone = tz_s
    if zone is None:
        own = _text(ex.get(piexif.ExifIFD.OffsetTimeOriginal)) if hasattr(piexif.ExifIFD, "OffsetTimeOriginal") else ""
        try:
            zone = parse_tz(own) if own else 7 * 3600.0
        except ValueError:
            zone = 7 * 3600.0
    t_s = calendar.timegm(local.timetuple()) + frac - zone
    return PhotoExif(
        t_s=t_s,
        local=stamp[:19] + (f".{sub}" if sub.isdigit() else ""),
        subsecond=sub.isdigit(),
        tz_s=zone,
        make=_text(zeroth.get(piexif.ImageIFD.Make)),
        model=_text(zeroth.get(piexif.ImageIFD.Model)),
        serial=_text(ex.get(piexif.ExifIFD.BodySerialNumber)),
        has_gps=bool(exif.get("GPS")),
    )


def load_exif(payload: bytes | None) -> dict:
    """piexif dict from an APP1 payload (``Exif\\0\\0...``); raises :class:`ExifProblem`."""
    if not payload:
        raise ExifProblem("no EXIF data in the file")
    try:
        return piexif.load(payload)
    except Exception as exc:
        raise ExifProblem(f"EXIF cannot be read ({exc})") from None


def _dms(value_deg: float) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    micro = round(abs(value_deg) * 3600 * ARCSEC_DENOM)  # one rounding, then exact carries
    deg, rest = divmod(micro, 3600 * ARCSEC_DENOM)
    minutes, sec = divmod(rest, 60 * ARCSEC_DENOM)
    return (int(deg), 1), (int(minutes), 1), (int(sec), ARCSEC_DENOM)


def gps_ifd(*, lat: float, lon: float, alt_amsl_m: float, t_utc_s: float, heading_deg: float | None) -> dict:
    """The GPS IFD (piexif dict) for a position in degrees, metres AMSL, UTC seconds, degrees."""
    ms = round(t_utc_s * 1000)
    day = dt.datetime.fromtimestamp(ms // 1000, dt.UTC)
    rest_ms = ms % 86_400_000
    h, rest_ms = divmod(rest_ms, 3_600_000)
    m, rest_ms = divmod(rest_ms, 60_000)
    ifd = {
        _G.GPSVersionID: (2, 3, 0, 0),
        _G.GPSLatitudeRef: b"N" if lat >= 0 else b"S",
        _G.GPSLatitude: _dms(lat),
        _G.GPSLongitudeRef: b"E" if lon >= 0 else b"W",
        _G.GPSLongitude: _dms(lon),
        _G.GPSAltitudeRef: 0 if alt_amsl_m >= 0 else 1,
        _G.GPSAltitude: (round(abs(alt_amsl_m) * 1000), 1000),
        _G.GPSTimeStamp: ((int(h), 1), (int(m), 1), (int(rest_ms), 1000)),
        _G.GPSDateStamp: day.strftime("%Y:%m:%d").encode(),
        _G.GPSMapDatum: b"WGS-84",
    }
    if heading_deg is not None:
        ifd[_G.GPSImgDirectionRef] = b"T"
        ifd[_G.GPSImgDirection] = (round((heading_deg % 360.0) * 100) % 36000, 100)
    return ifd


def _ratio(r: tuple[int, int]) -> float:
    return r[0] / r[1] if r[1] else float("nan")


def read_gps(exif: dict) -> dict | None:
    """Position back from a piexif dict: lat/lon degrees, alt_amsl_m, heading_deg, t_utc_s."""
    g = exif.get("GPS") or {}
    if _G.GPSLatitude not in g or _G.GPSLongitude not in g:
        return None
    lat = sum(_ratio(v) / 60**k for k, v in enumerate(g[_G.GPSLatitude]))
    lon = sum(_ratio(v) / 60**k for k, v in enumerate(g[_G.GPSLongitude]))
    lat *= -1 if g.get(_G.GPSLatitudeRef) == b"S" else 1
    lon *= -1 if g.get(_G.GPSLongitudeRef) == b"W" else 1
    out: dict = {"lat": lat, "lon": lon, "alt_amsl_m": None, "heading_deg": None, "t_utc_s": None}
    if _G.GPSAltitude in g:
        out["alt_amsl_m"] = _ratio(g[_G.GPSAltitude]) * (-1 if g.get(_G.GPSAltitudeRef) == 1 else 1)
    if _G.GPSImgDirection in g:
        out["heading_deg"] = _ratio(g[_G.GPSImgDirection])
    if _G.GPSTimeStamp in g and _G.GPSDateStamp in g:
        day = dt.datetime.strptime(_text(g[_G.GPSDateStamp]), "%Y:%m:%d").replace(tzinfo=dt.UTC)
        h, m, s = (_ratio(v) for v in g[_G.GPSTimeStamp])
        out["t_utc_s"] = round(day.timestamp() + h * 3600 + m * 60 + s, 3)
    return out


def with_gps(exif: dict, gps: dict) -> bytes:
    """The APP1 payload (``Exif\\0\\0...``) of ``exif`` re-serialised by piexif with its GPS IFD
    replaced by ``gps``. :func:`add_gps` is preferred: it keeps the original bytes."""
    new = {k: v for k, v in exif.items() if k != "GPS"}
    new["GPS"] = gps
    try:
        payload = piexif.dump(new)
    except Exception as exc:
        raise ExifProblem(f"EXIF cannot be rewritten by piexif ({type(exc).__name__}: {exc})") from None
    if not payload.startswith(EXIF_HEADER):
        payload = EXIF_HEADER + payload
    return payload


_GPS_POINTER = 0x8825
_TYPE_SIZE = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1}


def _encode(bo: str, kind: int, value) -> tuple[int, bytes]:
    """(count, bytes) of one tag value of TIFF type ``kind``."""
    if kind == 2:  # ASCII, NUL-terminated
        raw = (value if isinstance(value, bytes) else str(value).encode()).rstrip(b"\x00") + b"\x00"
        return len(raw), raw
    if kind == 5:  # RATIONAL: one (num, den) or a tuple of them
        pairs = [value] if isinstance(value[0], int) else list(value)
        return len(pairs), b"".join(struct.pack(bo + "LL", int(n), int(d)) for n, d in pairs)
    items = [value] if isinstance(value, int) else list(value)
    code = {1: "B", 3: "H", 4: "L", 7: "B"}[kind]
    return len(items), struct.pack(bo + code * len(items), *items)


def _ifd(bo: str, entries: list[tuple[int, int, int, bytes]], at: int, next_ifd: int = 0) -> bytes:
    """An IFD placed at offset ``at``: entries (tag, type, count, raw value), data after it."""
    entries = sorted(entries)
    data_at = at + 2 + 12 * len(entries) + 4
    head, data = [struct.pack(bo + "H", len(entries))], bytearray()
    for tag, kind, count, raw in entries:
        if len(raw) <= 4:
            field = raw.ljust(4, b"\x00")
        else:
            if (data_at + len(data)) % 2:
                data += b"\x00"
            field = struct.pack(bo + "L", data_at + len(data))
            data += raw
        head.append(struct.pack(bo + "HHL", tag, kind, count) + field)
    head.append(struct.pack(bo + "L", next_ifd))
    return b"".join(head) + bytes(data)


def add_gps(payload: bytes | None, gps: dict) -> bytes:
    """The APP1 payload with the GPS IFD ``gps`` (a piexif GPS dict) added, keeping every byte of
    the original EXIF: the GPS IFD is appended, and IFD0's GPSInfo pointer is set in place or, when
    IFD0 had none, IFD0 is copied to the end with the pointer added (the TIFF header then points
    to the copy). Offsets inside the original (maker notes, thumbnails, the Exif IFD) stay valid.

    >>> p = add_gps(EXIF_HEADER + b"II*\\x00\\x08\\x00\\x00\\x00" + b"\\x00\\x00" + b"\\x00" * 4,
    ...             gps_ifd(lat=1.5, lon=2.5, alt_amsl_m=3.0, t_utc_s=0.0, heading_deg=None))
    >>> g = read_gps(piexif.load(p))
    >>> g["lat"], g["lon"], g["alt_amsl_m"]
    (1.5, 2.5, 3.0)
    """
    if not payload:
        return with_gps({}, gps)
    tiff = payload[len(EXIF_HEADER):]
    bo = {b"II": "<", b"MM": ">"}.get(bytes(tiff[:2]))
    try:
        if bo is None or struct.unpack(bo + "H", tiff[2:4])[0] != 42:
            raise ValueError("not a TIFF header")
        (ifd0,) = struct.unpack(bo + "L", tiff[4:8])
        (n,) = struct.unpack(bo + "H", tiff[ifd0 : ifd0 + 2])
        end = ifd0 + 2 + 12 * n
        if end + 4 > len(tiff):
            raise ValueError("IFD0 runs past the end")
        entries = [tiff[ifd0 + 2 + 12 * k : ifd0 + 14 + 12 * k] for k in range(n)]
        (next_ifd,) = struct.unpack(bo + "L", tiff[end : end + 4])
    except (ValueError, struct.error) as exc:
        raise ExifProblem(f"EXIF block is damaged ({exc}); the photo cannot be tagged safely") from None
    out = bytearray(tiff)
    if len(out) % 2:
        out += b"\x00"
    gps_at = len(out)
    tags = []
    for tag, value in gps.items():
        kind = piexif.TAGS["GPS"][tag]["type"]
        count, raw = _encode(bo, kind, value)
        tags.append((tag, kind, count, raw))
    out += _ifd(bo, tags, gps_at)
    pointer = struct.pack(bo + "HHLL", _GPS_POINTER, 4, 1, gps_at)
    slot = next((k for k, e in enumerate(entries) if struct.unpack(bo + "H", e[:2])[0] == _GPS_POINTER), None)
    if slot is not None:
        at = ifd0 + 2 + 12 * slot
        out[at : at + 12] = pointer
    else:
        if len(out) % 2:
            out += b"\x00"
        new_ifd0 = len(out)
        kept = [bytes(e) for e in entries] + [pointer]
        kept.sort(key=lambda e: struct.unpack(bo + "H", e[:2])[0])
        out += struct.pack(bo + "H", len(kept)) + b"".join(kept) + struct.pack(bo + "L", next_ifd)
        out[4:8] = struct.pack(bo + "L", new_ifd0)
    if len(EXIF_HEADER) + len(out) + 2 > 0xFFFF:
        raise ExifProblem(f"EXIF with GPS would be {len(out)} bytes, over the 64 KiB a JPEG segment holds")
    return EXIF_HEADER + bytes(out)


__all__ = [
    "ExifProblem",
    "PhotoExif",
    "add_gps",
    "gps_ifd",
    "load_exif",
    "parse_tz",
    "photo_exif",
    "read_gps",
    "with_gps",
]
