"""AUTO mode of a simulated ArduCopter: mission execution (``AP_Mission``, ``ModeAuto``).

Owns the mission executor's behaviour: start and resume (MIS_RESTART), loading the next nav
command with the do-commands before it and DO_JUMP (counted in ``SimVehicle.jump_counts``),
starting and verifying each nav command (take-off, waypoints, loiters, delay, land, RTL),
MISSION_SET_CURRENT, and the DO commands shared by missions and COMMAND_LONG/INT. The executor's
state (``mis_state``, ``nav``, ``jump_counts``, ``started_once``, ``auto_waiting``) lives on
:class:`~dronepatrol.sim.state.VehicleState`. Units as in :mod:`dronepatrol.sim.vehicle`.
"""

from __future__ import annotations

import math

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from dronepatrol.sim import arming, rtl, shots, telemetry
from dronepatrol.sim.mission_items import Command
from dronepatrol.sim.modes import Mode
from dronepatrol.sim.state import NavCmdState
from dronepatrol.sim.state import VehicleState as SimVehicle

M = mavlink2


def starts_with_takeoff(v: SimVehicle) -> bool:
    """True if the stored mission's first nav command is a TAKEOFF (AUTO from the ground needs it)."""
    for cmd in v.mission.commands[1:]:
        if cmd.spec.nav:
            return cmd.command == M.MAV_CMD_NAV_TAKEOFF
    return False


def mission_start(v: SimVehicle, *, restart: bool) -> None:
    """``AP_Mission::start`` (restart) or ``resume``."""
    if restart or v.nav is None or v.mis_state == "complete":
        v.jump_counts.clear()
        v.nav = None
        v.mis_state = "running"
        v.started_once = True
        _advance(v, None)
    else:
        v.mis_state = "running"
        _start_nav(v, v.nav.cmd)


def run(v: SimVehicle) -> None:
    """Fly one step of AUTO: start or resume the mission once the position is known, verify the nav command."""
    if v.auto_waiting:
        if not v.position_ok():
            return
        v.auto_waiting = False
        restart = v.params.get("MIS_RESTART") != 0 or v.mis_state == "complete"
        if v.mis_state != "running":
            mission_start(v, restart=restart)
    if v.mis_state != "running" or v.nav is None:
        # mission complete (or never started): hold position
        if v.tgt is None and not v.landed:
            v.tgt = (v.n, v.e, v.alt)
        return
    _verify_nav(v)


def set_mission_current(v: SimVehicle, seq: int) -> bool:
    """``AP_Mission::set_current_cmd``; sends MISSION_CURRENT. False if ``seq`` is invalid."""
    cmds = v.mission.commands
    if seq == 0:
        seq = 1
    if seq >= len(cmds) or len(cmds) <= 1:
        return False
    cmd = cmds[seq]
    if v.mis_state == "running" and v.mode == Mode.AUTO:
        if cmd.spec.nav:
            _start_nav(v, cmd)
        else:
            _advance(v, seq - 1)
    else:
        if v.mis_state == "complete":
            v.mis_state = "stopped"
        nav = next((c for c in cmds[seq:] if c.spec.nav), None)
        v.nav = NavCmdState(cmd=nav) if nav is not None else None
    telemetry.send_now(v, telemetry.ID["MISSION_CURRENT"])
    return True


def _advance(v: SimVehicle, after: int | None) -> None:
    """Load the next nav command after index ``after`` (DO_JUMP and do-commands handled)."""
    cmds = v.mission.commands
    idx = 1 if after is None else after + 1
    pending: list[Command] = []
    loops = 0
    while True:
        if idx >= len(cmds):
            _mission_complete(v)
            return
        cmd = cmds[idx]
        if cmd.command == M.MAV_CMD_DO_JUMP:
            loops += 1
            target, times = int(cmd.p("param1")), int(cmd.p("param2"))
            if loops > 64 or target == 0 or target >= len(cmds):
                _mission_complete(v)
                return
            if times == -1:
                idx = target
                continue
            runs = v.jump_counts.get(idx, 0)
            if runs < times:
                v.jump_counts[idx] = runs + 1
                v.text(M.MAV_SEVERITY_INFO, f"Mission: {idx} Jump {runs + 1}/{times}")
                idx = target
            else:
                idx += 1
            continue
        if cmd.spec.nav:
            for do in pending:  # AP_Mission starts the do-commands it passes on its way
                _start_do(v, do)
            _start_nav(v, cmd)
            return
        pending.append(cmd)
        idx += 1


def _mission_complete(v: SimVehicle) -> None:
    v.mis_state = "complete"
    v.nav = None
    if v.landed and v.armed:
        arming.disarm(v, force=True, reason="mission end")
    else:
        v.tgt = (v.n, v.e, v.alt)


def _start_nav(v: SimVehicle, cmd: Command) -> None:
    v.text(M.MAV_SEVERITY_INFO, f"Mission: {cmd.index} {cmd.spec.name}")
    st = NavCmdState(cmd=cmd)
    v.nav = st
    v.descending_to_land = False
    c = cmd.command
    if c == M.MAV_CMD_NAV_TAKEOFF:
        n, e, alt = v.loc_to_target(cmd)
        st.target = (v.n, v.e, max(alt, 0.0))
    elif c in (M.MAV_CMD_NAV_RETURN_TO_LAUNCH,):
        st.landing = True
        v.rtl_state = None
        rtl.start(v)
    elif c == M.MAV_CMD_NAV_LAND:
        st.landing = True
        if cmd.has_location:
            n, e, _alt = v.loc_to_target(cmd)
            st.target = (n, e, v.alt)
        else:
            st.target = None
    elif c == M.MAV_CMD_NAV_DELAY:
        st.target = (v.n, v.e, v.alt)
        st.reached_at = v.t
    else:
        st.target = v.loc_to_target(cmd, default_alt=v.alt)
    if st.target is not None:
        v.tgt = st.target


