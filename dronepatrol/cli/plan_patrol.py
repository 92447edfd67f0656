"""``dronepatrol plan patrol ZONE -o DIR``: hotspot patrol routes for the fleet (thin command)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from dronepatrol.cli.options import (
    AuthorizationOpt,
    ConfigOpt,
    DronesOpt,
    FleetOpt,
    JsonOpt,
    MarginOpt,
    NameOpt,
    OutOpt,
    SpeedOpt,
)
from dronepatrol.cli.output import Verbosity, console, info, status
from dronepatrol.cli.publishing import (
    plan_out_dir,
    publish_checked,
    render_findings,
    render_plan_notes,
    report_written,
)
from dronepatrol.config import fleet_subset, load_fleet, load_rules
from dronepatrol.errors import UsageError

if TYPE_CHECKING:
    from dronepatrol.planning.patrol import PatrolPlan


def patrol(
    zone: Annotated[Path, typer.Argument(help="Safety-zone GeoJSON with hotspots and launch sites.")],
    out: OutOpt = None,
    drones: DronesOpt = None,
    alt: Annotated[float, typer.Option("--alt", help="Patrol altitude, metres above home.")] = 50.0,
    dwell: Annotated[
        float | None,
        typer.Option("--dwell", help="Seconds of loiter at every hotspot (default per kind, or its dwell_s)."),
    ] = None,
    loops: Annotated[
        str, typer.Option("--loops", help="Times to fly the route (DO_JUMP), or 'max' for the battery's worth.")
    ] = "1",
    min_priority: Annotated[
        int, typer.Option("--min-priority", help="Leave out hotspots whose priority is below this (1-5).")
    ] = 1,
    incidents: Annotated[
        Path | None,
        typer.Option("--incidents", help="Reported incidents CSV: lat, lon, time, type, description."),
    ] = None,
    order: Annotated[
        str, typer.Option("--order", help="best (shortest) or shuffle (seeded, within 10% of the best).")
    ] = "best",
    seed: Annotated[int, typer.Option("--seed", help="Seed of --order shuffle: another seed, another order.")] = 0,
    speed: SpeedOpt = None,
    margin: MarginOpt = None,
    fleet: FleetOpt = None,
    config: ConfigOpt = None,
    authorization: AuthorizationOpt = None,
    name: NameOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Plan a patrol over the zone's hotspots, split over the drones, and write the mission files.

    Priorities rise where no working CCTV watches and where incidents were reported; the longest
    drone's patrol time is minimised; safety checks run before anything is written (exit 5).
    """
    from dronepatrol.formats.incidents import read_incidents  # shapely, scipy, ortools: only when it runs
    from dronepatrol.planning.patrol import ORDERS, plan_patrol
    from dronepatrol.zones import load_zone

    if order not in ORDERS:
        raise UsageError(f"--order {order!r}: choose {' or '.join(ORDERS)}")
    rules = load_rules(config)
    fleet_cfg = fleet_subset(load_fleet(fleet), drones)
    plan_name = name or f"{zone.stem}-patrol"
    out_dir = plan_out_dir(out, plan_name)
    safety_zone = load_zone(zone, rules)
    reports = read_incidents(incidents) if incidents is not None else ()
    with status("planning the patrol…"):
        plan = plan_patrol(
            safety_zone,
            fleet=fleet_cfg,
            rules=rules,
            alt_m=alt,
            dwell=dwell,
            loops=loops,
            min_priority=min_priority,
            incidents=reports,
            order=order,
            seed=seed,
            speed=speed,
            margin_m=margin,
            authorized=bool(authorization),
            name=plan_name,
            now=datetime.now(UTC),
        )
    protect = tuple(p for p in (zone, incidents, fleet, config) if p is not None)
    paths, report = publish_checked(
        out_dir,
        plan.missions,
        safety_zone,
        summary=plan.summary,
        rules=rules,
        fleet=fleet_cfg,
        authorization=authorization,
        margin_m=margin,
        protect=protect,
    )
    if Verbosity.level >= 0:
        _render_plan(plan)
        render_findings(report.warnings)
    report_written(out_dir, paths, report, plan.summary, json_out)


def _render_plan(plan: PatrolPlan) -> None:
    """Per-drone routes, dropped hotspots and the reasons for each priority, on stderr."""
    table = Table(title=f"Patrol {plan.summary['name']}", title_justify="left")
    for col, just in (("drone", "left"), ("launch", "left"), ("alt m", "right"), ("loops", "right"),
                      ("time min", "right"), ("start s", "right"), ("distance km", "right"), ("hotspots", "right")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    offsets = {m.drone: m.start_offset_s for m in plan.missions}
    for r in plan.routes:
        table.add_row(r.drone, r.launch, f"{r.alt_m:g}", str(r.loops), f"{r.time_s / 60:.1f}",
                      f"+{offsets.get(r.drone, 0.0):.0f}", f"{r.distance_m / 1000:.2f}", str(len(r.stops)))
    console.print(table)
    render_plan_notes(plan.summary)
    for r in plan.routes:
        spots = " -> ".join(f"{s.ranked.name} ({s.ranked.priority})" for s in r.stops) or "no hotspot"
        console.print(f"  {r.drone}: {spots}", markup=False, highlight=False, soft_wrap=True)
    if plan.dropped:
        console.print(f"[yellow]dropped {len(plan.dropped)} hotspot(s):[/]")
        for r, why in plan.dropped:
            console.print(f"  {r.name} (priority {r.priority}): {why}", markup=False, highlight=False,
                          soft_wrap=True)
    info("priorities:")
    for h in plan.hotspots:
        console.print(f"  {h.priority} {h.name}: {'; '.join(h.reasons)}", markup=False, highlight=False,
                      soft_wrap=True)
