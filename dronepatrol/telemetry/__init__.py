"""Telemetry in the core: flown tracks, camera triggers and vehicle state as plain records.

No I/O and no pymavlink here: :mod:`dronepatrol.mavlink` decodes live links and ``.tlog`` files
into these records; geotagging and the report consume them.
"""
