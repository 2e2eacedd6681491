"""Engagement envelopes from the engine's own intercept solver and fly-out model.

For a fire unit at the origin and a non-manoeuvring target flying level, straight at it, at
altitude ``h`` and speed ``v``, a point of the target's path is an *intercept point* when it lies
inside the interceptor's envelope (slant range, altitude, target speed) and the interceptor can
reach it (the fly-out model inverts range into time of flight). The launch window is the span of
target ranges at launch for which some intercept point can still be met:
``r_launch = r_intercept + v · tof(r_intercept)``.

This is the same solver the engine applies for every launch step
(:func:`iadsim.engagement.intercept.earliest_intercepts`). With a :class:`RadarView` the
fire-control radar's line of sight is applied as the engine applies it on a smooth earth: a
target point counts only when it is above the 4/3-earth radar horizon of the antenna
(``min_visible_height_m``), within the radar's elevation limits and instrumented range.
:func:`engagement` flies a threat's own profile (its cruise height or altitude, or a
minimum-energy ballistic arc from its maximum range) at the fire unit and says, when no
intercept exists, which limit rules it out.

References
----------
Zarchan, P. (2012). Tactical and Strategic Missile Guidance, 6th ed., AIAA (engagement zones).
Skolnik, M. I. (2001). Introduction to Radar Systems, 3rd ed., sec. 8.2 (4/3 earth geometry).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iadsim import geo
from iadsim.engagement.flyout import FlyoutProfile, kinematic_reach_m, time_to_distance_s
from iadsim.engagement.intercept import earliest_intercepts
from iadsim.sensors.radar import (
    elevation_angle_deg,
    horizon_range_m,
    min_visible_height_m,
    slant_range_m,
)


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


@dataclass(frozen=True)
class RadarView:
    """The fire-control radar's line-of-sight limits, as the engine applies them (SI units)."""

    name: str
    antenna_height_m: float
    instrumented_range_m: float
    min_elevation_deg: float
    max_elevation_deg: float
    k_factor: float = 4.0 / 3.0

    @classmethod
    def from_catalog(cls, radar, k_factor: float = 4.0 / 3.0) -> RadarView:
        return cls(
            radar.display_name,
            radar.antenna_height_m.si(),
            radar.instrumented_range_km.si(),
            radar.min_elevation_deg.si(),
            radar.max_elevation_deg.si(),
            k_factor,
        )

    def visible(self, ground_range_m, altitude_m) -> np.ndarray:
        """True where a target is in the radar's line of sight and coverage (smooth earth)."""
        r = np.asarray(ground_range_m, dtype=float)
        h = np.asarray(altitude_m, dtype=float)
        k, h_r = self.k_factor, self.antenna_height_m
        elev = elevation_angle_deg(r, h_r, h, k)
        return (
            (h >= min_visible_height_m(r, h_r, k))
            & (elev >= self.min_elevation_deg)
            & (elev <= self.max_elevation_deg)
            & (slant_range_m(r, h_r, h, k) <= self.instrumented_range_m)
        )

    def horizon_m(self, altitude_m: float) -> float:
        """Ground range of the radar horizon for a target at ``altitude_m``. [m]"""
        return float(horizon_range_m(self.antenna_height_m, max(altitude_m, 0.0), self.k_factor))


@dataclass(frozen=True)
class Approach:
    """A target's approach to the fire unit, sampled every ``dt_s`` (ground range falls to 0)."""

    t_s: np.ndarray
    ground_range_m: np.ndarray
    altitude_m: np.ndarray
    speed_mps: np.ndarray
    kind: str = "level"


def level_path(env: Envelope, altitude_m: float, speed_mps: float, dt_s: float = 0.5) -> Approach:
    """A level target flying straight at the fire unit, from far enough out that a launch at
    the start can meet it at maximum range, to overhead."""
    tof_max = float(time_to_distance_s(env.flyout, env.max_range_m))
    if not np.isfinite(tof_max):  # the published range is beyond the kinematic reach
        tof_max = float(time_to_distance_s(env.flyout, 0.99 * env.flyout_reach_m))
    start = 1.2 * (env.max_range_m + speed_mps * tof_max) + 1_000.0
    n = int(np.ceil(start / (speed_mps * dt_s))) + 1
    t_s = np.arange(n) * dt_s
    ground = np.maximum(start - speed_mps * t_s, 0.0)
    return Approach(t_s, ground, np.full(n, float(altitude_m)), np.full(n, float(speed_mps)))


