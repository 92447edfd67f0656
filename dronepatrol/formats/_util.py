"""Helpers shared by the mission file formats: names, numbers, errors. Pure, no I/O."""

from __future__ import annotations

import math
import re
from typing import Any

from dronepatrol.errors import MissionFileError

_STEM = re.compile(r"^(?P<drone>.+?)-sortie(?P<sortie>\d+)$")


def split_stem(stem: str) -> tuple[str, int]:
    """``"drone1-sortie2"`` -> ``("drone1", 2)``; ``"drone1"`` -> ``("drone1", 1)``.

    >>> split_stem("drone3-sortie2")
    ('drone3', 2)
    """
    m = _STEM.match(stem)
    if m is None:
        return stem, 1
    return m.group("drone"), int(m.group("sortie"))


def fail(source: str, where: str | None, what: str, todo: str) -> MissionFileError:
    """A :class:`MissionFileError` worded ``source: where: what — todo``."""
    head = f"{source}: {where}" if where else source
    return MissionFileError(f"{head}: {what} — {todo}")


def finite_or_none(x: float) -> float | None:
    """``x``, or ``None`` for NaN/inf (JSON has no NaN: QGroundControl writes null)."""
    return x if math.isfinite(x) else None


def num(value: Any, source: str, where: str, name: str, *, allow_null: bool = False) -> float:
    """A JSON number as float; ``null`` gives NaN when ``allow_null``. Raises MissionFileError."""
    if value is None and allow_null:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(source, where, f"{name} is {value!r}, not a number", f"write {name} as a number")
    return float(value)


def check_latlon(lat: float, lon: float, source: str, where: str) -> None:
    """Raise if a position is outside -90..90 / -180..180 degrees (often: lat and lon swapped)."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise fail(source, where, f"position {lat} {lon} is not a number", "give latitude and longitude")
    if not -90.0 <= lat <= 90.0 or not -180.0 <= lon <= 180.0:
        raise fail(
            source,
            where,
            f"latitude {lat:g} / longitude {lon:g} out of range",
            "latitude must be within ±90 and longitude within ±180 (are they swapped?)",
        )


def fmt_num(x: float) -> str:
    """A number as plain decimal text that reads back to the same float (no exponent).

    >>> fmt_num(20.0), fmt_num(0.1), fmt_num(float("nan"))
    ('20.0', '0.1', 'NaN')
    """
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    s = repr(float(x))
    if "e" in s or "E" in s:
        # shortest exact form has an exponent: spell it out with enough digits
        s = f"{x:.20f}".rstrip("0")
        if s.endswith("."):
            s += "0"
    return s
