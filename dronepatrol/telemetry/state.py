"""Live state of each drone, built from decoded samples, and the alerts an officer must see.

The same state serves the live view (``telemetry watch``) and debriefs (``telemetry replay``):
it is fed :class:`~dronepatrol.telemetry.samples.Sample` records and asked for a
:class:`DroneView` at a time ``now_s`` on the same clock as the samples' ``t_rx_s`` (the laptop's
clock live, the recording's stamps in a replay).

Alerts (:class:`Alert`, level ``"alarm"`` or ``"warning"``):

- **link**: nothing heard for more than ``LINK_LOST_S`` (3 s);
- **battery**: remaining below ``BATTERY_LOW_PCT`` (alarm below ``BATTERY_CRITICAL_PCT``);
- **endurance**: flying, and the estimated time to empty is less than the time to get home plus
  ``RESERVE_S``;
- **fence**: FENCE_STATUS or SYS_STATUS says the vehicle is outside its fence;
- **prearm**: a ``PreArm:`` STATUSTEXT in the last ``PREARM_TEXT_S`` seconds while disarmed;
- **failsafe**: a STATUSTEXT naming a failsafe in the last ``FAILSAFE_TEXT_S`` seconds (until a
  matching "Cleared" text), or a critical battery text;
- **gps**: no 3D fix.

>>> d = DroneState("drone1", 1)
>>> d.apply(Sample(t_rx_s=100.0, system_id=1, component_id=1,
...                record=Heartbeat(mode=3, armed=True, system_status=4, vehicle_type=2)))
True
>>> v = d.view(104.0)
>>> v.mode, v.armed, [a.kind for a in v.alerts]
('AUTO', True, ['link'])
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from dronepatrol.telemetry.names import copter_mode_name, gps_fix_name, mission_state_name
from dronepatrol.telemetry.samples import (
    Battery,
    CameraShot,
    FenceState,
    Gps,
    Health,
    Heartbeat,
    HomePosition,
    MissionProgress,
    Position,
    Sample,
    StatusText,
)

LINK_LOST_S = 3.0
BATTERY_LOW_PCT = 25
BATTERY_CRITICAL_PCT = 15
RESERVE_S = 60.0
PREARM_TEXT_S = 30.0
FAILSAFE_TEXT_S = 120.0
#: Descent rate assumed for the time to get home (ArduCopter WPNAV_SPEED_DN default, 1.5 m/s).
DESCENT_M_S = 1.5
#: Messages kept per drone for the text lines below the table.
TEXTS_KEPT = 5

_EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, kw_only=True)
class Alert:
    """Something the officer must see: ``level`` ``"alarm"`` (act now) or ``"warning"``."""

    level: str
    kind: str
    text: str


@dataclass(frozen=True, kw_only=True)
class DroneView:
    """What the live table shows for one drone at one moment (``None``: not known yet).

    Times in seconds; ``time_to_empty_s`` is the battery estimate, ``time_to_home_s`` the flight
    home at cruise speed and the descent; ``fence`` is ``"off"``, ``"ok"``, ``"breach"`` or ``""``.
    """

    name: str
    system_id: int | None
    link: str  # "waiting" (nothing heard yet), "ok" or "lost"
    link_age_s: float | None
    mode: str
    armed: bool | None
    battery_pct: int | None
    voltage_v: float | None
    gps_fix: str
    satellites: int | None
    lat: float | None
    lon: float | None
    alt_rel_m: float | None
    ground_speed_m_s: float | None
    heading_deg: float | None
    home_dist_m: float | None
    item: int | None
    items_total: int | None
    mission_state: str
    photos: int
    fence: str
    time_to_empty_s: float | None
    time_to_home_s: float | None
    last_text: str
    last_text_severity: int | None
    alerts: tuple[Alert, ...]
    messages: int

    def to_json(self) -> dict:
        """A JSON-ready dict (alerts as dicts)."""
        d = asdict(self)
        d["alerts"] = [asdict(a) for a in self.alerts]
        return d


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def time_to_empty_s(battery: Battery | None, *, endurance_min: float) -> float | None:
    """Seconds of flight left on the battery.

    From the current draw when the vehicle reports the charge used (capacity = used / (1 -
    remaining), which is how ArduPilot computes the percentage); else the fleet file's endurance
    (``endurance_min`` on a full battery) scaled by the remaining percentage.

    >>> round(time_to_empty_s(Battery(voltage_v=11.5, current_a=8.0, remaining_pct=50, consumed_mah=1650.0),
    ...                       endurance_min=25))
    742
    >>> time_to_empty_s(Battery(voltage_v=12.6, current_a=None, remaining_pct=40), endurance_min=25)
    600.0
    """
    if battery is None or battery.remaining_pct is None or battery.remaining_pct < 0:
        return None
    pct = min(100, battery.remaining_pct)
    used, amps = battery.consumed_mah, battery.current_a
    if used is not None and amps is not None and amps > 0.5 and used > 100 and pct < 95:
        capacity_mah = used / (1 - pct / 100)
        return capacity_mah * pct / 100 / 1000 / amps * 3600
    return pct / 100 * endurance_min * 60


def time_to_home_s(dist_m: float | None, alt_rel_m: float | None, *, speed_m_s: float) -> float | None:
    """Seconds to fly ``dist_m`` home at ``speed_m_s`` and descend ``alt_rel_m`` at ``DESCENT_M_S``.

    >>> time_to_home_s(1000.0, 60.0, speed_m_s=10.0)
    140.0
    """
    if dist_m is None:
        return None
    return dist_m / max(speed_m_s, 0.5) + max(alt_rel_m or 0.0, 0.0) / DESCENT_M_S


class DroneState:
    """The latest of everything one drone (``system_id``; ``None``: the first autopilot heard)
    reported. ``cruise_speed_m_s`` and ``endurance_min`` come from the fleet file."""

    def __init__(self, name: str, system_id: int | None = None, *, cruise_speed_m_s: float = 10.0,
                 endurance_min: float = 25.0) -> None:
        self.name = name
        self.system_id = system_id
        self.cruise_speed_m_s = cruise_speed_m_s
        self.endurance_min = endurance_min
        self.last_rx_s: float | None = None
        self.messages = 0
        self.heartbeat: Heartbeat | None = None
        self.position: Position | None = None
        self.gps: Gps | None = None
        self.battery: Battery | None = None
        self.health: Health | None = None
        self.mission: MissionProgress | None = None
        self.fence: FenceState | None = None
        self.home: HomePosition | None = None
        self.photo_indices: set[int] = set()
        self.texts: deque[tuple[float, StatusText]] = deque(maxlen=TEXTS_KEPT)
        self._prearm: tuple[float, str] | None = None
        self._failsafe: tuple[float, str] | None = None

    def apply(self, sample: Sample) -> bool:
        """Take in one sample; False when it is from another system (ignored)."""
        if self.system_id is None:
            if not isinstance(sample.record, Heartbeat):
                return False
            self.system_id = sample.system_id
        elif sample.system_id != self.system_id:
            return False
        self.messages += 1
        t = sample.t_rx_s
        if self.last_rx_s is None or t > self.last_rx_s:
            self.last_rx_s = t
        rec = sample.record
        match rec:
            case Heartbeat():
                self.heartbeat = rec
            case Position():
                if rec.lat != 0.0 or rec.lon != 0.0:  # 0, 0: no position estimate yet
                    self.position = rec
            case Gps():
                self.gps = rec
            case Battery():
                # BATTERY_STATUS carries the charge used; SYS_STATUS does not: keep what is known
                if rec.consumed_mah is None and self.battery is not None and self.battery.consumed_mah is not None:
                    rec = Battery(voltage_v=rec.voltage_v, current_a=rec.current_a, remaining_pct=rec.remaining_pct,
                                  consumed_mah=self.battery.consumed_mah)
                self.battery = rec
            case Health():
                self.health = rec
            case MissionProgress():
                self.mission = rec
            case FenceState():
                self.fence = rec
            case HomePosition():
                self.home = rec
            case CameraShot():
                self.photo_indices.add(rec.index)
            case StatusText():
                self._text(t, rec)
        return True

    def _text(self, t: float, rec: StatusText) -> None:
        self.texts.append((t, rec))
        low = rec.text.lower()
        if low.startswith("prearm:"):
            self._prearm = (t, rec.text)
        if "failsafe" in low or ("battery" in low and "critical" in low):
            self._failsafe = None if "cleared" in low else (t, rec.text)

    # ------------------------------------------------------------------ view
    def view(self, now_s: float, *, link_age_s: float | None = None) -> DroneView:
        """What to show at ``now_s`` (same clock as the samples' ``t_rx_s``); ``link_age_s``, when
        the link measures it, replaces the age of the last sample."""
        age = None if self.last_rx_s is None else max(0.0, now_s - self.last_rx_s)
        if link_age_s is not None:
            age = link_age_s
        link = "waiting" if age is None else ("lost" if age > LINK_LOST_S else "ok")
        hb, pos, bat, gps = self.heartbeat, self.position, self.battery, self.gps
        dist = None
        if pos is not None and self.home is not None:
            dist = _distance_m(pos.lat, pos.lon, self.home.lat, self.home.lon)
        tte = time_to_empty_s(bat, endurance_min=self.endurance_min)
        tth = time_to_home_s(dist, pos.alt_rel_m if pos else None, speed_m_s=self.cruise_speed_m_s)
        fence = ""
        if self.fence is not None and self.fence.breached:
            fence = "breach"
        elif self.health is not None:
            fence = ("ok" if self.health.fence_ok else "breach") if self.health.fence_enabled else "off"
        elif self.fence is not None:
            fence = "ok"
        _, last = self.texts[-1] if self.texts else (None, None)
        alerts = self._alerts(now_s, link, age, tte, tth, fence)
        return DroneView(
            name=self.name,
            system_id=self.system_id,
            link=link,
            link_age_s=age,
            mode=copter_mode_name(hb.mode) if hb else "",
            armed=hb.armed if hb else None,
            battery_pct=bat.remaining_pct if bat else None,
            voltage_v=bat.voltage_v if bat else None,
            gps_fix=gps_fix_name(gps.fix_type) if gps else "",
            satellites=gps.satellites if gps else None,
            lat=pos.lat if pos else None,
            lon=pos.lon if pos else None,
            alt_rel_m=pos.alt_rel_m if pos else None,
            ground_speed_m_s=pos.ground_speed_m_s if pos else None,
            heading_deg=pos.heading_deg if pos else None,
            home_dist_m=dist,
            item=self.mission.seq if self.mission else None,
            items_total=self.mission.total if self.mission else None,
            mission_state=mission_state_name(self.mission.state) if self.mission else "",
            photos=len(self.photo_indices),
            fence=fence,
            time_to_empty_s=tte,
            time_to_home_s=tth,
            last_text=last.text if last else "",
            last_text_severity=last.severity if last else None,
            alerts=alerts,
            messages=self.messages,
        )

    def _alerts(self, now_s: float, link: str, age: float | None, tte: float | None, tth: float | None,
                fence: str) -> tuple[Alert, ...]:
        out: list[Alert] = []
        armed = bool(self.heartbeat and self.heartbeat.armed)
        if link == "lost":
            out.append(Alert(level="alarm", kind="link", text=f"link lost {age:.0f} s"))
        if fence == "breach":
            out.append(Alert(level="alarm", kind="fence", text="fence breach"))
        if self._failsafe is not None and now_s - self._failsafe[0] <= FAILSAFE_TEXT_S:
            out.append(Alert(level="alarm", kind="failsafe", text=self._failsafe[1]))
        bat = self.battery
        if bat is not None and bat.remaining_pct is not None and 0 <= bat.remaining_pct < BATTERY_LOW_PCT:
            level = "alarm" if bat.remaining_pct < BATTERY_CRITICAL_PCT else "warning"
            out.append(Alert(level=level, kind="battery", text=f"battery {bat.remaining_pct}%"))
        if armed and tte is not None and tth is not None and tte < tth + RESERVE_S:
            out.append(Alert(level="alarm", kind="endurance",
                             text=f"return now: {tte / 60:.1f} min left, {tth / 60:.1f} min to home"))
        if not armed and self._prearm is not None and now_s - self._prearm[0] <= PREARM_TEXT_S:
            out.append(Alert(level="warning", kind="prearm", text=self._prearm[1]))
        if self.gps is not None and self.gps.fix_type < 3:
            out.append(Alert(level="warning", kind="gps", text=f"GPS {gps_fix_name(self.gps.fix_type)}"))
        return tuple(out)


@dataclass(frozen=True, kw_only=True)
class FleetView:
    """Every drone's view at ``t_s``."""

    t_s: float
    drones: tuple[DroneView, ...]

    def to_json(self) -> dict:
        """A JSON-ready dict: ``t_s`` (UTC POSIX seconds), ``time_utc`` (ISO 8601) and the drones."""
        utc = datetime.fromtimestamp(self.t_s, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return {"t_s": self.t_s, "time_utc": utc, "drones": [d.to_json() for d in self.drones]}


class FleetState:
    """The drones' states, by name, in fleet order."""

    def __init__(self, drones: Iterable[DroneState]) -> None:
        self.drones: dict[str, DroneState] = {d.name: d for d in drones}

    def apply(self, name: str, sample: Sample) -> bool:
        """Give ``sample`` (heard on drone ``name``'s link or log) to that drone."""
        return self.drones[name].apply(sample)

    def view(self, now_s: float, *, link_ages: dict[str, float | None] | None = None) -> FleetView:
        """Every drone's view at ``now_s`` (``link_ages`` by name, see :meth:`DroneState.view`)."""
        ages = link_ages or {}
        return FleetView(t_s=now_s, drones=tuple(d.view(now_s, link_age_s=ages.get(n))
                                                 for n, d in self.drones.items()))
