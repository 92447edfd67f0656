"""Durable writes: atomic replace, normal file modes, inputs protected."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dronepatrol.errors import UsageError
from dronepatrol.fsutil import atomic_write_text


def test_new_file_gets_the_umask_mode_and_no_temp_is_left(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        p = atomic_write_text(tmp_path / "a" / "out.json", "{}")
    finally:
        os.umask(old)
    assert p.read_text() == "{}"
    assert p.stat().st_mode & 0o777 == 0o644
    assert [f.name for f in p.parent.iterdir()] == ["out.json"]


def test_replacing_keeps_the_old_mode(tmp_path: Path) -> None:
    p = tmp_path / "out.txt"
    p.write_text("old")
    p.chmod(0o640)
    atomic_write_text(p, "new")
    assert p.read_text() == "new" and p.stat().st_mode & 0o777 == 0o640


def test_refuses_to_overwrite_an_input(tmp_path: Path) -> None:
    src = tmp_path / "zone.geojson"
    src.write_text("precious")
    with pytest.raises(UsageError, match="refusing to overwrite an input"):
        atomic_write_text(tmp_path / "." / "zone.geojson", "x", protect=(src,))
    assert src.read_text() == "precious"
