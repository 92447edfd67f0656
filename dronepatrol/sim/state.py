"""The state of one simulated ArduCopter: what every behaviour module takes and changes.

:class:`VehicleState` holds the vehicle's configuration, parameters, stored mission/fence/rally,
position and motion, mode, arming, mission executor, failsafe and stream state, and the queries
derived from them (GPS fix, position estimate, home, base mode, MISSION_CURRENT...). It owns no
behaviour: :mod:`~dronepatrol.sim.flight`, :mod:`~dronepatrol.sim.auto`, :mod:`~dronepatrol.sim.rtl`,
:mod:`~dronepatrol.sim.control`, :mod:`~dronepatrol.sim.failsafe`, :mod:`~dronepatrol.sim.commands`
and :mod:`~dronepatrol.sim.telemetry` are functions of a state, and
:class:`~dronepatrol.sim.vehicle.SimVehicle` (a state with a message dispatcher) runs them. This
module imports none of them, so the simulator's import graph has no circle.

Messages to send go to ``outbox``: to every port (:meth:`send`), or only to the port the message
being handled came from (:meth:`reply`, as ArduPilot answers on the requesting channel).

Units: positions are metres north/east of the configured home (``n``, ``e``), ``alt`` is metres
above home ground, speeds m/s (``vu`` positive up), time ``t`` seconds since boot.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from dronepatrol.sim.battery import Battery
from dronepatrol.sim.camera import Camera, PhotoWriter
from dronepatrol.sim.geo import LocalFrame, bearing_deg
from dronepatrol.sim.mission_items import Command
from dronepatrol.sim.mission_store import FenceProtocol, MissionProtocol, RallyProtocol
from dronepatrol.sim.modes import Mode
from dronepatrol.sim.params import ParamStore

M = mavlink2

# Mission states (MISSION_CURRENT.mission_state)
NO_MISSION, NOT_STARTED, ACTIVE, PAUSED, COMPLETE = 1, 2, 3, 4, 5

#: Modes that need a position estimate to arm or to enter while armed.
POSITION_MODES = frozenset({Mode.AUTO, Mode.GUIDED, Mode.LOITER, Mode.RTL, Mode.POSHOLD, Mode.BRAKE})
_GUIDED_FLAG_MODES = {Mode.AUTO, Mode.GUIDED, Mode.RTL, Mode.LOITER, Mode.LAND, Mode.BRAKE, Mode.POSHOLD}

#: Vehicle time (s) at which ArduCopter SITL's EKF sets its origin (and home), as a fraction of
#: the time to a position estimate (SITL: origin ~21 s, estimate ~45 s).
ORIGIN_FRACTION = 0.5


@dataclass(kw_only=True)
class VehicleConfig:
    """Static configuration of one simulated vehicle.

    ``lat_deg``/``lon_deg`` and ``ground_alt_m`` (AMSL) place it on the ground at boot;
    ``prearm_delay_s`` is the vehicle time until the position estimate is ready (about 40 s on
    ArduCopter); ``camera`` starts with CAM1_TYPE 1 (ArduCopter's default is 0: no camera);
    ``wind_speed_m_s`` blows *from* ``wind_from_deg``; ``speedup`` is reported as SIM_SPEEDUP.
    """

    name: str
    sysid: int
    lat_deg: float
    lon_deg: float
    ground_alt_m: float
    prearm_delay_s: float = 40.0
    gps_fix_s: float | None = None
    camera: bool = False
    photos_dir: Path | None = None
    camera_clock_offset_s: float = 0.0
    camera_miss_probability: float = 0.0
    wind_speed_m_s: float = 0.0
    wind_from_deg: float = 0.0
    seed: int = 0
    start_utc_s: float | None = None
    speedup: float = 1.0


@dataclass
class NavCmdState:
    """Runtime state of the nav command being flown."""

    cmd: Command
    target: tuple[float, float, float] | None = None  # n, e, alt (m)
    reached_at: float | None = None
    landing: bool = False


class _Replies:
    def __init__(self, state: VehicleState) -> None:
        self._state = state

    def append(self, msg: Any) -> None:
        self._state.reply(msg)


class VehicleState:
    """Everything one simulated ArduCopter knows. See the module docstring for units."""

    def __init__(self, config: VehicleConfig, *, photo_writer: PhotoWriter | None = None) -> None:
        self.config = config
        self.photo_writer = photo_writer
        self.outbox: list[Any] = []
        #: ``replies.append(msg)`` is :meth:`reply` (for the sans-I/O protocols' ``out`` lists).
        self.replies = _Replies(self)
        self.params = ParamStore(sysid=config.sysid, camera=config.camera,
                                 overrides={"SIM_SPEEDUP": config.speedup})
        self.params.on_change = self._param_changed
        self.rng = random.Random(config.seed)
        self.start_utc_s = config.start_utc_s if config.start_utc_s is not None else time.time()
        self.frame = LocalFrame(config.lat_deg, config.lon_deg)
        self.enc = M.MAVLink(None, srcSystem=config.sysid, srcComponent=M.MAV_COMP_ID_AUTOPILOT1)
        self.mission = MissionProtocol(
            self.enc, self.params, self._home_e7, is_running=lambda: self.mis_state == "running"
        )
        self.fence = FenceProtocol(self.enc, self.params)
        self.rally = RallyProtocol(self.enc, self.params)
        self.outbox.clear()  # nothing is said before boot
        #: The port (0 main, 1 second) of the message being handled; None outside a handler.
        self.reply_channel: int | None = None
        #: MAVLink 2 signing key (installed with SETUP_SIGNING; survives a reboot), or None.
        self.signing_key: bytes | None = None
        self.boot_count = 0
        self.boot()

    # ------------------------------------------------------------------ boot
    def boot(self) -> None:
        """Power-on state (parameters, stored missions and the signing key survive a reboot; so do
        GPS time, which runs on, and the camera body's file numbering, which is not the autopilot's)."""
        files_taken = 0
        if self.boot_count > 0:
            self.start_utc_s += self.t  # the new boot starts at the UTC time of the reboot
            files_taken = self.camera.file_counter
        self.boot_count += 1
        self.sysid = int(self.params.get("MAV_SYSID"))
        self.enc.srcSystem = self.sysid
        self.t = 0.0
        self.n = self.e = self.alt = 0.0
        self.vn = self.ve = self.vu = 0.0
        self.roll_rad = self.pitch_rad = 0.0
        self.yaw_deg = 0.0
        self.yaw_rate_dps = 0.0
        self.armed = False
        self.landed = True
        self.mode = Mode.STABILIZE
        self.home: tuple[float, float, float] | None = None  # lat, lon, alt AMSL m
        self.origin_set = False
        self.battery = Battery(capacity_mah=self.params.get("BATT_CAPACITY"))
        self.batt_level = 0
        self.gcs_last_seen: float | None = None
        self.gcs_failsafe = False
        self.fence_breaches = 0  # bitmask of breached fence types
        self.fence_breach_count = 0
        self.fence_breach_type = 0
        self.fence_breach_time_ms = 0
        self.fence_enable_override: bool | None = None
        # streams: per port, message id -> interval (vehicle s); HEARTBEAT goes to every port
        self.streams: dict[int, dict[int, float]] = {}
        self.stream_due: dict[tuple[int, int], float] = {}
        self.heartbeat_interval_s = 1.0
        self.next_heartbeat_t = 0.0
        self.next_timesync_t = 10.0
        self.prearm_last_report_t = 0.0
        self.prearm_last_result = False
        self.prearm_report_soon = False
        self.next_runtime_t = 30.0
        self.prearm_healthy = False
        # flight control
        self.tgt: tuple[float, float, float] | None = None
        # DO_CHANGE_SPEED / DO_REPOSITION set speed_xy (m/s): WPNAV_SPEED is ignored until a
        # PARAM_SET of it or a reboot (the speed change is not stored, as on ArduCopter)
        self.speed_override = False
        self.speed_xy = self.params.get("WPNAV_SPEED") / 100.0
        self.speed_up = self.params.get("WPNAV_SPEED_UP") / 100.0
        self.speed_dn = self.params.get("WPNAV_SPEED_DN") / 100.0
        self.descending_to_land = False
        self.ground_contact_t: float | None = None  # touched the ground while landing, vehicle s
        self.roi: tuple[float, float] | None = None
        self.auto_disarm_since: float | None = None
        self.rtl_state: dict[str, Any] | None = None
        # mission executor
        self.mis_state = "stopped"
        self.nav: NavCmdState | None = None
        self.jump_counts: dict[int, int] = {}
        self.started_once = False
        self.auto_waiting = False
        self.camera = Camera(
            name=self.config.name,
            configured=self.params.get("CAM1_TYPE") != 0,
            photos_dir=self.config.photos_dir,
            clock_offset_s=self.config.camera_clock_offset_s,
            miss_probability=self.config.camera_miss_probability,
            rng=self.rng,
            writer=self.photo_writer,
        )
        self.camera.file_counter = files_taken
        w = math.radians(self.config.wind_from_deg)
        self.wind_n = -self.config.wind_speed_m_s * math.cos(w)
        self.wind_e = -self.config.wind_speed_m_s * math.sin(w)
        self.reboot_requested = False

    # ------------------------------------------------------------------ output
    def send(self, msg: Any) -> None:
        """Queue ``msg`` for every port."""
        self.outbox.append(msg)

    def reply(self, msg: Any) -> None:
        """Queue ``msg`` for the port the message being handled came from (every port outside a
        handler; STATUSTEXT always goes to every port)."""
        if self.reply_channel is not None and msg.get_type() != "STATUSTEXT":
            msg._dp_channel = self.reply_channel
        self.outbox.append(msg)

    def text(self, severity: int, text: str) -> None:
        """Queue a STATUSTEXT (at most 50 characters) for every port."""
        self.send(self.enc.statustext_encode(severity, text.encode()[:50]))

    def param_value(self, name: str, index: int | None = None) -> Any:
        """PARAM_VALUE of ``name`` (index 65535 unless given, as ArduCopter answers by-name reads)."""
        return self.enc.param_value_encode(
            name.encode(), self.params.get(name), self.params.ptype(name), len(self.params),
            65535 if index is None else index,
        )

    def _param_changed(self, name: str, _value: float) -> None:
        self.send(self.param_value(name))

    # ------------------------------------------------------------------ derived state
    @property
    def gps_fix_s(self) -> float:
        """Vehicle time of the GPS 3D fix, s."""
        if self.config.gps_fix_s is not None:
            return self.config.gps_fix_s
        return min(5.0, 0.5 * self.config.prearm_delay_s)

    @property
    def origin_s(self) -> float:
        """Vehicle time at which the EKF origin (and home) is set, s."""
        return max(self.gps_fix_s, ORIGIN_FRACTION * self.config.prearm_delay_s)

    def gps_fix(self) -> bool:
        """True once the GPS has a 3D fix."""
        return self.t >= self.gps_fix_s

    def position_ok(self) -> bool:
        """True once the EKF has a position estimate (arming in GUIDED possible)."""
        return self.t >= self.config.prearm_delay_s

    def utc_s(self) -> float:
        """Vehicle clock (GPS time), UNIX seconds: boot wall time plus simulated time."""
        return self.start_utc_s + self.t

    def lat_lon(self) -> tuple[float, float]:
        """Current WGS84 position, degrees."""
        return self.frame.to_latlon(self.n, self.e)

    def alt_amsl_m(self) -> float:
        """Current altitude above mean sea level, m."""
        return self.config.ground_alt_m + self.alt

    def _home_e7(self) -> tuple[int, int, int]:
        if self.home is None:
            return 0, 0, 0
        return round(self.home[0] * 1e7), round(self.home[1] * 1e7), int(self.home[2] * 100)

    def home_ne(self) -> tuple[float, float]:
        """Home position, metres north/east of the boot position."""
        if self.home is None:
            return 0.0, 0.0
        return self.frame.to_ne(self.home[0], self.home[1])

    def home_alt_m(self) -> float:
        """Home altitude AMSL, m."""
        return self.home[2] if self.home else self.config.ground_alt_m

    def home_rel(self) -> float:
        """Home altitude above the boot ground (the ``alt`` origin), m."""
        return self.home_alt_m() - self.config.ground_alt_m

    def set_home_here(self) -> None:
        """Home := the current position."""
        lat, lon = self.lat_lon()
        self.home = (lat, lon, self.alt_amsl_m())

    def fence_enabled(self) -> bool:
        """Fence enforcement on (FENCE_ENABLE, or DO_FENCE_ENABLE since)."""
        if self.fence_enable_override is not None:
            return self.fence_enable_override
        return self.params.get("FENCE_ENABLE") != 0

    def base_mode(self) -> int:
        """HEARTBEAT.base_mode as ArduCopter fills it."""
        bm = (
            M.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
            | M.MAV_MODE_FLAG_STABILIZE_ENABLED
            | M.MAV_MODE_FLAG_MANUAL_INPUT_ENABLED
        )
        if self.mode in _GUIDED_FLAG_MODES:
            bm |= M.MAV_MODE_FLAG_GUIDED_ENABLED
        if self.armed:
            bm |= M.MAV_MODE_FLAG_SAFETY_ARMED
        return bm

    def system_status(self) -> int:
        """HEARTBEAT.system_status as ArduCopter: CRITICAL in a failsafe, STANDBY on the ground
        (armed or not), ACTIVE in flight."""
        if self.armed and (self.gcs_failsafe or self.batt_level > 0):
            return M.MAV_STATE_CRITICAL
        if not self.armed or self.landed:
            return M.MAV_STATE_STANDBY
        return M.MAV_STATE_ACTIVE

    def airspeed_m_s(self) -> float:
        """Speed through the air (ground velocity minus wind), m/s."""
        return math.hypot(self.vn - self.wind_n, self.ve - self.wind_e)

    def throttle_pct(self) -> int:
        """Throttle, percent."""
        if not self.armed or self.landed:
            return 0
        return int(min(100, 38 + 4 * max(0.0, self.vu) + 0.5 * self.airspeed_m_s()))

    def nav_output(self) -> tuple[float, float, float]:
        """(distance to target m, bearing to target deg, altitude error m)."""
        if self.tgt is None:
            return 0.0, self.yaw_deg % 360, 0.0
        dn, de = self.tgt[0] - self.n, self.tgt[1] - self.e
        return math.hypot(dn, de), bearing_deg(dn, de), self.tgt[2] - self.alt

    def mission_current(self) -> tuple[int, int, int, int]:
        """MISSION_CURRENT (seq, total, mission_state, mission_mode), as ArduCopter 4.7 SITL reports it:
        NO_MISSION with home only, ACTIVE while flown, COMPLETE after the end (seq 0), otherwise
        NOT_STARTED at the item it would fly next (never PAUSED)."""
        count = self.mission.item_count()
        total = max(count - 1, 0)
        mode = 1 if self.mode == Mode.AUTO else 0
        if count <= 1:
            return 0, total, NO_MISSION, mode
        if self.mis_state == "complete":
            return 0, total, COMPLETE, mode
        seq = self.nav.cmd.index if self.nav else 0
        if self.mis_state == "running":
            return seq, total, ACTIVE, mode
        return seq, total, NOT_STARTED, mode  # ArduCopter 4.7: also when a mode change stopped it

    def loc_to_target(self, cmd: Command, default_alt: float | None = None) -> tuple[float, float, float]:
        """Target (n, e, alt above home ground; m) of a mission location; zeros mean 'here'."""
        if cmd.lat_e7 == 0 and cmd.lon_e7 == 0:
            n, e = self.n, self.e
        else:
            n, e = self.frame.to_ne(cmd.lat_e7 * 1e-7, cmd.lon_e7 * 1e-7)
        alt_m = cmd.alt_cm / 100.0
        if alt_m == 0 and default_alt is not None:
            alt = default_alt
        elif cmd.relative_alt:
            alt = alt_m + (self.home_alt_m() - self.config.ground_alt_m)
        else:
            alt = alt_m - self.config.ground_alt_m
        return n, e, alt
