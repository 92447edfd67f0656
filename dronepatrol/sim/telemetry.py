"""Telemetry messages of a simulated ArduCopter and ArduCopter's stream groups.

``build(msg_id, state)`` returns the pymavlink message for one MAVLink message id built from
the vehicle's current state (or None when the autopilot would not send it now). The stream
groups (REQUEST_DATA_STREAM) bring the messages ArduCopter 4.7 SITL sends for them, sensor
messages included (RAW_IMU, SCALED_PRESSURE, VIBRATION...), with plausible values for a
vehicle at rest or in steady flight.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

if TYPE_CHECKING:  # pragma: no cover
    from dronepatrol.sim.state import VehicleState as SimVehicle

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
    "RAW_IMU": M.MAVLINK_MSG_ID_RAW_IMU,
    "SCALED_IMU2": M.MAVLINK_MSG_ID_SCALED_IMU2,
    "SCALED_IMU3": M.MAVLINK_MSG_ID_SCALED_IMU3,
    "SCALED_PRESSURE": M.MAVLINK_MSG_ID_SCALED_PRESSURE,
    "SCALED_PRESSURE2": M.MAVLINK_MSG_ID_SCALED_PRESSURE2,
    "POWER_STATUS": M.MAVLINK_MSG_ID_POWER_STATUS,
    "MEMINFO": M.MAVLINK_MSG_ID_MEMINFO,
    "RC_CHANNELS": M.MAVLINK_MSG_ID_RC_CHANNELS,
    "SERVO_OUTPUT_RAW": M.MAVLINK_MSG_ID_SERVO_OUTPUT_RAW,
    "AHRS": M.MAVLINK_MSG_ID_AHRS,
    "AHRS2": M.MAVLINK_MSG_ID_AHRS2,
    "SIMSTATE": M.MAVLINK_MSG_ID_SIMSTATE,
    "ESC_TELEMETRY_1_TO_4": M.MAVLINK_MSG_ID_ESC_TELEMETRY_1_TO_4,
    "WIND": M.MAVLINK_MSG_ID_WIND,
    "VIBRATION": M.MAVLINK_MSG_ID_VIBRATION,
    "TERRAIN_REPORT": M.MAVLINK_MSG_ID_TERRAIN_REPORT,
    "GPS_GLOBAL_ORIGIN": M.MAVLINK_MSG_ID_GPS_GLOBAL_ORIGIN,
}

#: ArduCopter's REQUEST_DATA_STREAM groups, as ArduCopter 4.7 SITL fills them (GCS_Copter.cpp).
STREAM_GROUPS: dict[int, tuple[int, ...]] = {
    M.MAV_DATA_STREAM_RAW_SENSORS: (
        ID["RAW_IMU"], ID["SCALED_IMU2"], ID["SCALED_IMU3"], ID["SCALED_PRESSURE"], ID["SCALED_PRESSURE2"],
    ),
    M.MAV_DATA_STREAM_EXTENDED_STATUS: (
        ID["SYS_STATUS"],
        ID["POWER_STATUS"],
        ID["MEMINFO"],
        ID["MISSION_CURRENT"],
        ID["GPS_RAW_INT"],
        ID["NAV_CONTROLLER_OUTPUT"],
        ID["FENCE_STATUS"],
    ),
    M.MAV_DATA_STREAM_RC_CHANNELS: (ID["SERVO_OUTPUT_RAW"], ID["RC_CHANNELS"]),
    M.MAV_DATA_STREAM_RAW_CONTROLLER: (),
    M.MAV_DATA_STREAM_POSITION: (ID["GLOBAL_POSITION_INT"], ID["LOCAL_POSITION_NED"]),
    M.MAV_DATA_STREAM_EXTRA1: (ID["ATTITUDE"], ID["SIMSTATE"], ID["AHRS2"], ID["ESC_TELEMETRY_1_TO_4"]),
    M.MAV_DATA_STREAM_EXTRA2: (ID["VFR_HUD"],),
    M.MAV_DATA_STREAM_EXTRA3: (
        ID["AHRS"], ID["SYSTEM_TIME"], ID["WIND"], ID["TERRAIN_REPORT"], ID["BATTERY_STATUS"],
        ID["EKF_STATUS_REPORT"], ID["VIBRATION"],
    ),
}

#: Messages whose rate SET_MESSAGE_INTERVAL may set (others get MAV_RESULT_DENIED).
INTERVAL_MESSAGES = frozenset(ID.values()) - {ID["AUTOPILOT_VERSION"]}

# SYS_STATUS sensor bits

#: SYS_STATUS sensor bits as ArduCopter 4.7 SITL reports them (present; enabled, plus the
#: geofence bit while a fence is enforced).
SENSORS_PRESENT = 0x5371FC2F
SENSORS_ENABLED = 0x52619C2F

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
#: AUTOPILOT_VERSION.capabilities of ArduCopter 4.7 SITL (mission float/int, fence, rally, MAVLink 2...).
CAPABILITIES = 0xFBEF


def _e7(deg: float) -> int:
    return round(deg * 1e7)


def build(msg_id: int, v: SimVehicle) -> Any | None:
    """Build message ``msg_id`` from vehicle ``v``; None if it is not sent now."""
    enc = v.enc
    boot_ms = round(v.t * 1000) & 0xFFFFFFFF
    extra = _SENSORS.get(msg_id)
    if extra is not None:
        return extra(v, enc, boot_ms)
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
        present = SENSORS_PRESENT
        enabled = SENSORS_ENABLED | (M.MAV_SYS_STATUS_GEOFENCE if v.fence_enabled() else 0)
        health = present & ~M.MAV_SYS_STATUS_PREARM_CHECK
        if not v.gps_fix():
            health &= ~M.MAV_SYS_STATUS_SENSOR_GPS
        if v.fence_breaches:
            health &= ~M.MAV_SYS_STATUS_GEOFENCE
        if v.prearm_healthy:
            health |= M.MAV_SYS_STATUS_PREARM_CHECK
        return enc.sys_status_encode(
            present,
            enabled,
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
        lat, lon = v.lat_lon()
        fix = v.gps_fix()
        gs = math.hypot(v.vn, v.ve)
        cog = round(math.degrees(math.atan2(v.ve, v.vn)) % 360 * 100) if gs > 0.2 else 0
        return enc.gps_raw_int_encode(
            int(v.utc_s() * 1e6) if fix else 0,
            M.GPS_FIX_TYPE_RTK_FIXED if fix else M.GPS_FIX_TYPE_NO_FIX,  # SITL's GPS reports 6
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
        lat, lon = v.lat_lon()
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
            M.MAV_BATTERY_FUNCTION_UNKNOWN,  # as ArduCopter fills them
            M.MAV_BATTERY_TYPE_UNKNOWN,
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


def _pressure_hpa(v: SimVehicle) -> float:
    """Static pressure at the vehicle's altitude (ISA), hPa."""
    return 1013.25 * (1 - 2.25577e-5 * v.alt_amsl_m()) ** 5.25588


