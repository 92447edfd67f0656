"""Fleet split: cut one coverage route into balanced shares, one per drone, and into sorties.

The route (lanes and safe links, metres) is cut into contiguous pieces. Drone *d*'s share costs
``take-off climb + transit from its launch site + its piece of the route + transit back + descent``
seconds (:class:`~dronepatrol.planning.flight_time.FlightModel`: cruise, acceleration, turns).
Cuts may fall anywhere along a lane (at most ``piece_m`` metres apart), so the shares can be
balanced finely. Every assignment of drones to the route's consecutive pieces is tried (up to 6
drones; beyond, launch order) and, for each, the smallest per-drone time ``T`` for which a greedy
fill covers the whole route is found by bisection. A share longer than the drone's usable
endurance (``endurance x (1 - reserve)``) is flown as several sorties, each within it.

>>> from dronepatrol.planning.segments import Segment
>>> from dronepatrol.planning.paths import SafeSpace
>>> from shapely.geometry import box
>>> lanes = [Segment(points=((0.0, 10.0 + 20 * k), (1000.0, 10.0 + 20 * k))[:: 1 - 2 * (k % 2)],
...                  photo=True) for k in range(10)]
>>> shares = split_route(lanes, [(0.0, 0.0), (1000.0, 200.0)], space=SafeSpace(box(0, 0, 1000, 200)),
...                      models=[FlightModel()] * 2, alt_m=60.0)
>>> times = [s.time_s for s in shares]
>>> round(max(times) / min(times), 2) <= 1.02
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from shapely.geometry import Point
from shapely.ops import nearest_points

from dronepatrol.errors import SafetyError
from dronepatrol.planning.flight_time import FlightModel, turn_angle
from dronepatrol.planning.paths import SafeSpace
from dronepatrol.planning.segments import XY, Segment

#: Longest stretch of lane between two candidate cut points, metres.
PIECE_M = 40.0
#: Visibility tests allowed for the transit distances (points x nodes x drones).
DISTANCE_BUDGET = 150_000


@dataclass(frozen=True, kw_only=True)
class Share:
    """One sortie of one drone: ``drone`` is the index into the drones given to the split."""

    drone: int
    sortie: int
    base: XY  # launch site, metres
    transit_in: tuple[XY, ...]  # base -> first survey point (both included)
    segments: tuple[Segment, ...]  # the survey: lanes (photo) and links
    transit_out: tuple[XY, ...]  # last survey point -> base (both included)
    time_s: float

    @property
    def path(self) -> list[XY]:
        """The whole flight as one polyline from the launch site back to it (metres)."""
        pts: list[XY] = list(self.transit_in)
        for s in self.segments:
            pts.extend(s.points[1:] if pts and math.dist(pts[-1], s.points[0]) < 1e-6 else s.points)
        pts.extend(self.transit_out[1:])
        return pts

    @property
    def survey_m(self) -> float:
        """Metres from the first lane's start to the last lane's end."""
        return sum(s.length_m for s in self.segments)

    @property
    def lanes(self) -> list[tuple[XY, ...]]:
        return [s.points for s in self.segments if s.photo]


def mission_time_s(path: Sequence[XY], model: FlightModel, alt_m: float) -> float:
    """Seconds for take-off to ``alt_m``, flying ``path`` (metres) and landing at its end."""
    return model.path_time_s(path) + model.climb_time_s(alt_m) + model.descent_time_s(alt_m)


def entry_point(space: SafeSpace, base: XY) -> XY:
    """``base`` if it is in the free region, else the nearest point of the free region."""
    if space.contains(base):
        return base
    near = nearest_points(space.free, Point(base))[0]
    return (float(near.x), float(near.y))


def _flatten(segments: Sequence[Segment], piece_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Route vertices (n, 2), photo flag per edge (n - 1), and cut-candidate flags (n)."""
    pts: list[XY] = []
    photo: list[bool] = []
    cut: list[bool] = []
    for seg in segments:
        for k, q in enumerate(seg.points):
            q = (float(q[0]), float(q[1]))
            if not pts:
                pts.append(q)
                cut.append(True)
                continue
            a = pts[-1]
            d = math.dist(a, q)
            if d < 1e-6:
                cut[-1] = cut[-1] or seg.photo
                continue
            flag = seg.photo and k > 0  # a jump between segments is flown as a link
            if flag and d > piece_m:
                n = math.ceil(d / piece_m)
                for j in range(1, n):
                    f = j / n
                    pts.append((a[0] + f * (q[0] - a[0]), a[1] + f * (q[1] - a[1])))
                    photo.append(True)
                    cut.append(True)
            pts.append(q)
            photo.append(flag)
            cut.append(seg.photo)
    return np.asarray(pts, dtype=float).reshape(-1, 2), np.asarray(photo, dtype=bool), np.asarray(cut, dtype=bool)


