"""Kinematics of a simulated ArduCopter: stepping position, velocity and attitude.

Owns what one physics step does to a :class:`~dronepatrol.sim.state.VehicleState`: the speed
limits taken from WPNAV_*, the move towards ``tgt`` under the acceleration limit, climb, descent
and landing rates, free fall when disarmed, attitude (lean and yaw), touchdown and the
DISARM_DELAY auto-disarm. Units as in :mod:`dronepatrol.sim.vehicle` (m north/east/up of home
ground, m/s, s).
"""

from __future__ import annotations

import math

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from dronepatrol.sim import arming, auto
from dronepatrol.sim.geo import bearing_deg
from dronepatrol.sim.modes import Mode
from dronepatrol.sim.state import VehicleState as SimVehicle

M = mavlink2
G = 9.80665
#: Vehicle seconds from touching the ground to "landed" (MISSION_ITEM_REACHED, disarm), as SITL.
LAND_DETECT_S = 2.5
#: Deceleration of BRAKE mode, m/s/s (ArduCopter's BRAKE_MODE_DECEL_RATE, 750 cm/s/s).
BRAKE_DECEL_M_S2 = 7.5


def refresh_speeds(v: SimVehicle) -> None:
    """Set ``speed_xy``/``speed_up``/``speed_dn`` (m/s) from WPNAV_* (cm/s) for this step."""
    # WPNAV_* changes take effect at once unless a DO_CHANGE_SPEED is active
    if not v.speed_override:
        v.speed_xy = max(0.2, v.params.get("WPNAV_SPEED") / 100.0)
    v.speed_up = max(0.1, v.params.get("WPNAV_SPEED_UP") / 100.0)
    v.speed_dn = max(0.1, v.params.get("WPNAV_SPEED_DN") / 100.0)


def _land_rate(v: SimVehicle) -> float:
    """Descent rate while landing (LAND_SPEED_HIGH above LAND_ALT_LOW, else LAND_SPEED), m/s."""
    high = v.params.get("LAND_SPEED_HIGH") / 100.0 or v.speed_dn
    if v.alt > v.params.get("LAND_ALT_LOW") / 100.0:
        return high
    return max(0.1, v.params.get("LAND_SPEED") / 100.0)


def physics(v: SimVehicle, dt: float) -> None:
    """Move the vehicle ``dt`` seconds towards ``tgt`` (m): velocity (m/s), altitude (m), attitude (rad, deg)."""
    if not v.armed:
        if v.alt > 0:  # falling
            v.vu -= G * dt
            v.alt = max(0.0, v.alt + v.vu * dt)
        if v.alt <= 0:
            v.alt, v.vu, v.vn, v.ve = 0.0, 0.0, 0.0, 0.0
        v.roll_rad = v.pitch_rad = 0.0
        v.yaw_rate_dps = 0.0
        return
    accel = BRAKE_DECEL_M_S2 if v.mode == Mode.BRAKE else max(0.5, v.params.get("WPNAV_ACCEL") / 100.0)
    tgt = v.tgt
    # horizontal
    if tgt is not None and not (v.landed and tgt[2] <= 0 and not v.descending_to_land):
        dn, de = tgt[0] - v.n, tgt[1] - v.e
        dist = math.hypot(dn, de)
        if dist > 1e-3:
            v_des = min(v.speed_xy, math.sqrt(2 * accel * dist))
            dvn, dve = dn / dist * v_des - v.vn, de / dist * v_des - v.ve
        else:
            dvn, dve = -v.vn, -v.ve
    else:
        dvn, dve = -v.vn, -v.ve
    dv = math.hypot(dvn, dve)
    max_dv = accel * dt
    if dv > max_dv:
        dvn, dve = dvn / dv * max_dv, dve / dv * max_dv
    if v.landed and (tgt is None or tgt[2] <= 0):
        v.vn = v.ve = 0.0
    else:
        v.vn += dvn
        v.ve += dve
    v.n += v.vn * dt
    v.e += v.ve * dt
    if tgt is not None:  # do not overshoot the target
        dn2, de2 = tgt[0] - v.n, tgt[1] - v.e
        if dn2 * (v.vn) + de2 * (v.ve) < 0 and math.hypot(dn2, de2) < math.hypot(v.vn, v.ve) * dt:
            v.n, v.e = tgt[0], tgt[1]
    # vertical
    if v.descending_to_land:
        vu_des = -_land_rate(v)
    elif tgt is not None:
        dz = tgt[2] - v.alt
        vmax = v.speed_up if dz > 0 else v.speed_dn
        vu_des = math.copysign(min(vmax, math.sqrt(2 * 2.5 * abs(dz)), abs(dz) / dt), dz)
    else:
        vu_des = 0.0
    dvu = max(-5.0 * dt, min(5.0 * dt, vu_des - v.vu))
    v.vu += dvu
    v.alt += v.vu * dt
    if v.alt <= 0.0:
        v.alt = 0.0
        v.vu = max(0.0, v.vu)
        if v.vu == 0.0:
            v.vn = v.ve = 0.0
    if v.alt > 0.3:
        v.landed = False
    # attitude: lean against acceleration and drag; yaw towards travel or ROI
    air_n, air_e = v.vn - v.wind_n, v.ve - v.wind_e
    drag = 0.0173
    fn = dvn / dt + drag * air_n * math.hypot(air_n, air_e) if not v.landed else 0.0
    fe = dve / dt + drag * air_e * math.hypot(air_n, air_e) if not v.landed else 0.0
    yaw = math.radians(v.yaw_deg)
    fwd = fn * math.cos(yaw) + fe * math.sin(yaw)
    right = -fn * math.sin(yaw) + fe * math.cos(yaw)
    v.pitch_rad = -math.atan2(fwd, G)
    v.roll_rad = math.atan2(right, G)
    _update_yaw(v, dt)


