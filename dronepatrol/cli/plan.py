"""``dronepatrol plan``: survey and patrol planning over a safety zone."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(help="Plan survey or patrol missions over a safety zone, split over the fleet.", no_args_is_help=True)

for _name in ("survey", "patrol"):
    try:
        _module = importlib.import_module(f"dronepatrol.cli.plan_{_name}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"dronepatrol.cli.plan_{_name}":
            raise
        continue  # not built yet
    app.command(_name)(getattr(_module, _name))
