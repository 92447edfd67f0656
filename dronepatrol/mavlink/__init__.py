"""The ground station's edge: MAVLink links to the drones, transfers, fleet operations,
telemetry decoding and ``.tlog`` recording. The only package besides ``sim/`` that imports
pymavlink."""
