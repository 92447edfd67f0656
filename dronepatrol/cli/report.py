"""``dronepatrol report -o REPORT.html``: the commander's map report of what the fleet did.

Registered in ``cli/main.py`` as ``app.command("report")(report)``. Reads the zone, the planned
missions, the flight recordings and the photos, computes the figures
(:func:`dronepatrol.reporting.summarize`) and writes one self-contained page
(:func:`dronepatrol.report.page.build_report`), atomically. folium, shapely and the log reader
are imported only when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from dronepatrol.cli.options import ConfigOpt, FleetOpt, JsonOpt
from dronepatrol.cli.output import Verbosity, console, emit_json
from dronepatrol.errors import UsageError

__all__ = ["report"]

LANGS = ("th", "en")


def _progress():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=Verbosity.level < 0,
    )


def report(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Report page to write (HTML; opens in any browser, offline).")
    ],
    zone_file: Annotated[
        Path | None, typer.Option("--zone", help="Zone GeoJSON file (default: the zone the missions were planned for).")
    ] = None,
    missions: Annotated[
        list[Path] | None, typer.Option("--missions", help="Mission directory (plan survey/patrol output); repeatable.")
    ] = None,
    logs: Annotated[
        list[Path] | None,
        typer.Option(
            "--logs", help="Flight recordings: a flights folder (every session in it) or .tlog files; repeatable."
        ),
    ] = None,
    photos: Annotated[
        list[Path] | None,
        typer.Option(
            "--photos", help="Photos: the 'photos geotag' output, or any folder of JPEGs with GPS tags; repeatable."
        ),
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Page title (default: drone patrol report).")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the report: th (Thai, B.E. dates) or en.")] = "th",
    thumbnails: Annotated[
        bool, typer.Option("--thumbnails/--no-thumbnails", help="Photo thumbnails in the popups (~200 px).")
    ] = True,
    basemap: Annotated[
        bool, typer.Option("--basemap/--no-basemap", help="OpenStreetMap background (shown only when online).")
    ] = True,
    json_out: JsonOpt = False,
    fleet_file: FleetOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Write the commander's report: map layers, summary panel, coverage, hotspot visits, charts.

    Give a zone and any of missions, logs and photos; many days of logs are summed up (flight hours
    and patrol visits per week). Exit 2 for a bad option, 3 for an unreadable input file.
    """
    if lang not in LANGS:
        raise UsageError(f"--lang {lang!r}: use th (Thai) or en (English)")
    from dronepatrol.config import load_fleet, load_rules
    from dronepatrol.fsutil import atomic_write_bytes
    from dronepatrol.planning.camera import get_camera
    from dronepatrol.report.inputs import read_mission_dirs, read_photos
    from dronepatrol.reporting import summarize
    from dronepatrol.zones import load_zone

    mission_list, summaries = read_mission_dirs(missions or [])
    if zone_file is None:
        planned = [s.get("zone_file") for s in summaries if isinstance(s.get("zone_file"), str)]
        if not planned or not Path(planned[0]).is_file():
            raise UsageError("give the zone with --zone FILE (the missions do not name a zone file that exists)")
        zone_file = Path(planned[0])
    zone = load_zone(zone_file, load_rules(config))
    fleet = load_fleet(fleet_file)
    cameras = {d.name: get_camera(d.camera) for d in fleet.drones}
    tracks, alerts, warnings = _read_logs(logs or [])
    photo_list = []
    for folder in photos or []:
        with _progress() as bar:
            task = bar.add_task(f"reading photos in {escape(str(folder))}", total=None)

            def tick(n: int, total: int, task=task, bar=bar) -> None:
                bar.update(task, completed=n, total=total)

            photo_list += read_photos(folder, [d.name for d in fleet.drones], tick)

    summary = summarize(
        zone,
        missions=mission_list,
        mission_summaries=summaries,
        tracks=tracks,
        photos=photo_list,
        alerts=alerts,
        cameras=cameras,
        default_camera=get_camera(fleet.drones[0].camera) if fleet.drones else None,
    )
    written = 0
    if thumbnails and photo_list:
        from dronepatrol.report.thumbnails import add_thumbnails

        with _progress() as bar:
            task = bar.add_task("making thumbnails", total=None)
            photo_list, written = add_thumbnails(
                photo_list, out, progress=lambda n, total: bar.update(task, completed=n, total=total)
            )
    from dronepatrol.report.page import build_report  # folium: only here

    page = build_report(
        zone,
        summary,
        missions=mission_list,
        tracks=tracks,
        photos=photo_list,
        lang=lang,
        title=title,
        basemap=basemap,
        page_dir=out.resolve().parent,
    )
    data = page.html.encode("utf-8")
    protect = (zone_file, *(missions or []), *(logs or []), *(photos or []))
    path = atomic_write_bytes(out, data, protect=protect)
    _tell(summary, path, len(data), written)
    if json_out:
        emit_json(
            {
                "out": str(path),
                "bytes": len(data),
                "thumbnails_written": written,
                "layers": page.layers,
                "log_warnings": warnings,
                **summary.to_dict(),
            }
        )


def _read_logs(paths: list[Path]):
    from dronepatrol.report.logs import find_tlogs, read_flight_logs

    if not paths:
        return [], [], []
    files = find_tlogs(paths)
    with _progress() as bar:
        task = bar.add_task("reading flight logs", total=len(files))
        tracks, alerts, warnings = read_flight_logs(files, lambda n, total: bar.update(task, completed=n))
    for w in warnings[:5]:
        console.print(f"[yellow]warning:[/] {escape(w)}", soft_wrap=True)
    if len(warnings) > 5:
        console.print(f"[yellow]warning:[/] and {len(warnings) - 5} more damaged records in the logs")
    return tracks, alerts, warnings


def _tell(summary, path: Path, size: int, written: int) -> None:
    if Verbosity.level < 0:
        return
    f = summary.figures()
    cov = "–" if f["coverage_pct"] is None else f"{f['coverage_pct']:.1f} %"
    console.print(
        f"{f['flights']} flights by {f['drones']} drones, {f['distance_km']:.1f} km, {f['flight_time_h']:.1f} h; "
        f"{f['photos_tagged']}/{f['photos']} photos with a position; zone photographed {cov}; "
        f"hotspots visited {f['hotspots_visited']} "
        f"({f['hotspots_planned_visited']} of {f['hotspots_planned']} planned); "
        f"alerts {f['alerts']}",
        soft_wrap=True,
    )
    extra = f" and {written} thumbnails in {escape(path.stem)}_files/" if written else ""
    console.print(
        f"wrote report to {escape(str(path))} ({size / 1024:.0f} KiB){extra}: open it in a browser", soft_wrap=True
    )
