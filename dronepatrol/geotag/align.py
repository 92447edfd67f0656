"""Aligning a camera's photo sequence with the vehicle's camera-trigger sequence.

The camera's clock is off by an unknown offset, some triggers gave no photo (missed shots) and
some photos had no trigger (taken by hand). We look for the offset ``offset_s`` (seconds to add
to a photo's camera time to get vehicle time) and a monotone matching of photos to triggers:

1. **candidate offsets**: every difference ``trigger_t - photo_t`` votes; the densest windows
   (``2 x tolerance_s`` wide) are the candidates (an off-by-one-shot alignment is one of them);
2. **matching at an offset** (:func:`match_pairs`): a maximum-weight non-crossing matching of
   photos to triggers, by dynamic programming over the pairs whose time difference is within
   ``tolerance_s``: a pair weighs ``2 - (residual / tolerance)^2`` (always more than leaving
   both unmatched), so the DP takes as many pairs as possible, then the closest ones;
3. **refinement**: the offset is re-estimated from the matched pairs (median, then the least-squares
   mean), matched again, and the candidate with the highest total weight wins;
4. **tightening**: the final matching only accepts residuals within four times the 90th
   percentile of the matched ones' spread, so a hand photo close to a missed shot stays unmatched.

Times are seconds on any common scale (UTC POSIX in practice).

>>> trig = [10.0, 12.0, 15.0, 19.0, 20.5, 26.0]
>>> photos = [t - 37.0 for t in (10.0, 15.0, 19.0, 20.5, 26.0)] + [-10.0]  # one missed, one extra
>>> a = align(photos, trig, tolerance_s=0.3)
>>> round(a.offset_s, 3), a.pairs, a.unmatched_photos, a.unmatched_triggers
(37.0, ((0, 0), (1, 2), (2, 3), (3, 4), (4, 5)), (5,), (1,))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: At most this many photo x trigger differences vote for the offset (photos are subsampled).
MAX_VOTES = 4_000_000
MAX_CANDIDATES = 12


@dataclass(frozen=True, kw_only=True)
class Alignment:
    """Result of :func:`align`. Indices refer to the sequences as given (not sorted).

    ``residuals_s[k] = photo_t[i] + offset_s - trigger_t[j]`` for ``pairs[k] = (i, j)``.
    ``runner_up_offset_s`` is the best other candidate offset and ``runner_up_ratio`` its score
    relative to the winner's, both scored at the final (tightened) matching tolerance (close to
    1: the alignment is ambiguous, e.g. a perfectly regular sequence shifted by one shot), and
    ``runner_up_evidence`` how many photos' worth (a perfect match scores 2 per photo) the winner
    is ahead by: every lane of a survey starts and ends where the shifted sequence cannot match,
    so many lanes decide between two offsets that a ratio alone calls close.
    """

    offset_s: float
    pairs: tuple[tuple[int, int], ...]
    residuals_s: tuple[float, ...]
    unmatched_photos: tuple[int, ...]
    unmatched_triggers: tuple[int, ...]
    tolerance_s: float
    score: float
    runner_up_offset_s: float | None = None
    runner_up_ratio: float = 0.0
    runner_up_evidence: float = 0.0


def default_tolerance_s(trigger_t: Sequence[float], *, subsecond: bool) -> float:
    """Matching tolerance, seconds: 0.5 s for cameras with sub-second times, 1.0 s for whole
    seconds (a truncated clock), never more than 0.45 of the median trigger interval (so a photo
    cannot match the neighbouring shot).

    >>> default_tolerance_s([0, 2, 4, 6], subsecond=True), default_tolerance_s([0, 1, 2], subsecond=False)
    (0.5, 0.45)
    """
    tol = 0.5 if subsecond else 1.0
    t = np.sort(np.asarray(trigger_t, dtype=float))
    if len(t) >= 2:
        gaps = np.diff(t)
        gaps = gaps[gaps > 0]
        if len(gaps):
            tol = min(tol, 0.45 * float(np.median(gaps)))
    return max(tol, 0.01)


def match_pairs(
    photo_t: Sequence[float], trigger_t: Sequence[float], offset_s: float, tolerance_s: float
) -> list[tuple[int, int]]:
    """Best monotone matching of **sorted** photo times (+ ``offset_s``) to **sorted** trigger
    times: pairs ``(i, j)`` increasing in both, each within ``tolerance_s``, of maximum total
    weight ``sum(2 - (r / tolerance_s)^2)``. Sparse DP with a Fenwick tree: O(P log M) for P
    candidate pairs.

    >>> match_pairs([0.0, 1.0, 1.1, 3.0], [0.05, 1.08, 3.0], 0.0, 0.2)
    [(0, 0), (2, 1), (3, 2)]
    """
    p = np.asarray(photo_t, dtype=float) + offset_s
    t = np.asarray(trigger_t, dtype=float)
    m = len(t)
    if len(p) == 0 or m == 0:
        return []
    lo = np.searchsorted(t, p - tolerance_s, side="left")
    hi = np.searchsorted(t, p + tolerance_s, side="right")
    tree_val = [0.0] * (m + 1)  # Fenwick prefix maximum over trigger positions 1..m
    tree_id = [-1] * (m + 1)
    nodes: list[tuple[int, int, int]] = []  # (i, j, previous node)

    def query(pos: int) -> tuple[float, int]:  # best chain over triggers 0..pos-1
        best_v, best_id = 0.0, -1
        while pos > 0:
            if tree_val[pos] > best_v:
                best_v, best_id = tree_val[pos], tree_id[pos]
            pos -= pos & -pos
        return best_v, best_id

    def update(pos: int, value: float, node: int) -> None:
        while pos <= m:
            if value > tree_val[pos]:
                tree_val[pos], tree_id[pos] = value, node
            pos += pos & -pos

    inv_tol2 = 1.0 / (tolerance_s * tolerance_s)
    for i in np.nonzero(hi > lo)[0].tolist():
        found = []
        for j in range(int(lo[i]), int(hi[i])):
            r = p[i] - t[j]
            prev_v, prev_id = query(j)
            found.append((prev_v + 2.0 - r * r * inv_tol2, prev_id, j))
        for value, prev_id, j in found:  # after all queries: one photo takes at most one trigger
            nodes.append((i, j, prev_id))
            update(j + 1, value, len(nodes) - 1)
    _, node = query(m)
    pairs = []
    while node >= 0:
        i, j, node = nodes[node]
        pairs.append((i, j))
    return pairs[::-1]


def _candidates(p: np.ndarray, t: np.ndarray, tolerance_s: float) -> list[float]:
    """Centres of the densest windows of trigger-minus-photo differences."""
    step = max(1, int(np.ceil(len(p) * len(t) / MAX_VOTES)))
    d = (t[None, :] - p[::step, None]).ravel()
    d.sort()
    width = 2.0 * tolerance_s
    counts = np.searchsorted(d, d + width, side="right") - np.arange(len(d))
    top = np.argsort(-counts, kind="stable")[: max(MAX_CANDIDATES * int(counts.max()) * 2, 64)]
    chosen: list[float] = []
    for k in top.tolist():
        if any(abs(d[k] + tolerance_s - c) <= width for c in chosen):
            continue  # the same cluster as a chosen window
        centre = float(np.median(d[k : k + counts[k]]))
        if all(abs(centre - c) > tolerance_s for c in chosen):
            chosen.append(centre)
            if len(chosen) >= MAX_CANDIDATES:
                break
    return chosen


def _refine(p: np.ndarray, t: np.ndarray, offset_s: float, tol: float) -> tuple[float, list, np.ndarray, float]:
    pairs: list[tuple[int, int]] = []
    for robust in (True, True, False):
        pairs = match_pairs(p, t, offset_s, tol)
        if not pairs:
            return offset_s, [], np.empty(0), 0.0
        ii, jj = np.array(pairs).T
        r = p[ii] + offset_s - t[jj]
        offset_s -= float(np.median(r)) if robust else float(np.mean(r))
    pairs = match_pairs(p, t, offset_s, tol)
    if not pairs:
        return offset_s, [], np.empty(0), 0.0
    ii, jj = np.array(pairs).T
    r = p[ii] + offset_s - t[jj]
    return offset_s, pairs, r, float(np.sum(2.0 - (r / tol) ** 2))


def align(
    photo_t: Sequence[float],
    trigger_t: Sequence[float],
    *,
    tolerance_s: float,
    offset_s: float | None = None,
    min_tolerance_s: float = 0.05,
) -> Alignment:
    """Estimate the camera clock offset (unless ``offset_s`` is given) and match photos to
    triggers, tolerating missed and extra photos. See the module docstring.

    ``tolerance_s`` bounds the search; the final matching accepts four times the 90th percentile
    of the matched residuals' deviation (at least ``min_tolerance_s``, at most ``tolerance_s``):
    photos further from every trigger are left unmatched (placed along the track at their own
    time)."""
    po = np.argsort(np.asarray(photo_t, dtype=float), kind="stable")
    to = np.argsort(np.asarray(trigger_t, dtype=float), kind="stable")
    p = np.asarray(photo_t, dtype=float)[po]
    t = np.asarray(trigger_t, dtype=float)[to]
    results = []
    if len(p) and len(t):
        starts = [offset_s] if offset_s is not None else _candidates(p, t, tolerance_s)
        for start in starts:
            if offset_s is not None:
                pairs = match_pairs(p, t, offset_s, tolerance_s)
                r = np.array([p[i] + offset_s - t[j] for i, j in pairs])
                results.append((float(np.sum(2.0 - (r / tolerance_s) ** 2)) if pairs else 0.0, offset_s, pairs, r))
            else:
                off, pairs, r, score = _refine(p, t, start, tolerance_s)
                results.append((score, off, pairs, r))
    if not results:
        results = [(0.0, offset_s if offset_s is not None else 0.0, [], np.empty(0))]
    results.sort(key=lambda x: -x[0])
    score, off, pairs, r = results[0]
    runner = next((x for x in results[1:] if abs(x[1] - off) > tolerance_s), None)
    tol = tolerance_s
    if len(pairs) >= 8:
        # Tighten to the residuals' own spread: a hand photo that happens to fall within the
        # search tolerance of a missed shot must not take that shot's position.
        spread = float(np.quantile(np.abs(r - np.median(r)), 0.9))
        tight = min(tolerance_s, max(min_tolerance_s, 4.0 * spread))
        if tight < tolerance_s:
            tol = tight
            pairs = match_pairs(p, t, off, tol)
            r = np.array([p[i] + off - t[j] for i, j in pairs])
    runner_ratio = 0.0 if runner is None or score <= 0 else float(runner[0] / score)
    evidence = 0.0 if runner is None else (score - runner[0]) / 2.0
    if runner is not None and tol < tolerance_s and len(pairs):
        # Judge the runner-up at the tolerance the photos were matched with: shifted by one shot,
        # regular shots still line up along straight lanes, but not where the drone turned.
        runner_pairs = match_pairs(p, t, runner[1], tol)
        rr = np.array([p[i] + runner[1] - t[j] for i, j in runner_pairs])
        ours = float(np.sum(2.0 - (r / tol) ** 2))
        theirs = float(np.sum(2.0 - (rr / tol) ** 2)) if runner_pairs else 0.0
        runner_ratio = theirs / ours if ours > 0 else 0.0
        evidence = (ours - theirs) / 2.0
    mapped = tuple((int(po[i]), int(to[j])) for i, j in pairs)
    matched_p = {i for i, _ in mapped}
    matched_t = {j for _, j in mapped}
    order = np.argsort([i for i, _ in mapped], kind="stable")
    return Alignment(
        offset_s=float(off),
        pairs=tuple(mapped[k] for k in order),
        residuals_s=tuple(float(r[k]) for k in order),
        unmatched_photos=tuple(i for i in range(len(p)) if i not in matched_p),
        unmatched_triggers=tuple(j for j in range(len(t)) if j not in matched_t),
        tolerance_s=tol,
        score=float(score),
        runner_up_offset_s=None if runner is None else float(runner[1]),
        runner_up_ratio=runner_ratio,
        runner_up_evidence=evidence,
    )


__all__ = ["Alignment", "align", "default_tolerance_s", "match_pairs"]
