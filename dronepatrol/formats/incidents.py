"""Reported incidents from CSV (phone 191, LINE reports): ``lat, lon, time, type, description``.

Accepted variants: header names in any case and with spaces (``Latitude``, ``lng``, ``long``,
``datetime``, ``reported_at``, ``category``, ``details`` ...), comma, semicolon or tab delimiters, a
UTF-8 byte-order mark, ISO 8601 times with or without a zone (``2026-05-01T14:30``,
``2026-05-01 14:30:00+07:00``, ``...Z``), a bare date (midnight), ``dd/mm/yyyy [HH:MM[:SS]]``, and
Thai Buddhist-era years (2569 = 2026). Times without a zone are Thai time (UTC+7). ``type`` and
``description`` may be missing. Blank lines are skipped.

Every problem raises :class:`~dronepatrol.errors.InputError` naming the file, the line, the column
and what to do.

>>> incs = parse_incidents("lat,lon,time,type\\n16.05,103.65,2026-05-01 21:30,theft\\n", "x.csv")
>>> incs[0].time.isoformat(), incs[0].type
('2026-05-01T21:30:00+07:00', 'theft')
"""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from dronepatrol.errors import InputError
from dronepatrol.fsutil import read_input_text
from dronepatrol.planning.priority import Incident

#: Time zone of times written without one: Thailand, UTC+7.
THAI_TIME = timezone(timedelta(hours=7), "ICT")

#: Accepted header names (lower case, spaces/dashes as underscores) for each column.
ALIASES: dict[str, tuple[str, ...]] = {
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "lng", "long", "longitude", "x"),
    "time": ("time", "datetime", "date_time", "timestamp", "date", "reported_at", "reported", "when"),
    "type": ("type", "kind", "category", "incident_type", "crime"),
    "description": ("description", "desc", "details", "detail", "note", "notes", "text"),
}
REQUIRED = ("lat", "lon", "time")

_DMY = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


def read_incidents(path: str | Path) -> tuple[Incident, ...]:
    """Read an incidents CSV file. Raises :class:`InputError` (exit 3) naming file and line."""
    text = read_input_text(path, what="an incidents CSV file (Excel: save as 'CSV UTF-8')")
    return parse_incidents(text, str(path))


def parse_incidents(text: str, source: str = "<incidents>") -> tuple[Incident, ...]:
    """Parse incidents CSV text; ``source`` names it in messages."""
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputError(f"{source}: line {line}: contains a NUL byte; this is not a CSV text file")
    if not text.strip():
        raise InputError(
            f"{source}: line 1: empty file; the first line must be a header: lat,lon,time,type,description"
        )
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text))
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise InputError(f"{source}: line {reader.line_num}: {exc}; fix the quoting of that line") from None
    rows = [(n, r) for n, r in rows if any(c.strip() for c in r)]
    if not rows:
        raise InputError(f"{source}: no header line; start with: lat,lon,time,type,description")
    header_line, header = rows[0]
    columns = _columns(header, source, header_line)
    out: list[Incident] = []
    for line, row in rows[1:]:
        if len(row) < len(header):
            row = row + [""] * (len(header) - len(row))
        elif len(row) > len(header) and any(c.strip() for c in row[len(header) :]):
            raise InputError(
                f"{source}: line {line}: {len(row)} values but the header has {len(header)} columns; "
                "quote values that contain the delimiter"
            )

        def cell(col: str, row: list[str] = row) -> str:
            return row[columns[col]].strip() if col in columns else ""

        lat = _coord(cell("lat"), "lat", -90.0, 90.0, source, line, header[columns["lat"]])
        lon = _coord(cell("lon"), "lon", -180.0, 180.0, source, line, header[columns["lon"]])
        time = parse_time(cell("time"), where=f"{source}: line {line}, column {header[columns['time']]!r}")
        out.append(
            Incident(
                lon=lon,
                lat=lat,
                time=time,
                type=cell("type"),
                description=cell("description"),
                source=source,
                line=line,
            )
        )
    return tuple(out)


def parse_time(value: str, *, where: str = "time") -> datetime:
    """An aware datetime from the accepted time forms; no zone means Thai time (UTC+7).

    >>> parse_time("2026-05-01T21:30:00Z").isoformat()
    '2026-05-01T21:30:00+00:00'
    >>> parse_time("01/05/2569 21:30").isoformat()
    '2026-05-01T21:30:00+07:00'
    """
    v = value.strip()
    if not v:
        raise InputError(f"{where}: empty time; write it as 2026-05-01T21:30 (Thai time) or with a zone")
    t: datetime | None = None
    m = _DMY.match(v)
    try:
        if m:
            d, mo, y, hh, mm, ss = (int(g) if g else 0 for g in m.groups())
            t = datetime(_ce(y), mo, d, hh, mm, ss)
        else:
            iso = v.replace(" ", "T", 1) if len(v) > 10 and v[10] == " " else v
            if iso.endswith(("z", "Z")):
                iso = iso[:-1] + "+00:00"
            t = datetime.fromisoformat(iso)
            if t.year > 2400:  # Buddhist era
                t = t.replace(year=_ce(t.year))
    except (ValueError, OverflowError):
        t = None
    if t is None:
        raise InputError(
            f"{where}: {value!r} is not a time; write it as 2026-05-01T21:30 (Thai time), "
            "2026-05-01T14:30Z or 01/05/2026 21:30"
        )
    if t.tzinfo is None:
        t = t.replace(tzinfo=THAI_TIME)
    try:
        t.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InputError(f"{where}: {value!r} is out of range; check the year") from None
    return t


def _ce(year: int) -> int:
    """Common-era year of a year that may be written in the Buddhist era (BE = CE + 543)."""
    return year - 543 if year > 2400 else year


def _dialect(text: str) -> type[csv.Dialect]:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    delim = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","

    class _D(csv.excel):
        delimiter = delim

    return _D


def _norm(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _columns(header: list[str], source: str, line: int) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, name in enumerate(header):
        key = _norm(name)
        for col, names in ALIASES.items():
            if key in names and col not in found:
                found[col] = i
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        shown = ", ".join(repr(h) for h in header) or "nothing"
        raise InputError(
            f"{source}: line {line}: no {missing[0]!r} column (found {shown}); "
            "the header must name the columns lat, lon, time, type, description"
        )
    return found


def _coord(value: str, col: str, lo: float, hi: float, source: str, line: int, name: str) -> float:
    where = f"{source}: line {line}, column {name!r}"
    what = "latitude" if col == "lat" else "longitude"
    if not value:
        raise InputError(f"{where}: empty {what}; fill it in (decimal degrees) or remove the line")
    try:
        x = float(value.replace(",", ".")) if value.count(",") == 1 and "." not in value else float(value)
    except ValueError:
        raise InputError(f"{where}: {value!r} is not a number; write the {what} in decimal degrees") from None
    if not math.isfinite(x) or not lo <= x <= hi:
        hint = " (lat and lon swapped?)" if col == "lat" and math.isfinite(x) and abs(x) <= 180 else ""
        raise InputError(f"{where}: {what} {value} is not between {lo:g} and {hi:g}{hint}; fix the value")
    return x


__all__ = ["ALIASES", "THAI_TIME", "parse_incidents", "parse_time", "read_incidents"]
