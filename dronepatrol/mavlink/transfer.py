"""The MAVLink mission protocol, ground-station side, as a sans-I/O state machine.

One :class:`Transfer` is one upload, download or clear of one list (``mission_type`` 0 mission,
1 fence, 2 rally). It does no I/O and reads no clock: feed it the vehicle's messages and the time
(seconds, any monotonic origin) and send what it returns::

    t = Transfer.upload(mav, 1, 1, 0, items, label="drone1 mission")
    out = t.start(now)                    # -> [MISSION_COUNT]
    out = t.on_message(msg, now)          # MISSION_REQUEST(_INT) -> [MISSION_ITEM_INT], ...
    out = t.on_tick(now)                  # when now >= t.deadline: re-send or give up
    t.done, t.ok, t.error, t.items

``mav`` is a pymavlink ``MAVLink`` object, used only to build messages (its ``srcSystem`` and
``srcComponent`` are ours: messages addressed to another ground station are ignored).

Behaviour (MAVLink mission protocol, QGroundControl's PlanManager, ArduCopter as observed):

- timeouts: :attr:`Timeouts.reply_s` (1500 ms) for a reply, :attr:`Timeouts.item_s` (250 ms) per
  item while downloading, :attr:`Timeouts.retries` (5): after 5 re-sends and 9 s without progress
  the transfer ends with :class:`TransferTimeout` (and a MISSION_ACK OPERATION_CANCELLED tells the
  vehicle so). Lost messages are re-sent as soon as the measured round trip says they are late
  (see :class:`Timeouts`);
- uploads answer MISSION_REQUEST and MISSION_REQUEST_INT alike with MISSION_ITEM_INT; any request
  in range is answered, again if repeated (a duplicate request is not an error);
- MISSION_ACK INVALID_SEQUENCE in the middle of an upload is not fatal (ArduCopter re-requests and
  ends ACCEPTED); any other error ACK ends the transfer with :class:`TransferRejected` and a
  message an officer understands (:func:`result_message`);
- a lost final ACK: the last item is re-sent; if the vehicle stays silent for
  :attr:`Timeouts.reply_s` it is not waiting for anything (ArduCopter re-requests a missing item
  every second), so the upload ends ``ok`` with :attr:`Transfer.unconfirmed` set: the caller's
  download is the proof;
- an INVALID_SEQUENCE answer to a re-sent item means the vehicle had it (its next request was
  lost): the next item is sent at once (once per step);
- an ACCEPTED ACK that cannot end this upload (before the last item was asked for) is stale and
  ignored; messages of another mission type, to another ground station, or arriving before
  :meth:`Transfer.start` or after the end change nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from dronepatrol.errors import LinkTimeout, VehicleRejected
from dronepatrol.mavlink.items import WireItem, wire_from_msg
from dronepatrol.mission import Cmd

ACCEPTED = 0
ERROR = 1
NO_SPACE = 4
INVALID_SEQUENCE = 13
DENIED = 14
OPERATION_CANCELLED = 15

LIST_NAMES = {0: "mission", 1: "fence", 2: "rally"}
#: What each list holds on ArduCopter (named in NO_SPACE messages).
LIMIT_HINTS = {
    0: "ArduCopter SITL stores at most 650 mission items, home included",
    1: "fence storage is small: ArduCopter 4.7 SITL stores about 550 bytes, e.g. one 68-vertex polygon",
    2: "ArduCopter keeps few rally points (RALLY_TOTAL)",
}
_PARAM_FIELDS = {6: "param1", 7: "param2", 8: "param3", 9: "param4", 10: "latitude (param5)",
                 11: "longitude (param6)", 12: "altitude (param7)"}

MISSION_MESSAGES = ("MISSION_REQUEST", "MISSION_REQUEST_INT", "MISSION_ACK", "MISSION_COUNT", "MISSION_ITEM",
                    "MISSION_ITEM_INT")


@dataclass(frozen=True, kw_only=True)
class Timeouts:
    """Protocol timeouts in seconds (MAVLink guide and QGroundControl: 1.5 s, 0.25 s, 5 retries).

    A message without its reply is re-sent after at most ``reply_s`` (``item_s`` for a download
    item); the transfer gives up after ``retries`` re-sends *and* ``(retries + 1) x reply_s``
    (9 s) without progress. Within that window a lost message is re-sent as soon as the link's
    measured round trip says it is late (as TCP's retransmission timer: the smoothed RTT plus the
    larger of 4 x its mean deviation and ``min_rto_s``, doubling on each re-send, never later than
    the spec timeout): a lossy link then costs about a round trip per lost message, not a second.
    Before the first RTT sample (``initial_srtt_s``: the link's estimate from an earlier transfer)
    the spec timeouts apply. ``adaptive=False``
    re-sends only at the spec timeouts.
    """

    reply_s: float = 1.5
    item_s: float = 0.25
    retries: int = 5
    adaptive: bool = True
    min_rto_s: float = 0.02
    initial_srtt_s: float | None = None


class Op(Enum):
    UPLOAD = "upload"
    DOWNLOAD = "download"
    CLEAR = "clear"


class TransferRejected(VehicleRejected):
    """The vehicle answered a transfer with an error MAV_MISSION_RESULT (exit 6)."""

    def __init__(self, message: str, *, result: int, mission_type: int) -> None:
        super().__init__(message)
        self.result = result
        self.mission_type = mission_type


class TransferTimeout(LinkTimeout):
    """The vehicle stopped answering during a transfer (exit 4)."""


def _item_name(item: WireItem | None, seq: int | None) -> str:
    if seq is None:
        return "an item"
    if item is None:
        return f"item {seq}"
    try:
        name = Cmd(item.command).name
    except ValueError:
        name = f"command {item.command}"
    return f"item {seq} ({name})"


def result_message(result: int, mission_type: int, *, count: int = 0, item: WireItem | None = None,
                   seq: int | None = None) -> str:
    """One line saying what a MAV_MISSION_RESULT means for the officer and what to do."""
    what = LIST_NAMES.get(mission_type, f"list {mission_type}")
    at = _item_name(item, seq)
    if result == ACCEPTED:
        return f"the {what} was accepted"
    if result == ERROR:
        if mission_type == 1:
            return ("the vehicle refused the fence (MAV_MISSION_ERROR: on ArduCopter the fence does not fit its "
                    "storage) — plan a simpler fence: fewer no-fly polygons or vertices")
        return f"the vehicle reported an error storing the {what} at {at} (MAV_MISSION_ERROR) — try the upload again"
    if result == 2:
        return f"the vehicle does not support the coordinate frame of {at} — re-plan with relative altitudes"
    if result == 3:
        return f"the vehicle does not support {at} (MAV_MISSION_UNSUPPORTED) — remove that command from the plan"
    if result == NO_SPACE:
        return (f"the vehicle has no room for {count} {what} items (MAV_MISSION_NO_SPACE; {LIMIT_HINTS[mission_type]})"
                " — split the plan into sorties or simplify it")
    if result == 5:
        return f"the vehicle found {at} invalid (MAV_MISSION_INVALID) — check the plan with 'mission check'"
    if result in _PARAM_FIELDS:
        return (f"the vehicle refused {at}: invalid {_PARAM_FIELDS[result]} (MAV_MISSION_INVALID_PARAM) — "
                "check that value in the plan")
    if result == INVALID_SEQUENCE:
        return f"the vehicle received the {what} items out of order — try the upload again"
    if result == DENIED:
        return (f"the vehicle denied the {what} transfer (MAV_MISSION_DENIED): it is armed or busy with another "
                "ground station's transfer — land and disarm, close other ground stations' uploads, then retry")
    if result == OPERATION_CANCELLED:
        return (f"the vehicle cancelled the {what} transfer (it waited too long for an item) — check the link "
                "and retry")
    return f"the vehicle answered the {what} transfer with MAV_MISSION_RESULT {result} — retry the upload"


class Transfer:
    """One upload, download or clear of one mission list (see the module docstring)."""

    def __init__(self, op: Op, mav: Any, target_system: int, target_component: int, mission_type: int, *,
                 items: Sequence[WireItem] = (), timeouts: Timeouts | None = None, label: str = "") -> None:
        self.op = op
        self.mav = mav
        self.ts, self.tc = int(target_system), int(target_component)
        self.mission_type = int(mission_type)
        self.timeouts = timeouts or Timeouts()
        self.label = label or f"{LIST_NAMES.get(self.mission_type, self.mission_type)} {op.value}"
        self.send_items = list(items)
        #: downloaded items (download), in sequence order
        self.items: list[WireItem] = []
        self.count: int | None = len(self.send_items) if op is Op.UPLOAD else None
        self.started = False
        self.done = False
        self.ok = False
        self.error: Exception | None = None
        #: upload ended after the last item without the vehicle's final ACK (verify by download)
        self.unconfirmed = False
        #: number of non-fatal INVALID_SEQUENCE acks seen, and re-sends made
        self.invalid_sequence_acks = 0
        self.resends = 0
        self.deadline: float | None = None
        #: smoothed round-trip time (s) measured on replies to messages sent once
        self.srtt_s: float | None = self.timeouts.initial_srtt_s
        self.rttvar_s = 0.0 if self.srtt_s is None else self.srtt_s / 2
        self._state = "idle"
        self._sent_at = 0.0  # when the message now awaiting its reply was first sent
        self._resent = False  # ... and whether it was re-sent since (no RTT sample then)
        self._backoff = 0
        self._progress_at = 0.0
        self._tries = 1
        self._nudged = False
        self._highest = -1  # highest item seq sent (upload)
        self._last_sent: int | None = None
        self._next = 0  # next item seq wanted (download)

    # --- constructors --------------------------------------------------------------------------
    @classmethod
    def upload(cls, mav: Any, target_system: int, target_component: int, mission_type: int,
               items: Sequence[WireItem], **kw: Any) -> Transfer:
        return cls(Op.UPLOAD, mav, target_system, target_component, mission_type, items=items, **kw)

    @classmethod
    def download(cls, mav: Any, target_system: int, target_component: int, mission_type: int, **kw: Any) -> Transfer:
        return cls(Op.DOWNLOAD, mav, target_system, target_component, mission_type, **kw)

    @classmethod
    def clear(cls, mav: Any, target_system: int, target_component: int, mission_type: int, **kw: Any) -> Transfer:
        return cls(Op.CLEAR, mav, target_system, target_component, mission_type, **kw)

    # --- progress ------------------------------------------------------------------------------
    @property
    def progress(self) -> tuple[int, int]:
        """(items done, items in all) so far; (0, 0) while the total is unknown."""
        if self.op is Op.UPLOAD:
            total = len(self.send_items)
            return (total if self.ok else max(0, self._highest), total)
        if self.op is Op.DOWNLOAD:
            return (len(self.items), self.count or 0)
        return (1 if self.ok else 0, 1)

    # --- building messages ----------------------------------------------------------------------
    def _count_msg(self) -> Any:
        return self.mav.mission_count_encode(self.ts, self.tc, len(self.send_items), self.mission_type)

    def _item_msg(self, seq: int) -> Any:
        it = self.send_items[seq]
        p = it.params
        return self.mav.mission_item_int_encode(self.ts, self.tc, seq, it.frame, it.command, it.current,
                                                it.autocontinue, p[0], p[1], p[2], p[3], it.x, it.y, it.z,
                                                self.mission_type)

    def _request_msg(self, seq: int) -> Any:
        return self.mav.mission_request_int_encode(self.ts, self.tc, seq, self.mission_type)

    def _ack_msg(self, result: int) -> Any:
        return self.mav.mission_ack_encode(self.ts, self.tc, result, self.mission_type)

    def _first_msg(self) -> Any:
        if self.op is Op.UPLOAD:
            return self._count_msg()
        if self.op is Op.DOWNLOAD:
            return self.mav.mission_request_list_encode(self.ts, self.tc, self.mission_type)
        return self.mav.mission_clear_all_encode(self.ts, self.tc, self.mission_type)

    # --- ending ------------------------------------------------------------------------------
    def _succeed(self) -> None:
        self.done, self.ok, self.deadline, self._state = True, True, None, "done"

    def _fail(self, error: Exception) -> None:
        self.done, self.ok, self.error, self.deadline, self._state = True, False, error, None, "done"

    def _reject(self, result: int) -> None:
        seq = self._last_sent if self.op is Op.UPLOAD else None
        item = self.send_items[seq] if seq is not None and seq < len(self.send_items) else None
        msg = result_message(result, self.mission_type, count=len(self.send_items), item=item, seq=seq)
        self._fail(TransferRejected(f"{self.label}: {msg}", result=result, mission_type=self.mission_type))

    def _timeout(self, what: str) -> list[Any]:
        self._fail(TransferTimeout(f"{self.label}: {what} after {self._tries} tries — check the link "
                                   "(radio range, cable) and that no other program is using the drone's port"))
        return [self._ack_msg(OPERATION_CANCELLED)]

    def cancel(self, now: float) -> list[Any]:
        """Stop the transfer: tells the vehicle (MISSION_ACK OPERATION_CANCELLED) and ends with an error."""
        if self.done or not self.started:
            return []
        self._fail(TransferRejected(f"{self.label}: cancelled", result=OPERATION_CANCELLED,
                                    mission_type=self.mission_type))
        return [self._ack_msg(OPERATION_CANCELLED)]

    # --- timers ---------------------------------------------------------------------------------
    @property
    def _last_out(self) -> int:
        """The highest item the vehicle is known to want: the last asked in order, or the one pushed after it."""
        return self._highest + 1 if self._nudged else self._highest

    def _spec_timeout(self) -> float:
        return self.timeouts.item_s if self._state == "wait_item" else self.timeouts.reply_s

    def _rto(self) -> float:
        base = self._spec_timeout()
        if not self.timeouts.adaptive or self.srtt_s is None:
            return base
        rto = (self.srtt_s + max(self.timeouts.min_rto_s, 4 * self.rttvar_s)) * 2 ** self._backoff
        return min(base, rto)

    def _progress(self, now: float) -> None:
        """A reply that moves the transfer on: sample the RTT (Karn: not after a re-send), reset the timers."""
        if not self._resent:
            rtt = max(0.0, now - self._sent_at)
            if self.srtt_s is None:
                self.srtt_s, self.rttvar_s = rtt, rtt / 2
            else:
                self.rttvar_s = 0.75 * self.rttvar_s + 0.25 * abs(self.srtt_s - rtt)
                self.srtt_s = 0.875 * self.srtt_s + 0.125 * rtt
        self._progress_at = now
        self._backoff = 0
        self._tries = 1
        self._nudged = False
        self._sent(now)

    def _sent(self, now: float) -> None:
        self._sent_at, self._resent = now, False
        self.deadline = now + self._rto()

    def _resend(self, now: float) -> None:
        self._resent = True
        self._backoff += 1
        self._tries += 1
        self.resends += 1
        self.deadline = min(now + self._rto(), max(now, self._give_up_at()))

    def _give_up_at(self) -> float:
        # at least ``retries`` re-sends, and never before (retries + 1) x reply_s without progress: a
        # download item is re-requested every <= 250 ms, but a lossy link gets the whole window
        if self._tries <= self.timeouts.retries:
            return math.inf
        return self._progress_at + (self.timeouts.retries + 1) * self.timeouts.reply_s

    def start(self, now: float) -> list[Any]:
        """Begin: returns the first message (MISSION_COUNT, MISSION_REQUEST_LIST or MISSION_CLEAR_ALL)."""
        if self.started:
            return []
        self.started = True
        self._state = {Op.UPLOAD: "wait_request", Op.DOWNLOAD: "wait_count", Op.CLEAR: "wait_ack"}[self.op]
        self._progress_at = now
        self._sent(now)
        return [self._first_msg()]

    def _for_us(self, msg: Any) -> bool:
        if msg.get_type() not in MISSION_MESSAGES:
            return False
        if int(getattr(msg, "mission_type", 0)) != self.mission_type:
            return False
        ts = getattr(msg, "target_system", 0)
        tc = getattr(msg, "target_component", 0)
        return ts in (0, self.mav.srcSystem) and tc in (0, self.mav.srcComponent)

    def on_message(self, msg: Any, now: float) -> list[Any]:
        """Handle one message from the vehicle; returns the messages to send."""
        if not self.started or self.done or msg is None or not self._for_us(msg):
            return []
        kind = msg.get_type()
        if self.op is Op.UPLOAD:
            return self._upload_message(kind, msg, now)
        if self.op is Op.DOWNLOAD:
            return self._download_message(kind, msg, now)
        if kind == "MISSION_ACK":
            if int(msg.type) == ACCEPTED:
                self._succeed()
            else:
                self._reject(int(msg.type))
        return []

    def _upload_message(self, kind: str, msg: Any, now: float) -> list[Any]:
        n = len(self.send_items)
        if kind in ("MISSION_REQUEST", "MISSION_REQUEST_INT"):
            seq = int(msg.seq)
            if not 0 <= seq < n:
                return []  # out of range: not ours to answer; the timers decide
            self._last_sent = seq
            self._state = "sending"
            nudged_next = self._nudged and seq == self._highest + 2  # asks for the one after the item we pushed
            if seq == self._highest + 1 or nudged_next:  # progress (a request out of sequence is only answered)
                self._highest = seq
                self._progress(now)
            return [self._item_msg(seq)]
        if kind == "MISSION_ACK":
            result = int(msg.type)
            if result == ACCEPTED:
                if n == 0 or self._last_out == n - 1:
                    self._succeed()
                return []  # stale: this upload has not sent its last item yet
            if result == INVALID_SEQUENCE:
                self.invalid_sequence_acks += 1
                if not self._nudged and 0 <= self._highest < n - 1:
                    # the vehicle got an item it did not expect (our re-send, or an answer to a request
                    # out of sequence): it has every item up to the last one it asked for in order, so
                    # send the next one now rather than wait for its re-request a second later
                    self._nudged = True
                    self._last_sent = self._highest + 1
                    return [self._item_msg(self._highest + 1)]
                return []
            self._reject(result)
        return []

    def _download_message(self, kind: str, msg: Any, now: float) -> list[Any]:
        if kind == "MISSION_COUNT":
            if self._state != "wait_count":
                return []
            self.count = int(msg.count)
            if self.count == 0:
                self._succeed()
                return [self._ack_msg(ACCEPTED)]
            self._state = "wait_item"
            self._next = 0
            self._progress(now)
            return [self._request_msg(0)]
        if kind in ("MISSION_ITEM_INT", "MISSION_ITEM"):
            if self._state != "wait_item" or int(msg.seq) != self._next:
                return []
            self.items.append(wire_from_msg(msg))
            self._next += 1
            if self._next >= (self.count or 0):
                self._succeed()
                return [self._ack_msg(ACCEPTED)]
            self._progress(now)
            return [self._request_msg(self._next)]
        if kind == "MISSION_ACK" and int(msg.type) != ACCEPTED:
            self._reject(int(msg.type))
        return []

    def on_tick(self, now: float) -> list[Any]:
        """Call when ``now >= deadline``: re-sends, or ends the transfer when its window is over."""
        if not self.started or self.done or self.deadline is None or now < self.deadline:
            return []
        final = self.op is Op.UPLOAD and self._state == "sending" and self._last_out == len(self.send_items) - 1
        if final and now >= self._progress_at + self.timeouts.reply_s:
            # the last item went out and the vehicle has been silent longer than its own re-request
            # period: it is not waiting for anything (the final ACK was lost); the download proves it
            self.unconfirmed = True
            self._succeed()
            return []
        if now >= self._give_up_at():
            return self._timeout(self._silence())
        self._resend(now)
        if final:
            self.deadline = min(self.deadline, self._progress_at + self.timeouts.reply_s)
        if self._state == "wait_item":
            return [self._request_msg(self._next)]
        if self._state == "sending":
            self._last_sent = max(self._last_out, 0)
            return [self._item_msg(self._last_sent)]
        return [self._first_msg()]

    def _silence(self) -> str:
        if self.op is Op.UPLOAD and self._state == "sending":
            return f"the vehicle stopped asking for items at item {self._highest + 1} of {len(self.send_items)}"
        if self.op is Op.UPLOAD:
            return "no answer to MISSION_COUNT"
        if self.op is Op.CLEAR:
            return "no answer to MISSION_CLEAR_ALL"
        if self._state == "wait_count":
            return "no answer to MISSION_REQUEST_LIST"
        return f"item {self._next} of {self.count} never came"


__all__ = ["Op", "Timeouts", "Transfer", "TransferRejected", "TransferTimeout", "result_message"]
