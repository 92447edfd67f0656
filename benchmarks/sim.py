"""Benchmark: achieved simulated-time speed-up of a 3-drone fleet under load, and fidelity.

Each drone flies a mission (take-off, a square at 10 m/s, a camera trigger every 20 m) while a
client asks for every telemetry stream at 10 Hz of vehicle time and drains the socket. Prints,
for each requested speed-up, the speed-up achieved over the run and the ratio of the two.

Then, where an ArduCopter SITL binary is found (``DRONEPATROL_SITL``, or ``../shared/sitl/``),
runs the differential suite (tests/sim_diff) once and prints its score: facts equal / facts
compared, the bound being 95 % equal with the rest listed as deliberate.

Run: ``.venv/bin/python benchmarks/sim.py [--seconds 8] [--speedups 10 20] [--no-fidelity]``
"""

from __future__ import annotations

import argparse
import math
import os
import select
import time

os.environ.setdefault("MAVLINK20", "1")

from pymavlink import mavutil

from dronepatrol.sim.fleet import SimFleet

M = mavutil.mavlink


def _mission(mav, lat: float, lon: float) -> list[tuple]:
    def off(n: float, e: float) -> tuple[int, int]:
        return (
            round((lat + n / 111319.49) * 1e7),
            round((lon + e / (111319.49 * math.cos(math.radians(lat)))) * 1e7),
        )

    items = [(M.MAV_CMD_NAV_WAYPOINT, 0, 0, *off(0, 0), 140.0), (M.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 20.0)]
    items.append((M.MAV_CMD_DO_SET_CAM_TRIGG_DIST, 20.0, 0, 0, 0, 0.0))
    for n, e in [(300, 0), (300, 300), (0, 300), (0, 0)] * 3:
        items.append((M.MAV_CMD_NAV_WAYPOINT, 0, 0, *off(n, e), 30.0))
    items.append((M.MAV_CMD_NAV_RETURN_TO_LAUNCH, 0, 0, 0, 0, 0.0))
    return items


def _upload(conn, items) -> None:
    conn.mav.mission_count_send(conn.target_system, 1, len(items), 0)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        msg = conn.recv_match(type=["MISSION_REQUEST", "MISSION_REQUEST_INT", "MISSION_ACK"], blocking=True, timeout=1)
        if msg is None:
            continue
        if msg.get_type() == "MISSION_ACK":
            return
        cmd, p1, _p2, x, y, z = items[msg.seq]
        frame = M.MAV_FRAME_GLOBAL_INT if msg.seq == 0 else M.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
        conn.mav.mission_item_int_send(conn.target_system, 1, msg.seq, frame, cmd, 0, 1, p1, 0, 0, 0, x, y, z, 0)
    raise RuntimeError("upload failed")


def run(speedup: float, seconds: float) -> float:
    """Fly three drones at ``speedup`` for ``seconds`` wall seconds; return the achieved speed-up."""
    with SimFleet(drones=3, base_port=0, speedup=speedup, prearm_delay_s=2.0, camera=True) as fleet:
        conns = []
        for i, port in enumerate(fleet.ports):
            c = mavutil.mavlink_connection(f"tcp:127.0.0.1:{port}", source_system=254)
            c.target_system = i + 1
            c.wait_heartbeat(timeout=10)
            v = fleet.vehicle(i)
            _upload(c, _mission(c.mav, v.config.lat_deg, v.config.lon_deg))
            c.mav.request_data_stream_send(i + 1, 1, M.MAV_DATA_STREAM_ALL, 10, 1)
            conns.append(c)
        time.sleep(3.0 / speedup + 0.2)  # position estimate
        for c in conns:
            c.mav.command_long_send(c.target_system, 1, M.MAV_CMD_DO_SET_MODE, 0, 1, 4, 0, 0, 0, 0, 0)
            c.mav.command_long_send(c.target_system, 1, M.MAV_CMD_COMPONENT_ARM_DISARM, 0, 1, 0, 0, 0, 0, 0, 0)
            c.mav.command_long_send(c.target_system, 1, M.MAV_CMD_MISSION_START, 0, 0, 0, 0, 0, 0, 0, 0)
        socks = [c.port for c in conns]
        sim0, wall0, cpu0 = fleet.sim_time_s, time.monotonic(), time.process_time()
        received = 0
        while time.monotonic() - wall0 < seconds:
            ready, _, _ = select.select(socks, [], [], 0.05)
            for s in ready:
                received += len(s.recv(1 << 16))
        achieved = (fleet.sim_time_s - sim0) / (time.monotonic() - wall0)
        cpu = (time.process_time() - cpu0) / (time.monotonic() - wall0)
        with fleet.lock:
            flying = sum(1 for v in fleet.vehicles if v.armed)
        print(
            f"requested {speedup:5.1f}x  achieved {achieved:5.2f}x  ratio {achieved / speedup:5.3f}  "
            f"({flying}/3 flying, CPU {100 * cpu:.0f}% of one core, {received / seconds / 1024:.0f} KiB/s of telemetry)"
        )
        for c in conns:
            c.close()
        return achieved


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8.0, help="wall seconds measured per speed-up")
    ap.add_argument("--speedups", type=float, nargs="+", default=[10.0, 20.0])
    ap.add_argument("--no-fidelity", action="store_true", help="skip the comparison with ArduCopter SITL")
    args = ap.parse_args()
    print(f"3 drones, {os.cpu_count()} CPU(s), {args.seconds:g} s per run")
    for s in args.speedups:
        run(s, args.seconds)
    if not args.no_fidelity:
        fidelity()


def fidelity() -> None:
    """Run the differential suite once against ArduCopter SITL and print its score."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.sim_diff.runner import compare
    from tests.sim_diff.runner import run as run_diff
    from tests.sitl import sitl_binary, skip_reason

    if sitl_binary() is None:
        print(f"fidelity: skipped ({skip_reason()})")
        return
    t0 = time.monotonic()
    r = run_diff(10.0)
    score = compare(r)
    pct = 100.0 * len(score.equal) / max(score.compared, 1)
    print(f"fidelity vs ArduCopter 4.7 SITL: {len(score.equal)}/{score.compared} facts equal ({pct:.1f}%, "
          f"bound 95%), {len(score.deliberate)} deliberate, {len(score.differ)} unexplained "
          f"({time.monotonic() - t0:.0f} s wall)")
    for name in score.differ:
        print(f"  differs: {name}")
    for name in r.errors:
        print(f"  error: {name}")


if __name__ == "__main__":
    main()
