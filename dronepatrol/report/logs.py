"""Flight recordings for the report: every ``.tlog`` under the folders given (``flights/<UTC
session>/<drone>.tlog`` with ``session.json``), read with the telemetry log reader
(:func:`dronepatrol.mavlink.tracks.read_tracks`: vehicle-clock times, damage tolerated), and the
alerts in them (:func:`dronepatrol.reporting.alerts.log_alerts`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from dronepatrol.errors import InputError
from dronepatrol.reporting.alerts import link_losses, log_alerts
from dronepatrol.reporting.model import Alert
from dronepatrol.telemetry.model import Track

#: Messages read for alerts (a second, lighter pass over each file).
ALERT_MESSAGES = ("STATUSTEXT", "FENCE_STATUS")


def find_tlogs(paths: Sequence[Path]) -> list[Path]:
    """The ``.tlog`` files given, and those under the folders given (sorted, sessions in order)."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            logs = sorted(p.rglob("*.tlog"))
            if not logs:
                raise InputError(f"{p}: no .tlog recordings in this folder; give a flights folder or .tlog files")
            found.extend(logs)
        elif p.is_file():
            found.append(p)
        else:
            raise InputError(f"{p}: not found; give a flights folder (flights/<UTC time>/<drone>.tlog) or .tlog files")
    return list(dict.fromkeys(found))


def read_flight_logs(
    paths: Sequence[Path], progress: Callable[[int, int], None] | None = None
) -> tuple[list[Track], list[Alert], list[str]]:
    """Tracks with positions, alerts and the readers' warnings (damaged records) of ``paths``."""
    from dronepatrol.mavlink.tracks import iter_samples, read_tracks

    tracks: list[Track] = []
    alerts: list[Alert] = []
    warnings: list[str] = []
    files = find_tlogs(paths)
    for n, path in enumerate(files, start=1):
        mine = [t for t in read_tracks(path) if t.fixes]
        tracks.extend(mine)
        warnings.extend(w for t in mine for w in getattr(t, "warnings", ()))
        names = {t.system_id: t.drone for t in mine}
        alerts.extend(log_alerts(iter_samples(path, types=ALERT_MESSAGES, on_damage=lambda d: None), names))
        alerts.extend(a for t in mine for a in link_losses(t))
        if progress is not None:
            progress(n, len(files))
    return tracks, alerts, list(dict.fromkeys(warnings))
