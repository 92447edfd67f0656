"""Deconfliction of a fleet's missions: staggered take-offs and holds over home. Pure functions.

Drones launched from one field stand a few metres apart, closer than the separation distance
(``rules.min_separation_m``). The planner gives each drone its own take-off and transit altitude
(layers ``rules.separation_alt_band_m`` apart, see :func:`~dronepatrol.planning.survey.transit_altitudes`),
and :func:`deconflict` then chooses, mission by mission:

- a **start offset** (``Mission.start_offset_s``, seconds after the common start of the mission's
  sortie round, see :func:`~dronepatrol.planning.checks.mission_starts`), so that drones climb one
  after the other and their work does not meet; and
- a **hold** over the launch site before the final descent (a waypoint with a hover time), so that
  drones land one after the other; a hold costs battery, so it never exceeds the endurance left.

The search is greedy in flight order (first sorties first, drone by drone) and exact with respect
to :func:`~dronepatrol.planning.checks.check_missions`'s separation rule: each candidate is judged
on the same flown-on-paper time line (:func:`~dronepatrol.planning.estimate.simulate`), with a
small safety pad, against every mission already placed. The cheapest candidate (offset + hold,
seconds) wins. When no candidate within :data:`MAX_DELAY_S` works, :class:`SafetyError` names the
two drones and what the officer can change.

>>> from dronepatrol.zones import load_zone
>>> from dronepatrol.mission import Home, Mission, takeoff, waypoint, rtl
>>> from dronepatrol.planning.checks import check_missions
>>> zone = load_zone("geofences/roiet.geojson")
>>> a = Mission(drone="drone1", home=Home(lon=103.6530, lat=16.0518),
...             items=(takeoff(75.0), waypoint(103.6530, 16.0540, 75.0), rtl()))
>>> b = Mission(drone="drone2", home=Home(lon=103.65314, lat=16.0518),     # 15 m east
...             items=(takeoff(60.0), waypoint(103.6545, 16.0530, 60.0), rtl()))
>>> [f.rule for f in check_missions([a, b], zone).errors]
['separation']
>>> result = deconflict([a, b], zone.frame)
>>> [m.start_offset_s for m in result.missions], check_missions(result.missions, zone).ok
([0.0, 10.0], True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from dronepatrol.errors import SafetyError
from dronepatrol.geo import LocalFrame
from dronepatrol.mission import Cmd, Mission, waypoint
from dronepatrol.planning.checks import mission_starts
from dronepatrol.planning.estimate import Flight, simulate
from dronepatrol.planning.flight_time import FlightModel
from dronepatrol.rules import DEFAULT_RULES, Rules

#: Longest start offset or hold tried for one mission, seconds.
MAX_DELAY_S = 900.0
#: Step of the start offsets tried, seconds (offsets are whole seconds).
OFFSET_STEP_S = 2.0
#: Step of the holds tried, seconds.
HOLD_STEP_S = 2.0
#: Safety pads over the separation rule (metres) so that the checker's sampling never differs.
PAD_H_M = 1.0
PAD_V_M = 0.01
#: A hold point is this much farther (metres) than the separation distance from other launch sites.
HOLD_CLEAR_M = 5.0
#: Samples looked at first (the first minute after the later start).
EARLY_SAMPLES = 240
#: Time step (s) of the search's time line; the checker uses 0.25 s.
STEP_S = 0.25


@dataclass(frozen=True, kw_only=True)
class Deconfliction:
    """The deconflicted missions and what it cost.

    ``offsets_s`` / ``holds_s`` per mission file stem; ``extra_s`` per drone (all its offsets and
    holds); ``makespan_s`` the fleet's end (last landing) after the common start, ``base_makespan_s``
    the same without separation; ``layers_m`` the take-off altitude of each drone's first mission.
    """

    missions: tuple[Mission, ...]
    offsets_s: dict[str, float] = field(default_factory=dict)
    holds_s: dict[str, float] = field(default_factory=dict)
    extra_s: dict[str, float] = field(default_factory=dict)
    makespan_s: float = 0.0
    base_makespan_s: float = 0.0
    layers_m: dict[str, float] = field(default_factory=dict)

    @property
    def cost_s(self) -> float:
        """Extra seconds until the last drone lands, against the plan without separation."""
        return max(0.0, self.makespan_s - self.base_makespan_s)

    @property
    def cost_pct(self) -> float:
        return 100.0 * self.cost_s / self.base_makespan_s if self.base_makespan_s > 0 else 0.0

    @property
    def strategies(self) -> list[str]:
        out = []
        if len(set(self.layers_m.values())) > 1:
            out.append("altitude layers")
        if any(v > 0 for v in self.offsets_s.values()):
            out.append("staggered starts")
        if any(v > 0 for v in self.holds_s.values()):
            out.append("holds over home before landing")
        return out or ["none needed"]

    def to_json(self) -> dict:
        layers = sorted(set(self.layers_m.values()))
        return {
            "strategies": self.strategies,
            "start_offset_s": {k: round(v, 1) for k, v in self.offsets_s.items()},
            "hold_s": {k: round(v, 1) for k, v in self.holds_s.items() if v > 0},
            "extra_min": {k: round(v / 60.0, 2) for k, v in self.extra_s.items()},
            "layers_m": self.layers_m,
            "altitude_spread_m": round(layers[-1] - layers[0], 1) if layers else 0.0,
            "makespan_s": round(self.makespan_s, 1),
            "base_makespan_s": round(self.base_makespan_s, 1),
            "cost_s": round(self.cost_s, 1),
            "cost_pct": round(self.cost_pct, 2),
        }


@dataclass
class _Placed:
    drone: str
    start_s: float
    times_s: np.ndarray
    xyz: np.ndarray

    @property
    def end_s(self) -> float:
        return self.start_s + float(self.times_s[-1])


def with_hold(mission: Mission, frame: LocalFrame, hold_s: float, at: tuple[float, float] | None = None) -> Mission:
    """``mission`` with a waypoint hovering ``hold_s`` seconds just before its final RTL, at ``at``
    (lon, lat; default over home), at the altitude the drone returns at. Missions not ending in
    RTL are returned unchanged."""
    items = list(mission.items)
    if not items or items[-1].command != Cmd.NAV_RETURN_TO_LAUNCH:
        return mission
    alt = next((it.alt_m for it in reversed(items) if it.is_nav and it.command != Cmd.NAV_RETURN_TO_LAUNCH), None)
    if alt is None:
        return mission
    lon, lat = at if at is not None else (mission.home.lon, mission.home.lat)
    hold = waypoint(lon, lat, alt, hold_s=max(0.0, float(hold_s)))
    return mission.with_items((*items[:-1], hold, items[-1]))


def _conflict(a: _Placed, start_b: float, times_b: np.ndarray, xyz_b: np.ndarray, rules: Rules,
              window: tuple[float, float] | None = None, pad_h_m: float = PAD_H_M, pad_v_m: float = PAD_V_M) -> bool:
    """True if ``a`` and a flight starting at ``start_b`` break the separation rule (padded).

    Samples the time line on the checker's grid (every :data:`STEP_S` from the later start);
    ``window`` keeps only the samples within it.
    """
    t0 = max(a.start_s, start_b)
    t1 = min(a.end_s, start_b + float(times_b[-1]))
    if t1 < t0:
        return False
    k0 = 0
    k1 = math.floor((t1 - t0) / STEP_S) + 1
    if window is not None:
        k0 = max(0, math.floor((window[0] - t0) / STEP_S))
        if math.isfinite(window[1]):
            k1 = min(k1, math.ceil((window[1] - t0) / STEP_S) + 1)
        if k1 < k0:
            return False
    # most conflicts of drones from one field come soon after the later take-off: look there first
    k_mid = min(k1, k0 + EARLY_SAMPLES)
    for lo, hi in ((k0, k_mid), (k_mid + 1, k1)) if k_mid < k1 else ((k0, k1),):
        if hi >= lo and _close(a, start_b, times_b, xyz_b, rules,
                               np.clip(t0 + STEP_S * np.arange(lo, hi + 1), t0, t1), pad_h_m, pad_v_m):
            return True
    return False


def _close(a: _Placed, start_b: float, times_b: np.ndarray, xyz_b: np.ndarray, rules: Rules, t: np.ndarray,
           pad_h_m: float, pad_v_m: float) -> bool:
    ta, tb = t - a.start_s, t - start_b
    dx = np.interp(ta, a.times_s, a.xyz[:, 0]) - np.interp(tb, times_b, xyz_b[:, 0])
    dy = np.interp(ta, a.times_s, a.xyz[:, 1]) - np.interp(tb, times_b, xyz_b[:, 1])
    dz = np.interp(ta, a.times_s, a.xyz[:, 2]) - np.interp(tb, times_b, xyz_b[:, 2])
    close = (np.hypot(dx, dy) < rules.min_separation_m + pad_h_m) & (
        np.abs(dz) < rules.separation_alt_band_m + pad_v_m)
    return bool(close.any())


def _held(flight: Flight, k: int, hold_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Time line of ``flight`` (simulated with a :data:`HOLD_STEP_S` hold whose end is sample
    ``k``) with the hold lengthened to ``hold_s``."""
    extra = hold_s - HOLD_STEP_S
    times, xyz = flight.times_s, flight.xyz
    if abs(extra) < 1e-9:
        return times, xyz
    return np.concatenate([times[:k], times[k:] + extra]), xyz


