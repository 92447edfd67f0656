"""Photo thumbnails (about 200 px) for the report's popups.

Few photos: each thumbnail is embedded in the page as a ``data:`` URL, so the page is one file.
Many photos: they are written to ``REPORT_files/thumbs/`` beside the page (the page would
otherwise grow by ~10 KB a photo) and the popups link them relatively. A thumbnail already there
for the same photo (path, size and modification time in its name) is reused, so building the
report again after a new day's flights only makes the new ones. JPEGs are decoded at reduced
size (``Image.draft``: the JPEG's own DCT scaling). Above :data:`PREVIEW_OVER` photos, the
preview the camera itself stored in the EXIF header (drone cameras store one of 160 px or more)
is used as it is where there is one: no decoding at all, about a millisecond a photo.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from struct import error as struct_error

from dronepatrol.fsutil import atomic_write_bytes
from dronepatrol.reporting.model import Photo

THUMB_PX = 200
#: With more photos than this, a camera's own EXIF preview (at least :data:`PREVIEW_MIN_PX`) is used.
PREVIEW_OVER = 1000
PREVIEW_MIN_PX = 160
#: Up to this many thumbnails are embedded in the page; more go to ``REPORT_files/``.
EMBED_MAX = 60
QUALITY = 70


def files_dir(page: Path) -> Path:
    """``REPORT_files`` beside ``REPORT.html``."""
    return page.with_name(page.stem + "_files")


def thumbnail_jpeg(path: str | Path, size: int = THUMB_PX) -> bytes | None:
    """A JPEG thumbnail at most ``size`` px on its long side, or ``None`` if the photo cannot be read."""
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as im:
            im.draft("RGB", (size, size))
            im = ImageOps.exif_transpose(im)
            im.thumbnail((size, size))
            buf = io.BytesIO()
            im.convert("RGB").save(buf, "JPEG", quality=QUALITY, optimize=True)
            return buf.getvalue()
    except (OSError, ValueError, SyntaxError):
        return None


def exif_preview(path: str | Path) -> bytes | None:
    """The JPEG preview in the photo's EXIF header if it is at least :data:`PREVIEW_MIN_PX` px."""
    import piexif
    from PIL import Image

    from dronepatrol.photos.jpeg import JpegError, read_exif_payload

    try:
        payload = read_exif_payload(path)
        thumb = piexif.load(payload).get("thumbnail") if payload else None
        if not thumb:
            return None
        with Image.open(io.BytesIO(thumb)) as im:
            return thumb if im.format == "JPEG" and max(im.size) >= PREVIEW_MIN_PX else None
    except (OSError, ValueError, JpegError, SyntaxError, KeyError, struct_error):
        return None


def _key(path: Path) -> str:
    st = path.stat()
    return hashlib.sha1(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:16]


def add_thumbnails(
    photos: Sequence[Photo],
    page: Path,
    *,
    embed_max: int | None = None,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Photo], int]:
    """``photos`` with ``thumbnail`` URLs set (positioned photos whose file exists), and how many
    thumbnail files were written (0 when they are embedded: up to ``embed_max`` photos, default
    :data:`EMBED_MAX`)."""
    todo = [i for i, p in enumerate(photos) if p.positioned and p.path and os.path.isfile(p.path)]
    out = list(photos)
    if not todo:
        return out, 0
    embed = len(todo) <= (EMBED_MAX if embed_max is None else embed_max)
    preview_first = len(todo) > PREVIEW_OVER
    folder = files_dir(page) / "thumbs"
    written = 0

    def one(i: int) -> tuple[int, str, bool]:
        src = Path(photos[i].path)
        if embed:
            data = thumbnail_jpeg(src)
            return i, ("data:image/jpeg;base64," + base64.b64encode(data).decode()) if data else "", False
        name = f"{_key(src)}.jpg"
        target = folder / name
        made = False
        if not target.exists():
            data = (exif_preview(src) if preview_first else None) or thumbnail_jpeg(src)
            if data is None:
                return i, "", False
            atomic_write_bytes(target, data)
            made = True
        return i, f"{files_dir(page).name}/thumbs/{name}", made

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for n, (i, url, made) in enumerate(pool.map(one, todo), start=1):
            out[i] = replace(out[i], thumbnail=url)
            written += made
            if progress is not None:
                progress(n, len(todo))
    return out, written
