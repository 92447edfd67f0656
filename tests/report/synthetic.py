"""Synthetic but realistic report inputs: survey tracks flown over a real example zone (lawnmower
lanes at 10 m/s, one fix a second, 60 m above home), a patrol loiter over a hotspot, and photos
taken along the lanes. Used by the report tests and ``benchmarks/report.py``."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dronepatrol.reporting.model import Photo
from dronepatrol.telemetry.model import Fix, Track, Trigger
from dronepatrol.zones.model import SafetyZone

T0 = 1_764_640_800.0  # Tue 2 Dec 2025 09:00 Thai time
SPEED_M_S = 10.0
ALT_M = 60.0
LANE_M = 60.0


@dataclass(frozen=True)
class Scenario:
    tracks: tuple[Track, ...]
    photos: tuple[Photo, ...]


def lawnmower_m(zone: SafetyZone, part: int, parts: int, duration_s: float, *, hz: float = 1.0) -> np.ndarray:
    """(n, 2) metric positions: lanes over the ``part``-th vertical strip of the zone's bounds, flown
    back and forth for ``duration_s`` seconds at 10 m/s, ``hz`` fixes a second."""
    x0, y0, x1, y1 = zone.area_m.bounds
    w = (x1 - x0) / parts
    sx0, sx1 = x0 + part * w, x0 + (part + 1) * w
    xs = np.arange(sx0 + LANE_M / 2, sx1, LANE_M)
    pts = []
    for k, x in enumerate(xs):
        ys = (y0, y1) if k % 2 == 0 else (y1, y0)
        pts += [(x, ys[0]), (x, ys[1])]
    path = np.array(pts + pts[::-1])
    seg = np.hypot(*np.diff(path, axis=0).T)
    cum = np.concatenate([[0], np.cumsum(seg)])
    d = (np.arange(int(duration_s * hz)) / hz * SPEED_M_S) % cum[-1]
    return np.column_stack([np.interp(d, cum, path[:, 0]), np.interp(d, cum, path[:, 1])])


def track_from_m(
    zone: SafetyZone,
    drone: str,
    sysid: int,
    xy: np.ndarray,
    t0: float,
    *,
    hz: float = 1.0,
    photo_every: int = 0,
    source: str = "",
) -> Track:
    lonlat = np.array([zone.frame.lonlat(x, y) for x, y in xy]) if len(xy) < 2000 else _lonlat(zone, xy)
    heading = np.degrees(np.arctan2(*np.diff(xy, axis=0, append=xy[-1:] + (xy[-1:] - xy[-2:-1])).T)) % 360
    fixes = tuple(
        Fix(
            t_s=t0 + i / hz,
            lat=float(lat),
            lon=float(lon),
            alt_amsl_m=200.0 + ALT_M,
            alt_rel_m=ALT_M,
            heading_deg=float(heading[i]),
            ground_speed_m_s=SPEED_M_S,
        )
        for i, (lon, lat) in enumerate(lonlat)
    )
    triggers = tuple(
        Trigger(
            t_s=f.t_s,
            index=n,
            lat=f.lat,
            lon=f.lon,
            alt_amsl_m=f.alt_amsl_m,
            alt_rel_m=f.alt_rel_m,
            yaw_deg=f.heading_deg,
        )
        for n, f in enumerate(fixes[::photo_every] if photo_every else ())
    )
    return Track(drone=drone, system_id=sysid, fixes=fixes, triggers=triggers, time_source="vehicle", source=source)


def _lonlat(zone: SafetyZone, xy: np.ndarray) -> np.ndarray:
    import shapely

    return shapely.get_coordinates(zone.frame.to_lonlat(shapely.points(xy)))


def survey(
    zone: SafetyZone,
    *,
    drones: int = 3,
    duration_s: float = 7200.0,
    photos: int = 0,
    days: int = 1,
    untagged: int = 0,
    hz: float = 1.0,
) -> Scenario:
    """``drones`` drones each flying ``days`` survey flights (one a day, ``duration_s`` long) and
    ``photos`` photos in all, spread evenly over the flights' fixes; ``untagged`` more without a
    position; ``hz`` fixes a second."""
    tracks = []
    for day in range(days):
        for k in range(drones):
            xy = lawnmower_m(zone, k, drones, duration_s, hz=hz)
            tracks.append(
                track_from_m(
                    zone,
                    f"drone{k + 1}",
                    k + 1,
                    xy,
                    T0 + day * 7 * 86400 + k * 60,
                    hz=hz,
                    source=f"flights/day{day}/drone{k + 1}.tlog",
                )
            )
    fixes = [(t.drone, f) for t in tracks for f in t.fixes]
    out = []
    if photos:
        step = len(fixes) / photos
        for n in range(photos):
            drone, f = fixes[int(n * step)]
            out.append(
                Photo(
                    file=f"DJI_{n:05d}.JPG",
                    path=f"photos/DJI_{n:05d}.JPG",
                    drone=drone,
                    t_s=f.t_s,
                    lon=f.lon,
                    lat=f.lat,
                    alt_rel_m=f.alt_rel_m,
                    heading_deg=f.heading_deg,
                )
            )
    out += [Photo(file=f"NOGPS_{n:03d}.JPG", drone="drone1") for n in range(untagged)]
    return Scenario(tracks=tuple(tracks), photos=tuple(out))


def loiter_track(
    zone: SafetyZone, hotspot_name: str, drone: str, *, seconds: float, t0: float = T0, offset_m: float = 10.0
) -> Track:
    """Fly in from 300 m south, hold ``seconds`` at ``offset_m`` from the hotspot, fly back."""
    h = next(h for h in zone.hotspots if h.name == hotspot_name)
    approach = [(h.x_m, h.y_m - 300 + d) for d in np.arange(0, 300 - offset_m, SPEED_M_S)]
    hold = [(h.x_m, h.y_m - offset_m)] * int(math.ceil(seconds) + 1)
    xy = np.array(approach + hold + approach[::-1])
    return track_from_m(zone, drone, int(drone[-1]) if drone[-1].isdigit() else 1, xy, t0)
