"""``dronepatrol demo``: the whole job on a simulated fleet, with the real commands.

Every step runs the same command an officer types (``plan survey``, ``fleet upload``, ``fleet
start``, ``telemetry watch --until-landed``, ``photos geotag``, ``report``), in this process,
against three simulated ArduCopters (or three real ArduPilot SITL instances with ``--sitl``). A
link owner in this process holds the links and records them, as ``fleet serve --record`` does.
Everything started is stopped on the way out, Ctrl-C included.
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from dronepatrol.cli.options import JsonOpt
from dronepatrol.cli.output import Verbosity, console, emit_json
from dronepatrol.errors import DronePatrolError, InputError, UsageError

DEFAULT_ZONE = Path("geofences/roiet.geojson")


def _example_zone(zone: Path) -> Path:
    """``zone``; the default, when it is not in the current folder, from the dronepatrol checkout
    this package runs from (``pip install -e .``), so that the demo runs from any folder."""
    if zone != DEFAULT_ZONE or zone.is_file():
        return zone
    checkout = Path(__file__).resolve().parents[2] / DEFAULT_ZONE
    return checkout if checkout.is_file() else zone

#: Set by Ctrl-C during the demo: a step that takes Ctrl-C as its normal end (``telemetry watch``)
#: still stops the demo after it.
_INTERRUPTED = threading.Event()


class DemoMission(StrEnum):
    survey = "survey"
    patrol = "patrol"
    both = "both"


@dataclass(frozen=True, kw_only=True)
class DemoOptions:
    """What the demo flies: the command's options (speed-up x, packet loss 0-1, clock error s)."""

    out: Path
    speedup: float
    zone: Path
    mission: DemoMission
    sorties: int
    loss: float
    clock_offset_s: float
    sitl: Path | None
    sitl_instance: int | None
    lang: str


@dataclass
class DemoRun:
    """What the demo made, for the closing summary (paths and figures)."""

    out: Path
    steps: list[dict[str, Any]] = field(default_factory=list)
    missions: list[Path] = field(default_factory=list)
    flights: Path | None = None
    photos: Path | None = None
    report: Path | None = None
    figures: dict[str, Any] = field(default_factory=dict)
    layers: dict[str, int] = field(default_factory=dict)
    landed: int = 0  # sorties flown and landed

    def to_json(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "missions": [str(m) for m in self.missions],
            "flights": str(self.flights) if self.flights else None,
            "photos": str(self.photos) if self.photos else None,
            "report": str(self.report) if self.report else None,
            "steps": self.steps,
            "figures": self.figures,
            "report_layers": self.layers,
        }


def _say(text: str) -> None:
    if Verbosity.level >= 0:
        console.print(text, soft_wrap=True)


def _step(run: DemoRun, title: str, args: list[Any], *, json_result: bool = False,
          lines_to: Path | None = None) -> Any:
    """Run ``dronepatrol ARGS`` in this process, as typed; a failure stops the demo with its code.

    With ``json_result`` the command also gets ``--json`` and its JSON document is returned. A
    step's own machine output never reaches stdout, which holds only the demo's ``--json``; with
    ``lines_to`` it is appended to that file instead of the terminal."""
    import io
    import sys

    from dronepatrol.cli.main import app

    argv = [str(a) for a in args]
    _say(f"\n[bold cyan]── {len(run.steps) + 1}. {escape(title)}[/]  [dim]dronepatrol {escape(' '.join(argv))}[/]")
    t0 = time.monotonic()
    command = typer.main.get_command(app)
    out = io.StringIO()
    with contextlib.ExitStack() as files:
        sink = out if json_result else sys.stderr
        if lines_to is not None:
            sink = files.enter_context(lines_to.open("a", encoding="utf-8"))
            _say(f"[dim]no terminal for the live table: its JSON lines go to {escape(str(lines_to))}[/]")
        files.enter_context(contextlib.redirect_stdout(sink))
        try:
            code = command.main(args=argv + (["--json"] if json_result else []), prog_name="dronepatrol",
                                standalone_mode=False)
        except typer.Exit as exc:
            code = exc.exit_code
    run.steps.append({"step": title, "argv": ["dronepatrol", *argv], "seconds": round(time.monotonic() - t0, 2)})
    if _INTERRUPTED.is_set():
        raise KeyboardInterrupt
    if isinstance(code, int) and code != 0:
        raise typer.Exit(code)
    return json.loads(out.getvalue()) if json_result else None


