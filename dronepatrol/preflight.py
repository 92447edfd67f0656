"""Pre-flight decisions from a drone's status snapshot. Pure: values in, findings out, no I/O.

:func:`evaluate` lists what stops a drone from starting its mission (``fleet start`` refuses with
exit 5 when any drone has a finding): link fresh, mission and fence verified on board and the fence
enabled, GPS 3D fix, battery above the threshold, the GCS failsafe enabled and counting our system
id, the position estimate good, a camera configured when the mission takes photos.

>>> snap = DroneSnapshot(drone="drone1", link_age_s=0.4, gps_fix=3, satellites=10, battery_pct=95.0,
...                      ekf_flags=0x33F, uploaded=True, mission_match=True, fence_match=True, rally_match=True,
...                      fence_enable=1.0, fs_gcs_enable=1.0, gcs_sysid=254.0, gcs_sysid_hi=255.0)
>>> evaluate(snap)
[]
>>> [f.check for f in evaluate(DroneSnapshot(drone="drone2", link_age_s=0.3, gps_fix=1))][:2]
['mission', 'fence']
"""

from __future__ import annotations

from dataclasses import dataclass

#: ArduCopter flight modes (custom_mode numbers, ArduCopter's names).
COPTER_MODES = {
    0: "STABILIZE", 1: "ACRO", 2: "ALT_HOLD", 3: "AUTO", 4: "GUIDED", 5: "LOITER", 6: "RTL", 7: "CIRCLE",
    9: "LAND", 11: "DRIFT", 13: "SPORT", 14: "FLIP", 15: "AUTOTUNE", 16: "POSHOLD", 17: "BRAKE", 18: "THROW",
    19: "AVOID_ADSB", 20: "GUIDED_NOGPS", 21: "SMART_RTL", 22: "FLOWHOLD", 23: "FOLLOW", 24: "ZIGZAG",
    25: "SYSTEMID", 26: "AUTOROTATE", 27: "AUTO_RTL", 28: "TURTLE",
}
MODE_NUMBERS = {name: number for number, name in COPTER_MODES.items()}

#: SYS_STATUS sensor bit of ArduPilot's pre-arm checks (MAV_SYS_STATUS_PREARM_CHECK).
PREARM_CHECK_BIT = 0x10000000

# EKF_STATUS_REPORT flags (ESTIMATOR_STATUS_FLAGS)
EKF_ATTITUDE = 1
EKF_VELOCITY_HORIZ = 2
EKF_POS_HORIZ_ABS = 16
EKF_POS_VERT_ABS = 32
EKF_CONST_POS_MODE = 128
EKF_UNINITIALIZED = 1024
EKF_GPS_GLITCHING = 32768
EKF_POSITION_NEEDED = EKF_ATTITUDE | EKF_VELOCITY_HORIZ | EKF_POS_HORIZ_ABS | EKF_POS_VERT_ABS
EKF_POSITION_BAD = EKF_CONST_POS_MODE | EKF_UNINITIALIZED | EKF_GPS_GLITCHING

GPS_FIX_NAMES = {0: "no GPS", 1: "no fix", 2: "2D fix", 3: "3D fix", 4: "DGPS", 5: "RTK float", 6: "RTK fixed",
                 7: "static", 8: "PPP"}


def mode_name(custom_mode: int) -> str:
    """ArduCopter's name of a custom mode number (``MODE 42`` if unknown)."""
    return COPTER_MODES.get(int(custom_mode), f"MODE {int(custom_mode)}")


def ekf_position_ok(flags: int | None) -> bool:
    """True if the EKF has a usable absolute position (the flags ArduCopter needs to arm in GUIDED/AUTO)."""
    if flags is None:
        return False
    return (flags & EKF_POSITION_NEEDED) == EKF_POSITION_NEEDED and not flags & EKF_POSITION_BAD


def prearm_ok(present: int | None, health: int | None) -> bool | None:
    """SYS_STATUS pre-arm bit: True passing, False failing, None when the vehicle does not report it.

    It does not mean armable: arming can still be refused (mavlink-notes.md).
    """
    if present is None or health is None or not present & PREARM_CHECK_BIT:
        return None
    return bool(health & PREARM_CHECK_BIT)


