"""Route pieces in metres: points (``XY``), polyline lengths, and :class:`Segment`.

A :class:`Segment` is a photographed lane or a camera-off link; coverage routes
(:mod:`~dronepatrol.planning.coverage`) and fleet splits (:mod:`~dronepatrol.planning.split`) are
sequences of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

XY = tuple[float, float]


# --- public records ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Segment:
    """A piece of route: a polyline in metres, photographed (``photo``) or a link (camera off)."""

    points: tuple[XY, ...]
    photo: bool

    @property
    def length_m(self) -> float:
        return polyline_length(self.points)


def polyline_length(points: Sequence[XY]) -> float:
    """Length in metres of the polyline through ``points`` (0 for fewer than two)."""
    if len(points) < 2:
        return 0.0
    a = np.asarray(points, dtype=float)
    return float(np.hypot(*np.diff(a, axis=0).T).sum())


__all__ = [
    "XY",
    "Segment",
    "polyline_length",
]
