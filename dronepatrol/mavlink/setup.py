"""One-time drone setup for flying with dronepatrol: the parameters that ``fleet start``'s
pre-flight checks ask for, set and read back, with the reboot they need.

- the GCS failsafe: ``FS_GCS_ENABLE`` (ArduCopter: 1 RTL, 3 SmartRTL or RTL, 5 land) and, if
  asked, ``FS_GCS_TIMEOUT`` (seconds without a ground-station heartbeat, ArduCopter 2-120 s);
- the ground stations it counts: ``MAV_GCS_SYSID`` 254 and ``MAV_GCS_SYSID_HI`` 255 on
  ArduPilot 4.7, so both dronepatrol (254) and a QGroundControl or Mission Planner (255) keep
  the failsafe quiet (see ``fleetops.gcs_failsafe_params``);
- the camera: ``CAM1_TYPE`` (1 servo, 2 relay, 3 GoPro, 4 mount, 5 MAVLink, ...), which takes
  effect only after a reboot (``MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN``); the drone is then
  rebooted and the value read back from the rebooted drone.

Parameters are only changed on the ground: an armed drone is refused (exit 5).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from dronepatrol.errors import LinkTimeout, SafetyError, VehicleRejected
from dronepatrol.mavlink import ops
from dronepatrol.mavlink.fleetops import gcs_failsafe_params

#: ``--gcs-failsafe`` choices: FS_GCS_ENABLE values of ArduCopter.
GCS_FAILSAFE_ACTIONS: dict[str, int] = {"off": 0, "rtl": 1, "smartrtl": 3, "land": 5}

#: Parameters that take effect only after a reboot.
NEEDS_REBOOT = frozenset({"CAM1_TYPE"})

MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN = 246
MSG_SYSTEM_TIME = 2


@dataclass(frozen=True, kw_only=True)
class SetupResult:
    """What setup found and changed on one drone: ``changed`` maps a parameter to (before, after)."""

    drone: str
    values: dict[str, float | None]
    changed: dict[str, tuple[float | None, float]] = field(default_factory=dict)
    rebooted: bool = False


def _boot_ms(link: Any) -> int | None:
    msg = ops.request_message(link, MSG_SYSTEM_TIME, "SYSTEM_TIME", timeout_s=1.0, retries=2)
    return None if msg is None else int(msg.time_boot_ms)


def reboot(link: Any, *, timeout_s: float = 60.0) -> None:
    """Reboot the autopilot and wait until it runs again, ``timeout_s`` wall seconds at most.

    A reboot shows as the drone's boot clock (``time_boot_ms`` of its streams and of SYSTEM_TIME)
    going back, as the link reconnecting (TCP ports close on a reboot), or as the boot clock
    standing behind where it would be without one. The first is watched on every message: behind
    a link owner our port never reconnects, and at a simulator's speed-up the restarted clock
    overtakes the old one within seconds, so a poll alone can miss the reboot.
    """
    reconnects = getattr(getattr(link, "health", None), "reconnects", 0)
    with link.subscribe(list(ops.CLOCK_TYPES)) as clock:
        before = _boot_ms(link)
        highest = before or 0
        t_before = time.monotonic()
        ops.command(link, MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN, 1)
        deadline = time.monotonic() + timeout_s
        ask_at = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            msg = clock.get(0.2)
            if msg is not None:
                ms = int(msg.time_boot_ms)
                if ms + ops.CLOCK_JITTER_MS < highest:
                    return
                highest = max(highest, ms)
            if time.monotonic() < ask_at:
                continue
            now = _boot_ms(link)
            ask_at = time.monotonic() + 0.2
            if now is not None:
                elapsed_ms = 1000.0 * (time.monotonic() - t_before)
                relinked = getattr(getattr(link, "health", None), "reconnects", 0) > reconnects
                if before is None or relinked or now + ops.CLOCK_JITTER_MS < highest or now < before + 0.5 * elapsed_ms:
                    return
                highest = max(highest, now)
    raise LinkTimeout(f"{link.name}: did not come back within {timeout_s:g} s after the reboot — check the drone, "
                      "then run 'dronepatrol fleet status'")


def setup_drone(link: Any, *, gcs_failsafe: int | None = 1, gcs_timeout_s: float | None = None,
                camera_type: int | None = None, allow_reboot: bool = True) -> SetupResult:
    """Set the failsafe (and, if given, how many seconds without a ground station trigger it), the
    counted ground stations and (if given) the camera type on one drone.

    Raises :class:`SafetyError` (exit 5) when the drone is armed.
    """
    hb = ops.heartbeat(link)
    if int(hb.base_mode) & ops.MAV_MODE_FLAG_SAFETY_ARMED:
        raise SafetyError(f"{link.name}: armed — setup changes parameters only on the ground; land and disarm first")
    want: dict[str, float] = {}
    if gcs_failsafe is not None:
        want["FS_GCS_ENABLE"] = gcs_failsafe
    if gcs_timeout_s is not None:
        want["FS_GCS_TIMEOUT"] = gcs_timeout_s
    if camera_type is not None:
        want["CAM1_TYPE"] = camera_type
    values: dict[str, float | None] = {}
    changed: dict[str, tuple[float | None, float]] = {}
    before_gcs = gcs_failsafe_params(link)
    after_gcs = gcs_failsafe_params(link, fix=True)
    for name, old, new in zip(("MAV_GCS_SYSID", "MAV_GCS_SYSID_HI"), before_gcs, after_gcs, strict=True):
        values[name] = new
        if new is not None and old != new:
            changed[name] = (old, new)
    for name, value in want.items():
        old = ops.get_param(link, name, required=False)
        if old is None or old != value:
            values[name] = ops.set_param(link, name, value)
            changed[name] = (old, float(value))
        else:
            values[name] = old
    rebooted = False
    if allow_reboot and NEEDS_REBOOT & set(changed):
        reboot(link)
        rebooted = True
        for name in NEEDS_REBOOT & set(changed):
            values[name] = ops.get_param(link, name)
            if values[name] != want[name]:
                raise VehicleRejected(f"{link.name}: {name} reads {values[name]:g} after the reboot, not "
                                      f"{want[name]:g} — the drone did not keep it; check its firmware")
    return SetupResult(drone=link.name, values=values, changed=changed, rebooted=rebooted)
