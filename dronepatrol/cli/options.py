"""Options shared by several commands, declared once as ``Annotated`` aliases."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

JsonOpt = Annotated[
    bool, typer.Option("--json", help="Machine-readable JSON on stdout (human output stays on stderr).")
]
FleetOpt = Annotated[
    Path | None,
    typer.Option("--fleet", help="Fleet file (TOML). Default: 3 drones on tcp:127.0.0.1:5760/5770/5780."),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="Configuration file (TOML) overriding rules and the airport table."),
]
AuthorizationOpt = Annotated[
    str | None,
    typer.Option(
        "--authorization",
        help="Recorded authorisation ID that lifts airport no-fly rings (CAAT permission).",
    ),
]
MarginOpt = Annotated[
    float | None,
    typer.Option("--margin", min=0.0, help="Metres kept from the zone edge and no-fly areas (default 10)."),
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", "-o", help="Output directory. Default: missions/<name>.")
]
DronesOpt = Annotated[
    int | None, typer.Option("--drones", min=1, help="Number of drones, in launch-site order (default: the fleet's).")
]
SpeedOpt = Annotated[
    float | None, typer.Option("--speed", min=0.5, max=20.0, help="Cruise speed, m/s (default: the fleet's).")
]
NameOpt = Annotated[
    str | None, typer.Option("--name", help="Plan name; names the output directory (default <zone>-<kind>).")
]


def complete_drone_names(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion of ``--drones A,B``: the names in the command's fleet file (``--fleet``,
    else the built-in fleet), completing the last comma-separated name."""
    from dronepatrol.config import load_fleet
    from dronepatrol.errors import DronePatrolError

    try:
        fleet = load_fleet(ctx.params.get("fleet_path"))
    except (DronePatrolError, OSError):
        return []
    done, _, last = incomplete.rpartition(",")
    chosen = set(done.split(",")) if done else set()
    prefix = f"{done}," if done else ""
    return [prefix + d.name for d in fleet.drones if d.name.startswith(last) and d.name not in chosen]


DroneNamesOpt = Annotated[
    str | None,
    typer.Option("--drones", metavar="A,B", autocompletion=complete_drone_names,
                 help="Only these drones (names from the fleet file, comma-separated)."),
]
