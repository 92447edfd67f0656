"""``dronepatrol telemetry``: live view of the fleet, recording, replay and export of recordings.

Thin commands: the decoding, state, alerts and formats live in :mod:`dronepatrol.mavlink.tracks`,
:mod:`dronepatrol.telemetry` and :mod:`dronepatrol.formats`; the table is drawn by
:mod:`dronepatrol.cli.telemetry_view`.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterable
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from dronepatrol.cli.options import DroneNamesOpt, FleetOpt, JsonOpt
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

DronesNamesOpt = DroneNamesOpt
DurationOpt = Annotated[
    float | None, typer.Option("--duration", min=0.0, help="Stop after this many seconds (default: until Ctrl-C).")
]
TimeoutOpt = Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds to wait for each drone's heartbeat.")]

TlogsArg = Annotated[list[Path], typer.Argument(
    help="Recordings (.tlog), one drone each, or a session directory (all its .tlog files).", show_default=False)]


def _expand(paths: list[Path]) -> list[Path]:
    """Session directories replaced by their ``.tlog`` files (InputError for one without any)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(p.glob("*.tlog"))
            if not found:
                from dronepatrol.errors import InputError

                raise InputError(f"{p}: no .tlog recording in this directory; give a session directory "
                                 "(flights/<UTC time>/) or .tlog files")
            out += found
        else:
            out.append(p)
    return out


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


def _names(drones: str | None) -> list[str] | None:
    if drones is None:
        return None
    names = [n.strip() for n in drones.split(",") if n.strip()]
    if not names:
        from dronepatrol.errors import UsageError

        raise UsageError("--drones: give drone names separated by commas, e.g. --drones drone1,drone3")
    return names


class _StopOnSignals:
    """SIGTERM and SIGHUP (terminal closed) stop a command as Ctrl-C does, so its recording is
    closed cleanly; the previous handlers come back afterwards."""

    def __enter__(self) -> _StopOnSignals:
        import signal

        def stop(_signum: int, _frame: object) -> None:
            raise KeyboardInterrupt

        self._old = {}
        for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if sig is not None and threading.current_thread() is threading.main_thread():
                self._old[sig] = signal.signal(sig, stop)
        return self

    def __exit__(self, *exc: object) -> None:
        import signal

        for sig, old in self._old.items():
            signal.signal(sig, old)


class _Recording:
    """A recording by the link owner for the life of a command: started (or joined) on enter,
    closed on exit unless it was already running before; the owner is stopped if we started it."""

    def __init__(self, fleet: object, record_dir: Path) -> None:
        self.fleet, self.record_dir = fleet, record_dir
        self.info = None
        self.session: Path | None = None
        self._own_owner = self._own_session = False

    def __enter__(self) -> _Recording:
        from dronepatrol.mavlink.owner import ensure_owner, find_owner

        before = find_owner(self.fleet)
        try:
            self.info = ensure_owner(self.fleet, record_dir=self.record_dir)
        except KeyboardInterrupt:  # stopped while the owner was starting: do not leave it behind
            started = find_owner(self.fleet) if before is None else None
            if started is not None:
                from dronepatrol.mavlink.owner import stop_owner

                stop_owner(started)
            raise
        self._own_owner = before is None
        self._own_session = before is None or before.recording is None
        self.session = Path(self.info.recording) if self.info.recording else None
        return self

    def __exit__(self, *exc: object) -> None:
        from dronepatrol.mavlink.owner import stop_owner, stop_recording

        if self.info is None:
            return
        if self._own_owner:
            stop_owner(self.info)  # closes the recording cleanly
        elif self._own_session:
            stop_recording(self.info)


#: ``record`` says which drones are silent this long after it starts (seconds).
SILENT_CHECK_S = 10.0


def _silent_drones(info: object) -> list[str]:
    """Drones the link owner has heard nothing from (its status)."""
    from dronepatrol.errors import LinkError
    from dronepatrol.mavlink.owner import control

    try:
        health = control(info, {"cmd": "status"}).get("health", {})
    except LinkError:
        return []
    return [name for name, h in health.items() if not h.get("received")]


def _session_summary(session: Path | None) -> dict:
    if session is None:
        return {}
    files = sorted(session.glob("*.tlog"))
    return {"session": str(session), "files": [str(f) for f in files],
            "bytes": {f.stem: f.stat().st_size for f in files if f.exists()}}


