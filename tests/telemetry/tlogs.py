"""Synthetic flight recordings for the telemetry tests: a vehicle whose clock runs ``speedup``
times faster than the recorder's (as the simulator's does), plus what the ground station sent."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("MAVLINK20", "1")

from pymavlink.dialects.v20 import ardupilotmega as M

from dronepatrol.mavlink.tlog import TlogWriter

RX0_US = 1_790_000_000_000_000  # the recorder's clock at the first record
UNIX0_US = 1_780_000_000_000_000  # the vehicle's UTC clock at boot_ms = BOOT0_MS (deliberately not RX0)
BOOT0_MS = 60_000


@dataclass
class Flight:
    """What was written: records (t_us, packet) and the truth they came from."""

    records: list[tuple[int, bytes]] = field(default_factory=list)
    fixes: list[tuple[float, float, float, float]] = field(default_factory=list)  # (utc_s, lat, lon, alt_amsl)
    shots: list[tuple[float, int]] = field(default_factory=list)  # (utc_s, img_idx)
    sent: list[bytes] = field(default_factory=list)  # packets of the ground station

    def write(self, path: Path) -> Path:
        with TlogWriter(path) as w:
            for t, p in self.records:
                w.write(p, t_us=t)
        return path


def flight(*, sysid: int = 1, seconds: float = 20.0, rate_hz: float = 5.0, speedup: float = 10.0,
           system_time: bool = True, shot_every: int = 10, gcs: bool = True, lat0: float = 16.05,
           lon0: float = 103.65) -> Flight:
    """A vehicle flying east at 5 m/s, 60 m above a 150 m AMSL home; receiver time = vehicle
    time / ``speedup``. SYSTEM_TIME (1 Hz vehicle time) maps boot time to UTC."""
    veh = M.MAVLink(None, sysid, 1)
    veh.robust_parsing = True
    gcs_mav = M.MAVLink(None, 254, 190)
    f = Flight()
    dt_ms = round(1000 / rate_hz)
    steps = int(seconds * rate_hz)
    shot = 0
    for k in range(steps):
        boot_ms = BOOT0_MS + k * dt_ms
        utc_us = UNIX0_US + (boot_ms - BOOT0_MS) * 1000
        rx = RX0_US + round((boot_ms - BOOT0_MS) * 1000 / speedup)
        lat = lat0
        lon = lon0 + k * 0.00001
        alt = 210.0

        def put(msg, t=rx, who=veh):
            f.records.append((t, msg.pack(who)))

        if k % int(rate_hz) == 0:
            put(veh.heartbeat_encode(2, 3, 128 | 1, 3, 4, 3))
            if system_time:
                put(veh.system_time_encode(utc_us, boot_ms))
            if gcs:
                hb = gcs_mav.heartbeat_encode(6, 8, 0, 0, 0, 3)
                put(hb, rx + 4, gcs_mav)
                f.sent.append(f.records[-1][1])
        put(veh.global_position_int_encode(boot_ms, round(lat * 1e7), round(lon * 1e7), int(alt * 1000), 60000,
                                           0, 500, 0, 9000))
        f.fixes.append((utc_us / 1e6, lat, lon, alt))
        if shot_every and k % shot_every == shot_every - 1:
            shot += 1
            put(veh.camera_feedback_encode(utc_us, 0, 0, shot, round(lat * 1e7), round(lon * 1e7), alt, 60.0,
                                           0, 0, 90.0, 0, 0, shot))
            f.shots.append((utc_us / 1e6, shot))
        if gcs and k == steps // 2:
            cmd = gcs_mav.command_long_encode(sysid, 1, 400, 0, 1, 0, 0, 0, 0, 0, 0)
            put(cmd, rx + 8, gcs_mav)
            f.sent.append(f.records[-1][1])
    return f
