"""Run the probe's scripts against a fresh ``dronepatrol sim`` fleet and a fresh SITL fleet, side by side.

``run(speedup)`` returns the two fact tables; :func:`compare` scores them against the table of
deliberate differences (:data:`tests.sim_diff.deliberate.DELIBERATE`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.sim_diff.probe import Facts, Target, flight_script, protocol_script

SCRIPTS: tuple[Callable[[Target, Facts], None], ...] = (protocol_script, flight_script)
#: The SITL fleet's homes (tests.sitl.ROIET_HOMES): the simulated drones stand on the same spots.
HOMES = ((16.0560, 103.6520, 150.0), (16.0560, 103.6530, 150.0))


@dataclass
class Run:
    sim: dict[str, Any]
    sitl: dict[str, Any]
    errors: list[str]


def _run_targets(targets: list[Target], into: list[Facts], errors: list[str], label: str) -> list[threading.Thread]:
    threads = []
    for script, target, facts in zip(SCRIPTS, targets, into, strict=True):
        def body(script=script, target=target, facts=facts) -> None:
            try:
                script(target, facts)
            except Exception as exc:  # recorded: the comparison shows what is missing
                errors.append(f"{label} {script.__name__}: {type(exc).__name__}: {exc}")
        th = threading.Thread(target=body, name=f"{label}-{script.__name__}", daemon=True)
        threads.append(th)
    return threads


def run(speedup: float = 10.0) -> Run:
    """Start 2 SITL instances and a 2-drone simulated fleet; run both scripts on each, in parallel."""
    from dronepatrol.sim.fleet import Home, SimFleet
    from tests.sitl import start_sitl_fleet

    errors: list[str] = []
    sim_facts = [Facts() for _ in SCRIPTS]
    sitl_facts = [Facts() for _ in SCRIPTS]
    homes = [Home(lat_deg=la, lon_deg=lo, alt_m=al) for la, lo, al in HOMES]
    with start_sitl_fleet(len(SCRIPTS), speedup=speedup) as sitl:
        fleet = SimFleet(drones=len(SCRIPTS), base_port=0, speedup=speedup, homes=homes).start()
        try:
            sim_targets = [Target(port=fleet.ports[i], port2=fleet.ports2[i], sysid=i + 1, home_lat=h.lat_deg,
                                  home_lon=h.lon_deg, speedup=speedup) for i, h in enumerate(homes)]
            sitl_targets = [Target(port=d.port, port2=d.port2, sysid=d.system_id, home_lat=h.lat_deg,
                                   home_lon=h.lon_deg, speedup=speedup)
                            for d, h in zip(sitl.drones, homes, strict=False)]
            threads = _run_targets(sim_targets, sim_facts, errors, "sim")
            threads += _run_targets(sitl_targets, sitl_facts, errors, "sitl")
            for th in threads:
                th.start()
            for th in threads:
                th.join(timeout=300)
        finally:
            fleet.close()
    merged_sim: dict[str, Any] = {}
    merged_sitl: dict[str, Any] = {}
    for f in sim_facts:
        merged_sim.update(f.values)
    for f in sitl_facts:
        merged_sitl.update(f.values)
    return Run(sim=merged_sim, sitl=merged_sitl, errors=errors)


@dataclass
class Score:
    equal: list[str]
    deliberate: dict[str, str]  # differing facts explained in DELIBERATE
    differ: list[str]  # differing facts with no explanation: failures

    @property
    def compared(self) -> int:
        return len(self.equal) + len(self.deliberate) + len(self.differ)

    def line(self) -> str:
        pct = 100.0 * len(self.equal) / self.compared if self.compared else 0.0
        return (f"{len(self.equal)}/{self.compared} facts equal ({pct:.1f}%), {len(self.deliberate)} deliberate "
                f"differences, {len(self.differ)} unexplained")


def deliberate_reason(name: str) -> str | None:
    from tests.sim_diff.deliberate import DELIBERATE

    for prefix, reason in DELIBERATE.items():
        if name == prefix or name.startswith(prefix + "."):
            return reason
    return None


def compare(r: Run) -> Score:
    equal, deliberate, differ = [], {}, []
    for name in sorted(set(r.sim) | set(r.sitl)):
        a, b = r.sim.get(name, "<missing>"), r.sitl.get(name, "<missing>")
        if a == b:
            equal.append(name)
        elif (why := deliberate_reason(name)) is not None:
            deliberate[name] = why
        else:
            differ.append(name)
    return Score(equal=equal, deliberate=deliberate, differ=differ)
