"""When has the sortie ended? Every drone that was watched has flown (been seen armed) and is
now down (disarmed): what ``telemetry watch --until-landed`` waits for.

>>> from dronepatrol.telemetry.state import FleetView
>>> w = LandingWatch(["drone1"])
>>> w.update(_view(True)), w.update(_view(False))
(False, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from dronepatrol.telemetry.state import FleetView


class LandingWatch:
    """Fed fleet views in time order; :meth:`update` is true once every drone in ``names`` has
    been seen armed and all of them are disarmed."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = set(names)
        self.flew: set[str] = set()

    def update(self, view: FleetView) -> bool:
        down = True
        for d in view.drones:
            if d.name not in self.names:
                continue
            if d.armed:
                self.flew.add(d.name)
            down = down and d.armed is False
        return down and self.flew >= self.names


def until_landed(views: Iterable[FleetView], names: Iterable[str]) -> Iterator[FleetView]:
    """``views`` up to and including the first one in which every drone has flown and landed."""
    watch = LandingWatch(names)
    for view in views:
        yield view
        if watch.update(view):
            return


def _view(armed: bool) -> FleetView:  # for the doctest
    from types import SimpleNamespace

    return FleetView(t_s=0.0, drones=(SimpleNamespace(name="drone1", armed=armed),))  # type: ignore[arg-type]
