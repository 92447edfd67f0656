"""Telemetry in the core: flown tracks, camera triggers and vehicle state as plain records.

No I/O and no pymavlink here: :mod:`dronepatrol.mavlink` decodes live links and ``.tlog`` files
into these records; geotagging and the report consume them.

- :mod:`~dronepatrol.telemetry.model`: ``Fix``, ``Trigger``, ``Track`` (what geotagging and the report read);
- :mod:`~dronepatrol.telemetry.samples`: one record per kind of vehicle message, in a ``Sample``;
- :mod:`~dronepatrol.telemetry.clock`: the vehicle's boot time mapped to UTC (SYSTEM_TIME pairs);
- :mod:`~dronepatrol.telemetry.state`: each drone's live state, the alerts, time to empty vs home;
- :mod:`~dronepatrol.telemetry.names`: ArduCopter mode, GPS fix and mission state names.
"""
