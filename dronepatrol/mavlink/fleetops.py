"""Fleet operations: verified upload, status, start and flight-mode commands, concurrently per drone.

Each drone's work runs in a thread of its own over its link (:mod:`dronepatrol.mavlink.ops`); one
drone's failure is reported with its reason and never stops the others. Nothing counts as uploaded
until all three lists were downloaded back and compared (:func:`dronepatrol.mavlink.items.compare`).

Verified uploads are remembered in a small JSON file (``uploads.json`` in the state directory:
``$DRONEPATROL_STATE_DIR``, else ``$XDG_STATE_HOME/dronepatrol``, else ``~/.local/state/dronepatrol``)
with a fingerprint of each list as read back, so ``fleet status`` and ``fleet start`` can tell
whether what is on board is still exactly what was verified.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from dronepatrol.errors import DronePatrolError, LinkTimeout, SafetyError, VehicleRejected
from dronepatrol.fsutil import atomic_write_text
from dronepatrol.mavlink import ops
from dronepatrol.mavlink.items import board_digest, plan_lists, triggers_photos
from dronepatrol.mavlink.transfer import DENIED, TransferRejected
from dronepatrol.mission import Geofence, Mission
from dronepatrol.preflight import (
    MODE_NUMBERS,
    DroneSnapshot,
    PreflightFinding,
    PreflightLimits,
    advisories,
    ekf_position_ok,
    evaluate,
    gcs_counted,
    mode_name,
    prearm_ok,
)

LISTS = ("mission", "fence", "rally")
OUR_SYSID = 254
STATE_ENV = "DRONEPATROL_STATE_DIR"
UPLOADS_NAME = "uploads.json"
#: FENCE_TYPE bits (ArduCopter): 1 maximum altitude, 2 circle around home, 4 polygons and circles.
FENCE_TYPE_ALT_MAX = 1
FENCE_TYPE_POLYGON = 4
#: FENCE_ACTION 0 only reports a breach; 1 is RTL (or land).
FENCE_ACTION_RTL = 1
TAKEOFF_ALT_M = 5.0
DEFAULT_LIMITS = PreflightLimits()
#: Reading a parameter that firmware versions may lack: a short wait, one retry.
OPTIONAL: dict[str, Any] = {"timeout_s": 0.6, "retries": 1}

T = TypeVar("T")
#: progress(drone, stage, done, total)
Progress = Callable[[str, str, int, int], None]


def _no_progress(_drone: str, _stage: str, _done: int, _total: int) -> None:
    return None


# --- state: what was verified on board ----------------------------------------------------------------


def state_dir() -> Path:
    """Where dronepatrol keeps its state (see the module docstring)."""
    env = os.environ.get(STATE_ENV)
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_STATE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "state") / "dronepatrol"


@dataclass(frozen=True, kw_only=True)
class UploadRecord:
    """The last verified upload to one drone: ``digests`` of each list as read back."""

    drone: str
    system_id: int
    plan: str
    uploaded_utc: str
    digests: dict[str, str]
    counts: dict[str, int]
    takes_photos: bool = False
    start_offset_s: float = 0.0
    fence_alt_max_m: float | None = None
    planned_home: tuple[float, float] | None = None  # lon, lat of the launch site the plan was made for

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> UploadRecord:
        return cls(drone=str(doc["drone"]), system_id=int(doc["system_id"]), plan=str(doc.get("plan", "")),
                   uploaded_utc=str(doc.get("uploaded_utc", "")), digests=dict(doc.get("digests", {})),
                   counts={k: int(v) for k, v in dict(doc.get("counts", {})).items()},
                   takes_photos=bool(doc.get("takes_photos", False)),
                   start_offset_s=float(doc.get("start_offset_s", 0.0) or 0.0),
                   fence_alt_max_m=doc.get("fence_alt_max_m"),
                   planned_home=_lonlat(doc.get("planned_home")))


def _lonlat(value: Any) -> tuple[float, float] | None:
    try:
        lon, lat = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return lon, lat


def load_uploads(directory: Path | None = None) -> dict[str, UploadRecord]:
    """Verified uploads on record, by drone name (empty when there is none or the file is unreadable)."""
    path = (directory or state_dir()) / UPLOADS_NAME
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return {name: UploadRecord.from_json(rec) for name, rec in doc.get("drones", {}).items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def save_uploads(records: Sequence[UploadRecord], directory: Path | None = None) -> Path:
    """Add or replace these drones' records (atomic write)."""
    d = directory or state_dir()
    current = load_uploads(d)
    for r in records:
        current[r.drone] = r
    doc = {"note": "written by 'dronepatrol fleet upload': the last verified upload to each drone",
           "drones": {name: asdict(r) for name, r in sorted(current.items())}}
    d.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(d / UPLOADS_NAME, json.dumps(doc, indent=2) + "\n")