def _transit_distances(
    space: SafeSpace, entries: Sequence[XY], pts: np.ndarray, photo: np.ndarray, cuts: np.ndarray
) -> np.ndarray:
    """Safe distances (metres) from each entry to each cut point.

    Exact at lane ends and every few pieces, interpolated along the route in between (transit
    times only steer the split; the final times are computed on the real paths).
    """
    m = len(cuts)
    toggles = np.zeros(len(pts), dtype=bool)
    toggles[0] = toggles[-1] = True
    if len(photo) > 1:
        change = np.nonzero(photo[1:] != photo[:-1])[0] + 1
        toggles[change] = True
    keep = toggles[cuts].copy()
    keep[::4] = True
    budget = max(50, int(DISTANCE_BUDGET / max(1, len(space.nodes)) / max(1, len(entries))))
    if keep.sum() > budget:  # thin out: transit distances vary smoothly along the lanes
        idx = np.nonzero(keep)[0]
        keep[:] = False
        keep[idx[np.linspace(0, len(idx) - 1, budget).round().astype(int)]] = True
    keep[0] = keep[-1] = True
    exact_idx = np.nonzero(keep)[0]
    exact = space.distances(entries, pts[cuts[exact_idx]])
    big = np.nanmax(np.where(np.isfinite(exact), exact, np.nan)) if np.isfinite(exact).any() else 1e9
    exact = np.where(np.isfinite(exact), exact, 10 * big + 1e6)
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))])[cuts]
    return np.vstack([np.interp(along, along[exact_idx], exact[d]) for d in range(len(entries))]).reshape(-1, m)


def _cumulative_time(pts: np.ndarray, photo: np.ndarray, model: FlightModel) -> np.ndarray:
    """Seconds to reach each vertex flying the polyline at cruise speed, turns included."""
    v = model.cruise_speed_m_s
    d = np.hypot(*np.diff(pts, axis=0).T) if len(pts) > 1 else np.zeros(0)
    t = np.concatenate([[0.0], np.cumsum(d / v)])
    pen = np.zeros(len(pts))
    for k in range(1, len(pts) - 1):
        if photo[k - 1] != photo[k]:
            # camera items between two waypoints end a run: counted as a stop and a restart,
            # as the mission checks' estimate does
            pen[k] = v / model.accel_m_s2
        elif d[k - 1] > 1e-6 and d[k] > 1e-6:
            pen[k] = model.turn_penalty_s(turn_angle(tuple(pts[k - 1]), tuple(pts[k]), tuple(pts[k + 1])), v)
    return t + np.cumsum(pen)


def split_route(
    segments: Sequence[Segment],
    bases: Sequence[XY],
    *,
    space: SafeSpace,
    models: Sequence[FlightModel],
    alt_m: float,
    limits_s: Sequence[float] | None = None,
    piece_m: float = PIECE_M,
) -> list[Share]:
    """Balanced shares of the route for drones launching at ``bases`` (metres).

    ``models[d]`` times drone *d* (its cruise speed); ``limits_s[d]`` is its usable endurance in
    seconds per sortie (``None``: unlimited). Returns the shares (drones without work get none),
    ordered by drone then sortie. Raises :class:`SafetyError` if a piece of route cannot be flown
    within a sortie even alone.
    """
    k = len(bases)
    if k == 0:
        raise ValueError("no drones to share the survey")
    segments = [s for s in segments if s.points]
    if not segments:
        return []
    limits = [math.inf] * k if limits_s is None else [float(x) for x in limits_s]
    pts, photo, cutflag = _flatten(segments, piece_m)
    cuts = np.nonzero(cutflag)[0]
    if cuts[0] != 0:
        cuts = np.concatenate([[0], cuts])
    if cuts[-1] != len(pts) - 1:
        cuts = np.concatenate([cuts, [len(pts) - 1]])
    entries = [entry_point(space, b) for b in bases]
    dist = _transit_distances(space, entries, pts, photo, cuts)  # (k, m)
    cum = []
    fixed = []
    for d in range(k):
        mdl = models[d]
        c = _cumulative_time(pts, photo, mdl)[cuts]
        cum.append(c)
        stub = math.dist(bases[d], entries[d])
        fixed.append(mdl.climb_time_s(alt_m) + mdl.descent_time_s(alt_m) + mdl.cruise_speed_m_s
                     / mdl.accel_m_s2 + 2 * (stub / mdl.cruise_speed_m_s) + 2 * mdl.turn_penalty_s(math.pi / 2))
    speed = [models[d].cruise_speed_m_s for d in range(k)]
    m = len(cuts)

    def chunk_times(d: int, a: int) -> np.ndarray:
        """Time of drone d's sortie from cut a to every cut b (inf for b <= a)."""
        t = cum[d] - cum[d][a] + (dist[d, a] + dist[d]) / speed[d] + fixed[d]
        t[: a + 1] = np.inf
        return t

    def fill(perm: Sequence[int], target: float) -> list[tuple[int, int, int, float]] | None:
        """Greedy shares (drone, a, b, time) with each drone's total at most ``target``."""
        out: list[tuple[int, int, int, float]] = []
        a = 0
        for d in perm:
            used = 0.0
            while a < m - 1:
                cap = min(limits[d], target - used)
                t = chunk_times(d, a)
                ok = np.nonzero(t <= cap)[0]
                if not len(ok):
                    break
                b = int(ok[-1])
                out.append((d, a, b, float(t[b])))
                used += float(t[b])
                a = b
            if a >= m - 1:
                break
        return out if a >= m - 1 else None

    # every piece must fit one sortie of some drone
    piece = np.min(np.vstack([cum[d][1:] - cum[d][:-1] + (dist[d, :-1] + dist[d, 1:]) / speed[d] + fixed[d]
                              for d in range(k)]), axis=0)
    worst = int(np.argmax(piece))
    if piece[worst] > max(limits):
        where = pts[cuts[worst]]
        raise SafetyError(
            f"a stretch of the survey near {where[0]:.0f} E {where[1]:.0f} N (metres) takes "
            f"{piece[worst] / 60:.1f} min from the nearest launch site, more than a drone's usable endurance "
            "— add a launch site closer to it or use drones with more endurance"
        )

    perms = list(itertools.permutations(range(k))) if k <= 6 else [tuple(range(k))]
    total_hi = max(float(chunk_times(d, 0)[m - 1]) for d in range(k))
    best: tuple[float, float, list[tuple[int, int, int, float]]] | None = None
    for perm in perms:
        hi = total_hi * (1.0 + (total_hi / min(limits) if math.isfinite(min(limits)) else 0.0)) + 1.0
        if fill(perm, hi) is None:
            continue
        lo = 0.0
        for _ in range(40):
            mid = 0.5 * (lo + hi)
            if fill(perm, mid) is None:
                lo = mid
            else:
                hi = mid
            if hi - lo < 0.5:
                break
        shares = fill(perm, hi)
        assert shares is not None
        per_drone = [sum(s[3] for s in shares if s[0] == d) for d in range(k)]
        busy = [t for t in per_drone if t > 0]
        key = (max(busy), max(busy) / min(busy))
        if best is None or key < best[:2]:
            best = (key[0], key[1], shares)
    if best is None:
        raise SafetyError("the survey cannot be split into sorties within the drones' endurance")
    return _build(best[2], pts, photo, cuts, bases, entries, space, models, alt_m)


