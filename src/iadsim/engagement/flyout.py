"""Interceptor fly-out: distance flown against time, and its exact inverse.

A kinematic profile with two phases, along the interceptor's path:

* boost, ``0 <= t <= t_b``: constant acceleration ``a = v_max / t_b`` from rest,
  ``v = a t`` and ``d = a t² / 2``; at burnout ``d_b = v_max t_b / 2``;
* coast, ``t > t_b``: speed decays exponentially with time constant τ,
  ``v = v_max exp(-(t - t_b)/τ)`` and ``d = d_b + v_max τ (1 - exp(-(t - t_b)/τ))``.

The coasting missile approaches its kinematic reach ``d_b + v_max τ`` without ever attaining
it, so :func:`time_to_distance_s` is +inf at and beyond the reach. The path length is the
distance along the fly-out; the engine uses the slant range to the intercept point (a straight
fly-out). Before launch (``t < 0``) the missile has not moved.

The profile is a deliberately simple parametric stand-in (three public-source numbers per
interceptor), not a published aerodynamic model: it ignores gravity, altitude-dependent drag and
the guidance path.

References
----------
Zarchan, P. (2012). Tactical and Strategic Missile Guidance, 6th ed. AIAA (background on
boost-coast interceptor kinematics and time of flight).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "FlyoutProfile",
    "distance_flown_m",
    "kinematic_reach_m",
    "speed_mps",
    "time_to_distance_nb",
    "time_to_distance_s",
]

FloatOrArray = float | NDArray[np.float64]


@dataclass(frozen=True)
class FlyoutProfile:
    """Kinematic profile of an interceptor: boost to a maximum speed, then exponential decay.

    Attributes
    ----------
    max_speed_mps : float
        Speed at the end of the boost (burnout), > 0. [m/s]
    boost_time_s : float
        Duration of the boost, at constant acceleration from rest, >= 0 (0: the missile leaves
        the launcher at full speed). [s]
    speed_decay_time_s : float
        Time constant τ of the speed decay after the boost, > 0 and finite. [s]
    """

    max_speed_mps: float
    boost_time_s: float
    speed_decay_time_s: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.max_speed_mps) and self.max_speed_mps > 0.0):
            raise ValueError(f"max_speed_mps must be positive and finite, got {self.max_speed_mps}")
        if not (math.isfinite(self.boost_time_s) and self.boost_time_s >= 0.0):
            raise ValueError(f"boost_time_s must be >= 0 and finite, got {self.boost_time_s}")
        if not (math.isfinite(self.speed_decay_time_s) and self.speed_decay_time_s > 0.0):
            raise ValueError(
                f"speed_decay_time_s must be positive and finite, got {self.speed_decay_time_s}"
            )

    @property
    def burnout_distance_m(self) -> float:
        """Distance flown during the boost, ``v_max t_b / 2``. [m]"""
        return 0.5 * self.max_speed_mps * self.boost_time_s


def speed_mps(profile: FlyoutProfile, t_s: ArrayLike) -> FloatOrArray:
    """Interceptor speed at a time after launch.

    Parameters
    ----------
    profile : FlyoutProfile
        Kinematic profile.
    t_s : array_like
        Time since launch; 0 before launch. [s]

    Returns
    -------
    speed_mps : numpy.ndarray or float
        Speed along the path. [m/s]

    References
    ----------
    Zarchan, P. (2012). Tactical and Strategic Missile Guidance, 6th ed. AIAA.
    """
    t = np.maximum(np.asarray(t_s, dtype=float), 0.0)
    v, tb, tau = profile.max_speed_mps, profile.boost_time_s, profile.speed_decay_time_s
    boost = v * np.minimum(t, tb) / tb if tb > 0.0 else np.full_like(t, v)
    coast = v * np.exp(-np.maximum(t - tb, 0.0) / tau)
    return np.where(t < tb, boost, coast)[()]


def distance_flown_m(profile: FlyoutProfile, t_s: ArrayLike) -> FloatOrArray:
    """Distance flown along the path at a time after launch.

    ``d = v_max t² / (2 t_b)`` during the boost, ``d_b + v_max τ (1 - exp(-(t - t_b)/τ))``
    after it.

    Parameters
    ----------
    profile : FlyoutProfile
        Kinematic profile.
    t_s : array_like
        Time since launch; 0 before launch. [s]

    Returns
    -------
    distance_m : numpy.ndarray or float
        Distance flown. [m]

    References
    ----------
    Zarchan, P. (2012). Tactical and Strategic Missile Guidance, 6th ed. AIAA.
    """
    t = np.maximum(np.asarray(t_s, dtype=float), 0.0)
    v, tb, tau = profile.max_speed_mps, profile.boost_time_s, profile.speed_decay_time_s
    d_b = 0.5 * v * tb
    tt = np.minimum(t, tb)
    boost = 0.5 * v * tt * tt / tb if tb > 0.0 else np.zeros_like(t)
    coast = d_b - v * tau * np.expm1(-np.maximum(t - tb, 0.0) / tau)
    return np.where(t < tb, boost, coast)[()]


def time_to_distance_s(profile: FlyoutProfile, distance_m: ArrayLike) -> FloatOrArray:
    """Time of flight to a distance along the path: the exact inverse of :func:`distance_flown_m`.

    ``t = sqrt(2 d t_b / v_max)`` for ``d <= d_b``;
    ``t = t_b - τ ln(1 - (d - d_b) / (v_max τ))`` for ``d_b < d < d_b + v_max τ``; +inf at and
    beyond the kinematic reach; NaN for a negative distance.

    Parameters
    ----------
    profile : FlyoutProfile
        Kinematic profile.
    distance_m : array_like
        Distance to fly. [m]

    Returns
    -------
    time_s : numpy.ndarray or float
        Time of flight. [s]

    References
    ----------
    Zarchan, P. (2012). Tactical and Strategic Missile Guidance, 6th ed. AIAA.
    """
    d = np.asarray(distance_m, dtype=float)
    v, tb, tau = profile.max_speed_mps, profile.boost_time_s, profile.speed_decay_time_s
    d_b = 0.5 * v * tb
    with np.errstate(invalid="ignore", divide="ignore"):
        boost = np.sqrt(2.0 * np.minimum(d, d_b) * tb / v)
        frac = np.maximum(d - d_b, 0.0) / (v * tau)
        coast = np.where(frac < 1.0, tb - tau * np.log1p(-np.minimum(frac, 1.0)), np.inf)
    t = np.where(d <= d_b, boost, coast)
    return np.where(d >= 0.0, t, np.nan)[()]


def kinematic_reach_m(profile: FlyoutProfile) -> float:
    """Kinematic reach: the limit of the distance flown as t → ∞, ``d_b + v_max τ``. [m]

    Parameters
    ----------
    profile : FlyoutProfile
        Kinematic profile.

    Returns
    -------
    reach_m : float
        Supremum of the distance flown; never attained in finite time. [m]
    """
    return profile.burnout_distance_m + profile.max_speed_mps * profile.speed_decay_time_s


@nb.njit(cache=True)
def time_to_distance_nb(max_speed_mps, boost_time_s, speed_decay_time_s, distance_m):
    """Scalar numba twin of :func:`time_to_distance_s` (floats in, float out)."""
    if distance_m < 0.0:
        return np.nan
    d_b = 0.5 * max_speed_mps * boost_time_s
    if distance_m <= d_b:
        return math.sqrt(2.0 * distance_m * boost_time_s / max_speed_mps)
    frac = (distance_m - d_b) / (max_speed_mps * speed_decay_time_s)
    if frac >= 1.0:
        return np.inf
    return boost_time_s - speed_decay_time_s * math.log1p(-frac)
