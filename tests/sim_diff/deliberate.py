"""Where ``dronepatrol sim`` differs from ArduCopter 4.7 SITL on purpose, and why.

Keys are fact names (or prefixes of them, up to a dot) of :mod:`tests.sim_diff.probe`;
docs/simulator.md mirrors this table.
"""

DELIBERATE: dict[str, str] = {
    "port2.passive.types": (
        "SITL's SERIAL1 keeps the first messages it was given while no client was connected (its boot "
        "SYS_STATUS, GPS_GLOBAL_ORIGIN, HOME_POSITION) and hands them to the first client; the simulator's "
        "second port sends only what comes after a client connects. A tool must not rely on either: it asks "
        "for HOME_POSITION (MAV_CMD_REQUEST_MESSAGE) and requests its streams."
    ),
    "loiter.no_pilot": (
        "SITL flies without a transmitter, so the pilot's throttle is at its minimum and LOITER (ALT_HOLD, "
        "POSHOLD) descends until it lands; the simulator holds its altitude there, as a drone does with the "
        "pilot's transmitter on and the throttle stick centred, which is how the unit flies."
    ),
}