def forget_uploads(drones: Sequence[str], directory: Path | None = None) -> None:
    """Drop these drones' records (their on-board lists are no longer known to be verified)."""
    d = directory or state_dir()
    current = load_uploads(d)
    if not any(n in current for n in drones):
        return
    keep = [r for n, r in current.items() if n not in drones]
    doc = {"note": "written by 'dronepatrol fleet upload': the last verified upload to each drone",
           "drones": {r.drone: asdict(r) for r in keep}}
    atomic_write_text(d / UPLOADS_NAME, json.dumps(doc, indent=2) + "\n")


# --- running on every drone at once -------------------------------------------------------------------


@dataclass
class Outcome:
    """One drone's result of a fleet operation: ``value`` or ``error`` (with its exit code)."""

    drone: str
    value: Any = None
    error: DronePatrolError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def exit_code(self) -> int:
        return 0 if self.error is None else self.error.exit_code


def for_each(links: Mapping[str, Any], fn: Callable[[Any], T]) -> dict[str, Outcome]:
    """Run ``fn(link)`` for every drone concurrently; errors are caught per drone."""

    def one(name: str) -> Outcome:
        try:
            return Outcome(name, value=fn(links[name]))
        except DronePatrolError as exc:
            return Outcome(name, error=exc)

    if len(links) == 1:
        name = next(iter(links))
        return {name: one(name)}
    with ThreadPoolExecutor(max_workers=len(links), thread_name_prefix="drone") as pool:
        futures = {name: pool.submit(one, name) for name in links}
        return {name: f.result() for name, f in futures.items()}


# --- upload ------------------------------------------------------------------------------------------


def capacity_problems(mission: Mission, *, max_mission_items: int | None = None,
                      fence_storage_bytes: int | None = None) -> list[str]:
    """Why ``mission`` does not fit the drone (checked before anything is sent; empty: it fits).

    Limits: ArduCopter SITL's 650 mission items (home included) and the fence storage the planner
    plans within (:data:`dronepatrol.planning.fence.FENCE_LIMIT`, measured on ArduCopter 4.7 SITL:
    one place for the number and its source). ArduPilot reports neither limit before an upload
    (FENCE_TOTAL counts what is stored), hence the constants.
    """
    from dronepatrol.planning.checks import MAX_MISSION_ITEMS
    from dronepatrol.planning.fence import FENCE_LIMIT, MAX_POLYGON_VERTICES, FenceLimit, fence_fit_problem

    limit_items = MAX_MISSION_ITEMS if max_mission_items is None else max_mission_items
    limit = FENCE_LIMIT if fence_storage_bytes is None else FenceLimit(storage_bytes=fence_storage_bytes)
    out = []
    n = len(mission.items) + 1
    if n > limit_items:
        out.append(f"{mission.file_stem}: {n} mission items (home included) but the drone stores at most "
                   f"{limit_items} — split the mission into sorties")
    problem = fence_fit_problem(mission.geofence, limit)
    if problem:
        out.append(f"{mission.file_stem}: {problem} — plan it again with 'dronepatrol plan' (which fits the fence) "
                   "or simplify it (fewer no-fly polygons or vertices)")
    for k, p in enumerate(mission.geofence.polygons, start=1):
        if len(p.vertices) > MAX_POLYGON_VERTICES or len(p.vertices) < 3:
            out.append(f"{mission.file_stem}: fence polygon {k} has {len(p.vertices)} vertices; the drone takes "
                       f"3 to {MAX_POLYGON_VERTICES}")
    if not mission.geofence.polygons and not mission.geofence.circles and mission.geofence.max_alt_m is None:
        out.append(f"{mission.file_stem}: the plan has no geofence — plan it with 'dronepatrol plan' (which adds the "
                   "zone's fence) or add one in QGroundControl")
    return out


