"""How long planned missions really take: the planner's flight-time estimate (``summary.json``
``time_s``) next to the airborne time flown by the simulator and, where a SITL binary is found,
by real ArduCopter SITL, for the same plans, measured in the same run (the demo's small zone).

A ratio flown / estimated above 1 means the endurance check is optimistic by that much.

    DRONEPATROL_SITL=../shared/sitl/arducopter .venv/bin/python benchmarks/flight_time.py
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZONE = ROOT / "tests" / "fixtures" / "demo-small.geojson"


def run_demo(extra: list[str]) -> dict:
    from dronepatrol.cli.main import run

    out, err = io.StringIO(), io.StringIO()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DRONEPATROL_STATE_DIR"] = str(Path(tmp) / "state")
        os.environ["DRONEPATROL_RUNTIME_DIR"] = str(Path(tmp) / "run")
        try:
            with redirect_stdout(out), redirect_stderr(err):
                run(["demo", "--zone", str(ZONE), "-o", str(Path(tmp) / "d"), "--loss", "0", "--json", *extra])
        except SystemExit as exc:
            if exc.code:
                sys.exit(f"demo failed ({exc.code}): {err.getvalue()[-800:]}")
        doc = json.loads(out.getvalue())
        summary = json.loads((Path(doc["missions"][0]) / "summary.json").read_text())
        from dronepatrol.mavlink.tracks import read_tracks

        flown = {}
        for tlog in sorted(Path(doc["flights"]).glob("*.tlog")):
            (track,) = read_tracks(tlog)
            air = [f.t_s for f in track.fixes if f.alt_rel_m > 0.5]
            flown[tlog.stem] = air[-1] - air[0]
    estimated = {d["drone"]: d["time_s"] for d in summary["drones"] if d["sortie"] == 1}
    return {"estimated": estimated, "flown": flown}


def main() -> None:
    rows = [("simulator", run_demo([]))]
    sitl = os.environ.get("DRONEPATROL_SITL") or str(ROOT.parent / "shared" / "sitl" / "arducopter")
    if Path(sitl).is_file():
        rows.append(("ArduCopter SITL", run_demo(["--sitl", sitl, "--speedup", "10"])))
    else:
        print("no SITL binary (set DRONEPATROL_SITL): simulator only")
    print(f"{'vehicle':16} {'drone':7} {'estimated s':>11} {'flown s':>8} {'flown/estimated':>16}")
    for label, r in rows:
        for drone, est in r["estimated"].items():
            flown = r["flown"].get(drone, float("nan"))
            print(f"{label:16} {drone:7} {est:11.0f} {flown:8.0f} {flown / est:16.3f}")


if __name__ == "__main__":
    main()
