"""Ballistic missiles: a Keplerian free-flight arc over a spherical, non-rotating earth.

The free flight is the two-body (Kepler) ellipse that leaves the surface (radius
:data:`~iadsim.constants.R_EARTH_M`) and returns to it after the range angle Ψ. Positions along
the arc are analytic: orbit elements, then Kepler's equation solved by Newton's method over
arrays. There is no drag, no earth rotation and no oblateness; launch and impact are on the
sphere. The arc is laid on the WGS84 geodesic from launch to aim point, so a track ends exactly
on the aim point (CEP is applied later by the engine).

References
----------
.. [1] Bate, R. R., Mueller, D. D. and White, J. E. (1971). Fundamentals of Astrodynamics.
   Dover. Ch. 4 (time of flight, Kepler's equation) and ch. 6 (ballistic missile trajectories:
   free-flight range equation, maximum-range trajectory).
.. [2] Zarchan, P. (2012). Tactical and Strategic Missile Guidance, 6th ed. AIAA. Chapters on
   ballistic targets and strategic intercepts (minimum-energy trajectories over a round earth).
.. [3] Vallado, D. A. (2013). Fundamentals of Astrodynamics and Applications, 4th ed.
   Microcosm. Algorithm 2 (KepEqtnE: Newton solution of Kepler's equation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from iadsim import geo
from iadsim.constants import MU_EARTH_M3_S2, R_EARTH_M
from iadsim.threats.track import Track

__all__ = [
    "ArcState",
    "BallisticArc",
    "arc_state",
    "arc_through_apogee",
    "ballistic_track",
    "minimum_energy_arc",
]

#: Ground range of half a great circle on the model sphere. [m]
MAX_GROUND_RANGE_M = np.pi * R_EARTH_M


@dataclass(frozen=True)
class BallisticArc:
    """Free-flight Kepler arc from the surface back to the surface (burnout at the surface).

    Attributes
    ----------
    ground_range_m : float
        Ground range on the model sphere, ``central_angle_rad * R_EARTH_M``. [m]
    central_angle_rad : float
        Range angle Ψ between launch and impact, seen from the earth's centre. [rad]
    burnout_speed_mps : float
        Speed at burnout (at the surface, start of free flight). [m/s]
    flight_path_angle_rad : float
        Angle of the burnout velocity above the local horizontal. [rad]
    apogee_alt_m : float
        Highest altitude above the sphere, reached at mid-range. [m]
    time_of_flight_s : float
        Free-flight time from burnout to impact. [s]
    semi_major_axis_m : float
        Semi-major axis of the ellipse. [m]
    eccentricity : float
        Eccentricity of the ellipse. [-]
    """

    ground_range_m: float
    central_angle_rad: float
    burnout_speed_mps: float
    flight_path_angle_rad: float
    apogee_alt_m: float
    time_of_flight_s: float
    semi_major_axis_m: float
    eccentricity: float


class ArcState(NamedTuple):
    """State along a :class:`BallisticArc`; unpacks as ``(angle, altitude, speed)``."""

    central_angle_rad: np.ndarray
    """Central angle travelled from launch. [rad]"""
    altitude_m: np.ndarray
    """Altitude above the sphere. [m]"""
    speed_mps: np.ndarray
    """Inertial speed. [m/s]"""

    @property
    def downrange_m(self) -> np.ndarray:
        """Ground distance from launch on the sphere, angle x R_EARTH_M. [m]"""
        return self.central_angle_rad * R_EARTH_M


def _check_ground_range(ground_range_m: float) -> float:
    ground_range_m = float(ground_range_m)
    if not np.isfinite(ground_range_m) or ground_range_m <= 0.0:
        raise ValueError(f"ground_range_m must be a positive distance [m], got {ground_range_m!r}")
    if ground_range_m >= MAX_GROUND_RANGE_M:
        raise ValueError(
            f"ground_range_m must be less than half the globe ({MAX_GROUND_RANGE_M:.0f} m), "
            f"got {ground_range_m:.0f} m"
        )
    return ground_range_m


def _launch_true_anomaly_rad(a_m: float, e: float) -> float:
    """True anomaly of the ascending crossing of r = R on the ellipse (a, e). [rad]"""
    # Orbit equation r = a(1 - e²)/(1 + e cos ν) with r = R [1, ch. 1].
    cos_nu = (a_m * (1.0 - e * e) / R_EARTH_M - 1.0) / e
    return float(np.arccos(np.clip(cos_nu, -1.0, 1.0)))


def _mean_anomaly_rad(nu_rad: float, e: float) -> float:
    """Mean anomaly of true anomaly ν in [0, π] on an ellipse [1, ch. 4]. [rad]"""
    ecc_anomaly = 2.0 * np.arctan(np.sqrt((1.0 - e) / (1.0 + e)) * np.tan(nu_rad / 2.0))
    return float(ecc_anomaly - e * np.sin(ecc_anomaly))


def _arc_from_ellipse(ground_range_m: float, a_m: float, e: float) -> BallisticArc:
    """Arc on the ellipse (a, e) from r = R (ascending) through apogee back to r = R."""
    r = R_EARTH_M
    speed = np.sqrt(MU_EARTH_M3_S2 * (2.0 / r - 1.0 / a_m))  # vis-viva
    ang_momentum = np.sqrt(MU_EARTH_M3_S2 * a_m * (1.0 - e * e))
    gamma = np.arccos(np.clip(ang_momentum / (r * speed), -1.0, 1.0))
    mean_motion = np.sqrt(MU_EARTH_M3_S2 / a_m**3)
    nu0 = _launch_true_anomaly_rad(a_m, e)
    m0 = _mean_anomaly_rad(nu0, e)
    # Apogee is at M = π; the arc is symmetric about it.
    tof = 2.0 * (np.pi - m0) / mean_motion
    return BallisticArc(
        ground_range_m=ground_range_m,
        central_angle_rad=ground_range_m / r,
        burnout_speed_mps=float(speed),
        flight_path_angle_rad=float(gamma),
        apogee_alt_m=float(a_m * (1.0 + e) - r),
        time_of_flight_s=float(tof),
        semi_major_axis_m=float(a_m),
        eccentricity=float(e),
    )


def minimum_energy_arc(ground_range_m: float) -> BallisticArc:
    """Minimum-energy (maximum-range) free-flight arc for a ground range.

    With the range angle Ψ = ground_range_m / R and Q = v²R/μ [1, ch. 6]::

        Q = 2 sin(Ψ/2) / (1 + sin(Ψ/2)),     v_bo² = Q μ / R,     γ = π/4 − Ψ/4

    and the ellipse a = R / (2 − Q), e² = 1 − Q(2 − Q) cos²γ.

    Parameters
    ----------
    ground_range_m : float
        Ground range on the model sphere, 0 < range < π R. [m]

    Returns
    -------
    BallisticArc

    Raises
    ------
    ValueError
        If the range is not positive or reaches half the globe.

    References
    ----------
    .. [1] Bate, Mueller & White (1971), Fundamentals of Astrodynamics, sec. 6.2 (free-flight
       range equation; maximum-range trajectory, γ = (π − Ψ)/4).
    .. [2] Zarchan, Tactical and Strategic Missile Guidance, 6th ed. (2012), minimum-energy
       trajectories over a spherical earth.
    """
    ground_range_m = _check_ground_range(ground_range_m)
    psi = ground_range_m / R_EARTH_M
    s = np.sin(psi / 2.0)
    q = 2.0 * s / (1.0 + s)
    gamma = np.pi / 4.0 - psi / 4.0
    a_m = R_EARTH_M / (2.0 - q)
    e = np.sqrt(1.0 - q * (2.0 - q) * np.cos(gamma) ** 2)
    return _arc_from_ellipse(ground_range_m, float(a_m), float(e))


def arc_through_apogee(ground_range_m: float, apogee_alt_m: float) -> BallisticArc:
    """Free-flight arc with a given apogee: lofted (above) or depressed (below minimum energy).

    Launch and impact at r = R are symmetric about the apogee r_a = R + apogee_alt_m, at true
    anomalies π ∓ Ψ/2. The orbit equation at both points gives [1, ch. 1]::

        e = (r_a − R) / (r_a − R cos(Ψ/2)),     a = r_a / (1 + e)

    Every positive apogee gives an ellipse (e < 1), so the minimum needed is any height above
    the surface; depressed arcs tend to circular orbital speed as the apogee tends to 0.

    Parameters
    ----------
    ground_range_m : float
        Ground range on the model sphere, 0 < range < π R. [m]
    apogee_alt_m : float
        Apogee altitude above the sphere, > 0. [m]

    Returns
    -------
    BallisticArc

    Raises
    ------
    ValueError
        If the range is not positive, reaches half the globe, or the apogee is not above ground.

    References
    ----------
    .. [1] Bate, Mueller & White (1971), Fundamentals of Astrodynamics, ch. 1 (orbit equation)
       and sec. 6.2 (lofted and depressed trajectories for a given range).
    """
    ground_range_m = _check_ground_range(ground_range_m)
    apogee_alt_m = float(apogee_alt_m)
    if not np.isfinite(apogee_alt_m) or apogee_alt_m <= 0.0:
        raise ValueError(
            f"apogee_alt_m must be above the surface (> 0 m) for a surface-to-surface arc, "
            f"got {apogee_alt_m!r} m"
        )
    psi = ground_range_m / R_EARTH_M
    r_a = R_EARTH_M + apogee_alt_m
    e = (r_a - R_EARTH_M) / (r_a - R_EARTH_M * np.cos(psi / 2.0))
    a_m = r_a / (1.0 + e)
    return _arc_from_ellipse(ground_range_m, float(a_m), float(e))


def _solve_kepler(mean_anomaly_rad: np.ndarray, e: float, tol: float = 1e-13) -> np.ndarray:
    """Eccentric anomaly from mean anomaly M in [0, 2π], Newton's method [3, alg. 2]."""
    m = np.asarray(mean_anomaly_rad, dtype=float)
    ecc = np.where(m > np.pi, m - e, m + e)
    for _ in range(60):
        step = (ecc - e * np.sin(ecc) - m) / (1.0 - e * np.cos(ecc))
        ecc = ecc - step
        if not np.any(np.abs(step) > tol):  # NaN steps (NaN input) do not hold the loop
            break
    return ecc


