"""One drone's MAVLink link, owned by a background reader thread.

The thread opens the transport (reconnecting with backoff when it drops), sends the ground
station HEARTBEAT at 1 Hz, asks for telemetry streams on every (re)connect (ArduCopter streams
nothing on a fresh link until asked), parses what arrives, keeps link health, and hands every
message from the drone's system id to its subscribers. Messages from other system ids are not
the drone's: they are ignored (only taps, such as the link owner, see them).

Example (needs a drone, or ``dronepatrol sim``, on port 5760)::

    link = DroneLink(name="drone1", system_id=1, connection="tcp:127.0.0.1:5760")
    with link.subscribe({"GLOBAL_POSITION_INT"}) as sub:
        msg = sub.get(timeout_s=5)                              # None on timeout
    link.send(link.mav.command_long_encode(1, 1, 400, 0, 1, 0, 0, 0, 0, 0, 0))  # arm
    link.health.loss_pct                                        # 0.0 .. 100.0
    link.close()
"""

from __future__ import annotations

import collections
import logging
import math
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("MAVLINK20", "1")  # before pymavlink is imported anywhere: MAVLink 2 from the first packet

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from dronepatrol.config import GCS_SYSTEM_ID
from dronepatrol.mavlink.connection import Endpoint, parse_endpoint
from dronepatrol.mavlink.transport import Transport, open_transport

log = logging.getLogger(__name__)
M = mavlink2

#: MAV_COMP_ID_MISSIONPLANNER: the component id ground stations use.
GCS_COMPONENT_ID = 190
HEARTBEAT_PERIOD_S = 1.0
#: No message from the drone for this long: the link is down (health.connected False).
LINK_LOST_S = 3.0
#: A TCP connection that carries nothing for this long is closed and opened again.
TCP_SILENT_REOPEN_S = 6.0
#: Waits between reconnection attempts (the last one repeats).
BACKOFF_S = (0.2, 0.5, 1.0, 2.0, 4.0)
#: REQUEST_DATA_STREAM rate for every stream group, Hz.
STREAM_RATE_HZ = 4
#: Streams re-requested this often until streamed telemetry arrives (ArduPilot ignores early asks).
STREAM_RETRY_S = 2.0
STREAM_RETRIES = 5
#: Messages the tool needs and the rate asked with SET_MESSAGE_INTERVAL, Hz (HEARTBEAT is always sent).
MESSAGE_RATES_HZ: dict[int, float] = {
    M.MAVLINK_MSG_ID_GLOBAL_POSITION_INT: 4.0,
    M.MAVLINK_MSG_ID_SYS_STATUS: 2.0,
    M.MAVLINK_MSG_ID_GPS_RAW_INT: 2.0,
    M.MAVLINK_MSG_ID_BATTERY_STATUS: 1.0,
    M.MAVLINK_MSG_ID_VFR_HUD: 4.0,
    M.MAVLINK_MSG_ID_ATTITUDE: 4.0,
    M.MAVLINK_MSG_ID_MISSION_CURRENT: 2.0,
    M.MAVLINK_MSG_ID_EKF_STATUS_REPORT: 1.0,
    M.MAVLINK_MSG_ID_SYSTEM_TIME: 1.0,
    M.MAVLINK_MSG_ID_EXTENDED_SYS_STATE: 1.0,
    M.MAVLINK_MSG_ID_HOME_POSITION: 0.5,
}
STREAM_GROUPS = (
    M.MAV_DATA_STREAM_RAW_SENSORS,
    M.MAV_DATA_STREAM_EXTENDED_STATUS,
    M.MAV_DATA_STREAM_RC_CHANNELS,
    M.MAV_DATA_STREAM_POSITION,
    M.MAV_DATA_STREAM_EXTRA1,
    M.MAV_DATA_STREAM_EXTRA2,
    M.MAV_DATA_STREAM_EXTRA3,
)
#: Messages a radio injects unsigned (ArduPilot accepts them unsigned too): never counted.
UNSIGNED_OK = frozenset({"RADIO_STATUS", "RADIO"})
#: Window over which loss_pct is computed, seconds.
LOSS_WINDOW_S = 30.0
SUBSCRIPTION_QUEUE = 20_000

#: A tap sees every frame on the link: ("in" | "out", raw bytes, parsed message or None).
Tap = Callable[[str, bytes, Any], None]