def fence_params(fence: Geofence) -> dict[str, float]:
    """Parameters that make the uploaded fence enforced: FENCE_TYPE (polygons/circles, maximum
    altitude; the circle around home is left out: the zone's polygon replaces it), FENCE_ALT_MAX,
    FENCE_ENABLE = 1."""
    kind = 0
    if fence.polygons or fence.circles:
        kind |= FENCE_TYPE_POLYGON
    out: dict[str, float] = {}
    if fence.max_alt_m is not None and math.isfinite(fence.max_alt_m):
        kind |= FENCE_TYPE_ALT_MAX
        out["FENCE_ALT_MAX"] = float(fence.max_alt_m)
    out = {"FENCE_TYPE": float(kind), **out, "FENCE_ENABLE": 1.0}
    return out


def _params_in_place(link: Any, wanted: Mapping[str, float]) -> bool:
    for name, value in wanted.items():
        got = ops.get_param(link, name)
        if got is None or not math.isclose(got, value, rel_tol=1e-6, abs_tol=1e-4):
            return False
    action = ops.get_param(link, "FENCE_ACTION")
    return action is not None and int(action) != 0


def _apply_fence_params(link: Any, wanted: Mapping[str, float]) -> dict[str, float]:
    out = {}
    action = ops.get_param(link, "FENCE_ACTION")
    if action is None or int(action) == 0:
        action = ops.set_param(link, "FENCE_ACTION", FENCE_ACTION_RTL)
    out["FENCE_ACTION"] = float(action)
    for name, value in wanted.items():
        out[name] = ops.set_param(link, name, value)
    return out


@dataclass
class UploadResult:
    """A verified upload (or a plan found already on board) to one drone."""

    drone: str
    items: int  # mission items, home excluded
    fence: int
    rally: int
    verified: bool
    already_on_board: bool
    params: dict[str, float] = field(default_factory=dict)
    record: UploadRecord | None = None
    seconds: float = 0.0


def _record(link: Any, mission: Mission, source: str, board: Mapping[int, list]) -> UploadRecord:
    return UploadRecord(
        drone=link.name, system_id=int(link.system_id), plan=source,
        uploaded_utc=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        digests={LISTS[mt]: board_digest(board[mt], mt) for mt in (0, 1, 2)},
        counts={LISTS[mt]: len(board[mt]) for mt in (0, 1, 2)},
        takes_photos=triggers_photos(board[0]),
        start_offset_s=float(getattr(mission, "start_offset_s", 0.0) or 0.0),
        fence_alt_max_m=mission.geofence.max_alt_m,
        planned_home=(mission.home.lon, mission.home.lat),
    )