def _imu(v: SimVehicle) -> tuple[int, int, int, int, int, int, int, int, int]:
    """(acc mg x3, gyro mrad/s x3, mag mgauss x3) in the body frame."""
    g = 1000.0
    ax = round(-math.sin(v.pitch_rad) * g)
    ay = round(math.sin(v.roll_rad) * math.cos(v.pitch_rad) * g)
    az = round(-math.cos(v.roll_rad) * math.cos(v.pitch_rad) * g)
    yaw = math.radians(v.yaw_deg)
    return ax, ay, az, 0, 0, round(math.radians(v.yaw_rate_dps) * 1000), round(220 * math.cos(yaw)), round(
        -220 * math.sin(yaw)), 370


def _raw_imu(v: SimVehicle, enc: Any, boot_ms: int) -> Any:
    return enc.raw_imu_encode(int(v.t * 1e6), *_imu(v), 0, 4500)


def _scaled_imu2(v: SimVehicle, enc: Any, boot_ms: int) -> Any:
    return enc.scaled_imu2_encode(boot_ms, *_imu(v), 4500)


def _scaled_imu3(v: SimVehicle, enc: Any, boot_ms: int) -> Any:
    return enc.scaled_imu3_encode(boot_ms, *_imu(v), 4500)


def _scaled_pressure(v: SimVehicle, enc: Any, boot_ms: int) -> Any:
    return enc.scaled_pressure_encode(boot_ms, _pressure_hpa(v), 0.0, 3100, 0)


