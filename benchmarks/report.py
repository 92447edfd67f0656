"""Report benchmark (issue 15): ``.venv/bin/python benchmarks/report.py [--quick]``.

Inputs: the Phitsanulok zone 4 example (17 communities, 10 hotspots), three drones each flying a
2 h survey (lawnmower lanes at 10 m/s, 5 positions a second: 3 x 36,000 fixes) and N = 1,000 /
5,000 / 20,000 photos along them, given as a ``photos geotag`` manifest.json on disk.

Per N:

- ``build s``: reading the manifest, all the figures (coverage of the zone and of each
  community by the photo footprints, hotspot visits, per-drone distance and time, weeks) and
  the page (``dronepatrol report`` without thumbnails), written atomically; the target is < 5 s
  at 20,000 photos;
- ``page MB``: the page's size (target < 5 MB);
- the baseline, measured in the same run: a plain folium page with one ``folium.Marker`` per
  photo (file name popup) and one ``PolyLine`` per track of every fix, as folium's own examples
  draw it: its render time, its size, and the ratios report / baseline.

Thumbnails are made once per photo and reused by later builds (``REPORT_files/thumbs``); their
cost is printed separately (ms per photo, two threads, 4000 x 3000 JPEGs decoded at reduced size,
or the camera's EXIF preview, which is used above 1,000 photos).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dronepatrol.fsutil import atomic_write_bytes  # noqa: E402
from dronepatrol.planning.camera import CAMERAS  # noqa: E402
from dronepatrol.zones import load_zone  # noqa: E402
from tests.report.helpers import geotag_dir  # noqa: E402
from tests.report.synthetic import survey  # noqa: E402

ZONE = ROOT / "geofences" / "phitsanulok-zone4.geojson"


def build(zone, tracks, manifest_dir: Path, out: Path) -> tuple[float, int]:
    from dronepatrol.report.inputs import read_photos
    from dronepatrol.report.page import build_report
    from dronepatrol.reporting import summarize

    t = time.perf_counter()
    photos = read_photos(manifest_dir)
    s = summarize(zone, tracks=tracks, photos=photos, default_camera=CAMERAS["dji-mavic3e"])
    page = build_report(zone, s, tracks=tracks, photos=photos, page_dir=out.parent)
    data = page.html.encode()
    atomic_write_bytes(out, data)
    return time.perf_counter() - t, len(data)


def baseline(tracks, photos, out: Path) -> tuple[float, int]:
    import folium

    t = time.perf_counter()
    c = photos[0]
    m = folium.Map(location=[c.lat, c.lon], zoom_start=15)
    for track in tracks:
        folium.PolyLine([[f.lat, f.lon] for f in track.fixes], color="blue").add_to(m)
    for p in photos:
        folium.Marker([p.lat, p.lon], popup=p.file).add_to(m)
    data = m.get_root().render().encode()
    out.write_bytes(data)
    return time.perf_counter() - t, len(data)


def thumbnail_ms(folder: Path, n: int, *, preview: bool) -> float:
    """ms per photo to make thumbnails of ``n`` 4000 x 3000 noise JPEGs (as hard to decode as a real
    photo), decoded at reduced size, or (``preview``) taken from the EXIF preview the camera stored."""
    import io

    import piexif
    from PIL import Image

    from dronepatrol.report import thumbnails
    from dronepatrol.reporting.model import Photo

    exif = b""
    if preview:
        small = io.BytesIO()
        Image.effect_noise((160, 120), 60).convert("RGB").save(small, "JPEG")
        exif = piexif.dump({"0th": {}, "Exif": {}, "GPS": {}, "1st": {piexif.ImageIFD.JPEGInterchangeFormat: 0,
                            piexif.ImageIFD.JPEGInterchangeFormatLength: 0}, "thumbnail": small.getvalue()})
    photos = []
    for k in range(n):
        path = folder / f"big_{preview}_{k}.jpg"
        Image.effect_noise((4000, 3000), 60 + k).convert("RGB").save(path, "JPEG", quality=90, exif=exif)
        photos.append(Photo(file=path.name, path=str(path), lon=100.0, lat=16.0))
    old = thumbnails.PREVIEW_OVER
    thumbnails.PREVIEW_OVER = 0 if preview else 10**9
    try:
        t = time.perf_counter()
        thumbnails.add_thumbnails(photos, folder / f"r{preview}.html", embed_max=0)
        return (time.perf_counter() - t) * 1000 / n
    finally:
        thumbnails.PREVIEW_OVER = old


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1,000 and 5,000 photos only")
    args = ap.parse_args()
    zone = load_zone(ZONE)
    sizes = (1000, 5000) if args.quick else (1000, 5000, 20000)
    print("3 drones x 2 h survey, 5 fixes/s; Phitsanulok zone 4 (17 communities)")
    print(f"{'photos':>7} {'build s':>8} {'page MB':>8} | {'folium s':>9} {'folium MB':>9} |", end="")
    print(f" {'time x':>7} {'size x':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        sc0 = survey(zone, duration_s=7200, hz=5.0)
        for n in sizes:
            sc = survey(zone, duration_s=7200, photos=n, hz=1.0)  # photos spread over the same lanes
            manifest = geotag_dir(list(sc.photos), tmpdir / f"geotag{n}")
            t_r, b_r = build(zone, sc0.tracks, manifest, tmpdir / f"report{n}.html")
            t_b, b_b = baseline(sc0.tracks, sc.photos, tmpdir / f"folium{n}.html")
            ok = "" if n < 20000 else ("  ok" if t_r < 5 and b_r < 5e6 else "  TARGET MISSED")
            print(f"{n:>7} {t_r:>8.2f} {b_r / 1e6:>8.2f} | {t_b:>9.2f} {b_b / 1e6:>9.2f} | "
                  f"{t_r / t_b:>7.2f} {b_r / b_b:>7.2f}{ok}")
        thumbs = tmpdir / "thumbs"
        thumbs.mkdir()
        ms = thumbnail_ms(thumbs, 12, preview=False)
        pv = thumbnail_ms(thumbs, 12, preview=True)
        print(f"thumbnails (made once, reused): {ms:.0f} ms per 4000x3000 photo decoded; {pv:.1f} ms from the "
              f"camera's EXIF preview (used above 1,000 photos): 20,000 photos {pv * 20:.0f} s once")


if __name__ == "__main__":
    main()