def upload_drone(link: Any, mission: Mission, *, source: str = "", progress: Progress = _no_progress,
                 force: bool = False) -> UploadResult:
    """Upload fence, fence parameters, rally and mission to one drone, then download all three back and
    compare. If the identical plan is already on board (and the fence enabled) only that is checked.

    Raises :class:`VehicleRejected` (exit 6) when the vehicle refuses or the read-back differs,
    :class:`~dronepatrol.errors.LinkTimeout` (exit 4) when it stops answering.
    """
    t0 = time.monotonic()
    name = link.name
    lists = plan_lists(mission)
    wanted = fence_params(mission.geofence)
    counts = (len(lists[0]) - 1, len(lists[1]), len(lists[2]))

    def bar(stage: str) -> Callable[[int, int], None]:
        return lambda done, total: progress(name, stage, done, total)

    if not force:
        progress(name, "checking what is on board", 0, 1)
        board: dict[int, list] = {}
        same = _params_in_place(link, wanted)
        for mt in (1, 2, 0):
            if not same:
                break
            dl = ops.download_list(link, mt, expect=lists[mt], stop_at_difference=True,
                                   progress=bar(f"checking {LISTS[mt]}"))
            same = bool(dl.matches) and dl.complete
            board[mt] = dl.items
        if same:
            progress(name, "already on board", 1, 1)
            return UploadResult(drone=name, items=counts[0], fence=counts[1], rally=counts[2], verified=True,
                                already_on_board=True, record=_record(link, mission, source, board),
                                seconds=time.monotonic() - t0)

    progress(name, "uploading fence", 0, max(1, len(lists[1])))
    ops.upload_list(link, 1, lists[1], progress=bar("uploading fence"))
    progress(name, "enabling fence", 0, 1)
    params = _apply_fence_params(link, wanted)
    progress(name, "uploading rally", 0, max(1, len(lists[2])))
    ops.upload_list(link, 2, lists[2], progress=bar("uploading rally"))
    progress(name, "uploading mission", 0, len(lists[0]))
    ops.upload_list(link, 0, lists[0], progress=bar("uploading mission"))
    board = {}
    for mt in (1, 2, 0):
        progress(name, f"verifying {LISTS[mt]}", 0, max(1, len(lists[mt])))
        try:
            dl = ops.download_list(link, mt, expect=lists[mt], progress=bar(f"verifying {LISTS[mt]}"))
        except TransferRejected as exc:
            if exc.result != DENIED:
                raise
            # an upload whose final ACK was lost may still be open on the vehicle, waiting for an
            # item (it denies downloads meanwhile): upload that list again, once, then read it back
            ops.upload_list(link, mt, lists[mt], progress=bar(f"uploading {LISTS[mt]} again"))
            dl = ops.download_list(link, mt, expect=lists[mt], progress=bar(f"verifying {LISTS[mt]}"))
        if not dl.matches:
            more = f" (and {len(dl.differences) - 3} more)" if len(dl.differences) > 3 else ""
            raise VehicleRejected(f"{name}: the {LISTS[mt]} read back differs from the plan: "
                                  + "; ".join(dl.differences[:3]) + more + " — upload again")
        board[mt] = dl.items
    progress(name, "verified", 1, 1)
    return UploadResult(drone=name, items=counts[0], fence=counts[1], rally=counts[2], verified=True,
                        already_on_board=False, params=params, record=_record(link, mission, source, board),
                        seconds=time.monotonic() - t0)


def upload_fleet(links: Mapping[str, Any], missions: Mapping[str, Mission], *, sources: Mapping[str, str] | None = None,
                 progress: Progress = _no_progress, force: bool = False,
                 state: Path | None = None, remember: bool = True) -> dict[str, Outcome]:
    """:func:`upload_drone` on every drone at once; verified uploads are remembered (state file).

    Refuses (``SafetyError``, exit 5) before anything is sent if a plan does not fit its drone.
    """
    problems = [p for name in links for p in capacity_problems(missions[name])]
    if problems:
        raise SafetyError("refused before sending anything: " + "; ".join(problems), findings=problems)
    srcs = sources or {}
    results = for_each(links, lambda link: upload_drone(link, missions[link.name], source=srcs.get(link.name, ""),
                                                        progress=progress, force=force))
    if remember:
        good = [o.value.record for o in results.values() if o.ok and o.value.record is not None]
        failed = [name for name, o in results.items() if not o.ok]
        if good:
            save_uploads(good, state)
        if failed:
            forget_uploads(failed, state)
    return results


