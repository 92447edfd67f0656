"""A simulated ArduCopter: its state, flight-mode state machine and message handling (no sockets).

:class:`SimVehicle` owns the vehicle state (boot, derived readings, pre-arm checks, arming, mode
changes, telemetry streams, camera shots) and dispatches incoming messages; each step it runs the
parts that live in their own modules: :mod:`~dronepatrol.sim.flight` (kinematics),
:mod:`~dronepatrol.sim.auto` (mission execution), :mod:`~dronepatrol.sim.rtl` (return to launch)
and :mod:`~dronepatrol.sim.failsafe` (battery, GCS and fence failsafes).

:class:`SimVehicle` is stepped with a fixed simulated ``dt`` (seconds) and fed decoded pymavlink
messages; what it wants to send accumulates in ``outbox``. It never raises on unexpected input:
unknown or malformed messages are logged and ignored, as an autopilot does.

Units: positions are metres north/east of the configured home (``n``, ``e``), ``alt`` is metres
above home ground, speeds m/s (``vu`` positive up), time ``t`` seconds since boot.

>>> v = SimVehicle(VehicleConfig(name="d1", sysid=1, lat_deg=16.0, lon_deg=103.0,
...                              ground_alt_m=140.0, prearm_delay_s=1.0))
>>> for _ in range(40):
...     v.step(0.05)
>>> v.position_ok(), v.mode.name
(True, 'STABILIZE')
"""

from __future__ import annotations

import logging
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from dronepatrol.sim import auto, failsafe, flight, rtl, telemetry
from dronepatrol.sim.auto import NavCmdState
from dronepatrol.sim.battery import Battery
from dronepatrol.sim.camera import Camera, PhotoWriter
from dronepatrol.sim.geo import M_PER_DEG, LocalFrame, bearing_deg
from dronepatrol.sim.mission_items import Command, item_from_msg
from dronepatrol.sim.mission_store import FenceProtocol, MissionProtocol, RallyProtocol
from dronepatrol.sim.modes import Mode
from dronepatrol.sim.params import READ_ONLY, ParamStore

log = logging.getLogger(__name__)
M = mavlink2
FORCE_ARM_MAGIC = 21196
REBOOT_FORCE_MAGIC = 20190226

_POSITION_MODES = {Mode.AUTO, Mode.GUIDED, Mode.LOITER, Mode.RTL, Mode.POSHOLD, Mode.BRAKE}
_ARMABLE = {Mode.STABILIZE, Mode.ALT_HOLD, Mode.GUIDED, Mode.LOITER, Mode.POSHOLD}
_GUIDED_FLAG_MODES = {Mode.AUTO, Mode.GUIDED, Mode.RTL, Mode.LOITER, Mode.LAND, Mode.BRAKE, Mode.POSHOLD}

# Mission states (MISSION_CURRENT.mission_state)
NO_MISSION, NOT_STARTED, ACTIVE, PAUSED, COMPLETE = 1, 2, 3, 4, 5


@dataclass(kw_only=True)
class VehicleConfig:
    """Static configuration of one simulated vehicle.

    ``lat_deg``/``lon_deg`` and ``ground_alt_m`` (AMSL) place it on the ground at boot;
    ``prearm_delay_s`` is the vehicle time until the position estimate is ready (40 s on
    ArduCopter); ``wind_speed_m_s`` blows *from* ``wind_from_deg``.
    """

    name: str
    sysid: int
    lat_deg: float
    lon_deg: float
    ground_alt_m: float
    prearm_delay_s: float = 40.0
    gps_fix_s: float | None = None
    camera: bool = True
    photos_dir: Path | None = None
    camera_clock_offset_s: float = 0.0
    camera_miss_probability: float = 0.0
    wind_speed_m_s: float = 0.0
    wind_from_deg: float = 0.0
    seed: int = 0
    start_utc_s: float | None = None


