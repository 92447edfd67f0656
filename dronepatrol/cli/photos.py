"""``dronepatrol photos``: geotag the drones' photos from their flight logs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from dronepatrol.cli.options import FleetOpt, JsonOpt
from dronepatrol.cli.output import Verbosity, console, emit_json, info
from dronepatrol.errors import InputError, UsageError

app = typer.Typer(help="Geotag photos from flight logs.", no_args_is_help=True)


def parse_offset(text: str) -> float | None:
    """``auto`` -> None, else seconds (vehicle time minus camera time)."""
    if text.strip().lower() == "auto":
        return None
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"--offset {text!r}: give auto or seconds (vehicle clock minus camera clock), "
                         "e.g. --offset -37.5") from None
    if value != value or abs(value) > 10 * 365 * 86400:
        raise UsageError(f"--offset {text!r}: give a finite number of seconds")
    return value


def _logs(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(p.rglob("*.tlog"))
            if not found:
                raise InputError(f"{p}: no .tlog files in this folder; give the flight logs (flights/<time>/*.tlog)")
            out.extend(found)
        else:
            out.append(p)
    return out


def _read_tracks(paths: list[Path]) -> list:
    """Every vehicle's track in the logs (telemetry's reader)."""
    try:
        from dronepatrol.mavlink import tracks as reader
    except ImportError:  # pragma: no cover - until the telemetry reader is merged
        raise UsageError("reading .tlog files needs dronepatrol.mavlink.tracks (the telemetry reader), "
                         "which this build lacks") from None
    read_all = getattr(reader, "read_tracks", None)
    tracks = []
    for p in _logs(paths):
        tracks.extend(read_all(p) if read_all is not None else [reader.read_track(p)])
    return tracks


def _warn_clocks(tracks: list) -> None:
    for t in tracks:
        if t.fixes and t.time_source != "vehicle":
            console.print(f"[yellow]warning:[/] {escape(t.source or t.drone)}: {t.drone}'s times are partly or all "
                          "the laptop's receive times (no SYSTEM_TIME from the vehicle): positions may be off by the "
                          "link delay", soft_wrap=True)


@app.command("geotag")
def geotag(
    photos: Annotated[
        Path,
        typer.Argument(metavar="PHOTOS", help="Folder of photos (recursive); PHOTOS/<drone>/ folders name the drone."),
    ],
    log: Annotated[
        list[Path], typer.Option("--log", help="Flight log (.tlog) or a folder of them; repeat for each drone/flight.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for the geotagged copies and manifests.")],
    offset: Annotated[
        str,
        typer.Option("--offset", help="Camera clock offset: auto (from camera triggers) or SECONDS to add to photo "
                     "times to get the vehicle's UTC clock."),
    ] = "auto",
    tz: Annotated[
        str | None,
        typer.Option("--tz", help="Time zone of the camera clocks, e.g. +07:00. Default: the photo's own "
                     "OffsetTimeOriginal, else +07:00 (Thai time)."),
    ] = None,
    drone: Annotated[str | None, typer.Option("--drone", help="All photos are from this drone (its log name).")] = None,
    fleet: FleetOpt = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, max=32, help="Parallel file workers.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Copy photos into OUT with GPS position, altitude, time and heading in their EXIF (the image
    data is not re-encoded; originals are never modified), plus manifest.csv, manifest.json and
    photos.geojson. Exit 0 if some photos were tagged, 3 if none could be."""
    from dronepatrol.config import load_fleet
    from dronepatrol.photos.batch import geotag_photos
    from dronepatrol.photos.exif import parse_tz

    offset_s = parse_offset(offset)
    try:
        tz_s = None if tz is None else parse_tz(tz)
    except ValueError as exc:
        raise UsageError(f"--tz: {exc}") from None
    fleet_cfg = load_fleet(fleet) if fleet is not None else None
    tracks = _read_tracks(log)
    _warn_clocks(tracks)
    result = _run(geotag_photos, photos, tracks, out, offset_s=offset_s, tz_s=tz_s, drone=drone, fleet=fleet_cfg,
                  workers=workers)
    if result.photos == 0:
        raise InputError(f"{photos}: no JPEG photos (.jpg, .jpeg) found; give the folder the drones' photos "
                         "were copied to")
    if json_out:
        emit_json(result.document())
    _print(result)
    if not result.tagged:
        reasons = Counter(p.reason for p in result.problems).most_common(1)
        why = f"; most often: {reasons[0][0]}" if reasons else ""
        raise InputError(f"{photos}: none of the {result.photos} photos could be geotagged{why}")


def _run(fn, *args, **kw):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    if Verbosity.level < 0:
        return fn(*args, **kw)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(f"{phase} photos", total=total)
            bar.update(tasks[phase], completed=done)

        return fn(*args, progress=progress, **kw)


def _n(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _print(result) -> None:
    for g in result.groups:
        who = g.drone or "no drone"
        head = escape(g.group if g.group == g.drone else f"{g.group} ({who})")
        if g.offset_source == "auto":
            res = "" if g.residual_max_s is None else (f", residuals median {g.residual_median_s:.2f} s, "
                                                        f"max {g.residual_max_s:.2f} s")
            info(f"{head}: camera clock offset {g.offset_s:+.2f} s (from camera triggers), "
                 f"{g.matched} of {_n(g.photos, 'photo')} matched{res}")
        elif g.offset_source == "given":
            info(f"{head}: offset {g.offset_s:+.2f} s given, {_n(g.photos, 'photo')} placed along the track")
        if g.unmatched_photos:
            info(f"  {_n(len(g.unmatched_photos), 'photo')} without a trigger, placed along the track: "
                 f"{escape(', '.join(g.unmatched_photos[:5]))}{' ...' if len(g.unmatched_photos) > 5 else ''}")
        if g.unmatched_triggers:
            shown = ", ".join(str(i) for i in g.unmatched_triggers[:10])
            info(f"  {_n(len(g.unmatched_triggers), 'trigger')} without a photo (img_idx {shown}"
                 f"{' ...' if len(g.unmatched_triggers) > 10 else ''})")
        for w in g.warnings:
            console.print(f"  [yellow]warning:[/] {escape(w)}", soft_wrap=True)
    for p in result.problems:
        console.print(f"[yellow]not tagged:[/] {escape(p.key)}: {escape(p.reason)}", soft_wrap=True)
    colour = "green" if result.tagged else "red"
    info(f"[{colour}]{len(result.tagged)} of {_n(result.photos, 'photo')} geotagged[/] into "
         f"{escape(str(result.out_dir))}" + (f" ({len(result.problems)} not tagged)" if result.problems else ""))