# --- status ------------------------------------------------------------------------------------------


@dataclass
class DroneStatus:
    """``fleet status`` of one drone: the pre-flight snapshot plus what only status shows."""

    snapshot: DroneSnapshot
    counts: dict[str, int] = field(default_factory=dict)
    signing: str = "unknown"
    link: str = ""
    record: UploadRecord | None = None
    findings: list[PreflightFinding] = field(default_factory=list)
    warnings: list[PreflightFinding] = field(default_factory=list)  # do not stop a start

    def to_json(self) -> dict[str, Any]:
        s = self.snapshot
        return {
            "drone": s.drone, "link": self.link, "link_age_s": s.link_age_s, "mode": s.mode, "armed": s.armed,
            "gps_fix": s.gps_fix, "satellites": s.satellites, "battery_pct": s.battery_pct,
            "battery_v": s.battery_v, "prearm_ok": s.prearm, "prearm_text": s.prearm_text,
            "ekf_position_ok": ekf_position_ok(s.ekf_flags),
            "home": None if s.home is None else {"lon": s.home[0], "lat": s.home[1], "alt_amsl_m": s.home[2]},
            "on_board": self.counts,
            "last_upload": None if self.record is None else {"plan": self.record.plan,
                                                              "uploaded_utc": self.record.uploaded_utc},
            "matches_last_upload": {"mission": s.mission_match, "fence": s.fence_match, "rally": s.rally_match},
            "fence_enable": s.fence_enable, "fs_gcs_enable": s.fs_gcs_enable,
            "gcs_sysid": s.gcs_sysid, "gcs_sysid_hi": s.gcs_sysid_hi, "cam1_type": s.cam1_type,
            "takes_photos": s.needs_camera, "signing": self.signing,
            "preflight": [f.to_json() for f in self.findings],
            "warnings": [f.to_json() for f in self.warnings],
        }


def _signing(link: Any) -> str:
    """"off", "signed", "unsigned" or "waiting" (the link's health), with any unsigned or badly signed
    messages counted."""
    health = getattr(link, "health", None)
    state = str(getattr(health, "signing", "off"))
    bad = int(getattr(health, "bad_signature_count", 0) or 0)
    unsigned = int(getattr(health, "unsigned_count", 0) or 0)
    extra = [f"{unsigned} unsigned"] if unsigned else []
    extra += [f"{bad} bad signature"] if bad else []
    return state + (f" ({', '.join(extra)})" if extra else "")


def _age(link: Any, fallback: float | None) -> float | None:
    v = getattr(getattr(link, "health", None), "last_msg_age_s", None)
    if isinstance(v, int | float):
        return float(v) if math.isfinite(v) else None
    return fallback


def _texts(sub: Any, into: list[str]) -> None:
    while (m := sub.get(0.0)) is not None:
        t = m.text.decode("utf-8", "replace") if isinstance(m.text, bytes) else m.text
        into.append(t.rstrip("\x00").strip())


def gcs_failsafe_params(link: Any, *, fix: bool = False) -> tuple[float | None, float | None]:
    """(MAV_GCS_SYSID, MAV_GCS_SYSID_HI) as read back; with ``fix``, set the range 254..255 first when
    the vehicle does not count us (ArduPilot 4.7). Older firmware: (SYSID_MYGCS, None)."""
    lo = ops.get_param(link, "MAV_GCS_SYSID", required=False, retries=1)
    if lo is None:
        return ops.get_param(link, "SYSID_MYGCS", required=False, **OPTIONAL), None
    hi = ops.get_param(link, "MAV_GCS_SYSID_HI", required=False, **OPTIONAL)
    if fix and not gcs_counted(OUR_SYSID, lo, hi):
        if hi is not None:
            hi = ops.set_param(link, "MAV_GCS_SYSID_HI", 255)
            lo = ops.set_param(link, "MAV_GCS_SYSID", OUR_SYSID)
        else:  # no range on this firmware: count us (a second GCS at 255 then no longer counts)
            lo = ops.set_param(link, "MAV_GCS_SYSID", OUR_SYSID)
    return lo, hi


