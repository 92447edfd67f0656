"""Connection strings: only the allow-listed schemes reach pymavlink."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dronepatrol.errors import InputError
from dronepatrol.mavlink.connection import parse_connection, parse_endpoint


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tcp:127.0.0.1:5760", "tcp:127.0.0.1:5760"),
        ("  tcp:sitl.local:5770 ", "tcp:sitl.local:5770"),
        ("udpin:0.0.0.0:14550", "udpin:0.0.0.0:14550"),
        ("udp:127.0.0.1:14551", "udpin:127.0.0.1:14551"),  # pymavlink's udp: listens, as udpin:
        ("udpout:10.0.0.5:14550", "udpout:10.0.0.5:14550"),
        ("/dev/ttyUSB0:57600", "/dev/ttyUSB0,57600"),
        ("/dev/serial/by-id/usb-3DR_Radio-if00:57600", "/dev/serial/by-id/usb-3DR_Radio-if00,57600"),
        ("COM3:115200", "COM3,115200"),
    ],
)
def test_allowed_connections(text: str, expected: str) -> None:
    assert parse_connection(text, drone="drone1") == expected


@pytest.mark.parametrize(
    "text",
    [
        "/bin/sh",                      # pymavlink would execute it
        "/usr/bin/evil.elf",
        "firmware.elf",
        "flight.tlog",                  # file mode: reading logs is `telemetry replay`, not a link
        "/dev/../bin/sh:57600",
        "/dev/ttyUSB0",                 # no baud
        "/dev/ttyUSB0:12345",           # not a baud rate
        "tcp:127.0.0.1",                # no port
        "tcp:127.0.0.1:0",
        "tcp:127.0.0.1:70000",
        "tcpin:0.0.0.0:5760",
        "udpbcast:255.255.255.255:14550",
        "ws:127.0.0.1:8080",
        "csv:log.csv",
        "tcp:host;rm -rf /:5760",
        "",
    ],
)
def test_refused_connections_name_the_drone_and_the_string(text: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_connection(text, drone="drone2")
    assert "drone2" in str(exc.value) and repr(text) in str(exc.value)
    assert exc.value.exit_code == 3


_host = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z0-9]{1,8}){0,3}", fullmatch=True)


@given(scheme=st.sampled_from(["tcp", "udpin", "udpout"]), host=_host, port=st.integers(1, 65535))
def test_network_strings_round_trip(scheme: str, host: str, port: int) -> None:
    ep = parse_endpoint(f"{scheme}:{host}:{port}", drone="d")
    assert (ep.scheme, ep.host, ep.port) == (scheme, host, port)
    assert parse_connection(ep.pymavlink, drone="d") == ep.pymavlink


@given(st.text(max_size=60))
def test_any_text_is_refused_or_safe(text: str) -> None:
    """Whatever the fleet file says, pymavlink gets a socket or a serial device, never a file or program."""
    try:
        out = parse_connection(text, drone="drone3")
    except InputError as exc:
        assert "drone3" in str(exc)
        return
    assert out.startswith(("tcp:", "udpin:", "udpout:", "/dev/", "COM"))
    assert "/bin/" not in out and not out.endswith((".elf", ".tlog")) and ".." not in out.split("/")
    if out.startswith(("/dev/", "COM")):
        _device, baud = out.rsplit(",", 1)
        assert baud.isdigit() and ":" not in baud