def _build(
    chosen: list[tuple[int, int, int, float]],
    pts: np.ndarray,
    photo: np.ndarray,
    cuts: np.ndarray,
    bases: Sequence[XY],
    entries: Sequence[XY],
    space: SafeSpace,
    models: Sequence[FlightModel],
    alt_m: float,
) -> list[Share]:
    out: list[Share] = []
    sortie_no: dict[int, int] = {}
    for d, a, b in sorted(((c[0], c[1], c[2]) for c in chosen), key=lambda c: (c[0], c[1])):
        segs = _segments(pts, photo, int(cuts[a]), int(cuts[b]))
        if not segs:
            continue
        start, end = segs[0].points[0], segs[-1].points[-1]
        t_in = _transit(space, bases[d], entries[d], start)
        t_out = _transit(space, bases[d], entries[d], end)[::-1]
        sortie_no[d] = sortie_no.get(d, 0) + 1
        share = Share(drone=d, sortie=sortie_no[d], base=bases[d], transit_in=tuple(t_in),
                      segments=tuple(segs), transit_out=tuple(t_out), time_s=0.0)
        t = mission_time_s(share.path, models[d], alt_m)
        out.append(Share(drone=d, sortie=share.sortie, base=share.base, transit_in=share.transit_in,
                         segments=share.segments, transit_out=share.transit_out, time_s=t))
    return out


def _transit(space: SafeSpace, base: XY, entry: XY, to: XY) -> list[XY]:
    path = space.path(entry, to)
    if math.dist(base, entry) > 1e-6:
        path = [base, *path]
    return [tuple(map(float, p)) for p in path]


def _segments(pts: np.ndarray, photo: np.ndarray, i0: int, i1: int) -> list[Segment]:
    """The route between vertices i0 and i1 as segments, links at either end dropped."""
    segs: list[Segment] = []
    cur: list[XY] = [tuple(map(float, pts[i0]))]
    flag: bool | None = None
    for e in range(i0, i1):
        f = bool(photo[e])
        q = tuple(map(float, pts[e + 1]))
        if flag is None or f == flag:
            cur.append(q)
            flag = f
        else:
            segs.append(Segment(points=tuple(cur), photo=flag))
            cur = [cur[-1], q]
            flag = f
    if flag is not None and len(cur) > 1:
        segs.append(Segment(points=tuple(cur), photo=flag))
    while segs and not segs[0].photo:
        segs.pop(0)
    while segs and not segs[-1].photo:
        segs.pop()
    return segs


def balance(shares: Sequence[Share], drones: int | None = None) -> float:
    """Max/min of the drones' total flight times (sorties added); 1.0 for one drone or none."""
    per: dict[int, float] = {}
    for s in shares:
        per[s.drone] = per.get(s.drone, 0.0) + s.time_s
    if drones is not None and len(per) < drones:
        return math.inf if per else 1.0
    vals = list(per.values())
    return max(vals) / min(vals) if vals and min(vals) > 0 else 1.0


__all__ = ["PIECE_M", "Share", "balance", "entry_point", "mission_time_s", "split_route"]