def _scaled_pressure2(v: SimVehicle, enc: Any, boot_ms: int) -> Any:
    return enc.scaled_pressure2_encode(boot_ms, _pressure_hpa(v), 0.0, 3100, 0)


def _power_status(v: SimVehicle, enc: Any, boot_ms: int) -> Any:
    return enc.power_status_encode(5000, 0, 0)


def _meminfo(v: SimVehicle, enc: Any, boot_ms: int) -> Any:
    return enc.meminfo_encode(0, 65535, 131072)


def _pwm_out(v: SimVehicle) -> list[int]:
    if not v.armed:
        return [1000] * 4
    return [1000 + 10 * v.throttle_pct()] * 4


def _rc_channels(v: SimVehicle, enc: Any, boot_ms: int) -> Any:
    chans = [1500, 1500, 1000, 1500, 1800, 1000, 1000, 1800] + [0] * 10
    return enc.rc_channels_encode(boot_ms, 16, *chans, 0)


def _servo_output_raw(v: SimVehicle, enc: Any, boot_ms: int) -> Any:
    return enc.servo_output_raw_encode(int(v.t * 1e6) & 0xFFFFFFFF, 0, *_pwm_out(v), *([0] * 12))


def _ahrs(v: SimVehicle, enc: Any, boot_ms: int) -> Any:
    return enc.ahrs_encode(0.0, 0.0, 0.0, 0.0, 0.0, 0.001, 0.002)


def _ahrs2(v: SimVehicle, enc: Any, boot_ms: int) -> Any:
    lat, lon = v.lat_lon()
    return enc.ahrs2_encode(v.roll_rad, v.pitch_rad, _wrap_pi(math.radians(v.yaw_deg)), v.alt_amsl_m(), _e7(lat),
                            _e7(lon))


def _simstate(v: SimVehicle, enc: Any, boot_ms: int) -> Any:
    lat, lon = v.lat_lon()
    return enc.simstate_encode(v.roll_rad, v.pitch_rad, _wrap_pi(math.radians(v.yaw_deg)), 0.0, 0.0, -9.80665,
                               0.0, 0.0, math.radians(v.yaw_rate_dps), _e7(lat), _e7(lon))


def _esc_telemetry(v: SimVehicle, enc: Any, boot_ms: int) -> Any:
    rpm = 0 if not v.armed or v.landed else 6000 + 60 * v.throttle_pct()
    amps = round(v.battery.current_a * 25)
    return enc.esc_telemetry_1_to_4_encode([0] * 4, [round(v.battery.voltage_v * 100)] * 4, [amps] * 4,
                                            [round(v.battery.consumed_mah / 4)] * 4, [rpm] * 4, [0] * 4)


def _wind(v: SimVehicle, enc: Any, boot_ms: int) -> Any:
    speed = math.hypot(v.wind_n, v.wind_e)
    direction = math.degrees(math.atan2(-v.wind_e, -v.wind_n)) % 360 if speed > 0 else 0.0
    return enc.wind_encode(direction, speed, 0.0)


def _vibration(v: SimVehicle, enc: Any, boot_ms: int) -> Any:
    level = 0.0 if v.landed else 0.02
    return enc.vibration_encode(int(v.t * 1e6), level, level, level, 0, 0, 0)


def _terrain_report(v: SimVehicle, enc: Any, boot_ms: int) -> Any:
    lat, lon = v.lat_lon()
    return enc.terrain_report_encode(_e7(lat), _e7(lon), 100, v.config.ground_alt_m, v.alt, 0, 0)


