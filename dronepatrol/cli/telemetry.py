"""``dronepatrol telemetry``: live view of the fleet, recording, replay and export of recordings.

Thin commands: the decoding, state, alerts and formats live in :mod:`dronepatrol.mavlink.tracks`,
:mod:`dronepatrol.telemetry` and :mod:`dronepatrol.formats`; the table is drawn by
:mod:`dronepatrol.cli.telemetry_view`.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from dronepatrol.cli.options import JsonOpt
from dronepatrol.cli.output import Verbosity, _clean, console, emit_json
from dronepatrol.formats.track_formats import TRACK_FORMATS

app = typer.Typer(
    help="Live view of the drones, recording (.tlog), replay and export of flown tracks.",
    no_args_is_help=True,
)

#: ``--format`` choices, from the track formats registry (never repeated here).
TrackFormatName = Enum("TrackFormatName", {k: k for k in TRACK_FORMATS}, type=str)  # type: ignore[misc]

#: Live view refresh period (4 Hz).
FRAME_S = 0.25

TlogsArg = Annotated[list[Path], typer.Argument(help="Recordings (.tlog), one drone each.", show_default=False)]


def say(message: str) -> None:
    """A human line on stderr (unless -q), never wrapped mid-path."""
    if Verbosity.level >= 0:
        console.print(message, soft_wrap=True)


def warn(message: str) -> None:
    """A warning on stderr (always shown)."""
    console.print(f"[yellow]warning:[/] {escape(message)}", soft_wrap=True)


def emit_json_line(data: object) -> None:
    """One JSON document on one line of stdout (for ``--json`` and pipes)."""
    sys.stdout.write(json.dumps(_clean(data), ensure_ascii=False, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def _json_mode(json_out: bool) -> bool:
    """JSON lines instead of the table: with --json, or when stdout or stderr is not a terminal."""
    return json_out or not sys.stdout.isatty() or not console.is_terminal


def show_views(views: Iterable, *, json_out: bool, title: str, pace: Callable[[float], None] | None = None,
               min_frame_s: float = 0.0) -> int:
    """Show fleet views as they come: a rich Live table (4 Hz, redrawn in place) on a terminal,
    else one JSON line per view. ``pace(t_s)`` is called before each view (to wait for it);
    ``min_frame_s`` skips table frames that come faster than that (wall time). Returns the count."""
    from dronepatrol.cli.telemetry_view import render

    n = 0
    if _json_mode(json_out):
        for v in views:
            if pace is not None:
                pace(v.t_s)
            emit_json_line(v.to_json())
            n += 1
        return n
    from rich.live import Live

    last_draw = 0.0
    view = None
    with Live(console=console, auto_refresh=False, transient=False, redirect_stderr=False) as live:
        for view in views:
            if pace is not None:
                pace(view.t_s)
            n += 1
            now = time.monotonic()
            if now - last_draw >= min_frame_s:
                live.update(render(view, title=title), refresh=True)
                last_draw = now
        if view is not None:
            live.update(render(view, title=title), refresh=True)
    return n


@app.command()
def replay(
    tlogs: TlogsArg,
    speed: Annotated[float, typer.Option("--speed", min=0.0, help="Replay speed (1 = real time, 0 = as fast as "
                                         "possible).")] = 1.0,
    json_out: JsonOpt = False,
) -> None:
    """The live view fed from recordings, for debriefs.

    Times and link ages come from the recording. Without a terminal (or with --json): one JSON line
    per update.
    """
    from dronepatrol.mavlink.tracks import replay_views

    views = replay_views(tlogs, step_s=FRAME_S)
    pace = None
    if speed > 0:
        start: list[float] = []

        def pace(t_s: float) -> None:
            if not start:
                start.extend((t_s, time.monotonic()))
            wait = start[1] + (t_s - start[0]) / speed - time.monotonic()
            if wait > 0:
                time.sleep(wait)

    n = show_views(views, json_out=json_out, title=f"replay x{speed:g}" if speed else "replay", pace=pace,
                   min_frame_s=FRAME_S if speed == 0 else 0.0)
    if n == 0:
        warn("nothing to replay: the recordings hold no readable record")


@app.command()
def export(
    tlogs: TlogsArg,
    fmt: Annotated[TrackFormatName, typer.Option("--format", "-f", help="Output format.")],  # type: ignore[valid-type]
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file (written atomically).")],
    json_out: JsonOpt = False,
) -> None:
    """Flown tracks and photo positions as GPX, GeoJSON, CSV or KML.

    One track per drone plus its camera triggers (CAMERA_FEEDBACK). Times are UTC from the vehicle's
    clock where the log allows (the file says which). Damaged recordings are read up to the damage,
    with a warning naming the byte offset.
    """
    from dronepatrol.fsutil import atomic_write_text
    from dronepatrol.mavlink.tracks import read_tracks

    target = TRACK_FORMATS[fmt.value if isinstance(fmt, Enum) else str(fmt)]
    tracks = [t for p in tlogs for t in read_tracks(p, log_warnings=False)]
    for w in dict.fromkeys(w for t in tracks for w in t.warnings):
        warn(w)
    atomic_write_text(out, target.dumps(tracks), protect=tuple(tlogs))
    fixes = sum(len(t.fixes) for t in tracks)
    shots = sum(len(t.triggers) for t in tracks)
    if json_out:
        emit_json({"out": str(out), "format": target.name, "drones": [
            {"drone": t.drone, "system_id": t.system_id, "fixes": len(t.fixes), "triggers": len(t.triggers),
             "time_source": t.time_source, "source": t.source, "warnings": list(t.warnings)} for t in tracks]})
    clocks = ", ".join(sorted({t.time_source for t in tracks}))
    say(f"{escape(str(out))}: {len(tracks)} drone(s), {fixes} positions, {shots} photos ({target.description}; "
         f"times from the {clocks} clock)")
    for t in tracks:
        if not t.fixes:
            warn(f"{t.source}: no positions recorded for {t.drone}")
