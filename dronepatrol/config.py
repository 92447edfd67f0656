"""Fleet file and configuration file (TOML) -> frozen records.

The fleet file describes each drone (product.md, "Default fleet"); keys left out take the
defaults. The configuration file overrides :class:`~dronepatrol.rules.Rules` values and the
airport table::

    [rules]
    max_alt_m = 90
    airport_radius_m = 9000

    [[airports]]
    icao = "VTUV"
    name = "Roi Et Airport"
    lat = 16.116761
    lon = 103.773797
    source = "AIP Thailand"
    as_of = "2026-11"
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from dronepatrol.errors import ConfigError, UsageError
from dronepatrol.rules import DEFAULT_RULES, Airport, Rules

GCS_SYSTEM_ID = 254
DEFAULT_CONNECTIONS = ("tcp:127.0.0.1:5760", "tcp:127.0.0.1:5770", "tcp:127.0.0.1:5780")
DEFAULT_CAMERA = "dji-mavic3e"
DEFAULT_FLEET_SOURCE = "built-in default fleet"


@dataclass(frozen=True, kw_only=True)
class DroneConfig:
    """One drone of the fleet. Speeds in m/s, endurance in minutes before the reserve."""

    name: str
    connection: str
    system_id: int
    cruise_speed_m_s: float = 10.0
    endurance_min: float = 25.0
    camera: str = DEFAULT_CAMERA
    signing_key: str | None = None


@dataclass(frozen=True, kw_only=True)
class FleetConfig:
    """The drones, in launch-site order."""

    drones: tuple[DroneConfig, ...]
    source: str = DEFAULT_FLEET_SOURCE

    def __len__(self) -> int:
        return len(self.drones)


def default_drone(index: int) -> DroneConfig:
    """The default drone ``index`` (0-based): drone1 at tcp:127.0.0.1:5760, system id 1, ..."""
    return DroneConfig(
        name=f"drone{index + 1}",
        connection=f"tcp:127.0.0.1:{5760 + 10 * index}",
        system_id=index + 1,
    )


def default_fleet(n: int = 3) -> FleetConfig:
    """``n`` default drones (the ports of ``dronepatrol sim`` and SITL ``-I0``..)."""
    return FleetConfig(drones=tuple(default_drone(i) for i in range(n)))


def fleet_subset(fleet: FleetConfig, n: int | None) -> FleetConfig:
    """The first ``n`` drones of ``fleet`` (``None``: all). The built-in fleet grows with default
    drones; a fleet file cannot: asking for more drones than it describes is a :class:`UsageError`.
    """
    if n is None:
        return fleet
    if n < 1:
        raise UsageError(f"--drones {n}: give at least 1")
    if n <= len(fleet.drones):
        return FleetConfig(drones=fleet.drones[:n], source=fleet.source)
    if fleet.source == DEFAULT_FLEET_SOURCE:
        return default_fleet(n)
    raise UsageError(f"--drones {n}: the fleet file {fleet.source} describes {len(fleet.drones)} drones; "
                     "add [[drones]] tables or ask for fewer")


def load_fleet(path: str | Path | None) -> FleetConfig:
    """Read a fleet TOML file (``None`` gives the default fleet). Raises :class:`ConfigError`."""
    if path is None:
        return default_fleet()
    data = _read_toml(path)
    tables = data.get("drones")
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{path}: no [[drones]] table; add one per drone (see README, fleet file)")
    known = {f.name for f in dataclasses.fields(DroneConfig)}
    drones = []
    for i, table in enumerate(tables):
        where = f"{path}: drone {i + 1}"
        unknown = sorted(set(table) - known)
        if unknown:
            raise ConfigError(f"{where}: unknown key {unknown[0]!r}; known keys: {', '.join(sorted(known))}")
        base = dataclasses.asdict(default_drone(i))
        base.update(table)
        values = {}
        for f in dataclasses.fields(DroneConfig):
            values[f.name] = _typed(base[f.name], f.name, where)
        drone = DroneConfig(**values)
        if not 1 <= drone.system_id <= 255 or drone.system_id == GCS_SYSTEM_ID:
            raise ConfigError(f"{where}: system_id {drone.system_id} must be 1-253 (254 is the ground station)")
        for key in ("cruise_speed_m_s", "endurance_min"):
            value = getattr(drone, key)
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"{where}: {key} = {value}; it must be a positive number")
        drones.append(drone)
    names = [d.name for d in drones]
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: drone names must be unique, got {', '.join(names)}")
    ids = [d.system_id for d in drones]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{path}: system ids must be unique, got {ids}")
    return FleetConfig(drones=tuple(drones), source=str(path))


#: The type each fleet-file key needs (``signing_key`` may also be absent).
_FLEET_TYPES: dict[str, type] = {
    "name": str,
    "connection": str,
    "system_id": int,
    "cruise_speed_m_s": float,
    "endurance_min": float,
    "camera": str,
    "signing_key": str,
}


def _typed(value: object, key: str, where: str) -> object:
    """``value`` as the type ``key`` needs, or a :class:`ConfigError` naming the key."""
    want = _FLEET_TYPES[key]
    if value is None and key == "signing_key":
        return None
    ok = (
        isinstance(value, str)
        if want is str
        else isinstance(value, int) and not isinstance(value, bool)
        if want is int
        else isinstance(value, int | float) and not isinstance(value, bool)
    )
    if not ok:
        kind = {str: "text in quotes", int: "a whole number", float: "a number"}[want]
        raise ConfigError(f"{where}: {key} = {value!r}; it must be {kind}")
    return want(value)


def load_rules(path: str | Path | None) -> Rules:
    """Rules from a configuration TOML file (``None`` gives the built-in defaults)."""
    if path is None:
        return DEFAULT_RULES
    data = _read_toml(path)
    overrides = data.get("rules", {})
    known = {f.name for f in dataclasses.fields(Rules)} - {"airports", "sources"}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ConfigError(f"{path}: [rules] has unknown key {unknown[0]!r}; known: {', '.join(sorted(known))}")
    values: dict = {}
    for key, value in overrides.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise ConfigError(f"{path}: [rules] {key} = {value!r}; it must be a number, 0 or more")
        values[key] = float(value)
    if "airports" in data:
        try:
            values["airports"] = tuple(Airport(**a) for a in data["airports"])
        except TypeError as exc:
            raise ConfigError(
                f"{path}: [[airports]]: {exc}; each needs icao, name, lat, lon, source, as_of"
            ) from None
    return dataclasses.replace(DEFAULT_RULES, **values)


def _read_toml(path: str | Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
