"""COMMAND_LONG / COMMAND_INT handling of a simulated ArduCopter.

``handle`` returns the MAV_RESULT ArduCopter gives (ACCEPTED, FAILED, DENIED, UNSUPPORTED...),
or None when no COMMAND_ACK is sent. COMMAND_LONG and COMMAND_INT share one path (ArduPilot 4.5+
converts between them); for COMMAND_INT, params 5/6 are degE7 integers in ``frame``.
"""

from __future__ import annotations

import math
from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from dronepatrol.sim import arming, auto, control, shots, telemetry
from dronepatrol.sim.mission_items import Command
from dronepatrol.sim.modes import Mode
from dronepatrol.sim.state import VehicleState as SimVehicle

M = mavlink2
ACCEPTED = M.MAV_RESULT_ACCEPTED
FAILED = M.MAV_RESULT_FAILED
DENIED = M.MAV_RESULT_DENIED
UNSUPPORTED = M.MAV_RESULT_UNSUPPORTED
FORCE_ARM_MAGIC = 21196
REBOOT_FORCE_MAGIC = 20190226

_REL_FRAMES = {M.MAV_FRAME_GLOBAL_RELATIVE_ALT, M.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT}


def _location(p: list[float], *, is_int: bool, frame: int) -> Command:
    """A Command carrying the location in params 5-7 (lat/lon, alt m)."""
    if is_int:
        lat_e7, lon_e7 = int(p[4]), int(p[5])
    else:
        lat_e7 = round(p[4] * 1e7) if math.isfinite(p[4]) else 0
        lon_e7 = round(p[5] * 1e7) if math.isfinite(p[5]) else 0
    alt = p[6] if math.isfinite(p[6]) else 0.0
    rel = frame in _REL_FRAMES or not is_int
    return Command(index=0, command=0, lat_e7=lat_e7, lon_e7=lon_e7, alt_cm=int(alt * 100), relative_alt=rel)


