"""Failsafes of a simulated ArduCopter: battery, GCS link loss and geofence.

Owns the battery drain model's hook into the vehicle (current drawn, low/critical levels and
BATT_FS_*_ACT), the GCS failsafe (FS_GCS_ENABLE, FS_GCS_TIMEOUT), and the fence: which fence
types the current position breaches (FENCE_TYPE altitude, circle around home, stored polygons and
circles), breach reporting (STATUSTEXT, FENCE_STATUS) and FENCE_ACTION. The failsafe state
(``batt_level``, ``gcs_failsafe``, ``fence_breach*``) lives on
:class:`~dronepatrol.sim.state.VehicleState`. Units as in :mod:`dronepatrol.sim.vehicle`.
"""

from __future__ import annotations

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from dronepatrol.sim import arming, control, telemetry
from dronepatrol.sim.battery import HOVER_A
from dronepatrol.sim.geofence import fence_check_now, fence_names
from dronepatrol.sim.modes import Mode
from dronepatrol.sim.state import VehicleState as SimVehicle

M = mavlink2


def battery_update(v: SimVehicle, dt: float) -> None:
    """Drain the battery for ``dt`` s (current in A); on a new low/critical level, warn and act (BATT_FS_*)."""
    b = v.battery
    b.capacity_mah = v.params.get("BATT_CAPACITY")
    if not v.armed:
        amps = 0.0  # SITL's battery draws nothing while disarmed
    elif v.landed:
        amps = 1.5
    else:
        air = v.airspeed_m_s()
        amps = HOVER_A * (1 + 0.15 * (air / 10.0) ** 2) + 3.0 * max(v.vu, 0.0)
    b.step(dt, amps)
    p = v.params
    level = b.level(
        v.t,
        low_volt=p.get("BATT_LOW_VOLT"),
        low_mah=p.get("BATT_LOW_MAH"),
        low_timer_s=p.get("BATT_LOW_TIMER"),
        crit_volt=p.get("BATT_CRT_VOLT"),
        crit_mah=p.get("BATT_CRT_MAH"),
    )
    if level > v.batt_level:
        v.batt_level = level
        kind = "low" if level == 1 else "critical"
        v.text(
            M.MAV_SEVERITY_CRITICAL,
            f"Battery 1 is {kind} {b.voltage_v:.2f}V used {b.consumed_mah:.0f} mAh",
        )
        action = int(p.get("BATT_FS_LOW_ACT" if level == 1 else "BATT_FS_CRT_ACT"))
        if v.armed and not v.landed and action:
            _action(v, action, land_codes=(1, 4, 5))


def _action(v: SimVehicle, action: int, *, land_codes: tuple[int, ...]) -> None:
    """Failsafe ``action``: LAND if it is one of ``land_codes``, else RTL (LAND if RTL is refused)."""
    if v.mode == Mode.LAND:
        return
    if action in land_codes or (v.mode != Mode.RTL and not control.set_mode(v, Mode.RTL, from_gcs=False)):
        control.set_mode(v, Mode.LAND, from_gcs=False)


def gcs_update(v: SimVehicle) -> None:
    """GCS failsafe: no GCS HEARTBEAT for FS_GCS_TIMEOUT s triggers FS_GCS_ENABLE; cleared when one arrives."""
    enabled = int(v.params.get("FS_GCS_ENABLE"))
    if not enabled or v.gcs_last_seen is None:
        return
    lost = v.t - v.gcs_last_seen > v.params.get("FS_GCS_TIMEOUT")
    if lost and not v.gcs_failsafe:
        if not v.armed:
            return
        v.gcs_failsafe = True
        v.text(M.MAV_SEVERITY_CRITICAL, "GCS Failsafe")
        if v.landed:
            arming.disarm(v, force=True, reason="gcs failsafe")
        elif not (enabled == 2 and v.mode == Mode.AUTO):
            _action(v, enabled, land_codes=(4, 5))
    elif not lost and v.gcs_failsafe:
        v.gcs_failsafe = False
        v.text(M.MAV_SEVERITY_CRITICAL, "GCS Failsafe Cleared")


def fence_update(v: SimVehicle) -> None:
    """Track fence breaches while armed; on a new one, report it and act (FENCE_ACTION)."""
    if not v.fence_enabled() or v.home is None:
        v.fence_breaches = 0
        return
    if not v.armed:
        v.fence_breaches = 0
        return
    now = fence_check_now(v)
    new = now & ~v.fence_breaches
    v.fence_breaches = now
    if not new:
        return
    v.fence_breach_count += 1
    v.fence_breach_type = M.FENCE_BREACH_MAXALT if new == 1 else M.FENCE_BREACH_BOUNDARY
    v.fence_breach_time_ms = int(v.t * 1000)
    v.text(M.MAV_SEVERITY_NOTICE, f"{fence_names(new)} breached")
    telemetry.send_now(v, telemetry.ID["FENCE_STATUS"])
    action = int(v.params.get("FENCE_ACTION"))
    if v.landed or action == 0 or v.mode in (Mode.RTL, Mode.LAND):
        return
    if action == 2:
        control.set_mode(v, Mode.LAND, from_gcs=False)
    elif action == 4:
        if not control.set_mode(v, Mode.BRAKE, from_gcs=False):
            control.set_mode(v, Mode.LAND, from_gcs=False)
    else:
        if not control.set_mode(v, Mode.RTL, from_gcs=False):
            control.set_mode(v, Mode.LAND, from_gcs=False)