def _homes(zone_path: Path, n: int) -> list[tuple[float, float]]:
    """(lat, lon) of the zone's first ``n`` launch sites (drone order); the zone's centre otherwise."""
    from dronepatrol.config import load_rules
    from dronepatrol.zones import load_zone

    zone = load_zone(zone_path, load_rules(None))
    sites = [(s.lat, s.lon) for s in zone.launches[:n]]
    if len(sites) < n:
        c = zone.area_m.representative_point()
        lon, lat = zone.frame.lonlat(c.x, c.y)
        sites += [(lat, lon + 0.00015 * i) for i in range(n - len(sites))]
    return sites


def _sortie_rounds(mission_dir: Path, wanted: int) -> list[tuple[int, list[str]]]:
    """The first ``wanted`` sortie rounds of a plan: (sortie, drones that fly it), from summary.json."""
    summary = json.loads((mission_dir / "summary.json").read_text(encoding="utf-8"))
    rounds: dict[int, list[str]] = {}
    for d in summary.get("drones", []):
        rounds.setdefault(int(d.get("sortie", 1)), []).append(str(d["drone"]))
    return [(k, sorted(set(rounds[k]))) for k in sorted(rounds)[:wanted]]


def _write_fleet(path: Path, connections: list[str]) -> Path:
    lines = []
    for i, conn in enumerate(connections, start=1):
        lines += ["[[drones]]", f'name = "drone{i}"', f'connection = "{conn}"', f"system_id = {i}", ""]
    path.write_text("\n".join(lines))
    return path


def _free_sitl_instance(n: int) -> int:
    """The first SITL instance number from which ``n`` instances find their ports free."""
    import socket

    from dronepatrol.sitl import sitl_ports

    def free(port: int) -> bool:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return False
            return True

    for first in range(0, 60):
        if all(free(p) for k in range(first, first + n) for p in sitl_ports(k)):
            return first
    raise UsageError("no free SITL ports (5760 + 10 k) on this machine — stop other simulators, or give "
                     "--sitl-instance")


def _start_fleet(stack: contextlib.ExitStack, run: DemoRun, opts: DemoOptions, *, camera_dir: Path) -> list[str]:
    """Start the three drones (simulated, or SITL); returns their connection strings."""
    homes = _homes(opts.zone, 3)
    sitl, speedup, sitl_instance = opts.sitl, opts.speedup, opts.sitl_instance
    if sitl is not None:
        from dronepatrol.sitl import SitlHome, start_sitl

        first = _free_sitl_instance(3) if sitl_instance is None else sitl_instance
        _say(f"starting three ArduPilot SITL instances ({escape(str(sitl))}, -I{first}..{first + 2}, "
             f"speed-up {speedup:g})")
        procs = stack.enter_context(
            start_sitl(sitl, [SitlHome(lat=lat, lon=lon, alt_amsl_m=140.0) for lat, lon in homes],
                       run.out / "sitl", first_instance=first, speedup=speedup)
        )
        return procs.connections
    from dronepatrol.sim.fleet import Home, SimFleet

    fleet = SimFleet(drones=3, speedup=speedup, homes=[Home(lat_deg=lat, lon_deg=lon) for lat, lon in homes],
                     base_port=0, loss=opts.loss, photos_dir=camera_dir, camera=True,
                     camera_clock_offset_s=opts.clock_offset_s, camera_miss_probability=0.01, seed=7).start()
    stack.callback(fleet.close)
    _say(f"simulated fleet: 3 ArduCopters at the zone's launch sites, speed-up {speedup:g}, "
         f"{opts.loss:.0%} packet loss, camera clock {opts.clock_offset_s:+g} s off")
    return [f"tcp:127.0.0.1:{p}" for p in fleet.ports]


