"""Telemetry messages of a simulated ArduCopter and ArduPilot's stream groups.

``build(msg_id, vehicle)`` returns the pymavlink message for one MAVLink message id built from
the vehicle's current state (or None when the autopilot would not send it now).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

if TYPE_CHECKING:  # pragma: no cover
    from dronepatrol.sim.vehicle import SimVehicle

M = mavlink2

ID = {
    "HEARTBEAT": M.MAVLINK_MSG_ID_HEARTBEAT,
    "SYS_STATUS": M.MAVLINK_MSG_ID_SYS_STATUS,
    "SYSTEM_TIME": M.MAVLINK_MSG_ID_SYSTEM_TIME,
    "GPS_RAW_INT": M.MAVLINK_MSG_ID_GPS_RAW_INT,
    "ATTITUDE": M.MAVLINK_MSG_ID_ATTITUDE,
    "LOCAL_POSITION_NED": M.MAVLINK_MSG_ID_LOCAL_POSITION_NED,
    "GLOBAL_POSITION_INT": M.MAVLINK_MSG_ID_GLOBAL_POSITION_INT,
    "MISSION_CURRENT": M.MAVLINK_MSG_ID_MISSION_CURRENT,
    "NAV_CONTROLLER_OUTPUT": M.MAVLINK_MSG_ID_NAV_CONTROLLER_OUTPUT,
    "VFR_HUD": M.MAVLINK_MSG_ID_VFR_HUD,
    "BATTERY_STATUS": M.MAVLINK_MSG_ID_BATTERY_STATUS,
    "EKF_STATUS_REPORT": M.MAVLINK_MSG_ID_EKF_STATUS_REPORT,
    "FENCE_STATUS": M.MAVLINK_MSG_ID_FENCE_STATUS,
    "HOME_POSITION": M.MAVLINK_MSG_ID_HOME_POSITION,
    "AUTOPILOT_VERSION": M.MAVLINK_MSG_ID_AUTOPILOT_VERSION,
}

#: ArduCopter's REQUEST_DATA_STREAM groups (the messages this simulator implements).
STREAM_GROUPS: dict[int, tuple[int, ...]] = {
    M.MAV_DATA_STREAM_RAW_SENSORS: (),
    M.MAV_DATA_STREAM_EXTENDED_STATUS: (
        ID["SYS_STATUS"],
        ID["MISSION_CURRENT"],
        ID["GPS_RAW_INT"],
        ID["NAV_CONTROLLER_OUTPUT"],
        ID["FENCE_STATUS"],
    ),
    M.MAV_DATA_STREAM_RC_CHANNELS: (),
    M.MAV_DATA_STREAM_RAW_CONTROLLER: (),
    M.MAV_DATA_STREAM_POSITION: (ID["GLOBAL_POSITION_INT"], ID["LOCAL_POSITION_NED"]),
    M.MAV_DATA_STREAM_EXTRA1: (ID["ATTITUDE"],),
    M.MAV_DATA_STREAM_EXTRA2: (ID["VFR_HUD"],),
    M.MAV_DATA_STREAM_EXTRA3: (ID["SYSTEM_TIME"], ID["BATTERY_STATUS"], ID["EKF_STATUS_REPORT"]),
}

#: Messages whose rate SET_MESSAGE_INTERVAL may set (others get MAV_RESULT_FAILED).
INTERVAL_MESSAGES = frozenset(ID.values()) - {ID["AUTOPILOT_VERSION"]}

# SYS_STATUS sensor bits
_S = M
SENSORS_PRESENT = (
    _S.MAV_SYS_STATUS_SENSOR_3D_GYRO
    | _S.MAV_SYS_STATUS_SENSOR_3D_ACCEL
    | _S.MAV_SYS_STATUS_SENSOR_3D_MAG
    | _S.MAV_SYS_STATUS_SENSOR_ABSOLUTE_PRESSURE
    | _S.MAV_SYS_STATUS_SENSOR_GPS
    | _S.MAV_SYS_STATUS_SENSOR_MOTOR_OUTPUTS
    | _S.MAV_SYS_STATUS_SENSOR_RC_RECEIVER
    | _S.MAV_SYS_STATUS_AHRS
    | _S.MAV_SYS_STATUS_SENSOR_BATTERY
    | _S.MAV_SYS_STATUS_PREARM_CHECK
)

EKF_ATTITUDE_ONLY = M.EKF_ATTITUDE | M.EKF_VELOCITY_VERT | M.EKF_POS_VERT_ABS | M.EKF_CONST_POS_MODE
EKF_POSITION_OK = (
    M.EKF_ATTITUDE
    | M.EKF_VELOCITY_HORIZ
    | M.EKF_VELOCITY_VERT
    | M.EKF_POS_HORIZ_REL
    | M.EKF_POS_HORIZ_ABS
    | M.EKF_POS_VERT_ABS
    | M.EKF_PRED_POS_HORIZ_REL
    | M.EKF_PRED_POS_HORIZ_ABS
)

#: ArduCopter 4.7.0 official, as AUTOPILOT_VERSION.flight_sw_version encodes it.
FLIGHT_SW_VERSION = (4 << 24) | (7 << 16) | (0 << 8) | 255
CAPABILITIES = (
    M.MAV_PROTOCOL_CAPABILITY_MISSION_FLOAT
    | M.MAV_PROTOCOL_CAPABILITY_PARAM_FLOAT
    | M.MAV_PROTOCOL_CAPABILITY_MISSION_INT
    | M.MAV_PROTOCOL_CAPABILITY_COMMAND_INT
    | M.MAV_PROTOCOL_CAPABILITY_SET_POSITION_TARGET_GLOBAL_INT
    | M.MAV_PROTOCOL_CAPABILITY_FLIGHT_TERMINATION
    | M.MAV_PROTOCOL_CAPABILITY_MAVLINK2
    | M.MAV_PROTOCOL_CAPABILITY_MISSION_FENCE
    | M.MAV_PROTOCOL_CAPABILITY_MISSION_RALLY
)


def _e7(deg: float) -> int:
    return round(deg * 1e7)


def build(msg_id: int, v: SimVehicle) -> Any | None:
    """Build message ``msg_id`` from vehicle ``v``; None if it is not sent now."""
    enc = v.enc
    boot_ms = round(v.t * 1000) & 0xFFFFFFFF
    lat, lon = v.lat_lon()
    alt_amsl = v.alt_amsl_m()
    if msg_id == ID["HEARTBEAT"]:
        return enc.heartbeat_encode(
            M.MAV_TYPE_QUADROTOR,
            M.MAV_AUTOPILOT_ARDUPILOTMEGA,
            v.base_mode(),
            int(v.mode),
            v.system_status(),
            3,
        )
    if msg_id == ID["SYS_STATUS"]:
        present = SENSORS_PRESENT | (M.MAV_SYS_STATUS_GEOFENCE if v.fence_enabled() else 0)
        health = present & ~M.MAV_SYS_STATUS_PREARM_CHECK
        if not v.gps_fix():
            health &= ~M.MAV_SYS_STATUS_SENSOR_GPS
        if v.fence_breaches:
            health &= ~M.MAV_SYS_STATUS_GEOFENCE
        if v.prearm_ok():
            health |= M.MAV_SYS_STATUS_PREARM_CHECK
        return enc.sys_status_encode(
            present,
            present,
            health,
            200,
            int(v.battery.voltage_v * 1000),
            int(v.battery.current_a * 100),
            v.battery.remaining_pct(),
            0,
            0,
            0,
            0,
            0,
            0,
        )
    if msg_id == ID["SYSTEM_TIME"]:
        unix_us = int(v.utc_s() * 1e6) if v.gps_fix() else 0
        return enc.system_time_encode(unix_us, boot_ms)
    if msg_id == ID["GPS_RAW_INT"]:
        fix = v.gps_fix()
        gs = math.hypot(v.vn, v.ve)
        cog = round(math.degrees(math.atan2(v.ve, v.vn)) % 360 * 100) if gs > 0.2 else 0
        return enc.gps_raw_int_encode(
            int(v.utc_s() * 1e6) if fix else 0,
            M.GPS_FIX_TYPE_3D_FIX if fix else M.GPS_FIX_TYPE_NO_FIX,
            _e7(lat) if fix else 0,
            _e7(lon) if fix else 0,
            int(alt_amsl * 1000) if fix else 0,
            121 if fix else 9999,
            200 if fix else 9999,
            int(gs * 100),
            cog,
            10 if fix else 0,
        )
    if msg_id == ID["ATTITUDE"]:
        return enc.attitude_encode(
            boot_ms,
            v.roll_rad,
            v.pitch_rad,
            _wrap_pi(math.radians(v.yaw_deg)),
            0.0,
            0.0,
            math.radians(v.yaw_rate_dps),
        )
    if msg_id == ID["LOCAL_POSITION_NED"]:
        if not v.position_ok():
            return None
        return enc.local_position_ned_encode(boot_ms, v.n, v.e, -v.alt, v.vn, v.ve, -v.vu)
    if msg_id == ID["GLOBAL_POSITION_INT"]:
        return enc.global_position_int_encode(
            boot_ms,
            _e7(lat),
            _e7(lon),
            int(alt_amsl * 1000),
            int(v.alt * 1000),
            int(v.vn * 100),
            int(v.ve * 100),
            int(-v.vu * 100),
            int(v.yaw_deg % 360 * 100),
        )
    if msg_id == ID["MISSION_CURRENT"]:
        seq, total, state, mode = v.mission_current()
        return enc.mission_current_encode(seq, total, state, mode)
    if msg_id == ID["NAV_CONTROLLER_OUTPUT"]:
        wp_dist, bearing, alt_err = v.nav_output()
        return enc.nav_controller_output_encode(
            math.degrees(v.roll_rad),
            math.degrees(v.pitch_rad),
            int(bearing),
            int(bearing),
            min(int(wp_dist), 65535),
            alt_err,
            0.0,
            0.0,
        )
    if msg_id == ID["VFR_HUD"]:
        gs = math.hypot(v.vn, v.ve)
        return enc.vfr_hud_encode(v.airspeed_m_s(), gs, int(v.yaw_deg % 360), v.throttle_pct(), alt_amsl, v.vu)
    if msg_id == ID["BATTERY_STATUS"]:
        b = v.battery
        volts = [min(int(b.voltage_v * 1000), 65534)] + [65535] * 9
        return enc.battery_status_encode(
            0,
            M.MAV_BATTERY_FUNCTION_ALL,
            M.MAV_BATTERY_TYPE_LIPO,
            32767,
            volts,
            int(b.current_a * 100),
            int(b.consumed_mah),
            int(b.consumed_wh * 36),
            b.remaining_pct(),
            0,
            b.charge_state(),
        )
    if msg_id == ID["EKF_STATUS_REPORT"]:
        flags = EKF_POSITION_OK if v.position_ok() else EKF_ATTITUDE_ONLY
        return enc.ekf_status_report_encode(flags, 0.02, 0.03, 0.02, 0.03, 0.0)
    if msg_id == ID["FENCE_STATUS"]:
        if not v.fence_enabled():
            return None
        return enc.fence_status_encode(
            1 if v.fence_breaches else 0,
            v.fence_breach_count,
            v.fence_breach_type,
            v.fence_breach_time_ms,
            M.FENCE_MITIGATE_NONE,
        )
    if msg_id == ID["HOME_POSITION"]:
        home = v.home
        if home is None:
            return None
        hn, he = v.frame.to_ne(home[0], home[1])
        return enc.home_position_encode(
            _e7(home[0]),
            _e7(home[1]),
            int(home[2] * 1000),
            hn,
            he,
            0.0,
            [1.0, 0.0, 0.0, 0.0],
            0.0,
            0.0,
            0.0,
            int(v.utc_s() * 1e6),
        )
    if msg_id == ID["AUTOPILOT_VERSION"]:
        return enc.autopilot_version_encode(
            CAPABILITIES,
            FLIGHT_SW_VERSION,
            0,
            0,
            0,
            [0] * 8,
            [0] * 8,
            [0] * 8,
            0,
            0,
            v.sysid,
        )
    return None


def _wrap_pi(a: float) -> float:
    return (a + math.pi) % (2 * math.pi) - math.pi