def arc_state(arc: BallisticArc, t_s: np.ndarray) -> ArcState:
    """Position and speed along a free-flight arc, analytically (Kepler's equation).

    With mean motion n = √(μ/a³) and M(t) = M₀ + n t (M₀ of the launch point), solve
    M = E − e sin E for E by Newton, then ν = 2 atan(√((1+e)/(1−e)) tan(E/2)),
    r = a(1 − e cos E), speed from vis-viva v² = μ(2/r − 1/a).

    Parameters
    ----------
    arc : BallisticArc
        The free-flight arc.
    t_s : array_like
        Times since burnout (start of free flight). [s]

    Returns
    -------
    ArcState
        ``(central_angle_rad, altitude_m, speed_mps)`` with a ``downrange_m`` property; NaN where
        ``t_s < 0`` or ``t_s > arc.time_of_flight_s``.

    References
    ----------
    .. [1] Bate, Mueller & White (1971), Fundamentals of Astrodynamics, sec. 4.2 (Kepler's
       equation, eccentric anomaly).
    .. [2] Vallado (2013), Fundamentals of Astrodynamics and Applications, 4th ed., Algorithm 2.
    """
    t = np.asarray(t_s, dtype=float)
    a, e = arc.semi_major_axis_m, arc.eccentricity
    inside = (t >= 0.0) & (t <= arc.time_of_flight_s)
    nu0 = _launch_true_anomaly_rad(a, e)
    m0 = _mean_anomaly_rad(nu0, e)
    mean_anomaly = np.where(inside, m0 + np.sqrt(MU_EARTH_M3_S2 / a**3) * t, np.nan)
    ecc = _solve_kepler(mean_anomaly, e)
    # E/2 stays in (0, π) on the arc, so atan2 gives ν in (0, 2π) with no wrap.
    nu = 2.0 * np.arctan2(
        np.sqrt(1.0 + e) * np.sin(ecc / 2.0), np.sqrt(1.0 - e) * np.cos(ecc / 2.0)
    )
    radius = a * (1.0 - e * np.cos(ecc))
    angle = np.clip(nu - nu0, 0.0, arc.central_angle_rad)
    altitude = np.maximum(radius - R_EARTH_M, 0.0)
    speed = np.sqrt(MU_EARTH_M3_S2 * (2.0 / radius - 1.0 / a))
    return ArcState(angle, altitude, speed)


