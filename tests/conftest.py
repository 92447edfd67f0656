"""Shared test helpers: paths to the example zones, and running the CLI in-process."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from dronepatrol.cli.main import run

# CI runs the same property-test examples every time (Hypothesis's "ci" profile: derandomized,
# no example database): a red build means a change broke something. Development runs keep
# searching at random, and what they find is kept as an explicit test.
if os.environ.get("DRONEPATROL_CI"):
    settings.load_profile("ci")

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


@pytest.fixture
def sitl_fleet():
    """Factory: ``sitl_fleet(n=3, speedup=10)`` starts ``n`` real ArduCopter SITL instances
    (system ids 1..n) and stops them after the test; skips, saying why, without a SITL binary."""
    import contextlib

    from tests.sitl import start_sitl_fleet

    with contextlib.ExitStack() as stack:

        def make(n: int = 3, **kw):
            return stack.enter_context(start_sitl_fleet(n, **kw))

        yield make


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``sitl`` are skipped, saying why, where no SITL binary is found."""
    from tests.sitl import sitl_binary, skip_reason

    if sitl_binary() is not None:
        return
    skip = pytest.mark.skip(reason=skip_reason())
    for item in items:
        if "sitl" in item.keywords:
            item.add_marker(skip)
