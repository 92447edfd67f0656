"""Photo geotagging core (pure): photo times -> positions.

:mod:`~dronepatrol.geotag.align` matches a camera's photos to the vehicle's camera triggers and
finds the camera clock offset; :mod:`~dronepatrol.geotag.path` interpolates positions between
fixes; :mod:`~dronepatrol.geotag.locate` does it for a fleet's photos and logs.
"""

from dronepatrol.geotag.align import Alignment, align, default_tolerance_s, match_pairs
from dronepatrol.geotag.locate import GeotagResult, GroupReport, PhotoTime, Placement, Problem, TaggedPhoto, locate
from dronepatrol.geotag.path import FlightPath, Position

__all__ = [
    "Alignment",
    "FlightPath",
    "GeotagResult",
    "GroupReport",
    "PhotoTime",
    "Placement",
    "Position",
    "Problem",
    "TaggedPhoto",
    "align",
    "default_tolerance_s",
    "locate",
    "match_pairs",
]
