"""Samples and flown tracks from ``.tlog`` recordings or live links: the library API that
geotagging and the report use.

- :func:`iter_samples` yields :class:`~dronepatrol.telemetry.samples.Sample` records from a
  ``.tlog`` path, a live subscription (anything with ``get(timeout_s)``) or an iterable of
  pymavlink messages, all through the one decoder (:mod:`dronepatrol.mavlink.decode`).
- :func:`read_track` / :func:`read_tracks` build :class:`~dronepatrol.telemetry.model.Track`
  records: positions (GLOBAL_POSITION_INT) and camera shots (CAMERA_FEEDBACK) of the vehicle,
  with times on the **vehicle's** clock (``time_boot_ms`` mapped to UTC with SYSTEM_TIME pairs,
  see :mod:`dronepatrol.telemetry.clock`). Where a boot has no SYSTEM_TIME with a UTC time (no GPS
  yet), the recording's stamps are used and ``Track.time_source`` says so (``"receiver"``, or
  ``"mixed"`` when only part of the track could use the vehicle's clock).

Damaged files are read up to the damage and on from the next whole record; each damage is a
logged warning naming the byte offset, and is kept in ``Track.warnings``.

>>> track = read_track("flights/20260101T101500Z/drone1.tlog")  # doctest: +SKIP
>>> track.time_source, len(track.fixes), len(track.triggers)  # doctest: +SKIP
('vehicle', 5210, 143)
"""

from __future__ import annotations

import contextlib
import heapq
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dronepatrol.errors import InputError
from dronepatrol.mavlink.decode import DECODERS, TRACK_MESSAGES, samples_of
from dronepatrol.mavlink.tlog import TlogDamage, iter_messages, log_damage
from dronepatrol.telemetry.clock import MIN_UNIX_US, VehicleClock
from dronepatrol.telemetry.model import Fix, Track, Trigger
from dronepatrol.telemetry.samples import CameraShot, Heartbeat, Position, Sample, SystemTime
from dronepatrol.telemetry.state import DroneState, FleetState, FleetView

log = logging.getLogger(__name__)

Source = str | Path | Any


def iter_samples(source: Source, *, types: Iterable[str] | None = None, timeout_s: float | None = None,
                 on_damage: Any = log_damage) -> Iterator[Sample]:
    """Decoded samples from ``source``, in arrival order.

    ``source`` is a ``.tlog`` path (``t_rx_s`` = the record stamps), a live subscription with
    ``get(timeout_s) -> message | None`` (runs until it is closed, or until nothing has come for
    ``timeout_s`` seconds; ``t_rx_s`` = the message's receive time), or an iterable of pymavlink
    messages or ``(t_rx_s, message)`` pairs. ``types`` limits the message names decoded.
    """
    names = tuple(types) if types is not None else tuple(DECODERS)
    if isinstance(source, str | Path):
        for t_us, msg in iter_messages(source, types=names, on_damage=on_damage):
            yield from samples_of(msg, t_us / 1e6)
        return
    if hasattr(source, "get") and not isinstance(source, dict):
        yield from _live(source, frozenset(names), timeout_s)
        return
    wanted = frozenset(names)
    for item in source:
        t, msg = item if isinstance(item, tuple) else (_rx_time(item), item)
        if msg.get_type() in wanted:
            yield from samples_of(msg, t)


def _rx_time(msg: Any) -> float:
    t = getattr(msg, "_timestamp", None)
    return float(t) if t else time.time()


def _live(sub: Any, wanted: frozenset[str], timeout_s: float | None) -> Iterator[Sample]:
    last = time.monotonic()
    while True:
        msg = sub.get(0.25 if timeout_s is None else min(0.25, timeout_s))
        if msg is None:
            if getattr(sub, "closed", False):
                return
            if timeout_s is not None and time.monotonic() - last > timeout_s:
                return
            continue
        last = time.monotonic()
        if msg.get_type() in wanted:
            yield from samples_of(msg, _rx_time(msg))


# ----------------------------------------------------------------------------- tracks


