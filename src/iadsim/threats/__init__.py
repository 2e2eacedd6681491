"""Threat trajectory models: ballistic arcs and waypoint routes, sampled as :class:`Track`."""

from iadsim.threats.ballistic import (
    ArcState,
    BallisticArc,
    arc_state,
    arc_through_apogee,
    ballistic_track,
    minimum_energy_arc,
)
from iadsim.threats.routes import route_track
from iadsim.threats.track import Track

__all__ = [
    "ArcState",
    "BallisticArc",
    "Track",
    "arc_state",
    "arc_through_apogee",
    "ballistic_track",
    "minimum_energy_arc",
    "route_track",
]
