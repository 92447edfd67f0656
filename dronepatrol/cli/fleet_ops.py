"""``dronepatrol fleet status|upload|start|pause|resume|rtl|land``: registered on ``cli/fleet.py``'s app.

Thin commands: parse options, open the links, call :mod:`dronepatrol.mavlink.fleetops`, print a
table (stderr) or ``--json`` (stdout), and exit with the documented code: 4 link problem, 5 refused
for safety, 6 a drone rejected a command or the read-back differed. Every drone's work runs at once;
one drone's failure never hides the others' results.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from dronepatrol.cli.fleet import DronesListOpt, _load, _names, app
from dronepatrol.cli.options import AuthorizationOpt, ConfigOpt, FleetOpt, JsonOpt
from dronepatrol.cli.output import Verbosity, console, emit_json, info
from dronepatrol.errors import DronePatrolError, InputError, UsageError

YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (needed without a terminal).")]
WaitOpt = Annotated[float, typer.Option("--wait", min=1.0, help="Seconds to wait for each drone's heartbeat.")]


def _confirm(question: str, yes: bool) -> None:
    """Ask before changing what the drones do; without a terminal, only ``--yes`` goes on (exit 2)."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(f"{question} — no terminal to ask on: pass --yes to confirm")
    if not typer.confirm(question, default=False, err=True):
        console.print("cancelled: nothing was sent")
        raise typer.Exit(code=1)


@contextlib.contextmanager
def _links(fleet: Any, names: Sequence[str] | None, wait_s: float) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Each chosen drone's link, opened at once; ``(links, errors)``: a drone that does not answer is
    reported in ``errors`` (its LinkError) and the others go on."""
    from dronepatrol.mavlink.fleetlink import open_fleet, select_drones
    from dronepatrol.mavlink.fleetops import for_each

    chosen = select_drones(fleet, names)

    def one(d: Any) -> tuple[Any, Any]:
        cm = open_fleet(fleet, [d.name], timeout_s=wait_s)
        return cm, cm.__enter__()[d.name]

    opened = for_each({d.name: d for d in chosen}, one)
    stack = contextlib.ExitStack()
    for o in opened.values():
        if o.ok:
            stack.push(o.value[0].__exit__)
    try:
        links = {n: o.value[1] for n, o in opened.items() if o.ok}
        errors = {n: o.error for n, o in opened.items() if not o.ok}
        yield links, errors
    finally:
        stack.close()


def _fail_summary(failed: dict[str, DronePatrolError], what: str) -> DronePatrolError:
    """One error for the CLI: exit 6 if any drone rejected, else the first failure's code."""
    from dronepatrol.errors import VehicleRejected

    lines = "\n".join(str(e) for e in failed.values())
    code = 6 if any(isinstance(e, VehicleRejected) for e in failed.values()) else next(iter(failed.values())).exit_code
    err = DronePatrolError(f"{what} failed on {', '.join(failed)}:\n{lines}")
    err.exit_code = code
    return err


def _cell(ok: bool | None, yes: str = "yes", no: str = "no") -> str:
    if ok is None:
        return "[dim]?[/]"
    return f"[green]{yes}[/]" if ok else f"[red]{no}[/]"


# --- upload ---------------------------------------------------------------------------------------


def _zone_for(mission_dir: Path, zone: Path | None) -> tuple[Path, str | None]:
    """The zone to check against: ``--zone``, else the one the plan was checked against (summary.json)."""
    summary = mission_dir / "summary.json" if mission_dir.is_dir() else mission_dir.parent / "summary.json"
    authorization = None
    recorded = None
    with contextlib.suppress(OSError, ValueError, AttributeError, TypeError):
        doc = json.loads(summary.read_text(encoding="utf-8"))
        authorization = doc.get("authorization")
        recorded = (doc.get("checks") or {}).get("zone")
    if zone is not None:
        return zone, authorization
    if recorded:
        p = Path(recorded)
        if p.exists():
            return p, authorization
        raise UsageError(f"{mission_dir}: the plan was checked against {recorded}, which is not here — give "
                         "--zone ZONE.geojson")
    raise UsageError(f"{mission_dir}: no zone on record for these missions — give --zone ZONE.geojson")


