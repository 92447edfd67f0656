"""Several routes: min-max local search between routes (relocate, cross-exchange, 2-opt*,
three-route chains) and a provable lower bound on the longest route. Seconds throughout."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dronepatrol.planning.tour import held_karp_bound, improve_tour
from dronepatrol.planning.vrp import EPS, RoutingProblem

#: Weight of the total time next to the longest route in the multi-route objective
#: F = longest + MINMAX_SUM_WEIGHT * total (the longest dominates; the total breaks ties and lets
#: routes that are not the longest get shorter, which makes room for later moves).
MINMAX_SUM_WEIGHT = 0.01
_BIG_LEG = 1e9  # finite stand-in for a missing leg inside the vectorised move evaluation


class _Fleet:
    """The data the multi-route moves need: per-drone leg matrices with finite values, dwell,
    launch sites, budgets (with a tolerance)."""

    def __init__(self, problem: RoutingProblem) -> None:
        self.problem = problem
        self.nv = problem.n_vehicles
        self.svc = problem.service()
        self.dep = list(problem.depots)
        self.cap = [problem.budget(v) + EPS for v in range(self.nv)]
        if problem.leg_s.ndim == 2:
            shared = np.where(np.isfinite(problem.leg_s), problem.leg_s, _BIG_LEG)
            self.D = [shared] * self.nv
        else:
            self.D = [np.where(np.isfinite(problem.legs(v)), problem.legs(v), _BIG_LEG) for v in range(self.nv)]

    def time(self, v: int, route: Sequence[int]) -> float:
        if len(route) == 0:
            return 0.0
        path = np.array([self.dep[v], *route, self.dep[v]])
        return float(self.D[v][path[:-1], path[1:]].sum() + self.svc[path].sum())

    def path(self, v: int, route: Sequence[int]) -> np.ndarray:
        return np.array([self.dep[v], *route, self.dep[v]], dtype=int)


def _objective(times: Sequence[float]) -> float:
    return max(times, default=0.0) + MINMAX_SUM_WEIGHT * sum(times)


def _segments(P: np.ndarray, k: int, D: np.ndarray, svc: np.ndarray) -> tuple:
    """Every run of ``k`` hotspots in the route path ``P`` (launch site, hotspots, launch site):
    start positions, the nodes before, first, last and after, the run's inner cost forwards and
    backwards under ``D``, and its dwell."""
    n = len(P) - 2
    i = np.arange(1, n - k + 2)
    first, last = P[i], P[i + k - 1]
    inner = np.zeros(len(i))
    inner_r = np.zeros(len(i))
    dwell = svc[first].copy()
    for q in range(k - 1):
        inner += D[P[i + q], P[i + q + 1]]
        inner_r += D[P[i + q + 1], P[i + q]]
        dwell += svc[P[i + q + 1]]
    return i, P[i - 1], first, last, P[i + k], inner, inner_r, dwell


def _pair_move(
    fl: _Fleet, routes: list[list[int]], times: list[float], a: int, b: int, max_seg: int = 3
) -> tuple[float, list[int], list[int]] | None:
    """Best move between routes ``a`` and ``b`` by the objective F of the whole plan (the other routes
    unchanged): relocate a run of 1-3 hotspots to its cheapest place in the other route (either
    orientation, both ways), cross-exchange (swap runs of 1-3 hotspots in place, either orientation)
    and 2-opt* (swap the routes' tails, both orientations). Returns (F, new a, new b) or None.
    Each candidate is scored in one vectorised pass; the caller checks the move exactly."""
    svc, w = fl.svc, MINMAX_SUM_WEIGHT
    others = [times[v] for v in range(fl.nv) if v not in (a, b)]
    m_other, s_other = max(others, default=0.0), sum(others)
    Pa, Pb = fl.path(a, routes[a]), fl.path(b, routes[b])
    Da, Db = fl.D[a], fl.D[b]
    ta, tb = times[a], times[b]
    best: list = [math.inf, None, None]

    def consider(ta_new: np.ndarray, tb_new: np.ndarray, build) -> None:
        score = np.maximum(np.maximum(ta_new, tb_new), m_other) + w * (ta_new + tb_new + s_other)
        score = np.where((ta_new <= fl.cap[a]) & (tb_new <= fl.cap[b]), score, np.inf)
        k = int(np.argmin(score))
        if score.flat[k] < best[0]:
            best[:] = [float(score.flat[k]), build, np.unravel_index(k, score.shape)]

    # relocate a run src -> dst (cheapest insertion, either orientation)
    for src, P, Q, Ds, Dd, ts, td in ((a, Pa, Pb, Da, Db, ta, tb), (b, Pb, Pa, Db, Da, tb, ta)):
        u, x = Q[:-1], Q[1:]
        base = Dd[u, x][:, None]
        for k in range(1, min(max_seg, len(P) - 2) + 1):
            i, prv, f, l_, nx, inner, inner_r, dwell = _segments(P, k, Ds, svc)
            inner_d, inner_dr = (inner, inner_r) if Ds is Dd else _segments(P, k, Dd, svc)[5:7]
            ts_new = ts - (Ds[prv, f] + inner + Ds[l_, nx] - Ds[prv, nx] + dwell)
            fwd = Dd[u[:, None], f[None]] + inner_d[None] + Dd[l_[None], x[:, None]]
            rev = Dd[u[:, None], l_[None]] + inner_dr[None] + Dd[f[None], x[:, None]]
            td_new = td + np.minimum(fwd, rev) - base + dwell[None]
            ts_b = np.broadcast_to(ts_new[None], td_new.shape)

            def build(idx, i=i, k=k, P=P, Q=Q, fwd=fwd, rev=rev, src=src):
                j, s = idx
                s0 = int(i[s])
                run = list(P[s0 : s0 + k])
                if rev[j, s] < fwd[j, s]:
                    run = run[::-1]
                new_src = list(P[1:s0]) + list(P[s0 + k : -1])
                new_dst = list(Q[1 : j + 1]) + run + list(Q[j + 1 : -1])
                return (new_src, new_dst) if src == a else (new_dst, new_src)

            if src == a:
                consider(ts_b, td_new, build)
            else:
                consider(td_new, ts_b, build)

    # cross-exchange in place
    na, nb = len(Pa) - 2, len(Pb) - 2
    seg_a = {k: _segments(Pa, k, Da, svc) for k in range(1, min(max_seg, na) + 1)}
    seg_b = {k: _segments(Pb, k, Db, svc) for k in range(1, min(max_seg, nb) + 1)}
    for ka, (ia, pa, fa, la, xa, inn_a, innr_a, dw_a) in seg_a.items():
        out_a = Da[pa, fa] + inn_a + Da[la, xa] + dw_a
        inn_ab, innr_ab = (inn_a, innr_a) if Da is Db else _segments(Pa, ka, Db, svc)[5:7]
        for kb, (ib, pb, fb, lb, xb, inn_b, innr_b, dw_b) in seg_b.items():
            out_b = Db[pb, fb] + inn_b + Db[lb, xb] + dw_b
            inn_ba, innr_ba = (inn_b, innr_b) if Da is Db else _segments(Pb, kb, Da, svc)[5:7]
            in_af = Da[pa[:, None], fb[None]] + inn_ba[None] + Da[lb[None], xa[:, None]]
            in_ar = Da[pa[:, None], lb[None]] + innr_ba[None] + Da[fb[None], xa[:, None]]
            in_bf = Db[pb[None], fa[:, None]] + inn_ab[:, None] + Db[la[:, None], xb[None]]
            in_br = Db[pb[None], la[:, None]] + innr_ab[:, None] + Db[fa[:, None], xb[None]]
            ta_new = ta - out_a[:, None] + np.minimum(in_af, in_ar) + dw_b[None]
            tb_new = tb - out_b[None] + np.minimum(in_bf, in_br) + dw_a[:, None]

            def build(idx, ia=ia, ib=ib, ka=ka, kb=kb, in_af=in_af, in_ar=in_ar, in_bf=in_bf, in_br=in_br):
                p, q = idx
                i0, j0 = int(ia[p]), int(ib[q])
                run_a, run_b = list(Pa[i0 : i0 + ka]), list(Pb[j0 : j0 + kb])
                put_a = run_b if in_af[p, q] <= in_ar[p, q] else run_b[::-1]
                put_b = run_a if in_bf[p, q] <= in_br[p, q] else run_a[::-1]
                return (
                    list(Pa[1:i0]) + put_a + list(Pa[i0 + ka : -1]),
                    list(Pb[1:j0]) + put_b + list(Pb[j0 + kb : -1]),
                )

            consider(ta_new, tb_new, build)

    # 2-opt*: a keeps its head up to position i and flies b's tail after position j (and vice versa)
    def heads(P: np.ndarray, D: np.ndarray) -> np.ndarray:
        e = D[P[:-2], P[1:-1]]
        return np.concatenate([[0.0], np.cumsum(e)]) + np.cumsum(svc[P[:-1]])

    def tails(P: np.ndarray, D: np.ndarray, end: int) -> tuple[np.ndarray, np.ndarray]:
        h = P[1:-1]
        n = len(h)
        cost = np.zeros(n + 1)
        first = np.full(n + 1, end)
        if n:
            e = D[h[:-1], h[1:]]
            suffix = np.concatenate([np.cumsum(e[::-1])[::-1], [0.0]])
            cost[:n] = suffix + D[h[-1], end] + np.cumsum(svc[h][::-1])[::-1]
            first[:n] = h
        return cost, first

    head_a = heads(Pa, Da)
    tail_a, first_a = tails(Pa, Db, fl.dep[b])
    for Pbo in (Pb, np.concatenate([Pb[:1], Pb[1:-1][::-1], Pb[-1:]])):
        head_b = heads(Pbo, Db)
        tail_b, first_b = tails(Pbo, Da, fl.dep[a])
        ta_new = head_a[:, None] + Da[Pa[:-1][:, None], first_b[None]] + tail_b[None]
        tb_new = head_b[None] + Db[Pbo[:-1][None], first_a[:, None]] + tail_a[:, None]

        def build(idx, Pbo=Pbo):
            i, j = idx
            return list(Pa[1 : i + 1]) + list(Pbo[j + 1 : -1]), list(Pbo[1 : j + 1]) + list(Pa[i + 1 : -1])

        consider(ta_new, tb_new, build)

    if best[1] is None:
        return None
    new_a, new_b = best[1](best[2])
    return best[0], [int(x) for x in new_a], [int(x) for x in new_b]


def _chain_move(
    fl: _Fleet, routes: list[list[int]], times: list[float], L: int, A: int, B: int, max_seg: int = 2
) -> tuple[float, list[list[int]]] | None:
    """Ejection chain over three routes: a run of 1-2 hotspots leaves ``L`` for its cheapest place in
    ``A`` while a run of ``A`` leaves for its cheapest place in ``B`` (for balanced plans where no
    single move between two routes helps). Returns (F estimate, new routes) or None."""
    svc, w = fl.svc, MINMAX_SUM_WEIGHT
    PL, PA, PB = (fl.path(v, routes[v]) for v in (L, A, B))
    if len(PL) < 3 or len(PA) < 3:
        return None
    rest = [times[v] for v in range(fl.nv) if v not in (L, A, B)]
    m_other, s_other = max(rest, default=0.0), sum(rest)

    def removal(v: int, P: np.ndarray, k: int, Dto: np.ndarray) -> tuple:
        i, prv, f, l_, nx, inner, inner_r, dwell = _segments(P, k, fl.D[v], svc)
        D = fl.D[v]
        gain = D[prv, f] + inner + D[l_, nx] - D[prv, nx] + dwell
        if Dto is not D:
            inner, inner_r = _segments(P, k, Dto, svc)[5:7]
        return i, gain, f, l_, inner, inner_r, dwell

    def insertion(v: int, Q: np.ndarray, f, l_, inner, inner_r, dwell) -> tuple:
        D = fl.D[v]
        u, x = Q[:-1], Q[1:]
        base = D[u, x][:, None]
        fwd = D[u[:, None], f[None]] + inner[None] + D[l_[None], x[:, None]] - base
        rev = D[u[:, None], l_[None]] + inner_r[None] + D[f[None], x[:, None]] - base
        both = np.minimum(fwd, rev)
        j = np.argmin(both, axis=0)
        cols = np.arange(both.shape[1])
        return both[j, cols] + dwell, j, rev[j, cols] < fwd[j, cols]

    best = None
    for kx in range(1, min(max_seg, len(PL) - 2) + 1):
        ix, gx, fx, lx, inx, inrx, dx = removal(L, PL, kx, fl.D[A])
        add_x, jx, rx = insertion(A, PA, fx, lx, inx, inrx, dx)
        for ky in range(1, min(max_seg, len(PA) - 2) + 1):
            iy, gy, fy, ly, iny, inry, dy = removal(A, PA, ky, fl.D[B])
            add_y, jy, ry = insertion(B, PB, fy, ly, iny, inry, dy)
            tL = times[L] - gx
            tA = times[A] + add_x[:, None] - gy[None]
            tB = times[B] + add_y
            score = np.maximum(np.maximum(np.maximum(tL[:, None], tA), tB[None]), m_other) + w * (
                tL[:, None] + tA + tB[None] + s_other
            )
            score = np.where((tA <= fl.cap[A]) & (tB[None] <= fl.cap[B]), score, np.inf)
            p = np.unravel_index(int(np.argmin(score)), score.shape)
            if best is None or score[p] < best[0]:
                best = (
                    float(score[p]),
                    kx,
                    ky,
                    int(ix[p[0]]),
                    int(jx[p[0]]),
                    bool(rx[p[0]]),
                    int(iy[p[1]]),
                    int(jy[p[1]]),
                    bool(ry[p[1]]),
                )
    if best is None or not math.isfinite(best[0]):
        return None
    score, kx, ky, i0, j0, r0, i1, j1, r1 = best
    run_x = [int(x) for x in PL[i0 : i0 + kx]][:: -1 if r0 else 1]
    run_y = [int(x) for x in PA[i1 : i1 + ky]][:: -1 if r1 else 1]
    gone = set(run_y)
    new_a: list[int] = []
    for pos in range(len(PA) - 1):  # run_x goes on the edge PA[j0] -> PA[j0 + 1]
        if pos > 0 and int(PA[pos]) not in gone:
            new_a.append(int(PA[pos]))
        if pos == j0:
            new_a.extend(run_x)
    new = [list(r) for r in routes]
    new[L] = [int(x) for x in PL[1:i0]] + [int(x) for x in PL[i0 + kx : -1]]
    new[A] = new_a
    new[B] = [int(x) for x in PB[1 : j1 + 1]] + run_y + [int(x) for x in PB[j1 + 1 : -1]]
    return score, new


def _route_ls(fl: _Fleet, v: int, route: list[int], rng: random.Random, kicks: int) -> list[int]:
    """Route ``v`` re-ordered by 2-opt/Or-opt (plus ``kicks`` perturbations); never worse."""
    if len(route) < 3:
        return list(route)
    nodes = [fl.dep[v], *route]
    tour = improve_tour(fl.D[v][np.ix_(nodes, nodes)], list(range(len(nodes))), kicks=kicks, rng=rng)
    new = [nodes[k] for k in tour[1:]]
    return new if fl.time(v, new) <= fl.time(v, route) + EPS else list(route)


def minmax_descent(
    problem: RoutingProblem,
    routes: Sequence[Sequence[int]],
    *,
    seed: int = 0,
    kicks: int = 0,
    max_moves: int | None = None,
    deadline: float | None = None,
) -> list[tuple[int, ...]]:
    """Local search between routes for the min-max objective.

    Moves (pairs with the longest route first): relocate, cross-exchange and 2-opt* between two
    routes (:func:`_pair_move`), then the three-route ejection chain; the changed routes are
    re-ordered by 2-opt/Or-opt. A move is kept only if it lowers F = longest + 0.01 x total,
    keeps every route within its budget and does not make the longest route longer: the longest
    route never grows. Hotspots are neither added nor dropped. Deterministic for a given ``seed``.
    """
    fl = _Fleet(problem)
    rng = random.Random(seed)
    cur = [_route_ls(fl, v, list(r), rng, kicks) for v, r in enumerate(routes)]
    times = [fl.time(v, r) for v, r in enumerate(cur)]
    nv = fl.nv
    limit = max_moves if max_moves is not None else 20 * (sum(len(r) for r in cur) + 10)
    for _ in range(limit):
        if deadline is not None and time.perf_counter() > deadline:
            break
        order = sorted(range(nv), key=lambda v: (-times[v], v))
        f_cur, longest = _objective(times), max(times)
        candidates = []
        for x in range(nv):
            for y in range(x + 1, nv):
                candidates.append(("pair", order[x], order[y]))
        if nv >= 3:
            candidates += [("chain", order[0], a, b) for a in order[1:] for b in order[1:] if a != b]
        applied = False
        for cand in candidates:
            if cand[0] == "pair":
                _, a, b = cand
                mv = _pair_move(fl, cur, times, a, b)
                if mv is None or mv[0] >= f_cur - 1e-6:
                    continue
                new = [list(r) for r in cur]
                new[a], new[b] = mv[1], mv[2]
            else:
                mv = _chain_move(fl, cur, times, *cand[1:])
                if mv is None or mv[0] >= f_cur - 1e-6:
                    continue
                new = mv[1]
            changed = [v for v in range(nv) if new[v] != cur[v]]
            for v in changed:
                new[v] = _route_ls(fl, v, new[v], rng, kicks)
            new_times = [fl.time(v, r) if v in changed else times[v] for v, r in enumerate(new)]
            if (
                _objective(new_times) < f_cur - 1e-6
                and max(new_times) <= longest + 1e-9
                and all(t <= fl.cap[v] or t <= times[v] for v, t in enumerate(new_times))
            ):
                cur, times, applied = new, new_times, True
                break
        if not applied:
            break
    return [tuple(r) for r in cur]


def voronoi_start(problem: RoutingProblem, rng: random.Random) -> list[tuple[int, ...]]:
    """Each hotspot to the drone whose launch site is nearest (shortest leg), routes by 2-opt/Or-opt
    from a nearest-neighbour order."""
    fl = _Fleet(problem)
    visits = np.array(problem.visits)
    lab = np.argmin(np.stack([fl.D[v][fl.dep[v], visits] for v in range(fl.nv)]), axis=0)
    routes = []
    for v in range(fl.nv):
        nodes = [fl.dep[v], *visits[lab == v].tolist()]
        sub = fl.D[v][np.ix_(nodes, nodes)]
        tour, left = [0], set(range(1, len(nodes)))
        while left:
            nxt = min(left, key=lambda j, last=tour[-1]: (sub[last, j], j))
            tour.append(nxt)
            left.remove(nxt)
        tour = improve_tour(sub, tour, kicks=0, rng=rng)
        routes.append(tuple(nodes[k] for k in tour[1:]))
    return routes


@dataclass(frozen=True)
class MinMaxBound:
    """Lower bound (s) on the longest route of any plan that visits every hotspot.

    ``trip_s``: the longest round trip (plus dwell) some hotspot needs from its best launch site.
    ``total_s``: a lower bound on the total time of ``nv`` non-empty routes, each closed at its own
    launch site: the Held-Karp bound of a tour through every hotspot and two copies of each launch
    site, where only the copies (b of site k, a of site k+1) are joined, at zero cost; the routes
    laid end to end (a_k, route k, b_k, a_k+1, ...) form such a tour, so its optimum is at most their
    total. ``pair_total_s``: the same bound with every copy joined to every other (a plan with an
    empty route is a tour of this kind too). ``bound_s`` = max(trip, min(total / nv,
    pair_total / (nv - 1))): the longest route is at least the mean of the non-empty ones.
    """

    bound_s: float
    trip_s: float
    total_s: float
    pair_total_s: float


def minmax_lower_bound(problem: RoutingProblem, *, iterations: int = 400) -> MinMaxBound:
    """:class:`MinMaxBound` of ``problem`` (budgets ignored; legs made symmetric by their minimum and,
    per drone, the smallest over drones for legs between hotspots)."""
    nv = problem.n_vehicles
    visits = list(problem.visits)
    svc = problem.service()
    dwell = float(svc[visits].sum())
    legs = [np.minimum(problem.legs(v), problem.legs(v).T) for v in range(nv)]
    legs = [np.where(np.isfinite(x), x, _BIG_LEG) for x in legs]  # no safe path: a huge leg
    trip = max((min(legs[v][problem.depots[v], i] * 2 for v in range(nv)) + svc[i] for i in visits), default=0.0)
    if not visits:
        return MinMaxBound(bound_s=0.0, trip_s=0.0, total_s=0.0, pair_total_s=0.0)
    hot = np.minimum.reduce(legs)[np.ix_(visits, visits)]
    m = len(visits)
    k = 2 * nv
    base = np.zeros((k + m, k + m))
    base[k:, k:] = hot
    for v in range(nv):
        for c in (2 * v, 2 * v + 1):
            base[c, k:] = legs[v][problem.depots[v], visits]
            base[k:, c] = base[c, k:]
    big = 2.0 * (base.max() * (m + k) + 1.0)
    pair = base.copy()
    pair[:k, :k] = 0.0
    pair_total = held_karp_bound(pair, iterations=iterations)
    if nv == 1:
        total = pair_total
        bound = max(trip, total + dwell)
        return MinMaxBound(
            bound_s=float(bound), trip_s=float(trip), total_s=float(total + dwell), pair_total_s=float(total + dwell)
        )
    ring = base.copy()
    ring[:k, :k] = big
    for v in range(nv):
        a, b = 2 * v + 1, (2 * v + 2) % k
        ring[a, b] = ring[b, a] = 0.0
    total = held_karp_bound(ring, iterations=iterations)
    bound = max(trip, min((total + dwell) / nv, (pair_total + dwell) / (nv - 1)))
    return MinMaxBound(
        bound_s=float(bound), trip_s=float(trip), total_s=float(total + dwell), pair_total_s=float(pair_total + dwell)
    )


__all__ = ["MinMaxBound", "minmax_descent", "minmax_lower_bound", "voronoi_start"]