class SimVehicle:
    """One simulated ArduCopter. See the module docstring for units."""

    def __init__(self, config: VehicleConfig, *, photo_writer: PhotoWriter | None = None) -> None:
        self.config = config
        self.photo_writer = photo_writer
        self.params = ParamStore(sysid=config.sysid, camera=config.camera)
        self.rng = random.Random(config.seed)
        self.start_utc_s = config.start_utc_s if config.start_utc_s is not None else time.time()
        self.frame = LocalFrame(config.lat_deg, config.lon_deg)
        self.enc = M.MAVLink(None, srcSystem=config.sysid, srcComponent=M.MAV_COMP_ID_AUTOPILOT1)
        self.mission = MissionProtocol(
            self.enc, self.params, self._home_e7, is_running=lambda: self.mis_state == "running"
        )
        self.fence = FenceProtocol(self.enc, self.params)
        self.rally = RallyProtocol(self.enc, self.params)
        self.outbox: list[Any] = []
        self.boot_count = 0
        self._boot()

    # ------------------------------------------------------------------ boot / reboot
    def _boot(self) -> None:
        """Power-on state (parameters and stored missions survive a reboot)."""
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
        self.battery = Battery(capacity_mah=self.params.get("BATT_CAPACITY"))
        self.batt_level = 0
        self.gcs_last_seen: float | None = None
        self.gcs_failsafe = False
        self.fence_breaches = 0  # bitmask of breached fence types
        self.fence_breach_count = 0
        self.fence_breach_type = 0
        self.fence_breach_time_ms = 0
        self.fence_enable_override: bool | None = None
        self.intervals: dict[int, float] = {telemetry.ID["HEARTBEAT"]: 1.0}
        self.next_due: dict[int, float] = {}
        # flight control
        self.tgt: tuple[float, float, float] | None = None
        # DO_CHANGE_SPEED / DO_REPOSITION set speed_xy (m/s): WPNAV_SPEED is ignored until a
        # PARAM_SET of it or a reboot (the speed change is not stored, as on ArduCopter)
        self.speed_override = False
        self.speed_xy = self.params.get("WPNAV_SPEED") / 100.0
        self.speed_up = self.params.get("WPNAV_SPEED_UP") / 100.0
        self.speed_dn = self.params.get("WPNAV_SPEED_DN") / 100.0
        self.descending_to_land = False
        self.roi: tuple[float, float] | None = None
        self.auto_disarm_since: float | None = None
        self.rtl_state: dict[str, Any] | None = None
        # mission executor
        self.mis_state = "stopped"
        self.nav: NavCmdState | None = None
        self.jump_counts: dict[int, int] = {}
        self.started_once = False
        self.auto_waiting = False
        cam_configured = self.params.get("CAM1_TYPE") != 0
        self.camera = Camera(
            name=self.config.name,
            configured=cam_configured,
            photos_dir=self.config.photos_dir,
            clock_offset_s=self.config.camera_clock_offset_s,
            miss_probability=self.config.camera_miss_probability,
            rng=self.rng,
            writer=self.photo_writer,
        )
        w = math.radians(self.config.wind_from_deg)
        self.wind_n = -self.config.wind_speed_m_s * math.cos(w)
        self.wind_e = -self.config.wind_speed_m_s * math.sin(w)
        self.reboot_requested = False

    def reboot(self) -> None:
        """Reboot now: volatile state is lost; parameters, missions, fence, rally survive."""
        self.mission.receiving = self.fence.receiving = self.rally.receiving = False
        self.outbox.clear()
        self._boot()

    # ------------------------------------------------------------------ derived state
    @property
    def gps_fix_s(self) -> float:
        """Vehicle time of the GPS 3D fix, s."""
        if self.config.gps_fix_s is not None:
            return self.config.gps_fix_s
        return min(5.0, 0.5 * self.config.prearm_delay_s)

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
        """HEARTBEAT.system_status: STANDBY, ACTIVE when armed, CRITICAL in a failsafe."""
        if not self.armed:
            return M.MAV_STATE_STANDBY
        if self.gcs_failsafe or self.batt_level > 0:
            return M.MAV_STATE_CRITICAL
        return M.MAV_STATE_ACTIVE

    def airspeed_m_s(self) -> float:
        """Speed through the air (ground velocity minus wind), m/s."""
        return math.hypot(self.vn - self.wind_n, self.ve - self.wind_e)

    def throttle_pct(self) -> int:
        """Throttle, percent."""
        if not self.armed:
            return 0
        if self.landed:
            return 0
        return int(min(100, 38 + 4 * max(0.0, self.vu) + 0.5 * self.airspeed_m_s()))

    def nav_output(self) -> tuple[float, float, float]:
        """(distance to target m, bearing to target deg, altitude error m)."""
        if self.tgt is None:
            return 0.0, self.yaw_deg % 360, 0.0
        dn, de = self.tgt[0] - self.n, self.tgt[1] - self.e
        return math.hypot(dn, de), bearing_deg(dn, de), self.tgt[2] - self.alt

    def mission_current(self) -> tuple[int, int, int, int]:
        """MISSION_CURRENT (seq, total, mission_state, mission_mode)."""
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
        return seq, total, (PAUSED if self.started_once and seq > 0 else NOT_STARTED), mode

    def prearm_failure(self, mode: Mode | None = None) -> str | None:
        """The first failing pre-arm check for arming in ``mode``, or None if armable."""
        mode = self.mode if mode is None else mode
        if self.t < min(1.0, self.gps_fix_s):
            return "PreArm: EKF attitude is bad"
        needs_position = mode in _POSITION_MODES or self.fence_enabled()
        if needs_position and not self.gps_fix():
            return "PreArm: GPS 1: Bad fix"
        if needs_position and not self.position_ok():
            return "PreArm: Need Position Estimate"
        if self.fence_enabled() and self.position_ok():
            breached = failsafe.fence_check_now(self)
            if breached:
                return f"PreArm: Vehicle breaching {failsafe.fence_names(breached)}"
        if self.batt_level > 0:
            return "PreArm: Battery 1 low"
        return None

    def prearm_ok(self) -> bool:
        """SYS_STATUS pre-arm bit: checks pass for the current mode."""
        return self.prearm_failure() is None

    # ------------------------------------------------------------------ helpers
    def text(self, severity: int, text: str) -> None:
        """Queue a STATUSTEXT (at most 50 characters)."""
        self.outbox.append(self.enc.statustext_encode(severity, text.encode()[:50]))

    def send_now(self, msg_id: int) -> None:
        """Queue one telemetry message now (if it can be built)."""
        msg = telemetry.build(msg_id, self)
        if msg is not None:
            self.outbox.append(msg)

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

    # ------------------------------------------------------------------ modes
    def set_mode(self, mode: int, *, from_gcs: bool = True) -> bool:
        """Change flight mode as ArduCopter does; False (and a STATUSTEXT) if refused."""
        try:
            new = Mode(mode)
        except ValueError:
            self.text(M.MAV_SEVERITY_WARNING, "No such mode")
            return False
        if new == self.mode and new != Mode.AUTO:
            return True
        ignore_checks = not self.armed
        if not ignore_checks and new in _POSITION_MODES and not self.position_ok():
            self.text(M.MAV_SEVERITY_WARNING, f"Mode change to {new.name} failed: requires position")
            return False
        if new == Mode.AUTO:
            if self.mission.item_count() <= 1 and not ignore_checks:
                self.text(M.MAV_SEVERITY_WARNING, "Mode change to AUTO failed: init failed")
                return False
            if self.armed and self.landed and not auto.starts_with_takeoff(self):
                self.text(M.MAV_SEVERITY_CRITICAL, "Auto: Missing Takeoff Cmd")
                return False
        old = self.mode
        if old == Mode.AUTO and new != Mode.AUTO and self.mis_state == "running":
            self.mis_state = "stopped"
        self.mode = new
        self.rtl_state = None
        self.descending_to_land = False
        if new != Mode.AUTO:
            self.roi = None
        if new == Mode.AUTO:
            self.auto_waiting = True
        elif new == Mode.RTL:
            rtl.start(self)
        elif new in (Mode.GUIDED, Mode.LOITER, Mode.POSHOLD, Mode.BRAKE, Mode.ALT_HOLD):
            self.tgt = (self.n, self.e, self.alt) if not self.landed else None
        elif new == Mode.LAND:
            self.tgt = (self.n, self.e, 0.0)
            self.descending_to_land = True
        elif new == Mode.STABILIZE:
            self.tgt = None
        return True

    # ------------------------------------------------------------------ arming
    def arm(self, *, force: bool = False) -> bool:
        """Arm (pre-arm checks unless ``force``); STATUSTEXT says why not."""
        if self.armed:
            return True
        if self.mode not in _ARMABLE:
            self.text(M.MAV_SEVERITY_CRITICAL, "Arm: Mode not armable")
            return False
        if not force:
            failure = self.prearm_failure()
            if failure:
                self.text(M.MAV_SEVERITY_CRITICAL, failure)
                return False
        self.armed = True
        self.landed = self.alt <= 0.05
        self.auto_disarm_since = self.t
        self.gcs_failsafe = False
        if self.position_ok():
            lat, lon = self.lat_lon()
            self.home = (lat, lon, self.alt_amsl_m())
            self.send_now(telemetry.ID["HOME_POSITION"])
        self.battery.capacity_mah = self.params.get("BATT_CAPACITY")
        return True

    def disarm(self, *, force: bool = False, reason: str = "") -> bool:
        """Disarm; refused in flight unless ``force`` (as ArduCopter for GCS requests)."""
        if not self.armed:
            return True
        if not force and not self.landed:
            return False
        self.armed = False
        self.tgt = None
        self.descending_to_land = False
        if self.mis_state == "running":
            self.mis_state = "stopped"
        return True

    # ------------------------------------------------------------------ stepping
    def step(self, dt: float) -> None:
        """Advance the vehicle by ``dt`` simulated seconds."""
        was_ok = self.position_ok()
        self.t += dt
        if not was_ok and self.position_ok() and self.home is None:
            lat, lon = self.lat_lon()
            self.home = (lat, lon, self.alt_amsl_m())
            self.send_now(telemetry.ID["HOME_POSITION"])
        flight.refresh_speeds(self)
        if self.armed:
            self._run_mode(dt)
        flight.physics(self, dt)
        flight.after_physics(self)
        failsafe.battery_update(self, dt)
        failsafe.gcs_update(self)
        failsafe.fence_update(self)
        self._camera_update()
        for proto in (self.mission, self.fence, self.rally):
            proto.update(self.t, self.outbox)
        self._streams()

    def _run_mode(self, dt: float) -> None:
        if self.mode == Mode.AUTO:
            auto.run(self)
        elif self.mode == Mode.RTL:
            rtl.run(self, self.rtl_state)
        elif self.mode == Mode.STABILIZE and not self.landed:
            # no pilot throttle: the vehicle sinks to the ground
            self.tgt = (self.n, self.e, 0.0)
            self.descending_to_land = True

    # ------------------------------------------------------------------ camera
    def take_picture(self) -> None:
        """Trigger the camera here and now; queue CAMERA_FEEDBACK (degE7, m, deg) if a photo was taken."""
        lat, lon = self.lat_lon()
        shot = self.camera.take(
            utc_s=self.utc_s(),
            boot_s=self.t,
            lat_deg=lat,
            lon_deg=lon,
            north_m=self.n,
            east_m=self.e,
            alt_msl_m=self.alt_amsl_m(),
            alt_rel_m=self.alt - self.home_rel(),
            yaw_deg=self.yaw_deg,
        )
        if shot is None:
            return
        self.outbox.append(
            self.enc.camera_feedback_encode(
                int(shot.utc_s * 1e6),
                0,
                0,
                shot.img_idx,
                round(lat * 1e7),
                round(lon * 1e7),
                shot.alt_msl_m,
                shot.alt_rel_m,
                math.degrees(self.roll_rad),
                math.degrees(self.pitch_rad),
                self.yaw_deg,
                0.0,
                M.CAMERA_FEEDBACK_PHOTO,
                shot.img_idx,
            )
        )

    def _camera_update(self) -> None:
        if self.camera.due(self.n, self.e):
            self.take_picture()

    # ------------------------------------------------------------------ streams
    def _streams(self) -> None:
        for msg_id, interval in list(self.intervals.items()):
            due = self.next_due.setdefault(msg_id, self.t)
            if self.t + 1e-9 >= due:
                self.send_now(msg_id)
                nxt = due + interval
                self.next_due[msg_id] = nxt if nxt > self.t else self.t + interval

    def set_interval(self, msg_id: int, interval_s: float | None) -> None:
        """Send ``msg_id`` every ``interval_s`` vehicle seconds (None or <= 0: stop)."""
        if interval_s is None or interval_s <= 0:
            self.intervals.pop(msg_id, None)
            self.next_due.pop(msg_id, None)
        else:
            self.intervals[msg_id] = interval_s
            self.next_due[msg_id] = self.t + min(interval_s, 0.05)

    # ------------------------------------------------------------------ incoming messages
    def handle(self, msg: Any) -> None:
        """Process one decoded incoming message; never raises."""
        try:
            self._handle(msg)
        except Exception as exc:  # an autopilot must survive anything a link delivers
            kind = msg.get_type() if hasattr(msg, "get_type") else type(msg).__name__
            log.warning("%s: ignored malformed %s (%s)", self.config.name, kind, exc)
            log.debug("details", exc_info=True)

    def _for_me(self, msg: Any, *, component: bool = True) -> bool:
        ts = getattr(msg, "target_system", 0)
        if ts not in (0, self.sysid):
            return False
        if component:
            tc = getattr(msg, "target_component", 0)
            if tc not in (0, M.MAV_COMP_ID_AUTOPILOT1):
                return False
        return True

    def _handle(self, msg: Any) -> None:
        kind = msg.get_type()
        if kind == "BAD_DATA":
            return
        if kind == "HEARTBEAT":
            if msg.get_srcSystem() == int(self.params.get("MAV_GCS_SYSID")):
                self.gcs_last_seen = self.t
            return
        if not self._for_me(msg, component=kind not in ("REQUEST_DATA_STREAM", "SET_MODE")):
            return
        handler = _HANDLERS.get(kind)
        if handler is None:
            return
        handler(self, msg)

    def _h_request_data_stream(self, msg: Any) -> None:
        rate = float(msg.req_message_rate)
        if msg.start_stop == 0:
            rate = 0.0
        elif rate <= 0:
            return
        groups = list(telemetry.STREAM_GROUPS) if msg.req_stream_id == M.MAV_DATA_STREAM_ALL else [msg.req_stream_id]
        for gid in groups:
            for msg_id in telemetry.STREAM_GROUPS.get(gid, ()):
                self.set_interval(msg_id, 1.0 / rate if rate > 0 else None)

    def _h_set_mode(self, msg: Any) -> None:
        result = self.set_mode_common(int(msg.base_mode), int(msg.custom_mode))
        self.outbox.append(
            self.enc.command_ack_encode(
                M.MAVLINK_MSG_ID_SET_MODE, result, 0, 0, msg.get_srcSystem(), msg.get_srcComponent()
            )
        )

    def set_mode_common(self, base_mode: int, custom_mode: int) -> int:
        """SET_MODE / DO_SET_MODE: the MAV_RESULT of changing to ``custom_mode`` (needs CUSTOM_MODE_ENABLED)."""
        if base_mode & M.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED:
            return M.MAV_RESULT_ACCEPTED if self.set_mode(custom_mode) else M.MAV_RESULT_FAILED
        return M.MAV_RESULT_FAILED

    def _h_command_long(self, msg: Any) -> None:
        self._command(
            msg,
            msg.command,
            [msg.param1, msg.param2, msg.param3, msg.param4, msg.param5, msg.param6, msg.param7],
            is_int=False,
        )

    def _h_command_int(self, msg: Any) -> None:
        self._command(
            msg,
            msg.command,
            [msg.param1, msg.param2, msg.param3, msg.param4, msg.x, msg.y, msg.z],
            is_int=True,
            frame=msg.frame,
        )

    def _command(self, msg: Any, command: int, p: list[float], *, is_int: bool, frame: int = 0) -> None:
        from dronepatrol.sim import commands

        result = commands.handle(self, command, p, is_int=is_int, frame=frame, msg=msg)
        if result is None:
            return
        self.outbox.append(
            self.enc.command_ack_encode(command, result, 0, 0, msg.get_srcSystem(), msg.get_srcComponent())
        )

    def _param_value(self, name: str, index: int) -> Any:
        return self.enc.param_value_encode(
            name.encode(), self.params.get(name), self.params.ptype(name), len(self.params), index
        )

    def _h_param_request_list(self, msg: Any) -> None:
        for i, name in enumerate(self.params.names()):
            self.outbox.append(self._param_value(name, i))

    def _h_param_request_read(self, msg: Any) -> None:
        name = _param_name(msg.param_id)
        if msg.param_index >= 0 and not name:
            names = self.params.names()
            if msg.param_index < len(names):
                name = names[msg.param_index]
        if name in self.params:
            self.outbox.append(self._param_value(name, self.params.index(name)))

    def _h_param_set(self, msg: Any) -> None:
        name = _param_name(msg.param_id)
        if name not in self.params:
            return
        if name in READ_ONLY:
            self.text(M.MAV_SEVERITY_WARNING, f"Param write denied ({name})")
        else:
            try:
                self.params.set(name, float(msg.param_value))
            except ValueError:
                return
            if name == "WPNAV_SPEED":
                self.speed_override = False
        self.outbox.append(self._param_value(name, 65535))

    def _proto(self, mission_type: int) -> Any:
        return {0: self.mission, 1: self.fence, 2: self.rally}.get(mission_type)

    def _h_mission_count(self, msg: Any) -> None:
        proto = self._proto(getattr(msg, "mission_type", 0))
        if proto is not None:
            proto.handle_count(msg, self.t, self.outbox)

    def _h_mission_item(self, msg: Any) -> None:
        item = item_from_msg(msg)
        proto = self._proto(getattr(msg, "mission_type", 0))
        if item is not None and proto is not None:
            proto.handle_item(msg, item, self.t, self.outbox)

    def _h_mission_request_list(self, msg: Any) -> None:
        proto = self._proto(getattr(msg, "mission_type", 0))
        if proto is not None:
            proto.handle_request_list(msg, self.outbox)

    def _h_mission_request_int(self, msg: Any) -> None:
        proto = self._proto(getattr(msg, "mission_type", 0))
        if proto is not None:
            proto.handle_request(msg, self.outbox, want_int=True)

    def _h_mission_request(self, msg: Any) -> None:
        proto = self._proto(getattr(msg, "mission_type", 0))
        if proto is not None:
            proto.handle_request(msg, self.outbox, want_int=False)

    def _h_mission_clear_all(self, msg: Any) -> None:
        proto = self._proto(getattr(msg, "mission_type", 0))
        if proto is not None:
            proto.handle_clear_all(msg, self.outbox)

    def _h_mission_set_current(self, msg: Any) -> None:
        auto.set_mission_current(self, int(msg.seq))

    def _h_timesync(self, msg: Any) -> None:
        if msg.tc1 == 0:
            self.outbox.append(self.enc.timesync_encode(int(self.t * 1e9), msg.ts1))

    def _h_set_position_target_global_int(self, msg: Any) -> None:
        if self.mode != Mode.GUIDED or not self.armed:
            return
        mask = int(msg.type_mask)
        if mask & 0b111:  # position ignored
            return
        n, e = self.frame.to_ne(msg.lat_int * 1e-7, msg.lon_int * 1e-7)
        alt = float(msg.alt)
        if msg.coordinate_frame in (M.MAV_FRAME_GLOBAL_INT, M.MAV_FRAME_GLOBAL):
            alt -= self.config.ground_alt_m
        else:
            alt += self.home_rel()
        self.tgt = (n, e, alt)


