"""Arming and disarming of a simulated ArduCopter (``AP_Arming_Copter``), with its texts.

An arming attempt runs the pre-arm checks for the mode and reports every failure as
``Arm: <reason>`` (ArduCopter 4.7; the periodic report while disarmed says ``PreArm: <reason>``
every 30 s), then refuses a mode that cannot be armed in (``Arm: RTL mode not armable``).
Success says ``Arming motors``; every disarm says ``Disarming motors``.
"""

from __future__ import annotations

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from dronepatrol.sim import geofence, telemetry
from dronepatrol.sim.modes import Mode
from dronepatrol.sim.state import POSITION_MODES, VehicleState

M = mavlink2
#: Modes ArduCopter arms in from a ground station (AUTO needs AUTO_OPTIONS "allow arming").
ARMABLE = frozenset({Mode.STABILIZE, Mode.ALT_HOLD, Mode.GUIDED, Mode.LOITER, Mode.POSHOLD})
#: Seconds between the periodic ``PreArm:`` reports while disarmed (PREARM_DISPLAY_PERIOD).
PREARM_REPORT_S = 30.0
#: After the checks change from passing to failing (or back), the next report comes this soon.
PREARM_REPORT_SOON_S = 4.0


def prearm_failures(v: VehicleState, mode: Mode | None = None) -> list[str]:
    """Every failing pre-arm check for arming in ``mode`` (default: the current mode), reasons only."""
    mode = v.mode if mode is None else mode
    if v.t < min(1.0, v.gps_fix_s):
        return ["EKF attitude is bad"]
    out = []
    if mode == Mode.AUTO and v.mission.item_count() <= 1:
        out.append("Mode requires mission")
    needs_position = mode in POSITION_MODES or v.fence_enabled()
    if needs_position and not v.gps_fix():
        out.append("GPS 1: Bad fix")
    elif needs_position and not v.position_ok():
        out.append("Need Position Estimate")
    if v.fence_enabled() and v.position_ok():
        breached = geofence.fence_check_now(v)
        if breached:
            out.append(f"Vehicle breaching {geofence.fence_names(breached)}")
    if v.batt_level > 0:
        out.append("Battery 1 low")
    return out


def prearm_ok(v: VehicleState) -> bool:
    """SYS_STATUS pre-arm bit: the checks pass for the current mode."""
    return not prearm_failures(v)


def update(v: VehicleState) -> None:
    """Once a step: the pre-arm bit, and the ``PreArm:`` report while disarmed (``AP_Arming::update``):
    every 30 s, or 4 s after the last one when the checks' result changed."""
    failures = prearm_failures(v)
    ok = not failures
    v.prearm_healthy = ok
    if v.armed:
        return
    if ok != v.prearm_last_result:
        v.prearm_last_result = ok
        v.prearm_report_soon = True
    since = v.t - v.prearm_last_report_t
    if (v.prearm_report_soon and since > PREARM_REPORT_SOON_S) or since > PREARM_REPORT_S:
        v.prearm_report_soon = False
        v.prearm_last_report_t = v.t
        for reason in failures:
            v.text(M.MAV_SEVERITY_CRITICAL, f"PreArm: {reason}")


def arm(v: VehicleState, *, force: bool = False) -> bool:
    """Arm (pre-arm checks unless ``force``); STATUSTEXTs say why not."""
    if v.armed:
        return True
    if not force:
        failures = prearm_failures(v)
        for reason in failures:
            v.text(M.MAV_SEVERITY_CRITICAL, f"Arm: {reason}")
        if failures:
            return False
        if v.mode not in ARMABLE:
            v.text(M.MAV_SEVERITY_CRITICAL, f"Arm: {v.mode.name} mode not armable")
            return False
    v.armed = True
    v.landed = v.alt <= 0.05
    v.auto_disarm_since = v.t
    v.gcs_failsafe = False
    v.text(M.MAV_SEVERITY_INFO, "Arming motors")
    if v.position_ok():
        v.set_home_here()
        telemetry.send_now(v, telemetry.ID["HOME_POSITION"])
    v.battery.capacity_mah = v.params.get("BATT_CAPACITY")
    return True


def disarm(v: VehicleState, *, force: bool = False, reason: str = "") -> bool:
    """Disarm; refused in flight unless ``force`` (as ArduCopter for GCS requests)."""
    if not v.armed:
        return True
    if not force and not v.landed:
        return False
    v.armed = False
    v.tgt = None
    v.descending_to_land = False
    if v.mis_state == "running":
        v.mis_state = "stopped"
    v.text(M.MAV_SEVERITY_INFO, "Disarming motors")
    return True
