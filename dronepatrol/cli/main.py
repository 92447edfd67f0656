"""The ``dronepatrol`` application: command groups, global options, and the one error handler
that turns exceptions into a message and the exit codes of product.md."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from dronepatrol import __version__
from dronepatrol.cli.lazy import LazyGroup
from dronepatrol.cli.output import configure_logging, console
from dronepatrol.errors import DronePatrolError

#: The command groups: name -> (module, attribute, one-line help). A group's module is imported
#: only when that group runs (or its --help is asked), so ``dronepatrol --help`` loads no
#: geometry, solver or MAVLink library.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "zone": ("dronepatrol.cli.zone", "app", "Check, repair and map safety-zone GeoJSON files."),
    "plan": ("dronepatrol.cli.plan", "app", "Plan survey or patrol missions over a safety zone, split over the fleet."),
    "mission": ("dronepatrol.cli.mission", "app", "Check planned missions and convert mission files."),
    "fleet": (
        "dronepatrol.cli.fleet",
        "app",
        "Talk to the drones: link sharing, signing keys, upload, status and flight commands.",
    ),
    "telemetry": (
        "dronepatrol.cli.telemetry",
        "app",
        "Live view of the drones, recording (.tlog), replay and export of flown tracks.",
    ),
    "photos": ("dronepatrol.cli.photos", "app", "Geotag photos from flight logs."),
    "report": (
        "dronepatrol.cli.report",
        "report",
        "Write the commander's report: map layers, summary panel, coverage, hotspot visits, charts.",
    ),
    "demo": (
        "dronepatrol.cli.demo",
        "demo",
        "The whole workflow on a simulated fleet: plan, check, upload and verify, fly, watch and record, "
        "geotag the photos, and build the commander's report.",
    ),
    "sim": (
        "dronepatrol.cli.sim",
        "sim",
        "Simulated ArduCopter fleet on local TCP ports (as ArduPilot SITL -I0..2); Ctrl-C stops it.",
    ),
}


class _Root(LazyGroup):
    lazy = COMMANDS


app = typer.Typer(
    name="dronepatrol",
    cls=_Root,
    help="Plan, check, fly and report police drone missions over a safety zone.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        print(f"dronepatrol {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More detail; -vv for debug; tracebacks.")
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors and results.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """dronepatrol: survey and patrol missions for a unit's three drones.

    Exit codes: 0 ok, 1 bug, 2 usage, 3 invalid input file, 4 link problem,
    5 refused for safety, 6 vehicle rejected, 130 interrupted.
    """


def _lift_verbosity(argv: list[str]) -> tuple[list[str], int]:
    """Accept -v/-vv/-q anywhere on the line, not only before the command."""
    level, rest = 0, []
    for i, arg in enumerate(argv):
        if arg == "--":
            rest.extend(argv[i:])
            break
        if arg in ("-v", "--verbose"):
            level += 1
        elif arg == "-vv":
            level += 2
        elif arg in ("-q", "--quiet"):
            level = -1
        else:
            rest.append(arg)
    return rest, level


def run(argv: list[str] | None = None) -> None:
    """Console entry point: run the app and exit with the documented code."""
    args, level = _lift_verbosity(list(sys.argv[1:] if argv is None else argv))
    configure_logging(level)
    command = typer.main.get_command(app)
    try:
        code = command.main(args=args, prog_name="dronepatrol", standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # usage errors: bad option, missing argument (exit 2)
        show = getattr(exc, "show", None)
        if show is not None:
            show(file=sys.stderr)
        else:
            console.print(f"[red]error:[/] {exc.format_message()}")
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        console.print("[yellow]interrupted[/]")
        sys.exit(130)
    except DronePatrolError as exc:
        if level >= 1:
            console.print_exception()
        console.print("[red]error:[/] " + escape(str(exc)), soft_wrap=True)
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:
        if level >= 1:
            console.print_exception()
        console.print(
            f"[red]unexpected failure:[/] {type(exc).__name__}: {exc}\n"
            "This is a bug in dronepatrol: please report it with the command you ran (-v shows details).",
            soft_wrap=True,
        )
        sys.exit(1)
    if code == 130:  # typer turns Ctrl-C into exit code 130
        console.print("[yellow]interrupted[/]")
    if isinstance(code, int):
        sys.exit(code)