def _update_yaw(v: SimVehicle, dt: float) -> None:
    want: float | None = None
    if v.roi is not None:
        dn, de = v.roi[0] - v.n, v.roi[1] - v.e
        if math.hypot(dn, de) > 1.0:
            want = bearing_deg(dn, de)
    elif math.hypot(v.vn, v.ve) > 1.0 and v.mode != Mode.RTL:
        want = bearing_deg(v.vn, v.ve)
    if want is None:
        v.yaw_rate_dps = 0.0
        return
    diff = (want - v.yaw_deg + 180.0) % 360.0 - 180.0
    step = max(-90.0 * dt, min(90.0 * dt, diff))
    v.yaw_deg = (v.yaw_deg + step) % 360.0
    v.yaw_rate_dps = step / dt


def after_physics(v: SimVehicle) -> None:
    """Touchdown at the end of a landing, and DISARM_DELAY (s) auto-disarm on the ground."""
    if not v.armed:
        return
    if v.descending_to_land and v.alt <= 0.0:
        if v.ground_contact_t is None:
            v.ground_contact_t = v.t
            v.text(M.MAV_SEVERITY_INFO, f"SIM Hit ground at {max(-v.vu, _land_rate(v)):.6f} m/s")
        if v.t - v.ground_contact_t >= LAND_DETECT_S:  # the land detector needs a moment
            v.ground_contact_t = None
            _touchdown(v)
        return
    v.ground_contact_t = None
    # auto-disarm on the ground without a take-off (DISARM_DELAY)
    delay = v.params.get("DISARM_DELAY")
    waiting = v.landed and (v.tgt is None or v.tgt[2] <= 0) and not (v.mode == Mode.AUTO and v.mis_state == "running")
    if not waiting or delay <= 0:
        v.auto_disarm_since = v.t
    elif v.auto_disarm_since is not None and v.t - v.auto_disarm_since >= delay:
        arming.disarm(v, force=True, reason="auto")


def _touchdown(v: SimVehicle) -> None:
    v.landed = True
    v.descending_to_land = False
    v.vn = v.ve = v.vu = 0.0
    if v.mode == Mode.AUTO and v.nav is not None and v.nav.landing:
        auto.nav_done(v)  # RTL / LAND item reached on landing
        if v.mis_state != "running":
            arming.disarm(v, force=True, reason="landed")
        return
    v.tgt = None
    arming.disarm(v, force=True, reason="landed")
