"""Names for the numbers a vehicle reports: ArduCopter modes, GPS fixes, mission states.

>>> copter_mode_name(3), gps_fix_name(3), mission_state_name(3)
('AUTO', '3D', 'active')
"""

from __future__ import annotations

#: ArduCopter flight modes (HEARTBEAT.custom_mode), ArduCopter/mode.h.
COPTER_MODES: dict[int, str] = {
    0: "STABILIZE", 1: "ACRO", 2: "ALT_HOLD", 3: "AUTO", 4: "GUIDED", 5: "LOITER", 6: "RTL", 7: "CIRCLE",
    9: "LAND", 11: "DRIFT", 13: "SPORT", 14: "FLIP", 15: "AUTOTUNE", 16: "POSHOLD", 17: "BRAKE", 18: "THROW",
    19: "AVOID_ADSB", 20: "GUIDED_NOGPS", 21: "SMART_RTL", 22: "FLOWHOLD", 23: "FOLLOW", 24: "ZIGZAG",
    25: "SYSTEMID", 26: "AUTOROTATE", 27: "AUTO_RTL", 28: "TURTLE",
}
#: GPS_FIX_TYPE.
GPS_FIXES: dict[int, str] = {
    0: "none", 1: "none", 2: "2D", 3: "3D", 4: "DGPS", 5: "RTKf", 6: "RTK", 7: "static", 8: "PPP",
}
#: MISSION_STATE (MISSION_CURRENT.mission_state).
MISSION_STATES: dict[int, str] = {0: "", 1: "none", 2: "ready", 3: "active", 4: "paused", 5: "done"}


def copter_mode_name(mode: int) -> str:
    """ArduCopter mode name, or ``MODE<n>`` for a number it does not know."""
    return COPTER_MODES.get(mode, f"MODE{mode}")


def gps_fix_name(fix_type: int) -> str:
    return GPS_FIXES.get(fix_type, str(fix_type))


def mission_state_name(state: int | None) -> str:
    return "" if state is None else MISSION_STATES.get(state, str(state))