def drone_status(link: Any, record: UploadRecord | None, *, fix_gcs_sysid: bool = False,
                 limits: PreflightLimits = DEFAULT_LIMITS) -> DroneStatus:
    """Read one drone's status (see :class:`~dronepatrol.preflight.DroneSnapshot`) and its pre-flight findings."""
    texts: list[str] = []
    with link.subscribe(["STATUSTEXT"]) as text_sub:
        seen = ops.latest(link, ["HEARTBEAT", "SYS_STATUS", "GPS_RAW_INT", "EKF_STATUS_REPORT"], window_s=2.5)
        for type_name, msg_id in (("HEARTBEAT", 0), ("SYS_STATUS", 1), ("GPS_RAW_INT", 24),
                                  ("EKF_STATUS_REPORT", 193)):
            if type_name not in seen:
                got = ops.request_message(link, msg_id, type_name)
                if got is not None:
                    seen[type_name] = got
        if "HEARTBEAT" not in seen:
            raise LinkTimeout(f"{link.name}: no HEARTBEAT — check the link ({getattr(link, 'connection', '')})")
        with contextlib.suppress(LinkTimeout):  # ArduPilot answers with the failing checks as "PreArm: ..." texts
            ops.command(link, ops.MAV_CMD_RUN_PREARM_CHECKS, check=False, retries=0)
        home_msg = ops.request_message(link, 242, "HOME_POSITION", timeout_s=0.7, retries=1)
        fence_enable = ops.get_param(link, "FENCE_ENABLE", required=False)
        fs_gcs = ops.get_param(link, "FS_GCS_ENABLE", required=False)
        gcs_lo, gcs_hi = gcs_failsafe_params(link, fix=fix_gcs_sysid)
        cam1 = ops.get_param(link, "CAM1_TYPE", required=False, **OPTIONAL)
        board = {mt: ops.download_list(link, mt).items for mt in (0, 1, 2)}
        _texts(text_sub, texts)
        age = _age(link, 0.0)  # the downloads just answered
    hb, ss, gps, ekf = (seen.get(k) for k in ("HEARTBEAT", "SYS_STATUS", "GPS_RAW_INT", "EKF_STATUS_REPORT"))
    prearm_texts = [t for t in texts if t.startswith(("PreArm:", "Arm:"))]
    digests = {LISTS[mt]: board_digest(board[mt], mt) for mt in (0, 1, 2)}
    match = {k: (None if record is None else record.digests.get(k) == digests[k]) for k in LISTS}
    battery = None
    if ss is not None and int(ss.battery_remaining) >= 0:
        battery = float(ss.battery_remaining)
    home = None
    if home_msg is not None:
        home = (home_msg.longitude * 1e-7, home_msg.latitude * 1e-7, home_msg.altitude / 1000.0)
    snap = DroneSnapshot(
        drone=link.name, link_age_s=age, armed=bool(int(hb.base_mode) & ops.MAV_MODE_FLAG_SAFETY_ARMED),
        mode=mode_name(int(hb.custom_mode)),
        gps_fix=None if gps is None else int(gps.fix_type),
        satellites=None if gps is None else int(gps.satellites_visible),
        battery_pct=battery, battery_v=None if ss is None else ss.voltage_battery / 1000.0,
        prearm=None if ss is None else prearm_ok(int(ss.onboard_control_sensors_present),
                                                 int(ss.onboard_control_sensors_health)),
        prearm_text=prearm_texts[-1] if prearm_texts else "",
        ekf_flags=None if ekf is None else int(ekf.flags), home=home,
        uploaded=record is not None, mission_match=match["mission"], fence_match=match["fence"],
        rally_match=match["rally"], fence_enable=fence_enable, fs_gcs_enable=fs_gcs, gcs_sysid=gcs_lo,
        gcs_sysid_hi=gcs_hi, needs_camera=triggers_photos(board[0]), cam1_type=cam1,
        planned_home=None if record is None else record.planned_home,
    )
    return DroneStatus(snapshot=snap, counts={LISTS[mt]: len(board[mt]) for mt in (0, 1, 2)},
                       signing=_signing(link), link=str(getattr(link, "connection", "")), record=record,
                       findings=evaluate(snap, limits, our_sysid=OUR_SYSID), warnings=advisories(snap))


