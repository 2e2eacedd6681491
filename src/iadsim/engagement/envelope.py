"""Engagement envelopes from the engine's own intercept solver and fly-out model.

For a fire unit at the origin and a non-manoeuvring target flying level, straight at it, at
altitude ``h`` and speed ``v``, a point of the target's path is an *intercept point* when it lies
inside the interceptor's envelope (slant range, altitude, target speed) and the interceptor can
reach it (the fly-out model inverts range into time of flight). The launch window is the span of
target ranges at launch for which some intercept point can still be met:
``r_launch = r_intercept + v · tof(r_intercept)``.

This is the same solver the engine applies for every launch step
(:func:`iadsim.engagement.intercept.earliest_intercepts`).

References
----------
Zarchan, P. (2012). Tactical and Strategic Missile Guidance, 6th ed., AIAA (engagement zones).
Skolnik, M. I. (2001). Introduction to Radar Systems, 3rd ed., sec. 8.2 (4/3 earth geometry).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iadsim.engagement.flyout import FlyoutProfile, kinematic_reach_m, time_to_distance_s
from iadsim.engagement.intercept import earliest_intercepts
from iadsim.sensors.radar import slant_range_m


@dataclass(frozen=True)
class Envelope:
    """Envelope figures of one interceptor against one threat class, in SI units."""

    min_range_m: float
    max_range_m: float
    min_altitude_m: float
    max_altitude_m: float
    max_target_speed_mps: float
    flyout: FlyoutProfile

    @property
    def flyout_reach_m(self) -> float:
        """Kinematic reach of the fly-out model. [m]"""
        return kinematic_reach_m(self.flyout)

    @classmethod
    def from_catalog(cls, interceptor, threat_class: str) -> Envelope:
        """Figures of a catalog interceptor (ballistic limits where the catalog gives them)."""
        max_range = interceptor.max_range_km.si()
        max_alt = interceptor.max_altitude_m.si()
        if threat_class == "ballistic":
            if interceptor.max_range_ballistic_km is not None:
                max_range = interceptor.max_range_ballistic_km.si()
            if interceptor.max_altitude_ballistic_m is not None:
                max_alt = interceptor.max_altitude_ballistic_m.si()
        return cls(
            min_range_m=interceptor.min_range_km.si(),
            max_range_m=max_range,
            min_altitude_m=interceptor.min_altitude_m.si(),
            max_altitude_m=max_alt,
            max_target_speed_mps=interceptor.max_target_speed_mps.si(),
            flyout=FlyoutProfile(
                interceptor.max_speed_mps.si(),
                interceptor.boost_time_s.si(),
                interceptor.speed_decay_time_s.si(),
            ),
        )


def inside(env: Envelope, slant_m, altitude_m, target_speed_mps):
    """True where a target point is inside the envelope (range, altitude, speed)."""
    slant_m = np.asarray(slant_m, dtype=float)
    altitude_m = np.asarray(altitude_m, dtype=float)
    return (
        (slant_m >= env.min_range_m)
        & (slant_m <= env.max_range_m)
        & (altitude_m >= env.min_altitude_m)
        & (altitude_m <= env.max_altitude_m)
        & (np.asarray(target_speed_mps, dtype=float) <= env.max_target_speed_mps)
    )


def approach(
    env: Envelope,
    altitude_m: float,
    target_speed_mps: float,
    dt_s: float = 0.5,
    k_factor: float = 4.0 / 3.0,
):
    """Intercept solutions against a level target flying straight at the fire unit.

    The target starts far enough out that a launch at the start can meet it at maximum range
    (maximum range plus the distance it covers during that time of flight), and flies to
    overhead. Returns
    ``(t_s, ground_range_m, slant_m, intercept_index)`` where ``intercept_index[i]`` is the
    earliest intercept sample for a launch at sample ``i`` (-1: none), from the engine's sweep.
    """
    tof_max = float(time_to_distance_s(env.flyout, env.max_range_m))
    if not np.isfinite(tof_max):  # the published range is beyond the kinematic reach
        tof_max = float(time_to_distance_s(env.flyout, 0.99 * env.flyout_reach_m))
    start = 1.2 * (env.max_range_m + target_speed_mps * tof_max) + 1_000.0
    n = int(np.ceil(start / (target_speed_mps * dt_s))) + 1
    t_s = np.arange(n) * dt_s
    ground = np.maximum(start - target_speed_mps * t_s, 0.0)
    slant = slant_m_level(ground, altitude_m, k_factor)
    feasible = inside(env, slant, np.full(n, altitude_m), target_speed_mps)
    out = np.full((1, n), -1, dtype=np.int32)
    earliest_intercepts(
        t_s,
        slant[None, :],
        feasible[None, :],
        np.array([0]),
        np.array([n - 1]),
        env.flyout.max_speed_mps,
        env.flyout.boost_time_s,
        env.flyout.speed_decay_time_s,
        out,
    )
    return t_s, ground, slant, out[0]


def slant_m_level(ground_range_m, altitude_m, k_factor: float = 4.0 / 3.0):
    """Slant range from a launcher on the ground to a target at ``altitude_m``."""
    return slant_range_m(np.asarray(ground_range_m, dtype=float), 0.0, altitude_m, k_factor)


def max_intercept_range_m(env: Envelope, altitude_m: float, target_speed_mps: float) -> float:
    """Farthest slant range at which the solver finds an intercept of an approaching target."""
    _, _, slant, idx = approach(env, altitude_m, target_speed_mps)
    found = idx[idx >= 0]
    return float(slant[found].max()) if found.size else float("nan")


def launch_window_m(env: Envelope, altitude_m: float, target_speed_mps: float):
    """(first, last) target ground range at launch for which an intercept exists [m]."""
    _, ground, _, idx = approach(env, altitude_m, target_speed_mps)
    ok = np.flatnonzero(idx >= 0)
    if ok.size == 0:
        return (float("nan"), float("nan"))
    return float(ground[ok[0]]), float(ground[ok[-1]])


def zone(env: Envelope, ranges_m, altitudes_m, target_speed_mps: float):
    """Range-altitude diagram: a boolean grid (altitude x ground range) of intercept points,
    and the interceptor's time of flight to each [s] (inf where unreachable)."""
    r, h = np.meshgrid(np.asarray(ranges_m, float), np.asarray(altitudes_m, float))
    slant = slant_m_level(r, h)
    tof = time_to_distance_s(env.flyout, slant)
    ok = inside(env, slant, h, target_speed_mps) & np.isfinite(tof)
    return ok, np.where(ok, tof, np.inf)