@app.command("upload")
def upload(
    mission_dir: Annotated[Path, typer.Argument(metavar="DIR", help="Mission directory (from 'plan survey/patrol').")],
    zone: Annotated[Path | None, typer.Option("--zone", help="Safety zone to check against (default: the plan's).")
                    ] = None,
    drones: DronesListOpt = None,
    sortie: Annotated[int, typer.Option("--sortie", min=1, help="Which sortie of each drone to upload.")] = 1,
    fleet_path: FleetOpt = None,
    config: ConfigOpt = None,
    authorization: AuthorizationOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Upload even if the identical plan is on board.")] = False,
    yes: YesOpt = False,
    wait: WaitOpt = 10.0,
    json_out: JsonOpt = False,
) -> None:
    """Upload fence, rally points and mission to each drone, enable the fence, verify by read-back.

    Safety checks first (exit 5). All drones at once; a drone that fails is named (exit 6) and the
    others' uploads stand. Only what was read back and compared is reported uploaded; the identical
    plan already on board is only checked.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from dronepatrol.cli.publishing import render_report
    from dronepatrol.config import load_rules
    from dronepatrol.errors import SafetyError
    from dronepatrol.formats.missiondir import read_missions
    from dronepatrol.mavlink.fleetops import capacity_problems, upload_fleet
    from dronepatrol.planning.checks import check_missions
    from dronepatrol.planning.publish import refusal_message
    from dronepatrol.zones import load_zone

    fleet = _load(fleet_path)
    rules = load_rules(config)
    all_missions = read_missions(mission_dir)
    zone_path, recorded_auth = _zone_for(mission_dir, zone)
    auth = authorization if authorization is not None else recorded_auth
    report = check_missions(all_missions, load_zone(zone_path, rules), rules=rules, fleet=fleet, authorization=auth)
    if not report.ok:
        render_report(report)
        raise SafetyError(refusal_message(report), findings=report.findings)
    by_drone = {m.drone: m for m in all_missions if m.sortie == sortie}
    from dronepatrol.mavlink.fleetlink import select_drones

    chosen = [d.name for d in select_drones(fleet, _names(drones))]
    if drones is None:
        chosen = [n for n in chosen if n in by_drone]
    missing = [n for n in chosen if n not in by_drone]
    if missing or not chosen:
        have = ", ".join(sorted(by_drone)) or "none"
        raise InputError(f"{mission_dir}: no sortie {sortie} mission for {', '.join(missing) or 'any fleet drone'} "
                         f"(missions for: {have}) — plan for this fleet or choose --drones")
    problems = [p for n in chosen for p in capacity_problems(by_drone[n])]
    if problems:
        raise SafetyError("refused before sending anything: " + "; ".join(problems), findings=problems)
    _confirm(f"Upload {mission_dir} to {', '.join(chosen)}?", yes)

    sources = {n: str(mission_dir / f"{by_drone[n].file_stem}.plan") for n in chosen}
    with _links(fleet, chosen, wait) as (links, link_errors):
        progress = Progress(TextColumn("{task.fields[drone]:<8}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                            disable=Verbosity.level < 0 or not console.is_terminal)
        tasks = {n: progress.add_task("connecting", drone=n, total=1) for n in links}

        def report_progress(drone: str, stage: str, done: int, total: int) -> None:
            progress.update(tasks[drone], description=stage, completed=done, total=max(total, 1))

        with progress:
            results = upload_fleet(links, {n: by_drone[n] for n in links}, sources=sources,
                                   progress=report_progress, force=force) if links else {}
    rows = []
    failed: dict[str, DronePatrolError] = dict(link_errors)
    for n in chosen:
        o = results.get(n)
        if o is not None and o.ok:
            r = o.value
            rows.append({"drone": n, "items": r.items, "fence": r.fence, "rally": r.rally, "verified": True,
                         "already_on_board": r.already_on_board, "seconds": round(r.seconds, 2), "error": None})
        else:
            err = o.error if o is not None else link_errors[n]
            failed[n] = err
            rows.append({"drone": n, "items": len(by_drone[n].items), "fence": None, "rally": None, "verified": False,
                         "already_on_board": False, "seconds": None, "error": str(err)})
    from rich.table import Table

    table = Table(title=f"fleet upload {mission_dir}", title_justify="left")
    for col in ("drone", "items", "fence", "rally", "verified", "note"):
        table.add_column(col, justify="right" if col in ("items", "fence", "rally") else "left")
    for r in rows:
        note = "already on board (checked)" if r["already_on_board"] else ("" if r["verified"] else r["error"])
        table.add_row(r["drone"], str(r["items"]), "-" if r["fence"] is None else str(r["fence"]),
                      "-" if r["rally"] is None else str(r["rally"]), _cell(r["verified"]), note)
    if Verbosity.level >= 0:
        console.print(table)
    if json_out:
        emit_json({"missions": str(mission_dir), "zone": str(zone_path), "drones": rows})
    same = [r["drone"] for r in rows if r["already_on_board"]]
    if same:
        info(f"{', '.join(same)}: the identical plan was already on board — read back and compared, nothing sent")
    if failed:
        raise _fail_summary(failed, "upload")
    info(f"[green]verified[/] on {', '.join(chosen)}. Next: 'dronepatrol fleet status', then 'dronepatrol fleet start'")


# --- status ---------------------------------------------------------------------------------------


def _status_rows(statuses: dict[str, Any], link_errors: dict[str, DronePatrolError], order: Sequence[str]) -> list:
    rows = []
    for n in order:
        o = statuses.get(n)
        if o is not None and o.ok:
            rows.append(o.value.to_json())
        else:
            err = o.error if o is not None else link_errors[n]
            rows.append({"drone": n, "link": None, "error": str(err)})
    return rows


#: Drones side by side in one status table: three fit an 80-column terminal.
STATUS_DRONES_PER_TABLE = 3
#: The status table's rows, in order (:func:`_status_cells` gives each drone's column).
STATUS_ROWS = ("link", "mode", "armed", "GPS", "battery", "pre-arm", "position (EKF)", "home", "mission items",
               "fence items", "rally points", "matches upload", "signing")


def _status_cells(r: dict) -> dict[str, str]:
    """One drone's column of the status table (rich markup), by row label."""
    from dronepatrol.telemetry.names import gps_fix_name

    if "error" in r:
        return {"link": "[red]no link[/]"}
    age = r["link_age_s"]
    link = "[green]ok[/]" if age is not None and age < 3 else f"[red]{age:.0f} s old[/]" if age else "[red]?[/]"
    if r["gps_fix"] is None:
        gps = "?"
    else:
        fix = gps_fix_name(r["gps_fix"])
        gps = f"{fix}, {r['satellites']} sats" if r["gps_fix"] >= 3 else f"[red]{fix}[/]"
    batt = "?" if r["battery_pct"] is None else f"{r['battery_pct']:.0f}%"
    if r.get("battery_v") is not None:
        batt += f" {r['battery_v']:.1f} V"
    ob = r["on_board"]
    fence_off = r["fence_enable"] is not None and int(r["fence_enable"]) != 1
    if r["last_upload"] is None:
        match = "[dim]no upload on record[/]"
    else:
        diff = [k for k, v in r["matches_last_upload"].items() if v is False]
        unknown = [k for k, v in r["matches_last_upload"].items() if v is None]
        match = (f"[red]{', '.join(diff)} DIFFER[/]" if diff else "[dim]?[/]" if unknown else "[green]yes[/]")
    return {
        "link": link,
        "mode": r["mode"] or "?",
        "armed": "[yellow]ARMED[/]" if r["armed"] else "no",
        "GPS": gps,
        "battery": batt,
        "pre-arm": _cell(r["prearm_ok"], "ok", "fail"),
        "position (EKF)": _cell(r["ekf_position_ok"], "ok", "not yet"),
        "home": "-" if r["home"] is None else f"{r['home']['lat']:.5f},{r['home']['lon']:.5f}",
        "mission items": str(max(ob["mission"] - 1, 0)),
        "fence items": f"{ob['fence']}" + (" [red](off)[/]" if fence_off else ""),
        "rally points": str(ob["rally"]),
        "matches upload": match,
        "signing": r["signing"],
    }


