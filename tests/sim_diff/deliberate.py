"""Where ``dronepatrol sim`` differs from ArduCopter 4.7 SITL on purpose, and why.

Keys are fact names (or prefixes of them, up to a dot) of :mod:`tests.sim_diff.probe`;
docs/simulator.md mirrors this table.
"""

DELIBERATE: dict[str, str] = {}
