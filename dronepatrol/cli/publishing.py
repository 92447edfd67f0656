"""What the plan commands share: rendering check reports, and publishing a plan (checks, then
files) with every refusal shown."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table

from dronepatrol.cli.output import console, emit_json, info, status
from dronepatrol.errors import SafetyError, UsageError

if TYPE_CHECKING:
    from dronepatrol.mission import Mission
    from dronepatrol.planning.checks import CheckFinding, CheckReport
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


def render_plan_notes(summary: dict) -> None:
    """The deconfliction (what was done, what it cost) and what the onboard fence simplified."""
    dec = summary.get("deconfliction") or {}
    if dec:
        extra = dec.get("extra_min") or {}
        worst = max(extra.items(), key=lambda kv: kv[1], default=None)
        layers = sorted(set((dec.get("layers_m") or {}).values()))
        layer_text = (f"take-off layers {', '.join(f'{a:g}' for a in layers)} m "
                      f"(spread {dec.get('altitude_spread_m', 0):g} m)") if len(layers) > 1 else "one altitude"
        cost = (f"; +{worst[1]:.1f} min for {worst[0]}, the last drone lands {dec.get('cost_s', 0) / 60:.1f} min "
                f"later ({dec.get('cost_pct', 0):.1f}%)") if worst and worst[1] > 0 else ""
        info(f"separation: {', '.join(dec.get('strategies', []))}; {layer_text}{escape(cost)}")
    fence = summary.get("fence") or {}
    simplified = fence.get("simplified") or []
    if simplified:
        info(f"onboard fence simplified to fit the flight controller ({len(simplified)} change"
             f"{'s' if len(simplified) > 1 else ''}; summary.json lists them):")
        for line in simplified[:5]:
            console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
        if len(simplified) > 5:
            console.print(f"  … and {len(simplified) - 5} more", markup=False, highlight=False)


def _drone_of(stem: str) -> str:
    """``drone1`` for ``drone1-sortie3``."""
    head, sep, tail = stem.rpartition("-sortie")
    return head if sep and tail.isdigit() else stem


def collapse_warnings(findings: Sequence[CheckFinding]) -> list[tuple[CheckFinding, list[str]]]:
    """Errors one by one; warnings of one rule for one drone (all its sorties) as one entry:
    (the first such warning, the other missions with the same warning). Order is kept."""
    out: list[tuple[CheckFinding, list[str]]] = []
    groups: dict[tuple[str, str], int] = {}
    for f in findings:
        if f.severity == "error":
            out.append((f, []))
            continue
        key = (f.rule, _drone_of(f.drone))
        if key in groups:
            out[groups[key]][1].append(f.drone)
            continue
        groups[key] = len(out)
        out.append((f, []))
    return out


def render_findings(findings: Sequence[CheckFinding]) -> None:
    """One line per error on stderr (severity, rule, mission, message); warnings of one kind for
    one drone collapse into one line that names the other missions (``--json`` keeps every one)."""
    for f, more in collapse_warnings(findings):
        colour = "red" if f.severity == "error" else "yellow"
        tail = ""
        if more:
            missions = sorted(set(more) - {f.drone})
            tail = f" (and {len(more)} more like it" + (f" in {', '.join(missions)}" if missions else "") + ")"
        console.print(f"[{colour}]{f.severity}[/] " + escape(f"[{f.rule}] {f.drone}: {f.message}{tail}"),
                      soft_wrap=True, highlight=False)


def publish_checked(out_dir: Path, missions: Sequence[Mission], zone: SafetyZone, **kw: Any) -> tuple:
    """:func:`~dronepatrol.planning.publish.publish_plan` with a spinner; when the plan is refused,
    every failed check is printed before the error goes up (exit 5). Returns (paths, report)."""
    try:
        with status("checking and writing…"):
            from dronepatrol.planning.publish import publish_plan  # shapely, scipy: only when it runs

            return publish_plan(out_dir, missions, zone, **kw)
    except SafetyError as exc:
        render_findings([f for f in exc.findings if f.severity == "error"])
        raise


