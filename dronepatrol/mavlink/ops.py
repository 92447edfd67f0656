"""Operations on one drone over a link: mission transfers, parameters, commands, arming, snapshots.

Everything here talks through a small port protocol (:class:`Port`), which
:class:`dronepatrol.mavlink.fleetlink.DroneLink` provides: ``name``, ``system_id``, ``mav`` (a
pymavlink ``MAVLink`` used to build messages, source 254/190), ``send(msg)`` and
``subscribe(types)`` (messages from the drone's own system id only). Every wait has a timeout and
raises :class:`~dronepatrol.errors.LinkTimeout` (exit 4) or
:class:`~dronepatrol.errors.VehicleRejected` (exit 6) naming the drone, never returns silently.

- transfers drive :class:`~dronepatrol.mavlink.transfer.Transfer` with the spec timeouts
  (1500 ms, 250 ms per item, 5 retries);
- :func:`set_param` sends PARAM_SET and checks the PARAM_VALUE the vehicle answers (read-back);
  parameter reads and writes are retried up to 8 times, 1 s apart (a radio losing a third of its
  packets still gets through; a dead link is reported after 9 s, like a transfer);
- :func:`command` sends COMMAND_LONG to the drone's system id and waits for the COMMAND_ACK of
  that command from that id (a rejection raises, naming drone, command and result);
- :func:`arm` retries arming until a deadline and reports the last ``PreArm:``/``Arm:`` text.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import struct
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from dronepatrol.errors import LinkTimeout, VehicleRejected
from dronepatrol.mavlink.items import WireItem, item_differences
from dronepatrol.mavlink.transfer import MISSION_MESSAGES, Timeouts, Transfer

COMPONENT_AUTOPILOT = 1
#: MAV_RESULT names, for messages.
RESULTS = {0: "ACCEPTED", 1: "TEMPORARILY_REJECTED", 2: "DENIED", 3: "UNSUPPORTED", 4: "FAILED", 5: "IN_PROGRESS",
           6: "CANCELLED"}
#: MAV_CMD names used in messages.
COMMAND_NAMES = {176: "DO_SET_MODE", 400: "COMPONENT_ARM_DISARM", 22: "NAV_TAKEOFF", 20: "NAV_RETURN_TO_LAUNCH",
                 21: "NAV_LAND", 300: "MISSION_START", 512: "REQUEST_MESSAGE", 246: "PREFLIGHT_REBOOT_SHUTDOWN",
                 511: "SET_MESSAGE_INTERVAL", 401: "RUN_PREARM_CHECKS"}
MAV_CMD_DO_SET_MODE = 176
MAV_CMD_COMPONENT_ARM_DISARM = 400
MAV_CMD_NAV_TAKEOFF = 22
MAV_CMD_REQUEST_MESSAGE = 512
MAV_CMD_RUN_PREARM_CHECKS = 401
MAV_MODE_FLAG_CUSTOM_MODE_ENABLED = 1
MAV_MODE_FLAG_SAFETY_ARMED = 128
PARAM_TYPE_REAL32 = 9


class Subscription(Protocol):
    def get(self, timeout_s: float) -> Any | None: ...

    def close(self) -> None: ...

    def __enter__(self) -> Subscription: ...

    def __exit__(self, *exc: object) -> None: ...


class Port(Protocol):
    """What the operations need from a link (``DroneLink`` provides it)."""

    name: str
    system_id: int
    mav: Any

    def send(self, msg: Any) -> None: ...

    def subscribe(self, types: Iterable[str] | None = None) -> Subscription: ...


Progress = Callable[[int, int], None]


def command_name(cmd: int) -> str:
    return COMMAND_NAMES.get(cmd, f"command {cmd}")


# --- waiting ---------------------------------------------------------------------------------------


def wait_for(link: Port, types: Iterable[str], timeout_s: float, cond: Callable[[Any], bool] | None = None,
             *, sub: Subscription | None = None) -> Any | None:
    """The next message of ``types`` (satisfying ``cond``) within ``timeout_s`` seconds, else None."""
    deadline = time.monotonic() + timeout_s
    own = sub is None
    s = link.subscribe(list(types)) if sub is None else sub
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            msg = s.get(left)
            if msg is not None and (cond is None or cond(msg)):
                return msg
    finally:
        if own:
            s.close()


#: Messages that carry the autopilot's own clock (``time_boot_ms``: milliseconds since it booted).
CLOCK_TYPES = ("GLOBAL_POSITION_INT", "ATTITUDE", "SYSTEM_TIME")
#: How far one message's ``time_boot_ms`` may stand behind an earlier one's (another message type,
#: stamped a little earlier in the same loop) before the clock counts as gone back: a reboot (ms).
CLOCK_JITTER_MS = 200


def sleep_vehicle(link: Port, seconds: float, *, silence_s: float = 5.0) -> float:
    """Wait until ``seconds`` have passed on the drone's own clock; returns the vehicle seconds waited.

    ArduPilot SITL and ``dronepatrol sim`` run that clock at their speed-up, and a plan's times
    (start offsets) are vehicle seconds: waiting them on the laptop's clock would stretch them by
    the speed-up and fly a timing the separation check never saw. On a real drone both clocks
    agree. The clock is read from the telemetry streams (``time_boot_ms``), one stream interval
    late at most. Raises :class:`LinkTimeout` if the drone sends no clock for ``silence_s`` wall
    seconds, or if its clock goes back (it rebooted).
    """
    if seconds <= 0:
        return 0.0
    start: int | None = None
    with link.subscribe(list(CLOCK_TYPES)) as sub:
        while True:
            msg = sub.get(silence_s)
            if msg is None:
                raise LinkTimeout(f"{link.name}: no telemetry for {silence_s:g} s while waiting for its start "
                                  f"time — check the link, then start again")
            now = int(msg.time_boot_ms)
            if start is None:
                start = now
            if now + CLOCK_JITTER_MS < start:
                raise LinkTimeout(f"{link.name}: its clock went back while waiting for its start time (it "
                                  f"rebooted) — check the drone, then start again")
            if now - start >= seconds * 1000.0:
                return (now - start) / 1000.0


# --- transfers ---------------------------------------------------------------------------------------


def run_transfer(link: Port, transfer: Transfer, *, progress: Progress | None = None,
                 stop: Callable[[Transfer], bool] | None = None) -> Transfer:
    """Drive ``transfer`` over ``link`` until it ends; raises its error (exit 4 or 6).

    ``stop(transfer)`` (checked after every message) ends a download early, e.g. at the first
    item that differs from the plan; the transfer is then cancelled and returned unfinished.
    """
    try:
        return _drive(link, transfer, progress, stop)
    finally:
        _remember_rtt(link, transfer)


def _drive(link: Port, transfer: Transfer, progress: Progress | None, stop: Callable[[Transfer], bool] | None
           ) -> Transfer:
    with link.subscribe(MISSION_MESSAGES) as sub:
        for m in transfer.start(time.monotonic()):
            link.send(m)
        last_progress = (-1, -1)
        while not transfer.done:
            now = time.monotonic()
            wait = 0.05 if transfer.deadline is None else max(0.0, min(0.25, transfer.deadline - now))
            msg = sub.get(wait)
            now = time.monotonic()
            out = transfer.on_message(msg, now) if msg is not None else []
            if transfer.deadline is not None and now >= transfer.deadline:
                out += transfer.on_tick(now)
            for m in out:
                link.send(m)
            if progress is not None and transfer.progress != last_progress:
                last_progress = transfer.progress
                progress(*last_progress)
            if stop is not None and not transfer.done and stop(transfer):
                for m in transfer.cancel(time.monotonic()):
                    link.send(m)
                return transfer
    if transfer.error is not None:
        raise transfer.error
    return transfer


#: Each link's smoothed round-trip time from its last transfer (seeds the next one's re-send timer).
_SRTT: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()


def _timeouts(link: Port, timeouts: Timeouts | None) -> Timeouts:
    t = timeouts or Timeouts()
    if t.initial_srtt_s is None:
        with contextlib.suppress(TypeError):
            srtt = _SRTT.get(link)
            if srtt is not None:
                t = dataclasses.replace(t, initial_srtt_s=srtt)
    return t


def _remember_rtt(link: Port, transfer: Transfer) -> None:
    if transfer.srtt_s is not None:
        with contextlib.suppress(TypeError):
            _SRTT[link] = transfer.srtt_s


def _label(link: Port, mission_type: int, op: str) -> str:
    return f"{link.name}: {('mission', 'fence', 'rally')[mission_type]} {op}"


def upload_list(link: Port, mission_type: int, items: Sequence[WireItem], *, progress: Progress | None = None,
                timeouts: Timeouts | None = None) -> Transfer:
    """Upload one list (an empty list is cleared); raises on rejection or timeout."""
    if not items:
        return clear_list(link, mission_type, timeouts=timeouts)
    t = Transfer.upload(link.mav, link.system_id, COMPONENT_AUTOPILOT, mission_type, items,
                        timeouts=_timeouts(link, timeouts), label=_label(link, mission_type, "upload"))
    return run_transfer(link, t, progress=progress)


def clear_list(link: Port, mission_type: int, *, timeouts: Timeouts | None = None) -> Transfer:
    t = Transfer.clear(link.mav, link.system_id, COMPONENT_AUTOPILOT, mission_type,
                       timeouts=_timeouts(link, timeouts), label=_label(link, mission_type, "clear"))
    return run_transfer(link, t)


@dataclass
class Download:
    """A download's result: ``items`` read; ``matches`` the expected list (None: nothing expected)."""

    items: list[WireItem]
    count: int
    matches: bool | None = None
    differences: list[str] = field(default_factory=list)
    complete: bool = True


