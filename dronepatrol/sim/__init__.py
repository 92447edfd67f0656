"""Simulated ArduCopter fleet speaking MAVLink 2 on local TCP ports (``dronepatrol sim``).

Entry point: :class:`dronepatrol.sim.fleet.SimFleet`. Modules: ``vehicle`` (state machine and
kinematics, no sockets), ``commands``, ``mission_store`` (mission/fence/rally protocol),
``telemetry``, ``params``, ``battery``, ``camera``, ``link`` (faults, signing), ``server`` (TCP),
``sites`` (default launch sites), ``geo``. Importing this package imports nothing else.
"""