def status_fleet(links: Mapping[str, Any], *, state: Path | None = None, fix_gcs_sysid: bool = False,
                 limits: PreflightLimits = DEFAULT_LIMITS) -> dict[str, Outcome]:
    records = load_uploads(state)
    return for_each(links, lambda link: drone_status(link, records.get(link.name), fix_gcs_sysid=fix_gcs_sysid,
                                                     limits=limits))


# --- start and flight modes -------------------------------------------------------------------------------


@dataclass
class StartResult:
    """``began_s``: when this drone's start began, seconds of its own clock after the fleet's common start."""

    drone: str
    offset_s: float
    armed_after_s: float
    began_s: float = 0.0
    mode: str = "AUTO"


#: Pre-flight checks that pass by themselves once the drone has settled after boot.
SETTLING_CHECKS = frozenset({"gps", "position"})

#: Arm-and-take-off attempts when the drone disarms itself before the take-off command arrives.
TAKEOFF_ATTEMPTS = 3


def _wait_climb(link: Any, alt_m: float, timeout_s: float) -> None:
    target_mm = 1000.0 * min(alt_m * 0.5, max(1.0, alt_m - 1.0))
    msg = ops.wait_for(link, ["GLOBAL_POSITION_INT"], timeout_s, lambda m: m.relative_alt >= target_mm)
    if msg is None:
        raise VehicleRejected(f"{link.name}: took off but did not climb to {target_mm / 1000:.1f} m within "
                              f"{timeout_s:g} s — check the drone; send 'dronepatrol fleet land'")


def start_drone(link: Any, *, offset_s: float = 0.0, takeoff_alt_m: float = TAKEOFF_ALT_M,
                arm_timeout_s: float = 60.0, climb_timeout_s: float = 30.0) -> StartResult:
    """After ``offset_s`` seconds of the drone's own clock: GUIDED, arm (retries), NAV_TAKEOFF to
    ``takeoff_alt_m`` metres, AUTO."""
    began = ops.sleep_vehicle(link, offset_s)
    t0 = time.monotonic()
    ops.set_mode(link, MODE_NUMBERS["GUIDED"], "GUIDED")
    for attempt in range(TAKEOFF_ATTEMPTS):
        ops.arm(link, timeout_s=max(1.0, arm_timeout_s - (time.monotonic() - t0)))
        armed_after = time.monotonic() - t0
        try:
            ops.command(link, ops.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, math.nan, 0, 0, takeoff_alt_m)
            break
        except VehicleRejected:
            # A take-off re-sent after its ACK was lost is refused (FAILED) by a drone already
            # climbing (ArduCopter takes off only from the ground): the climb says whether it
            # took off. A drone that disarmed itself before the take-off came (DISARM_DELAY, a
            # slow link) is armed again.
            if ops.wait_for(link, ["GLOBAL_POSITION_INT"], 3.0, lambda m: m.relative_alt >= 300) is not None:
                break
            hb = ops.heartbeat(link)
            if attempt + 1 < TAKEOFF_ATTEMPTS and not int(hb.base_mode) & ops.MAV_MODE_FLAG_SAFETY_ARMED:
                continue
            raise
    _wait_climb(link, takeoff_alt_m, climb_timeout_s)
    ops.set_mode(link, MODE_NUMBERS["AUTO"], "AUTO")
    return StartResult(drone=link.name, offset_s=offset_s, armed_after_s=armed_after, began_s=began)


