"""``dronepatrol plan``: survey and patrol planning over a safety zone."""

from __future__ import annotations

import typer

from dronepatrol.cli.plan_patrol import patrol
from dronepatrol.cli.plan_survey import survey

app = typer.Typer(help="Plan survey or patrol missions over a safety zone, split over the fleet.", no_args_is_help=True)
app.command("survey")(survey)
app.command("patrol")(patrol)
