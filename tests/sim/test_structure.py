"""The simulator's modules import each other without a circle: behaviours take the vehicle state."""

from __future__ import annotations

import ast
from pathlib import Path

import dronepatrol.sim

SIM = Path(dronepatrol.sim.__file__).parent
BEHAVIOURS = ("arming", "auto", "commands", "control", "failsafe", "flight", "geofence", "rtl", "shots", "telemetry")


def sim_imports() -> dict[str, set[str]]:
    """Module -> the ``dronepatrol.sim`` modules it imports anywhere (TYPE_CHECKING and functions too)."""
    graph: dict[str, set[str]] = {}
    for path in SIM.glob("*.py"):
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "dronepatrol.sim":
                    deps |= {a.name for a in node.names}
                elif node.module.startswith("dronepatrol.sim."):
                    deps.add(node.module.split(".")[2])
            elif isinstance(node, ast.Import):
                deps |= {a.name.split(".")[2] for a in node.names if a.name.startswith("dronepatrol.sim.")}
        graph[path.stem] = deps - {path.stem}
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle in ``graph``, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                return [*stack[stack.index(d):], d]
            if d not in state and (found := visit(d)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_sim_import_graph_has_no_circle():
    graph = sim_imports()
    assert {"state", "vehicle", *BEHAVIOURS} <= set(graph)
    assert cycle(graph) is None, " -> ".join(cycle(graph) or [])


def test_cycle_finder_finds_a_circle():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None


def test_behaviours_take_the_state_not_the_vehicle():
    graph = sim_imports()
    for name in BEHAVIOURS:
        assert "vehicle" not in graph[name], f"{name} imports vehicle"
    assert not graph["state"] & {"vehicle", *BEHAVIOURS}  # the state knows no behaviour


def test_a_behaviour_runs_on_a_bare_state():
    """rtl and arming need only a VehicleState: no vehicle, no sockets."""
    from dronepatrol.sim import arming, rtl
    from dronepatrol.sim.state import VehicleConfig, VehicleState

    s = VehicleState(VehicleConfig(name="d", sysid=1, lat_deg=16.056, lon_deg=103.652, ground_alt_m=150.0,
                                   prearm_delay_s=0.0))
    s.t = 1.0
    assert arming.arm(s) and s.armed
    s.landed, s.alt, s.n = False, 10.0, 0.0
    assert rtl.start(s)["alt"] == 10.0  # over home: no climb (the RTL cone)
    s.n = 100.0
    assert rtl.start(s)["alt"] == 15.0  # 100 m out: RTL_ALT
    assert [m.text for m in s.outbox if m.get_type() == "STATUSTEXT"] == ["Arming motors"]
