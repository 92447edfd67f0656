"""Geofence geometry of a simulated ArduCopter: which fences the current position breaches.

Functions of a :class:`~dronepatrol.sim.state.VehicleState`: the altitude fence (FENCE_ALT_MAX
above home), the circle around home (FENCE_RADIUS) and the stored inclusion/exclusion polygons
and circles (FENCE_TYPE bits 1, 2, 4). Reporting and FENCE_ACTION live in
:mod:`~dronepatrol.sim.failsafe`.
"""

from __future__ import annotations

import math

from dronepatrol.sim.geo import point_in_polygon
from dronepatrol.sim.state import VehicleState


def fence_check_now(v: VehicleState) -> int:
    """Bitmask of fence types breached at the current position (1 alt, 2 circle, 4 polygon)."""
    ftype = int(v.params.get("FENCE_TYPE"))
    breached = 0
    alt_rel = v.alt - v.home_rel()
    if ftype & 1 and alt_rel > v.params.get("FENCE_ALT_MAX"):
        breached |= 1
    hn, he = v.home_ne()
    if ftype & 2 and math.hypot(v.n - hn, v.e - he) > v.params.get("FENCE_RADIUS"):
        breached |= 2
    if ftype & 4 and _polygon_breached(v):
        breached |= 4
    return breached


def _polygon_breached(v: VehicleState) -> bool:
    """True if the position is outside an inclusion or inside an exclusion polygon or circle."""
    lat, lon = v.lat_lon()
    for inclusion, verts in v.fence.polygons():
        poly = [(vert[1] * 1e-7, vert[0] * 1e-7) for vert in verts]
        inside = point_in_polygon(lon, lat, poly)
        if inside != inclusion:
            return True
    for inclusion, clat, clon, radius in v.fence.circles():
        cn, ce = v.frame.to_ne(clat * 1e-7, clon * 1e-7)
        inside = math.hypot(v.n - cn, v.e - ce) <= radius
        if inside != inclusion:
            return True
    return False


def fence_names(bits: int) -> str:
    """STATUSTEXT name of the fence types in bitmask ``bits`` ("Max Alt and Circle fences")."""
    names = [n for b, n in ((1, "Max Alt"), (2, "Circle"), (4, "Polygon"), (8, "Min Alt")) if bits & b]
    if not names:
        return ""
    text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return text + (" fences" if len(names) > 1 else " fence")