def gcs_counted(our_sysid: int, sysid: float | None, sysid_hi: float | None) -> bool:
    """True if ArduPilot's GCS failsafe counts heartbeats from ``our_sysid``.

    ArduPilot 4.7 counts ``MAV_GCS_SYSID``, or the range ``MAV_GCS_SYSID``..``MAV_GCS_SYSID_HI``
    when ``_HI`` is higher (GCS_MAVLink/GCS.cpp).
    """
    if sysid is None:
        return False
    lo = int(sysid)
    hi = int(sysid_hi) if sysid_hi is not None and int(sysid_hi) > lo else lo
    return lo <= our_sysid <= hi


@dataclass(frozen=True, kw_only=True)
class PreflightLimits:
    """Thresholds: link age s, GPS fix type (3 = 3D), satellites, battery %."""

    max_link_age_s: float = 3.0
    min_gps_fix: int = 3
    min_satellites: int = 6
    min_battery_pct: float = 60.0


@dataclass(frozen=True, kw_only=True)
class DroneSnapshot:
    """What ``fleet status`` / ``fleet start`` read from one drone (``None``: not known)."""

    drone: str
    link_age_s: float | None = None  # s since the last message
    armed: bool = False
    mode: str = ""
    gps_fix: int | None = None
    satellites: int | None = None
    battery_pct: float | None = None
    battery_v: float | None = None
    prearm: bool | None = None
    prearm_text: str = ""
    ekf_flags: int | None = None
    home: tuple[float, float, float] | None = None  # lon, lat, alt AMSL m
    uploaded: bool = False  # a verified upload is on record for this drone
    mission_match: bool | None = None  # on board == last verified upload
    fence_match: bool | None = None
    rally_match: bool | None = None
    fence_enable: float | None = None
    fs_gcs_enable: float | None = None
    gcs_sysid: float | None = None  # MAV_GCS_SYSID (4.7) or SYSID_MYGCS
    gcs_sysid_hi: float | None = None  # MAV_GCS_SYSID_HI (4.7)
    needs_camera: bool = False  # the mission on board takes photos
    cam1_type: float | None = None
    planned_home: tuple[float, float] | None = None  # lon, lat: the launch site of the uploaded plan


@dataclass(frozen=True, kw_only=True)
class PreflightFinding:
    """One failed pre-flight check: ``check`` names it, ``message`` says what to do."""

    drone: str
    check: str
    message: str

    def format(self) -> str:
        return f"{self.drone}: {self.message}"

    def to_json(self) -> dict:
        return {"drone": self.drone, "check": self.check, "message": self.message}


