"""The ``sim`` command: option errors (exit 2) and a foreground run stopped by Ctrl-C (130)."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer

from dronepatrol.cli.sim import parse_home, parse_wind, sim
from dronepatrol.errors import InputError, UsageError
from dronepatrol.sim.fleet import default_homes
from tests.interrupt import python_argv

ROOT = Path(__file__).resolve().parents[2]

RUNNER = """
import sys, typer
from dronepatrol.cli.sim import sim
from dronepatrol.errors import DronePatrolError
app = typer.Typer()
app.command()(sim)
try:
    rc = app(sys.argv[1:], standalone_mode=False)
    sys.exit(rc if isinstance(rc, int) else 0)
except DronePatrolError as exc:
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(exc.exit_code)
except typer.Exit as exc:
    sys.exit(exc.exit_code)
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [("16.05", "LAT,LON"), ("abc,103", "LAT,LON"), ("103.6,16.0", "LAT comes first"), ("1,2,3,4", "LAT,LON")],
)
def test_bad_home_is_a_usage_error(text, message):
    with pytest.raises(UsageError, match=message):
        parse_home(text)


def test_home_and_wind_parsing():
    h = parse_home("16.0563, 103.6488")
    assert (h.lat_deg, h.lon_deg, h.alt_m) == (16.0563, 103.6488, 140.0)
    homes = default_homes(3, parse_home("16.0563,103.6488,150"))
    east = [(x.lon_deg - homes[0].lon_deg) * 111319.49 * 0.96102 for x in homes]
    assert east == pytest.approx([0, 15, 30], abs=0.05)
    assert {x.alt_m for x in homes} == {150.0}
    assert parse_wind("5,450") == (5.0, 90.0)
    with pytest.raises(UsageError, match="--wind"):
        parse_wind("5")


def test_default_homes_are_the_roiet_launch_sites():
    homes = default_homes(3)
    assert [(h.lat_deg, h.lon_deg, h.alt_m) for h in homes] == [
        (16.05630, 103.64880, 140.0),
        (16.05180, 103.65300, 140.0),
        (16.05100, 103.65550, 140.0),
    ]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"loss": 1.5}, "--loss"),
        ({"speedup": 0}, "--speedup"),
        ({"drones": 0}, "--drones"),
        ({"latency": -1}, "--latency"),
    ],
)
def test_bad_options_raise_usage_error(kwargs, match):
    opts = {"base_port": 0}
    opts.update(kwargs)
    with pytest.raises(UsageError, match=match):
        sim(**opts)


def test_bad_signing_key_is_an_input_error(tmp_path):
    key = tmp_path / "short.key"
    key.write_bytes(b"123")
    with pytest.raises(InputError, match="signing key"):
        sim(base_port=0, signing_key=key)


def free_port_block() -> int:
    for _ in range(50):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        base = s.getsockname()[1]
        s.close()
        if base < 60000:
            return base
    raise RuntimeError("no port")


def test_foreground_run_prints_ports_and_exits_130_on_ctrl_c(tmp_path):
    base = free_port_block()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        python_argv(RUNNER, "--drones", "2", "--base-port", str(base), "--speedup", "5", "--camera"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    err = b""
    try:
        deadline = time.monotonic() + 30
        while b"Ctrl-C" not in err and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stderr], [], [], 0.2)
            if ready:
                chunk = os.read(proc.stderr.fileno(), 65536)
                if not chunk:
                    break
                err += chunk
        assert b"Ctrl-C" in err, err
        socket.create_connection(("127.0.0.1", base + 10), timeout=2).close()  # listening
        socket.create_connection(("127.0.0.1", base + 12), timeout=2).close()  # and its second port
        proc.send_signal(signal.SIGINT)
        out, rest = proc.communicate(timeout=20)
        err += rest
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    text = err.decode()
    assert "simulator stopped" in text
    assert f"tcp:127.0.0.1:{base}" in text and f"tcp:127.0.0.1:{base + 10}" in text
    assert f"{base + 2}, {base + 12}" in text  # second ports, as SITL's SERIAL1
    assert "camera configured (CAM1_TYPE 1)" in text
    assert out == b""  # human output goes to stderr


def test_usage_error_exit_code_via_cli():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-c", RUNNER, "--loss", "2"], capture_output=True, env=env, timeout=30)
    assert res.returncode == 2
    assert "--loss" in res.stderr.decode()


def test_sim_is_a_typer_command():
    app = typer.Typer()
    app.command()(sim)
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for opt in (
        "--drones",
        "--speedup",
        "--home",
        "--loss",
        "--latency",
        "--photos",
        "--camera-clock-offset",
        "--signing-key",
        "--no-camera",
        "--camera",
        "--base-port",
        "--prearm-delay",
        "--wind",
    ):
        assert opt in result.output


def test_cli_base_port_is_the_fleets_and_the_cli_does_not_load_pymavlink():
    from dronepatrol.cli import sim as cli_sim
    from dronepatrol.sim.fleet import BASE_PORT

    assert cli_sim.BASE_PORT == BASE_PORT
    code = "import sys, dronepatrol.cli.sim; print('pymavlink' in sys.modules)"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert res.stdout.strip() == "False", res.stderr
