"""Parameter table of a simulated ArduCopter (the subset the tool and the simulator use).

Values are stored as ArduPilot stores them: integers are rounded and clamped to their type,
floats are rounded to 32-bit. Names, defaults and units follow ArduCopter 4.x.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

# MAV_PARAM_TYPE values
INT8 = 2
INT16 = 4
INT32 = 6
REAL32 = 9

_LIMITS = {INT8: (-128, 127), INT16: (-32768, 32767), INT32: (-(2**31), 2**31 - 1)}


@dataclass(frozen=True, kw_only=True)
class ParamSpec:
    """One parameter: ``name`` (<= 16 chars), MAVLink ``ptype`` and ``default`` value."""

    name: str
    ptype: int
    default: float


def _specs(sysid: int, camera: bool) -> list[ParamSpec]:
    s = ParamSpec
    return [
        s(name="ARMING_CHECK", ptype=INT32, default=1),
        s(name="BATT_CAPACITY", ptype=INT32, default=3300),  # mAh
        s(name="BATT_CRT_MAH", ptype=REAL32, default=0),  # mAh remaining
        s(name="BATT_CRT_VOLT", ptype=REAL32, default=0),  # V
        s(name="BATT_FS_CRT_ACT", ptype=INT8, default=0),
        s(name="BATT_FS_LOW_ACT", ptype=INT8, default=0),  # 0 none, 1 land, 2 RTL, 3/4 SmartRTL
        s(name="BATT_LOW_MAH", ptype=REAL32, default=0),  # mAh remaining
        s(name="BATT_LOW_TIMER", ptype=INT8, default=10),  # s
        s(name="BATT_LOW_VOLT", ptype=REAL32, default=10.5),  # V
        s(name="BATT_MONITOR", ptype=INT8, default=4),
        s(name="CAM1_TRIGG_DIST", ptype=REAL32, default=0),  # m
        s(name="CAM1_TYPE", ptype=INT8, default=1 if camera else 0),  # 0 none, 1 servo
        s(name="DISARM_DELAY", ptype=INT8, default=10),  # s
        s(name="FENCE_ACTION", ptype=INT8, default=1),  # 0 report, 1 RTL or land, 2 land...
        s(name="FENCE_ALT_MAX", ptype=REAL32, default=100),  # m above home
        s(name="FENCE_ALT_MIN", ptype=REAL32, default=-10),  # m
        s(name="FENCE_ENABLE", ptype=INT8, default=0),
        s(name="FENCE_MARGIN", ptype=REAL32, default=2),  # m
        s(name="FENCE_RADIUS", ptype=REAL32, default=300),  # m, circle around home
        s(name="FENCE_TOTAL", ptype=INT8, default=0),
        s(name="FENCE_TYPE", ptype=INT8, default=7),  # bits: 1 max alt, 2 circle, 4 polygon, 8 min alt
        s(name="FS_GCS_ENABLE", ptype=INT8, default=0),  # 0 off, 1 RTL, 3 SmartRTL/RTL, 5 land
        s(name="FS_GCS_TIMEOUT", ptype=REAL32, default=5),  # s
        s(name="LAND_ALT_LOW", ptype=INT16, default=1000),  # cm
        s(name="LAND_SPEED", ptype=INT16, default=50),  # cm/s
        s(name="LAND_SPEED_HIGH", ptype=INT16, default=0),  # cm/s (0: WPNAV_SPEED_DN)
        # ArduPilot 4.7 names (SYSID_MYGCS and SYSID_THISMAV before 4.7)
        s(name="MAV_GCS_SYSID", ptype=INT16, default=255),
        s(name="MAV_SYSID", ptype=INT16, default=sysid),
        s(name="MIS_RESTART", ptype=INT8, default=0),
        s(name="MIS_TOTAL", ptype=INT16, default=0),
        s(name="RALLY_INCL_HOME", ptype=INT8, default=1),
        s(name="RALLY_LIMIT_KM", ptype=REAL32, default=0.3),  # km
        s(name="RALLY_TOTAL", ptype=INT8, default=0),
        s(name="RTL_ALT", ptype=INT16, default=1500),  # cm
        s(name="RTL_ALT_FINAL", ptype=INT16, default=0),  # cm
        s(name="RTL_LOIT_TIME", ptype=INT32, default=5000),  # ms
        s(name="RTL_SPEED", ptype=INT16, default=0),  # cm/s (0: WPNAV_SPEED)
        s(name="WPNAV_ACCEL", ptype=REAL32, default=250),  # cm/s/s
        s(name="WPNAV_RADIUS", ptype=REAL32, default=200),  # cm
        s(name="WPNAV_SPEED", ptype=REAL32, default=1000),  # cm/s
        s(name="WPNAV_SPEED_DN", ptype=REAL32, default=150),  # cm/s
        s(name="WPNAV_SPEED_UP", ptype=REAL32, default=250),  # cm/s
        s(name="WP_YAW_BEHAVIOR", ptype=INT8, default=2),
    ]


#: Parameters a ground station may not change (ArduPilot marks them internal).
READ_ONLY = frozenset({"MIS_TOTAL"})


def _normalise(ptype: int, value: float) -> float:
    if ptype == REAL32:
        return struct.unpack("<f", struct.pack("<f", float(value)))[0]
    lo, hi = _LIMITS[ptype]
    return float(min(hi, max(lo, round(value))))


class ParamStore:
    """Ordered parameter table; ``get``/``set`` by name, ``index`` for PARAM_VALUE."""

    def __init__(self, *, sysid: int, camera: bool = True) -> None:
        self._specs = sorted(_specs(sysid, camera), key=lambda p: p.name)
        self._values = {p.name: _normalise(p.ptype, p.default) for p in self._specs}
        self._types = {p.name: p.ptype for p in self._specs}
        self._index = {p.name: i for i, p in enumerate(self._specs)}

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def __len__(self) -> int:
        return len(self._specs)

    def names(self) -> list[str]:
        """All parameter names, in index order."""
        return [p.name for p in self._specs]

    def get(self, name: str) -> float:
        """Current value of ``name`` (KeyError if unknown)."""
        return self._values[name]

    def ptype(self, name: str) -> int:
        """MAV_PARAM_TYPE of ``name``."""
        return self._types[name]

    def index(self, name: str) -> int:
        """0-based index of ``name`` in the table."""
        return self._index[name]

    def set(self, name: str, value: float) -> float:
        """Store ``value`` (rounded to the parameter's type) and return what was stored.

        Raises KeyError for an unknown name and ValueError for NaN/inf.
        """
        if not math.isfinite(value):
            raise ValueError(f"{name}: not a finite number")
        stored = _normalise(self._types[name], value)
        self._values[name] = stored
        return stored