def _hold_sample(flight: Flight, at_xy: tuple[float, float]) -> int | None:
    """Index of the sample ending the hold at ``at_xy`` (the last sample there before landing)."""
    n = len(flight.times_s)
    for k in range(n - 1, 0, -1):
        p = flight.xyz[k]
        q = flight.xyz[k - 1]
        if (math.dist(p[:2], at_xy) < 0.05 and math.dist(q[:2], at_xy) < 0.05 and p[2] > 0
                and flight.times_s[k] - flight.times_s[k - 1] >= HOLD_STEP_S - 1e-6):
            return k
    return None


def deconflict(
    missions: Sequence[Mission],
    frame: LocalFrame,
    *,
    rules: Rules = DEFAULT_RULES,
    models: Mapping[str, FlightModel] | None = None,
    limits_s: Mapping[str, float] | None = None,
    hold_point: Callable[[Mission], tuple[float, float] | None] | None = None,
    max_delay_s: float = MAX_DELAY_S,
    where: str = "",
    first: Sequence[str] | None = None,
) -> Deconfliction:
    """Start offsets and holds so that ``missions`` pass the separation rule (module docstring).

    ``models`` per drone name (default: the mission's cruise speed); ``limits_s`` per drone name
    the longest flight its battery allows (seconds): a hold never makes a mission longer;
    ``hold_point(mission)`` gives where (lon, lat) that mission may hold before its final return
    (a safe point clear of the other launch sites; ``None`` = no hold). ``where`` prefixes error
    messages (the zone file); ``first`` the drones' take-off order (default: as they come).
    Raises :class:`SafetyError` when a mission cannot be separated within ``max_delay_s`` of
    offset and of hold.
    """
    models = models or {}
    limits_s = limits_s or {}
    names = list(dict.fromkeys(m.drone for m in missions))
    rank = {d: (list(first).index(d) if first is not None and d in first else len(names) + names.index(d))
            for d in names}
    order = sorted(range(len(missions)), key=lambda k: (missions[k].sortie, rank[missions[k].drone]))
    base_flights = {k: simulate(missions[k], frame, models.get(missions[k].drone)) for k in order}
    if any(not math.isfinite(f.time_s) for f in base_flights.values()):
        return Deconfliction(missions=tuple(missions))  # endless missions: the checks refuse them
    zero = [replace(m, start_offset_s=0.0) for m in missions]
    base_times = [base_flights[k].time_s for k in range(len(missions))]
    base_makespan = max((t0 + t for t0, t in zip(mission_starts(zero, base_times), base_times, strict=True)),
                        default=0.0)
    placed: list[_Placed] = []
    out: dict[int, Mission] = {}
    offsets: dict[str, float] = {}
    holds: dict[str, float] = {}
    extra: dict[str, float] = {}
    round_end: dict[int, float] = {}  # sortie round -> when its last drone lands
    layers: dict[str, float] = {}
    for k in order:
        m = missions[k]
        base = base_flights[k]
        layers.setdefault(m.drone, _takeoff_alt(m))
        ready = max((v for r, v in round_end.items() if r < m.sortie), default=0.0)  # the round's start
        others = [p for p in placed if p.drone != m.drone]
        held: tuple[Flight, int, float] | None = None
        at = hold_point(m) if hold_point is not None and others else None
        if at is not None:
            probe = with_hold(m, frame, HOLD_STEP_S, at=at)
            if probe is not m:
                flight = simulate(probe, frame, models.get(m.drone))
                kh = _hold_sample(flight, frame.xy(*at))
                spare = limits_s.get(m.drone, math.inf) - flight.time_s + HOLD_STEP_S
                if kh is not None and spare >= HOLD_STEP_S:
                    held = (flight, kh, min(max_delay_s, spare))
        best = _search(others, ready, base, held, max_delay_s, rules)
        if best is None:
            raise SafetyError(_refusal(m, others, ready, base, rules, where))
        off, hold = best
        final = with_hold(m, frame, hold, at=at) if hold > 0 else m
        out[k] = replace(final, start_offset_s=off)
        if hold > 0 and held is not None:
            times, xyz = _held(held[0], held[1], hold)
        else:
            times, xyz = base.times_s, base.xyz
        placed.append(_Placed(drone=m.drone, start_s=ready + off, times_s=times, xyz=xyz))
        round_end[m.sortie] = max(round_end.get(m.sortie, 0.0), placed[-1].end_s)
        offsets[m.file_stem] = off
        holds[m.file_stem] = hold
        extra[m.drone] = extra.get(m.drone, 0.0) + placed[-1].end_s - ready - base.time_s
    return Deconfliction(
        missions=tuple(out[k] for k in range(len(missions))),
        offsets_s=offsets,
        holds_s=holds,
        extra_s=extra,
        makespan_s=max(round_end.values(), default=0.0),
        base_makespan_s=base_makespan,
        layers_m=layers,
    )


