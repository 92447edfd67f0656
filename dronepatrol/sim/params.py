"""Parameter table of a simulated ArduCopter: ArduCopter 4.7 SITL's own, name for name.

The table (names, MAV_PARAM_TYPE, defaults, in ArduCopter's index order) is read from
``arducopter_params.tsv``, dumped from ArduCopter V4.7.0-dev SITL by
``tests/sim_diff/dump_params.py``. As on ArduCopter, the camera's parameters (``cam`` in the
table) are listed only while ``CAM1_TYPE`` is not 0, so PARAM_REQUEST_LIST gives 1354
parameters without a camera and 1366 with one; they can still be read by name.

Values are stored as ArduPilot stores them: integers are truncated towards zero and clamped to
their type (PARAM_SET RTL_ALT 2000.7 stores 2000), floats are rounded to 32-bit.

>>> p = ParamStore(sysid=2)
>>> p.get("MAV_SYSID"), p.ptype("RTL_ALT"), len(p)
(2.0, 6, 1354)
"""

from __future__ import annotations

import functools
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

# MAV_PARAM_TYPE values
UINT8 = 1
INT8 = 2
INT16 = 4
INT32 = 6
REAL32 = 9

_LIMITS = {UINT8: (0, 255), INT8: (-128, 127), INT16: (-32768, 32767), INT32: (-(2**31), 2**31 - 1)}
TABLE = "arducopter_params.tsv"


@dataclass(frozen=True, kw_only=True)
class ParamSpec:
    """One parameter: ``name`` (<= 16 chars), MAVLink ``ptype``, ``default`` and whether it belongs
    to the camera (listed only with CAM1_TYPE != 0)."""

    name: str
    ptype: int
    default: float
    camera: bool = False


@functools.cache
def arducopter_specs() -> tuple[ParamSpec, ...]:
    """ArduCopter 4.7 SITL's parameters, in index order (the camera's included)."""
    text = resources.files("dronepatrol.sim").joinpath(TABLE).read_text()
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, ptype, default, *flags = line.split("\t")
        out.append(ParamSpec(name=name, ptype=int(ptype), default=float(default), camera="cam" in flags))
    return tuple(out)


#: Parameters a ground station may not change (ArduPilot marks them read-only).
READ_ONLY = frozenset({"MIS_TOTAL"})


def _normalise(ptype: int, value: float) -> float:
    if ptype == REAL32:
        return struct.unpack("<f", struct.pack("<f", float(value)))[0]
    lo, hi = _LIMITS.get(ptype, _LIMITS[INT32])
    return float(min(hi, max(lo, math.trunc(value))))  # C++ float -> int: towards zero


class ParamStore:
    """ArduCopter's parameter table; ``get``/``set`` by name, ``index`` for PARAM_VALUE.

    ``sysid`` sets MAV_SYSID, ``camera`` starts with CAM1_TYPE 1 (a servo-triggered camera)
    instead of ArduCopter's 0, ``overrides`` sets other defaults (e.g. SIM_SPEEDUP).
    ``on_change(name, value)`` is called when the vehicle itself changes a value (MIS_TOTAL...).
    """

    def __init__(self, *, sysid: int, camera: bool = False, overrides: dict[str, float] | None = None) -> None:
        specs = arducopter_specs()
        self._specs = {p.name: p for p in specs}
        self._order = [p.name for p in specs]
        self._values = {p.name: _normalise(p.ptype, p.default) for p in specs}
        defaults = {"MAV_SYSID": sysid, "CAM1_TYPE": 1 if camera else 0, **(overrides or {})}
        for name, value in defaults.items():
            if name in self._values:
                self._values[name] = _normalise(self._specs[name].ptype, value)
        self.on_change: Callable[[str, float], None] = lambda _name, _value: None
        self._listed: list[str] | None = None

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def __len__(self) -> int:
        return len(self.names())

    def _camera_listed(self) -> bool:
        return self._values.get("CAM1_TYPE", 0.0) != 0

    def names(self) -> list[str]:
        """The parameters PARAM_REQUEST_LIST sends, in index order."""
        if self._listed is None:
            cam = self._camera_listed()
            self._listed = [n for n in self._order if cam or not self._specs[n].camera]
            self._index = {n: i for i, n in enumerate(self._listed)}
        return self._listed

    def get(self, name: str) -> float:
        """Current value of ``name`` (KeyError if unknown)."""
        return self._values[name]

    def ptype(self, name: str) -> int:
        """MAV_PARAM_TYPE of ``name``."""
        return self._specs[name].ptype

    def index(self, name: str) -> int:
        """0-based index of ``name`` in the listed table (65535 if not listed)."""
        self.names()
        return self._index.get(name, 65535)

    def set(self, name: str, value: float) -> float:
        """Store ``value`` (rounded to the parameter's type) and return what was stored.

        Raises KeyError for an unknown name and ValueError for NaN/inf.
        """
        if not math.isfinite(value):
            raise ValueError(f"{name}: not a finite number")
        stored = _normalise(self._specs[name].ptype, value)
        self._values[name] = stored
        if name == "CAM1_TYPE":
            self._listed = None
        return stored

    def update(self, name: str, value: float) -> None:
        """The vehicle changes ``name`` itself (a counter, a total): store it and tell ``on_change``."""
        if self._values.get(name) != _normalise(self._specs[name].ptype, value):
            self.on_change(name, self.set(name, value))