def preflight_fleet(links: Mapping[str, Any], *, state: Path | None = None,
                    limits: PreflightLimits = DEFAULT_LIMITS) -> tuple[dict[str, Outcome], list[PreflightFinding]]:
    """Status of every drone (making the GCS failsafe count us first) and every failed check."""
    statuses = status_fleet(links, state=state, fix_gcs_sysid=True, limits=limits)
    findings: list[PreflightFinding] = []
    for name, o in statuses.items():
        if o.ok:
            findings.extend(o.value.findings)
        else:
            findings.append(PreflightFinding(drone=name, check="link", message=str(o.error)))
    return statuses, findings


def start_fleet(links: Mapping[str, Any], *, state: Path | None = None, takeoff_alt_m: float = TAKEOFF_ALT_M,
                arm_timeout_s: float = 60.0, limits: PreflightLimits = DEFAULT_LIMITS,
                on_ready: Callable[[dict[str, float], list[PreflightFinding]], None] | None = None
                ) -> dict[str, Outcome]:
    """Pre-flight checks on every drone (exit 5 listing every failure, no drone starts), then start
    them together, each at the start offset its plan recorded.

    Checks that only need time (a 3D GPS fix, the position estimate settling after boot) are
    asked again for up to ``arm_timeout_s`` before they count as failed. ``on_ready(offsets,
    warnings)`` is called once the checks pass, with the warnings that do not stop a start (a
    drone away from its plan's launch site)."""
    deadline = time.monotonic() + arm_timeout_s
    while True:
        statuses, findings = preflight_fleet(links, state=state, limits=limits)
        if not findings or any(f.check not in SETTLING_CHECKS for f in findings) or time.monotonic() >= deadline:
            break
        time.sleep(1.0)
    if findings:
        raise SafetyError("pre-flight checks failed:\n" + "\n".join(f.format() for f in findings), findings=findings)
    records = load_uploads(state)
    offsets = {name: max(0.0, records[name].start_offset_s if name in records else 0.0) for name in links}
    if on_ready is not None:
        on_ready(offsets, [w for o in statuses.values() if o.ok for w in o.value.warnings])
    # Every drone's thread starts now; each waits its offset on its own clock (vehicle seconds,
    # which a simulator runs at its speed-up), as the plan's separation check assumed.
    return for_each(links, lambda link: start_drone(link, offset_s=offsets[link.name],
                                                    takeoff_alt_m=takeoff_alt_m, arm_timeout_s=arm_timeout_s))


#: ``fleet pause/resume/rtl/land``: the modes tried, in order (pause: BRAKE, else LOITER).
MODE_COMMANDS = {"pause": ("BRAKE", "LOITER"), "resume": ("AUTO",), "rtl": ("RTL",), "land": ("LAND",)}


def mode_drone(link: Any, modes: Sequence[str]) -> str:
    """Switch to the first of ``modes`` the vehicle accepts; returns its name."""
    last: VehicleRejected | None = None
    for m in modes:
        try:
            ops.set_mode(link, MODE_NUMBERS[m], m)
            return m
        except VehicleRejected as exc:
            last = exc
    assert last is not None
    raise last


def mode_fleet(links: Mapping[str, Any], action: str) -> dict[str, Outcome]:
    modes = MODE_COMMANDS[action]
    return for_each(links, lambda link: mode_drone(link, modes))


__all__ = [
    "MODE_COMMANDS",
    "DroneStatus",
    "Outcome",
    "StartResult",
    "UploadRecord",
    "UploadResult",
    "capacity_problems",
    "drone_status",
    "fence_params",
    "for_each",
    "load_uploads",
    "mode_fleet",
    "preflight_fleet",
    "save_uploads",
    "start_fleet",
    "state_dir",
    "status_fleet",
    "upload_drone",
    "upload_fleet",
]
