"""A plain-data summary of a safety zone (what ``zone check`` prints and emits as JSON)."""

from __future__ import annotations

from collections import Counter

from dronepatrol.zones.model import HOTSPOT_KINDS, SafetyZone


def zone_summary(zone: SafetyZone) -> dict:
    """Areas in hectares and km², counts by kind, and the airport rings that touch the zone."""
    kinds = Counter(h.kind for h in zone.hotspots)
    cctv = Counter(c.status for c in zone.cctv)
    return {
        "name": zone.name,
        "area_ha": round(zone.area_m.area / 1e4, 2),
        "area_km2": round(zone.area_m.area / 1e6, 4),
        "parts": len(zone.parts),
        "crs": zone.frame.name,
        "epsg": zone.frame.epsg,
        "max_alt_m": zone.max_alt_m,
        "nofly": [
            {
                "name": n.name,
                "shape": "circle" if n.circle else "polygon",
                "radius_m": n.circle[2] if n.circle else None,
                "area_ha": round(n.area_m.area / 1e4, 2),
                "reason": n.reason,
                "airport": n.airport,
                "overlaps_zone_ha": round(n.area_m.intersection(zone.area_m).area / 1e4, 2),
            }
            for n in zone.nofly
        ],
        "hotspots": len(zone.hotspots),
        "hotspots_by_kind": {k: kinds[k] for k in HOTSPOT_KINDS if kinds[k]},
        "cctv": {"working": cctv["working"], "broken": cctv["broken"]},
        "launches": [s.name for s in zone.launches],
        "communities": [c.name for c in zone.communities],
        "airport_rings_touching": [n.airport for n in zone.nofly if n.airport and n.area_m.intersects(zone.area_m)],
    }