def download_list(link: Port, mission_type: int, *, expect: Sequence[WireItem] | None = None,
                  stop_at_difference: bool = False, progress: Progress | None = None,
                  timeouts: Timeouts | None = None) -> Download:
    """Download one list; with ``expect``, compare as it arrives (see :mod:`~dronepatrol.mavlink.items`).

    ``stop_at_difference`` ends the download at the first difference (a count that differs, or an
    item): the quick "is this plan already on board?" test before an upload.
    """
    t = Transfer.download(link.mav, link.system_id, COMPONENT_AUTOPILOT, mission_type,
                          timeouts=_timeouts(link, timeouts), label=_label(link, mission_type, "download"))
    diffs: list[str] = []
    checked = {"n": 0}

    def check(tr: Transfer) -> bool:
        if expect is None:
            return False
        if tr.count is not None and tr.count != len(expect) and not diffs:
            diffs.append(f"{tr.count} items on board, {len(expect)} planned")
        start = 1 if mission_type == 0 else 0
        while checked["n"] < len(tr.items) and checked["n"] < len(expect):
            k = checked["n"]
            if k >= start:
                diffs.extend(item_differences(k, expect[k], tr.items[k]))
            checked["n"] += 1
        return stop_at_difference and bool(diffs)

    run_transfer(link, t, progress=progress, stop=check)
    check(t)
    matches = None if expect is None else not diffs
    return Download(items=list(t.items), count=t.count or 0, matches=matches, differences=diffs, complete=t.ok)


