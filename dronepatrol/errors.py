"""One exception root for dronepatrol, with leaves that also inherit the builtin they resemble.

The core raises these; only the CLI turns them into a message and an exit code
(``exit_code`` below, as documented in ``product.md``).
"""

from __future__ import annotations


class DronePatrolError(Exception):
    """Root of every error dronepatrol raises on purpose. ``exit_code`` is the CLI's exit status."""

    exit_code: int = 1


class UsageError(DronePatrolError, ValueError):
    """A bad option or option combination (exit 2)."""

    exit_code = 2


class InputError(DronePatrolError, ValueError):
    """An input file is unreadable or invalid: zone, mission, fleet config, photos (exit 3)."""

    exit_code = 3


class ZoneError(InputError):
    """A safety-zone GeoJSON file is invalid. ``findings`` holds every problem found."""

    def __init__(self, message: str, findings: list | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []


class MissionFileError(InputError):
    """A mission file (.plan, .waypoints, GeoJSON, KML) is unreadable or inconsistent."""


class ConfigError(InputError):
    """A fleet or configuration file is invalid."""


class LinkError(DronePatrolError, ConnectionError):
    """No heartbeat, connection refused, or link lost (exit 4)."""

    exit_code = 4


class LinkTimeout(LinkError, TimeoutError):
    """A reply did not arrive in time (exit 4)."""


class SafetyError(DronePatrolError):
    """Refused for safety: a mission check or pre-flight check failed (exit 5).

    ``findings`` holds the failed checks.
    """

    exit_code = 5

    def __init__(self, message: str, findings: list | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []


class VehicleRejected(DronePatrolError):
    """The vehicle rejected a command or transfer, or read-back verification failed (exit 6)."""

    exit_code = 6
