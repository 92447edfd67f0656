"""One TCP port of a simulated vehicle, as an ArduPilot SITL instance serves SERIAL0 and SERIAL1.

Each vehicle has two ports (``channel`` 0, the main port the tool uses, and 1, a second
independent port for an observer), each with its own encoder, signing state and link faults.
One client per port at a time: a second connection is accepted but receives nothing (and what
it sends is discarded) until the first one closes. The vehicle never sees sockets: the fleet
hands each port the vehicle's messages (:meth:`VehicleServer.queue`); a message for one port
only carries its ``_dp_channel``. All methods are called from the fleet's loop thread.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import selectors
import socket
import time
from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from dronepatrol.sim.link import LinkFaults, apply_signing, signing_timestamp
from dronepatrol.sim.vehicle import SimVehicle

log = logging.getLogger(__name__)
M = mavlink2
#: Bytes kept for a slow client before the oldest are dropped (a radio's buffer overflowing).
MAX_BUFFERED = 1 << 20


class _Sink:
    """File-like object collecting what pymavlink writes."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, buf: bytes) -> None:
        self.data += buf


class VehicleServer:
    """Serve ``vehicle`` on ``host:port`` (port 0: any free port; see ``port`` after init)."""

    def __init__(
        self,
        vehicle: SimVehicle,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: LinkFaults | None = None,
        signing_key: bytes | None = None,
        channel: int = 0,
    ) -> None:
        self.vehicle = vehicle
        self.channel = channel
        self.faults = faults or LinkFaults()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.listener.bind((host, port))
        except OSError:
            self.listener.close()
            raise
        self.listener.listen(8)
        self.listener.setblocking(False)
        self.host = host
        self.port = self.listener.getsockname()[1]
        self.client: socket.socket | None = None
        self.pending: list[socket.socket] = []
        self._sink = _Sink()
        self.mav = M.MAVLink(self._sink, srcSystem=vehicle.sysid, srcComponent=M.MAV_COMP_ID_AUTOPILOT1)
        self.mav.robust_parsing = True
        self.signing_key: bytes | None = None
        if signing_key is not None and vehicle.signing_key is None:
            vehicle.signing_key = signing_key
        self._sync_signing()
        self.inbox: collections.deque[tuple[float, Any]] = collections.deque()
        self.outq: collections.deque[tuple[float, bytes]] = collections.deque()
        self.out_buf = bytearray()
        self.stats = collections.Counter()

    # ------------------------------------------------------------------ sockets
    def register(self, sel: selectors.BaseSelector) -> None:
        """Watch the listening socket."""
        sel.register(self.listener, selectors.EVENT_READ, (self, "accept"))

    def on_accept(self, sel: selectors.BaseSelector) -> None:
        """Accept a connection: it becomes the client, or waits (receiving nothing)."""
        try:
            conn, _addr = self.listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        conn.setblocking(False)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sel.register(conn, selectors.EVENT_READ, (self, "read"))
        if self.client is None:
            self._set_client(conn)
        else:
            self.pending.append(conn)

    def _set_client(self, conn: socket.socket) -> None:
        self.client = conn
        self.out_buf.clear()
        self.outq.clear()
        self.mav.buf = bytearray()
        self.mav.buf_index = 0
        self.mav.expected_length = M.HEADER_LEN_V1 + 2

    def on_read(self, sel: selectors.BaseSelector, conn: socket.socket, now: float) -> None:
        """Read from ``conn``; only the active client's bytes are parsed."""
        try:
            data = conn.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._close(sel, conn)
            return
        if conn is not self.client:
            self.stats["ignored_bytes"] += len(data)
            return
        try:
            msgs = self.mav.parse_buffer(data) or []
        except Exception:  # robust parsing should not raise; never crash on garbage
            log.exception("parser error on %s", self.vehicle.config.name)
            self.mav.buf = bytearray()
            self.mav.buf_index = 0
            return
        for msg in msgs:
            if msg.get_type() == "BAD_DATA":
                self.stats["bad_data"] += 1
                continue
            if self.faults.drop(now):
                self.stats["lost_in"] += 1
                continue
            self.inbox.append((now + self.faults.latency_s, msg))

    def _close(self, sel: selectors.BaseSelector, conn: socket.socket) -> None:
        with contextlib.suppress(KeyError, ValueError):
            sel.unregister(conn)
        conn.close()
        if conn is self.client:
            self.client = None
            while self.pending:
                nxt = self.pending.pop(0)
                if nxt.fileno() >= 0:
                    self._set_client(nxt)
                    break
        elif conn in self.pending:
            self.pending.remove(conn)

    def close(self, sel: selectors.BaseSelector | None = None) -> None:
        """Close every socket of this port."""
        for conn in [self.client, *self.pending]:
            if conn is None:
                continue
            if sel is not None:
                with contextlib.suppress(KeyError, ValueError):
                    sel.unregister(conn)
            conn.close()
        self.client = None
        self.pending.clear()
        if sel is not None:
            with contextlib.suppress(KeyError, ValueError):
                sel.unregister(self.listener)
        self.listener.close()

    # ------------------------------------------------------------------ message flow
    def deliver(self, now: float) -> None:
        """Hand due incoming messages to the vehicle (SETUP_SIGNING is handled here)."""
        while self.inbox and self.inbox[0][0] <= now:
            _, msg = self.inbox.popleft()
            if msg.get_type() == "SETUP_SIGNING":
                self._setup_signing(msg)
                continue
            self.vehicle.handle(msg, self.channel)

    def _setup_signing(self, msg: Any) -> None:
        """SETUP_SIGNING: the vehicle's key (for every port) changes; no reply, as ArduPilot."""
        if getattr(msg, "target_system", 0) not in (0, self.vehicle.sysid):
            return
        key = bytes(bytearray(msg.secret_key))
        if not any(key) and int(msg.initial_timestamp) == 0:
            self.vehicle.signing_key = None
        else:
            self.vehicle.signing_key = key
        self._sync_signing(int(msg.initial_timestamp))

    def _sync_signing(self, initial_timestamp: int = 0) -> None:
        """Follow the vehicle's signing key (installed or removed through any port)."""
        key = self.vehicle.signing_key
        if key == self.signing_key:
            return
        self.signing_key = key
        if key is None:
            apply_signing(self.mav, None, 0)
        else:
            apply_signing(self.mav, key, max(initial_timestamp, signing_timestamp(time.time())),
                          accept_unsigned=self.channel == 0)

    def queue(self, out: list[Any], now: float) -> None:
        """Pack the vehicle's messages for this port (signing applies), apply faults, queue for sending."""
        self._sync_signing()
        if not out or self.client is None:
            return
        if self.mav.srcSystem != self.vehicle.sysid:
            self.mav.srcSystem = self.vehicle.sysid
        for msg in out:
            dest = getattr(msg, "_dp_channel", None)
            if dest is not None and dest != self.channel:
                continue
            self._sink.data.clear()
            try:
                self.mav.send(msg)
            except Exception:
                log.exception("cannot pack %s", msg)
                continue
            if self.faults.drop(now):
                self.stats["lost_out"] += 1
                continue
            self.outq.append((now + self.faults.latency_s, bytes(self._sink.data)))

    def flush(self, now: float, sel: selectors.BaseSelector) -> None:
        """Write due bytes to the client."""
        while self.outq and self.outq[0][0] <= now:
            self.out_buf += self.outq.popleft()[1]
        if len(self.out_buf) > MAX_BUFFERED:
            del self.out_buf[: len(self.out_buf) - MAX_BUFFERED]
            self.stats["overflow"] += 1
        if self.client is not None and self.out_buf:
            try:
                sent = self.client.send(self.out_buf)
                del self.out_buf[:sent]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                self._close(sel, self.client)

    def drop_client(self, sel: selectors.BaseSelector) -> None:
        """Close the client's connection (the vehicle restarts: SITL's TCP link drops)."""
        if self.client is not None:
            self._close(sel, self.client)
        self.out_buf.clear()
        self.outq.clear()

    def next_event(self) -> float | None:
        """Wall time of the next latency-delayed delivery, if any."""
        times = [q[0][0] for q in (self.inbox, self.outq) if q]
        return min(times) if times else None
