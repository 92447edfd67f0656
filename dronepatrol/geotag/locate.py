"""Photos -> positions for a fleet: which drone took each photo, the camera clock offset, and
where the drone was at the shot.

Photos come in **groups** that share one camera clock (a drone's folder, or one folder of a
card). For each group:

- the drone is known (``PhotoTime.drone``: a ``PHOTOS/<drone>/`` folder or ``--drone``), or it
  is found: the group is aligned with every drone's triggers and the best drone takes the photos
  it matched; the photos left are tried against the other drones (a folder may mix drones);
  two drones claiming the same photos is reported as ambiguous;
- with triggers and no given offset, the offset comes from :func:`~dronepatrol.geotag.align.align`;
  matched photos take the trigger's position (``method="trigger"``), photos without a trigger are
  interpolated along the fixes at photo time + offset (``method="interpolated"``);
- with a given offset every photo is interpolated along the fixes of the drone whose flight
  covers photo time + offset; a photo covered by two drones' flights is ambiguous.

Everything is pure: the photos layer reads the files, this module only computes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from dronepatrol.errors import UsageError
from dronepatrol.geotag.align import Alignment, align, default_tolerance_s
from dronepatrol.geotag.path import MAX_GAP_S, FlightPath, Position
from dronepatrol.planning.camera import Camera, footprint_corners_m
from dronepatrol.telemetry.model import Track, Trigger

#: A drone found by alignment needs at least this many matched photos.
MIN_PAIRS = 3
#: Runner-up offsets scoring this close to the winner make the alignment ambiguous (warning).
AMBIGUOUS_RATIO = 0.9
#: ... unless the winner is ahead by this many photos' worth of matches (lane ends, gaps, turns
#: where the other offset cannot line the photos up): then the alignment is decided.
DECISIVE_PHOTOS = 5.0


@dataclass(frozen=True, kw_only=True)
class PhotoTime:
    """One photo as the core sees it: ``t_s`` is the camera clock read as UTC seconds (EXIF
    DateTimeOriginal with the time zone applied), ``group`` the photos sharing that clock."""

    key: str
    t_s: float
    group: str
    drone: str | None = None
    subsecond: bool = True
    camera: Camera | None = None


@dataclass(frozen=True, kw_only=True)
class Placement:
    """Where a photo was taken. ``t_s`` is vehicle UTC seconds (photo time + offset, or the
    trigger's time); ``residual_s`` = photo time + offset - trigger time (matched photos only);
    ``footprint`` the ground footprint ring as (lon, lat) corners (None without a heading)."""

    key: str
    drone: str
    t_s: float
    lat: float
    lon: float
    alt_amsl_m: float
    alt_rel_m: float
    heading_deg: float | None
    method: str  # "trigger" or "interpolated"
    offset_s: float
    residual_s: float | None = None
    trigger_index: int | None = None
    footprint: tuple[tuple[float, float], ...] | None = None


@dataclass(frozen=True, kw_only=True)
class Problem:
    """A photo that could not be placed, and why (one line, says what to do)."""

    key: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class GroupReport:
    """How one group of photos was placed: the drone, the offset and where it came from
    (``"auto"`` from triggers or ``"given"``), residuals of the matched photos, and what was
    left unmatched (photo keys, trigger img_idx)."""

    group: str
    drone: str | None
    photos: int
    offset_s: float | None
    offset_source: str | None
    matched: int = 0
    tolerance_s: float | None = None
    residual_median_s: float | None = None
    residual_max_s: float | None = None
    unmatched_photos: tuple[str, ...] = ()
    unmatched_triggers: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class TaggedPhoto:
    """A placed photo whose geotagged copy was written: SHA-256 (hex) of the original and the
    copy, and the camera preset its footprint used."""

    placement: Placement
    sha256_original: str
    sha256_copy: str
    camera: str | None = None


@dataclass(frozen=True, kw_only=True)
class GeotagResult:
    placements: tuple[Placement, ...]
    problems: tuple[Problem, ...]
    groups: tuple[GroupReport, ...]


@dataclass
class _Drone:
    name: str
    path: FlightPath | None
    triggers: list[Trigger] = field(default_factory=list)


def _merge_tracks(tracks: Sequence[Track], max_gap_s: float) -> dict[str, _Drone]:
    """One drone per name: the fixes and triggers of all its logs together."""
    by_name: dict[str, list[Track]] = defaultdict(list)
    for tr in tracks:
        by_name[tr.drone].append(tr)
    drones = {}
    for name, trs in by_name.items():
        fixes = [f for tr in trs for f in tr.fixes]
        triggers = sorted((g for tr in trs for g in tr.triggers), key=lambda g: g.t_s)
        path = FlightPath(fixes, max_gap_s=max_gap_s) if fixes else None
        drones[name] = _Drone(name=name, path=path, triggers=triggers)
    return drones


def _footprint(camera: Camera | None, path: FlightPath, pos: Position) -> tuple[tuple[float, float], ...] | None:
    if camera is None or pos.heading_deg is None or pos.alt_rel_m <= 0:
        return None
    x, y = path.frame.xy(pos.lon, pos.lat)
    # the heading is from true north; the frame's grid north differs (UTM meridian convergence)
    xn, yn = path.frame.xy(pos.lon, pos.lat + 1e-4)
    grid_north_deg = math.degrees(math.atan2(xn - x, yn - y))
    ring = footprint_corners_m(camera, x, y, pos.alt_rel_m, pos.heading_deg + grid_north_deg)
    ring.append(ring[0])
    return tuple(path.frame.lonlat(cx, cy) for cx, cy in ring)


def _interpolated(photo: PhotoTime, drone: _Drone, offset_s: float) -> Placement | Problem:
    t = photo.t_s + offset_s
    path = drone.path
    if path is None:
        return Problem(key=photo.key, reason=f"{drone.name}'s log has no positions (GLOBAL_POSITION_INT)")
    if not path.covers(t):
        return Problem(key=photo.key, reason=f"taken at {_iso(t)}, outside {drone.name}'s flight "
                       f"({_iso(path.span_s[0])} to {_iso(path.span_s[1])}); check --offset and --tz")
    pos = path.at(t)
    if pos is None:
        return Problem(key=photo.key, reason=f"taken at {_iso(t)}, in a {path.gap_at(t):.0f} s gap of "
                       f"{drone.name}'s log (no position within {path.max_gap_s:g} s)")
    return Placement(
        key=photo.key, drone=drone.name, t_s=t, lat=pos.lat, lon=pos.lon, alt_amsl_m=pos.alt_amsl_m,
        alt_rel_m=pos.alt_rel_m, heading_deg=pos.heading_deg, method="interpolated", offset_s=offset_s,
        footprint=_footprint(photo.camera, path, pos),
    )


def _triggered(photo: PhotoTime, drone: _Drone, trig: Trigger, offset_s: float, residual_s: float) -> Placement:
    heading = trig.yaw_deg
    if heading is None and drone.path is not None:
        heading = drone.path.heading_at(trig.t_s)
    pos = Position(t_s=trig.t_s, lat=trig.lat, lon=trig.lon, alt_amsl_m=trig.alt_amsl_m, alt_rel_m=trig.alt_rel_m,
                   heading_deg=None if heading is None else heading % 360.0, x_m=0.0, y_m=0.0)
    footprint = _footprint(photo.camera, drone.path, pos) if drone.path is not None else None
    return Placement(
        key=photo.key, drone=drone.name, t_s=trig.t_s, lat=trig.lat, lon=trig.lon, alt_amsl_m=trig.alt_amsl_m,
        alt_rel_m=trig.alt_rel_m, heading_deg=pos.heading_deg, method="trigger", offset_s=offset_s,
        residual_s=residual_s, trigger_index=trig.index, footprint=footprint,
    )


def _iso(t_s: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(round(t_s), dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _near(sorted_t: np.ndarray, t: float, tol: float) -> bool:
    """True when a time of ``sorted_t`` lies within ``tol`` of ``t``."""
    k = int(np.searchsorted(sorted_t, t))
    return any(0 <= i < len(sorted_t) and abs(sorted_t[i] - t) <= tol for i in (k - 1, k))


def _doubtful(
    peeled: list[Placement], photo_t: dict[str, float], found: list[tuple[_Drone, float]], tol: dict[str, float]
) -> dict[str, list[str]]:
    """Keys of trigger-matched photos that another found drone could also claim -> those drones."""
    drones = {d.name: (d, off) for d, off in found}
    times = {name: np.array([g.t_s for g in d.triggers]) for name, (d, _) in drones.items()}
    owner = {(pl.drone, pl.trigger_index): pl for pl in peeled if pl.method == "trigger"}
    doubtful: dict[str, list[str]] = {}

    def doubt(pl: Placement, name: str) -> None:
        doubtful.setdefault(pl.key, []).append(name)
        owner.pop((pl.drone, pl.trigger_index), None)

    changed = True
    while changed:
        changed = False
        for pl in list(owner.values()):
            if pl.key in doubtful:
                continue
            t = photo_t[pl.key]
            for name, (d, off) in drones.items():
                if name == pl.drone:
                    continue
                lo, hi = np.searchsorted(times[name], [t + off - tol[name], t + off + tol[name]], side="left")
                for j in range(int(lo), int(hi) + 1):
                    if j >= len(d.triggers) or abs(d.triggers[j].t_s - (t + off)) > tol[name]:
                        continue
                    other = owner.get((name, d.triggers[j].index))
                    swap = other is not None and abs(photo_t[other.key] + drones[pl.drone][1] - pl.t_s) <= tol[pl.drone]
                    if other is None or swap:
                        doubt(pl, name)
                        if swap:
                            doubt(other, pl.drone)
                        changed = True
                        break
                if pl.key in doubtful:
                    break
    return doubtful


def _align_group(photos: list[PhotoTime], drone: _Drone, tolerance_s: float | None) -> Alignment:
    trig_t = [g.t_s for g in drone.triggers]
    tol = tolerance_s or default_tolerance_s(trig_t, subsecond=all(p.subsecond for p in photos))
    return align([p.t_s for p in photos], trig_t, tolerance_s=tol)


def _place_aligned(
    photos: list[PhotoTime], drone: _Drone, a: Alignment, group: str, out: list, problems: list
) -> GroupReport:
    """Matched photos at their triggers, the others interpolated at photo time + offset."""
    matched = set()
    for (i, j), r in zip(a.pairs, a.residuals_s, strict=True):
        out.append(_triggered(photos[i], drone, drone.triggers[j], a.offset_s, r))
        matched.add(i)
    for i, photo in enumerate(photos):
        if i not in matched:
            res = _interpolated(photo, drone, a.offset_s)
            (out if isinstance(res, Placement) else problems).append(res)
    warnings = []
    if (a.runner_up_offset_s is not None and a.runner_up_ratio >= AMBIGUOUS_RATIO
            and a.runner_up_evidence < DECISIVE_PHOTOS):
        warnings.append(
            f"offset {a.offset_s:+.2f} s and {a.runner_up_offset_s:+.2f} s align the photos almost equally "
            f"well (regular shots?); check a few photos, or give --offset"
        )
    if len(a.pairs) < 0.5 * min(len(photos), len(drone.triggers)):
        warnings.append(f"only {len(a.pairs)} of {len(photos)} photos match {drone.name}'s "
                        f"{len(drone.triggers)} camera triggers")
    r = np.abs(np.asarray(a.residuals_s))
    return GroupReport(
        group=group, drone=drone.name, photos=len(photos), offset_s=a.offset_s, offset_source="auto",
        matched=len(a.pairs), tolerance_s=a.tolerance_s,
        residual_median_s=float(np.median(r)) if len(r) else None,
        residual_max_s=float(np.max(r)) if len(r) else None,
        unmatched_photos=tuple(photos[i].key for i in a.unmatched_photos),
        unmatched_triggers=tuple(drone.triggers[j].index for j in a.unmatched_triggers),
        warnings=tuple(warnings),
    )


def _given_offset(
    group: str, photos: list[PhotoTime], drones: list[_Drone], offset_s: float, out: list, problems: list
) -> GroupReport:
    for photo in photos:
        t = photo.t_s + offset_s
        covering = [d for d in drones if d.path is not None and d.path.covers(t)]
        if len(covering) > 1:
            names = " and ".join(d.name for d in covering)
            problems.append(Problem(key=photo.key, reason=f"ambiguous: {names} were all flying at {_iso(t)}; "
                                    "put the photos in PHOTOS/<drone>/ folders or use --drone"))
            continue
        if not covering:
            if len(drones) == 1:
                res = _interpolated(photo, drones[0], offset_s)
            else:
                res = Problem(key=photo.key, reason=f"taken at {_iso(t)}, outside every flight in the logs; "
                              "check --offset and --tz")
        else:
            res = _interpolated(photo, covering[0], offset_s)
        (out if isinstance(res, Placement) else problems).append(res)
    drone = drones[0].name if len(drones) == 1 else None
    return GroupReport(group=group, drone=drone, photos=len(photos), offset_s=offset_s, offset_source="given")


def _auto_offset(
    group: str, photos: list[PhotoTime], drones: list[_Drone], tolerance_s: float | None, out: list, problems: list
) -> list[GroupReport]:
    with_triggers = [d for d in drones if d.triggers]
    if not with_triggers:
        who = drones[0].name + "'s log has" if len(drones) == 1 else "the logs have"
        for p in photos:
            problems.append(Problem(key=p.key, reason=f"{who} no camera triggers (CAMERA_FEEDBACK): "
                                    "the camera clock offset cannot be found; give --offset SECONDS"))
        return [GroupReport(group=group, drone=drones[0].name if len(drones) == 1 else None, photos=len(photos),
                            offset_s=None, offset_source=None)]
    if len(drones) == 1:
        a = _align_group(photos, drones[0], tolerance_s)
        if not a.pairs:
            for p in photos:
                problems.append(Problem(key=p.key, reason=f"no photo time matches {drones[0].name}'s camera "
                                        "triggers at any clock offset; give --offset SECONDS"))
            return [GroupReport(group=group, drone=drones[0].name, photos=len(photos), offset_s=None,
                                offset_source=None, unmatched_photos=tuple(p.key for p in photos))]
        return [_place_aligned(photos, drones[0], a, group, out, problems)]

    # Unknown drone: peel off the best-aligned drone's photos, then try the rest on the others.
    reports: list[GroupReport] = []
    remaining = list(photos)
    candidates = list(with_triggers)
    found: list[tuple[_Drone, float]] = []
    tolerances: dict[str, float] = {}
    peeled: list[Placement] = []
    while remaining and candidates:
        trials = sorted(((_align_group(remaining, d, tolerance_s), d) for d in candidates),
                        key=lambda x: -x[0].score)
        a, d = trials[0]
        if len(a.pairs) < MIN_PAIRS:
            break
        if len(trials) > 1:
            a2, d2 = trials[1]
            mine = {i for i, _ in a.pairs}
            theirs = {i for i, _ in a2.pairs}
            if len(a2.pairs) >= MIN_PAIRS and len(mine & theirs) > 0.5 * min(len(mine), len(theirs)):
                for p in remaining:
                    problems.append(Problem(key=p.key, reason=f"ambiguous: these photos align with both {d.name}'s "
                                            f"and {d2.name}'s camera triggers; put them in PHOTOS/<drone>/ folders "
                                            "or use --drone"))
                reports.append(GroupReport(group=group, drone=None, photos=len(remaining), offset_s=None,
                                           offset_source=None, warnings=(f"ambiguous between {d.name} and {d2.name}",)))
                return reports
        mine_photos = [remaining[i] for i, _ in a.pairs]
        sub = Alignment(
            offset_s=a.offset_s, pairs=tuple((k, j) for k, (_, j) in enumerate(a.pairs)), residuals_s=a.residuals_s,
            unmatched_photos=(), unmatched_triggers=a.unmatched_triggers, tolerance_s=a.tolerance_s, score=a.score,
            runner_up_offset_s=a.runner_up_offset_s, runner_up_ratio=a.runner_up_ratio,
            runner_up_evidence=a.runner_up_evidence,
        )
        reports.append(_place_aligned(mine_photos, d, sub, group, peeled, problems))
        found.append((d, a.offset_s))
        tolerances[d.name] = a.tolerance_s
        taken = {i for i, _ in a.pairs}
        remaining = [p for i, p in enumerate(remaining) if i not in taken]
        candidates.remove(d)
    # Photos no trigger claimed: by which found drone's flight covers photo time + its offset.
    for photo in remaining:
        covering = [(d, off) for d, off in found if d.path is not None and d.path.covers(photo.t_s + off)]
        if not found:
            problems.append(Problem(key=photo.key, reason="no photo time matches any drone's camera triggers at any "
                                    "clock offset; give --offset SECONDS or --drone"))
        elif len(covering) > 1:
            names = " and ".join(d.name for d, _ in covering)
            problems.append(Problem(key=photo.key, reason=f"ambiguous: {names} were all flying then; put the photos "
                                    "in PHOTOS/<drone>/ folders or use --drone"))
        elif not covering:
            problems.append(Problem(key=photo.key, reason="matches no camera trigger and lies outside every flight "
                                    "(at the offsets found)"))
        else:
            res = _interpolated(photo, covering[0][0], covering[0][1])
            (out if isinstance(res, Placement) else problems).append(res)
    # Photos of several drones in one folder: a photo matched to a shot of drone A that also falls on
    # a shot of drone B could be B's when that shot has no photo, or when B's photo there also fits
    # A's shot (a swap). Say so rather than guess; each doubt frees shots: repeat until stable.
    doubtful = _doubtful(peeled, {p.key: p.t_s for p in photos}, found, tolerances)
    for pl in peeled:
        if pl.key in doubtful:
            names = " and ".join(doubtful[pl.key])
            problems.append(Problem(key=pl.key, reason=f"ambiguous: falls on a camera shot of {pl.drone} and of "
                                    f"{names}; put the photos in PHOTOS/<drone>/ folders or use --drone"))
        else:
            out.append(pl)
    if remaining:
        reports.append(GroupReport(group=group, drone=None, photos=len(remaining), offset_s=None, offset_source=None,
                                   unmatched_photos=tuple(p.key for p in remaining)))
    return reports


def locate(
    photos: Sequence[PhotoTime],
    tracks: Sequence[Track],
    *,
    offset_s: float | None = None,
    tolerance_s: float | None = None,
    max_gap_s: float = MAX_GAP_S,
) -> GeotagResult:
    """Place every photo (see the module docstring). ``offset_s`` None means find it from the
    camera triggers; raises :class:`UsageError` when no log has any trigger then.

    Photos naming a drone no log has are reported as problems, not raised."""
    drones = _merge_tracks(tracks, max_gap_s)
    if not drones:
        raise UsageError("no flight log given; pass --log TLOG (one per drone and flight)")
    if offset_s is None and not any(d.triggers for d in drones.values()):
        raise UsageError("the logs have no camera triggers (CAMERA_FEEDBACK), so --offset auto cannot find the "
                         "camera clock offset; give --offset SECONDS (vehicle time minus camera time)")
    groups: dict[str, list[PhotoTime]] = defaultdict(list)
    for p in sorted(photos, key=lambda p: (p.group, p.t_s, p.key)):
        groups[p.group].append(p)
    out: list[Placement] = []
    problems: list[Problem] = []
    reports: list[GroupReport] = []
    for group, members in groups.items():
        by_drone: dict[str | None, list[PhotoTime]] = defaultdict(list)
        for p in members:
            by_drone[p.drone].append(p)
        for name, ps in by_drone.items():
            if name is not None and name not in drones:
                for p in ps:
                    problems.append(Problem(key=p.key, reason=f"no log for drone {name!r} (logs: "
                                            f"{', '.join(sorted(drones))}); add its --log"))
                continue
            pool = [drones[name]] if name is not None else list(drones.values())
            if offset_s is not None:
                reports.append(_given_offset(group, ps, pool, offset_s, out, problems))
            else:
                reports.extend(_auto_offset(group, ps, pool, tolerance_s, out, problems))
    order = {p.key: k for k, p in enumerate(photos)}
    return GeotagResult(
        placements=tuple(sorted(out, key=lambda p: order[p.key])),
        problems=tuple(sorted(problems, key=lambda p: order.get(p.key, -1))),
        groups=tuple(reports),
    )


__all__ = ["GeotagResult", "GroupReport", "PhotoTime", "Placement", "Problem", "TaggedPhoto", "locate"]