def _verify_nav(v: SimVehicle) -> None:
    st = v.nav
    if st is None:
        return
    cmd, c = st.cmd, st.cmd.command
    if c == M.MAV_CMD_NAV_TAKEOFF:
        v.tgt = st.target
        if st.target is not None and v.alt >= st.target[2] - 0.2:
            nav_done(v)
        return
    if c == M.MAV_CMD_NAV_RETURN_TO_LAUNCH:
        rtl.run(v, v.rtl_state)
        return
    if c == M.MAV_CMD_NAV_LAND:
        if st.target is not None and math.hypot(st.target[0] - v.n, st.target[1] - v.e) > 1.0:
            v.tgt = st.target
        else:
            v.tgt = (v.n, v.e, 0.0)
            v.descending_to_land = True
        return
    if c == M.MAV_CMD_NAV_DELAY:
        if v.t - (st.reached_at or v.t) >= cmd.p("param1"):
            nav_done(v)
        return
    assert st.target is not None
    v.tgt = st.target
    if st.reached_at is None:
        d3 = math.dist((v.n, v.e, v.alt), st.target)
        radius = max(0.05, v.params.get("WPNAV_RADIUS") / 100.0)
        if c == M.MAV_CMD_NAV_WAYPOINT or c == M.MAV_CMD_NAV_SPLINE_WAYPOINT:
            if d3 > radius:
                return
        elif d3 > max(radius, 1.0):
            return
        st.reached_at = v.t
    if c == M.MAV_CMD_NAV_LOITER_UNLIM:
        return
    hold = 0.0
    if c in (M.MAV_CMD_NAV_WAYPOINT, M.MAV_CMD_NAV_SPLINE_WAYPOINT, M.MAV_CMD_NAV_LOITER_TIME):
        hold = cmd.p("param1")
    elif c == M.MAV_CMD_NAV_LOITER_TURNS:
        radius = max(abs(cmd.p("param3")), 1.0)
        hold = cmd.p("param1") * 2 * math.pi * radius / max(min(v.speed_xy, 5.0), 0.5)
    if v.t - st.reached_at < hold:
        return
    if c in (M.MAV_CMD_NAV_WAYPOINT, M.MAV_CMD_NAV_SPLINE_WAYPOINT):
        v.text(M.MAV_SEVERITY_INFO, f"Reached command #{cmd.index}")
    nav_done(v)


def nav_done(v: SimVehicle) -> None:
    """The nav command being flown is complete: send MISSION_ITEM_REACHED and load the next one."""
    st = v.nav
    if st is None:
        return
    v.send(v.enc.mission_item_reached_encode(st.cmd.index))
    _advance(v, st.cmd.index)


def _start_do(v: SimVehicle, cmd: Command) -> None:
    v.text(M.MAV_SEVERITY_INFO, f"Mission: {cmd.index} {cmd.spec.name}")
    do_command(v, cmd.command, cmd.params, cmd)


def do_command(v: SimVehicle, c: int, p: dict[str, float], cmd: Command | None = None) -> None:
    """Run a DO command from a mission (``p``: stored params) or from a COMMAND_*."""
    if c == M.MAV_CMD_DO_CHANGE_SPEED:
        kind, speed = int(p.get("param1", 0)), p.get("param2", -1)
        if speed > 0:
            if kind in (0, 1):
                v.speed_xy = speed
                v.speed_override = True
            elif kind == 2:
                v.params.set("WPNAV_SPEED_UP", speed * 100)
            elif kind == 3:
                v.params.set("WPNAV_SPEED_DN", speed * 100)
    elif c in (M.MAV_CMD_DO_SET_ROI_LOCATION, M.MAV_CMD_DO_SET_ROI):
        if cmd is None or not cmd.has_location:
            v.roi = None
        else:
            n, e, _ = v.loc_to_target(cmd)
            v.roi = (n, e)
    elif c == M.MAV_CMD_DO_SET_CAM_TRIGG_DIST:
        v.camera.set_trigger_distance(p.get("param1", 0.0))
        if int(p.get("param3", 0)) == 1:
            shots.take_picture(v)
    elif c == M.MAV_CMD_DO_DIGICAM_CONTROL:
        if int(p.get("x", 0)) == 1:
            shots.take_picture(v)
    elif c == M.MAV_CMD_DO_SET_HOME:
        if p.get("param1", 0) == 1 or cmd is None or not cmd.has_location:
            lat, lon = v.lat_lon()
            v.home = (lat, lon, v.alt_amsl_m())
        else:
            alt = cmd.alt_cm / 100.0 + (v.home_alt_m() if cmd.relative_alt else 0.0)
            v.home = (cmd.lat_e7 * 1e-7, cmd.lon_e7 * 1e-7, alt)
    elif c == M.MAV_CMD_DO_FENCE_ENABLE:
        v.fence_enable_override = int(p.get("param1", 0)) == 1
