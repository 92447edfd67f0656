"""QGC WPL 110 ``.waypoints`` files: the text format of Mission Planner and MAVProxy ``wp save``.

One tab-separated line per item, after the header ``QGC WPL 110``::

    seq  current  frame  command  p1  p2  p3  p4  lat  lon  alt  autocontinue

Row 0 is home (ArduPilot's item 0; altitude above mean sea level). Coordinates are written with
10 decimals (1e-10 degree), other numbers in their shortest exact form, NaN as ``NaN``: better than
the 6 decimals of MAVProxy's own writer. Readable by MAVProxy's ``wp load`` (``mavwp.py`` splits on
any whitespace and wants 12 values), Mission Planner and QGroundControl. The reader accepts tabs or
spaces, CRLF line ends, ``#`` comment lines (MAVProxy) and blank lines. Fence and rally points are
not part of this format (they are in the ``.plan``).

>>> from dronepatrol.mission import Home, Mission, takeoff, rtl
>>> m = Mission(drone="drone1", home=Home(lon=103.65, lat=16.05, alt_amsl_m=140.0),
...             items=(takeoff(20.0), rtl()))
>>> dumps_wpl(m).splitlines()[1].split()
['0', '1', '0', '16', '0.0', '0.0', '0.0', '0.0', '16.0500000000', '103.6500000000', '140.0', '1']
"""

from __future__ import annotations

from collections.abc import Sequence

from dronepatrol.formats._util import check_latlon, fail, fmt_num, split_stem
from dronepatrol.mission import Frame, Home, Mission, MissionItem

SUFFIX = ".waypoints"
HEADER = "QGC WPL 110"
COORD_DECIMALS = 10


def _row(seq: int, current: int, frame: int, command: int, params: Sequence[float], lat: float, lon: float,
         alt: float, auto: bool) -> str:
    return "\t".join(
        [
            str(seq),
            str(current),
            str(frame),
            str(command),
            *(fmt_num(p) for p in params),
            f"{lat:.{COORD_DECIMALS}f}",
            f"{lon:.{COORD_DECIMALS}f}",
            fmt_num(alt),
            "1" if auto else "0",
        ]
    )


def dumps_wpl(mission: Mission) -> str:
    """The text of one mission's ``.waypoints`` file (home as row 0, frame 0, AMSL altitude)."""
    h = mission.home
    lines = [HEADER, _row(0, 1, Frame.GLOBAL, 16, (0.0, 0.0, 0.0, 0.0), h.lat, h.lon, h.alt_amsl_m, True)]
    for seq, it in enumerate(mission.items, start=1):
        lines.append(_row(seq, 0, it.frame, it.command, it.params, it.lat, it.lon, it.alt_m, it.autocontinue))
    return "\n".join(lines) + "\n"


def dumps(missions: Sequence[Mission]) -> str:
    """Registry entry: a ``.waypoints`` file holds exactly one mission."""
    if len(missions) != 1:
        raise ValueError(f"a .waypoints file holds one mission, got {len(missions)}")
    return dumps_wpl(missions[0])


def loads_wpl(text: str, source: str) -> list[Mission]:
    """Parse QGC WPL 110 text. ``source`` (file name) names the drone and appears in errors.

    Raises :class:`~dronepatrol.errors.MissionFileError` naming the line.
    """
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != HEADER:
        first = lines[0].strip()[:40] if lines else ""
        todo = "save it as QGC WPL 110 (Mission Planner: Save WP File; MAVProxy: wp save)"
        if first.startswith("QGC WPL"):
            raise fail(source, "line 1", f"version {first[8:]!r} is not supported", todo)
        raise fail(source, "line 1", f"header is {first!r}, not {HEADER!r}", todo)
    home: Home | None = None
    items: list[MissionItem] = []
    expected = 0
    for n, line in enumerate(lines[1:], start=2):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        where = f"line {n}"
        fields = line.split()
        if len(fields) != 12:
            raise fail(
                source,
                where,
                f"{len(fields)} values",
                "give 12 tab-separated values: seq current frame command p1 p2 p3 p4 lat lon alt autocontinue",
            )
        names = ("seq", "current", "frame", "command")
        ints = [_whole(f) for f in (*fields[:4], fields[11])]
        for name, f, v in zip((*names, "autocontinue"), (*fields[:4], fields[11]), ints, strict=True):
            if v is None:
                raise fail(source, where, f"{name} {f!r} is not a whole number", "fix the value")
        seq, _current, frame, command, auto = ints  # which item is current is vehicle state
        floats = []
        for f in fields[4:11]:
            if not _is_number(f):
                raise fail(source, where, f"{f!r} is not a number", "fix the value")
            floats.append(float(f))
        p1, p2, p3, p4, lat, lon, alt = floats
        if seq != expected:
            raise fail(
                source,
                where,
                f"item number {seq}, expected {expected}",
                "number the rows 0 (home), 1, 2, ... without gaps",
            )
        expected += 1
        if seq == 0:
            check_latlon(lat, lon, source, f"{where} (home)")
            home = Home(lon=lon, lat=lat, alt_amsl_m=alt)
            continue
        item = MissionItem(
            command=command, frame=frame, params=(p1, p2, p3, p4), lat=lat, lon=lon, alt_m=alt,
            autocontinue=bool(auto),
        )
        if item.has_position:
            check_latlon(lat, lon, source, f"{where} (item {seq})")
        items.append(item)
    if home is None:
        raise fail(source, None, "no rows", "row 0 must be home (the launch site), then the mission items")
    name = source.rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    drone, sortie = split_stem(stem)
    return [Mission(drone=drone, home=home, items=tuple(items), sortie=sortie)]


def _whole(s: str) -> int | None:
    """``"3"`` or ``"3.0"`` -> 3; anything else (``"x"``, ``"nan"``, ``"2.5"``) -> None."""
    try:
        v = float(s)
    except ValueError:
        return None
    return int(v) if v.is_integer() and abs(v) < 2**31 else None


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def loads(text: str, source: str) -> list[Mission]:
    """Registry entry (see :func:`loads_wpl`)."""
    return loads_wpl(text, source)