def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where the run goes: OUT/<UTC time>/.")] = Path("demo"),
    speedup: Annotated[float, typer.Option("--speedup", min=1.0, max=24.0,
                                           help="Simulated time runs this many times faster.")] = 20.0,
    zone: Annotated[Path, typer.Option("--zone", help="Safety zone to survey.")] = DEFAULT_ZONE,
    mission: Annotated[DemoMission, typer.Option("--mission", help="What to fly (both are planned).")] = (
        DemoMission.survey),
    sorties: Annotated[int, typer.Option("--sorties", min=1, help="Sorties to fly per drone (battery swaps).")] = 1,
    loss: Annotated[float, typer.Option("--loss", min=0.0, max=0.5, help="Packet loss on every link, 0-0.5.")] = 0.02,
    clock_offset: Annotated[float, typer.Option("--camera-clock-offset", metavar="S",
                                                help="How far the cameras' clocks are off, seconds.")] = 37.0,
    sitl: Annotated[Path | None, typer.Option("--sitl", metavar="PATH",
                                              help="Fly three real ArduPilot SITL instances of this arducopter "
                                                   "binary instead of the simulator.")] = None,
    sitl_instance: Annotated[int | None, typer.Option(
        "--sitl-instance", min=0, max=60, metavar="K",
        help="First SITL instance number (ports 5760 + 10 K); default: the first free.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Report language: th or en.")] = "en",
    json_out: JsonOpt = False,
) -> None:
    """The whole workflow on a simulated fleet: plan, check, upload and verify, fly, watch and
    record, geotag the photos, and build the commander's report.

    Uses the same commands an officer runs; prints where everything is. Ctrl-C stops the drones'
    simulation and every helper process, after saving what was recorded.
    """
    zone = _example_zone(zone)
    if not zone.is_file():
        raise InputError(f"{zone}: no such zone file — run the demo from the dronepatrol folder or give --zone FILE")
    if sitl is not None and not sitl.is_file():
        raise UsageError(f"--sitl {sitl}: no such file — give the path of an ArduPilot 'arducopter' SITL build")
    opts = DemoOptions(out=out, speedup=speedup, zone=zone, mission=mission, sorties=sorties, loss=loss,
                       clock_offset_s=clock_offset, sitl=sitl, sitl_instance=sitl_instance, lang=lang)
    with _noting_ctrl_c():
        _demo(opts, json_out)


