"""Dump ArduCopter SITL's parameter table into ``dronepatrol/sim/arducopter_params.tsv``.

Run ``DRONEPATROL_SITL=../shared/sitl/arducopter .venv/bin/python -m tests.sim_diff.dump_params``:
starts one fresh SITL, lists every parameter (PARAM_REQUEST_LIST), then sets CAM1_TYPE 1 and
lists again (ArduCopter adds the camera's parameters), and writes one line per parameter in
ArduCopter's index order: name, MAV_PARAM_TYPE, default, and ``cam`` for those that exist only
with a camera configured.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("MAVLINK20", "1")

from pymavlink import mavutil

OUT = Path(__file__).resolve().parents[2] / "dronepatrol" / "sim" / "arducopter_params.tsv"


def _list(m) -> list:
    m.mav.param_request_list_send(1, 1)
    got, idle = {}, time.monotonic()
    while time.monotonic() - idle < 2.0:
        pv = m.recv_match(type="PARAM_VALUE", blocking=True, timeout=0.1)
        if pv is not None and pv.param_index != 65535:
            got[pv.param_index] = pv
            idle = time.monotonic()
    return [got[i] for i in sorted(got)]


def main() -> None:
    from tests.sitl import start_sitl_fleet

    with start_sitl_fleet(1, speedup=10) as fleet:
        m = mavutil.mavlink_connection(fleet.drones[0].connection, source_system=254, source_component=190)
        m.wait_heartbeat(timeout=10)
        base = _list(m)
        m.mav.param_set_send(1, 1, b"CAM1_TYPE", 1, mavutil.mavlink.MAV_PARAM_TYPE_INT8)
        time.sleep(1.0)
        full = _list(m)
        m.close()
    names = {p.param_id for p in base}
    defaults = {p.param_id: p for p in base}
    lines = ["# ArduCopter V4.7.0-dev (df83545f) SITL parameters, copter.parm defaults, in index order.",
             "# name\tMAV_PARAM_TYPE\tdefault\tflags (cam: exists only when CAM1_TYPE != 0)",
             "# Written by tests/sim_diff/dump_params.py; do not edit by hand."]
    for p in full:
        src = defaults.get(p.param_id, p)
        value = 0.0 if p.param_id == "CAM1_TYPE" else src.param_value
        flag = "" if p.param_id in names else "cam"
        lines.append(f"{p.param_id}\t{p.param_type}\t{value:.9g}\t{flag}".rstrip())
    assert [p.param_id for p in full if p.param_id in names] == [p.param_id for p in base], "order changed"
    OUT.write_text("\n".join(lines) + "\n")
    print(f"{len(full)} parameters ({len(full) - len(base)} camera) -> {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