@dataclass
class _Builder:
    """Positions and shots of one system id, collected before their times are mapped."""

    system_id: int
    clock: VehicleClock = field(default_factory=VehicleClock)
    autopilot: bool = False
    positions: list[tuple[int, float, Position]] = field(default_factory=list)  # (epoch, t_rx_s, pos)
    shots: list[tuple[int, float, CameraShot]] = field(default_factory=list)

    def add(self, s: Sample) -> None:
        rec = s.record
        if isinstance(rec, Position):
            epoch = self.clock.observe_boot(rec.boot_ms)
            if rec.lat != 0.0 or rec.lon != 0.0:  # 0, 0: ArduPilot has no position estimate yet
                self.positions.append((epoch, s.t_rx_s, rec))
        elif isinstance(rec, SystemTime):
            self.clock.add_pair(self.clock.observe_boot(rec.boot_ms), boot_ms=rec.boot_ms, unix_us=rec.unix_us)
        elif isinstance(rec, CameraShot):
            self.shots.append((self.clock.epoch, s.t_rx_s, rec))
        elif isinstance(rec, Heartbeat):
            self.autopilot = True

    def track(self, drone: str, source: str, warnings: tuple[str, ...]) -> Track:
        clock = self.clock
        fixes: list[Fix] = []
        seen: set[tuple[int, int]] = set()
        on_vehicle = 0
        for epoch, t_rx, p in self.positions:
            key = (epoch, p.boot_ms)
            if key in seen:  # the same message recorded twice
                continue
            seen.add(key)
            t = clock.to_utc_s(epoch, p.boot_ms)
            if t is None:
                t = t_rx
            else:
                on_vehicle += 1
            fixes.append(Fix(t_s=t, lat=p.lat, lon=p.lon, alt_amsl_m=p.alt_amsl_m, alt_rel_m=p.alt_rel_m,
                             heading_deg=p.heading_deg, ground_speed_m_s=p.ground_speed_m_s))
        fixes.sort(key=lambda f: f.t_s)
        triggers: list[Trigger] = []
        seen_idx: set[tuple[int, int]] = set()
        for epoch, t_rx, c in self.shots:
            if (epoch, c.index) in seen_idx:
                continue
            seen_idx.add((epoch, c.index))
            if c.unix_us >= MIN_UNIX_US:
                t = c.unix_us / 1e6
            else:  # a boot-time stamp (microseconds since boot), or unknown
                mapped = clock.to_utc_s(epoch, c.unix_us // 1000) if c.unix_us > 0 else None
                t = mapped if mapped is not None else t_rx
            triggers.append(Trigger(t_s=t, index=c.index, lat=c.lat, lon=c.lon, alt_amsl_m=c.alt_amsl_m,
                                    alt_rel_m=c.alt_rel_m, yaw_deg=c.yaw_deg))
        triggers.sort(key=lambda g: g.t_s)
        if fixes and on_vehicle == len(fixes):
            time_source = "vehicle"
        elif on_vehicle == 0:
            time_source = "receiver"
        else:
            time_source = "mixed"
        return Track(drone=drone, system_id=self.system_id, fixes=tuple(fixes), triggers=tuple(triggers),
                     time_source=time_source, source=source, warnings=warnings)


def _session_entry(path: Path) -> dict:
    """This file's drone entry in ``session.json`` beside it (``{}`` when there is none)."""
    session = path.parent / "session.json"
    try:
        data = json.loads(session.read_text())
    except (OSError, ValueError):
        return {}
    drones = data.get("drones", []) if isinstance(data, dict) else []
    if isinstance(drones, dict):
        drones = [dict(v, name=k) if isinstance(v, dict) else {"name": k} for k, v in drones.items()]
    for d in drones:
        if not isinstance(d, dict):
            continue
        name = d.get("name")
        file = d.get("file") or d.get("tlog") or (f"{name}.tlog" if name else None)
        if file and Path(str(file)).name == path.name:
            return d
    return {}


def read_tracks(path: str | Path, *, drone: str | None = None, log_warnings: bool = True) -> list[Track]:
    """One track per vehicle (system id with an autopilot HEARTBEAT) in a ``.tlog``, the vehicle
    with most positions first. ``drone`` names them (default: ``session.json`` beside the file,
    else the file name; a second vehicle in one file gets ``<name>-sys<id>``).

    Damage is kept in ``Track.warnings`` and, with ``log_warnings``, logged as a warning.
    Raises :class:`~dronepatrol.errors.InputError` (exit 3) if the file cannot be read or holds
    no MAVLink record at all.
    """
    path = Path(path)
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "file not found"
        raise InputError(f"{path}: {what}; give the path of a .tlog recording")
    warnings: list[str] = []

    def damage(d: TlogDamage) -> None:
        warnings.append(d.message)
        if log_warnings:
            log_damage(d)

    builders: dict[int, _Builder] = {}
    count = 0
    try:
        for s in iter_samples(path, types=TRACK_MESSAGES, on_damage=damage):
            count += 1
            b = builders.get(s.system_id)
            if b is None:
                b = builders[s.system_id] = _Builder(s.system_id)
            b.add(s)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}); give the path of a .tlog recording") from None
    vehicles = sorted((b for b in builders.values() if b.autopilot or b.positions),
                      key=lambda b: (-len(b.positions), b.system_id))
    if not vehicles:
        if count == 0 and warnings:
            raise InputError(f"{path}: no readable MAVLink record; is it a .tlog recording?")
        entry = _session_entry(path)
        return [Track(drone=drone or entry.get("name") or path.stem, system_id=int(entry.get("system_id") or 0),
                      fixes=(), triggers=(), time_source="receiver", source=str(path),
                      warnings=(*warnings, f"{path}: no vehicle messages in the recording"))]
    entry = _session_entry(path)
    want_sysid = entry.get("system_id")
    if isinstance(want_sysid, int):
        vehicles.sort(key=lambda b: b.system_id != want_sysid)
    name = drone or entry.get("name") or path.stem
    out = []
    for i, b in enumerate(vehicles):
        out.append(b.track(name if i == 0 else f"{name}-sys{b.system_id}", str(path), tuple(warnings)))
    return out