def _print_status(rows: list[dict]) -> None:
    """The fleet's status: one column per drone (three per table, so 80 columns suffice), then
    each drone's notes (last PreArm text, what keeps it from starting). A drone without a link
    shows "no link"; why is the error the command ends with."""
    from rich.table import Table

    for k in range(0, len(rows), STATUS_DRONES_PER_TABLE):
        chunk = rows[k:k + STATUS_DRONES_PER_TABLE]
        table = Table(title="fleet status" if k == 0 else None, title_justify="left")
        table.add_column("")
        cells = [_status_cells(r) for r in chunk]
        for r in chunk:
            table.add_column(r["drone"], overflow="fold")
        for label in STATUS_ROWS:
            table.add_row(label, *[c.get(label, "") for c in cells])
        console.print(table)
    for r in rows:
        if "error" in r:  # said once, in the error that ends the command (exit 4)
            continue
        if r["prearm_text"]:
            console.print(f"{r['drone']}: {r['prearm_text']}", soft_wrap=True, markup=False)
        for f in r["preflight"]:
            console.print(f"{r['drone']}: not ready to start: {f['message']}", soft_wrap=True, markup=False)
        for f in r.get("warnings", []):
            console.print(f"{r['drone']}: warning: {f['message']}", soft_wrap=True, markup=False)