def _gps_global_origin(v: SimVehicle, enc: Any, boot_ms: int) -> Any | None:
    if not v.origin_set:
        return None
    lat, lon = v.frame.to_latlon(0.0, 0.0)
    return enc.gps_global_origin_encode(_e7(lat), _e7(lon), int(v.config.ground_alt_m * 1000), int(v.utc_s() * 1e6))


_SENSORS = {
    ID["RAW_IMU"]: _raw_imu,
    ID["SCALED_IMU2"]: _scaled_imu2,
    ID["SCALED_IMU3"]: _scaled_imu3,
    ID["SCALED_PRESSURE"]: _scaled_pressure,
    ID["SCALED_PRESSURE2"]: _scaled_pressure2,
    ID["POWER_STATUS"]: _power_status,
    ID["MEMINFO"]: _meminfo,
    ID["RC_CHANNELS"]: _rc_channels,
    ID["SERVO_OUTPUT_RAW"]: _servo_output_raw,
    ID["AHRS"]: _ahrs,
    ID["AHRS2"]: _ahrs2,
    ID["SIMSTATE"]: _simstate,
    ID["ESC_TELEMETRY_1_TO_4"]: _esc_telemetry,
    ID["WIND"]: _wind,
    ID["VIBRATION"]: _vibration,
    ID["TERRAIN_REPORT"]: _terrain_report,
    ID["GPS_GLOBAL_ORIGIN"]: _gps_global_origin,
}


# ------------------------------------------------------------------------------------------------
# sending and streams


def send_now(v: SimVehicle, msg_id: int, *, reply: bool = False) -> bool:
    """Queue message ``msg_id`` now (to every port, or only the requesting one); False if not built."""
    msg = build(msg_id, v)
    if msg is None:
        return False
    if reply:
        v.reply(msg)
    else:
        v.send(msg)
    return True


def set_interval(v: SimVehicle, channel: int, msg_id: int, interval_s: float | None) -> None:
    """Send ``msg_id`` on port ``channel`` every ``interval_s`` vehicle seconds (None or <= 0: stop).

    HEARTBEAT goes to every port; its interval is the vehicle's.
    """
    if msg_id == ID["HEARTBEAT"]:
        v.heartbeat_interval_s = interval_s if interval_s and interval_s > 0 else 1.0
        return
    rates = v.streams.setdefault(channel, {})
    if interval_s is None or interval_s <= 0:
        rates.pop(msg_id, None)
        v.stream_due.pop((channel, msg_id), None)
    else:
        rates[msg_id] = interval_s
        v.stream_due[(channel, msg_id)] = v.t + min(interval_s, 0.05)


def interval_of(v: SimVehicle, channel: int, msg_id: int) -> float | None:
    """The interval (vehicle s) ``msg_id`` is streamed at on port ``channel``, or None."""
    if msg_id == ID["HEARTBEAT"]:
        return v.heartbeat_interval_s
    return v.streams.get(channel, {}).get(msg_id)


def run_streams(v: SimVehicle) -> None:
    """Once a step: HEARTBEAT to every port, TIMESYNC every 10 s, each port's requested streams."""
    if v.t + 1e-9 >= v.next_heartbeat_t:
        send_now(v, ID["HEARTBEAT"])
        v.next_heartbeat_t += v.heartbeat_interval_s
        if v.next_heartbeat_t <= v.t:
            v.next_heartbeat_t = v.t + v.heartbeat_interval_s
    if v.t >= v.next_timesync_t:
        v.next_timesync_t += 10.0
        v.send(v.enc.timesync_encode(0, int(v.t * 1e9)))
    now = v.t + 1e-9
    for channel, rates in v.streams.items():
        for msg_id, interval in rates.items():
            key = (channel, msg_id)
            due = v.stream_due.get(key)
            if due is None:
                due = v.stream_due[key] = v.t
            if now >= due:
                msg = build(msg_id, v)
                if msg is not None:
                    msg._dp_channel = channel
                    v.outbox.append(msg)
                nxt = due + interval
                v.stream_due[key] = nxt if nxt > v.t else v.t + interval
