"""RTL (return to launch) guidance of a simulated ArduCopter.

Owns the choice of return point (nearest rally point or home, RALLY_INCL_HOME/RALLY_LIMIT_KM),
the return altitude (RTL_ALT capped by an altitude fence) and the phases flown one step at a time
(climb, return, loiter RTL_LOIT_TIME, descend to RTL_ALT_FINAL or land). The phase state lives in
``VehicleState.rtl_state``; used by RTL mode and by a mission's RETURN_TO_LAUNCH item. Units as in
:mod:`dronepatrol.sim.vehicle`.
"""

from __future__ import annotations

import math
from typing import Any

from dronepatrol.sim.state import VehicleState as SimVehicle

#: Lowest return altitude, m, and the shallowest cone slope used (mode_rtl.cpp).
RTL_ALT_MIN_M = 0.3
RTL_MIN_CONE_SLOPE = 0.5


def _target(v: SimVehicle) -> tuple[float, float, float]:
    """Best return point: nearest rally point, or home (RALLY_INCL_HOME / RALLY_LIMIT_KM)."""
    hn, he = v.home_ne()
    home_d = math.hypot(hn - v.n, he - v.e)
    best: tuple[float, float, float] | None = None
    best_d = math.inf
    for p in v.rally.points:
        pn, pe = v.frame.to_ne(p.lat_e7 * 1e-7, p.lon_e7 * 1e-7)
        d = math.hypot(pn - v.n, pe - v.e)
        if d < best_d:
            best, best_d = (pn, pe, float(p.alt_m)), d
    limit_m = v.params.get("RALLY_LIMIT_KM") * 1000.0
    if best is None:
        return hn, he, 0.0
    if v.params.get("RALLY_INCL_HOME") and home_d < best_d:
        return hn, he, 0.0
    if limit_m > 0 and best_d > limit_m and home_d < best_d:
        return hn, he, 0.0
    return best


def start(v: SimVehicle) -> dict[str, Any]:
    """Begin RTL: return point (m north/east) and altitude (m); sets and returns ``v.rtl_state``."""
    tn, te, talt = _target(v)
    # mode_rtl.cpp compute_return_target: at least the current altitude (plus RTL_CLIMB_MIN), RTL_ALT
    # if higher, but no higher than the cone over the return distance (RTL_CONE_SLOPE)
    min_alt = max(RTL_ALT_MIN_M, v.alt + max(0.0, v.params.get("RTL_CLIMB_MIN") / 100.0))
    ret_alt = max(v.params.get("RTL_ALT") / 100.0, min_alt, talt)
    slope = v.params.get("RTL_CONE_SLOPE")
    if slope >= RTL_MIN_CONE_SLOPE:
        ret_alt = min(ret_alt, max(math.hypot(tn - v.n, te - v.e) * slope, min_alt))
    if v.fence_enabled() and int(v.params.get("FENCE_TYPE")) & 1:
        ret_alt = min(ret_alt, v.params.get("FENCE_ALT_MAX") - v.params.get("FENCE_MARGIN"))
    state = {"phase": "climb", "n": tn, "e": te, "alt": max(ret_alt, v.alt if v.landed else 0.0)}
    if v.landed and v.armed:
        state["phase"] = "land"
    v.rtl_state = state
    v.descending_to_land = False
    return state


def run(v: SimVehicle, st: dict[str, Any] | None) -> bool:
    """Fly one step of RTL; True when the vehicle has landed (or is landing at the end)."""
    if st is None:
        st = start(v)
    rtl_speed = v.params.get("RTL_SPEED") / 100.0
    if st["phase"] == "climb":
        v.tgt = (v.n, v.e, st["alt"])
        if v.alt >= st["alt"] - 0.5:
            st["phase"] = "return"
    if st["phase"] == "return":
        if rtl_speed > 0:
            v.speed_xy = rtl_speed
        v.tgt = (st["n"], st["e"], st["alt"])
        if math.hypot(st["n"] - v.n, st["e"] - v.e) <= v.params.get("WPNAV_RADIUS") / 100.0:
            st["phase"] = "loiter"
            st["until"] = v.t + v.params.get("RTL_LOIT_TIME") / 1000.0
    if st["phase"] == "loiter":
        v.tgt = (st["n"], st["e"], st["alt"])
        if v.t >= st["until"]:
            final = v.params.get("RTL_ALT_FINAL") / 100.0
            st["phase"] = "final" if final > 0 else "land"
    if st["phase"] == "final":
        v.tgt = (st["n"], st["e"], v.params.get("RTL_ALT_FINAL") / 100.0)
    if st["phase"] == "land":
        v.tgt = (st["n"], st["e"], 0.0)
        v.descending_to_land = True
    return st["phase"] == "land"
