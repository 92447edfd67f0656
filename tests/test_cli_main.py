"""The one error handler: exit codes and messages of product.md, tracebacks only with -v."""

from __future__ import annotations

import pytest

import dronepatrol.zones as zone_cli  # the zone command looks check_zone_text up here when it runs
from tests.conftest import ROIET


def test_usage_error_is_exit_2(cli) -> None:
    r = cli("zone", "check", ROIET, "--no-such-option")
    assert r.exit_code == 2
    assert "No such option" in r.stderr


def test_unknown_command_is_exit_2(cli) -> None:
    r = cli("fly-to-the-moon")
    assert r.exit_code == 2


def test_bug_is_exit_1_without_traceback(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_a, **_k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(zone_cli, "check_zone_text", boom)
    r = cli("zone", "check", ROIET)
    assert r.exit_code == 1
    assert "unexpected failure" in r.stderr and "kaboom" in r.stderr and "report it" in r.stderr
    assert "Traceback" not in r.stderr
    verbose = cli("zone", "check", ROIET, "-v")  # -v after the command works too
    assert verbose.exit_code == 1
    assert "Traceback" in verbose.stderr


def test_interrupt_is_exit_130(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(zone_cli, "check_zone_text", interrupted)
    r = cli("zone", "check", ROIET)
    assert r.exit_code == 130
    assert "interrupted" in r.stderr


def test_quiet_prints_no_summary(cli) -> None:
    r = cli("-q", "zone", "check", ROIET)
    assert r.exit_code == 0
    assert "hotspots" not in r.stderr


def test_help_lists_groups_and_exit_codes(cli) -> None:
    r = cli("--help")
    assert r.exit_code == 0
    text = r.stdout + r.stderr
    assert "zone" in text
