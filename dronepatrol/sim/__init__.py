"""Simulated ArduCopter fleet speaking MAVLink 2 on local TCP ports (``dronepatrol sim``).

Entry point: :class:`dronepatrol.sim.fleet.SimFleet`. Modules: ``vehicle`` (state, mode state
machine and message dispatch, no sockets), ``modes``, ``flight`` (kinematics), ``auto`` (mission
execution), ``rtl``, ``failsafe`` (battery, GCS, fence), ``commands``, ``mission_items`` (stored
commands and their conversions), ``mission_transfer`` (vehicle side of the mission protocol),
``mission_store`` (mission/fence/rally storage), ``telemetry``, ``params``, ``battery``, ``camera``,
``link`` (faults, signing), ``server`` (TCP), ``sites`` (default launch sites), ``geo``. Importing
this package imports nothing else.
"""