def ballistic_path(range_m: float, boost_time_s: float, dt_s: float = 0.5) -> Approach:
    """A minimum-energy ballistic arc over ``range_m`` aimed at the fire unit (the engine's own
    trajectory model, :func:`iadsim.threats.ballistic_track`)."""
    from iadsim.threats import ballistic_track

    aim_lat, aim_lon = 0.0, 0.0
    lat0, lon0 = geo.forward(aim_lat, aim_lon, 270.0, range_m)
    probe = ballistic_track(
        float(lat0), float(lon0), aim_lat, aim_lon, np.array([0.0]), boost_time_s
    )
    t_s = np.arange(0.0, probe.duration_s, dt_s)
    tr = ballistic_track(float(lat0), float(lon0), aim_lat, aim_lon, t_s, boost_time_s)
    _, _, ground = geo.inverse(aim_lat, aim_lon, tr.lat_deg, tr.lon_deg)
    return Approach(
        t_s,
        np.asarray(ground, float),
        np.asarray(tr.alt_m, float),
        np.asarray(tr.speed_mps, float),
        "ballistic",
    )


def _solve(env: Envelope, path: Approach, radar: RadarView | None):
    h_r = radar.antenna_height_m if radar is not None else 0.0
    k = radar.k_factor if radar is not None else 4.0 / 3.0
    slant = slant_range_m(path.ground_range_m, h_r, path.altitude_m, k)
    feasible = inside(env, slant, path.altitude_m, path.speed_mps)
    if radar is not None:
        feasible &= radar.visible(path.ground_range_m, path.altitude_m)
    n = len(path.t_s)
    out = np.full((1, n), -1, dtype=np.int32)
    earliest_intercepts(
        path.t_s,
        slant[None, :],
        feasible[None, :],
        np.array([0]),
        np.array([n - 1]),
        env.flyout.max_speed_mps,
        env.flyout.boost_time_s,
        env.flyout.speed_decay_time_s,
        out,
    )
    return slant, out[0]


def approach(
    env: Envelope,
    altitude_m: float,
    target_speed_mps: float,
    dt_s: float = 0.5,
    k_factor: float = 4.0 / 3.0,
    radar: RadarView | None = None,
):
    """Intercept solutions against a level target flying straight at the fire unit.

    Returns ``(t_s, ground_range_m, slant_m, intercept_index)`` where ``intercept_index[i]`` is
    the earliest intercept sample for a launch at sample ``i`` (-1: none), from the engine's
    sweep. Without ``radar`` only the interceptor's envelope limits apply (slant range from the
    ground); with it, also the radar's line of sight from its antenna.
    """
    path = level_path(env, altitude_m, target_speed_mps, dt_s)
    if radar is None and k_factor != 4.0 / 3.0:
        radar = RadarView("", 0.0, np.inf, -90.0, 90.0, k_factor)
    slant, idx = _solve(env, path, radar)
    return path.t_s, path.ground_range_m, slant, idx


def slant_m_level(ground_range_m, altitude_m, k_factor: float = 4.0 / 3.0):
    """Slant range from a launcher on the ground to a target at ``altitude_m``."""
    return slant_range_m(np.asarray(ground_range_m, dtype=float), 0.0, altitude_m, k_factor)


def max_intercept_range_m(
    env: Envelope, altitude_m: float, target_speed_mps: float, radar: RadarView | None = None
) -> float:
    """Farthest slant range at which the solver finds an intercept of an approaching target
    (NaN when there is none)."""
    _, _, slant, idx = approach(env, altitude_m, target_speed_mps, radar=radar)
    found = idx[idx >= 0]
    return float(slant[found].max()) if found.size else float("nan")


def launch_window_m(
    env: Envelope, altitude_m: float, target_speed_mps: float, radar: RadarView | None = None
):
    """(first, last) target ground range at launch for which an intercept exists [m]
    (NaN, NaN when there is none)."""
    _, ground, _, idx = approach(env, altitude_m, target_speed_mps, radar=radar)
    ok = np.flatnonzero(idx >= 0)
    if ok.size == 0:
        return (float("nan"), float("nan"))
    return float(ground[ok[0]]), float(ground[ok[-1]])


@dataclass(frozen=True)
class Engagement:
    """What the solver finds against one approach: ranges in metres, None where no intercept.

    ``launch_first_m``/``launch_last_m``: target ground range at the first and the last launch
    that still meets it; ``meet_first_m``/``meet_last_m``: slant range of those intercepts;
    ``max_intercept_m``: the farthest intercept; ``reason``: why there is none.
    """

    max_intercept_m: float | None
    launch_first_m: float | None
    launch_last_m: float | None
    meet_first_m: float | None
    meet_last_m: float | None
    reason: str | None


