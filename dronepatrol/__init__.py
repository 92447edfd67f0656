"""dronepatrol: plan, check, fly and report police drone missions over a safety zone."""

__version__ = "0.1.0"