def _param_name(raw: Any) -> str:
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "replace")
    return str(raw).split("\x00", 1)[0].strip()


_HANDLERS = {
    "REQUEST_DATA_STREAM": SimVehicle._h_request_data_stream,
    "SET_MODE": SimVehicle._h_set_mode,
    "COMMAND_LONG": SimVehicle._h_command_long,
    "COMMAND_INT": SimVehicle._h_command_int,
    "PARAM_REQUEST_LIST": SimVehicle._h_param_request_list,
    "PARAM_REQUEST_READ": SimVehicle._h_param_request_read,
    "PARAM_SET": SimVehicle._h_param_set,
    "MISSION_COUNT": SimVehicle._h_mission_count,
    "MISSION_ITEM": SimVehicle._h_mission_item,
    "MISSION_ITEM_INT": SimVehicle._h_mission_item,
    "MISSION_REQUEST_LIST": SimVehicle._h_mission_request_list,
    "MISSION_REQUEST_INT": SimVehicle._h_mission_request_int,
    "MISSION_REQUEST": SimVehicle._h_mission_request,
    "MISSION_CLEAR_ALL": SimVehicle._h_mission_clear_all,
    "MISSION_SET_CURRENT": SimVehicle._h_mission_set_current,
    "TIMESYNC": SimVehicle._h_timesync,
    "SET_POSITION_TARGET_GLOBAL_INT": SimVehicle._h_set_position_target_global_int,
}

__all__ = ["M_PER_DEG", "SimVehicle", "VehicleConfig"]