def read_track(path: str | Path, *, drone: str | None = None, system_id: int | None = None) -> Track:
    """The flown track of the drone recorded in ``path`` (see :func:`read_tracks`): the vehicle
    ``system_id`` if given (InputError if absent), else the one the session names, else the one
    with most positions."""
    tracks = read_tracks(path, drone=drone)
    if system_id is None:
        return tracks[0]
    for t in tracks:
        if t.system_id == system_id:
            return t
    found = ", ".join(str(t.system_id) for t in tracks) or "none"
    raise InputError(f"{path}: no vehicle with system id {system_id} in the recording (found: {found})")


# ----------------------------------------------------------------------------- replay


def replay_names(paths: Iterable[str | Path]) -> list[tuple[str, Path]]:
    """A drone name for each recording (``session.json``, else the file name; made unique)."""
    out: list[tuple[str, Path]] = []
    used: set[str] = set()
    for p in map(Path, paths):
        name = _session_entry(p).get("name") or p.stem
        if name in used:
            name = f"{name}@{p.parent.name}"
        k = 2
        base = name
        while name in used:
            name, k = f"{base}-{k}", k + 1
        used.add(name)
        out.append((name, p))
    return out


def replay_views(paths: Sequence[str | Path], *, step_s: float = 0.25,
                 on_damage: Any = log_damage) -> Iterator[FleetView]:
    """The fleet view every ``step_s`` seconds of recording time, from ``.tlog`` files (one drone
    each), merged in time order: what ``telemetry watch`` showed, for debriefs. The views' times
    and link ages are on the recording's clock. The last view is at the last record.

    Raises :class:`~dronepatrol.errors.InputError` for a file that does not exist.
    """
    named = replay_names(paths)
    for _, p in named:
        if not p.is_file():
            raise InputError(f"{p}: {'is a directory' if p.is_dir() else 'file not found'}; "
                             "give the path of a .tlog recording")
    state = FleetState(DroneState(name, _session_entry(p).get("system_id")) for name, p in named)

    def stream(name: str, p: Path) -> Iterator[tuple[float, str, Sample]]:
        for s in iter_samples(p, on_damage=on_damage):
            yield s.t_rx_s, name, s

    streams = [stream(name, p) for name, p in named]
    next_t: float | None = None
    last_t: float | None = None
    for t, name, s in heapq.merge(*streams, key=lambda x: x[0]):
        if next_t is None:
            next_t = t
        while t >= next_t:
            yield state.view(next_t)
            next_t += step_s
        state.apply(name, s)
        last_t = t
    if last_t is not None:
        yield state.view(last_t)


# ----------------------------------------------------------------------------- live

