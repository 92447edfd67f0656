"""The vehicle's clock: boot time (``time_boot_ms``) mapped to UTC with SYSTEM_TIME pairs.

A vehicle stamps positions with its time since boot; SYSTEM_TIME pairs that boot time with its
GPS-derived UTC clock (``time_unix_usec``, 0 until GPS time is known). The offset between the two
is what maps any boot time to UTC. The receiving laptop's clock is never used for that: the
simulator runs its clock at its speed-up, a radio delays and batches packets, and a laptop's
clock may be wrong. A reboot restarts boot time; each boot is an *epoch* with its own pairs.

>>> c = VehicleClock()
>>> e = c.observe_boot(10_000)
>>> c.add_pair(e, boot_ms=10_000, unix_us=1_700_000_000_000_000)
True
>>> c.to_utc_s(e, 12_500)
1700000002.5
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

#: Boot time going back by more than this (ms) means the vehicle rebooted.
REBOOT_BACKSTEP_MS = 5_000
#: SYSTEM_TIME unix times before this (2001-09-09) are not UTC (no GPS time yet).
MIN_UNIX_US = 1_000_000_000_000_000


@dataclass
class _Epoch:
    boots: list[int] = field(default_factory=list)  # boot_ms of each pair, ascending
    offsets_us: list[int] = field(default_factory=list)  # unix_us - boot_ms * 1000


class VehicleClock:
    """Maps (epoch, boot_ms) to UTC seconds. Feed it every boot time seen, in arrival order
    (:meth:`observe_boot` returns the epoch), and every SYSTEM_TIME pair (:meth:`add_pair`)."""

    def __init__(self) -> None:
        self._epochs: list[_Epoch] = [_Epoch()]
        self._last_boot_ms: int | None = None

    @property
    def epoch(self) -> int:
        """The current boot epoch (0 for the first boot seen)."""
        return len(self._epochs) - 1

    def observe_boot(self, boot_ms: int) -> int:
        """Note a boot time just received; returns its epoch (a new one after a reboot)."""
        last = self._last_boot_ms
        if last is not None and boot_ms < last - REBOOT_BACKSTEP_MS:
            self._epochs.append(_Epoch())
        if last is None or boot_ms > last or boot_ms < last - REBOOT_BACKSTEP_MS:
            self._last_boot_ms = boot_ms
        return len(self._epochs) - 1

    def add_pair(self, epoch: int, *, boot_ms: int, unix_us: int) -> bool:
        """Add a SYSTEM_TIME pair; False (ignored) when ``unix_us`` is not a UTC time yet."""
        if unix_us < MIN_UNIX_US:
            return False
        ep = self._epochs[epoch]
        off = unix_us - boot_ms * 1000
        if not ep.boots or boot_ms >= ep.boots[-1]:
            ep.boots.append(boot_ms)
            ep.offsets_us.append(off)
        else:
            i = bisect.bisect_left(ep.boots, boot_ms)
            ep.boots.insert(i, boot_ms)
            ep.offsets_us.insert(i, off)
        return True

    def knows(self, epoch: int) -> bool:
        """True once ``epoch`` has a pair (its boot times can be mapped)."""
        return bool(self._epochs[epoch].boots)

    def to_utc_s(self, epoch: int, boot_ms: int) -> float | None:
        """UTC POSIX seconds of ``boot_ms`` in ``epoch`` using the nearest pair (``None`` without one)."""
        ep = self._epochs[epoch]
        if not ep.boots:
            return None
        i = bisect.bisect_left(ep.boots, boot_ms)
        if i == len(ep.boots) or (i > 0 and boot_ms - ep.boots[i - 1] <= ep.boots[i] - boot_ms):
            i -= 1
        return (boot_ms * 1000 + ep.offsets_us[i]) / 1e6
