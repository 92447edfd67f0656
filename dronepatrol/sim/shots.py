"""Camera shots of a simulated ArduCopter: triggering at the vehicle's position, CAMERA_FEEDBACK.

``take_picture`` fires the camera (:class:`~dronepatrol.sim.camera.Camera`, configured only when
CAM1_TYPE was not 0 at boot) and reports the shot to every port with CAMERA_FEEDBACK as
ArduCopter fills it (target_system 0, cam_idx 0, flags 0, completed_captures 0; position 0 before
a GPS fix).
"""

from __future__ import annotations

import math

from dronepatrol.sim.state import VehicleState


def take_picture(v: VehicleState) -> None:
    """Trigger the camera here and now; queue CAMERA_FEEDBACK (degE7, m, deg) if a photo was taken."""
    lat, lon = v.lat_lon()
    shot = v.camera.take(
        utc_s=v.utc_s(),
        boot_s=v.t,
        lat_deg=lat,
        lon_deg=lon,
        north_m=v.n,
        east_m=v.e,
        alt_msl_m=v.alt_amsl_m(),
        alt_rel_m=v.alt - v.home_rel(),
        yaw_deg=v.yaw_deg,
    )
    if shot is None:
        return
    fix = v.gps_fix()
    v.send(
        v.enc.camera_feedback_encode(
            int(shot.utc_s * 1e6) if fix else int(v.t * 1e6),
            0,
            0,
            shot.img_idx,
            round(lat * 1e7) if fix else 0,
            round(lon * 1e7) if fix else 0,
            shot.alt_msl_m if fix else 0.0,
            shot.alt_rel_m if fix else 0.0,
            math.degrees(v.roll_rad),
            math.degrees(v.pitch_rad),
            v.yaw_deg,
            0.0,
            0,
            0,
        )
    )


def camera_update(v: VehicleState) -> None:
    """Once a step: a distance trigger, when due."""
    if v.camera.due(v.n, v.e):
        take_picture(v)
