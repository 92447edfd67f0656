"""Connection strings from the fleet file, checked against an allow-list.

pymavlink's ``mavlink_connection()`` also opens log files and *executes* some paths (``.elf``,
anything under ``/bin/``), so a fleet file must never reach it unchecked. Allowed:

- ``tcp:HOST:PORT``: connect to a TCP server (ArduPilot SITL, ``dronepatrol sim``, a radio bridge);
- ``udpin:HOST:PORT`` (and ``udp:HOST:PORT``, pymavlink's alias): listen for a vehicle or a
  MAVProxy / mavlink-router ``--out``; replies go to whoever spoke last;
- ``udpout:HOST:PORT``: send to a UDP endpoint (mavlink-router's server mode);
- a serial device with its baud rate: ``/dev/ttyUSB0:57600``, ``/dev/serial/by-id/...:115200``,
  ``COM3:57600``.

>>> parse_connection("tcp:127.0.0.1:5760", drone="drone1")
'tcp:127.0.0.1:5760'
>>> parse_connection("/dev/ttyUSB0:57600", drone="drone2")
'/dev/ttyUSB0,57600'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dronepatrol.errors import InputError

#: Baud rates a telemetry radio or flight-controller USB port may use.
BAUD_RATES = frozenset(
    {1200, 2400, 4800, 9600, 19200, 38400, 57600, 111100, 115200, 230400, 256000, 460800, 500000, 921600,
     1000000, 1500000, 2000000}
)
NETWORK_SCHEMES = ("tcp", "udp", "udpin", "udpout")
_HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*"
_NET_RE = re.compile(rf"(?P<scheme>tcp|udp|udpin|udpout):(?P<host>{_HOST}):(?P<port>[0-9]{{1,5}})")
_DEV_RE = re.compile(r"(?P<device>/dev/[A-Za-z0-9_][A-Za-z0-9._+:/-]*|COM[0-9]{1,3}):(?P<baud>[0-9]{3,7})")

_HELP = ("use tcp:HOST:PORT, udpin:HOST:PORT, udpout:HOST:PORT, udp:HOST:PORT or a serial device "
         "with its baud rate (/dev/ttyUSB0:57600, COM3:57600)")


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    """A checked connection: ``scheme`` is tcp, udpin, udpout or serial."""

    scheme: str
    host: str = ""
    port: int = 0
    device: str = ""
    baud: int = 0

    @property
    def pymavlink(self) -> str:
        """The string pymavlink's ``mavlink_connection()`` understands for this endpoint."""
        if self.scheme == "serial":
            return f"{self.device},{self.baud}"
        return f"{self.scheme}:{self.host}:{self.port}"

    @property
    def is_network(self) -> bool:
        return self.scheme != "serial"


def parse_endpoint(text: str, *, drone: str) -> Endpoint:
    """Check ``text`` against the allow-list; :class:`InputError` (exit 3) naming ``drone``."""
    s = text.strip() if isinstance(text, str) else ""
    m = _NET_RE.fullmatch(s)
    if m:
        port = int(m["port"])
        if not 1 <= port <= 65535:
            raise InputError(f"{drone}: connection {text!r}: port {port} must be 1-65535")
        scheme = "udpin" if m["scheme"] == "udp" else m["scheme"]
        return Endpoint(scheme=scheme, host=m["host"], port=port)
    m = _DEV_RE.fullmatch(s)
    if m:
        device = m["device"]
        if ".." in device.split("/") or "/bin/" in device or device.endswith((".elf", ".tlog", ".bin", ".log")):
            raise InputError(f"{drone}: connection {text!r}: {device} is not a serial device; {_HELP}")
        baud = int(m["baud"])
        if baud not in BAUD_RATES:
            raise InputError(
                f"{drone}: connection {text!r}: baud {baud} is not a serial baud rate "
                f"(radios use 57600, USB 115200)"
            )
        return Endpoint(scheme="serial", device=device, baud=baud)
    raise InputError(f"{drone}: connection {text!r} is not allowed: {_HELP}")


def parse_connection(text: str, *, drone: str) -> str:
    """The pymavlink connection string for ``text``, or :class:`InputError` (exit 3) naming the drone.

    Never returns anything pymavlink would read as a file or execute.
    """
    return parse_endpoint(text, drone=drone).pymavlink
