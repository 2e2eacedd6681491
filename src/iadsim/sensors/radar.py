"""Radar detection physics: detection probability and smooth-earth geometry.

Plain functions over numpy arrays; every argument accepts a scalar or an array and the
arguments broadcast together. SNR is linear (not dB) unless a name ends in ``_db``; ranges and
heights are metres, angles degrees only where the name says ``_deg``.

Detection follows the statistical model of MATLAB's ``radarDataGenerator``: a radar is described
by one reference point (it detects a target of RCS ``ref_rcs_m2`` at range ``ref_range_m`` with
probability ``ref_pd`` at false-alarm probability ``pfa``). The SNR needed for that point is
found by inverting the detection law, and scaled to any other range and RCS with the radar range
equation, ``SNR = SNR_ref (σ/σ_ref) (R_ref/R)^4``.

Geometry uses an earth of effective radius ``k R`` (standard refraction, k = 4/3 by default):
radio rays are straight lines over that sphere; heights above the surface and ground ranges
(arc lengths along the surface) are kept, so a ground range ``r`` subtends the central angle
``r / (k R)``. :func:`horizon_range_m` and :func:`min_visible_height_m` use the usual parabolic
(small-angle) form of this geometry, the same one the terrain coverage tables use
(:mod:`iadsim.terrain.coverage`), so that a flat DEM and the smooth-earth stand-in agree exactly.
:func:`elevation_angle_deg` and :func:`slant_range_m` are exact on the ``k R`` sphere.

References
----------
Skolnik, M. I. (2001). Introduction to Radar Systems, 3rd ed. McGraw-Hill. Ch. 2 (radar
equation, detection of fluctuating targets, Albersheim's equation) and sec. 8.2 (refraction, 4/3
earth, radar horizon).

Richards, M. A. (2014). Fundamentals of Radar Signal Processing, 2nd ed. McGraw-Hill. Ch. 6
(Swerling models, single-pulse Pd of a Swerling 1 target, Albersheim's equation and its inverse).

Albersheim, W. J. (1981). A closed-form approximation to Robertson's detection characteristics.
Proceedings of the IEEE 69(7), 839.

MathWorks. radarDataGenerator; radareqrng; albersheim. Radar Toolbox / Phased Array System
Toolbox documentation. https://www.mathworks.com/help/radar/ref/radardatagenerator-system-object.html
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim.constants import K_FACTOR_STANDARD, R_EARTH_M

__all__ = [
    "albersheim_snr",
    "detection_probability",
    "elevation_angle_deg",
    "horizon_range_m",
    "min_visible_height_m",
    "pd_albersheim",
    "pd_swerling1",
    "slant_range_m",
    "snr_at_range",
    "snr_from_pd_swerling1",
]

FloatOrArray = float | NDArray[np.float64]


# --------------------------------------------------------------------------------------------
# Detection probability
# --------------------------------------------------------------------------------------------


def pd_swerling1(snr: ArrayLike, pfa: ArrayLike) -> FloatOrArray:
    """Single-pulse detection probability of a Swerling 1 target.

    ``Pd = Pfa ** (1 / (1 + SNR))``: square-law detection of one pulse from a target whose RCS
    is exponentially distributed from scan to scan (Rayleigh amplitude).

    Parameters
    ----------
    snr : array_like
        Mean signal-to-noise ratio of the target (average over the fluctuation). [linear]
    pfa : array_like
        Probability of false alarm per detection cell, in (0, 1). [unitless]

    Returns
    -------
    pd : numpy.ndarray or float
        Probability of detection. [unitless]

    References
    ----------
    Richards, M. A. (2014). Fundamentals of Radar Signal Processing, 2nd ed., ch. 6.
    Skolnik, M. I. (2001). Introduction to Radar Systems, 3rd ed., ch. 2.
    """
    snr = np.asarray(snr, dtype=float)
    pfa = np.asarray(pfa, dtype=float)
    return np.exp(np.log(pfa) / (1.0 + snr))[()]


def snr_from_pd_swerling1(pd: ArrayLike, pfa: ArrayLike) -> FloatOrArray:
    """Mean SNR a Swerling 1 target needs for a single-pulse detection probability.

    The exact inverse of :func:`pd_swerling1`: ``SNR = ln(Pfa) / ln(Pd) - 1``. It is 0 at
    ``Pd = Pfa``, +inf at ``Pd = 1`` and NaN for ``Pd < Pfa`` (no SNR gives it).

    Parameters
    ----------
    pd : array_like
        Probability of detection, in [pfa, 1]. [unitless]
    pfa : array_like
        Probability of false alarm, in (0, 1). [unitless]

    Returns
    -------
    snr : numpy.ndarray or float
        Required mean signal-to-noise ratio. [linear]

    References
    ----------
    Richards, M. A. (2014). Fundamentals of Radar Signal Processing, 2nd ed., ch. 6.
    """
    pd = np.asarray(pd, dtype=float)
    pfa = np.asarray(pfa, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        snr = np.log(pfa) / np.log(pd) - 1.0
    snr = np.where(pd == 1.0, np.inf, snr)
    return np.where((pd >= pfa) & (pd <= 1.0), snr, np.nan)[()]


def albersheim_snr(pd: ArrayLike, pfa: ArrayLike, n_pulses: ArrayLike = 1) -> FloatOrArray:
    """SNR per pulse a non-fluctuating target needs (Albersheim's closed form).

    With ``A = ln(0.62 / Pfa)`` and ``B = ln(Pd / (1 - Pd))``::

        SNR_dB = -5 log10(N) + (6.2 + 4.54 / sqrt(N + 0.44)) log10(A + 0.12 A B + 1.7 B)

    for ``N`` pulses integrated non-coherently with a linear detector. Albersheim states an
    error under 0.2 dB for 1e-7 <= Pfa <= 1e-3, 0.1 <= Pd <= 0.9 and 1 <= N <= 8096; outside
    that region the result is returned but not to be trusted.

    Parameters
    ----------
    pd : array_like
        Probability of detection. [unitless]
    pfa : array_like
        Probability of false alarm. [unitless]
    n_pulses : array_like, default 1
        Number of pulses integrated non-coherently. [unitless]

    Returns
    -------
    snr : numpy.ndarray or float
        Required single-pulse signal-to-noise ratio. [linear]

    References
    ----------
    Albersheim, W. J. (1981). A closed-form approximation to Robertson's detection
    characteristics. Proceedings of the IEEE 69(7), 839.
    Richards, M. A. (2014). Fundamentals of Radar Signal Processing, 2nd ed., ch. 6.
    MathWorks, ``albersheim`` (Phased Array System Toolbox documentation).
    """
    pd = np.asarray(pd, dtype=float)
    pfa = np.asarray(pfa, dtype=float)
    n = np.asarray(n_pulses, dtype=float)
    a = np.log(0.62 / pfa)
    b = np.log(pd / (1.0 - pd))
    snr_db = -5.0 * np.log10(n) + (6.2 + 4.54 / np.sqrt(n + 0.44)) * np.log10(
        a + 0.12 * a * b + 1.7 * b
    )
    return (10.0 ** (snr_db / 10.0))[()]


def pd_albersheim(snr: ArrayLike, pfa: ArrayLike, n_pulses: ArrayLike = 1) -> FloatOrArray:
    """Detection probability of a non-fluctuating target: the inverse of :func:`albersheim_snr`.

    With ``A = ln(0.62 / Pfa)`` and ``Z = (SNR_dB + 5 log10 N) / (6.2 + 4.54 / sqrt(N + 0.44))``::

        B = (10**Z - A) / (1.7 + 0.12 A),   Pd = 1 / (1 + exp(-B))

    Same validity region as :func:`albersheim_snr`.

    Parameters
    ----------
    snr : array_like
        Single-pulse signal-to-noise ratio. [linear]
    pfa : array_like
        Probability of false alarm. [unitless]
    n_pulses : array_like, default 1
        Number of pulses integrated non-coherently. [unitless]

    Returns
    -------
    pd : numpy.ndarray or float
        Probability of detection. [unitless]

    References
    ----------
    Richards, M. A. (2014). Fundamentals of Radar Signal Processing, 2nd ed., ch. 6
    (inverse of Albersheim's equation).
    """
    snr = np.asarray(snr, dtype=float)
    pfa = np.asarray(pfa, dtype=float)
    n = np.asarray(n_pulses, dtype=float)
    a = np.log(0.62 / pfa)
    with np.errstate(divide="ignore"):
        snr_db = 10.0 * np.log10(snr)
    z = (snr_db + 5.0 * np.log10(n)) / (6.2 + 4.54 / np.sqrt(n + 0.44))
    b = (10.0**z - a) / (1.7 + 0.12 * a)
    return (0.5 * (1.0 + np.tanh(0.5 * b)))[()]  # = 1 / (1 + exp(-b)), without overflow


def snr_at_range(
    range_m: ArrayLike,
    rcs_m2: ArrayLike,
    ref_range_m: ArrayLike,
    ref_rcs_m2: ArrayLike,
    ref_snr: ArrayLike,
) -> FloatOrArray:
    """SNR of a target, scaled from a reference point with the radar range equation.

    ``SNR = SNR_ref (σ / σ_ref) (R_ref / R)**4``: every other term of the radar equation
    (power, gains, wavelength, losses, noise) is the same at both points and cancels.

    Parameters
    ----------
    range_m : array_like
        Slant range from the radar to the target. [m]
    rcs_m2 : array_like
        Radar cross section of the target (mean, for a fluctuating target). [m^2]
    ref_range_m : array_like
        Range of the reference point. [m]
    ref_rcs_m2 : array_like
        RCS of the reference point. [m^2]
    ref_snr : array_like
        SNR at the reference point. [linear]

    Returns
    -------
    snr : numpy.ndarray or float
        Signal-to-noise ratio at ``range_m`` against ``rcs_m2``; +inf at zero range. [linear]

    References
    ----------
    Skolnik, M. I. (2001). Introduction to Radar Systems, 3rd ed., ch. 2.
    MathWorks, ``radarDataGenerator`` (reference range, RCS and Pd) and ``radareqrng``.
    """
    range_m = np.asarray(range_m, dtype=float)
    with np.errstate(divide="ignore"):
        ratio = np.asarray(ref_range_m, dtype=float) / range_m
    return (
        np.asarray(ref_snr, dtype=float)
        * (np.asarray(rcs_m2, dtype=float) / np.asarray(ref_rcs_m2, dtype=float))
        * ratio**4
    )[()]


def detection_probability(
    range_m: ArrayLike,
    rcs_m2: ArrayLike,
    ref_range_m: ArrayLike,
    ref_rcs_m2: ArrayLike,
    ref_pd: ArrayLike,
    pfa: ArrayLike,
) -> FloatOrArray:
    """Single-scan detection probability of a Swerling 1 target, from a reference point.

    Composition of :func:`snr_from_pd_swerling1` (SNR needed at the reference point),
    :func:`snr_at_range` (radar equation) and :func:`pd_swerling1`. At ``range_m = ref_range_m``
    and ``rcs_m2 = ref_rcs_m2`` it returns ``ref_pd``. Geometry limits (horizon, terrain,
    sector, elevation, instrumented range) are not applied here.

    Parameters
    ----------
    range_m : array_like
        Slant range from the radar to the target. [m]
    rcs_m2 : array_like
        Mean radar cross section of the target. [m^2]
    ref_range_m : array_like
        Published detection range. [m]
    ref_rcs_m2 : array_like
        RCS the published detection range is quoted against. [m^2]
    ref_pd : array_like
        Detection probability the published range is quoted at, in (pfa, 1). [unitless]
    pfa : array_like
        Probability of false alarm. [unitless]

    Returns
    -------
    pd : numpy.ndarray or float
        Probability of detection per scan. [unitless]

    References
    ----------
    MathWorks, ``radarDataGenerator`` (statistical radar model from a reference detection).
    Skolnik, M. I. (2001). Introduction to Radar Systems, 3rd ed., ch. 2.
    """
    ref_snr = snr_from_pd_swerling1(ref_pd, pfa)
    return pd_swerling1(snr_at_range(range_m, rcs_m2, ref_range_m, ref_rcs_m2, ref_snr), pfa)


# --------------------------------------------------------------------------------------------
# Smooth-earth geometry on the k R sphere
# --------------------------------------------------------------------------------------------


def horizon_range_m(
    radar_height_m: ArrayLike, target_height_m: ArrayLike, k: ArrayLike = K_FACTOR_STANDARD
) -> FloatOrArray:
    """Smooth-earth radio horizon: the greatest ground range at which a target is visible.

    ``d = sqrt(2 k R h_r) + sqrt(2 k R h_t)``; with k = 4/3 and heights in metres,
    ``d ≈ 4.12 (sqrt(h_r) + sqrt(h_t))`` km.

    Parameters
    ----------
    radar_height_m : array_like
        Antenna height above the surface, >= 0. [m]
    target_height_m : array_like
        Target height above the surface, >= 0. [m]
    k : array_like, default 4/3
        Effective-earth-radius factor. [unitless]

    Returns
    -------
    range_m : numpy.ndarray or float
        Horizon ground range. [m]

    References
    ----------
    Skolnik, M. I. (2001). Introduction to Radar Systems, 3rd ed., sec. 8.2.
    """
    two_kr = 2.0 * np.asarray(k, dtype=float) * R_EARTH_M
    return (
        np.sqrt(two_kr * np.asarray(radar_height_m, dtype=float))
        + np.sqrt(two_kr * np.asarray(target_height_m, dtype=float))
    )[()]


def min_visible_height_m(
    ground_range_m: ArrayLike, radar_height_m: ArrayLike, k: ArrayLike = K_FACTOR_STANDARD
) -> FloatOrArray:
    """Lowest target height above a smooth earth that the radar sees at a ground range.

    ``h_min = max(0, (r - sqrt(2 k R h_r))**2 / (2 k R))``: zero inside the radar's own
    horizon, then the height of the ray that grazes the surface at the horizon. Parabolic
    (small-angle) earth, as the terrain coverage tables use; it is the inverse of
    :func:`horizon_range_m` in the target height. It stands in for the terrain table until the
    DEM is loaded (on a flat DEM the table gives the same value).

    Parameters
    ----------
    ground_range_m : array_like
        Ground range from the radar, >= 0. [m]
    radar_height_m : array_like
        Antenna height above the surface, >= 0. [m]
    k : array_like, default 4/3
        Effective-earth-radius factor. [unitless]

    Returns
    -------
    height_m : numpy.ndarray or float
        Minimum visible target height above the surface. [m]

    References
    ----------
    Skolnik, M. I. (2001). Introduction to Radar Systems, 3rd ed., sec. 8.2.
    """
    two_kr = 2.0 * np.asarray(k, dtype=float) * R_EARTH_M
    r = np.asarray(ground_range_m, dtype=float)
    beyond = np.maximum(r - np.sqrt(two_kr * np.asarray(radar_height_m, dtype=float)), 0.0)
    return (beyond * beyond / two_kr)[()]


def _sphere_offsets(ground_range_m, radar_height_m, target_height_m, k):
    """Target offset from the radar, horizontal and vertical in the radar's local frame. [m]

    On the k R sphere, with a = k R and θ = r / a, the target is at
    ``((a + h_t) sin θ, (a + h_t) cos θ - (a + h_r))``; the vertical part is rewritten as
    ``h_t cos θ - h_r - 2 a sin²(θ/2)`` to avoid cancelling two numbers of order a.
    """
    a = np.asarray(k, dtype=float) * R_EARTH_M
    theta = np.asarray(ground_range_m, dtype=float) / a
    h_r = np.asarray(radar_height_m, dtype=float)
    h_t = np.asarray(target_height_m, dtype=float)
    horizontal = (a + h_t) * np.sin(theta)
    vertical = h_t * np.cos(theta) - h_r - 2.0 * a * np.sin(0.5 * theta) ** 2
    return horizontal, vertical


def elevation_angle_deg(
    ground_range_m: ArrayLike,
    radar_height_m: ArrayLike,
    target_height_m: ArrayLike,
    k: ArrayLike = K_FACTOR_STANDARD,
) -> FloatOrArray:
    """Apparent elevation angle of a target above the radar's horizontal plane.

    Exact geometry on the sphere of radius ``a = k R`` (straight rays): with θ = r / a,
    ``tan(E) = ((a + h_t) cos θ - (a + h_r)) / ((a + h_t) sin θ)``. Refraction bends the real
    ray; on the k R earth it is straight and E is the angle at which the antenna sees the
    target. 90° straight overhead (zero ground range, target above the radar).

    Parameters
    ----------
    ground_range_m : array_like
        Ground range (arc length along the surface) from the radar, >= 0. [m]
    radar_height_m : array_like
        Antenna height above the surface. [m]
    target_height_m : array_like
        Target height above the surface. [m]
    k : array_like, default 4/3
        Effective-earth-radius factor. [unitless]

    Returns
    -------
    elevation_deg : numpy.ndarray or float
        Elevation angle, negative below the radar's horizontal. [deg]

    References
    ----------
    Skolnik, M. I. (2001). Introduction to Radar Systems, 3rd ed., sec. 8.2 (4/3 earth).
    Doerry, A. W. (2013). Earth curvature and atmospheric refraction effects on radar signal
    propagation. Sandia report SAND2012-10690.
    """
    horizontal, vertical = _sphere_offsets(ground_range_m, radar_height_m, target_height_m, k)
    return np.degrees(np.arctan2(vertical, horizontal))[()]


def slant_range_m(
    ground_range_m: ArrayLike,
    radar_height_m: ArrayLike,
    target_height_m: ArrayLike,
    k: ArrayLike = K_FACTOR_STANDARD,
) -> FloatOrArray:
    """Straight-line (slant) range from the radar to the target on the k R earth.

    Law of cosines on the sphere of radius ``a = k R`` with θ = r / a, written without
    cancellation: ``ρ² = (h_t - h_r)² + 4 (a + h_r)(a + h_t) sin²(θ/2)``.

    Parameters
    ----------
    ground_range_m : array_like
        Ground range (arc length along the surface) from the radar, >= 0. [m]
    radar_height_m : array_like
        Antenna height above the surface. [m]
    target_height_m : array_like
        Target height above the surface. [m]
    k : array_like, default 4/3
        Effective-earth-radius factor. [unitless]

    Returns
    -------
    range_m : numpy.ndarray or float
        Slant range. [m]

    References
    ----------
    Skolnik, M. I. (2001). Introduction to Radar Systems, 3rd ed., sec. 8.2 (4/3 earth).
    """
    a = np.asarray(k, dtype=float) * R_EARTH_M
    theta = np.asarray(ground_range_m, dtype=float) / a
    h_r = np.asarray(radar_height_m, dtype=float)
    h_t = np.asarray(target_height_m, dtype=float)
    s = np.sin(0.5 * theta)
    return np.sqrt((h_t - h_r) ** 2 + 4.0 * (a + h_r) * (a + h_t) * s * s)[()]