@contextlib.contextmanager
def _noting_ctrl_c() -> Any:
    """Ctrl-C raises KeyboardInterrupt as usual and also sets :data:`_INTERRUPTED`."""
    _INTERRUPTED.clear()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def interrupted(signum: int, frame: Any) -> None:
        _INTERRUPTED.set()
        signal.default_int_handler(signum, frame)

    signal.signal(signal.SIGINT, interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _demo(opts: DemoOptions, json_out: bool) -> None:
    out, speedup, zone, mission, sorties = opts.out, opts.speedup, opts.zone, opts.mission, opts.sorties
    sitl, lang = opts.sitl, opts.lang
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run = DemoRun(out=(out / stamp).resolve())
    run.out.mkdir(parents=True, exist_ok=False)
    fleet_file = run.out / "fleet.toml"
    camera_dir = run.out / "camera"
    t0 = time.monotonic()
    flights = run.out / "flights"
    kinds = ["survey", "patrol"]
    fly = ["survey", "patrol"] if mission is DemoMission.both else [mission.value]
    with contextlib.ExitStack() as stack:
        connections = _start_fleet(stack, run, opts, camera_dir=camera_dir)
        _write_fleet(fleet_file, connections)
        for kind in kinds:
            target = run.out / "missions" / kind
            _step(run, f"plan {kind}", ["plan", kind, zone, "-o", target, "--fleet", fleet_file])
            run.missions.append(target)
        from dronepatrol.config import load_fleet
        from dronepatrol.mavlink.owner import ensure_owner, stop_owner

        owner = ensure_owner(load_fleet(fleet_file), record_dir=flights, background=False, base_port=0)
        stack.callback(stop_owner, owner)
        run.flights = Path(owner.recording) if owner.recording else flights
        _say(f"link owner holds the three links and records to {escape(str(run.flights))}")
        # The ground station's 1 Hz heartbeat comes `speedup` times slower in simulated time: the GCS
        # failsafe's timeout (5 s by default) is stretched the same way, within ArduCopter's 120 s.
        gcs_timeout = min(120.0, 5.0 * speedup)
        _step(run, "set the drones up (failsafe, ground stations, camera)",
              ["fleet", "setup", "--fleet", fleet_file, "--gcs-timeout", f"{gcs_timeout:g}", "--camera-type", "1",
               "--yes"])
        for kind in fly:
            target = run.out / "missions" / kind
            for sortie, drones in _sortie_rounds(target, sorties):
                chosen = ["--drones", ",".join(drones)]
                if run.landed:  # a fresh battery: on the bench a power cycle, here a reboot
                    _step(run, "swap the batteries (reboot)",
                          ["fleet", "reboot", "--fleet", fleet_file, *chosen, "--yes"])
                _step(run, f"upload {kind} sortie {sortie}",
                      ["fleet", "upload", target, "--sortie", sortie, "--fleet", fleet_file, *chosen, "--yes"])
                _step(run, f"start {kind} sortie {sortie}",
                      ["fleet", "start", "--fleet", fleet_file, *chosen, "--yes"])
                _step(run, "watch until every drone has landed",
                      ["telemetry", "watch", "--fleet", fleet_file, *chosen, "--until-landed"],
                      lines_to=None if console.is_terminal else run.out / "watch.jsonl")
                run.landed += 1
        stack.close()  # the recording is closed before the logs are read
    tlogs = sorted(run.flights.glob("*.tlog")) if run.flights else []
    photos_args: list[Any] = []
    if sitl is None:
        run.photos = run.out / "photos"
        logs = [a for t in tlogs for a in ("--log", t)]
        _step(run, "geotag the photos",
              ["photos", "geotag", camera_dir, "-o", run.photos, "--fleet", fleet_file, *logs])
        photos_args = ["--photos", run.photos]
    else:  # SITL simulates the camera's triggers (CAMERA_FEEDBACK), not its pictures
        _say("\nSITL takes no pictures: the report shows the drones' camera triggers instead of photos")
    run.report = run.out / "report.html"
    flown = [run.out / "missions" / kind for kind in fly]
    report = _step(run, "build the report",
                   ["report", "-o", run.report, "--zone", zone, *[a for m in flown for a in ("--missions", m)],
                    "--logs", run.flights, *photos_args, "--lang", lang, "--no-basemap"], json_result=True)
    run.figures.update(report.get("figures", {}))
    run.layers = dict(report.get("layers", {}))
    run.figures["seconds"] = round(time.monotonic() - t0, 1)
    _closing(run, json_out)


def _closing(run: DemoRun, json_out: bool) -> None:
    if json_out:
        emit_json(run.to_json())
    _say(f"\n[bold green]demo done in {run.figures.get('seconds', 0):.0f} s[/]")
    photos = str(run.photos) if run.photos else "none (SITL takes no pictures)"
    rows = [("missions", ", ".join(str(m) for m in run.missions)), ("recordings", str(run.flights)),
            ("tagged photos", photos), ("report", f"{run.report}  (open it in a browser)")]
    for label, value in rows:
        _say(f"  {label:14} {escape(value)}")
    f = run.figures
    if "flights" in f:
        _say(f"  {f['flights']} flights, {f.get('distance_km', 0):g} km, {f.get('flight_time_h', 0):g} h in the air; "
             f"{f.get('photos_tagged', 0)} of {f.get('photos', 0)} photos placed; zone photographed "
             f"{f.get('coverage_pct', 0):g} %; {f.get('alerts', 0)} alerts")


__all__ = ["DronePatrolError", "demo"]
