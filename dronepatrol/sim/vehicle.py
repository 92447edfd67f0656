"""A simulated ArduCopter: state machine, mission execution and kinematics (no sockets).

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
from enum import IntEnum
from pathlib import Path
from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from dronepatrol.sim import telemetry
from dronepatrol.sim.battery import HOVER_A, Battery
from dronepatrol.sim.camera import Camera, PhotoWriter
from dronepatrol.sim.geo import M_PER_DEG, LocalFrame, bearing_deg, point_in_polygon
from dronepatrol.sim.mission_store import (
    Command,
    FenceProtocol,
    MissionProtocol,
    RallyProtocol,
    item_from_msg,
)
from dronepatrol.sim.params import READ_ONLY, ParamStore

log = logging.getLogger(__name__)
M = mavlink2
G = 9.80665
FORCE_ARM_MAGIC = 21196
REBOOT_FORCE_MAGIC = 20190226


class Mode(IntEnum):
    """ArduCopter flight modes (HEARTBEAT.custom_mode) this simulator flies."""

    STABILIZE = 0
    ALT_HOLD = 2
    AUTO = 3
    GUIDED = 4
    LOITER = 5
    RTL = 6
    LAND = 9
    POSHOLD = 16
    BRAKE = 17


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


@dataclass
class NavCmdState:
    """Runtime state of the nav command being flown."""

    cmd: Command
    target: tuple[float, float, float] | None = None  # n, e, alt (m)
    reached_at: float | None = None
    landing: bool = False


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
            breached = self._fence_check_now()
            if breached:
                return f"PreArm: Vehicle breaching {_fence_names(breached)}"
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

    def _loc_to_target(self, cmd: Command, default_alt: float | None = None) -> tuple[float, float, float]:
        """Target (n, e, alt above home ground) of a mission location; zeros mean 'here'."""
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
            if self.armed and self.landed and not self._starts_with_takeoff():
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
            self._rtl_start()
        elif new in (Mode.GUIDED, Mode.LOITER, Mode.POSHOLD, Mode.BRAKE, Mode.ALT_HOLD):
            self.tgt = (self.n, self.e, self.alt) if not self.landed else None
        elif new == Mode.LAND:
            self.tgt = (self.n, self.e, 0.0)
            self.descending_to_land = True
        elif new == Mode.STABILIZE:
            self.tgt = None
        return True

    def _starts_with_takeoff(self) -> bool:
        for cmd in self.mission.commands[1:]:
            if cmd.spec.nav:
                return cmd.command == M.MAV_CMD_NAV_TAKEOFF
        return False

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
        self._refresh_speeds()
        if self.armed:
            self._run_mode(dt)
        self._physics(dt)
        self._after_physics()
        self._battery(dt)
        self._failsafe_gcs()
        self._fence_update()
        self._camera_update()
        for proto in (self.mission, self.fence, self.rally):
            proto.update(self.t, self.outbox)
        self._streams()

    def _refresh_speeds(self) -> None:
        # WPNAV_* changes take effect at once unless a DO_CHANGE_SPEED is active
        if not getattr(self, "_speed_override", False):
            self.speed_xy = max(0.2, self.params.get("WPNAV_SPEED") / 100.0)
        self.speed_up = max(0.1, self.params.get("WPNAV_SPEED_UP") / 100.0)
        self.speed_dn = max(0.1, self.params.get("WPNAV_SPEED_DN") / 100.0)

    def _run_mode(self, dt: float) -> None:
        if self.mode == Mode.AUTO:
            self._auto_run()
        elif self.mode == Mode.RTL:
            self._rtl_run(self.rtl_state)
        elif self.mode == Mode.STABILIZE and not self.landed:
            # no pilot throttle: the vehicle sinks to the ground
            self.tgt = (self.n, self.e, 0.0)
            self.descending_to_land = True

    def _land_rate(self) -> float:
        high = self.params.get("LAND_SPEED_HIGH") / 100.0 or self.speed_dn
        if self.alt > self.params.get("LAND_ALT_LOW") / 100.0:
            return high
        return max(0.1, self.params.get("LAND_SPEED") / 100.0)

    def _physics(self, dt: float) -> None:
        if not self.armed:
            if self.alt > 0:  # falling
                self.vu -= G * dt
                self.alt = max(0.0, self.alt + self.vu * dt)
            if self.alt <= 0:
                self.alt, self.vu, self.vn, self.ve = 0.0, 0.0, 0.0, 0.0
            self.roll_rad = self.pitch_rad = 0.0
            self.yaw_rate_dps = 0.0
            return
        accel = max(0.5, self.params.get("WPNAV_ACCEL") / 100.0)
        tgt = self.tgt
        # horizontal
        if tgt is not None and not (self.landed and tgt[2] <= 0 and not self.descending_to_land):
            dn, de = tgt[0] - self.n, tgt[1] - self.e
            dist = math.hypot(dn, de)
            if dist > 1e-3:
                v_des = min(self.speed_xy, math.sqrt(2 * accel * dist))
                dvn, dve = dn / dist * v_des - self.vn, de / dist * v_des - self.ve
            else:
                dvn, dve = -self.vn, -self.ve
        else:
            dvn, dve = -self.vn, -self.ve
        dv = math.hypot(dvn, dve)
        max_dv = accel * dt
        if dv > max_dv:
            dvn, dve = dvn / dv * max_dv, dve / dv * max_dv
        if self.landed and (tgt is None or tgt[2] <= 0):
            self.vn = self.ve = 0.0
        else:
            self.vn += dvn
            self.ve += dve
        self.n += self.vn * dt
        self.e += self.ve * dt
        if tgt is not None:  # do not overshoot the target
            dn2, de2 = tgt[0] - self.n, tgt[1] - self.e
            if dn2 * (self.vn) + de2 * (self.ve) < 0 and math.hypot(dn2, de2) < math.hypot(self.vn, self.ve) * dt:
                self.n, self.e = tgt[0], tgt[1]
        # vertical
        if self.descending_to_land:
            vu_des = -self._land_rate()
        elif tgt is not None:
            dz = tgt[2] - self.alt
            vmax = self.speed_up if dz > 0 else self.speed_dn
            vu_des = math.copysign(min(vmax, math.sqrt(2 * 2.5 * abs(dz)), abs(dz) / dt), dz)
        else:
            vu_des = 0.0
        dvu = max(-5.0 * dt, min(5.0 * dt, vu_des - self.vu))
        self.vu += dvu
        self.alt += self.vu * dt
        if self.alt <= 0.0:
            self.alt = 0.0
            self.vu = max(0.0, self.vu)
            if self.vu == 0.0:
                self.vn = self.ve = 0.0
        if self.alt > 0.3:
            self.landed = False
        # attitude: lean against acceleration and drag; yaw towards travel or ROI
        air_n, air_e = self.vn - self.wind_n, self.ve - self.wind_e
        drag = 0.0173
        fn = dvn / dt + drag * air_n * math.hypot(air_n, air_e) if not self.landed else 0.0
        fe = dve / dt + drag * air_e * math.hypot(air_n, air_e) if not self.landed else 0.0
        yaw = math.radians(self.yaw_deg)
        fwd = fn * math.cos(yaw) + fe * math.sin(yaw)
        right = -fn * math.sin(yaw) + fe * math.cos(yaw)
        self.pitch_rad = -math.atan2(fwd, G)
        self.roll_rad = math.atan2(right, G)
        self._update_yaw(dt)

    def _update_yaw(self, dt: float) -> None:
        want: float | None = None
        if self.roi is not None:
            dn, de = self.roi[0] - self.n, self.roi[1] - self.e
            if math.hypot(dn, de) > 1.0:
                want = bearing_deg(dn, de)
        elif math.hypot(self.vn, self.ve) > 1.0 and self.mode != Mode.RTL:
            want = bearing_deg(self.vn, self.ve)
        if want is None:
            self.yaw_rate_dps = 0.0
            return
        diff = (want - self.yaw_deg + 180.0) % 360.0 - 180.0
        step = max(-90.0 * dt, min(90.0 * dt, diff))
        self.yaw_deg = (self.yaw_deg + step) % 360.0
        self.yaw_rate_dps = step / dt

    def _after_physics(self) -> None:
        if not self.armed:
            return
        if self.descending_to_land and self.alt <= 0.0:
            self._touchdown()
            return
        # auto-disarm on the ground without a take-off (DISARM_DELAY)
        delay = self.params.get("DISARM_DELAY")
        waiting = (
            self.landed
            and (self.tgt is None or self.tgt[2] <= 0)
            and not (self.mode == Mode.AUTO and self.mis_state == "running")
        )
        if not waiting or delay <= 0:
            self.auto_disarm_since = self.t
        elif self.auto_disarm_since is not None and self.t - self.auto_disarm_since >= delay:
            self.disarm(force=True, reason="auto")

    def _touchdown(self) -> None:
        self.landed = True
        self.descending_to_land = False
        self.vn = self.ve = self.vu = 0.0
        if self.mode == Mode.AUTO and self.nav is not None and self.nav.landing:
            self._nav_done()  # RTL / LAND item reached on landing
            if self.mis_state != "running":
                self.disarm(force=True, reason="landed")
            return
        self.tgt = None
        self.disarm(force=True, reason="landed")

    # ------------------------------------------------------------------ RTL
    def _rtl_target(self) -> tuple[float, float, float]:
        """Best return point: nearest rally point, or home (RALLY_INCL_HOME / RALLY_LIMIT_KM)."""
        hn, he = self.home_ne()
        home_d = math.hypot(hn - self.n, he - self.e)
        best: tuple[float, float, float] | None = None
        best_d = math.inf
        for p in self.rally.points:
            pn, pe = self.frame.to_ne(p.lat_e7 * 1e-7, p.lon_e7 * 1e-7)
            d = math.hypot(pn - self.n, pe - self.e)
            if d < best_d:
                best, best_d = (pn, pe, float(p.alt_m)), d
        limit_m = self.params.get("RALLY_LIMIT_KM") * 1000.0
        if best is None:
            return hn, he, 0.0
        if self.params.get("RALLY_INCL_HOME") and home_d < best_d:
            return hn, he, 0.0
        if limit_m > 0 and best_d > limit_m and home_d < best_d:
            return hn, he, 0.0
        return best

    def _rtl_start(self) -> dict[str, Any]:
        tn, te, talt = self._rtl_target()
        ret_alt = max(self.params.get("RTL_ALT") / 100.0, self.alt, talt)
        if self.fence_enabled() and int(self.params.get("FENCE_TYPE")) & 1:
            ret_alt = min(ret_alt, self.params.get("FENCE_ALT_MAX") - self.params.get("FENCE_MARGIN"))
        state = {"phase": "climb", "n": tn, "e": te, "alt": max(ret_alt, self.alt if self.landed else 0.0)}
        if self.landed and self.armed:
            state["phase"] = "land"
        self.rtl_state = state
        self.descending_to_land = False
        return state

    def _rtl_run(self, st: dict[str, Any] | None) -> bool:
        """Fly one step of RTL; True when the vehicle has landed (or is landing at the end)."""
        if st is None:
            st = self._rtl_start()
        rtl_speed = self.params.get("RTL_SPEED") / 100.0
        if st["phase"] == "climb":
            self.tgt = (self.n, self.e, st["alt"])
            if self.alt >= st["alt"] - 0.5:
                st["phase"] = "return"
        if st["phase"] == "return":
            if rtl_speed > 0:
                self.speed_xy = rtl_speed
            self.tgt = (st["n"], st["e"], st["alt"])
            if math.hypot(st["n"] - self.n, st["e"] - self.e) <= self.params.get("WPNAV_RADIUS") / 100.0:
                st["phase"] = "loiter"
                st["until"] = self.t + self.params.get("RTL_LOIT_TIME") / 1000.0
        if st["phase"] == "loiter":
            self.tgt = (st["n"], st["e"], st["alt"])
            if self.t >= st["until"]:
                final = self.params.get("RTL_ALT_FINAL") / 100.0
                st["phase"] = "final" if final > 0 else "land"
        if st["phase"] == "final":
            self.tgt = (st["n"], st["e"], self.params.get("RTL_ALT_FINAL") / 100.0)
        if st["phase"] == "land":
            self.tgt = (st["n"], st["e"], 0.0)
            self.descending_to_land = True
        return st["phase"] == "land"

    # ------------------------------------------------------------------ AUTO / mission
    def mission_start(self, *, restart: bool) -> None:
        """``AP_Mission::start`` (restart) or ``resume``."""
        if restart or self.nav is None or self.mis_state == "complete":
            self.jump_counts.clear()
            self.nav = None
            self.mis_state = "running"
            self.started_once = True
            self._advance(None)
        else:
            self.mis_state = "running"
            self._start_nav(self.nav.cmd)

    def _auto_run(self) -> None:
        if self.auto_waiting:
            if not self.position_ok():
                return
            self.auto_waiting = False
            restart = self.params.get("MIS_RESTART") != 0 or self.mis_state == "complete"
            if self.mis_state != "running":
                self.mission_start(restart=restart)
        if self.mis_state != "running" or self.nav is None:
            # mission complete (or never started): hold position
            if self.tgt is None and not self.landed:
                self.tgt = (self.n, self.e, self.alt)
            return
        self._verify_nav()

    def _advance(self, after: int | None) -> None:
        """Load the next nav command after index ``after`` (DO_JUMP and do-commands handled)."""
        cmds = self.mission.commands
        idx = 1 if after is None else after + 1
        pending: list[Command] = []
        loops = 0
        while True:
            if idx >= len(cmds):
                self._mission_complete()
                return
            cmd = cmds[idx]
            if cmd.command == M.MAV_CMD_DO_JUMP:
                loops += 1
                target, times = int(cmd.p("param1")), int(cmd.p("param2"))
                if loops > 64 or target == 0 or target >= len(cmds):
                    self._mission_complete()
                    return
                if times == -1:
                    idx = target
                    continue
                run = self.jump_counts.get(idx, 0)
                if run < times:
                    self.jump_counts[idx] = run + 1
                    self.text(M.MAV_SEVERITY_INFO, f"Mission: {idx} Jump {run + 1}/{times}")
                    idx = target
                else:
                    idx += 1
                continue
            if cmd.spec.nav:
                self._start_nav(cmd)
                for do in pending:
                    self._start_do(do)
                return
            pending.append(cmd)
            idx += 1

    def _mission_complete(self) -> None:
        self.mis_state = "complete"
        self.nav = None
        if self.landed and self.armed:
            self.disarm(force=True, reason="mission end")
        else:
            self.tgt = (self.n, self.e, self.alt)

    def _start_nav(self, cmd: Command) -> None:
        self.text(M.MAV_SEVERITY_INFO, f"Mission: {cmd.index} {cmd.spec.name}")
        st = NavCmdState(cmd=cmd)
        self.nav = st
        self.descending_to_land = False
        c = cmd.command
        if c == M.MAV_CMD_NAV_TAKEOFF:
            n, e, alt = self._loc_to_target(cmd)
            st.target = (self.n, self.e, max(alt, 0.0))
        elif c in (M.MAV_CMD_NAV_RETURN_TO_LAUNCH,):
            st.landing = True
            self.rtl_state = None
            self._rtl_start()
        elif c == M.MAV_CMD_NAV_LAND:
            st.landing = True
            if cmd.has_location:
                n, e, _alt = self._loc_to_target(cmd)
                st.target = (n, e, self.alt)
            else:
                st.target = None
        elif c == M.MAV_CMD_NAV_DELAY:
            st.target = (self.n, self.e, self.alt)
            st.reached_at = self.t
        else:
            st.target = self._loc_to_target(cmd, default_alt=self.alt)
        if st.target is not None:
            self.tgt = st.target

    def _verify_nav(self) -> None:
        st = self.nav
        if st is None:
            return
        cmd, c = st.cmd, st.cmd.command
        if c == M.MAV_CMD_NAV_TAKEOFF:
            self.tgt = st.target
            if st.target is not None and self.alt >= st.target[2] - 0.2:
                self._nav_done()
            return
        if c == M.MAV_CMD_NAV_RETURN_TO_LAUNCH:
            self._rtl_run(self.rtl_state)
            return
        if c == M.MAV_CMD_NAV_LAND:
            if st.target is not None and math.hypot(st.target[0] - self.n, st.target[1] - self.e) > 1.0:
                self.tgt = st.target
            else:
                self.tgt = (self.n, self.e, 0.0)
                self.descending_to_land = True
            return
        if c == M.MAV_CMD_NAV_DELAY:
            if self.t - (st.reached_at or self.t) >= cmd.p("param1"):
                self._nav_done()
            return
        assert st.target is not None
        self.tgt = st.target
        if st.reached_at is None:
            d3 = math.dist((self.n, self.e, self.alt), st.target)
            radius = max(0.05, self.params.get("WPNAV_RADIUS") / 100.0)
            if c == M.MAV_CMD_NAV_WAYPOINT or c == M.MAV_CMD_NAV_SPLINE_WAYPOINT:
                if d3 > radius:
                    return
            elif d3 > max(radius, 1.0):
                return
            st.reached_at = self.t
        if c == M.MAV_CMD_NAV_LOITER_UNLIM:
            return
        hold = 0.0
        if c in (M.MAV_CMD_NAV_WAYPOINT, M.MAV_CMD_NAV_SPLINE_WAYPOINT, M.MAV_CMD_NAV_LOITER_TIME):
            hold = cmd.p("param1")
        elif c == M.MAV_CMD_NAV_LOITER_TURNS:
            radius = max(abs(cmd.p("param3")), 1.0)
            hold = cmd.p("param1") * 2 * math.pi * radius / max(min(self.speed_xy, 5.0), 0.5)
        if self.t - st.reached_at < hold:
            return
        if c in (M.MAV_CMD_NAV_WAYPOINT, M.MAV_CMD_NAV_SPLINE_WAYPOINT):
            self.text(M.MAV_SEVERITY_INFO, f"Reached command #{cmd.index}")
        self._nav_done()

    def _nav_done(self) -> None:
        st = self.nav
        if st is None:
            return
        self.outbox.append(self.enc.mission_item_reached_encode(st.cmd.index))
        self._advance(st.cmd.index)

    def _start_do(self, cmd: Command) -> None:
        self.text(M.MAV_SEVERITY_INFO, f"Mission: {cmd.index} {cmd.spec.name}")
        self._do_command(cmd.command, cmd.params, cmd)

    def _do_command(self, c: int, p: dict[str, float], cmd: Command | None = None) -> None:
        """Run a DO command from a mission (``p``: stored params) or from a COMMAND_*."""
        if c == M.MAV_CMD_DO_CHANGE_SPEED:
            kind, speed = int(p.get("param1", 0)), p.get("param2", -1)
            if speed > 0:
                if kind in (0, 1):
                    self.speed_xy = speed
                    self._speed_override = True
                elif kind == 2:
                    self.params.set("WPNAV_SPEED_UP", speed * 100)
                elif kind == 3:
                    self.params.set("WPNAV_SPEED_DN", speed * 100)
        elif c in (M.MAV_CMD_DO_SET_ROI_LOCATION, M.MAV_CMD_DO_SET_ROI):
            if cmd is None or not cmd.has_location:
                self.roi = None
            else:
                n, e, _ = self._loc_to_target(cmd)
                self.roi = (n, e)
        elif c == M.MAV_CMD_DO_SET_CAM_TRIGG_DIST:
            self.camera.set_trigger_distance(p.get("param1", 0.0))
            if int(p.get("param3", 0)) == 1:
                self._take_picture()
        elif c == M.MAV_CMD_DO_DIGICAM_CONTROL:
            if int(p.get("x", 0)) == 1:
                self._take_picture()
        elif c == M.MAV_CMD_DO_SET_HOME:
            if p.get("param1", 0) == 1 or cmd is None or not cmd.has_location:
                lat, lon = self.lat_lon()
                self.home = (lat, lon, self.alt_amsl_m())
            else:
                alt = cmd.alt_cm / 100.0 + (self.home_alt_m() if cmd.relative_alt else 0.0)
                self.home = (cmd.lat_e7 * 1e-7, cmd.lon_e7 * 1e-7, alt)
        elif c == M.MAV_CMD_DO_FENCE_ENABLE:
            self.fence_enable_override = int(p.get("param1", 0)) == 1

    # ------------------------------------------------------------------ camera
    def _take_picture(self) -> None:
        lat, lon = self.lat_lon()
        shot = self.camera.take(
            utc_s=self.utc_s(),
            boot_s=self.t,
            lat_deg=lat,
            lon_deg=lon,
            north_m=self.n,
            east_m=self.e,
            alt_msl_m=self.alt_amsl_m(),
            alt_rel_m=self.alt - self._home_rel(),
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

    def _home_rel(self) -> float:
        return self.home_alt_m() - self.config.ground_alt_m

    def _camera_update(self) -> None:
        if self.camera.due(self.n, self.e):
            self._take_picture()

    # ------------------------------------------------------------------ battery / failsafes
    def _battery(self, dt: float) -> None:
        b = self.battery
        b.capacity_mah = self.params.get("BATT_CAPACITY")
        if not self.armed:
            amps = 0.3
        elif self.landed:
            amps = 1.5
        else:
            air = self.airspeed_m_s()
            amps = HOVER_A * (1 + 0.15 * (air / 10.0) ** 2) + 3.0 * max(self.vu, 0.0)
        b.step(dt, amps)
        p = self.params
        level = b.level(
            self.t,
            low_volt=p.get("BATT_LOW_VOLT"),
            low_mah=p.get("BATT_LOW_MAH"),
            low_timer_s=p.get("BATT_LOW_TIMER"),
            crit_volt=p.get("BATT_CRT_VOLT"),
            crit_mah=p.get("BATT_CRT_MAH"),
        )
        if level > self.batt_level:
            self.batt_level = level
            kind = "low" if level == 1 else "critical"
            self.text(
                M.MAV_SEVERITY_CRITICAL,
                f"Battery 1 is {kind} {b.voltage_v:.2f}V used {b.consumed_mah:.0f} mAh",
            )
            action = int(p.get("BATT_FS_LOW_ACT" if level == 1 else "BATT_FS_CRT_ACT"))
            if self.armed and not self.landed and action:
                self._failsafe_action(action, land_codes=(1, 4, 5))

    def _failsafe_action(self, action: int, *, land_codes: tuple[int, ...]) -> None:
        if self.mode == Mode.LAND:
            return
        if action in land_codes or (self.mode != Mode.RTL and not self.set_mode(Mode.RTL, from_gcs=False)):
            self.set_mode(Mode.LAND, from_gcs=False)

    def _failsafe_gcs(self) -> None:
        enabled = int(self.params.get("FS_GCS_ENABLE"))
        if not enabled or self.gcs_last_seen is None:
            return
        lost = self.t - self.gcs_last_seen > self.params.get("FS_GCS_TIMEOUT")
        if lost and not self.gcs_failsafe:
            if not self.armed:
                return
            self.gcs_failsafe = True
            self.text(M.MAV_SEVERITY_CRITICAL, "GCS Failsafe")
            if self.landed:
                self.disarm(force=True, reason="gcs failsafe")
            elif not (enabled == 2 and self.mode == Mode.AUTO):
                self._failsafe_action(enabled, land_codes=(4, 5))
        elif not lost and self.gcs_failsafe:
            self.gcs_failsafe = False
            self.text(M.MAV_SEVERITY_CRITICAL, "GCS Failsafe Cleared")

    # ------------------------------------------------------------------ fence
    def _fence_check_now(self) -> int:
        """Bitmask of fence types breached at the current position (1 alt, 2 circle, 4 polygon)."""
        ftype = int(self.params.get("FENCE_TYPE"))
        breached = 0
        alt_rel = self.alt - self._home_rel()
        if ftype & 1 and alt_rel > self.params.get("FENCE_ALT_MAX"):
            breached |= 1
        hn, he = self.home_ne()
        if ftype & 2 and math.hypot(self.n - hn, self.e - he) > self.params.get("FENCE_RADIUS"):
            breached |= 2
        if ftype & 4 and self._polygon_breached():
            breached |= 4
        return breached

    def _polygon_breached(self) -> bool:
        lat, lon = self.lat_lon()
        for inclusion, verts in self.fence.polygons():
            poly = [(v[1] * 1e-7, v[0] * 1e-7) for v in verts]
            inside = point_in_polygon(lon, lat, poly)
            if inside != inclusion:
                return True
        for inclusion, clat, clon, radius in self.fence.circles():
            cn, ce = self.frame.to_ne(clat * 1e-7, clon * 1e-7)
            inside = math.hypot(self.n - cn, self.e - ce) <= radius
            if inside != inclusion:
                return True
        return False

    def _fence_update(self) -> None:
        if not self.fence_enabled() or self.home is None:
            self.fence_breaches = 0
            return
        if not self.armed:
            self.fence_breaches = 0
            return
        now = self._fence_check_now()
        new = now & ~self.fence_breaches
        self.fence_breaches = now
        if not new:
            return
        self.fence_breach_count += 1
        self.fence_breach_type = M.FENCE_BREACH_MAXALT if new == 1 else M.FENCE_BREACH_BOUNDARY
        self.fence_breach_time_ms = int(self.t * 1000)
        self.text(M.MAV_SEVERITY_NOTICE, f"{_fence_names(new)} breached")
        self.send_now(telemetry.ID["FENCE_STATUS"])
        action = int(self.params.get("FENCE_ACTION"))
        if self.landed or action == 0 or self.mode in (Mode.RTL, Mode.LAND):
            return
        if action == 2:
            self.set_mode(Mode.LAND, from_gcs=False)
        elif action == 4:
            if not self.set_mode(Mode.BRAKE, from_gcs=False):
                self.set_mode(Mode.LAND, from_gcs=False)
        else:
            if not self.set_mode(Mode.RTL, from_gcs=False):
                self.set_mode(Mode.LAND, from_gcs=False)

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
        result = self._set_mode_common(int(msg.base_mode), int(msg.custom_mode))
        self.outbox.append(
            self.enc.command_ack_encode(
                M.MAVLINK_MSG_ID_SET_MODE, result, 0, 0, msg.get_srcSystem(), msg.get_srcComponent()
            )
        )

    def _set_mode_common(self, base_mode: int, custom_mode: int) -> int:
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
                self._speed_override = False
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
        self.set_mission_current(int(msg.seq))

    def set_mission_current(self, seq: int) -> bool:
        """``AP_Mission::set_current_cmd``; sends MISSION_CURRENT. False if ``seq`` is invalid."""
        cmds = self.mission.commands
        if seq == 0:
            seq = 1
        if seq >= len(cmds) or len(cmds) <= 1:
            return False
        cmd = cmds[seq]
        if self.mis_state == "running" and self.mode == Mode.AUTO:
            if cmd.spec.nav:
                self._start_nav(cmd)
            else:
                self._advance(seq - 1)
        else:
            if self.mis_state == "complete":
                self.mis_state = "stopped"
            nav = next((c for c in cmds[seq:] if c.spec.nav), None)
            self.nav = NavCmdState(cmd=nav) if nav is not None else None
        self.send_now(telemetry.ID["MISSION_CURRENT"])
        return True

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
            alt += self._home_rel()
        self.tgt = (n, e, alt)


def _param_name(raw: Any) -> str:
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "replace")
    return str(raw).split("\x00", 1)[0].strip()


def _fence_names(bits: int) -> str:
    names = [n for b, n in ((1, "Max Alt"), (2, "Circle"), (4, "Polygon"), (8, "Min Alt")) if bits & b]
    if not names:
        return ""
    text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return text + (" fences" if len(names) > 1 else " fence")


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

__all__ = ["M_PER_DEG", "Mode", "SimVehicle", "VehicleConfig"]