# --- parameters ----------------------------------------------------------------------------------------


def _f32(v: float) -> float:
    return struct.unpack("<f", struct.pack("<f", v))[0]


def _name(msg: Any) -> str:
    pid = msg.param_id
    if isinstance(pid, bytes):
        pid = pid.decode("ascii", "replace")
    return pid.rstrip("\x00")


def get_param(link: Port, name: str, *, timeout_s: float = 1.0, retries: int = 8, required: bool = True
              ) -> float | None:
    """A parameter's value (PARAM_REQUEST_READ -> PARAM_VALUE); ``None`` if absent and not ``required``."""
    with link.subscribe(["PARAM_VALUE"]) as sub:
        for _ in range(retries + 1):
            link.send(link.mav.param_request_read_encode(link.system_id, COMPONENT_AUTOPILOT, name.encode(), -1))
            msg = wait_for(link, ["PARAM_VALUE"], timeout_s, lambda m: _name(m) == name, sub=sub)
            if msg is not None:
                return float(msg.param_value)
    if not required:
        return None
    raise LinkTimeout(f"{link.name}: no value for parameter {name} after {retries + 1} requests — check the link "
                      "(or the firmware has no such parameter)")


def set_param(link: Port, name: str, value: float, *, timeout_s: float = 1.0, retries: int = 8) -> float:
    """Set a parameter and check the value the vehicle answers; returns it.

    Raises :class:`VehicleRejected` if the vehicle keeps another value, :class:`LinkTimeout` if it
    never answers (an unknown parameter is never answered by ArduPilot).
    """
    want = _f32(float(value))
    with link.subscribe(["PARAM_VALUE"]) as sub:
        for _ in range(retries + 1):
            link.send(link.mav.param_set_encode(link.system_id, COMPONENT_AUTOPILOT, name.encode(), want,
                                                PARAM_TYPE_REAL32))
            msg = wait_for(link, ["PARAM_VALUE"], timeout_s, lambda m: _name(m) == name, sub=sub)
            if msg is None:
                continue
            got = float(msg.param_value)
            if math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-6):
                return got
            raise VehicleRejected(f"{link.name}: parameter {name} reads {got:g} after setting {want:g} — the vehicle "
                                  "refused the value; check its range")
    raise LinkTimeout(f"{link.name}: no answer setting parameter {name} (sent {retries + 1} times) — check the link, "
                      "or the firmware has no such parameter")