@dataclass(frozen=True, kw_only=True)
class LinkHealth:
    """A snapshot of one link. ``last_msg_age_s`` is ``inf`` before the first message;
    ``loss_pct`` counts sequence-number gaps over the last 30 s (0-100); ``signing`` is
    ``"off"`` (no key), ``"signed"`` (the drone's frames carry valid signatures),
    ``"unsigned"`` (we have a key but the drone does not sign: install it) or ``"waiting"``."""

    connected: bool
    last_msg_age_s: float
    loss_pct: float
    reconnects: int
    unsigned_count: int
    bad_signature_count: int
    signing: str
    received: int = 0
    lost: int = 0
    last_error: str | None = None


class _GcsMAVLink(M.MAVLink):
    """pymavlink's MAVLink whose ``send`` is thread-safe (a lock around pack + write)."""

    def __init__(self, file: Any, lock: threading.RLock, **kw: Any) -> None:
        super().__init__(file, **kw)
        self._send_lock = lock

    def send(self, mavmsg: Any, force_mavlink1: bool = False) -> None:
        with self._send_lock:
            super().send(mavmsg, force_mavlink1=force_mavlink1)


class _Writer:
    """The ``file`` pymavlink writes to: the link's current transport (dropped while down)."""

    def __init__(self, link: DroneLink) -> None:
        self.link = link

    def write(self, buf: bytes) -> None:
        self.link._write(bytes(buf))


class Subscription:
    """Messages from one drone, in order, from the moment of subscribing (a context manager).

    The queue is bounded: a consumer that stops reading loses the oldest messages
    (``dropped`` counts them), the link never blocks.
    """

    def __init__(self, link: DroneLink, types: Iterable[str] | None, maxsize: int = SUBSCRIPTION_QUEUE) -> None:
        self._link = link
        self.types = frozenset(types) if types is not None else None
        self._q: queue.Queue[Any] = queue.Queue(maxsize)
        self.dropped = 0
        self.closed = False

    def _put(self, msg: Any) -> None:
        if self.types is not None and msg.get_type() not in self.types:
            return
        while True:
            try:
                self._q.put_nowait(msg)
                return
            except queue.Full:
                try:
                    self._q.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    pass

    def get(self, timeout_s: float) -> Any | None:
        """The next message, or ``None`` after ``timeout_s`` seconds."""
        try:
            return self._q.get(timeout=max(0.0, timeout_s)) if timeout_s > 0 else self._q.get_nowait()
        except queue.Empty:
            return None

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._link._unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self):
        """Messages until the subscription is closed (blocks)."""
        while not self.closed:
            msg = self.get(0.2)
            if msg is not None:
                yield msg


