"""Thai time (UTC+7, no daylight saving) and weeks, for grouping many days of flights.

>>> thai(0.0).isoformat()
'1970-01-01T07:00:00+07:00'
>>> week_start(1764633600.0)  # Tue 2 Dec 2025 07:00 Thai time
'2025-12-01'
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

#: Asia/Bangkok: UTC+7 all year.
THAI_TZ = timezone(timedelta(hours=7), "ICT")


def thai(t_s: float) -> datetime:
    """UTC POSIX seconds as an aware datetime in Thai time."""
    return datetime.fromtimestamp(t_s, tz=UTC).astimezone(THAI_TZ)


def week_start(t_s: float) -> str:
    """The Monday (Thai time, ISO date) of the week containing ``t_s``."""
    d = thai(t_s).date()
    return (d - timedelta(days=d.weekday())).isoformat()
