"""ArduCopter flight mode numbers: the one enum every part of the simulated vehicle compares against."""

from __future__ import annotations

from enum import IntEnum


class Mode(IntEnum):
    """ArduCopter flight modes (HEARTBEAT.custom_mode) this simulator flies."""

    STABILIZE = 0
    ALT_HOLD = 2
    AUTO = 3
    GUIDED = 4
    LOITER = 5
    RTL = 6
    LAND = 9
    POSHOLD = 16
    BRAKE = 17
