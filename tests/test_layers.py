"""Architecture: the core never imports the CLI, MAVLink or map libraries."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import dronepatrol

EDGE_PACKAGES = (
    "dronepatrol.cli",
    "dronepatrol.mavlink",
    "dronepatrol.sim",
    "dronepatrol.report",
    "dronepatrol.photos",
)
FORBIDDEN_IN_CORE = ("typer", "rich", "pymavlink", "folium")


def _core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(dronepatrol.__path__, "dronepatrol."):
        if info.name.startswith(EDGE_PACKAGES) or info.name == "dronepatrol.__main__":
            continue
        names.append(info.name)
    return names


def test_core_does_not_import_edges() -> None:
    modules = _core_modules()
    assert "dronepatrol.zones" in modules and "dronepatrol.planning.paths" in modules
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print(','.join(sorted(n for n in {FORBIDDEN_IN_CORE!r} if n in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core imports {out.stdout.strip()}"


def test_python_m_entry_point() -> None:
    out = subprocess.run([sys.executable, "-m", "dronepatrol", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("dronepatrol ")
