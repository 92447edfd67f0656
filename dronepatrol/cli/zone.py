"""``dronepatrol zone``: check (and repair) the planners' safety-zone GeoJSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from dronepatrol.cli.options import ConfigOpt, JsonOpt
from dronepatrol.cli.output import Verbosity, console, emit_json
from dronepatrol.cli.zone_show import show
from dronepatrol.config import load_rules
from dronepatrol.errors import ZoneError
from dronepatrol.fsutil import atomic_write_text

if TYPE_CHECKING:
    from dronepatrol.zones import ZoneReport

app = typer.Typer(help="Check, repair and map safety-zone GeoJSON files.", no_args_is_help=True)
app.command("show")(show)


@app.command("check")
def check(
    file: Annotated[str, typer.Argument(help="Zone GeoJSON file, or - for standard input.")],
    json_out: JsonOpt = False,
    fix: Annotated[
        Path | None,
        typer.Option("--fix", help="Write a repaired copy here (closed rings, valid polygons, winding)."),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Validate a safety-zone file: every problem with feature, place and fix; exit 3 if invalid."""
    from dronepatrol.zones import check_zone_text, read_text  # shapely and pyproj: only when it runs
    from dronepatrol.zones.fix import fix_zone_text

    rules = load_rules(config)
    source = "<stdin>" if file == "-" else file
    text = sys.stdin.read() if file == "-" else read_text(file)
    report = check_zone_text(text, source, rules)
    fixed = None
    if fix is not None:
        result = fix_zone_text(text, source)
        atomic_write_text(fix, result.text, protect=(file,))
        fixed = (result, check_zone_text(result.text, str(fix), rules))
    if json_out:
        emit_json(_json(report, fixed, fix))
    _print(report)
    if fixed is not None:
        _print_fix(fix, *fixed)
        report = fixed[1]
    if not report.ok:
        raise typer.Exit(3)


def _json(report: ZoneReport, fixed: tuple | None, fix_path: Path | None) -> dict:
    from dronepatrol.zones.summary import zone_summary

    data = {
        "file": report.source,
        "valid": report.ok,
        "errors": [f.to_json(report.source) for f in report.errors],
        "warnings": [f.to_json(report.source) for f in report.warnings],
        "summary": zone_summary(report.zone) if report.zone else None,
    }
    if fixed is not None:
        result, after = fixed
        data["fix"] = {
            "file": str(fix_path),
            "changes": result.changes,
            "zone_area_before_m2": result.zone_area_before_m2,
            "zone_area_after_m2": result.zone_area_after_m2,
            "valid": after.ok,
            "errors": [f.to_json(after.source) for f in after.errors],
        }
    return data


def _print(report: ZoneReport) -> None:
    for f in report.errors:
        console.print("[red]error[/] " + _esc(f.format(report.source)), soft_wrap=True)
    for f in report.warnings:
        if Verbosity.level >= 0:
            console.print("[yellow]warning[/] " + _esc(f.format(report.source)), soft_wrap=True)
    if report.zone is None or report.errors:
        n = len(report.errors)
        console.print(f"[red]{_esc(report.source)}: invalid ({n} error{'s' * (n != 1)})[/]")
        return
    if Verbosity.level < 0:
        return
    from dronepatrol.zones.summary import zone_summary

    s = zone_summary(report.zone)
    table = Table(title=_esc(f"{s['name']} ({report.source})"), show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("area", f"{s['area_ha']:.1f} ha ({s['area_km2']:.2f} km²), {s['parts']} part(s)")
    table.add_row("metric frame", s["crs"])
    table.add_row("max altitude", f"{s['max_alt_m']:g} m above ground")
    table.add_row(
        "no-fly areas",
        "\n".join(
            _esc(
                f"{n['name']}: "
                + (f"circle r {n['radius_m']:g} m" if n["radius_m"] else f"{n['area_ha']} ha")
                + (f" ({n['reason']})" if n["reason"] else "")
            )
            for n in s["nofly"]
        )
        or "none",
    )
    table.add_row(
        "hotspots",
        f"{s['hotspots']}: " + ", ".join(f"{k} {v}" for k, v in s["hotspots_by_kind"].items())
        if s["hotspots"]
        else "none",
    )
    table.add_row("CCTV", f"{s['cctv']['working']} working, {s['cctv']['broken']} broken")
    table.add_row("launch sites", _esc(", ".join(s["launches"])) or "none (drones take off at the zone's centre)")
    table.add_row("communities", str(len(s["communities"])))
    table.add_row("airport rings touching", ", ".join(s["airport_rings_touching"]) or "none")
    console.print(table)
    console.print(
        f"[green]{_esc(report.source)}: valid[/]"
        + (f" with {len(report.warnings)} warning(s)" if report.warnings else "")
    )


def _print_fix(path: Path | None, result, after: ZoneReport) -> None:
    console.print(f"wrote repaired copy {_esc(str(path))}:")
    for change in result.changes or ["nothing needed repair"]:
        console.print(f"  - {_esc(change)}")
    if result.zone_area_before_m2 and result.zone_area_after_m2 is not None:
        b, a = result.zone_area_before_m2, result.zone_area_after_m2
        console.print(f"  zone area {b / 1e4:.2f} ha -> {a / 1e4:.2f} ha ({(a - b) / b:+.2%})")
    if after.ok:
        console.print("[green]  the repaired copy is valid[/]")
    else:
        console.print(f"[red]  the repaired copy still has {len(after.errors)} error(s) to fix by hand:[/]")
        for f in after.errors:
            console.print("  " + _esc(f.format(after.source)), soft_wrap=True)


def _esc(text: str) -> str:
    return escape(text)


__all__ = ["ZoneError", "app"]
