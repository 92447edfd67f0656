"""``dronepatrol sim`` against real ArduCopter 4.7 SITL, fact by fact (marked ``sitl``).

The probe's two scripts run once (module fixture) on a fresh simulated fleet and a fresh SITL
fleet side by side; each test below compares one group of facts. A fact may differ only if
``tests/sim_diff/deliberate.py`` says why (docs/simulator.md mirrors that table).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.sim_diff.deliberate import DELIBERATE
from tests.sim_diff.runner import Run, compare, deliberate_reason, run

pytestmark = pytest.mark.sitl

ROOT = Path(__file__).resolve().parents[2]
GROUPS = ("passive", "arm_no_position", "params", "streams", "mission", "fence", "rally", "signing", "port2",
          "arm", "takeoff", "camera", "reboot", "auto_flight", "rtl", "land", "loiter", "identity")


@pytest.fixture(scope="module")
def diff() -> Run:
    return run(speedup=10.0)


def _show(r: Run, name: str) -> str:
    return (f"{name}:\n  sim : {json.dumps(r.sim.get(name, '<missing>'))[:600]}\n"
            f"  sitl: {json.dumps(r.sitl.get(name, '<missing>'))[:600]}")


def test_both_vehicles_ran_every_scenario(diff: Run) -> None:
    assert diff.errors == []
    assert set(diff.sim) == set(diff.sitl)
    assert len(diff.sitl) > 200


@pytest.mark.parametrize("group", GROUPS)
def test_facts_equal_or_deliberate(diff: Run, group: str) -> None:
    names = [n for n in set(diff.sim) | set(diff.sitl) if n.split(".")[0] == group]
    assert names, f"no facts in group {group}"
    bad = [n for n in sorted(names) if diff.sim.get(n) != diff.sitl.get(n) and deliberate_reason(n) is None]
    assert not bad, "dronepatrol sim differs from ArduCopter SITL:\n" + "\n".join(_show(diff, n) for n in bad)


def test_score_and_deliberate_table(diff: Run) -> None:
    score = compare(diff)
    assert len(score.equal) >= 0.95 * score.compared, score.line()
    names = set(diff.sitl)
    for key in DELIBERATE:  # every entry still names facts the probe records
        assert any(n == key or n.startswith(key + ".") for n in names), key
    doc = (ROOT / "docs" / "simulator.md").read_text()
    for key in DELIBERATE:  # and docs/simulator.md mirrors the table
        assert f"`{key}`" in doc, f"docs/simulator.md does not list {key}"
