"""Battery model of a simulated 3S LiPo pack, and ArduPilot's low-battery detection.

Current draw depends on the vehicle's load; voltage falls with the charge used and sags with
current. Failsafe levels follow ``AP_BattMonitor``: "low" when the remaining capacity is below
BATT_LOW_MAH, or the voltage stays below BATT_LOW_VOLT for BATT_LOW_TIMER seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

FULL_V = 12.6
EMPTY_V = 10.2
#: Internal resistance, ohms (voltage sag under load).
SAG_OHM = 0.015
#: Current of a hovering quadcopter, amperes (about 25 min on 3300 mAh).
HOVER_A = 8.0


@dataclass
class Battery:
    """State of the pack: ``capacity_mah``, ``consumed_mah``, ``current_a``, ``voltage_v``."""

    capacity_mah: float = 3300.0
    consumed_mah: float = 0.0
    consumed_wh: float = 0.0
    current_a: float = 0.3
    voltage_v: float = FULL_V
    low_volt_since_s: float | None = None
    crit_volt_since_s: float | None = None

    def step(self, dt_s: float, current_a: float) -> None:
        """Draw ``current_a`` amperes for ``dt_s`` seconds."""
        self.current_a = current_a
        self.consumed_mah += current_a * dt_s / 3.6
        used = min(1.0, self.consumed_mah / max(self.capacity_mah, 1.0))
        self.voltage_v = max(0.0, FULL_V - (FULL_V - EMPTY_V) * used - SAG_OHM * current_a)
        self.consumed_wh += self.voltage_v * current_a * dt_s / 3600.0

    def remaining_mah(self) -> float:
        """Capacity left, mAh."""
        return self.capacity_mah - self.consumed_mah

    def remaining_pct(self) -> int:
        """Capacity left, percent 0-100 (rounded, as AP_BattMonitor)."""
        return round(max(0.0, min(100.0, 100.0 * self.remaining_mah() / max(self.capacity_mah, 1.0))))

    def level(
        self, now_s: float, *, low_volt: float, low_mah: float, low_timer_s: float, crit_volt: float, crit_mah: float
    ) -> int:
        """0 ok, 1 low, 2 critical, by ArduPilot's rules (the voltage must stay low a while)."""

        def volt_low(threshold: float, since: float | None) -> tuple[bool, float | None]:
            if threshold <= 0 or self.voltage_v >= threshold:
                return False, None
            since = now_s if since is None else since
            return now_s - since >= low_timer_s, since

        crit_v, self.crit_volt_since_s = volt_low(crit_volt, self.crit_volt_since_s)
        if crit_v or (crit_mah > 0 and self.remaining_mah() < crit_mah):
            return 2
        low_v, self.low_volt_since_s = volt_low(low_volt, self.low_volt_since_s)
        if low_v or (low_mah > 0 and self.remaining_mah() < low_mah):
            return 1
        return 0

    def charge_state(self) -> int:
        """MAV_BATTERY_CHARGE_STATE (1 ok, 2 low, 3 critical)."""
        pct = self.remaining_pct()
        return 1 if pct > 20 else (2 if pct > 10 else 3)
