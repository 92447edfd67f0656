"""``dronepatrol plan survey``: photo survey of a safety zone, split over the fleet.

Thin: parse the options, load the zone, fleet and rules, call
:func:`~dronepatrol.planning.survey.plan_survey`, then
:func:`~dronepatrol.planning.publish.publish_plan` (safety checks, then the files), print a
summary on stderr and, with ``--json``, the summary on stdout.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
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
from dronepatrol.cli.output import Verbosity, console, emit_json, info, status
from dronepatrol.cli.publishing import (
    plan_out_dir,
    publish_checked,
    render_findings,
    render_plan_notes,
    report_written,
)
from dronepatrol.config import fleet_subset, load_fleet, load_rules
from dronepatrol.errors import UsageError
from dronepatrol.planning.camera import CAMERAS, DEFAULT_ALT_M, footprint_m, gsd_cm_px


def survey(
    zone: Annotated[
        Path | None, typer.Argument(help="Safety-zone GeoJSON file to photograph.", show_default=False)
    ] = None,
    out: OutOpt = None,
    drones: DronesOpt = None,
    alt: Annotated[
        float | None, typer.Option("--alt", help=f"Altitude above home, metres (default {DEFAULT_ALT_M:g}).")
    ] = None,
    gsd: Annotated[
        float | None, typer.Option("--gsd", help="Ground sample distance, cm per pixel (sets the altitude).")
    ] = None,
    camera: Annotated[
        str | None, typer.Option("--camera", help="Camera preset ('--camera list' shows them). Default: fleet's.")
    ] = None,
    front: Annotated[float, typer.Option("--front", help="Front overlap, percent.")] = 75.0,
    side: Annotated[float, typer.Option("--side", help="Side overlap, percent.")] = 65.0,
    lane_spacing: Annotated[
        float | None, typer.Option("--lane-spacing", help="Distance between lanes, metres (overrides --side).")
    ] = None,
    trigger_distance: Annotated[
        float | None,
        typer.Option("--trigger-distance", help="Distance between photos, metres (overrides --front)."),
    ] = None,
    angle: Annotated[
        str, typer.Option("--angle", help="Lane heading, degrees from north, or 'auto' (best per cell).")
    ] = "auto",
    crosshatch: Annotated[
        bool, typer.Option("--crosshatch", help="Fly a second set of lanes at right angles.")
    ] = False,
    speed: SpeedOpt = None,
    margin: MarginOpt = None,
    fleet: FleetOpt = None,
    config: ConfigOpt = None,
    authorization: AuthorizationOpt = None,
    name: NameOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Photo survey of the whole zone: lanes around no-fly areas, best angle per cell, split over
    the drones with balanced flight times (sorties if needed). Checked before writing: exit 5 if unsafe."""
    if camera == "list":
        _list_cameras(json_out)
        return
    if zone is None:
        raise UsageError("missing ZONE: give the safety-zone GeoJSON file to survey (or --camera list)")
    if alt is not None and gsd is not None:
        raise UsageError("give either --alt or --gsd, not both: the GSD sets the altitude")
    angle_deg = _parse_angle(angle)
    rules = load_rules(config)
    fleet_cfg = fleet_subset(load_fleet(fleet), drones)
    from dronepatrol.planning.survey import plan_survey  # shapely, scipy: only when it runs
    from dronepatrol.zones import load_zone

    safety_zone = load_zone(zone, rules)
    plan_name = name or f"{zone.stem}-survey"
    out_dir = plan_out_dir(out, plan_name)

    with status("planning the survey…"):
        plan = plan_survey(
            safety_zone,
            fleet=fleet_cfg,
            camera=camera,
            alt_m=alt,
            gsd_cm_px=gsd,
            front_pct=front,
            side_pct=side,
            lane_spacing_m=lane_spacing,
            trigger_distance_m=trigger_distance,
            angle_deg=angle_deg,
            crosshatch=crosshatch,
            speed_m_s=speed,
            margin_m=margin,
            authorized=bool(authorization),
            name=plan_name,
            rules=rules,
        )
    for w in plan.warnings:
        console.print(f"[yellow]warning[/] {escape(w)}", soft_wrap=True)
    paths, report = publish_checked(
        out_dir,
        plan.missions,
        safety_zone,
        summary=plan.summary,
        rules=rules,
        fleet=fleet_cfg,
        authorization=authorization,
        margin_m=margin,
        protect=tuple(p for p in (zone, fleet, config) if p is not None),
    )
    if Verbosity.level >= 0:
        _render(plan.summary, out_dir)
        render_findings(report.warnings)
    report_written(out_dir, paths, report, plan.summary, json_out)


