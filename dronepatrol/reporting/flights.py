"""Flights from tracks: a flight is a run of airborne fixes with no gap longer than a minute.

A log may hold several flights (the drone lands, is given a fresh battery and takes off again)
or be cut by a link loss. Fixes below :data:`AIRBORNE_ALT_M` above home are on the ground.
Distances are metres in the zone's :class:`~dronepatrol.geo.LocalFrame`.

>>> from dronepatrol.geo import LocalFrame
>>> from dronepatrol.telemetry.model import Fix, Track
>>> fixes = [Fix(t_s=float(t), lat=16.05 + t * 1e-4, lon=103.65, alt_amsl_m=0.0, alt_rel_m=50.0) for t in range(3)]
>>> track = Track(drone="drone1", system_id=1, fixes=tuple(fixes), triggers=(), time_source="vehicle")
>>> [round(f.distance_m) for f in split_flights(track, LocalFrame.around(103.65, 16.05))]
[22]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import shapely
from shapely.geometry import LineString

from dronepatrol.geo import LocalFrame
from dronepatrol.reporting.model import Flight
from dronepatrol.telemetry.model import Fix, Track

#: A fix at least this high above home (m) is in the air.
AIRBORNE_ALT_M = 1.0
#: A gap longer than this (s) between airborne fixes ends a flight.
FLIGHT_GAP_S = 60.0
#: Flown tracks are drawn simplified to this tolerance (m): under a pixel at street zoom.
TRACK_TOLERANCE_M = 1.0


def split_flights(track: Track, frame: LocalFrame, *, gap_s: float = FLIGHT_GAP_S) -> list[Flight]:
    """The flights in ``track``, in time order (flights with fewer than two fixes are dropped)."""
    flights: list[Flight] = []
    run: list[Fix] = []

    def close() -> None:
        if len(run) >= 2:
            flights.append(
                Flight(drone=track.drone, fixes=tuple(run), distance_m=path_length_m(run, frame), source=track.source)
            )
        run.clear()

    for fix in track.fixes:
        if fix.alt_rel_m < AIRBORNE_ALT_M:
            close()
            continue
        if run and fix.t_s - run[-1].t_s > gap_s:
            close()
        run.append(fix)
    close()
    return flights


def all_flights(tracks: Iterable[Track], frame: LocalFrame) -> list[Flight]:
    """Every flight of every track, ordered by start time then drone."""
    out = [f for t in tracks for f in split_flights(t, frame)]
    out.sort(key=lambda f: (f.start_s, f.drone))
    return out


def path_length_m(fixes: Sequence[Fix], frame: LocalFrame) -> float:
    """Ground length (m) of the polyline through ``fixes``."""
    if len(fixes) < 2:
        return 0.0
    return float(frame.to_m(LineString([(f.lon, f.lat) for f in fixes])).length)


def fixes_m(fixes: Sequence[Fix], frame: LocalFrame) -> np.ndarray:
    """(n, 2) array of fix positions in metres."""
    line = frame.to_m(shapely.linestrings([(f.lon, f.lat) for f in fixes] * (1 if len(fixes) > 1 else 2)))
    return shapely.get_coordinates(line)[: len(fixes)]


def simplified_lonlat(
    flight: Flight, frame: LocalFrame, tolerance_m: float = TRACK_TOLERANCE_M
) -> list[tuple[float, float]]:
    """The flight's path as (lon, lat) pairs, Douglas-Peucker simplified to ``tolerance_m`` metres."""
    line_m = frame.to_m(LineString([(f.lon, f.lat) for f in flight.fixes]))
    simple = frame.to_lonlat(line_m.simplify(tolerance_m, preserve_topology=False))
    return [(x, y) for x, y, *_ in simple.coords]
