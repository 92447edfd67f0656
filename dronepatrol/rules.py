"""Legal and operational limits, each with its source, and the built-in airport table.

Every number a safety check relies on lives here so that it can be reviewed against its source
and overridden from a ``--config`` TOML file (see :mod:`dronepatrol.config`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

MOT_2015 = (
    "Ministry of Transport announcement on permission and conditions for operating remotely "
    "piloted aircraft, B.E. 2558 (2015)"
)
CAAT_AIRPORT_2018 = (
    "CAAT announcement on operating remotely piloted aircraft within 9 km (5 NM) of an airport or "
    "temporary airfield, B.E. 2561 (2018): permission every time"
)
CAAT_2026 = "CAAT drone announcements No. 12 (Dec 2025) and No. 15 (Feb 2026)"


@dataclass(frozen=True, kw_only=True)
class Airport:
    """An aerodrome whose ring (``radius_m`` around the reference point) is a no-fly area."""

    icao: str
    name: str
    lat: float
    lon: float
    source: str
    as_of: str


AIRPORTS: tuple[Airport, ...] = (
    Airport(
        icao="VTUV",
        name="Roi Et Airport",
        lat=16.116761,
        lon=103.773797,
        source="AIP Thailand AD 2 VTUV aerodrome reference point",
        as_of="2026-11",
    ),
    Airport(
        icao="VTPP",
        name="Phitsanulok Airport",
        lat=16.782942,
        lon=100.279133,
        source="AIP Thailand AD 2 VTPP aerodrome reference point",
        as_of="2026-11",
    ),
)


@dataclass(frozen=True, kw_only=True)
class Rules:
    """Limits applied by default. Distances in metres, times in seconds or local hours."""

    max_alt_m: float = 90.0
    airport_radius_m: float = 9000.0
    margin_m: float = 10.0
    vlos_m: float = 500.0
    min_separation_m: float = 30.0
    separation_alt_band_m: float = 15.0
    battery_reserve: float = 0.20
    daylight_start_h: float = 6.0
    daylight_end_h: float = 18.0
    utc_offset_h: float = 7.0
    airports: tuple[Airport, ...] = AIRPORTS
    sources: dict[str, str] = field(
        default_factory=lambda: {
            "max_alt_m": MOT_2015 + ": not above 90 m above ground; kept by " + CAAT_2026,
            "airport_radius_m": CAAT_AIRPORT_2018 + "; Phitsanulok named in CAAT announcement No. 12 (2025)",
            "vlos_m": MOT_2015 + ": within visual line of sight; 500 m is the unit's working value",
            "min_separation_m": MOT_2015 + ": keep 30 m from people, vehicles and buildings",
            "daylight_start_h": MOT_2015 + ": sunrise to sunset; 06:00-18:00 in " + CAAT_2026,
            "battery_reserve": "unit practice: land with 20% of endurance left",
            "margin_m": "unit practice: keep 10 m inside the zone and clear of no-fly areas",
            "separation_alt_band_m": "unit practice: drones closer than the separation fly 15 m apart vertically",
        },
        compare=False,
    )


DEFAULT_RULES = Rules()