def _search(others: list[_Placed], ready: float, base: Flight, held: tuple[Flight, int, float] | None,
            max_delay: float, rules: Rules) -> tuple[float, float] | None:
    """The (offset, hold) in seconds that lands ``base`` (or ``held``) earliest, clear of ``others``."""
    base_t = float(base.times_s[-1])
    latest_end = ready + max_delay + max(base_t, float(held[0].times_s[-1]) + held[2] if held else 0.0)
    others = [p for p in others if p.end_s >= ready and p.start_s <= latest_end]  # can meet at all
    if not others:
        return 0.0, 0.0
    best: tuple[float, float, float] | None = None  # (end, offset, hold)
    off = 0.0
    while off <= max_delay + 1e-9:
        start = ready + off
        if best is not None and start + base_t >= best[0]:
            break
        if not any(_conflict(p, start, base.times_s, base.xyz, rules) for p in others):
            best = (start + base_t, off, 0.0)
            break
        if held is not None:
            flight, kh, max_hold = held
            t_arrive = float(flight.times_s[kh - 1])
            if not any(_conflict(p, start, flight.times_s, flight.xyz, rules, (start, start + t_arrive))
                       for p in others):
                hold = HOLD_STEP_S
                while hold <= max_hold + 1e-9:
                    end = start + float(flight.times_s[-1]) + hold - HOLD_STEP_S
                    if best is not None and end >= best[0]:
                        break
                    times, xyz = _held(flight, kh, hold)
                    if not any(_conflict(p, start, times, xyz, rules, (start + t_arrive, math.inf)) for p in others):
                        best = (end, off, hold)
                        break
                    hold += HOLD_STEP_S
        off += OFFSET_STEP_S
    return None if best is None else (best[1], best[2])


