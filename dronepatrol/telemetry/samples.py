"""What a vehicle reports, one record per MAVLink message kind, free of pymavlink.

:mod:`dronepatrol.mavlink.decode` turns MAVLink messages (from a live link or a ``.tlog``) into
these records; the fleet state (:mod:`dronepatrol.telemetry.state`), the vehicle clock
(:mod:`dronepatrol.telemetry.clock`) and the track reader consume them. Units are in the names;
positions are degrees, altitudes metres (``alt_amsl_m`` above mean sea level, ``alt_rel_m`` above
home), ``boot_ms`` is the vehicle's time since boot, ``unix_us`` the vehicle's UTC clock.

>>> s = Sample(t_rx_s=1.7e9, system_id=1, component_id=1, record=StatusText(severity=4, text="hi"))
>>> s.record.text
'hi'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True, slots=True)
class Heartbeat:
    """HEARTBEAT of an autopilot: ``mode`` is ArduCopter's custom mode number."""

    mode: int
    armed: bool
    system_status: int
    vehicle_type: int


@dataclass(frozen=True, kw_only=True, slots=True)
class SystemTime:
    """SYSTEM_TIME: a pair of the vehicle's UTC clock (0 = unknown, no GPS time yet) and boot time."""

    unix_us: int
    boot_ms: int


@dataclass(frozen=True, kw_only=True, slots=True)
class Position:
    """GLOBAL_POSITION_INT: the fused position at ``boot_ms``."""

    boot_ms: int
    lat: float
    lon: float
    alt_amsl_m: float
    alt_rel_m: float
    heading_deg: float | None
    ground_speed_m_s: float
    climb_m_s: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Gps:
    """GPS_RAW_INT: ``fix_type`` (0-1 none, 2 2D, 3 3D, 4 DGPS, 5-6 RTK), satellites, hdop."""

    fix_type: int
    satellites: int | None
    hdop: float | None


@dataclass(frozen=True, kw_only=True, slots=True)
class Battery:
    """SYS_STATUS or BATTERY_STATUS battery figures (``None`` where the vehicle does not know)."""

    voltage_v: float | None
    current_a: float | None
    remaining_pct: int | None
    consumed_mah: float | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Health:
    """SYS_STATUS sensor bits: pre-arm checks passing, geofence enabled and not breached."""

    prearm_ok: bool
    fence_enabled: bool
    fence_ok: bool
    gps_ok: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class MissionProgress:
    """MISSION_CURRENT: current item ``seq`` of ``total`` and the mission ``state``
    (MISSION_STATE: 0 unknown, 1 no mission, 2 not started, 3 active, 4 paused, 5 complete)."""

    seq: int
    total: int | None
    state: int | None


@dataclass(frozen=True, kw_only=True, slots=True)
class CameraShot:
    """CAMERA_FEEDBACK: one photo; ``unix_us`` is the vehicle's UTC time of the shot (0 unknown)."""

    unix_us: int
    index: int
    lat: float
    lon: float
    alt_amsl_m: float
    alt_rel_m: float
    yaw_deg: float | None


@dataclass(frozen=True, kw_only=True, slots=True)
class StatusText:
    """STATUSTEXT: MAV_SEVERITY (0 emergency .. 7 debug) and text."""

    severity: int
    text: str


@dataclass(frozen=True, kw_only=True, slots=True)
class FenceState:
    """FENCE_STATUS: whether the vehicle is outside its fence now, and the breach count."""

    breached: bool
    breach_count: int


@dataclass(frozen=True, kw_only=True, slots=True)
class HomePosition:
    """HOME_POSITION."""

    lat: float
    lon: float
    alt_amsl_m: float


Record = (Heartbeat | SystemTime | Position | Gps | Battery | Health | MissionProgress | CameraShot | StatusText
          | FenceState | HomePosition)


@dataclass(frozen=True, kw_only=True, slots=True)
class Sample:
    """One decoded message: ``t_rx_s`` is when it was received (or recorded), UTC POSIX seconds
    on the receiving computer's clock; ``system_id``/``component_id`` say who sent it."""

    t_rx_s: float
    system_id: int
    component_id: int
    record: Record
