"""EXIF: times in, GPS tags out, image data untouched."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess

import piexif
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from dronepatrol.photos.exif import (
    ExifProblem,
    add_gps,
    gps_ifd,
    load_exif,
    parse_tz,
    photo_exif,
    read_gps,
    with_gps,
)
from dronepatrol.photos.jpeg import (
    JpegError,
    exif_segment,
    image_data_offset,
    read_exif_payload,
    replace_exif,
    segments,
)
from tests.photos.helpers import jpeg_bytes

BASE = jpeg_bytes(dt.datetime(2026, 12, 2, 6, 5, 7, 250_000))


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(-90.0, 90.0),
    lon=st.floats(-180.0, 180.0),
    alt=st.floats(-430.0, 9000.0),
    t=st.floats(0.0, 4.0e9),
    heading=st.none() | st.floats(-720.0, 720.0),
)
def test_gps_round_trip(lat, lon, alt, t, heading):
    new = replace_exif(BASE, add_gps(exif_segment(BASE), gps_ifd(lat=lat, lon=lon, alt_amsl_m=alt, t_utc_s=t,
                                                                   heading_deg=heading)))
    back = read_gps(load_exif(exif_segment(new)))
    assert abs(back["lat"] - lat) < 1e-7 and abs(back["lon"] - lon) < 1e-7
    assert abs(back["alt_amsl_m"] - alt) < 0.01
    assert abs(back["t_utc_s"] - t) <= 0.0005 + 1e-6
    if heading is None:
        assert back["heading_deg"] is None
    else:
        diff = (back["heading_deg"] - heading) % 360.0
        assert min(diff, 360.0 - diff) < 0.01
    assert new[image_data_offset(new):] == BASE[image_data_offset(BASE):]


def test_gps_tags_and_refs():
    g = gps_ifd(lat=-16.5, lon=-103.25, alt_amsl_m=-12.5, t_utc_s=1_764_630_307.25, heading_deg=359.999)
    G = piexif.GPSIFD
    assert g[G.GPSVersionID] == (2, 3, 0, 0)
    assert g[G.GPSLatitudeRef] == b"S" and g[G.GPSLatitude] == ((16, 1), (30, 1), (0, 1_000_000))
    assert g[G.GPSLongitudeRef] == b"W" and g[G.GPSLongitude] == ((103, 1), (15, 1), (0, 1_000_000))
    assert g[G.GPSAltitudeRef] == 1 and g[G.GPSAltitude] == (12500, 1000)
    assert g[G.GPSDateStamp] == b"2025:12:01" and g[G.GPSTimeStamp] == ((23, 1), (5, 1), (7250, 1000))
    assert g[G.GPSImgDirectionRef] == b"T" and g[G.GPSImgDirection] == (0, 100)  # 359.999 rounds to 0.00


def test_only_the_exif_segment_changes():
    """Pillow writes JFIF APP0 + EXIF APP1; both stay, in order, and only APP1 changes."""
    exif = load_exif(exif_segment(BASE))
    new = replace_exif(BASE, with_gps(exif, gps_ifd(lat=16, lon=103, alt_amsl_m=200, t_utc_s=0, heading_deg=0)))
    old_segs, old_sos = segments(BASE)
    new_segs, new_sos = segments(new)
    assert [m for m, _, _ in old_segs] == [m for m, _, _ in new_segs]
    for (m, a0, a1), (_, b0, b1) in zip(old_segs, new_segs, strict=True):
        if m != 0xE1:
            assert BASE[a0:a1] == new[b0:b1]
    assert BASE[old_sos:] == new[new_sos:]
    with Image.open(io.BytesIO(new)) as a, Image.open(io.BytesIO(BASE)) as b:
        assert a.tobytes() == b.tobytes()


def test_insert_exif_where_there_was_none():
    buf = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buf, "JPEG")
    plain = buf.getvalue()
    assert exif_segment(plain) is None
    new = replace_exif(plain, with_gps({}, gps_ifd(lat=1, lon=2, alt_amsl_m=3, t_utc_s=4, heading_deg=None)))
    segs, _ = segments(new)
    assert [m for m, _, _ in segs][:2] == [0xE0, 0xE1]  # after JFIF, not replacing it
    assert read_gps(load_exif(exif_segment(new)))["lat"] == pytest.approx(1.0, abs=1e-9)


def test_header_only_read(tmp_path):
    p = tmp_path / "a.jpg"
    p.write_bytes(BASE)
    assert read_exif_payload(p) == exif_segment(BASE)
    p.write_bytes(BASE[:40])
    with pytest.raises(JpegError, match="truncated"):
        read_exif_payload(p)
    p.write_bytes(b"GIF89a not a jpeg")
    with pytest.raises(JpegError, match="not a JPEG"):
        read_exif_payload(p)


def test_photo_time_zone_and_subseconds():
    e = photo_exif(load_exif(exif_segment(BASE)), tz_s=None)  # 06:05:07.250 Thai time
    assert e.t_s == pytest.approx(dt.datetime(2026, 12, 1, 23, 5, 7, 250_000, dt.UTC).timestamp(), abs=1e-6)
    assert e.subsecond and e.make == "DronePatrol" and e.model == "SimCam 1600"
    utc = photo_exif(load_exif(exif_segment(BASE)), tz_s=0.0)
    assert utc.t_s - e.t_s == pytest.approx(7 * 3600)
    own = load_exif(exif_segment(BASE))
    own["Exif"][piexif.ExifIFD.OffsetTimeOriginal] = b"+02:00"
    assert photo_exif(own, tz_s=None).t_s - e.t_s == pytest.approx(5 * 3600)


def test_missing_time_is_a_problem():
    with pytest.raises(ExifProblem, match="DateTimeOriginal"):
        photo_exif(load_exif(exif_segment(jpeg_bytes(None))), tz_s=None)
    with pytest.raises(ExifProblem, match="no EXIF"):
        load_exif(None)


def test_parse_tz():
    assert parse_tz("+07:00") == 25200 and parse_tz("+0700") == 25200 and parse_tz("-03:30") == -12600
    assert parse_tz("Z") == 0 and parse_tz("UTC+7") == 25200
    for bad in ("7 hours", "+25:00", "+07:75", ""):
        with pytest.raises(ValueError, match="time zone"):
            parse_tz(bad)


def _maker_note_jpeg(byte_order: str) -> bytes:
    """A JPEG whose EXIF has a maker note, a thumbnail IFD and (maybe) an old GPS IFD."""
    exif = {
        "0th": {piexif.ImageIFD.Make: b"DJI", piexif.ImageIFD.Model: b"M3E"},
        "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2026:12:02 06:05:07", piexif.ExifIFD.MakerNote: b"DJI\x00" * 40},
        "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: ((1, 1), (2, 1), (3, 1))},
    }
    payload = piexif.dump(exif)
    if byte_order == "II":  # piexif writes big-endian; build a little-endian file by hand via add_gps
        payload = add_gps(EXIF_LE, {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: ((1, 1),) * 3})
    return replace_exif(BASE, payload)


#: A little-endian EXIF block with one IFD0 entry (Make = "AB") and no GPS.
EXIF_LE = b"Exif\x00\x00II*\x00\x08\x00\x00\x00" + b"\x01\x00" + b"\x0f\x01\x02\x00\x03\x00\x00\x00AB\x00\x00" \
    + b"\x00\x00\x00\x00"


@pytest.mark.parametrize("byte_order", ["MM", "II"])
def test_add_gps_keeps_every_original_byte(byte_order):
    jpeg = _maker_note_jpeg(byte_order)
    old = exif_segment(jpeg)
    new = add_gps(old, gps_ifd(lat=16.0563, lon=103.6488, alt_amsl_m=170.0, t_utc_s=1.7e9, heading_deg=45.0))
    assert new[6:8] == byte_order.encode()
    # the original block is a prefix of the new one, except the patched GPS pointer / IFD0 offset
    changed = [k for k in range(len(old)) if old[k] != new[k]]
    assert len(changed) <= 4
    before, after = load_exif(old), load_exif(new)
    g = read_gps(after)
    assert g["lat"] == pytest.approx(16.0563, abs=1e-9) and g["heading_deg"] == 45.0
    gps_pointer = piexif.ImageIFD.GPSTag
    assert after["0th"][gps_pointer] >= len(old) - 6  # the new GPS IFD is appended
    for ifd in ("0th", "Exif"):  # the maker note and every other tag unchanged
        assert {k: v for k, v in before[ifd].items() if k != gps_pointer} == \
            {k: v for k, v in after[ifd].items() if k != gps_pointer}


def test_damaged_exif_is_a_problem():
    with pytest.raises(ExifProblem, match="damaged"):
        add_gps(b"Exif\x00\x00II*\x00\xff\xff\x00\x00", gps_ifd(lat=0, lon=0, alt_amsl_m=0, t_utc_s=0,
                                                                    heading_deg=None))


def test_exiftool_reads_the_tags(tmp_path):
    exiftool = shutil.which("exiftool")
    if exiftool is None:
        pytest.skip("exiftool not installed (apt install libimage-exiftool-perl)")
    p = tmp_path / "a.jpg"
    p.write_bytes(replace_exif(BASE, add_gps(exif_segment(BASE), gps_ifd(
        lat=-16.0563012, lon=103.6488021, alt_amsl_m=170.25, t_utc_s=1_764_630_307.25, heading_deg=271.5))))
    out = subprocess.run([exiftool, "-j", "-n", "-GPS:all", "-Warning", "-Error", str(p)],
                         capture_output=True, text=True, check=True)
    (tags,) = json.loads(out.stdout)
    assert "Warning" not in tags and "Error" not in tags
    assert tags["GPSLatitude"] == pytest.approx(16.0563012, abs=1e-7) and tags["GPSLatitudeRef"] == "S"
    assert tags["GPSLongitude"] == pytest.approx(103.6488021, abs=1e-7)
    assert tags["GPSAltitude"] == pytest.approx(170.25) and tags["GPSAltitudeRef"] == 0
    assert tags["GPSImgDirection"] == pytest.approx(271.5) and tags["GPSImgDirectionRef"] == "T"
    assert tags["GPSDateStamp"] == "2025:12:01" and tags["GPSTimeStamp"] == "23:05:07.25"
    assert tags["GPSMapDatum"] == "WGS-84"
