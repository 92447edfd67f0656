"""One closed tour: iterated local search (2-opt and Or-opt on neighbour lists, segment-swap
kicks, seeded) and the Held-Karp 1-tree lower bound. Costs in seconds (any additive unit)."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence

import numpy as np


def held_karp_bound(cost: np.ndarray, *, iterations: int = 400, upper: float | None = None) -> float:
    """Held-Karp lower bound of the shortest closed tour through every node of the symmetric
    ``cost`` matrix: the best 1-tree (spanning tree of nodes 1.. plus node 0's two cheapest edges)
    under node penalties found by subgradient optimisation. Every value returned is a valid bound
    (each Lagrangian value is one); more iterations only tighten it.

    >>> import numpy as np
    >>> c = np.array([[0, 1, 2, 1], [1, 0, 1, 2], [2, 1, 0, 1], [1, 2, 1, 0]], dtype=float)
    >>> round(held_karp_bound(c), 6)
    4.0
    """
    c = np.asarray(cost, dtype=float)
    n = len(c)
    if n < 3:
        return float(2 * c[0, 1:].sum()) if n == 2 else 0.0
    c = np.minimum(c, c.T)
    if upper is None:
        upper = tour_cost(c, improve_tour(c, list(range(n)), kicks=50))
    pi = np.zeros(n)
    best = -math.inf
    step, stall = 2.0, 0
    for _ in range(iterations):
        cc = c + pi[:, None] + pi[None, :]
        inside = np.zeros(n, dtype=bool)
        inside[:2] = True
        key = cc[1].copy()
        parent = np.full(n, 1)
        deg = np.zeros(n)
        total = 0.0
        for _k in range(n - 2):  # Prim on nodes 1..n-1
            km = np.where(inside, np.inf, key)
            j = int(np.argmin(km))
            total += km[j]
            deg[j] += 1
            deg[parent[j]] += 1
            inside[j] = True
            upd = cc[j] < key
            key = np.where(upd, cc[j], key)
            parent = np.where(upd, j, parent)
        two = np.argsort(cc[0, 1:], kind="stable")[:2] + 1
        total += cc[0, two].sum()
        deg[0] += 2
        deg[two] += 1
        val = float(total - 2 * pi.sum())
        if val > best + 1e-9:
            best, stall = val, 0
        else:
            stall += 1
            if stall > 20:
                step, stall = step / 2, 0
        g = deg - 2
        norm = float((g * g).sum())
        if norm == 0:
            return val  # the 1-tree is a tour: optimal
        pi = pi + step * max(upper - val, 1e-9 * abs(upper)) / norm * g
    return best


def tour_cost(cost: np.ndarray | list, tour: Sequence[int]) -> float:
    """Length (cost) of the closed tour ``tour`` under the matrix ``cost``."""
    return float(sum(cost[tour[k - 1]][tour[k]] for k in range(len(tour))))


def improve_tour(
    cost: np.ndarray,
    tour: list[int],
    *,
    kicks: int = 1000,
    rng: random.Random | None = None,
    deadline: float | None = None,
    neighbours: int = 10,
) -> list[int]:
    """Improve a closed tour (symmetric ``cost``): 2-opt + Or-opt local search, then ``kicks``
    segment-swap perturbations each followed by local search, keeping the best (iterated local
    search). Returns the best tour rotated to start at ``tour[0]``. Stops at ``deadline``
    (``time.perf_counter()`` value) if given.

    >>> import numpy as np
    >>> pts = np.array([[0, 0], [2, 2], [2, 0], [0, 2]], dtype=float)
    >>> c = np.hypot(*(pts[:, None] - pts[None]).transpose(2, 0, 1))
    >>> improve_tour(c, [0, 1, 2, 3])
    [0, 2, 1, 3]
    """
    m = len(tour)
    first = tour[0]
    if m <= 3:
        return list(tour)
    rng = rng or random.Random(0)
    d = np.asarray(cost, dtype=float)
    d = np.where(np.isfinite(d), d, 1e12)
    order = np.argsort(d + np.diag(np.full(len(d), np.inf)), axis=1)[:, : min(neighbours, m - 1)]
    D = d.tolist()
    neigh = order.tolist()
    t = list(tour)
    _local_search(t, D, neigh, list(t))
    best, best_c = t[:], tour_cost(D, t)
    cur_c = best_c
    for _k in range(kicks):
        if deadline is not None and time.perf_counter() > deadline:
            break
        cand = t[:]
        touched = _segment_swap(cand, rng)
        _local_search(cand, D, neigh, touched)
        c = tour_cost(D, cand)
        if c < cur_c - 1e-9 or (c <= cur_c + 1e-9 and rng.random() < 0.5):
            t, cur_c = cand, c
            if c < best_c - 1e-9:
                best, best_c = cand[:], c
    k = best.index(first)
    return best[k:] + best[:k]


def _segment_swap(t: list[int], rng: random.Random) -> list[int]:
    """Perturb in place: swap two consecutive random segments (a double bridge, kept local)."""
    m = len(t)
    cap = max(1, min(50, m // 3))
    l1, l2 = rng.randint(1, cap), rng.randint(1, cap)
    i = rng.randrange(m)
    rot = t[i:] + t[:i]  # rot[0] stays, then B, C
    if 1 + l1 + l2 > m:
        l1 = l2 = max(1, (m - 1) // 2)
    b = rot[1 : 1 + l1]
    c = rot[1 + l1 : 1 + l1 + l2]
    rot[1 : 1 + l1 + l2] = c + b
    t[:] = rot
    return [rot[0], b[0], b[-1], c[0], c[-1], rot[(1 + l1 + l2) % m]]


def _local_search(t: list[int], D: list[list[float]], neigh: list[list[int]], queue: list[int]) -> None:
    """2-opt and Or-opt (segments of 1-3, both orientations) with don't-look bits, in place."""
    m = len(t)
    pos = [0] * len(D)
    for i, c in enumerate(t):
        pos[c] = i
    inq = [False] * len(D)
    q = []
    for c in queue:
        if not inq[c]:
            inq[c] = True
            q.append(c)

    def push(*nodes: int) -> None:
        for c in nodes:
            if not inq[c]:
                inq[c] = True
                q.append(c)

    def reverse(i: int, j: int) -> None:
        """Reverse the cyclic run from position i to j (inclusive), or its complement if shorter."""
        length = (j - i) % m + 1
        if 2 * length > m:
            i, j = (j + 1) % m, (i - 1) % m
            length = m - length
        for _ in range(length // 2):
            a, b = t[i], t[j]
            t[i], t[j] = b, a
            pos[b], pos[a] = i, j
            i = (i + 1) % m
            j = (j - 1) % m

    while q:
        a = q.pop()
        inq[a] = False
        improved = True
        while improved:
            improved = False
            i = pos[a]
            # 2-opt, successor side
            b = t[(i + 1) % m]
            dab = D[a][b]
            for c in neigh[a]:
                dac = D[a][c]
                if dac >= dab:
                    break
                j = pos[c]
                e = t[(j + 1) % m]
                if c == b or e == a:
                    continue
                if dac + D[b][e] - dab - D[c][e] < -1e-9:
                    reverse((i + 1) % m, j)
                    push(a, b, c, e)
                    improved = True
                    break
            if improved:
                continue
            # 2-opt, predecessor side
            b = t[(i - 1) % m]
            dab = D[b][a]
            for c in neigh[a]:
                dac = D[a][c]
                if dac >= dab:
                    break
                j = pos[c]
                e = t[(j - 1) % m]
                if c == b or e == a:
                    continue
                if dac + D[b][e] - dab - D[e][c] < -1e-9:
                    reverse(j, (i - 1) % m)
                    push(a, b, c, e)
                    improved = True
                    break
            if improved:
                continue
            # Or-opt: move the segment that starts at a (forward, length 1-3)
            for seg_len in (1, 2, 3):
                if seg_len >= m - 2:
                    break
                i = pos[a]
                seg = [t[(i + k) % m] for k in range(seg_len)]
                s0, s1 = seg[0], seg[-1]
                p = t[(i - 1) % m]
                nx = t[(i + seg_len) % m]
                gain = D[p][s0] + D[s1][nx] - D[p][nx]
                if gain <= 1e-9:
                    continue
                best = None
                for end in (s0, s1):
                    for c in neigh[end]:
                        if c in seg:
                            continue
                        jc = pos[c]
                        for e in (t[(jc + 1) % m], t[(jc - 1) % m]):
                            if e in seg:
                                continue
                            # insert between c and e: either orientation
                            base = D[c][e]
                            for x, y in ((s0, s1), (s1, s0)):
                                add = D[c][x] + D[y][e] - base
                                if add - gain < -1e-9 and (best is None or add - gain < best[0]):
                                    best = (add - gain, c, e, x, y)
                if best is not None:
                    _, c, e, x, y = best
                    rest = [n for n in t if n not in seg]
                    k = rest.index(c)
                    ins = seg if x == s0 else seg[::-1]
                    # orient so the tour reads c, x..y, e
                    if rest[(k + 1) % len(rest)] == e:
                        new = rest[: k + 1] + ins + rest[k + 1 :]
                    else:
                        new = rest[:k] + ins[::-1] + rest[k:]
                    t[:] = new
                    for idx, node in enumerate(t):
                        pos[node] = idx
                    push(p, nx, c, e, s0, s1)
                    improved = True
                    break


__all__ = ["held_karp_bound", "improve_tour", "tour_cost"]