def _reason(env: Envelope, path: Approach, slant, radar: RadarView | None) -> str:
    """Which limit rules every intercept out, checked one at a time, then together."""
    flying = path.ground_range_m > 0
    speed = path.speed_mps[flying]
    alt = path.altitude_m[flying]
    rng = slant[flying]
    speed_ok = speed <= env.max_target_speed_mps
    alt_ok = (alt >= env.min_altitude_m) & (alt <= env.max_altitude_m)
    range_ok = (rng >= env.min_range_m) & (rng <= env.max_range_m)
    if not speed_ok.any():
        return (
            f"the target flies at {speed.min():.0f} m/s or faster, above the interceptor's "
            f"maximum target speed of {env.max_target_speed_mps:.0f} m/s"
        )
    if not alt_ok.any():
        return (
            f"the target flies at {alt.min():.0f}-{alt.max():.0f} m, outside the interceptor's "
            f"altitude limits of {env.min_altitude_m:.0f}-{env.max_altitude_m:.0f} m"
        )
    both = speed_ok & alt_ok & range_ok
    if not both.any():
        placed = range_ok & alt_ok
        if placed.any():
            return (
                f"where the target is within the interceptor's range and altitude limits "
                f"(up to {env.max_altitude_m:,.0f} m) it flies at {speed[placed].min():,.0f} m/s "
                f"or faster, above the maximum target speed of "
                f"{env.max_target_speed_mps:,.0f} m/s"
            )
        if range_ok.any():
            return (
                f"while it is within {env.min_range_m / 1e3:.1f}-{env.max_range_m / 1e3:.1f} km "
                f"the target is at {alt[range_ok].min():,.0f}-{alt[range_ok].max():,.0f} m, "
                f"outside the altitude limits of {env.min_altitude_m:,.0f}-"
                f"{env.max_altitude_m:,.0f} m"
            )
        return "the target never comes within the interceptor's range limits"
    if radar is not None:
        seen = radar.visible(path.ground_range_m[flying], alt)
        if not (both & seen).any():
            low = float(alt[both].min())
            return (
                f"the fire-control radar ({radar.name}, antenna {radar.antenna_height_m:g} m) "
                f"never sees the target while it is inside the envelope: its horizon for a "
                f"target at {low:.0f} m is {radar.horizon_m(low) / 1e3:.1f} km"
            )
    return (
        "no launch can reach the target while it is inside the envelope (the fly-out is too "
        "slow for its speed)"
    )


def engagement(env: Envelope, path: Approach, radar: RadarView | None = None) -> Engagement:
    """Launch window and farthest intercept of ``path`` (the engine's solver and rules).

    With a radar, a launch counts only while the radar sees the target (the engine launches
    on a track; an earlier launch "solution" at a target beyond the horizon is no window)."""
    slant, idx = _solve(env, path, radar)
    can = idx >= 0
    if radar is not None:
        can &= radar.visible(path.ground_range_m, path.altitude_m)
    ok = np.flatnonzero(can)
    if ok.size == 0:
        return Engagement(None, None, None, None, None, _reason(env, path, slant, radar))
    first, last = ok[0], ok[-1]
    return Engagement(
        max_intercept_m=float(slant[idx[ok]].max()),
        launch_first_m=float(path.ground_range_m[first]),
        launch_last_m=float(path.ground_range_m[last]),
        meet_first_m=float(slant[idx[first]]),
        meet_last_m=float(slant[idx[last]]),
        reason=None,
    )


def zone(
    env: Envelope,
    ranges_m,
    altitudes_m,
    target_speed_mps: float,
    radar: RadarView | None = None,
):
    """Range-altitude diagram: a boolean grid (altitude x ground range) of intercept points,
    and the interceptor's time of flight to each [s] (inf where unreachable). With ``radar``,
    points below its horizon or outside its coverage are not intercept points."""
    r, h = np.meshgrid(np.asarray(ranges_m, float), np.asarray(altitudes_m, float))
    h_r = radar.antenna_height_m if radar is not None else 0.0
    k = radar.k_factor if radar is not None else 4.0 / 3.0
    slant = slant_range_m(r, h_r, h, k)
    tof = time_to_distance_s(env.flyout, slant)
    ok = inside(env, slant, h, target_speed_mps) & np.isfinite(tof)
    if radar is not None:
        ok &= radar.visible(r, h)
    return ok, np.where(ok, tof, np.inf)
