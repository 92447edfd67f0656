"""The live table: three drones in an 80-column console, every figure on screen, alerts visible."""

from __future__ import annotations

from rich.console import Console

from dronepatrol.cli.telemetry_view import render
from dronepatrol.telemetry.samples import (
    Battery,
    CameraShot,
    Gps,
    Health,
    Heartbeat,
    HomePosition,
    MissionProgress,
    Position,
    Sample,
    StatusText,
)
from dronepatrol.telemetry.state import DroneState, FleetState


def _fleet() -> FleetState:
    fs = FleetState([DroneState(f"drone{i}", i) for i in (1, 2, 3)])
    for i in (1, 2, 3):
        t = 95.0 if i == 2 else 100.0  # drone2 has been silent for 5 s

        def put(rec, i=i, t=t) -> None:
            fs.apply(f"drone{i}", Sample(t_rx_s=t, system_id=i, component_id=1, record=rec))

        put(Heartbeat(mode=(3, 6, 0)[i - 1], armed=i != 3, system_status=4, vehicle_type=2))
        put(HomePosition(lat=16.05, lon=103.65, alt_amsl_m=150))
        put(Position(boot_ms=1, lat=16.05 + 0.001 * i, lon=103.65, alt_amsl_m=200, alt_rel_m=50.0 + i,
                     heading_deg=270.0, ground_speed_m_s=9.5, climb_m_s=0))
        put(Gps(fix_type=3, satellites=10 + i, hdop=0.9))
        put(Battery(voltage_v=11.5, current_a=8.0, remaining_pct=(76, 40, 12)[i - 1], consumed_mah=1200))
        put(MissionProgress(seq=4 + i, total=120, state=3))
        put(Health(prearm_ok=True, fence_enabled=True, fence_ok=i != 1, gps_ok=True))
        for k in range(i):
            put(CameraShot(unix_us=0, index=k + 1, lat=16.05, lon=103.65, alt_amsl_m=200, alt_rel_m=50, yaw_deg=0))
        put(StatusText(severity=6, text=f"Mission: {4 + i} WP and a rather long status line that goes on and on"))
    return fs


def test_table_for_three_drones_fits_80_columns() -> None:
    console = Console(width=80, record=True, force_terminal=True, color_system="standard")
    console.print(render(_fleet().view(100.2), title="dronepatrol telemetry watch"))
    text = console.export_text(clear=False)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    for i in (1, 2, 3):
        assert f"drone{i}" in text and f"#{i}" in text and f"{4 + i}/120" in text and f"{10 + i}sat" in text
    assert "AUTO" in text and "RTL" in text and "STABILIZE" in text and "ARMED" in text and "disarmed" in text
    assert "76%" in text and "11.5V" in text and "51m" in text and "9.5m/s" in text and "270°" in text
    assert "111m" in text  # drone1 is 111 m north of home
    assert "BREACH" in text and "LOST" in text and "active" in text
    assert "! drone1: fence breach" in text and "! drone2: link lost 5 s" in text and "! drone3: battery 12%" in text
    assert "drone3: Mission: 7 WP" in text
    # alarms are drawn white on red
    styled = console.export_text(styles=True)
    assert "\x1b[1;37;41m! drone2: link lost 5 s" in styled


def test_json_view_has_every_field() -> None:
    d = _fleet().view(100.2).to_json()["drones"][0]
    for key in ("name", "system_id", "link_age_s", "mode", "armed", "battery_pct", "voltage_v", "gps_fix",
                "satellites", "alt_rel_m", "ground_speed_m_s", "heading_deg", "home_dist_m", "item", "items_total",
                "mission_state", "photos", "fence", "time_to_empty_s", "time_to_home_s", "alerts", "last_text"):
        assert key in d
    assert d["photos"] == 1 and d["mode"] == "AUTO" and d["alerts"][0]["kind"] == "fence"
