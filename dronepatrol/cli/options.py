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
    float,
    typer.Option("--margin", min=0.0, help="Metres kept from the zone edge and no-fly areas."),
]