# --- commands ---------------------------------------------------------------------------------------


def command(link: Port, cmd: int, *params: float, timeout_s: float = 1.5, retries: int = 5, check: bool = True,
            in_progress_s: float = 10.0) -> int:
    """COMMAND_LONG to the drone's system id; returns the MAV_RESULT of its COMMAND_ACK.

    Only an ACK of this command from the drone's own system id (and addressed to us or to all)
    counts. With ``check``, anything but ACCEPTED raises :class:`VehicleRejected` naming the drone,
    the command and the result. No ACK after the retries: :class:`LinkTimeout`.
    """
    p = [float(x) for x in params] + [0.0] * (7 - len(params))
    ours = getattr(link.mav, "srcSystem", 254)

    def is_ack(m: Any) -> bool:
        return int(m.command) == cmd and int(getattr(m, "target_system", 0)) in (0, ours)

    with link.subscribe(["COMMAND_ACK"]) as sub:
        for attempt in range(retries + 1):
            link.send(link.mav.command_long_encode(link.system_id, COMPONENT_AUTOPILOT, cmd, min(attempt, 255), *p))
            ack = wait_for(link, ["COMMAND_ACK"], timeout_s, is_ack, sub=sub)
            if ack is None:
                continue
            deadline = time.monotonic() + in_progress_s
            while int(ack.result) == 5 and time.monotonic() < deadline:  # IN_PROGRESS: the final ACK follows
                nxt = wait_for(link, ["COMMAND_ACK"], max(0.0, deadline - time.monotonic()), is_ack, sub=sub)
                if nxt is None:
                    break
                ack = nxt
            result = int(ack.result)
            if check and result != 0:
                raise VehicleRejected(f"{link.name}: {command_name(cmd)} rejected: "
                                      f"MAV_RESULT_{RESULTS.get(result, result)}")
            return result
    raise LinkTimeout(f"{link.name}: no COMMAND_ACK for {command_name(cmd)} from system {link.system_id} after "
                      f"{retries + 1} tries — check the link")


def heartbeat(link: Port, timeout_s: float = 3.0) -> Any:
    """The next HEARTBEAT from the drone; :class:`LinkTimeout` if none comes."""
    hb = wait_for(link, ["HEARTBEAT"], timeout_s)
    if hb is None:
        raise LinkTimeout(f"{link.name}: no HEARTBEAT within {timeout_s:g} s — check the link")
    return hb


