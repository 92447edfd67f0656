"""``dronepatrol sim``: run the simulated ArduCopter fleet in the foreground."""

from __future__ import annotations

import math
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from dronepatrol.errors import UsageError
from dronepatrol.sim.sites import ROIET_GROUND_ALT_M

if TYPE_CHECKING:  # pragma: no cover
    from dronepatrol.sim.fleet import Home

#: dronepatrol.sim.fleet.BASE_PORT, without importing pymavlink when the CLI starts.
BASE_PORT = 5760


def _parse_floats(text: str, option: str, names: str, min_n: int, max_n: int) -> list[float]:
    parts = [p.strip() for p in text.split(",")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if not (min_n <= len(values) <= max_n) or not all(math.isfinite(v) for v in values):
        raise UsageError(f"{option} {text!r}: expected {names}")
    return values


def parse_home(text: str) -> Home:
    """``LAT,LON[,ALT]`` (degrees, metres AMSL) -> Home; UsageError if malformed."""
    values = _parse_floats(text, "--home", "LAT,LON or LAT,LON,ALT (e.g. 16.0563,103.6488,140)", 2, 3)
    lat, lon = values[0], values[1]
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise UsageError(f"--home {text!r}: latitude must be -90..90 and longitude -180..180 (LAT comes first)")
    alt = values[2] if len(values) == 3 else ROIET_GROUND_ALT_M
    from dronepatrol.sim.fleet import Home

    return Home(lat_deg=lat, lon_deg=lon, alt_m=alt)


def parse_wind(text: str) -> tuple[float, float]:
    """``SPEED,FROM_DEG`` -> (m/s, degrees); UsageError if malformed."""
    speed, direction = _parse_floats(text, "--wind", "SPEED_M_S,FROM_DEG (e.g. 5,270)", 2, 2)
    if not 0 <= speed <= 30:
        raise UsageError(f"--wind {text!r}: speed must be 0-30 m/s")
    return speed, direction % 360.0


def sim(
    drones: Annotated[int, typer.Option("--drones", help="Number of simulated drones.")] = 3,
    speedup: Annotated[
        float, typer.Option("--speedup", help="Run simulated time X times faster than real time (0.1-100).")
    ] = 1.0,
    home: Annotated[
        str | None,
        typer.Option(
            "--home",
            metavar="LAT,LON[,ALT]",
            help="Put all drones here (degrees; ALT = ground metres above sea level, default 140), "
            "15 m apart towards the east. Default: the Roi Et launch sites.",
        ),
    ] = None,
    loss: Annotated[float, typer.Option("--loss", help="Probability (0-1) of losing each packet, both ways.")] = 0.0,
    latency: Annotated[
        float, typer.Option("--latency", metavar="MS", help="One-way link latency, milliseconds.")
    ] = 0.0,
    photos: Annotated[
        Path | None, typer.Option("--photos", metavar="DIR", help="Write camera JPEGs into DIR/<drone>/.")
    ] = None,
    camera_clock_offset: Annotated[
        float,
        typer.Option(
            "--camera-clock-offset", metavar="S", help="Camera clock error, seconds (added to Thai local time)."
        ),
    ] = 0.0,
    signing_key: Annotated[
        Path | None,
        typer.Option("--signing-key", metavar="FILE", help="32-byte MAVLink 2 signing key: sign, reject unsigned."),
    ] = None,
    camera: Annotated[
        bool,
        typer.Option(
            "--camera",
            help="Start with a camera configured (CAM1_TYPE 1), for rehearsals. Default: CAM1_TYPE 0, as "
            "ArduCopter: no CAMERA_FEEDBACK until a camera type is set and the drone rebooted. --photos implies it.",
        ),
    ] = False,
    no_camera: Annotated[
        bool, typer.Option("--no-camera", help="No camera configured (CAM1_TYPE 0), even with --photos.")
    ] = False,
    base_port: Annotated[
        int, typer.Option("--base-port", help="TCP port of drone1; drone N listens on BASE + 10 x (N-1).")
    ] = BASE_PORT,
    prearm_delay: Annotated[
        float,
        typer.Option("--prearm-delay", metavar="S", help="Vehicle seconds until the position estimate is ready."),
    ] = 40.0,
    wind: Annotated[
        str | None,
        typer.Option(
            "--wind", metavar="SPEED,FROM", help="Wind speed in m/s and the direction it blows from, degrees."
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed for packet loss and missed shots.")] = 0,
) -> None:
    """Simulated ArduCopter fleet on local TCP ports (as ArduPilot SITL -I0..2); Ctrl-C stops it."""
    from dronepatrol.sim.fleet import SimFleet
    from dronepatrol.sim.link import load_signing_key

    home_pos = parse_home(home) if home is not None else None
    wind_speed, wind_from = parse_wind(wind) if wind is not None else (0.0, 0.0)
    key = load_signing_key(signing_key) if signing_key is not None else None
    if photos is not None:
        if photos.exists() and not photos.is_dir():
            raise UsageError(f"--photos {photos}: exists and is not a directory")
        photos.mkdir(parents=True, exist_ok=True)
    err = Console(stderr=True)
    try:
        fleet = SimFleet(
            drones=drones,
            speedup=speedup,
            home=home_pos,
            base_port=base_port,
            loss=loss,
            latency_ms=latency,
            photos_dir=photos,
            camera_clock_offset_s=camera_clock_offset,
            signing_key=key,
            camera=not no_camera and (camera or photos is not None),
            prearm_delay_s=prearm_delay,
            wind_speed_m_s=wind_speed,
            wind_from_deg=wind_from,
            seed=seed,
        )
    except KeyboardInterrupt:
        err.print("simulator stopped")
        raise typer.Exit(code=130) from None

    def on_term(_signum: int, _frame: Any) -> None:
        fleet.stop()

    old = signal.signal(signal.SIGTERM, on_term)
    try:
        table = Table(title=f"dronepatrol sim: {drones} ArduCopter(s), {speedup:g}x", title_justify="left")
        for column in ("drone", "sysid", "connection", "home lat", "home lon", "ground m"):
            table.add_column(column)
        for v, conn in zip(fleet.vehicles, fleet.connection_strings, strict=True):
            c = v.config
            table.add_row(c.name, str(c.sysid), conn, f"{c.lat_deg:.6f}", f"{c.lon_deg:.6f}", f"{c.ground_alt_m:.0f}")
        err.print(table)
        err.print("second ports, for an observer (as SITL's SERIAL1): " + ", ".join(map(str, fleet.ports2)))
        extras = []
        if loss or latency:
            extras.append(f"loss {loss:g}, latency {latency:g} ms")
        if key is not None:
            extras.append("signing on")
        if photos is not None:
            extras.append(f"photos in {photos}")
        if fleet.vehicles[0].camera.configured:
            extras.append("camera configured (CAM1_TYPE 1)")
        else:
            extras.append("no camera (CAM1_TYPE 0, as ArduCopter; --camera to configure one)")
        if extras:
            err.print("; ".join(extras))
        err.print(f"position estimate ready after {prearm_delay:g} s of vehicle time. Press Ctrl-C to stop.")
        fleet.serve_forever()
    except KeyboardInterrupt:
        err.print("simulator stopped")
        raise typer.Exit(code=130) from None
    finally:
        signal.signal(signal.SIGTERM, old)
        fleet.close()
    err.print("simulator stopped")