@app.command()
def watch(
    record: Annotated[Path | None, typer.Option("--record", metavar="DIR",
                                                help="Also record every drone to DIR/<UTC>/<drone>.tlog.")] = None,
    fleet_path: FleetOpt = None,
    drones: DronesNamesOpt = None,
    duration: DurationOpt = None,
    until_landed: Annotated[bool, typer.Option(
        "--until-landed", help="Stop once every drone has flown and landed (disarmed).")] = False,
    timeout: TimeoutOpt = 10.0,
    json_out: JsonOpt = False,
) -> None:
    """Live table of the drones (4 Hz): link, mode, battery, GPS, mission, photos, fence, endurance.

    Alerts (link lost, battery low, fence breach, pre-arm failures, failsafes) stand out below the table.

    Without a terminal (or with --json): one JSON line per update. Ctrl-C stops (exit 0) after closing the recording.
    """
    import contextlib

    from dronepatrol.config import load_fleet
    from dronepatrol.mavlink.fleetlink import select_drones
    from dronepatrol.mavlink.tracks import open_watch_links, watch_views
    from dronepatrol.telemetry.landing import until_landed as landed

    fleet = load_fleet(fleet_path)
    names = _names(drones)
    chosen = select_drones(fleet, names)
    end = None if duration is None else time.monotonic() + duration
    recording: _Recording | None = None
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(_StopOnSignals())
            if record is not None:
                recording = stack.enter_context(_Recording(fleet, record))
                say(f"recording to {escape(str(recording.session))}")
            links, problems = stack.enter_context(open_watch_links(fleet, names, timeout_s=timeout))
            for p in problems:
                warn(p + " - watching the others; it shows as soon as it answers")
            title = "dronepatrol watch" + (f"  rec {recording.session.name}" if recording and recording.session
                                           else "")
            live = watch_views(links, chosen, frame_s=FRAME_S,
                               stop=None if end is None else (lambda: time.monotonic() >= end))
            watched = [d.name for d in chosen if d.name in links]
            views = landed(live, watched) if until_landed else live
            if until_landed:
                say(f"the watch ends once {', '.join(watched)} {'has' if len(watched) == 1 else 'have each'} flown "
                    "(armed) and landed (disarmed); drones still on the ground are waited for")
            try:
                show_views(views, json_out=json_out, title=title)
            except KeyboardInterrupt:
                pass
            finally:
                live.close()
    except KeyboardInterrupt:
        pass
    if recording is not None and recording.session is not None:
        say(f"recording closed: {escape(str(recording.session))}")


@app.command("record")
def record_cmd(
    out_dir: Annotated[Path, typer.Argument(metavar="DIR", help="Where sessions go: DIR/<UTC>/<drone>.tlog.")],
    duration: DurationOpt = None,
    fleet_path: FleetOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record every drone's link, both directions, until Ctrl-C or --duration.

    The link owner records, so what any other command sends meanwhile is in the recording too.

    Files: DIR/<UTC>/<drone>.tlog (standard tlogs for Mission Planner, MAVExplorer) and session.json.

    Recording goes on across link loss; Ctrl-C closes it (exit 0).
    """
    from dronepatrol.config import load_fleet

    fleet = load_fleet(fleet_path)
    started = time.monotonic()
    with _StopOnSignals(), _Recording(fleet, out_dir) as rec:
        say(f"recording to {escape(str(rec.session))}" + ("" if duration else "; Ctrl-C stops"))
        end = None if duration is None else time.monotonic() + duration
        checked = False
        try:
            while end is None or time.monotonic() < end:
                time.sleep(min(1.0, max(0.0, end - time.monotonic())) if end is not None else 1.0)
                if not checked and time.monotonic() - started >= SILENT_CHECK_S:
                    checked = True
                    for name in _silent_drones(rec.info):
                        warn(f"{name}: nothing received yet; recording goes on (check power, radio, port)")
        except KeyboardInterrupt:
            pass
    summary = _session_summary(rec.session)
    if json_out:
        emit_json(summary)
    say(f"recording closed: {escape(str(rec.session))} ("
        + ", ".join(f"{k} {v / 1024:.0f} KiB" for k, v in summary.get("bytes", {}).items()) + ")")


@app.command()
def replay(
    tlogs: TlogsArg,
    speed: Annotated[float, typer.Option("--speed", min=0.0, help="Replay speed (1 = real time, 0 = as fast as "
                                         "possible).")] = 1.0,
    json_out: JsonOpt = False,
) -> None:
    """The live view fed from recordings, for debriefs.

    Times and link ages come from the recording. Without a terminal (or with --json): one JSON line per update.
    """
    from dronepatrol.mavlink.tracks import replay_views

    views = replay_views(_expand(tlogs), step_s=FRAME_S)
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

    One track per drone plus its camera triggers (CAMERA_FEEDBACK).

    Times are UTC from the vehicle's clock where the log allows (the file says which).

    Damaged recordings are read up to the damage, with a warning naming the byte offset.
    """
    from dronepatrol.fsutil import atomic_write_text
    from dronepatrol.mavlink.tracks import read_tracks

    target = TRACK_FORMATS[fmt.value if isinstance(fmt, Enum) else str(fmt)]
    tlogs = _expand(tlogs)
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