@app.command("status")
def status(
    drones: DronesListOpt = None,
    fleet_path: FleetOpt = None,
    wait: WaitOpt = 10.0,
    json_out: JsonOpt = False,
) -> None:
    """Link, mode, GPS, battery, pre-arm, position estimate, home, what is on board, signing.

    "matches upload" compares the mission, fence and rally on board with the last verified upload.
    Exit 4 if a drone does not answer (the others are still shown).
    """
    from dronepatrol.mavlink.fleetops import status_fleet

    fleet = _load(fleet_path)
    names = _names(drones)
    from dronepatrol.mavlink.fleetlink import select_drones

    order = [d.name for d in select_drones(fleet, names)]
    with _links(fleet, names, wait) as (links, link_errors):
        statuses = status_fleet(links) if links else {}
    rows = _status_rows(statuses, link_errors, order)
    if Verbosity.level >= 0:
        _print_status(rows)
    if json_out:
        emit_json({"drones": rows})
    failed = {r["drone"]: (statuses[r["drone"]].error if r["drone"] in statuses else link_errors[r["drone"]])
              for r in rows if "error" in r}
    if failed:
        raise _fail_summary(failed, "status")


# --- start and flight modes ---------------------------------------------------------------------------


@app.command("start")
def start(
    drones: DronesListOpt = None,
    fleet_path: FleetOpt = None,
    takeoff_alt: Annotated[float, typer.Option("--takeoff-alt", min=2.0, max=30.0,
                                               help="Take-off height in GUIDED before AUTO, metres.")] = 5.0,
    arm_timeout: Annotated[float, typer.Option("--arm-timeout", min=1.0,
                                               help="Seconds to keep retrying arming per drone.")] = 60.0,
    min_battery: Annotated[float, typer.Option("--min-battery", min=0.0, max=100.0,
                                               help="Battery needed to start, percent.")] = 60.0,
    yes: YesOpt = False,
    wait: WaitOpt = 10.0,
    json_out: JsonOpt = False,
) -> None:
    """Pre-flight checks, then GUIDED, arm, take off and AUTO on every drone.

    Drones start together, or at the start offsets their plan records. Any failed check refuses
    every drone (exit 5, listing them); a drone that refuses to arm is named (exit 6).
    """
    from dronepatrol.errors import SafetyError
    from dronepatrol.mavlink.fleetlink import select_drones
    from dronepatrol.mavlink.fleetops import start_fleet
    from dronepatrol.preflight import PreflightFinding, PreflightLimits

    fleet = _load(fleet_path)
    names = _names(drones)
    order = [d.name for d in select_drones(fleet, names)]
    _confirm(f"Start the missions of {', '.join(order)} (they will take off)?", yes)
    from dronepatrol.mavlink.owner import find_owner

    if find_owner(fleet) is None:
        console.print("[yellow]warning:[/] no link owner is running: when this command ends the drones hear no "
                      "ground station, and their GCS failsafe brings them home after FS_GCS_TIMEOUT seconds. "
                      "Keep 'dronepatrol fleet serve' (or 'telemetry watch') running during the flight.",
                      soft_wrap=True)
    limits = PreflightLimits(min_battery_pct=min_battery)
    with _links(fleet, names, wait) as (links, link_errors):
        if link_errors:
            findings = [PreflightFinding(drone=n, check="link", message=str(e)) for n, e in link_errors.items()]
            raise SafetyError("pre-flight checks failed (no drone was started):\n"
                              + "\n".join(f.format() for f in findings), findings=findings)

        def ready(offsets: dict[str, float], warnings: list[PreflightFinding]) -> None:
            for w in warnings:
                console.print(f"[yellow]warning:[/] {w.format()}", soft_wrap=True)
            later = {n: s for n, s in offsets.items() if s > 0}
            info("pre-flight checks passed; starting " + ", ".join(
                f"{n} (+{later[n]:.0f} s)" if n in later else n for n in order))

        try:
            results = start_fleet(links, takeoff_alt_m=takeoff_alt, arm_timeout_s=arm_timeout, limits=limits,
                                  on_ready=ready)
        except SafetyError as exc:
            if json_out:
                emit_json({"started": [], "preflight": [f.to_json() for f in exc.findings]})
            raise SafetyError("pre-flight checks failed (no drone was started):\n"
                              + "\n".join(f.format() for f in exc.findings), findings=exc.findings) from None
    rows = [{"drone": n, "started": results[n].ok,
             "offset_s": results[n].value.offset_s if results[n].ok else None,
             "began_s": round(results[n].value.began_s, 2) if results[n].ok else None,
             "error": None if results[n].ok else str(results[n].error)} for n in order]
    for r in rows:
        info(f"[green]{r['drone']}[/]: armed, took off, AUTO" if r["started"]
             else f"[red]{r['error']}[/]")
    if json_out:
        emit_json({"started": rows})
    failed = {n: results[n].error for n in order if not results[n].ok}
    if failed:
        raise _fail_summary(failed, "start")