def evaluate(s: DroneSnapshot, limits: PreflightLimits | None = None, *, our_sysid: int = 254
             ) -> list[PreflightFinding]:
    """Every pre-flight check ``s`` fails (empty: ready to start)."""
    limits = limits or PreflightLimits()
    out: list[PreflightFinding] = []

    def fail(check: str, message: str) -> None:
        out.append(PreflightFinding(drone=s.drone, check=check, message=message))

    if s.link_age_s is None or s.link_age_s > limits.max_link_age_s:
        age = "no message" if s.link_age_s is None else f"last message {s.link_age_s:.1f} s ago"
        fail("link", f"link not fresh ({age}) — check the radio and the connection")
    if not s.uploaded:
        fail("mission", "no verified upload on record — run 'dronepatrol fleet upload DIR' first")
    else:
        for what, match in (("mission", s.mission_match), ("fence", s.fence_match), ("rally", s.rally_match)):
            if match is not True:
                state = "could not be read" if match is None else "differs from the last verified upload"
                fail(what, f"the {what} on board {state} — run 'dronepatrol fleet upload DIR' again")
    if s.fence_enable is None or int(s.fence_enable) != 1:
        fail("fence", "the fence is not enabled (FENCE_ENABLE is not 1) — run 'dronepatrol fleet upload DIR' again")
    if s.gps_fix is None or s.gps_fix < limits.min_gps_fix:
        fix = "unknown" if s.gps_fix is None else GPS_FIX_NAMES.get(s.gps_fix, str(s.gps_fix))
        fail("gps", f"no 3D GPS fix yet ({fix}) — wait in the open sky")
    elif s.satellites is not None and s.satellites < limits.min_satellites:
        fail("gps", f"only {s.satellites} satellites (at least {limits.min_satellites}) — wait in the open sky")
    if s.battery_pct is None or s.battery_pct < limits.min_battery_pct:
        level = "unknown" if s.battery_pct is None else f"{s.battery_pct:.0f} %"
        fail("battery", f"battery {level}, below {limits.min_battery_pct:.0f} % — change the battery")
    if s.fs_gcs_enable is None or int(s.fs_gcs_enable) == 0:
        fail("gcs_failsafe", "the GCS failsafe is off (FS_GCS_ENABLE = 0): a lost link would not bring the drone "
             "home — run 'dronepatrol fleet setup' (sets FS_GCS_ENABLE to 1, RTL)")
    if not gcs_counted(our_sysid, s.gcs_sysid, s.gcs_sysid_hi):
        have = "unknown" if s.gcs_sysid is None else f"{int(s.gcs_sysid)}" + (
            f"..{int(s.gcs_sysid_hi)}" if s.gcs_sysid_hi is not None and s.gcs_sysid_hi > s.gcs_sysid else "")
        fail("gcs_failsafe", f"the GCS failsafe does not count this ground station (system id {our_sysid}; vehicle "
             f"watches {have}) — run 'dronepatrol fleet setup' (MAV_GCS_SYSID 254, MAV_GCS_SYSID_HI 255)")
    if not ekf_position_ok(s.ekf_flags):
        fail("position", "no good position estimate yet (EKF) — wait for GPS and the EKF to settle")
    if s.needs_camera and (s.cam1_type is None or int(s.cam1_type) == 0):
        fail("camera", "the mission takes photos but no camera is configured (CAM1_TYPE = 0) — run 'dronepatrol "
             "fleet setup --camera-type N' with your camera's trigger (1 servo, 2 relay, 4 mount, 5 MAVLink; it "
             "reboots the drone, as CAM1_TYPE needs)")
    if s.armed:
        fail("armed", "already armed — land and disarm before starting a mission")
    return out


#: How far a drone may stand from the launch site its plan was made for before that is pointed
#: out, metres: GPS error and the size of a pad, below the 15 m between pads on one field.
LAUNCH_TOLERANCE_M = 10.0


def advisories(s: DroneSnapshot, *, tolerance_m: float = LAUNCH_TOLERANCE_M) -> list[PreflightFinding]:
    """Warnings that do not stop a start: the drone stands away from its plan's launch site.

    ArduCopter flies from where it is armed (its home), whatever home the plan carries: the path
    from there to the first waypoint, and the separation and line-of-sight checks, assumed the
    planned site. A drone on a neighbour's pad shows here too.

    >>> snap = DroneSnapshot(drone="drone1", home=(103.6520, 16.0560, 150.0), planned_home=(103.6530, 16.0560))
    >>> advisories(snap)[0].message.split(" — ")[0]
    'stands 107 m from the launch site its plan was made for (16.05600,103.65300)'
    """
    from dronepatrol.geo import haversine_m  # geo loads pyproj: not for every user of this module

    if s.home is None or s.planned_home is None or (s.home[0] == 0 and s.home[1] == 0):
        return []
    lon, lat = s.planned_home
    d = haversine_m(s.home[0], s.home[1], lon, lat)
    if d <= tolerance_m:
        return []
    return [PreflightFinding(drone=s.drone, check="launch", message=(
        f"stands {d:.0f} m from the launch site its plan was made for ({lat:.5f},{lon:.5f}) — the plan's "
        "separation and line-of-sight checks assumed that site: move the drone there, or plan from where it stands"))]


__all__ = [
    "COPTER_MODES",
    "LAUNCH_TOLERANCE_M",
    "MODE_NUMBERS",
    "DroneSnapshot",
    "PreflightFinding",
    "PreflightLimits",
    "advisories",
    "ekf_position_ok",
    "evaluate",
    "gcs_counted",
    "mode_name",
    "prearm_ok",
]

