"""Map reports (the only package that imports folium).

Pages are self-contained: Leaflet is inlined from ``vendor/`` and nothing is fetched from a CDN,
so a commander's browser draws every overlay with no internet (:mod:`.offline`). Every user
string shown on a map goes through :func:`.escape.esc`.

>>> from dronepatrol.zones import load_zone
>>> from dronepatrol.report import zone_map
>>> "<script src=" in zone_map(load_zone("geofences/roiet.geojson"))
False
"""

from __future__ import annotations

from dronepatrol.report.escape import esc
from dronepatrol.report.offline import linked_resources, render_offline
from dronepatrol.report.zone_map import zone_map

__all__ = ["esc", "linked_resources", "render_offline", "zone_map"]