def _mode_command(action: str, drones: str | None, fleet_path: Path | None, yes: bool, wait: float,
                  json_out: bool) -> None:
    from dronepatrol.mavlink.fleetlink import select_drones
    from dronepatrol.mavlink.fleetops import MODE_COMMANDS, mode_fleet

    fleet = _load(fleet_path)
    names = _names(drones)
    order = [d.name for d in select_drones(fleet, names)]
    _confirm(f"{action.upper()} {', '.join(order)} ({' or '.join(MODE_COMMANDS[action])})?", yes)
    with _links(fleet, names, wait) as (links, link_errors):
        results = mode_fleet(links, action) if links else {}
    rows = []
    failed: dict[str, DronePatrolError] = dict(link_errors)
    for n in order:
        o = results.get(n)
        if o is not None and o.ok:
            rows.append({"drone": n, "mode": o.value, "error": None})
            info(f"[green]{n}[/]: {o.value}")
        else:
            err = o.error if o is not None else link_errors[n]
            failed[n] = err
            rows.append({"drone": n, "mode": None, "error": str(err)})
    if json_out:
        emit_json({"command": action, "drones": rows})
    if failed:
        raise _fail_summary(failed, action)


@app.command("pause")
def pause(drones: DronesListOpt = None, fleet_path: FleetOpt = None, yes: YesOpt = False, wait: WaitOpt = 10.0,
          json_out: JsonOpt = False) -> None:
    """Stop and hold position (BRAKE, else LOITER); 'fleet resume' continues the mission."""
    _mode_command("pause", drones, fleet_path, yes, wait, json_out)


@app.command("resume")
def resume(drones: DronesListOpt = None, fleet_path: FleetOpt = None, yes: YesOpt = False, wait: WaitOpt = 10.0,
           json_out: JsonOpt = False) -> None:
    """Continue the mission (AUTO)."""
    _mode_command("resume", drones, fleet_path, yes, wait, json_out)


@app.command("rtl")
def rtl(drones: DronesListOpt = None, fleet_path: FleetOpt = None, yes: YesOpt = False, wait: WaitOpt = 10.0,
        json_out: JsonOpt = False) -> None:
    """Return to launch and land (RTL)."""
    _mode_command("rtl", drones, fleet_path, yes, wait, json_out)


@app.command("land")
def land(drones: DronesListOpt = None, fleet_path: FleetOpt = None, yes: YesOpt = False, wait: WaitOpt = 10.0,
         json_out: JsonOpt = False) -> None:
    """Land where the drone is (LAND)."""
    _mode_command("land", drones, fleet_path, yes, wait, json_out)
