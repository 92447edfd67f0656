"""What the plan commands share: rendering check reports, and publishing a plan (checks, then
files) with every refusal shown."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from dronepatrol.cli.output import console, emit_json, info, status
from dronepatrol.errors import SafetyError, UsageError
from dronepatrol.mission import Mission
from dronepatrol.planning.checks import CheckFinding, CheckReport
from dronepatrol.planning.publish import publish_plan
from dronepatrol.zones import SafetyZone


def plan_out_dir(out: Path | None, name: str) -> Path:
    """``out``, or ``missions/<name>``; a name must be a plain directory name."""
    if "/" in name or "\\" in name or name in ("", ".", ".."):
        raise UsageError(f"--name {name!r}: give a plain name (it names the output directory)")
    return out if out is not None else Path("missions") / name


def report_written(out_dir: Path, paths: Sequence[Path], report: CheckReport, summary: dict, json_out: bool) -> None:
    """The last words of a plan command: where the files went, and with ``--json`` the summary plus
    ``out_dir``, ``files`` and ``checks`` (the same keys for every kind of plan)."""
    info(f"[green]wrote[/] {len(paths)} files to {escape(str(out_dir))}")
    if json_out:
        emit_json({**summary, "out_dir": str(out_dir), "files": [str(p) for p in paths], "checks": report.to_json()})


def render_report(report: CheckReport) -> None:
    """Print a check report on stderr: one row per mission, then every finding."""
    table = Table(title="Mission checks", title_justify="left")
    table.add_column("mission")
    table.add_column("distance km", justify="right")
    table.add_column("time min", justify="right")
    table.add_column("max alt m", justify="right")
    table.add_column("photos", justify="right")
    table.add_column("findings")
    for est in report.estimates:
        found = report.for_drone(est.drone)
        n_err = sum(f.severity == "error" for f in found)
        n_warn = len(found) - n_err
        parts = []
        if n_err:
            parts.append(f"[red]{n_err} error{'s' if n_err > 1 else ''}[/]")
        if n_warn:
            parts.append(f"[yellow]{n_warn} warning{'s' if n_warn > 1 else ''}[/]")
        time = f"{est.time_s / 60:.1f}" if math.isfinite(est.time_s) else "[red]endless[/]"
        table.add_row(
            est.drone,
            f"{est.distance_m / 1000:.2f}",
            time,
            f"{est.max_alt_m:.0f}",
            str(est.photos),
            ", ".join(parts) or "[green]ok[/]",
        )
    console.print(table)
    render_findings(report.findings)


def render_findings(findings: Sequence[CheckFinding]) -> None:
    """One line per finding on stderr: severity, rule, mission and the message."""
    for f in findings:
        colour = "red" if f.severity == "error" else "yellow"
        console.print(f"[{colour}]{f.severity}[/] " + escape(f"[{f.rule}] {f.drone}: {f.message}"),
                      soft_wrap=True, highlight=False)


def publish_checked(out_dir: Path, missions: Sequence[Mission], zone: SafetyZone, **kw: Any) -> tuple:
    """:func:`~dronepatrol.planning.publish.publish_plan` with a spinner; when the plan is refused,
    every failed check is printed before the error goes up (exit 5). Returns (paths, report)."""
    try:
        with status("checking and writing…"):
            return publish_plan(out_dir, missions, zone, **kw)
    except SafetyError as exc:
        render_findings([f for f in exc.findings if f.severity == "error"])
        raise


