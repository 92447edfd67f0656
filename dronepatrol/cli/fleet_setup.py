"""``dronepatrol fleet setup``: the one-time parameters that ``fleet start`` checks, set on each
drone and read back (registered on ``cli/fleet.py``'s app)."""

from __future__ import annotations

from typing import Annotated

import typer

from dronepatrol.cli.fleet import DronesListOpt, _load, _names, app
from dronepatrol.cli.fleet_ops import WaitOpt, YesOpt, _confirm, _fail_summary, _links
from dronepatrol.cli.options import FleetOpt, JsonOpt
from dronepatrol.cli.output import Verbosity, console, emit_json

GCS_FAILSAFE_CHOICES = ("rtl", "smartrtl", "land", "off")


@app.command("setup")
def setup(
    drones: DronesListOpt = None,
    fleet_path: FleetOpt = None,
    gcs_failsafe: Annotated[str, typer.Option(
        "--gcs-failsafe", help="What a drone does when it hears no ground station: rtl, smartrtl, land or off "
                               "(FS_GCS_ENABLE).")] = "rtl",
    gcs_timeout: Annotated[float | None, typer.Option(
        "--gcs-timeout", min=2.0, max=120.0, metavar="S",
        help="Seconds without a ground station before the failsafe acts (FS_GCS_TIMEOUT; default: leave it).")] = None,
    camera_type: Annotated[int | None, typer.Option(
        "--camera-type", min=0, max=20,
        help="Camera type to configure (CAM1_TYPE: 1 servo, 2 relay, 3 GoPro, 4 mount, 5 MAVLink); the drone is "
             "rebooted for it to take effect.")] = None,
    no_reboot: Annotated[bool, typer.Option("--no-reboot", help="Do not reboot, even if a change needs it.")] = False,
    yes: YesOpt = False,
    wait: WaitOpt = 10.0,
    json_out: JsonOpt = False,
) -> None:
    """Prepare the drones once: GCS failsafe on, dronepatrol (254) and QGC/Mission Planner (255) counted
    as ground stations, optionally the camera type (with a reboot). Only on the ground; read back.
    """
    from dronepatrol.errors import UsageError
    from dronepatrol.mavlink.fleetops import for_each
    from dronepatrol.mavlink.setup import GCS_FAILSAFE_ACTIONS, setup_drone

    if gcs_failsafe not in GCS_FAILSAFE_ACTIONS:
        raise UsageError(f"--gcs-failsafe {gcs_failsafe!r}: choose one of {', '.join(GCS_FAILSAFE_CHOICES)}")
    fleet = _load(fleet_path)
    names = _names(drones)
    what = f"set up {', '.join(names) if names else 'every drone'}" + (
        f" (camera type {camera_type}: reboots the drones)" if camera_type is not None and not no_reboot else "")
    _confirm(what + "?", yes)
    with _links(fleet, names, wait) as (links, errors):
        results = for_each(links, lambda link: setup_drone(
            link, gcs_failsafe=GCS_FAILSAFE_ACTIONS[gcs_failsafe], gcs_timeout_s=gcs_timeout, camera_type=camera_type,
            allow_reboot=not no_reboot))
    failed = dict(errors)
    rows = []
    for name, o in results.items():
        if not o.ok:
            failed[name] = o.error
            rows.append({"drone": name, "error": str(o.error)})
            continue
        r = o.value
        rows.append({"drone": name, "values": r.values, "changed": {k: list(v) for k, v in r.changed.items()},
                     "rebooted": r.rebooted, "error": None})
        if Verbosity.level >= 0:
            changes = ", ".join(f"{k} {_fmt(a)} -> {_fmt(b)}" for k, (a, b) in r.changed.items()) or "already set"
            console.print(f"[green]{name}[/]: {changes}" + (" (rebooted)" if r.rebooted else ""), soft_wrap=True)
    for name, err in errors.items():
        rows.append({"drone": name, "error": str(err)})
    if json_out:
        emit_json({"command": "setup", "drones": rows})
    if failed:
        raise _fail_summary(failed, "setup")


def _fmt(v: float | None) -> str:
    return "unset" if v is None else f"{v:g}"


@app.command("reboot")
def reboot_cmd(
    drones: DronesListOpt = None,
    fleet_path: FleetOpt = None,
    yes: YesOpt = False,
    wait: WaitOpt = 10.0,
    json_out: JsonOpt = False,
) -> None:
    """Reboot the autopilots (on the ground only) and wait until each runs again.

    Parameters such as CAM1_TYPE take effect after a reboot. Exit 5 for an armed drone.
    """
    from dronepatrol.errors import SafetyError
    from dronepatrol.mavlink import ops
    from dronepatrol.mavlink.fleetops import for_each
    from dronepatrol.mavlink.setup import reboot

    fleet = _load(fleet_path)
    names = _names(drones)
    _confirm(f"reboot {', '.join(names) if names else 'every drone'}?", yes)

    def one(link: object) -> None:
        hb = ops.heartbeat(link)
        if int(hb.base_mode) & ops.MAV_MODE_FLAG_SAFETY_ARMED:
            raise SafetyError(f"{link.name}: armed — reboot only on the ground; land and disarm first")
        reboot(link)

    with _links(fleet, names, wait) as (links, errors):
        results = for_each(links, one)
    failed = dict(errors)
    rows = []
    for name, o in results.items():
        rows.append({"drone": name, "rebooted": o.ok, "error": None if o.ok else str(o.error)})
        if o.ok:
            if Verbosity.level >= 0:
                console.print(f"[green]{name}[/]: rebooted and running again")
        else:
            failed[name] = o.error
    rows += [{"drone": n, "rebooted": False, "error": str(e)} for n, e in errors.items()]
    if json_out:
        emit_json({"command": "reboot", "drones": rows})
    if failed:
        raise _fail_summary(failed, "reboot")
