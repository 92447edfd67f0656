"""How fast the CLI answers: ``dronepatrol --help`` and each group's ``--help``, next to a bare
``python -c pass`` measured in the same run (median of repeated runs, wall seconds).

Target: ``dronepatrol --help`` under 0.3 s.

    .venv/bin/python benchmarks/cli.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 7


def wall_s(argv: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    from dronepatrol.cli.main import COMMANDS

    base = wall_s([sys.executable, "-c", "pass"])
    rows = [("python -c pass", base)]
    rows.append(("dronepatrol --help", wall_s([sys.executable, "-m", "dronepatrol", "--help"])))
    for name in COMMANDS:
        rows.append((f"dronepatrol {name} --help", wall_s([sys.executable, "-m", "dronepatrol", name, "--help"])))
    print(f"{'command':34} {'median s':>9} {'vs python':>10}")
    for label, t in rows:
        print(f"{label:34} {t:9.3f} {t / base:9.1f}x")
    top = rows[1][1]
    print(f"\ndronepatrol --help: {top:.3f} s (target < 0.3 s): {'met' if top < 0.3 else 'MISSED'}")


if __name__ == "__main__":
    main()
