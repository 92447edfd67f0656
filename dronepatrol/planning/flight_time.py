"""Flight-time model of a multicopter flying waypoint legs, in SI units.

Defaults follow ArduCopter's waypoint navigation parameters: WPNAV_ACCEL 250 cm/s/s,
WPNAV_SPEED_UP 250 cm/s, WPNAV_SPEED_DN 150 cm/s, LAND_SPEED 50 cm/s below 10 m.

>>> m = FlightModel(cruise_speed_m_s=10.0)
>>> round(m.path_time_s([(0, 0), (1000, 0)]), 1)   # 100 s cruising + 4 s to start and stop
104.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Point = tuple[float, float]


@dataclass(frozen=True, kw_only=True)
class FlightModel:
    """Speeds in m/s, acceleration in m/s²."""

    cruise_speed_m_s: float = 10.0
    accel_m_s2: float = 2.5
    climb_m_s: float = 2.5
    descent_m_s: float = 1.5
    land_speed_m_s: float = 0.5
    land_slow_alt_m: float = 10.0

    def leg_time_s(self, distance_m: float, speed_m_s: float | None = None) -> float:
        """Seconds to fly ``distance_m`` from a stop to a stop (trapezoidal speed profile)."""
        v = speed_m_s or self.cruise_speed_m_s
        a = self.accel_m_s2
        if distance_m <= 0:
            return 0.0
        if distance_m >= v * v / a:
            return distance_m / v + v / a
        return 2.0 * math.sqrt(distance_m / a)

    def turn_penalty_s(self, turn_rad: float, speed_m_s: float | None = None) -> float:
        """Extra seconds a heading change of ``turn_rad`` (0 straight, pi U-turn) costs at speed.

        The vehicle slows to ``v * cos(turn / 2)`` through the corner and accelerates back.
        """
        v = speed_m_s or self.cruise_speed_m_s
        vc = v * max(0.0, math.cos(min(abs(turn_rad), math.pi) / 2.0))
        return (v - vc) ** 2 / (self.accel_m_s2 * v)

    def path_time_s(self, points: Sequence[Point], speed_m_s: float | None = None) -> float:
        """Seconds to fly a polyline of metric points, starting and ending at rest."""
        v = speed_m_s or self.cruise_speed_m_s
        total = 0.0
        length = 0.0
        for i in range(1, len(points)):
            length += math.dist(points[i - 1], points[i])
            if 0 < i < len(points) - 1:
                total += self.turn_penalty_s(turn_angle(points[i - 1], points[i], points[i + 1]), v)
        if length == 0:
            return 0.0
        return total + self.leg_time_s(length, v)

    def climb_time_s(self, alt_m: float) -> float:
        """Seconds to climb ``alt_m`` metres."""
        return max(0.0, alt_m) / self.climb_m_s

    def descent_time_s(self, alt_m: float) -> float:
        """Seconds to descend ``alt_m`` metres and land (slow final ``land_slow_alt_m``)."""
        alt_m = max(0.0, alt_m)
        slow = min(alt_m, self.land_slow_alt_m)
        return (alt_m - slow) / self.descent_m_s + slow / self.land_speed_m_s


def turn_angle(a: Point, b: Point, c: Point) -> float:
    """Heading change in radians at ``b`` flying a -> b -> c (0 = straight on, pi = reverse)."""
    h1 = math.atan2(b[1] - a[1], b[0] - a[0])
    h2 = math.atan2(c[1] - b[1], c[0] - b[0])
    d = abs(h2 - h1) % (2 * math.pi)
    return d if d <= math.pi else 2 * math.pi - d


def path_length_m(points: Sequence[Point]) -> float:
    """Length in metres of a polyline of metric points."""
    return sum(math.dist(points[i - 1], points[i]) for i in range(1, len(points)))
