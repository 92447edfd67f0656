"""A simulated ArduCopter: a :class:`~dronepatrol.sim.state.VehicleState` that steps and answers messages.

:class:`SimVehicle` runs, each step, the behaviour modules on its state
(:mod:`~dronepatrol.sim.flight` kinematics, :mod:`~dronepatrol.sim.auto` mission execution,
:mod:`~dronepatrol.sim.rtl`, :mod:`~dronepatrol.sim.failsafe`, :mod:`~dronepatrol.sim.arming`,
:mod:`~dronepatrol.sim.shots`, :mod:`~dronepatrol.sim.telemetry` streams) and dispatches incoming
messages to them (:mod:`~dronepatrol.sim.commands` for COMMAND_LONG/INT, the mission protocols,
parameters). It has no sockets: what it sends accumulates in ``outbox``; a message a port must
not see carries the port it is for (``_dp_channel``, see :meth:`VehicleState.reply`).

It is stepped with a fixed simulated ``dt`` (seconds) and fed decoded pymavlink messages with the
port (0 main, 1 second) they came from. It never raises on unexpected input: unknown or malformed
messages are logged and ignored, as an autopilot does.

>>> v = SimVehicle(VehicleConfig(name="d1", sysid=1, lat_deg=16.0, lon_deg=103.0,
...                              ground_alt_m=140.0, prearm_delay_s=1.0))
>>> for _ in range(40):
...     v.step(0.05)
>>> v.position_ok(), v.mode.name
(True, 'STABILIZE')
"""

from __future__ import annotations

import logging
from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from dronepatrol.sim import arming, auto, commands, control, failsafe, flight, rtl, shots, telemetry
from dronepatrol.sim.camera import PhotoWriter
from dronepatrol.sim.commands import FORCE_ARM_MAGIC, REBOOT_FORCE_MAGIC
from dronepatrol.sim.geo import M_PER_DEG
from dronepatrol.sim.mission_items import item_from_msg
from dronepatrol.sim.modes import Mode
from dronepatrol.sim.params import READ_ONLY
from dronepatrol.sim.state import (
    ACTIVE,
    COMPLETE,
    NO_MISSION,
    NOT_STARTED,
    PAUSED,
    NavCmdState,
    VehicleConfig,
    VehicleState,
)

log = logging.getLogger(__name__)
M = mavlink2

#: Boot texts of ArduCopter SITL's EKF, by the event that sends them.
_TEXTS_AT_INIT = ("EKF3 IMU0 initialised", "EKF3 IMU1 initialised", "AHRS: EKF3 active")
_TEXTS_AT_ORIGIN = ("EKF3 IMU0 origin set", "EKF3 IMU1 origin set")
_TEXTS_AT_POSITION = ("EKF3 IMU0 is using GPS", "EKF3 IMU1 is using GPS")
#: Vehicle seconds between AP_Stats saves (STAT_RUNTIME goes up, and every port is told).
STATS_SAVE_S = 30.0