def set_mode(link: Port, mode: int, name: str = "", *, timeout_s: float = 3.0) -> None:
    """DO_SET_MODE (custom mode ``mode``), checked by COMMAND_ACK and then by the HEARTBEAT's mode."""
    label = name or f"mode {mode}"
    with link.subscribe(["HEARTBEAT"]) as sub:
        try:
            command(link, MAV_CMD_DO_SET_MODE, MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, mode)
        except VehicleRejected as exc:
            raise VehicleRejected(f"{exc} (switching to {label})") from None
        hb = wait_for(link, ["HEARTBEAT"], timeout_s, lambda m: int(m.custom_mode) == mode, sub=sub)
    if hb is None:
        raise VehicleRejected(f"{link.name}: accepted {label} but its HEARTBEAT does not show it after {timeout_s:g} s")


def _text(msg: Any) -> str:
    t = msg.text
    if isinstance(t, bytes):
        t = t.decode("utf-8", "replace")
    return t.rstrip("\x00").strip()


def arm(link: Port, *, timeout_s: float = 60.0, retry_s: float = 1.0) -> None:
    """Arm, retrying until ``timeout_s``; on failure raise :class:`VehicleRejected` with the last
    ``PreArm:``/``Arm:`` STATUSTEXT (ArduCopter refuses for ~40 s after boot: "Need Position Estimate")."""
    deadline = time.monotonic() + timeout_s
    last_text = ""
    last_result = "no answer"
    with link.subscribe(["STATUSTEXT"]) as texts:
        while True:
            try:
                result = command(link, MAV_CMD_COMPONENT_ARM_DISARM, 1, check=False, retries=1)
                last_result = f"MAV_RESULT_{RESULTS.get(result, result)}"
            except LinkTimeout:
                result = -1
            while (m := texts.get(0.0)) is not None:
                t = _text(m)
                if t.startswith(("PreArm:", "Arm:")):
                    last_text = t
            if result == 0:
                return
            if time.monotonic() >= deadline:
                break
            pause = min(retry_s, max(0.0, deadline - time.monotonic()))
            end = time.monotonic() + pause
            while (left := end - time.monotonic()) > 0:
                m = texts.get(left)
                if m is not None and _text(m).startswith(("PreArm:", "Arm:")):
                    last_text = _text(m)
    why = f'"{last_text}"' if last_text else last_result
    raise VehicleRejected(f"{link.name}: arming refused for {timeout_s:g} s: {why} — fix that, then start again")


def request_message(link: Port, msg_id: int, type_name: str, *, timeout_s: float = 1.0, retries: int = 2) -> Any | None:
    """Ask for one message (MAV_CMD_REQUEST_MESSAGE) and return it, or None if it does not come."""
    with link.subscribe([type_name]) as sub:
        for _ in range(retries + 1):
            try:
                result = command(link, MAV_CMD_REQUEST_MESSAGE, msg_id, check=False, retries=0, timeout_s=timeout_s)
            except LinkTimeout:
                continue
            if result != 0:
                return None
            msg = wait_for(link, [type_name], timeout_s, sub=sub)
            if msg is not None:
                return msg
    return None


def latest(link: Port, types: Sequence[str], *, window_s: float = 1.5, want_all: bool = True) -> dict[str, Any]:
    """The newest message of each of ``types`` seen within ``window_s`` seconds (streams must be on)."""
    out: dict[str, Any] = {}
    deadline = time.monotonic() + window_s
    with link.subscribe(list(types)) as sub:
        while (left := deadline - time.monotonic()) > 0:
            msg = sub.get(left)
            if msg is not None:
                out[msg.get_type()] = msg
                if want_all and len(out) == len(types):
                    break
    return out


__all__ = [
    "Download",
    "Port",
    "arm",
    "clear_list",
    "command",
    "download_list",
    "get_param",
    "heartbeat",
    "latest",
    "request_message",
    "run_transfer",
    "set_mode",
    "set_param",
    "sleep_vehicle",
    "upload_list",
    "wait_for",
]
