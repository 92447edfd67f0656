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
    n = len(track.fixes)
    if n < 2:
        return []
    t = np.fromiter((f.t_s for f in track.fixes), float, n)
    alt = np.fromiter((f.alt_rel_m for f in track.fixes), float, n)
    xy = fixes_m(track.fixes, frame)
    air = alt >= AIRBORNE_ALT_M
    # a flight starts at an airborne fix after a ground fix or a long gap; ends before the next start
    gap = np.concatenate([[True], np.diff(t) > gap_s])
    start = air & (gap | ~np.concatenate([[False], air[:-1]]))
    flights: list[Flight] = []
    run_id = np.cumsum(start)
    run_id[~air] = 0
    for k in range(1, int(run_id.max()) + 1):
        idx = np.flatnonzero(run_id == k)
        if len(idx) < 2:
            continue
        lo, hi = int(idx[0]), int(idx[-1]) + 1
        pts = xy[lo:hi]
        flights.append(
            Flight(
                drone=track.drone,
                fixes=track.fixes[lo:hi],
                distance_m=float(np.hypot(*np.diff(pts, axis=0).T).sum()),
                source=track.source,
                positions_m=pts,
            )
        )
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
    return float(np.hypot(*np.diff(fixes_m(fixes, frame), axis=0).T).sum())


def project_m(lonlat: np.ndarray, frame: LocalFrame) -> np.ndarray:
    """(n, 2) lon/lat degrees to (n, 2) metres in one vectorised projection (no geometry per point)."""
    return _project(np.asarray(lonlat, dtype=float), frame.to_m)


def project_lonlat(xy: np.ndarray, frame: LocalFrame) -> np.ndarray:
    """(n, 2) metres to (n, 2) lon/lat degrees."""
    return _project(np.asarray(xy, dtype=float), frame.to_lonlat)


def _project(coords: np.ndarray, transform) -> np.ndarray:
    if len(coords) == 0:
        return np.zeros((0, 2))
    if len(coords) == 1:
        return shapely.get_coordinates(transform(shapely.points(coords)))
    return shapely.get_coordinates(transform(shapely.linestrings(coords)))


def fixes_m(fixes: Sequence[Fix], frame: LocalFrame) -> np.ndarray:
    """(n, 2) array of fix positions in metres."""
    return project_m(np.array([(f.lon, f.lat) for f in fixes], dtype=float).reshape(-1, 2), frame)


def positions_m(flight: Flight, frame: LocalFrame) -> np.ndarray:
    """The flight's fixes in metres (kept from :func:`split_flights`, else computed)."""
    return flight.positions_m if flight.positions_m is not None else fixes_m(flight.fixes, frame)


def simplified_lonlat(
    flight: Flight, frame: LocalFrame, tolerance_m: float = TRACK_TOLERANCE_M
) -> list[tuple[float, float]]:
    """The flight's path as (lon, lat) pairs, Douglas-Peucker simplified to ``tolerance_m`` metres."""
    line_m = shapely.linestrings(positions_m(flight, frame))
    simple = frame.to_lonlat(line_m.simplify(tolerance_m, preserve_topology=False))
    return [(x, y) for x, y, *_ in simple.coords]
