"""KML 2.2 of flown tracks for Google Earth: a Folder per drone with a ``gx:Track`` per continuous
segment (``when`` in UTC, ``gx:coord`` lon lat metres above mean sea level, ``altitudeMode``
absolute) and a Placemark with a TimeStamp per camera trigger (CAMERA_FEEDBACK). The
descriptions say which clock the times come from.
"""

from __future__ import annotations

from collections.abc import Sequence

from dronepatrol.formats.track_common import clock_text, escape, finite_fixes, iso_utc, segments, track_clock_text
from dronepatrol.telemetry.model import Track

SUFFIX = ".kml"
NS = "http://www.opengis.net/kml/2.2"
GX = "http://www.google.com/kml/ext/2.2"
_COLORS = ("ff0000ff", "ffff0000", "ff00aa00", "ff00ffff", "ffff00ff", "ffffff00")  # aabbggrr


def dumps(tracks: Sequence[Track]) -> str:
    """The KML text of ``tracks``."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f'<kml xmlns="{NS}" xmlns:gx="{GX}">', "<Document>",
           "<name>Flown tracks</name>",
           f"<description>{escape('Flown tracks and camera triggers. ' + clock_text(tracks))}</description>"]
    for i in range(len(tracks)):
        color = _COLORS[i % len(_COLORS)]
        out.append(f'<Style id="trk{i}"><LineStyle><color>{color}</color><width>3</width></LineStyle>'
                   f"<IconStyle><color>{color}</color></IconStyle></Style>")
    for i, t in enumerate(tracks):
        out.append(f"<Folder><name>{escape(t.drone)}</name>")
        out.append(f"<description>{escape(f'system id {t.system_id}. ' + track_clock_text(t))}</description>")
        for k, seg in enumerate(segments(finite_fixes(t))):
            out.append(f"<Placemark><name>{escape(t.drone)} track {k + 1}</name><styleUrl>#trk{i}</styleUrl>")
            out.append("<gx:Track><altitudeMode>absolute</altitudeMode>")
            out.extend(f"<when>{iso_utc(f.t_s)}</when>" for f in seg)
            out.extend(f"<gx:coord>{f.lon:.7f} {f.lat:.7f} {f.alt_amsl_m:.2f}</gx:coord>" for f in seg)
            out.append("</gx:Track></Placemark>")
        for g in t.triggers:
            out.append(f"<Placemark><name>{escape(t.drone)} photo {g.index}</name><styleUrl>#trk{i}</styleUrl>"
                       f"<TimeStamp><when>{iso_utc(g.t_s)}</when></TimeStamp>"
                       f"<Point><altitudeMode>absolute</altitudeMode>"
                       f"<coordinates>{g.lon:.7f},{g.lat:.7f},{g.alt_amsl_m:.2f}</coordinates></Point></Placemark>")
        out.append("</Folder>")
    out.append("</Document></kml>")
    return "\n".join(out) + "\n"