class SimVehicle(VehicleState):
    """One simulated ArduCopter. See :mod:`dronepatrol.sim.state` for units."""

    def __init__(self, config: VehicleConfig, *, photo_writer: PhotoWriter | None = None) -> None:
        super().__init__(config, photo_writer=photo_writer)

    def reboot(self) -> None:
        """Reboot now: volatile state is lost; parameters, missions, fence, rally, signing key survive."""
        self.mission.receiving = self.fence.receiving = self.rally.receiving = False
        self.outbox.clear()
        self.boot()

    # ------------------------------------------------------------------ behaviours, as methods
    def set_mode(self, mode: int, *, from_gcs: bool = True) -> bool:
        """Change flight mode (see :func:`dronepatrol.sim.control.set_mode`)."""
        return control.set_mode(self, mode, from_gcs=from_gcs)

    def set_mode_common(self, base_mode: int, custom_mode: int) -> int:
        return control.set_mode_common(self, base_mode, custom_mode)

    def arm(self, *, force: bool = False) -> bool:
        """Arm (see :func:`dronepatrol.sim.arming.arm`)."""
        return arming.arm(self, force=force)

    def disarm(self, *, force: bool = False, reason: str = "") -> bool:
        """Disarm (see :func:`dronepatrol.sim.arming.disarm`)."""
        return arming.disarm(self, force=force, reason=reason)

    def prearm_failure(self, mode: Mode | None = None) -> str | None:
        """The first failing pre-arm check for arming in ``mode`` as ``PreArm: ...``, or None if armable."""
        failures = arming.prearm_failures(self, mode)
        return f"PreArm: {failures[0]}" if failures else None

    def prearm_ok(self) -> bool:
        return arming.prearm_ok(self)

    def take_picture(self) -> None:
        shots.take_picture(self)

    def send_now(self, msg_id: int) -> None:
        telemetry.send_now(self, msg_id)

    # ------------------------------------------------------------------ stepping
    def step(self, dt: float) -> None:
        """Advance the vehicle by ``dt`` simulated seconds."""
        t0 = self.t
        self.t += dt
        self._boot_events(t0)
        flight.refresh_speeds(self)
        if self.armed:
            self._run_mode()
        flight.physics(self, dt)
        flight.after_physics(self)
        failsafe.battery_update(self, dt)
        failsafe.gcs_update(self)
        failsafe.fence_update(self)
        arming.update(self)
        shots.camera_update(self)
        for proto in (self.mission, self.fence, self.rally):
            proto.update(self.t, self.outbox)
        telemetry.run_streams(self)

    def _boot_events(self, t0: float) -> None:
        """The EKF's milestones after boot: initialised, origin (and home) set, position estimate."""
        if t0 < 1.0 <= self.t:
            for text in _TEXTS_AT_INIT:
                self.text(M.MAV_SEVERITY_INFO, text)
        if not self.origin_set and self.t >= self.origin_s:
            self.origin_set = True
            for text in _TEXTS_AT_ORIGIN:
                self.text(M.MAV_SEVERITY_INFO, text)
            self.text(M.MAV_SEVERITY_INFO, f"Field Elevation Set: {self.config.ground_alt_m:.0f}m")
            telemetry.send_now(self, telemetry.ID["GPS_GLOBAL_ORIGIN"])
            if self.home is None:
                self.set_home_here()
                telemetry.send_now(self, telemetry.ID["HOME_POSITION"])
        if t0 < self.config.prearm_delay_s <= self.t:
            for text in _TEXTS_AT_POSITION:
                self.text(M.MAV_SEVERITY_INFO, text)
        if self.t >= self.next_runtime_t:  # AP_Stats saves the run time every 30 s: a PARAM_VALUE to all
            self.next_runtime_t += STATS_SAVE_S
            self.params.update("STAT_RUNTIME", self.params.get("STAT_RUNTIME") + STATS_SAVE_S)

    def _run_mode(self) -> None:
        if self.mode == Mode.AUTO:
            auto.run(self)
        elif self.mode == Mode.RTL:
            rtl.run(self, self.rtl_state)
        elif self.mode == Mode.STABILIZE and not self.landed:
            # no pilot throttle: the vehicle sinks to the ground
            self.tgt = (self.n, self.e, 0.0)
            self.descending_to_land = True

    # ------------------------------------------------------------------ incoming messages
    def handle(self, msg: Any, channel: int = 0) -> None:
        """Process one decoded message that came in on port ``channel``; never raises."""
        self.reply_channel = channel
        try:
            self._handle(msg)
        except Exception as exc:  # an autopilot must survive anything a link delivers
            kind = msg.get_type() if hasattr(msg, "get_type") else type(msg).__name__
            log.warning("%s: ignored malformed %s (%s)", self.config.name, kind, exc)
            log.debug("details", exc_info=True)
        finally:
            self.reply_channel = None

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
            src = msg.get_srcSystem()
            lo = int(self.params.get("MAV_GCS_SYSID"))
            hi = max(lo, int(self.params.get("MAV_GCS_SYSID_HI")))
            if lo <= src <= hi:
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
                telemetry.set_interval(self, self.reply_channel or 0, msg_id, 1.0 / rate if rate > 0 else None)

    def _h_set_mode(self, msg: Any) -> None:
        result = control.set_mode_common(self, int(msg.base_mode), int(msg.custom_mode))
        self.reply(
            self.enc.command_ack_encode(
                M.MAVLINK_MSG_ID_SET_MODE, result, 0, 0, msg.get_srcSystem(), msg.get_srcComponent()
            )
        )

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
        result = commands.handle(self, command, p, is_int=is_int, frame=frame, msg=msg)
        if result is None:
            return
        self.reply(self.enc.command_ack_encode(command, result, 0, 0, msg.get_srcSystem(), msg.get_srcComponent()))

    def _h_param_request_list(self, msg: Any) -> None:
        for i, name in enumerate(self.params.names()):
            self.reply(self.param_value(name, i))

    def _h_param_request_read(self, msg: Any) -> None:
        name = _param_name(msg.param_id)
        if msg.param_index >= 0 and not name:
            names = self.params.names()
            if msg.param_index < len(names):
                self.reply(self.param_value(names[msg.param_index], msg.param_index))
            return
        if name in self.params:
            self.reply(self.param_value(name))

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
        self.send(self.param_value(name))  # every port learns of the change

    def _proto(self, mission_type: int) -> Any:
        return {0: self.mission, 1: self.fence, 2: self.rally}.get(mission_type)

    def _h_mission_count(self, msg: Any) -> None:
        proto = self._proto(getattr(msg, "mission_type", 0))
        if proto is not None:
            proto.handle_count(msg, self.t, self.replies)

    def _h_mission_item(self, msg: Any) -> None:
        item = item_from_msg(msg)
        proto = self._proto(getattr(msg, "mission_type", 0))
        if item is not None and proto is not None:
            proto.handle_item(msg, item, self.t, self.replies)

    def _h_mission_request_list(self, msg: Any) -> None:
        proto = self._proto(getattr(msg, "mission_type", 0))
        if proto is not None:
            proto.handle_request_list(msg, self.replies)

    def _h_mission_request_int(self, msg: Any) -> None:
        proto = self._proto(getattr(msg, "mission_type", 0))
        if proto is not None:
            proto.handle_request(msg, self.replies, want_int=True)

    def _h_mission_request(self, msg: Any) -> None:
        proto = self._proto(getattr(msg, "mission_type", 0))
        if proto is not None:
            proto.handle_request(msg, self.replies, want_int=False)

    def _h_mission_clear_all(self, msg: Any) -> None:
        proto = self._proto(getattr(msg, "mission_type", 0))
        if proto is not None:
            proto.handle_clear_all(msg, self.replies)

    def _h_mission_set_current(self, msg: Any) -> None:
        auto.set_mission_current(self, int(msg.seq))

    def _h_timesync(self, msg: Any) -> None:
        if msg.tc1 == 0:
            self.reply(self.enc.timesync_encode(int(self.t * 1e9), msg.ts1))

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

__all__ = [
    "ACTIVE",
    "COMPLETE",
    "FORCE_ARM_MAGIC",
    "M_PER_DEG",
    "NOT_STARTED",
    "NO_MISSION",
    "PAUSED",
    "REBOOT_FORCE_MAGIC",
    "NavCmdState",
    "SimVehicle",
    "VehicleConfig",
]
