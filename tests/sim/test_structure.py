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
