"""Upload benchmark: ``.venv/bin/python benchmarks/upload.py [--quick] [--no-sitl]``.

A 300-item mission (take-off, 298 waypoints, RTL; plus home as item 0: see ``plan()``) plus a fence
(20-vertex inclusion polygon, two exclusion polygons, a return point) and three rally points,
uploaded with ``fleetops.upload_drone`` (upload of all three lists, fence parameters set and read
back, then all three downloaded and compared) through the real links (``open_fleet``).
Prints, each against a baseline measured in the same run:

- simulator (``dronepatrol sim``): 3-drone / 1-drone wall time (target <= 1.2); time per item
  transferred vs the link round-trip time (COMMAND_LONG -> COMMAND_ACK), with 0 and 20 ms
  one-way latency; at 10 % and 30 % packet loss (both ways): completes and verifies, time vs
  loss-free (target <= 2x at 10 %);
- real ArduCopter SITL (``$DRONEPATROL_SITL`` or ``../shared/sitl/arducopter``), if found: the
  same 3 / 1 ratio and time per item;
- MAVProxy (``mavproxy.py`` on PATH or ``$MAVPROXY``), if found: our mission upload time / its
  ``wp load`` time for the same mission on the same SITL instance (target <= 1.0); else says so.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MAVLINK20", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dronepatrol.config import DroneConfig, FleetConfig
from dronepatrol.mavlink import fleetops, ops
from dronepatrol.mavlink.fleetlink import open_fleet
from dronepatrol.mavlink.items import mission_items
from dronepatrol.mission import (
    FencePolygon,
    Geofence,
    Home,
    Mission,
    RallyPoint,
    rtl,
    takeoff,
    waypoint,
)

N_ITEMS = 300  # mission items after home


def plan(lon: float, lat: float, drone: str) -> Mission:
    """``N_ITEMS`` mission items (take-off, waypoints in a lawnmower, RTL), fence and rally."""
    wps = []
    for k in range(N_ITEMS - 2):
        row, col = divmod(k, 20)
        x = col if row % 2 == 0 else 19 - col
        wps.append(waypoint(lon - 0.002 + x * 0.0002, lat - 0.002 + row * 0.0003, 30.0 + (k % 5)))
    ring = tuple((lon + 0.006 * math.cos(2 * math.pi * k / 20), lat + 0.006 * math.sin(2 * math.pi * k / 20))
                 for k in range(20))
    holes = tuple(FencePolygon(vertices=((lon + dx, lat + 0.004), (lon + dx + 0.0005, lat + 0.004),
                                         (lon + dx + 0.0005, lat + 0.0045), (lon + dx, lat + 0.0045)), inclusion=False)
                  for dx in (-0.003, 0.002))
    fence = Geofence(polygons=(FencePolygon(vertices=ring, inclusion=True), *holes), max_alt_m=90.0,
                     return_point=(lon, lat))
    rally = tuple(RallyPoint(lon=lon + d, lat=lat, alt_m=30.0) for d in (-0.001, 0.0, 0.001))
    return Mission(drone=drone, home=Home(lon=lon, lat=lat, alt_amsl_m=150.0),
                   items=(takeoff(20.0), *wps, rtl()), geofence=fence, rally=rally)


def fleet_config(connections: list[str]) -> FleetConfig:
    return FleetConfig(drones=tuple(DroneConfig(name=f"drone{i + 1}", connection=c, system_id=i + 1)
                                    for i, c in enumerate(connections)))


def rtt_s(link, n: int = 15) -> float:
    """Median COMMAND_LONG -> COMMAND_ACK round trip, seconds (ArduPilot answers commands at once;
    parameter reads go through a slower queue)."""
    out = []
    for _ in range(n):
        t0 = time.monotonic()
        ops.command(link, ops.MAV_CMD_REQUEST_MESSAGE, 1, check=False, retries=0)  # SYS_STATUS
        out.append(time.monotonic() - t0)
    return statistics.median(out)


def items_moved(m: Mission) -> int:
    lists = (len(m.items) + 1, sum(len(p.vertices) for p in m.geofence.polygons) + 1, len(m.rally))
    return 2 * sum(lists)  # each item up once and down once


def timed_upload(links: dict, missions: dict) -> float:
    t0 = time.monotonic()
    results = fleetops.upload_fleet(links, missions, force=True, remember=False)
    dt = time.monotonic() - t0
    bad = {n: str(o.error) for n, o in results.items() if not o.ok or not o.value.verified}
    if bad:
        raise SystemExit(f"upload failed: {bad}")
    return dt


def one_vs_three(connections: list[str], homes: list[tuple[float, float]], repeats: int) -> dict:
    fleet = fleet_config(connections)
    missions = {f"drone{i + 1}": plan(lon, lat, f"drone{i + 1}") for i, (lon, lat) in enumerate(homes)}
    with open_fleet(fleet, timeout_s=30) as links:
        timed_upload(links, missions)  # warm-up: first writes to fresh storage, RTT estimates
        one = min(timed_upload({"drone1": links["drone1"]}, {"drone1": missions["drone1"]}) for _ in range(repeats))
        three = min(timed_upload(links, missions) for _ in range(repeats))
        rtt = rtt_s(links["drone1"])
    per_item = one / items_moved(missions["drone1"])
    return {"one_s": one, "three_s": three, "ratio": three / one, "rtt_s": rtt, "per_item_s": per_item}


def _free_base_port(n: int) -> int:
    """A base port with ports base, base+10, ... free (the simulator's layout)."""
    import random
    import socket

    for _ in range(200):
        base = random.randrange(20000, 40000, 10)
        try:
            for k in range(n):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", base + 10 * k))
            return base
        except OSError:
            continue
    raise SystemExit("no free ports for the simulator")


@contextlib.contextmanager
def sim_process(drones: int, *, speedup: float, latency_ms: float = 0.0, loss: float = 0.0, seed: int = 0):
    """``dronepatrol sim`` in a process of its own (not sharing this process's interpreter), yielding
    its connection strings and homes (lon, lat)."""
    import socket

    from dronepatrol.sim.sites import ROIET_LAUNCH_SITES

    base = _free_base_port(drones)
    exe = Path(sys.executable).with_name("dronepatrol")
    proc = subprocess.Popen([str(exe), "-q", "sim", "--drones", str(drones), "--base-port", str(base), "--speedup",
                             str(speedup), "--latency", str(latency_ms), "--loss", str(loss), "--seed", str(seed),
                             "--prearm-delay", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        for k in range(drones):
            while True:
                with socket.socket() as sock:
                    if sock.connect_ex(("127.0.0.1", base + 10 * k)) == 0:
                        break
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("dronepatrol sim did not start")
                time.sleep(0.1)
        yield ([f"tcp:127.0.0.1:{base + 10 * k}" for k in range(drones)],
               [(s.lon_deg, s.lat_deg) for s in ROIET_LAUNCH_SITES[:drones]])
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def sim_runs(quick: bool) -> None:
    repeats = 1 if quick else 2
    print("== simulator (dronepatrol sim, in a process of its own)")
    for latency_ms in (0.0, 20.0):
        with sim_process(3, speedup=10, latency_ms=latency_ms) as (connections, homes):
            r = one_vs_three(connections, homes, repeats)
        print(f"latency {latency_ms:4.0f} ms one way: 1 drone {r['one_s']:.2f} s, 3 drones {r['three_s']:.2f} s, "
              f"ratio 3/1 = {r['ratio']:.2f} (target <= 1.2); RTT {1000 * r['rtt_s']:.1f} ms, "
              f"{1000 * r['per_item_s']:.2f} ms per item moved = {r['per_item_s'] / r['rtt_s']:.2f} x RTT")
    base = None
    latency_ms = 20.0
    print(f"packet loss, both ways, {latency_ms:.0f} ms one-way latency, 1 drone, simulator speed-up 1 (the "
          "vehicle's 1 s re-request and 8 s cancel timers are simulated time):")
    for loss in (0.0, 0.1, 0.3):
        times = []
        for seed in range(1 if quick else 3):
            with sim_process(1, speedup=1, latency_ms=latency_ms, loss=loss, seed=seed) as (connections, homes):
                m = plan(*homes[0], "drone1")
                with open_fleet(fleet_config(connections), timeout_s=30) as links:
                    times.append(timed_upload(links, {"drone1": m}))
        t = statistics.median(times)
        base = t if base is None else base
        print(f"loss {100 * loss:3.0f} %: completed and verified {len(times)}/{len(times)} runs, median {t:.2f} s "
              f"= {t / base:.2f} x loss-free" + (" (target <= 2x)" if loss == 0.1 else ""))


def sitl_binary() -> Path | None:
    env = os.environ.get("DRONEPATROL_SITL")
    for p in ([Path(env)] if env else []) + [Path(__file__).resolve().parents[2] / "shared" / "sitl" / "arducopter",
                                              Path("/work/shared/sitl/arducopter")]:
        if p.is_file() and os.access(p, os.X_OK):
            return p
    return None


def mavproxy_command() -> list[str] | None:
    env = os.environ.get("MAVPROXY")
    exe = env or shutil.which("mavproxy.py")
    return [exe] if exe else None


def mavproxy_wp_load(cmd: list[str], connection: str, wpl: Path, timeout_s: float = 90.0) -> float | None:
    """Seconds from typing ``wp load FILE`` into MAVProxy to its "Got MISSION_ACK ... ACCEPTED".

    The command is typed once MAVProxy has fetched the parameters: given on the command line
    (``--cmd``) it races MAVProxy's own mission download at connect and fails.
    """
    proc = subprocess.Popen([*cmd, "--master", connection, "--source-system", "253"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=tempfile.mkdtemp(prefix="mavproxy-"), env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            start_new_session=True)  # MAVProxy forks helpers: stop the whole group after
    t_sent = None
    deadline = time.monotonic() + timeout_s
    try:
        assert proc.stdout is not None and proc.stdin is not None
        for line in proc.stdout:
            now = time.monotonic()
            if t_sent is None and "Received" in line and "parameters" in line:
                proc.stdin.write(f"wp load {wpl}\n")
                proc.stdin.flush()
                t_sent = time.monotonic()
            elif t_sent is not None and "MISSION_ACK" in line:
                return now - t_sent if "ACCEPTED" in line else None
            if now > deadline:
                return None
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)
    return None


def sitl_runs(quick: bool, speedup: float) -> None:
    binary = sitl_binary()
    if binary is None:
        print("== ArduCopter SITL: skipped (no binary: set DRONEPATROL_SITL)")
        return
    os.environ.setdefault("DRONEPATROL_SITL", str(binary))
    from tests.sitl import ROIET_HOMES, start_sitl_fleet

    homes = [(h.lon, h.lat) for h in ROIET_HOMES[:3]]
    print(f"== ArduCopter SITL ({binary}, speed-up {speedup:g})")
    with start_sitl_fleet(3, speedup=speedup) as fleet:
        time.sleep(5.0)
        r = one_vs_three([d.connection for d in fleet.drones], homes, 1 if quick else 2)
        print(f"1 drone {r['one_s']:.2f} s, 3 drones {r['three_s']:.2f} s, ratio 3/1 = {r['ratio']:.2f} "
              f"(target <= 1.2); RTT {1000 * r['rtt_s']:.1f} ms, {1000 * r['per_item_s']:.2f} ms per item moved "
              f"= {r['per_item_s'] / r['rtt_s']:.2f} x RTT")
        cmd = mavproxy_command()
        if cmd is None:
            print("MAVProxy: skipped (mavproxy.py not found; set MAVPROXY to its path)")
            return
        from dronepatrol.formats.wpl import dumps_wpl

        m = plan(*homes[0], "drone1")
        wpl = Path(tempfile.mkdtemp(prefix="wpl-")) / "mission.waypoints"
        wpl.write_text(dumps_wpl(m))
        ours = []
        fl = fleet_config([fleet.drones[0].connection])
        for _ in range(3):
            with open_fleet(fl, timeout_s=30) as links:
                t0 = time.monotonic()
                ops.upload_list(links["drone1"], 0, mission_items(m))
                ours.append(time.monotonic() - t0)
        theirs = [t for t in (mavproxy_wp_load(cmd, fleet.drones[0].connection2, wpl) for _ in range(3))
                  if t is not None]
        if not theirs:
            print("MAVProxy: its wp load did not report completion; no ratio")
            return
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"mission upload ({len(m.items) + 1} items): ours {a:.2f} s, MAVProxy wp load {b:.2f} s, "
              f"ratio {a / b:.2f} (target <= 1.0)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="one repetition of each case")
    ap.add_argument("--no-sitl", action="store_true", help="skip the real ArduCopter SITL")
    ap.add_argument("--sitl-speedup", type=float, default=1.0,
                    help="SITL speed-up (default 1: three instances at 10x compete for the CPU)")
    args = ap.parse_args()
    sim_runs(args.quick)
    if not args.no_sitl:
        sitl_runs(args.quick, args.sitl_speedup)


if __name__ == "__main__":
    main()