#: How often HOME_POSITION is asked for (MAV_CMD_REQUEST_MESSAGE) until known, then afterwards
#: (home moves when the vehicle arms), seconds. ArduCopter does not stream it.
HOME_ASK_S = (2.0, 30.0)
MAV_CMD_REQUEST_MESSAGE = 512
MSG_ID_HOME_POSITION = 242


def watch_views(links: dict[str, Any], drones: Sequence[Any], *, frame_s: float = 0.25,
                stop: Callable[[], bool] | None = None) -> Iterator[FleetView]:
    """Fleet views every ``frame_s`` seconds from live links (``open_fleet``'s ``DroneLink``s),
    for ``drones`` (fleet file entries: name, system_id, cruise_speed_m_s, endurance_min).

    Link ages come from each link's health; HOME_POSITION is requested until it is known. Runs
    until ``stop()`` is true (or forever); subscriptions are closed when the generator ends.
    """
    state = FleetState(DroneState(d.name, d.system_id, cruise_speed_m_s=d.cruise_speed_m_s,
                                  endurance_min=d.endurance_min) for d in drones if d.name in links)
    subs = {name: links[name].subscribe(set(DECODERS)) for name in state.drones}
    next_home = dict.fromkeys(subs, 0.0)
    try:
        next_frame = time.monotonic()
        while stop is None or not stop():
            now_wall = time.time()
            mono = time.monotonic()
            for name, sub in subs.items():
                while (msg := sub.get(0)) is not None:
                    for s in samples_of(msg, now_wall):
                        state.apply(name, s)
                if mono >= next_home[name]:
                    link = links[name]
                    with contextlib.suppress(Exception):  # a link down loses the request: asked again
                        link.send(link.mav.command_long_encode(link.system_id, 1, MAV_CMD_REQUEST_MESSAGE, 0,
                                                               MSG_ID_HOME_POSITION, 0, 0, 0, 0, 0, 0))
                    next_home[name] = mono + HOME_ASK_S[state.drones[name].home is not None]
            ages = {}
            for name in subs:
                age = links[name].health.last_msg_age_s
                ages[name] = None if age == float("inf") else age
            yield state.view(time.time(), link_ages=ages)
            next_frame += frame_s
            delay = next_frame - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                next_frame = time.monotonic()
    finally:
        for sub in subs.values():
            sub.close()


@contextlib.contextmanager
def open_watch_links(fleet: Any, names: Sequence[str] | None = None, *,
                     timeout_s: float = 10.0) -> Iterator[tuple[dict[str, Any], list[str]]]:
    """Links for watching: like :func:`~dronepatrol.mavlink.fleetlink.open_fleet` (through the
    link owner when one serves the fleet), except that a drone silent for ``timeout_s`` is kept
    (its link keeps trying; the view shows it waiting) and described in the returned problems.
    :class:`~dronepatrol.errors.LinkError` only when no drone answers at all.

    Yields ``(links by name, problems)``; the links are closed afterwards.
    """
    from dronepatrol.errors import LinkError
    from dronepatrol.mavlink.fleetlink import no_heartbeat_message, select_drones
    from dronepatrol.mavlink.link import DroneLink
    from dronepatrol.mavlink.owner import find_owner
    from dronepatrol.mavlink.signing import drone_key

    drones = select_drones(fleet, names)
    owner = find_owner(fleet)
    via = {d.name: owner.connection(d.name) for d in drones if d.name in owner.ports} if owner else {}
    links: dict[str, DroneLink] = {}
    try:
        for d in drones:
            key, ts_path = drone_key(fleet, d)
            shared = d.name in via  # the owner requests streams and signs for the drone
            links[d.name] = DroneLink(name=d.name, system_id=d.system_id, connection=d.connection,
                                      via=via.get(d.name), signing_key=key,
                                      timestamp_path=None if shared else ts_path, request_streams=not shared)
        deadline = time.monotonic() + timeout_s
        silent = [link for link in links.values()
                  if link.wait_heartbeat(max(0.0, deadline - time.monotonic())) is None]
        problems = [no_heartbeat_message(link, timeout_s) for link in silent]
        if len(silent) == len(links):
            raise LinkError("\n".join(problems))
        yield links, problems
    finally:
        for link in links.values():
            link.close()
