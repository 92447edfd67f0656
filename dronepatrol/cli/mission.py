"""``dronepatrol mission``: safety checks of planned missions and conversion between formats."""

from __future__ import annotations

import enum
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from dronepatrol.cli.options import AuthorizationOpt, ConfigOpt, FleetOpt, JsonOpt
from dronepatrol.cli.output import Verbosity, console, emit_json
from dronepatrol.cli.publishing import render_report
from dronepatrol.config import load_fleet, load_rules
from dronepatrol.errors import SafetyError, UsageError
from dronepatrol.formats import FORMATS
from dronepatrol.fsutil import atomic_write_text

app = typer.Typer(help="Check planned missions and convert mission files.", no_args_is_help=True)

#: ``--format`` choices, from the formats registry (never repeated here).
FormatName = enum.Enum("FormatName", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]


def _say(message: str) -> None:
    """A human message on stderr unless -q; never wrapped (paths stay copyable)."""
    if Verbosity.level >= 0:
        console.print(message, soft_wrap=True)


def _parse_start(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--start {text!r}: not an ISO time; give e.g. 2026-03-01T08:30 (Thai time) or 2026-03-01T01:30Z"
        ) from None


@app.command("check")
def check(
    path: Annotated[Path, typer.Argument(help="Mission directory (its .plan files) or one mission file.")],
    zone: Annotated[Path, typer.Option("--zone", help="Safety-zone GeoJSON the missions must stay in.")],
    fleet: FleetOpt = None,
    config: ConfigOpt = None,
    authorization: AuthorizationOpt = None,
    margin: Annotated[
        float | None,
        typer.Option("--margin", min=0.0, help="Metres kept from the zone edge and no-fly areas (default 10)."),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option("--start", help="Planned start, ISO time (no zone = Thai time): checks daylight."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Safety checks of planned missions: zone, no-fly areas, altitude, airports, endurance,
    separation; warnings for visual line of sight and daylight. Exit 5 if any check fails."""
    from dronepatrol.formats.missiondir import read_missions  # shapely, scipy: only when it runs
    from dronepatrol.planning.checks import check_missions
    from dronepatrol.planning.publish import refusal_message
    from dronepatrol.zones import load_zone

    planned_start = _parse_start(start)
    rules = load_rules(config)
    fleet_cfg = load_fleet(fleet) if fleet is not None else None
    safety_zone = load_zone(zone, rules)
    missions = read_missions(path)
    report = check_missions(
        missions,
        safety_zone,
        rules=rules,
        fleet=fleet_cfg,
        authorization=authorization,
        margin_m=margin,
        planned_start=planned_start,
    )
    render_report(report)
    if json_out:
        doc = report.to_json()
        doc["zone"] = str(zone)
        doc["missions"] = str(path)
        doc["authorization"] = authorization
        emit_json(doc)
    if not report.ok:
        raise SafetyError(refusal_message(report), findings=report.findings)
    _say(f"[green]all checks passed[/] for {len(missions)} mission(s)"
         + (f" ({len(report.warnings)} warning(s))" if report.warnings else ""))


@app.command("export")
def export(
    path: Annotated[Path, typer.Argument(help="Mission file (.plan, .waypoints, .geojson, .kml) or directory.")],
    fmt: Annotated[FormatName, typer.Option("--format", "-f", help="Output format.")],  # type: ignore[valid-type]
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Output file (or directory for several missions). Default: beside "
                     "the input with the new suffix."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Convert a mission file to another format (written atomically; never over the input)."""
    target = FORMATS[fmt.value if isinstance(fmt, enum.Enum) else str(fmt)]
    from dronepatrol.formats.missiondir import read_missions

    missions = read_missions(path)
    inputs = [path] if path.is_file() else sorted(p for p in path.iterdir() if p.is_file())
    base_dir = path if path.is_dir() else path.parent
    written: list[Path] = []
    if target.one_mission and len(missions) > 1:
        out_dir = output if output is not None else base_dir
        if out_dir.exists() and not out_dir.is_dir():
            raise UsageError(f"{out_dir}: {len(missions)} missions need a directory for -o, not a file")
        for m in missions:
            dest = out_dir / f"{m.file_stem}{target.suffix}"
            written.append(atomic_write_text(dest, target.dumps([m]), protect=tuple(inputs)))
    else:
        if output is not None and output.is_dir():
            dest = output / f"{path.stem if path.is_file() else 'routes'}{target.suffix}"
        elif output is not None:
            dest = output
        elif path.is_file():
            dest = path.with_suffix(target.suffix)
        else:
            dest = path / f"routes{target.suffix}"
        written.append(atomic_write_text(dest, target.dumps(missions), protect=tuple(inputs)))
    for p in written:
        _say(f"wrote {p}")
    if json_out:
        emit_json({"format": target.name, "missions": len(missions), "written": [str(p) for p in written]})
