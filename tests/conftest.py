"""Shared test helpers: paths to the example zones, and running the CLI in-process."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from dronepatrol.cli.main import run

ROOT = Path(__file__).resolve().parent.parent
GEOFENCES = ROOT / "geofences"
ROIET = GEOFENCES / "roiet.geojson"
PHITSANULOK = GEOFENCES / "phitsanulok-zone4.geojson"


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> dict:
        return json.loads(self.stdout)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run ``dronepatrol ARGS...`` in-process; returns exit code, stdout and stderr."""

    def invoke(*args: str, stdin: str | None = None) -> CliResult:
        if stdin is not None:
            import io

            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        capsys.readouterr()
        try:
            run([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return invoke


@pytest.fixture
def roiet_doc() -> dict:
    """The Roi Et example zone as a GeoJSON dict (a fresh copy to mutate)."""
    return json.loads(ROIET.read_text())
