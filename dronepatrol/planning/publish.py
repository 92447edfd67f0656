"""Check planned missions and, only if every check passes, write their mission directory.

Used by ``plan survey``, ``plan patrol`` and ``fleet upload``: a plan that fails a safety check is
never written (nothing at all is written), so it can never be uploaded by mistake.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from dronepatrol.config import FleetConfig
from dronepatrol.errors import SafetyError
from dronepatrol.formats.missiondir import write_mission_dir
from dronepatrol.mission import Mission
from dronepatrol.planning.checks import CheckReport, check_missions
from dronepatrol.rules import DEFAULT_RULES, Rules
from dronepatrol.zones.model import SafetyZone


def refusal_message(report: CheckReport) -> str:
    """``drone1: item 4 ... (and 2 more errors: run 'dronepatrol mission check')``."""
    errors = report.errors
    if not errors:
        return "no safety errors"
    first = errors[0].format()
    more = len(errors) - 1
    tail = f" (and {more} more error{'s' if more > 1 else ''}; the table above lists them)" if more else ""
    return f"refused for safety: {first}{tail}"


def publish_plan(
    out_dir: Path,
    missions: Sequence[Mission],
    zone: SafetyZone,
    *,
    summary: dict,
    rules: Rules = DEFAULT_RULES,
    fleet: FleetConfig | None = None,
    authorization: str | None = None,
    margin_m: float | None = None,
    protect: Sequence[Path] = (),
    planned_start: datetime | None = None,
) -> tuple[list[Path], CheckReport]:
    """Run :func:`~dronepatrol.planning.checks.check_missions`; write the directory if it passes.

    On any error raises :class:`SafetyError` (exit 5) naming the first problem and the count,
    with ``findings`` = all findings, and writes nothing. Otherwise adds to ``summary``:
    ``estimates`` (per mission: distance_m, time_s, max_alt_m, photos), ``warnings``,
    ``authorization``, ``checks`` (the rules used, each with its source, and the margin), and
    writes the files (see :func:`~dronepatrol.formats.missiondir.write_mission_dir`).
    Returns the paths written and the report.
    """
    report = check_missions(
        missions,
        zone,
        rules=rules,
        fleet=fleet,
        authorization=authorization,
        margin_m=margin_m,
        planned_start=planned_start,
    )
    if not report.ok:
        raise SafetyError(refusal_message(report), findings=report.findings)
    out = dict(summary)
    out["estimates"] = [e.to_json() for e in report.estimates]
    out["total_time_s"] = round(sum(e.time_s for e in report.estimates if math.isfinite(e.time_s)), 1)
    out["warnings"] = [f.to_json() for f in report.warnings]
    out["authorization"] = authorization
    out["checks"] = {"zone": zone.source, "passed": True, "rules": report.rules_used}
    paths = write_mission_dir(Path(out_dir), missions, out, protect=protect)
    return paths, report


__all__ = ["publish_plan", "refusal_message"]