class DroneLink:
    """The link to one drone: ``name``, expected ``system_id``, fleet ``connection`` string.

    ``via`` (a ``tcp:`` string) connects to a link owner's port instead of ``connection``;
    ``signing_key`` (32 bytes) signs everything sent and checks what arrives; ``timestamp_path``
    persists the signing timestamp so that it keeps rising across runs. ``taps`` see every frame
    both ways (the owner's forwarding and recording).
    """

    def __init__(
        self,
        *,
        name: str,
        system_id: int,
        connection: str,
        via: str | None = None,
        signing_key: bytes | None = None,
        timestamp_path: Path | None = None,
        taps: Iterable[Tap] = (),
        request_streams: bool = True,
        start: bool = True,
    ) -> None:
        self.name = name
        self.system_id = int(system_id)
        self.connection = connection
        self.via = via
        self.endpoint: Endpoint = parse_endpoint(via or connection, drone=name)
        self._lock = threading.RLock()  # sending (pack + write)
        self._state = threading.Condition()  # health counters, heartbeats
        self._transport: Transport | None = None
        self.mav = _GcsMAVLink(_Writer(self), self._lock, srcSystem=GCS_SYSTEM_ID, srcComponent=GCS_COMPONENT_ID)
        self.mav.robust_parsing = True
        self._parser = M.MAVLink(None, srcSystem=GCS_SYSTEM_ID, srcComponent=GCS_COMPONENT_ID)
        self._parser.robust_parsing = True
        self._taps: list[Tap] = list(taps)
        self._subs: list[Subscription] = []
        self._request_streams = request_streams
        self._closed = threading.Event()
        # health
        self._connected = False
        self._ever_connected = False
        self._last_msg_t: float | None = None
        self._last_bytes_t = 0.0
        self._reconnects = 0
        self._unsigned = 0
        self._bad_sig = 0
        self._bad_sig_seen = 0
        self._last_signed: bool | None = None
        self._last_seq: dict[int, int] = {}
        self._buckets: collections.deque[list[float]] = collections.deque()  # [t_s, received, lost]
        self._received = 0
        self._lost = 0
        self.last_error: str | None = None
        self.heartbeat: Any | None = None  # last HEARTBEAT from the drone
        self.foreign_heartbeats: dict[int, float] = {}  # other vehicles' system ids -> first seen
        # schedule
        self._next_hb = 0.0
        self._stream_tries = 0
        self._next_stream = 0.0
        self._streaming = False
        # signing
        self.signing_key = signing_key
        self.timestamp_path = timestamp_path
        self._next_ts_save = 0.0
        if signing_key is not None:
            self._setup_signing(signing_key)
        self._thread = threading.Thread(target=self._run, name=f"link-{name}", daemon=True)
        self._started = False
        if start:
            self.start()

    # ------------------------------------------------------------------ public API
    def start(self) -> DroneLink:
        """Start the reader thread (done at construction unless ``start=False``)."""
        if not self._started and not self._closed.is_set():
            self._started = True
            self._thread.start()
        return self

    def send(self, msg: Any) -> None:
        """Send ``msg`` (built with ``link.mav.*_encode``); signed when the link has a key.

        While the link is down the message is lost, as on a radio: callers retry on timeout.
        """
        self.mav.send(msg)

    def forward(self, msg: Any) -> None:
        """Re-send a message parsed from another ground station with *its* source system and
        component (re-packed, so signed with this link's key): what the link owner does."""
        with self._lock:
            src, comp = self.mav.srcSystem, self.mav.srcComponent
            self.mav.srcSystem, self.mav.srcComponent = msg.get_srcSystem(), msg.get_srcComponent()
            try:
                self.mav.send(msg)
            finally:
                self.mav.srcSystem, self.mav.srcComponent = src, comp

    def subscribe(self, types: Iterable[str] | None = None) -> Subscription:
        """Every message from the drone's system id (of ``types``, default all), from now on."""
        sub = Subscription(self, types)
        with self._state:
            self._subs.append(sub)
        return sub

    def add_tap(self, tap: Tap) -> None:
        """See every frame both ways, all system ids: ``tap(direction, raw, msg)`` on the link's threads."""
        with self._state:
            self._taps.append(tap)

    def remove_tap(self, tap: Tap) -> None:
        with self._state:
            if tap in self._taps:
                self._taps.remove(tap)

    @property
    def health(self) -> LinkHealth:
        """A frozen snapshot of the link's health."""
        now = time.monotonic()
        with self._state:
            age = math.inf if self._last_msg_t is None else now - self._last_msg_t
            rec = sum(b[1] for b in self._buckets if now - b[0] <= LOSS_WINDOW_S)
            lost = sum(b[2] for b in self._buckets if now - b[0] <= LOSS_WINDOW_S)
            if self.signing_key is None:
                signing = "off"
            elif self._last_signed is None:
                signing = "waiting"
            else:
                signing = "signed" if self._last_signed else "unsigned"
            return LinkHealth(
                connected=self._connected and age < LINK_LOST_S,
                last_msg_age_s=age,
                loss_pct=100.0 * lost / (rec + lost) if rec + lost else 0.0,
                reconnects=self._reconnects,
                unsigned_count=self._unsigned,
                bad_signature_count=self._bad_sig,
                signing=signing,
                received=self._received,
                lost=self._lost,
                last_error=self.last_error,
            )

    def wait_heartbeat(self, timeout_s: float) -> Any | None:
        """The drone's first HEARTBEAT (waiting up to ``timeout_s``), or ``None``."""
        deadline = time.monotonic() + timeout_s
        with self._state:
            while self.heartbeat is None and not self._closed.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._state.wait(min(left, 0.1))
            return self.heartbeat

    def request_streams(self) -> None:
        """Ask for telemetry: REQUEST_DATA_STREAM for every group at 4 Hz, and
        SET_MESSAGE_INTERVAL for each message the tool needs."""
        sid = self.system_id
        for group in STREAM_GROUPS:
            self.mav.request_data_stream_send(sid, 1, group, STREAM_RATE_HZ, 1)
        for msg_id, hz in MESSAGE_RATES_HZ.items():
            self.mav.command_long_send(sid, 1, M.MAV_CMD_SET_MESSAGE_INTERVAL, 0, msg_id, 1e6 / hz, 0, 0, 0, 0, 0)

    def close(self) -> None:
        """Stop the thread, close the transport, persist the signing timestamp."""
        if self._closed.is_set():
            return
        self._closed.set()
        with self._state:
            self._state.notify_all()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._drop_transport(None)
        self._save_timestamp()

    def __enter__(self) -> DroneLink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DroneLink({self.name!r}, system_id={self.system_id}, {self.via or self.connection!r})"

    # ------------------------------------------------------------------ signing
    def set_signing_key(self, key: bytes, *, timestamp_path: Path | None = None) -> None:
        """Sign from now on with ``key`` (32 bytes) and check the drone's signatures with it."""
        if len(key) != 32:
            raise ValueError("a MAVLink signing key is 32 bytes")
        with self._lock, self._state:
            self.signing_key = bytes(key)
            if timestamp_path is not None:
                self.timestamp_path = timestamp_path
            self._last_signed = None
            self._setup_signing(self.signing_key)

    def _setup_signing(self, key: bytes) -> None:
        from dronepatrol.mavlink.signing import initial_timestamp, load_timestamp, signing_timestamp

        ts = initial_timestamp(load_timestamp(self.timestamp_path) if self.timestamp_path else 0)
        # as pymavlink's mavfile.setup_signing(key, sign_outgoing, allow_unsigned_callback, initial_timestamp, link_id)
        # The parser's timestamp only bounds how old a new incoming stream may start (1 minute):
        # the laptop's clock, not our (possibly persisted, later) outgoing timestamp.
        now = signing_timestamp(time.time())
        setups = ((self.mav, True, None, ts), (self._parser, False, self._allow_unsigned, now))
        for mav, outgoing, allow, stamp in setups:
            mav.signing.secret_key = bytes(key)
            mav.signing.sign_outgoing = outgoing
            mav.signing.allow_unsigned_callback = allow
            mav.signing.link_id = 0
            mav.signing.timestamp = stamp

    def _allow_unsigned(self, mav: Any, msg_id: int) -> bool:
        """Unsigned frames are accepted (and counted); badly signed ones are refused."""
        if mav.signing.badsig_count != self._bad_sig_seen:
            self._bad_sig_seen = mav.signing.badsig_count
            return False
        return True

    def _save_timestamp(self) -> None:
        if self.signing_key is None or self.timestamp_path is None:
            return
        from dronepatrol.mavlink.signing import save_timestamp

        try:
            save_timestamp(self.timestamp_path, int(self.mav.signing.timestamp))
        except OSError as exc:
            log.warning("%s: cannot save the signing timestamp to %s: %s", self.name, self.timestamp_path, exc)

    # ------------------------------------------------------------------ thread
    def _write(self, buf: bytes) -> None:
        t = self._transport
        if t is None:
            return
        try:
            t.write(buf)
        except (OSError, TimeoutError) as exc:
            log.debug("%s: write failed: %s", self.name, exc)
            return
        for tap in list(self._taps):
            try:
                tap("out", buf, None)
            except Exception:
                log.exception("%s: tap failed", self.name)

    def _drop_transport(self, exc: BaseException | None) -> None:
        with self._lock:
            t, self._transport = self._transport, None
        if t is not None:
            t.close()
            if exc is not None:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.info("%s: link dropped (%s); reconnecting", self.name, exc)
        with self._state:
            self._connected = False
            self._last_seq.clear()

    def _run(self) -> None:
        attempt = 0
        while not self._closed.is_set():
            if self._transport is None:
                try:
                    t = open_transport(self.endpoint)
                except OSError as exc:
                    self.last_error = exc.strerror or str(exc)
                    wait = BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
                    attempt += 1
                    self._closed.wait(wait)
                    continue
                attempt = 0
                self._parser.buf = bytearray()
                self._parser.buf_index = 0
                self._parser.expected_length = M.HEADER_LEN_V1 + 2
                with self._lock:
                    self._transport = t
                self._last_bytes_t = time.monotonic()
                self._next_hb = 0.0
                self._arm_stream_requests()
            t = self._transport
            try:
                data = t.read(0.05) if t is not None else b""
            except OSError as exc:
                self._drop_transport(exc)
                continue
            now = time.monotonic()
            if data:
                self._last_bytes_t = now
                self._on_bytes(data, now)
            self._tick(now)
        self._save_timestamp()

    def _arm_stream_requests(self) -> None:
        self._stream_tries = 0
        self._next_stream = 0.0
        self._streaming = False

    def _tick(self, now: float) -> None:
        if now >= self._next_hb:
            self._next_hb = now + HEARTBEAT_PERIOD_S
            self.mav.heartbeat_send(M.MAV_TYPE_GCS, M.MAV_AUTOPILOT_INVALID, 0, 0, M.MAV_STATE_ACTIVE)
        # always ask once per (re)connect; ask again while no streamed telemetry arrives
        if (self._request_streams and self._connected and (self._stream_tries == 0 or not self._streaming)
                and self._stream_tries < STREAM_RETRIES and now >= self._next_stream):
            self._stream_tries += 1
            self._next_stream = now + STREAM_RETRY_S
            self.request_streams()
        with self._state:
            if self._connected and self._last_msg_t is not None and now - self._last_msg_t >= LINK_LOST_S:
                self._connected = False
                self._last_seq.clear()
                log.info("%s: no message for %.0f s: link lost", self.name, LINK_LOST_S)
        if self.endpoint.scheme == "tcp" and now - self._last_bytes_t >= TCP_SILENT_REOPEN_S:
            self._drop_transport(TimeoutError(f"nothing received for {TCP_SILENT_REOPEN_S:g} s"))
        if self.signing_key is not None and self.timestamp_path is not None and now >= self._next_ts_save:
            self._next_ts_save = now + 10.0
            self._save_timestamp()

    def _on_bytes(self, data: bytes, now: float) -> None:
        try:
            msgs = self._parser.parse_buffer(data) or []
        except Exception as exc:  # robust parsing should not raise; never let garbage kill the link
            log.debug("%s: parser error %s", self.name, exc)
            self._parser.buf = bytearray()
            self._parser.buf_index = 0
            return
        for msg in msgs:
            kind = msg.get_type()
            if kind == "BAD_DATA":
                if "signature" in str(getattr(msg, "reason", "")):
                    with self._state:
                        self._bad_sig += 1
                continue
            raw = bytes(msg.get_msgbuf())
            for tap in list(self._taps):
                try:
                    tap("in", raw, msg)
                except Exception:
                    log.exception("%s: tap failed", self.name)
            if msg.get_srcSystem() != self.system_id:
                if kind == "HEARTBEAT" and msg.type != M.MAV_TYPE_GCS and msg.autopilot != M.MAV_AUTOPILOT_INVALID:
                    self.foreign_heartbeats.setdefault(msg.get_srcSystem(), now)
                continue
            self._account(msg, kind, now)
            for sub in list(self._subs):
                sub._put(msg)

    def _account(self, msg: Any, kind: str, now: float) -> None:
        with self._state:
            self._last_msg_t = now
            if not self._connected:
                self._connected = True
                if self._ever_connected:
                    self._reconnects += 1
                    log.info("%s: link regained", self.name)
                self._ever_connected = True
                self._arm_stream_requests()
            if kind not in ("HEARTBEAT", "COMMAND_ACK", "PARAM_VALUE", "TIMESYNC", "STATUSTEXT"):
                self._streaming = True
            comp, seq = msg.get_srcComponent(), msg.get_seq()
            last = self._last_seq.get(comp)
            self._last_seq[comp] = seq
            gap = 0 if last is None else (seq - last - 1) % 256
            if gap > 128:  # a duplicate or reordered frame, not loss
                gap = 0
            self._received += 1
            self._lost += gap
            sec = math.floor(now)
            if self._buckets and self._buckets[-1][0] == sec:
                self._buckets[-1][1] += 1
                self._buckets[-1][2] += gap
            else:
                self._buckets.append([sec, 1, gap])
                while self._buckets and now - self._buckets[0][0] > LOSS_WINDOW_S + 1:
                    self._buckets.popleft()
            if self.signing_key is not None and kind not in UNSIGNED_OK:
                signed = bool(msg.get_signed())
                self._last_signed = signed
                if not signed:
                    self._unsigned += 1
            if kind == "HEARTBEAT":
                self.heartbeat = msg
                self._state.notify_all()

    def _unsubscribe(self, sub: Subscription) -> None:
        with self._state:
            if sub in self._subs:
                self._subs.remove(sub)