def ballistic_track(
    launch_lat_deg: float,
    launch_lon_deg: float,
    aim_lat_deg: float,
    aim_lon_deg: float,
    t_s: np.ndarray,
    boost_time_s: float,
    apogee_alt_m: float | None = None,
) -> Track:
    """Sampled flight of a ballistic missile from launch to the aim point.

    The free flight is :func:`minimum_energy_arc` (or :func:`arc_through_apogee` when an apogee
    is given) for the WGS84 geodesic distance D between launch and aim point, treated as a
    ground range on the model sphere. The arc's central angle φ(τ) is laid on the geodesic at
    distance (φ/Ψ)·D from launch, so the track ends exactly on the aim point; altitude above the
    sphere is reported as altitude above mean sea level (launch and impact at 0 m).

    **Boost-phase approximation.** The powered flight is not modelled. During the first
    ``boost_time_s`` = t_b the missile moves along the same Kepler arc with arc time
    τ(t) = t²/(2 t_b) (constant acceleration from rest: in t_b it covers the arc that free
    flight covers in t_b/2), and speed (t/t_b)·v(τ). Afterwards τ(t) = t − t_b/2. Position and
    speed are continuous at t_b, and the flight lasts ``time_of_flight_s + t_b/2``. Early boost
    altitudes are therefore those of the Kepler arc (too flat a climb), and the speed at
    burnout is that of the arc at τ = t_b/2, slightly below the arc's burnout speed.

    Parameters
    ----------
    launch_lat_deg, launch_lon_deg : float
        Launch point, WGS84. [deg]
    aim_lat_deg, aim_lon_deg : float
        Aim (impact) point, WGS84. [deg]
    t_s : array_like
        Sample times relative to launch. [s]
    boost_time_s : float
        Boost (burn) time, 0 <= t_b < 2 x free-flight time. [s]
    apogee_alt_m : float, optional
        Apogee altitude for a lofted or depressed arc; minimum energy if None. [m]

    Returns
    -------
    Track
        NaN outside 0 <= t_s <= duration_s; impact point = aim point.

    Raises
    ------
    ValueError
        For a non-positive range, a range beyond half the globe, a non-positive apogee, or a
        negative or too long boost time.

    References
    ----------
    .. [1] Bate, Mueller & White (1971), Fundamentals of Astrodynamics, ch. 4 and 6.
    .. [2] Zarchan, Tactical and Strategic Missile Guidance, 6th ed. (2012), ballistic targets.
    .. [3] Karney (2013), Algorithms for geodesics, J. Geodesy 87 (via :mod:`iadsim.geo`).
    """
    az12, _, dist = geo.inverse(launch_lat_deg, launch_lon_deg, aim_lat_deg, aim_lon_deg)
    az12, dist = float(az12), float(dist)
    if not dist > 0.0:
        raise ValueError(
            f"ground range from launch to aim point must be positive [m], got {dist!r} m "
            "(launch and aim points coincide or are not finite)"
        )
    arc = (
        minimum_energy_arc(dist) if apogee_alt_m is None else arc_through_apogee(dist, apogee_alt_m)
    )

    tb = float(boost_time_s)
    if not np.isfinite(tb) or tb < 0.0:
        raise ValueError(f"boost_time_s must be >= 0 s, got {boost_time_s!r} s")
    if tb / 2.0 >= arc.time_of_flight_s:
        raise ValueError(
            f"boost_time_s must be shorter than twice the free-flight time "
            f"({2.0 * arc.time_of_flight_s:.1f} s for {dist:.0f} m), got {tb} s"
        )

    t = np.asarray(t_s, dtype=float)
    duration = arc.time_of_flight_s + tb / 2.0
    inside = (t >= 0.0) & (t <= duration)
    boosting = inside & (t < tb)
    if tb > 0.0:
        tau = np.where(boosting, t * t / (2.0 * tb), t - tb / 2.0)
        speed_factor = np.where(boosting, t / tb, 1.0)
    else:
        tau, speed_factor = t, np.ones_like(t)
    tau = np.where(inside, np.clip(tau, 0.0, arc.time_of_flight_s), np.nan)
    state = arc_state(arc, tau)

    lat = np.full(t.shape, np.nan)
    lon = np.full(t.shape, np.nan)
    downrange_m = state.central_angle_rad[inside] / arc.central_angle_rad * dist
    lat[inside], lon[inside] = geo.forward(launch_lat_deg, launch_lon_deg, az12, downrange_m)
    return Track(
        t_s=t,
        lat_deg=lat,
        lon_deg=lon,
        alt_m=state.altitude_m,
        speed_mps=state.speed_mps * speed_factor,
        duration_s=duration,
        impact_lat_deg=float(aim_lat_deg),
        impact_lon_deg=float(aim_lon_deg),
    )
