"""The live table of ``telemetry watch`` and ``telemetry replay``, drawn from a
:class:`~dronepatrol.telemetry.state.FleetView` (no I/O: the caller shows it).

One row (two lines) per drone fits an 80-column terminal; below it the alerts, which stand out
(white on red for alarms, yellow for warnings), then each drone's latest STATUSTEXT.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from dronepatrol.telemetry.state import LINK_LOST_S, DroneView, FleetView

_SEVERITY_STYLE = {0: "bold red", 1: "bold red", 2: "bold red", 3: "red", 4: "yellow", 5: "cyan", 6: "", 7: "dim"}


def _link(v: DroneView) -> Text:
    if v.link_age_s is None:
        return Text("wait", style="dim")
    age = v.link_age_s
    if age > LINK_LOST_S:
        return Text("LOST\n" + _age(age), style="bold white on red")
    return Text(_age(age), style="green" if age <= 1.5 else "yellow")


def _age(age: float) -> str:
    return f"{age:.1f}s" if age < 10 else (f"{age:.0f}s" if age < 100 else f"{age / 60:.0f}m")


def _num(x: float | None, fmt: str, unit: str = "") -> str:
    return "-" if x is None else f"{x:{fmt}}{unit}"


def _minutes(s: float | None) -> str:
    if s is None:
        return "-"
    m = s / 60
    return ">99m" if m > 99 else (f"{m:.1f}m" if m < 10 else f"{m:.0f}m")


def _battery(v: DroneView) -> Text:
    pct = v.battery_pct
    style = "" if pct is None else ("bold red" if pct < 15 else "yellow" if pct < 25 else "green")
    t = Text(_num(pct, "d", "%"), style=style)
    t.append("\n" + _num(v.voltage_v, ".1f", "V"))
    return t


def _endurance(v: DroneView) -> Text:
    tte, tth = v.time_to_empty_s, v.time_to_home_s
    short = tte is not None and tth is not None and tte < tth + 60
    return Text(f"{_minutes(tte)}\n{_minutes(tth)}", style="bold red" if short else "")


def fleet_table(view: FleetView) -> Table:
    """The drones table (two lines per drone)."""
    t = Table(box=None, padding=(0, 1), collapse_padding=True, pad_edge=False, expand=False,
              header_style="bold underline")
    t.add_column("Drone\nid", max_width=8, no_wrap=True, overflow="ellipsis")
    t.add_column("Link", width=4, no_wrap=True)
    t.add_column("Mode\narmed", max_width=9, no_wrap=True, overflow="ellipsis")
    t.add_column("Batt\nvolt", width=5, no_wrap=True, justify="right")
    t.add_column("GPS\nsats", width=5, no_wrap=True)
    t.add_column("Alt\nspeed", width=6, no_wrap=True, justify="right")
    t.add_column("Hdg\nhome", width=6, no_wrap=True, justify="right")
    t.add_column("Item\nstate", width=6, no_wrap=True)
    t.add_column("Pics", width=4, no_wrap=True, justify="right")
    t.add_column("Fence", width=6, no_wrap=True)
    t.add_column("Empty\nhome", width=5, no_wrap=True, justify="right")
    for v in view.drones:
        alarm = any(a.level == "alarm" for a in v.alerts)
        name = Text(v.name, style="bold red" if alarm else "bold")
        name.append(f"\n#{v.system_id}" if v.system_id is not None else "\n#?", style="dim")
        armed = Text("ARMED", style="bold") if v.armed else Text("disarmed" if v.armed is False else "", style="dim")
        mode = Text(v.mode or "-")
        mode.append("\n")
        mode.append_text(armed)
        gps = Text(v.gps_fix or "-", style="" if v.gps_fix in ("3D", "DGPS", "RTKf", "RTK") else "yellow")
        gps.append("\n" + (_num(v.satellites, "d", "sat")))
        alt = f"{_num(v.alt_rel_m, '.0f', 'm')}\n{_num(v.ground_speed_m_s, '.1f', 'm/s')}"
        home = f"{_num(v.heading_deg, '.0f', '°')}\n{_dist(v.home_dist_m)}"
        item = "-" if v.item is None else (f"{v.item}/{v.items_total}" if v.items_total is not None else str(v.item))
        fence = {"breach": Text("BREACH", style="bold white on red"), "ok": Text("ok", style="green"),
                 "off": Text("off", style="dim")}.get(v.fence, Text("-", style="dim"))
        t.add_row(name, _link(v), mode, _battery(v), gps, alt, home, f"{item}\n{v.mission_state}", str(v.photos),
                  fence, _endurance(v))
    return t


def _dist(d: float | None) -> str:
    if d is None:
        return "-"
    return f"{d:.0f}m" if d < 1000 else f"{d / 1000:.1f}km"


def render(view: FleetView, *, title: str = "") -> RenderableType:
    """The whole view: a title line, the table, the alerts, the latest texts."""
    when = datetime.fromtimestamp(view.t_s, UTC).strftime("%H:%M:%SZ")
    head = Text(f"{title or 'telemetry'}  {when}", style="bold", no_wrap=True, overflow="ellipsis")
    parts: list[RenderableType] = [head, fleet_table(view)]
    for v in view.drones:
        for a in v.alerts:
            style = "bold white on red" if a.level == "alarm" else "bold yellow"
            parts.append(Text(f"! {v.name}: {a.text}", style=style, no_wrap=True, overflow="ellipsis"))
    for v in view.drones:
        if v.last_text:
            line = Text(f"{v.name}: ", style="bold", no_wrap=True, overflow="ellipsis")
            line.append(v.last_text, style=_SEVERITY_STYLE.get(v.last_text_severity or 6, ""))
            parts.append(line)
    return Group(*parts)
