"""The report's core: figures from zones, missions, tracks and photos (pure, no I/O).

:func:`summarize` computes everything the commander's report shows: time span, per-drone
distance and flight time, photos taken and tagged, coverage of the zone and of each community,
hotspot visits against the plan, alerts, flight hours and patrol visits per week. The page
(:mod:`dronepatrol.report.page`) only draws it.
"""

from __future__ import annotations

from dronepatrol.reporting.model import ALERT_KINDS, Alert, Flight, Photo
from dronepatrol.reporting.summary import DroneFigures, ReportSummary, summarize

__all__ = ["ALERT_KINDS", "Alert", "DroneFigures", "Flight", "Photo", "ReportSummary", "summarize"]