def _parse_angle(text: str) -> float | None:
    if text.strip().lower() == "auto":
        return None
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"--angle {text!r}: give 'auto' or a heading in degrees from north (e.g. 30)") from None
    if not math.isfinite(value):
        raise UsageError(f"--angle {text!r}: give a finite heading in degrees")
    return value % 180.0


def _list_cameras(json_out: bool) -> None:
    table = Table(title="Camera presets (GSD and footprint at 60 m)", title_justify="left")
    table.add_column("name", no_wrap=True)
    for col in ("sensor mm", "focal mm", "image px", "GSD cm/px", "footprint m"):
        table.add_column(col, justify="right")
    rows = []
    for cam in CAMERAS.values():
        side, front = footprint_m(cam, DEFAULT_ALT_M)
        table.add_row(cam.name, f"{cam.sensor_width_mm:g} x {cam.sensor_height_mm:g}",
                      f"{cam.focal_length_mm:g}", f"{cam.image_width_px} x {cam.image_height_px}",
                      f"{gsd_cm_px(cam, DEFAULT_ALT_M):.2f}", f"{side:.0f} x {front:.0f}")
        rows.append({"name": cam.name, "label": cam.label, "sensor_width_mm": cam.sensor_width_mm,
                     "sensor_height_mm": cam.sensor_height_mm, "focal_length_mm": cam.focal_length_mm,
                     "image_width_px": cam.image_width_px, "image_height_px": cam.image_height_px,
                     "min_interval_s": cam.min_interval_s, "source": cam.source})
    console.print(table)
    if json_out:
        emit_json({"cameras": rows})


def _render(summary: dict, out_dir: Path) -> None:
    table = Table(title=f"Survey {escape(summary['name'])} → {escape(str(out_dir))}", title_justify="left")
    table.add_column("mission", no_wrap=True)
    table.add_column("launch", max_width=11, overflow="ellipsis", no_wrap=True)
    for col in ("lanes", "flight\nkm", "time\nmin", "start\ns", "photos", "area\nha"):  # fits 80 columns
        table.add_column(col, justify="right", no_wrap=True)
    for d in summary["drones"]:
        table.add_row(d["file"], escape(d["launch"]), str(d["lanes"]), f"{d['path_m'] / 1000:.2f}",
                      f"{d['time_s'] / 60:.1f}", f"+{d.get('start_offset_s', 0):.0f}", str(d["photos"]),
                      f"{d['area_ha']:.1f}")
    console.print(table)
    angles = summary.get("angles_deg") or []
    angle_text = ", ".join(f"{a:g}°" for a in angles[:6]) + (" …" if len(angles) > 6 else "")
    balance = summary.get("balance")
    info(
        f"camera {summary['camera']} at {summary['alt_m']:g} m: GSD {summary['gsd_cm_px']:.2f} cm/px, lanes "
        f"{summary['lane_spacing_m']:.1f} m apart, a photo every {summary['trigger_distance_m']:.1f} m; "
        f"lane heading {angle_text or summary['angle_deg']}; photo coverage {summary['photo_coverage_pct']:.2f}% "
        f"of the zone outside no-fly areas, lane coverage {summary['coverage_pct']:.2f}% of "
        f"{summary['area_ha']:.1f} ha; "
        f"balance {balance if balance is None else f'{balance:.3f}'} (max/min)"
    )
    render_plan_notes(summary)
