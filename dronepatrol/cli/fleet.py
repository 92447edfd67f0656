"""``dronepatrol fleet``: talk to the drones. This module holds the link commands (``serve``,
``keys init|install``); the flight commands are registered on the same ``app`` by
``cli/fleet_ops.py``."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated, Any

import typer

from dronepatrol.cli.options import DroneNamesOpt, FleetOpt, JsonOpt
from dronepatrol.cli.output import Verbosity, console, emit_json
from dronepatrol.errors import UsageError

app = typer.Typer(
    help="Talk to the drones: link sharing, signing keys, upload, status and flight commands.",
    no_args_is_help=True,
)
keys_app = typer.Typer(help="MAVLink 2 signing keys: create them, install them on the drones.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

DronesListOpt = DroneNamesOpt


def info(message: str) -> None:
    """A human message on stderr (unless -q), never wrapped: paths and TOML lines stay copyable."""
    if Verbosity.level >= 0:
        console.print(message, soft_wrap=True)


def _names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise UsageError("--drones: give drone names separated by commas, e.g. --drones drone1,drone3")
    return names


def _load(fleet_path: Path | None, fleet_json: str | None = None) -> Any:
    if fleet_json is not None:
        from dronepatrol.mavlink.owner import fleet_from_json

        return fleet_from_json(fleet_json)
    from dronepatrol.config import load_fleet

    return load_fleet(fleet_path)


@app.command("serve")
def serve(
    fleet_path: FleetOpt = None,
    record: Annotated[
        Path | None,
        typer.Option("--record", metavar="DIR", help="Record both directions to DIR/<UTC>/<drone>.tlog."),
    ] = None,
    base_port: Annotated[
        int,
        typer.Option("--base-port", min=0, max=65000,
                     help="Local TCP port of the first drone; the next drones get +1, +2 (0: any free ports)."),
    ] = 14600,
    wait: Annotated[float, typer.Option("--wait", min=0, help="Seconds to wait for the drones' heartbeats.")] = 10.0,
    json_out: JsonOpt = False,
    fleet_json: Annotated[str | None, typer.Option("--fleet-json", hidden=True)] = None,
) -> None:
    """Hold the drones' links and share them on local ports (foreground; Ctrl-C stops).

    Other dronepatrol commands use it automatically. QGroundControl, Mission Planner or MAVProxy
    on this laptop attach to tcp:127.0.0.1:<port> of a drone (see the table). Commands they send
    are signed with the drone's key when the fleet file gives one.
    """
    from dronepatrol.errors import LinkError
    from dronepatrol.mavlink.owner import LinkOwner, find_owner

    fleet = _load(fleet_path, fleet_json)
    running = find_owner(fleet)
    if running is not None:
        raise LinkError(f"this fleet's links are already served by process {running.pid} "
                        f"(ports {', '.join(f'{n} {p}' for n, p in running.ports.items())}); "
                        "stop it first, or just use it")
    owner = LinkOwner(fleet, base_port=base_port, record_dir=record)
    stopping = {"signal": False}

    def on_term(_signum: int, _frame: Any) -> None:
        stopping["signal"] = True
        owner.stop()

    old = signal.signal(signal.SIGTERM, on_term)
    try:
        owner.start()
        answered = owner.wait_links(wait) if wait > 0 else {n: False for n in owner.links}
        ports = owner.ports
        rows = [{"drone": d.name, "system_id": d.system_id, "connection": d.connection,
                 "local": f"tcp:127.0.0.1:{ports[d.name]}", "heartbeat": answered[d.name]} for d in fleet.drones]
        if json_out:
            emit_json({"pid": owner.info.pid, "drones": rows,
                       "recording": str(owner.recorder.dir) if owner.recorder else None})
        from rich.table import Table

        table = Table(title="dronepatrol link owner", title_justify="left")
        for col in ("drone", "sysid", "drone connection", "clients attach to", "heartbeat"):
            table.add_column(col)
        for r in rows:
            table.add_row(r["drone"], str(r["system_id"]), r["connection"], r["local"],
                          "[green]yes[/]" if r["heartbeat"] else "[yellow]not yet[/]")
        if not json_out:
            console.print(table)
        if owner.recorder is not None:
            info(f"recording to {owner.recorder.dir}")
        missing = [r["drone"] for r in rows if not r["heartbeat"]]
        if missing and wait > 0:
            info(f"[yellow]no heartbeat yet from {', '.join(missing)}[/]: the owner keeps trying "
                 "(check power, radio, port)")
        info("Serving. Press Ctrl-C to stop.")
        while not owner.done.wait(0.5):
            pass
    except KeyboardInterrupt:
        owner.stop()
        info("link owner stopped")
        raise typer.Exit(code=130) from None
    finally:
        signal.signal(signal.SIGTERM, old)
        owner.stop()
    info("link owner stopped")


@keys_app.command("init")
def keys_init(
    fleet_path: FleetOpt = None,
    key_dir: Annotated[Path, typer.Option("--dir", help="Where to write keys for drones without signing_key.")] = Path(
        "keys"
    ),
    drones: DronesListOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace existing key files.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Create a random 32-byte signing key per drone (files of mode 0600; keys are never shown)."""
    from dronepatrol.mavlink.fleetlink import select_drones
    from dronepatrol.mavlink.signing import key_path, write_key

    fleet = _load(fleet_path)
    chosen = select_drones(fleet, _names(drones))
    targets = [(d, key_path(fleet, d) or key_dir / f"{d.name}.key") for d in chosen]
    existing = [str(p) for _d, p in targets if p.exists()]
    if existing and not force:
        raise UsageError(f"{', '.join(existing)} already exist(s): a drone may use it; add --force to replace")
    rows = []
    for d, p in targets:
        write_key(p, force=force)
        rows.append({"drone": d.name, "key_file": str(p), "in_fleet_file": bool(d.signing_key)})
        info(f"{d.name}: new key in {p}")
    if json_out:
        emit_json({"keys": rows})
    todo = [r for r in rows if not r["in_fleet_file"]]
    if todo:
        lines = "\n".join(f'  {r["drone"]}: signing_key = "{Path(r["key_file"]).resolve()}"' for r in todo)
        info(f"Add to each drone's [[drones]] table in the fleet file:\n{lines}")
    info("Next: `dronepatrol fleet keys install` over USB or another trusted link.")


