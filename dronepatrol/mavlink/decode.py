"""The one decoder from MAVLink messages to telemetry records, for live links and ``.tlog`` files.

``decode(msg)`` returns the :mod:`dronepatrol.telemetry.samples` records one pymavlink message
carries (a SYS_STATUS gives a :class:`~dronepatrol.telemetry.samples.Battery` and a
:class:`~dronepatrol.telemetry.samples.Health`), or ``()`` for messages the telemetry does not
use, for a ground station's HEARTBEAT and for a component that is not an autopilot.
MAVLink's "unknown" values (UINT16_MAX, -1) become ``None``.

>>> from pymavlink.dialects.v20 import ardupilotmega as m
>>> mav = m.MAVLink(None, 1, 1)
>>> decode(mav.global_position_int_encode(5000, 160500000, 1036500000, 210000, 60000, 300, 400, -100, 9000))
(Position(boot_ms=5000, lat=16.05, lon=103.65, alt_amsl_m=210.0, alt_rel_m=60.0, heading_deg=90.0, \
ground_speed_m_s=5.0, climb_m_s=1.0),)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from dronepatrol.telemetry.samples import (
    Battery,
    CameraShot,
    FenceState,
    Gps,
    Health,
    Heartbeat,
    HomePosition,
    MissionProgress,
    Position,
    Record,
    Sample,
    StatusText,
    SystemTime,
)

MAV_TYPE_GCS = 6
MAV_AUTOPILOT_INVALID = 8
MAV_MODE_FLAG_SAFETY_ARMED = 128
SENSOR_GPS = 0x20
SENSOR_GEOFENCE = 0x100000
SENSOR_PREARM_CHECK = 0x10000000
UINT16_MAX = 65535


def _heartbeat(m: Any) -> tuple[Record, ...]:
    if m.type == MAV_TYPE_GCS or m.autopilot == MAV_AUTOPILOT_INVALID:
        return ()
    return (Heartbeat(mode=int(m.custom_mode), armed=bool(m.base_mode & MAV_MODE_FLAG_SAFETY_ARMED),
                      system_status=int(m.system_status), vehicle_type=int(m.type)),)


def _system_time(m: Any) -> tuple[Record, ...]:
    return (SystemTime(unix_us=int(m.time_unix_usec), boot_ms=int(m.time_boot_ms)),)


def _global_position(m: Any) -> tuple[Record, ...]:
    return (Position(
        boot_ms=int(m.time_boot_ms),
        lat=m.lat / 1e7,
        lon=m.lon / 1e7,
        alt_amsl_m=m.alt / 1000,
        alt_rel_m=m.relative_alt / 1000,
        heading_deg=None if m.hdg == UINT16_MAX else m.hdg / 100,
        ground_speed_m_s=math.hypot(m.vx, m.vy) / 100,
        climb_m_s=-m.vz / 100,
    ),)


def _gps_raw(m: Any) -> tuple[Record, ...]:
    return (Gps(fix_type=int(m.fix_type), satellites=None if m.satellites_visible == 255 else int(m.satellites_visible),
                hdop=None if m.eph == UINT16_MAX else m.eph / 100),)


def _sys_status(m: Any) -> tuple[Record, ...]:
    enabled = m.onboard_control_sensors_present & m.onboard_control_sensors_enabled
    health = m.onboard_control_sensors_health
    return (
        Battery(voltage_v=None if m.voltage_battery == UINT16_MAX else m.voltage_battery / 1000,
                current_a=None if m.current_battery == -1 else m.current_battery / 100,
                remaining_pct=None if m.battery_remaining == -1 else int(m.battery_remaining)),
        Health(prearm_ok=bool(health & SENSOR_PREARM_CHECK), fence_enabled=bool(enabled & SENSOR_GEOFENCE),
               fence_ok=bool(health & SENSOR_GEOFENCE), gps_ok=bool(health & SENSOR_GPS)),
    )


def _battery_status(m: Any) -> tuple[Record, ...]:
    if m.id != 0:
        return ()
    v0 = m.voltages[0]
    return (Battery(voltage_v=None if v0 == UINT16_MAX else v0 / 1000,
                    current_a=None if m.current_battery == -1 else m.current_battery / 100,
                    remaining_pct=None if m.battery_remaining == -1 else int(m.battery_remaining),
                    consumed_mah=None if m.current_consumed == -1 else float(m.current_consumed)),)


def _mission_current(m: Any) -> tuple[Record, ...]:
    total = getattr(m, "total", UINT16_MAX)
    state = getattr(m, "mission_state", 0)
    return (MissionProgress(seq=int(m.seq), total=None if total == UINT16_MAX else int(total),
                            state=int(state) if state else None),)


def _camera_feedback(m: Any) -> tuple[Record, ...]:
    return (CameraShot(unix_us=int(m.time_usec), index=int(m.img_idx), lat=m.lat / 1e7, lon=m.lng / 1e7,
                       alt_amsl_m=float(m.alt_msl), alt_rel_m=float(m.alt_rel), yaw_deg=float(m.yaw)),)


def _statustext(m: Any) -> tuple[Record, ...]:
    text = m.text
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8", "replace")
    return (StatusText(severity=int(m.severity), text=text.rstrip("\0")),)


def _fence_status(m: Any) -> tuple[Record, ...]:
    return (FenceState(breached=bool(m.breach_status), breach_count=int(m.breach_count)),)


def _home_position(m: Any) -> tuple[Record, ...]:
    return (HomePosition(lat=m.latitude / 1e7, lon=m.longitude / 1e7, alt_amsl_m=m.altitude / 1000),)


#: Message name -> decoder. The one list of what the telemetry reads.
DECODERS: dict[str, Callable[[Any], tuple[Record, ...]]] = {
    "HEARTBEAT": _heartbeat,
    "SYSTEM_TIME": _system_time,
    "GLOBAL_POSITION_INT": _global_position,
    "GPS_RAW_INT": _gps_raw,
    "SYS_STATUS": _sys_status,
    "BATTERY_STATUS": _battery_status,
    "MISSION_CURRENT": _mission_current,
    "CAMERA_FEEDBACK": _camera_feedback,
    "STATUSTEXT": _statustext,
    "FENCE_STATUS": _fence_status,
    "HOME_POSITION": _home_position,
}
#: What a flown track needs (the rest is skipped undecoded when reading logs for tracks).
TRACK_MESSAGES = ("HEARTBEAT", "SYSTEM_TIME", "GLOBAL_POSITION_INT", "CAMERA_FEEDBACK")


def decode(msg: Any) -> tuple[Record, ...]:
    """The records carried by one pymavlink message (``()`` if none)."""
    fn = DECODERS.get(msg.get_type())
    return fn(msg) if fn is not None else ()


def samples_of(msg: Any, t_rx_s: float) -> list[Sample]:
    """:func:`decode` wrapped as samples received at ``t_rx_s`` (UTC POSIX seconds)."""
    fn = DECODERS.get(msg.get_type())
    if fn is None:
        return []
    sysid, compid = msg.get_srcSystem(), msg.get_srcComponent()
    return [Sample(t_rx_s=t_rx_s, system_id=sysid, component_id=compid, record=r) for r in fn(msg)]
