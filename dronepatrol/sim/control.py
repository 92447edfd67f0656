"""Flight-mode changes of a simulated ArduCopter (``Copter::set_mode`` and each mode's ``init``).

Disarmed, every mode is accepted (ArduCopter ignores the mode's checks until armed); armed, a
mode that needs a position is refused without one, and AUTO needs a mission (and, on the
ground, a take-off first). Entering AUTO with no mission starts an empty mission, which is at
once complete (MISSION_CURRENT then reports state 5 until a mission is flown or the vehicle
reboots), as on ArduCopter.
"""

from __future__ import annotations

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from dronepatrol.sim import auto, rtl
from dronepatrol.sim.modes import Mode
from dronepatrol.sim.state import POSITION_MODES, VehicleState

M = mavlink2


def set_mode(v: VehicleState, mode: int, *, from_gcs: bool = True) -> bool:
    """Change flight mode as ArduCopter does; False (and a STATUSTEXT) if refused."""
    try:
        new = Mode(mode)
    except ValueError:
        v.text(M.MAV_SEVERITY_WARNING, "No such mode")
        return False
    if new == v.mode and new != Mode.AUTO:
        return True
    ignore_checks = not v.armed
    if not ignore_checks and new in POSITION_MODES and not v.position_ok():
        v.text(M.MAV_SEVERITY_WARNING, f"Mode change to {new.name} failed: requires position")
        return False
    if new == Mode.AUTO:
        if v.mission.item_count() <= 1 and not ignore_checks:
            v.text(M.MAV_SEVERITY_WARNING, "Mode change to AUTO failed: init failed")
            return False
        if v.armed and v.landed and not auto.starts_with_takeoff(v):
            v.text(M.MAV_SEVERITY_CRITICAL, "Auto: Missing Takeoff Cmd")
            return False
    old = v.mode
    if old == Mode.AUTO and new != Mode.AUTO and v.mis_state == "running":
        v.mis_state = "stopped"
    v.mode = new
    v.rtl_state = None
    v.descending_to_land = False
    if new != Mode.AUTO:
        v.roi = None
    if new == Mode.AUTO:
        if v.mission.item_count() <= 1:
            v.mis_state = "complete"  # an empty mission, started: complete at once
            v.nav = None
            v.auto_waiting = False
        else:
            v.auto_waiting = True
    elif new == Mode.RTL:
        rtl.start(v)
    elif new == Mode.BRAKE:
        v.tgt = None  # stop as fast as it can, then hold where it stopped
    elif new in (Mode.GUIDED, Mode.LOITER, Mode.POSHOLD, Mode.ALT_HOLD):
        v.tgt = (v.n, v.e, v.alt) if not v.landed else None
    elif new == Mode.LAND:
        v.tgt = (v.n, v.e, 0.0)
        v.descending_to_land = True
    elif new == Mode.STABILIZE:
        v.tgt = None
    return True


def set_mode_common(v: VehicleState, base_mode: int, custom_mode: int) -> int:
    """SET_MODE / DO_SET_MODE: the MAV_RESULT of changing to ``custom_mode`` (needs CUSTOM_MODE_ENABLED)."""
    if base_mode & M.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED:
        return M.MAV_RESULT_ACCEPTED if set_mode(v, custom_mode) else M.MAV_RESULT_FAILED
    return M.MAV_RESULT_FAILED
