"""Open the links of a fleet: through the local link owner when one serves the fleet, else
directly; wait for each drone's HEARTBEAT from its expected system id.

Example (needs the drones, or ``dronepatrol sim``)::

    with open_fleet(default_fleet(), ["drone1"], timeout_s=5) as links:
        links["drone1"].health.connected                             # True
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from dronepatrol.config import DroneConfig, FleetConfig
from dronepatrol.errors import LinkError, UsageError
from dronepatrol.mavlink.connection import parse_endpoint
from dronepatrol.mavlink.link import DroneLink
from dronepatrol.mavlink.signing import drone_key

log = logging.getLogger(__name__)

#: After a heartbeat from another vehicle, how long to keep waiting for the expected one.
MISMATCH_GRACE_S = 2.0


def select_drones(fleet: FleetConfig, names: Sequence[str] | None) -> list[DroneConfig]:
    """The fleet's drones named in ``names`` (all when ``None``), in fleet order; UsageError otherwise."""
    if names is None:
        return list(fleet.drones)
    by_name = {d.name: d for d in fleet.drones}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise UsageError(f"--drones: unknown drone {unknown[0]!r}; the fleet has {', '.join(by_name)}")
    wanted = set(names)
    return [d for d in fleet.drones if d.name in wanted]


def no_heartbeat_message(link: DroneLink, timeout_s: float) -> str:
    """What to tell the officer when ``link`` saw no heartbeat from its drone."""
    where = link.connection if link.via is None else f"{link.connection} (through the link owner at {link.via})"
    if link.foreign_heartbeats:
        ids = ", ".join(str(i) for i in sorted(link.foreign_heartbeats))
        return (f"{link.name}: {where} answers with system id {ids}, but the fleet file expects "
                f"{link.system_id}: is this another drone's connection? Fix system_id or the connection "
                f"in the fleet file, or set MAV_SYSID={link.system_id} on the vehicle")
    if link.health.bad_signature_count:
        return (f"{link.name}: {where} sends messages whose signature does not match our key "
                f"({link.health.bad_signature_count} refused): the drone has another signing key; install "
                "ours with `dronepatrol fleet keys install` over USB, or fix signing_key in the fleet file")
    err = f" ({link.last_error})" if link.last_error else ""
    return (f"{link.name}: no HEARTBEAT from system id {link.system_id} on {where} within {timeout_s:g} s{err}. "
            "Check: is the drone powered? radio or USB plugged in and paired? the right port and baud? "
            "is another program (Mission Planner, QGroundControl, MAVProxy) holding the port? "
            "(`dronepatrol fleet serve` shares one link between programs)")


def open_links(fleet: FleetConfig, drones: Sequence[DroneConfig], *, timeout_s: float,
               via: dict[str, str] | None = None, **link_kw: object) -> dict[str, DroneLink]:
    """Start a :class:`DroneLink` per drone (all at once) and wait for each one's heartbeat.

    ``via`` maps drone names to a link owner's ``tcp:`` port. Raises :class:`LinkError` naming every
    drone that did not answer (the links already opened are closed).
    """
    for d in drones:  # every connection string is checked before anything is opened
        parse_endpoint(d.connection, drone=d.name)
    links: dict[str, DroneLink] = {}
    try:
        for d in drones:
            key, ts_path = drone_key(fleet, d)
            shared = bool(via and d.name in via)  # the owner requests streams and signs for the drone
            opts: dict = {"request_streams": not shared, **link_kw}
            links[d.name] = DroneLink(name=d.name, system_id=d.system_id, connection=d.connection,
                                      via=(via or {}).get(d.name), signing_key=key,
                                      timestamp_path=None if shared else ts_path, **opts)
        deadline = time.monotonic() + timeout_s
        failed: list[str] = []
        for link in links.values():
            if not _wait_expected(link, deadline):
                failed.append(no_heartbeat_message(link, timeout_s))
        if failed:
            raise LinkError("\n".join(failed))
    except BaseException:
        for link in links.values():
            link.close()
        raise
    return links


def _wait_expected(link: DroneLink, deadline: float) -> bool:
    """Wait for the expected heartbeat; give up early once only another vehicle answers."""
    while True:
        now = time.monotonic()
        if link.wait_heartbeat(min(0.1, max(0.0, deadline - now))) is not None:
            return True
        if now >= deadline:
            return False
        if link.foreign_heartbeats and now - min(link.foreign_heartbeats.values()) > MISMATCH_GRACE_S:
            return False


@contextmanager
def open_fleet(fleet: FleetConfig, names: Sequence[str] | None = None, *,
               timeout_s: float = 10.0) -> Iterator[dict[str, DroneLink]]:
    """Links to the named drones (default all), each with a heartbeat from its expected system id.

    Goes through the local link owner when one serves this fleet (``dronepatrol fleet serve``),
    else connects directly. :class:`LinkError` (exit 4) names each drone that does not answer.
    """
    drones = select_drones(fleet, names)
    from dronepatrol.mavlink.owner import find_owner

    owner = find_owner(fleet, [d.name for d in drones])
    via = None
    if owner is not None:
        ports = {d.name: owner.port_for(d) for d in drones}
        via = {name: f"tcp:127.0.0.1:{port}" for name, port in ports.items() if port is not None}
    if owner is not None:
        log.info("using the link owner (pid %d) for %s", owner.pid, ", ".join(d.name for d in drones))
    links = open_links(fleet, drones, timeout_s=timeout_s, via=via)
    try:
        yield links
    finally:
        for link in links.values():
            link.close()