def handle(v: SimVehicle, command: int, p: list[float], *, is_int: bool, frame: int, msg: Any) -> int | None:
    """Execute ``command`` with params ``p`` (7 values) on vehicle ``v``; return the MAV_RESULT."""
    p = [float(x) for x in p]
    if command == M.MAV_CMD_COMPONENT_ARM_DISARM:
        force = int(p[1]) == FORCE_ARM_MAGIC
        if p[0] == 1.0:
            return ACCEPTED if arming.arm(v, force=force) else FAILED
        if p[0] == 0.0:
            return ACCEPTED if arming.disarm(v, force=force) else FAILED
        return UNSUPPORTED
    if command == M.MAV_CMD_DO_SET_MODE:
        return control.set_mode_common(v, int(p[0]), int(p[1]))
    if command == M.MAV_CMD_NAV_TAKEOFF:
        alt = p[6]
        if (
            not v.armed
            or not v.landed
            or v.mode not in (Mode.GUIDED, Mode.LOITER, Mode.POSHOLD, Mode.ALT_HOLD)
            or not math.isfinite(alt)
            or alt <= v.alt
        ):
            return FAILED
        v.tgt = (v.n, v.e, alt + v.home_rel())
        v.landed = False
        return ACCEPTED
    if command == M.MAV_CMD_MISSION_START:
        if not control.set_mode(v, Mode.AUTO):
            return FAILED
        v.auto_waiting = False
        if v.mis_state != "running":
            restart = v.params.get("MIS_RESTART") != 0 or v.mis_state == "complete"
            auto.mission_start(v, restart=restart)
        return ACCEPTED
    if command == M.MAV_CMD_DO_SET_MISSION_CURRENT:
        if int(p[1]) == 1:
            v.jump_counts.clear()
        return ACCEPTED if auto.set_mission_current(v, int(p[0])) else DENIED
    if command == M.MAV_CMD_REQUEST_MESSAGE:
        msg_id = int(p[0])
        if msg_id not in telemetry.ID.values():
            return FAILED
        return ACCEPTED if telemetry.send_now(v, msg_id, reply=True) else FAILED
    if command == M.MAV_CMD_REQUEST_AUTOPILOT_CAPABILITIES:
        telemetry.send_now(v, telemetry.ID["AUTOPILOT_VERSION"], reply=True)
        return ACCEPTED
    if command == M.MAV_CMD_SET_MESSAGE_INTERVAL:
        msg_id, interval_us = int(p[0]), p[1]
        if msg_id not in telemetry.INTERVAL_MESSAGES:
            return DENIED
        channel = v.reply_channel or 0
        if interval_us < 0:
            telemetry.set_interval(v, channel, msg_id, None)
        elif interval_us == 0:
            telemetry.set_interval(v, channel, msg_id, 1.0 if msg_id == telemetry.ID["HEARTBEAT"] else None)
        else:
            telemetry.set_interval(v, channel, msg_id, interval_us / 1e6)
        return ACCEPTED
    if command == M.MAV_CMD_GET_MESSAGE_INTERVAL:
        msg_id = int(p[0])
        interval = telemetry.interval_of(v, v.reply_channel or 0, msg_id)
        v.reply(v.enc.message_interval_encode(msg_id, int(interval * 1e6) if interval else -1))
        return ACCEPTED
    if command == M.MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN:
        if int(p[0]) not in (1, 3):
            return UNSUPPORTED
        if v.armed and p[3] != REBOOT_FORCE_MAGIC:
            return FAILED
        v.reboot_requested = True
        return ACCEPTED
    if command == M.MAV_CMD_NAV_RETURN_TO_LAUNCH:
        return ACCEPTED if control.set_mode(v, Mode.RTL) else FAILED
    if command == M.MAV_CMD_NAV_LAND:
        return ACCEPTED if control.set_mode(v, Mode.LAND) else FAILED
    if command == M.MAV_CMD_DO_CHANGE_SPEED:
        auto.do_command(v, command, {"param1": p[0], "param2": p[1], "param3": p[2]})
        return ACCEPTED
    if command == M.MAV_CMD_DO_SET_CAM_TRIGG_DIST:
        auto.do_command(v, command, {"param1": p[0], "param3": p[2]})
        return ACCEPTED
    if command == M.MAV_CMD_DO_DIGICAM_CONTROL:
        auto.do_command(v, command, {"x": p[4]})
        return ACCEPTED
    if command == M.MAV_CMD_IMAGE_START_CAPTURE:
        if p[1] != 0 or p[2] != 1:
            return UNSUPPORTED
        shots.take_picture(v)
        return ACCEPTED
    if command == M.MAV_CMD_DO_FENCE_ENABLE:
        if int(p[0]) not in (0, 1):
            return FAILED
        auto.do_command(v, command, {"param1": p[0]})
        return ACCEPTED
    if command == M.MAV_CMD_DO_SET_HOME:
        loc = _location(p, is_int=is_int, frame=frame)
        loc.relative_alt = False
        loc.command = command
        auto.do_command(v, command, {"param1": p[0]}, _as_location_cmd(loc, command))
        telemetry.send_now(v, telemetry.ID["HOME_POSITION"])
        return ACCEPTED
    if command in (M.MAV_CMD_DO_SET_ROI_LOCATION, M.MAV_CMD_DO_SET_ROI_NONE):
        loc = _location(p, is_int=is_int, frame=frame)
        if command == M.MAV_CMD_DO_SET_ROI_NONE:
            loc.lat_e7 = loc.lon_e7 = 0
        # as a command ArduCopter accepts 195/197; stored, they would be DO_SET_ROI (201)
        auto.do_command(v, M.MAV_CMD_DO_SET_ROI, {}, _as_location_cmd(loc, M.MAV_CMD_DO_SET_ROI))
        return ACCEPTED
    if command == M.MAV_CMD_DO_REPOSITION:
        if not v.armed or v.landed:
            return FAILED
        change_mode = bool(int(p[1]) & M.MAV_DO_REPOSITION_FLAGS_CHANGE_MODE)
        if v.mode != Mode.GUIDED and (not change_mode or not control.set_mode(v, Mode.GUIDED)):
            return FAILED
        loc = _location(p, is_int=is_int, frame=frame)
        n, e, alt = v.loc_to_target(_as_location_cmd(loc, M.MAV_CMD_NAV_WAYPOINT), default_alt=v.alt)
        if p[0] > 0:
            v.speed_xy = p[0]
            v.speed_override = True
        v.tgt = (n, e, alt)
        return ACCEPTED
    if command == M.MAV_CMD_CONDITION_YAW:
        if v.mode == Mode.GUIDED and math.isfinite(p[0]):
            v.yaw_deg = p[0] % 360.0
        return ACCEPTED
    return UNSUPPORTED


def _as_location_cmd(loc: Command, command: int) -> Command:
    loc.command = command
    return loc