@keys_app.command("install")
def keys_install(
    fleet_path: FleetOpt = None,
    drones: DronesListOpt = None,
    connection: Annotated[
        str | None,
        typer.Option("--connection", metavar="CONN",
                     help="Install over this link instead of the fleet file's (e.g. USB /dev/ttyACM0:115200); "
                          "one drone only."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="Seconds to wait for each drone.")] = 10.0,
    json_out: JsonOpt = False,
) -> None:
    """Install each drone's signing key (SETUP_SIGNING) and check that it then signs.

    The key travels in clear: do it over USB or a link you trust, never over the air in the field.
    """
    import dataclasses

    from dronepatrol.config import FleetConfig
    from dronepatrol.mavlink.fleetlink import open_fleet, open_links, select_drones
    from dronepatrol.mavlink.signing import drone_key, install_key

    fleet = _load(fleet_path)
    chosen = select_drones(fleet, _names(drones))
    no_key = [d.name for d in chosen if not d.signing_key]
    if no_key:
        raise UsageError(f"{', '.join(no_key)}: no signing_key in the fleet file; run `dronepatrol fleet keys init` "
                         "and add the key files to the fleet file")
    if connection is not None and len(chosen) != 1:
        raise UsageError("--connection names one link: choose one drone with --drones")
    for d in chosen:
        drone_key(fleet, d)  # every key is readable before anything is sent
    console.print("[yellow]The signing key is sent in clear: do this over USB or a trusted link only.[/]")
    if not yes and not typer.confirm(f"Install signing keys on {', '.join(d.name for d in chosen)}?"):
        raise typer.Exit(code=1)
    results = []
    if connection is not None:
        d = dataclasses.replace(chosen[0], connection=connection)
        sub = FleetConfig(drones=(d,), source=fleet.source)
        links = open_links(sub, [d], timeout_s=timeout)
        ctx = None
    else:
        ctx = open_fleet(fleet, [d.name for d in chosen], timeout_s=timeout)
        links = ctx.__enter__()
    try:
        for d in chosen:
            key, _ = drone_key(fleet, d)
            assert key is not None
            install_key(links[d.name], key, timeout_s=timeout)
            results.append({"drone": d.name, "signed": True})
            info(f"[green]{d.name}[/]: key installed; the drone now signs what it sends")
    finally:
        if ctx is not None:
            ctx.__exit__(None, None, None)
        else:
            for link in links.values():
                link.close()
    if json_out:
        emit_json({"installed": results})


# the flight commands (status, upload, start, pause, resume, rtl, land) register themselves on ``app``
from dronepatrol.cli import fleet_ops, fleet_setup  # noqa: E402, F401
