"""``dronepatrol zone show FILE -o MAP.html``: a quick, self-contained map of a zone file.

Registered by ``cli/zone.py`` as ``app.command("show")(show)``. The map page works offline
(Leaflet is inlined); folium is imported only when the command runs, so other commands do not
pay for it at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from dronepatrol.cli.options import ConfigOpt, JsonOpt
from dronepatrol.cli.output import Verbosity, console, emit_json
from dronepatrol.config import load_rules
from dronepatrol.fsutil import atomic_write_bytes

__all__ = ["show"]


def show(
    file: Annotated[Path, typer.Argument(help="Zone GeoJSON file.", show_default=False)],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Map page to write (HTML; opens in any browser, no internet needed)."),
    ],
    json_out: JsonOpt = False,
    basemap: Annotated[
        bool,
        typer.Option(
            "--basemap/--no-basemap",
            help="Add an OpenStreetMap background (shown only when online; the zone layers never need it).",
        ),
    ] = True,
    config: ConfigOpt = None,
) -> None:
    """Draw a zone file as a map page: zone, no-fly areas, communities, hotspots, CCTV, launch sites.

    Exit 3 if the zone file is invalid (run 'dronepatrol zone check FILE' for every problem).
    """
    from dronepatrol.report.zone_map import zone_map  # folium and shapely are slow to import: only here
    from dronepatrol.zones import load_zone

    zone = load_zone(file, load_rules(config))
    page = zone_map(zone, basemap=basemap)
    data = page.encode("utf-8")
    path = atomic_write_bytes(out, data, protect=(file,))
    if Verbosity.level >= 0:  # soft_wrap: a long path stays on one line, ready to copy
        console.print(
            f"wrote map of {escape(zone.name)} to {escape(str(path))} ({len(data) / 1024:.0f} KiB): "
            "open it in a browser",
            soft_wrap=True,
        )
    if json_out:
        emit_json({"file": str(file), "out": str(path), "bytes": len(data)})
