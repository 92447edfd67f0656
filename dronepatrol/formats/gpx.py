"""GPX 1.1 of flown tracks: one ``trk`` per drone (a ``trkseg`` per continuous segment) with
``ele`` (metres above mean sea level) and UTC ``time`` (``Z``), camera triggers as ``wpt``.

The metadata ``desc`` and each track's ``desc`` say which clock the times come from. The output
validates against the GPX 1.1 schema (http://www.topografix.com/GPX/1/1/gpx.xsd).
"""

from __future__ import annotations

from collections.abc import Sequence

from dronepatrol import __version__
from dronepatrol.formats.track_common import clock_text, escape, finite_fixes, iso_utc, segments, track_clock_text
from dronepatrol.telemetry.model import Track

SUFFIX = ".gpx"
NS = "http://www.topografix.com/GPX/1/1"


def dumps(tracks: Sequence[Track]) -> str:
    """The GPX 1.1 text of ``tracks``."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<gpx version="1.1" creator="dronepatrol {__version__}" xmlns="{NS}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{NS} {NS}/gpx.xsd">',
        "<metadata>",
        f"<name>{escape(', '.join(t.drone for t in tracks))} flown tracks</name>",
        f"<desc>{escape('Flown tracks and camera triggers (CAMERA_FEEDBACK). ' + clock_text(tracks))}</desc>",
    ]
    starts = [t.fixes[0].t_s for t in tracks if t.fixes]
    if starts:
        out.append(f"<time>{iso_utc(min(starts))}</time>")
    out.append("</metadata>")
    for t in tracks:
        for g in t.triggers:
            out.append(
                f'<wpt lat="{g.lat:.7f}" lon="{g.lon:.7f}"><ele>{g.alt_amsl_m:.2f}</ele><time>{iso_utc(g.t_s)}</time>'
                f"<name>{escape(t.drone)} photo {g.index}</name>"
                f"<desc>camera trigger, CAMERA_FEEDBACK img_idx {g.index}, {g.alt_rel_m:.1f} m above home</desc>"
                "<type>camera_trigger</type></wpt>"
            )
    for t in tracks:
        out.append(f"<trk><name>{escape(t.drone)}</name>")
        out.append(f"<desc>{escape(f'system id {t.system_id}; elevation in metres above mean sea level. ')}"
                   f"{escape(track_clock_text(t))}</desc>")
        if t.source:
            out.append(f"<src>{escape(t.source)}</src>")
        out.append("<type>flown</type>")
        for seg in segments(finite_fixes(t)):
            out.append("<trkseg>")
            out.extend(f'<trkpt lat="{f.lat:.7f}" lon="{f.lon:.7f}">'
                       f"<ele>{f.alt_amsl_m:.2f}</ele><time>{iso_utc(f.t_s)}</time></trkpt>" for f in seg)
            out.append("</trkseg>")
        out.append("</trk>")
    out.append("</gpx>")
    return "\n".join(out) + "\n"
