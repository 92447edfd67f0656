"""A CLI that answers at once: the top-level help loads no command group's libraries, and the
lazy table of groups says what each group itself says."""

from __future__ import annotations

import subprocess
import sys

import typer

from dronepatrol.cli.main import COMMANDS, app

HEAVY = ("shapely", "scipy", "ortools", "pymavlink", "folium", "pyproj", "numpy", "PIL", "piexif")


def _heavy_loaded_after(snippet: str) -> str:
    """The heavy libraries a fresh interpreter has loaded after running ``snippet``."""
    code = snippet + f"\nimport sys\nprint(','.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_importing_the_cli_loads_no_heavy_library() -> None:
    assert _heavy_loaded_after("import typer\nfrom dronepatrol.cli.main import app\ntyper.main.get_command(app)") == ""


def test_no_group_loads_a_heavy_library_before_it_runs() -> None:
    """Each group's --help (and shell completion) imports only the CLI: libraries load in the command."""
    snippet = ("import typer\nfrom dronepatrol.cli.main import COMMANDS, app\nroot = typer.main.get_command(app)\n"
               "for name in COMMANDS:\n    root.load(name)")
    assert _heavy_loaded_after(snippet) == ""


def test_top_level_help_lists_every_group_without_importing_it() -> None:
    code = (
        "import sys\n"
        "from dronepatrol.cli.main import run\n"
        "try:\n    run(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print('LOADED=' + ','.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.rstrip().endswith("LOADED=")
    for name in COMMANDS:
        assert f" {name} " in out.stdout


def test_each_group_says_what_the_table_says() -> None:
    root = typer.main.get_command(app)
    for name, (_module, _attr, summary) in COMMANDS.items():
        command = root.load(name)
        assert command.name == name
        own = " ".join((command.help or "").split("\n\n")[0].split())
        assert own == summary, f"{name}: the lazy table says {summary!r}, the group says {own!r}"


def test_unknown_command_is_a_usage_error(cli) -> None:
    result = cli("nosuch")
    assert result.exit_code == 2
    assert "No such command 'nosuch'" in result.stderr


def _complete(words: str, tmp_path) -> list[str]:
    env = {**__import__("os").environ, "_DRONEPATROL_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}
    out = subprocess.run([sys.executable, "-m", "dronepatrol"], env=env, capture_output=True, text=True, cwd=tmp_path)
    return out.stdout.split()


def test_shell_completion_of_drone_names_and_formats(tmp_path) -> None:
    fleet = tmp_path / "unit.toml"
    fleet.write_text('[[drones]]\nname = "alpha"\nconnection = "tcp:127.0.0.1:5760"\nsystem_id = 1\n\n'
                     '[[drones]]\nname = "bravo"\nconnection = "tcp:127.0.0.1:5770"\nsystem_id = 2\n')
    assert _complete(f"dronepatrol fleet rtl --fleet {fleet} --drones al", tmp_path) == ["alpha"]
    assert _complete(f"dronepatrol telemetry watch --fleet {fleet} --drones alpha,", tmp_path) == ["alpha,bravo"]
    assert _complete("dronepatrol fleet status --drones drone", tmp_path) == ["drone1", "drone2", "drone3"]
    assert _complete("dronepatrol mission export x.plan --format ", tmp_path) == ["plan", "waypoints", "geojson", "kml"]
    assert "gpx" in _complete("dronepatrol telemetry export x.tlog --format ", tmp_path)
