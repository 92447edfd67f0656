"""Byte transports under a :class:`~dronepatrol.mavlink.link.DroneLink`: TCP client, UDP in/out,
serial. Each has ``read(timeout_s) -> bytes`` (``b""`` on timeout; :class:`OSError` when the link
is gone), ``write(data)`` and ``close()``. No MAVLink here, so the link can parse and sign once.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading

from dronepatrol.mavlink.connection import Endpoint


class Transport:
    """Base: a non-blocking file descriptor read with a timeout."""

    def read(self, timeout_s: float) -> bytes:  # pragma: no cover - overridden
        raise NotImplementedError

    def write(self, data: bytes) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class TcpTransport(Transport):
    """A TCP client (ArduPilot SITL, ``dronepatrol sim``, the link owner's ports)."""

    def __init__(self, host: str, port: int, *, connect_timeout_s: float = 3.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=connect_timeout_s)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(None)
        self.sock.setblocking(False)
        self._wlock = threading.Lock()

    def read(self, timeout_s: float) -> bytes:
        r, _, _ = select.select([self.sock], [], [], timeout_s)
        if not r:
            return b""
        try:
            data = self.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return b""
        if not data:
            raise ConnectionResetError("connection closed by the other end")
        return data

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        with self._wlock:
            while view:
                try:
                    sent = self.sock.send(view)
                    view = view[sent:]
                except (BlockingIOError, InterruptedError):
                    _, w, _ = select.select([], [self.sock], [], 2.0)
                    if not w:
                        raise TimeoutError("TCP send buffer full for 2 s") from None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class UdpTransport(Transport):
    """``udpin``: listen on HOST:PORT and answer whoever spoke last (MAVProxy / mavlink-router
    ``--out``); ``udpout``: send to HOST:PORT and read the answers."""

    def __init__(self, host: str, port: int, *, listen: bool) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.setblocking(False)
        self.peer: tuple[str, int] | None = None
        if listen:
            self.sock.bind((host, port))
        else:
            self.peer = (socket.gethostbyname(host), port)
        self.listen = listen

    def read(self, timeout_s: float) -> bytes:
        r, _, _ = select.select([self.sock], [], [], timeout_s)
        if not r:
            return b""
        try:
            data, addr = self.sock.recvfrom(65536)
        except (BlockingIOError, InterruptedError, ConnectionRefusedError):
            return b""
        if self.listen:
            self.peer = addr
        return data

    def write(self, data: bytes) -> None:
        if self.peer is None:
            return  # nobody has spoken to our udpin port yet
        with contextlib.suppress(BlockingIOError, ConnectionRefusedError):
            self.sock.sendto(data, self.peer)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class SerialTransport(Transport):
    """A serial device (telemetry radio, USB). pyserial when installed, else POSIX termios."""

    def __init__(self, device: str, baud: int) -> None:
        self._serial = None
        self.fd = -1
        try:
            import serial  # type: ignore[import-not-found]
        except ImportError:
            serial = None
        if serial is not None:
            self._serial = serial.Serial(device, baud, timeout=0, dsrdtr=False, rtscts=False, xonxoff=False)
            return
        import termios
        import tty

        self.fd = os.open(device, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(self.fd)
        attrs = termios.tcgetattr(self.fd)
        speed = getattr(termios, f"B{baud}", None)
        if speed is None:
            os.close(self.fd)
            raise OSError(f"baud {baud} is not supported by this system")
        attrs[4] = attrs[5] = speed
        termios.tcsetattr(self.fd, termios.TCSANOW, attrs)

    def read(self, timeout_s: float) -> bytes:
        if self._serial is not None:
            data = self._serial.read(4096)
            if not data:
                import time

                time.sleep(min(timeout_s, 0.02))
                data = self._serial.read(4096)
            return bytes(data)
        r, _, _ = select.select([self.fd], [], [], timeout_s)
        if not r:
            return b""
        try:
            return os.read(self.fd, 4096)
        except BlockingIOError:
            return b""

    def write(self, data: bytes) -> None:
        if self._serial is not None:
            self._serial.write(data)
            return
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.fd, view):]
            except BlockingIOError:
                select.select([], [self.fd], [], 1.0)

    def close(self) -> None:
        if self._serial is not None:
            with contextlib.suppress(Exception):
                self._serial.close()
        elif self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1


def open_transport(ep: Endpoint) -> Transport:
    """Open ``ep``; raises :class:`OSError` when it cannot (refused, no such device, port taken)."""
    if ep.scheme == "tcp":
        return TcpTransport(ep.host, ep.port)
    if ep.scheme in ("udpin", "udpout"):
        return UdpTransport(ep.host, ep.port, listen=ep.scheme == "udpin")
    return SerialTransport(ep.device, ep.baud)