def best_deconfliction(
    options: Sequence[Sequence[Mission]],
    frame: LocalFrame,
    *,
    good_pct: float = 5.0,
    **kw,
) -> tuple[int, Deconfliction]:
    """The cheapest :func:`deconflict` (earliest last landing) over ``options`` (the same plan
    with different altitude layers), each tried with the drones taking off in their own order
    and, when that costs more than ``good_pct`` percent, in reverse. Returns (option index,
    result); raises the first :class:`SafetyError` when no option can be separated."""
    best: tuple[int, Deconfliction] | None = None
    refusal: SafetyError | None = None
    for reverse in (False, True):
        if reverse and best is not None and best[1].cost_pct <= good_pct:
            break
        for k, missions in enumerate(options):
            names = list(dict.fromkeys(m.drone for m in missions))
            try:
                dec = deconflict(missions, frame, first=names[::-1] if reverse else names, **kw)
            except SafetyError as exc:
                refusal = refusal or exc
                continue
            if best is None or dec.makespan_s < best[1].makespan_s - 1e-6:
                best = (k, dec)
    if best is None:
        assert refusal is not None
        raise refusal
    return best


def hold_points(
    frame: LocalFrame,
    free: BaseGeometry,
    hard: BaseGeometry,
    launches_xy: Sequence[tuple[float, float]],
    *,
    rules: Rules = DEFAULT_RULES,
    margin_m: float = 10.0,
) -> Callable[[Mission], tuple[float, float] | None]:
    """A ``hold_point`` for :func:`deconflict`: where a mission may wait before its final return.

    The point (lon, lat) lies in the ``free`` region (metres: zone minus margin and no-fly areas),
    at least the separation distance (plus :data:`HOLD_CLEAR_M`) from every launch site in
    ``launches_xy`` but its own, reachable in a straight safe line from the mission's last
    waypoint, and its straight way home stays in ``free`` except within ``2 × margin_m`` of home,
    where it stays in ``hard`` (zone minus no-fly areas), as the checks require. Tried first on
    the way home, then around home; ``None`` when there is no such point within 300 m.
    """
    ok = free.buffer(0.01, join_style="mitre")
    shapely.prepare(ok)
    hard_ok = hard.buffer(0.01, join_style="mitre")
    clear = rules.min_separation_m + HOLD_CLEAR_M

    def find(m: Mission) -> tuple[float, float] | None:
        home = frame.xy(m.home.lon, m.home.lat)
        last_item = next((it for it in reversed(m.items) if it.has_position and it.command != Cmd.NAV_RETURN_TO_LAUNCH),
                         None)
        last = frame.xy(last_item.lon, last_item.lat) if last_item is not None else home
        others = [q for q in launches_xy if math.dist(q, home) > 0.5]

        def good(p: tuple[float, float]) -> bool:
            if any(math.dist(p, q) < clear for q in others):
                return False
            if not ok.covers(Point(p)):
                return False
            if math.dist(p, last) > 0.05 and not ok.covers(LineString([last, p])):
                return False
            way = LineString([p, home])
            near = Point(home).buffer(max(0.0, 2 * margin_m - 0.5))
            return bool(ok.covers(way.difference(near)) and hard_ok.covers(way))

        reach = clear + max((math.dist(home, q) for q in others), default=0.0)
        seg = math.dist(home, last)
        d = reach
        while d <= min(seg, 300.0):  # on the way home first: no detour
            f = d / seg
            p = (home[0] + f * (last[0] - home[0]), home[1] + f * (last[1] - home[1]))
            if good(p):
                return frame.lonlat(*p)
            d += 5.0
        for r in np.arange(reach, 300.0, 10.0):
            for b in np.linspace(0.0, 2 * math.pi, 24, endpoint=False):
                p = (home[0] + r * math.cos(b), home[1] + r * math.sin(b))
                if good(p):
                    return frame.lonlat(*p)
        return None

    return find


def _refusal(m: Mission, others: list[_Placed], ready: float, flight: Flight, rules: Rules, where: str) -> str:
    blockers = sorted({p.drone for p in others
                       if _conflict(p, ready, flight.times_s, flight.xyz, rules)}) or sorted({p.drone for p in others})
    head = f"{where}: " if where else ""
    return (f"{head}{m.file_stem} cannot be kept {rules.min_separation_m:g} m (or {rules.separation_alt_band_m:g} m in "
            f"height) from {' and '.join(blockers)} with take-off delays and holds of up to "
            f"{MAX_DELAY_S / 60:.0f} min — move their launch sites at least {rules.min_separation_m:g} m apart, "
            "fly fewer drones (--drones), or raise the zone's ceiling so each drone gets its own altitude")


def _takeoff_alt(m: Mission) -> float:
    for it in m.items:
        if it.command == Cmd.NAV_TAKEOFF:
            return float(it.alt_m)
    return 0.0


__all__ = ["Deconfliction", "best_deconfliction", "deconflict", "hold_points", "with_hold"]
