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


def test_read_input_text_errors_name_the_file_and_what_to_give(tmp_path: Path) -> None:
    from dronepatrol.errors import InputError, ZoneError
    from dronepatrol.fsutil import read_input_text

    with pytest.raises(ZoneError, match=r"nope\.geojson: file not found; give the path of a zone file"):
        read_input_text(tmp_path / "nope.geojson", what="a zone file", error=ZoneError)
    with pytest.raises(InputError, match="is a directory; give the path of a CSV file") as err:
        read_input_text(tmp_path, what="a CSV file")
    assert err.value.exit_code == 3
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(b"lat,lon\n16.05,103.65\ncaf\xe9\n")
    with pytest.raises(InputError, match="line 3: not UTF-8 text; save a CSV file as UTF-8"):
        read_input_text(latin1, what="a CSV file")
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufefflat,lon\n".encode())
    assert read_input_text(bom, what="a CSV file") == "lat,lon\n"
