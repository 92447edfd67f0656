"""Simulated ArduCopter fleet speaking MAVLink 2 on local TCP ports (``dronepatrol sim``).

Entry point: :class:`dronepatrol.sim.fleet.SimFleet`. The vehicle's state lives in ``state``
(:class:`~dronepatrol.sim.state.VehicleState`); the behaviours are functions of that state, each in
its own module: ``arming`` (pre-arm checks, arm/disarm and their texts), ``control`` (mode
changes), ``flight`` (kinematics), ``auto`` (mission execution), ``rtl``, ``failsafe`` (battery,
GCS, fence), ``geofence`` (fence geometry), ``shots`` (camera triggers, CAMERA_FEEDBACK),
``commands`` (COMMAND_LONG/INT), ``telemetry`` (messages, stream groups, per-port streams);
``vehicle`` (:class:`~dronepatrol.sim.vehicle.SimVehicle`, a state that steps and dispatches
messages) runs them, and nothing imports ``vehicle`` but the fleet and server, so the import graph
has no circle (tests/sim/test_structure.py). Storage and protocols: ``params`` (ArduCopter 4.7's
parameter table, ``arducopter_params.tsv``), ``mission_items``, ``mission_transfer``,
``mission_store``. Sockets: ``server`` (one TCP port), ``link`` (faults, signing), ``fleet``.
Also ``modes``, ``battery``, ``camera`` (trigger logic, JPEG writer), ``sites``, ``geo``.
Importing this package imports nothing else.
"""
