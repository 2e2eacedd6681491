"""Electronic attack: noise jamming of a radar, from the radar and jammer equations.

Plain functions over numpy arrays (scalars or arrays, broadcast together); powers in watts,
gains and ratios linear unless a name ends in ``_db``, bandwidths in hertz, ranges in metres.

A noise jammer of power ``Pj`` and antenna gain ``Gj`` (towards the radar), spreading its power
over ``Bj``, puts into a radar receiver of bandwidth ``Br`` (only the share ``Br/Bj`` of the
jamming falls in it when ``Bj > Br``) a one-way power; the target echo comes back two-way::

    S = Pt Gt² λ² σ / ((4π)³ Rt⁴)                       (radar equation, monostatic)
    J = Pj Gj G_r λ² / ((4π)² Rj²) · min(1, Br/Bj)       (jammer equation, one way)

``G_r`` is the radar's receive gain towards the jammer: the main-beam gain ``Gt`` when the
jammer rides on the target (self-screening, SSJ, ``Rj = Rt``), a sidelobe gain ``G_sl`` when it
stands off elsewhere (SOJ). The wavelength cancels in the ratio::

    J/S (SSJ) = 4π Pj Gj Rt² Br / (Pt Gt σ Bj)
    J/S (SOJ) = 4π Pj Gj G_sl Rt⁴ Br / (Pt Gt² σ Rj² Bj)

and the burn-through range, where ``S/J`` reaches the ``S/J`` a detection needs, is closed form.
The detection model then takes the signal-to-interference-plus-noise ratio ``S/(N + J)`` in
place of ``S/N``: ``1/SINR = 1/SNR + J/S``.

References
----------
NAWCWD TP 8347 (2013). Electronic Warfare and Radar Systems Engineering Handbook, 4th ed.
Naval Air Warfare Center Weapons Division, Point Mugu. Sec. 4.7 (J/S ratio, constant-power
jamming), 4.8 (burn-through / crossover range), 4.9 (support jamming).

Adamy, D. L. (2001). EW 101: A First Course in Electronic Warfare. Artech House. Ch. 9
(jamming: jamming-to-signal ratio, burn-through range, stand-off and self-protection jamming).

Skolnik, M. I. (2001). Introduction to Radar Systems, 3rd ed. McGraw-Hill. Sec. 2.1 (radar
equation) and the chapter on electronic counter-countermeasures (noise and sidelobe jamming).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "band_factor",
    "burn_through_range_soj_m",
    "burn_through_range_ssj_m",
    "db_to_linear",
    "js_soj",
    "js_ssj",
    "sinr",
]

FloatOrArray = float | NDArray[np.float64]
_4PI = 4.0 * np.pi


def db_to_linear(x_db: ArrayLike) -> FloatOrArray:
    """Decibels to a linear ratio: ``10 ** (x / 10)``."""
    return (10.0 ** (np.asarray(x_db, dtype=float) / 10.0))[()]


def band_factor(radar_bandwidth_hz: ArrayLike, jammer_bandwidth_hz: ArrayLike) -> FloatOrArray:
    """Share of a noise jammer's power inside the radar's receiver: ``min(1, Br/Bj)``. [1]

    A barrage jammer spread over ``Bj`` wider than the receiver's ``Br`` loses ``Bj/Br``; one
    narrower than the receiver puts all its power in (NAWCWD TP 8347, sec. 4.7).
    """
    br = np.asarray(radar_bandwidth_hz, dtype=float)
    bj = np.asarray(jammer_bandwidth_hz, dtype=float)
    return np.minimum(1.0, br / bj)[()]


def js_ssj(
    range_m: ArrayLike,
    pj_w: ArrayLike,
    gj: ArrayLike,
    bj_hz: ArrayLike,
    pt_w: ArrayLike,
    gt: ArrayLike,
    rcs_m2: ArrayLike,
    br_hz: ArrayLike,
) -> FloatOrArray:
    """Jamming-to-signal ratio of a self-screening jammer (on the target, in the main beam).

    ``J/S = 4π Pj Gj R² / (Pt Gt σ) · min(1, Br/Bj)``

    Parameters
    ----------
    range_m : array_like
        Radar-to-target (and jammer) range. [m]
    pj_w, gj, bj_hz : array_like
        Jammer power [W], antenna gain towards the radar [linear] and noise bandwidth [Hz].
    pt_w, gt : array_like
        Radar transmit power [W] and main-beam antenna gain [linear].
    rcs_m2 : array_like
        Target radar cross section. [m^2]
    br_hz : array_like
        Radar receiver bandwidth. [Hz]

    Returns
    -------
    js : numpy.ndarray or float
        J/S. [linear]

    References
    ----------
    NAWCWD TP 8347, sec. 4.7 (self-protection J/S); Adamy, EW 101, ch. 9.
    """
    r = np.asarray(range_m, dtype=float)
    num = _4PI * np.asarray(pj_w, float) * np.asarray(gj, float) * r**2
    den = np.asarray(pt_w, float) * np.asarray(gt, float) * np.asarray(rcs_m2, float)
    return (num / den * band_factor(br_hz, bj_hz))[()]


def js_soj(
    target_range_m: ArrayLike,
    jammer_range_m: ArrayLike,
    pj_w: ArrayLike,
    gj: ArrayLike,
    bj_hz: ArrayLike,
    pt_w: ArrayLike,
    gt: ArrayLike,
    g_sidelobe: ArrayLike,
    rcs_m2: ArrayLike,
    br_hz: ArrayLike,
) -> FloatOrArray:
    """Jamming-to-signal ratio of a stand-off jammer seen in the radar's sidelobes.

    ``J/S = 4π Pj Gj G_sl Rt⁴ / (Pt Gt² σ Rj²) · min(1, Br/Bj)``

    Parameters
    ----------
    target_range_m, jammer_range_m : array_like
        Radar-to-target and radar-to-jammer ranges. [m]
    pj_w, gj, bj_hz : array_like
        Jammer power [W], antenna gain towards the radar [linear], noise bandwidth [Hz].
    pt_w, gt, g_sidelobe : array_like
        Radar power [W], main-beam gain [linear] and the gain of the sidelobe facing the
        jammer [linear].
    rcs_m2, br_hz : array_like
        Target RCS [m^2] and radar receiver bandwidth [Hz].

    Returns
    -------
    js : numpy.ndarray or float
        J/S. [linear]

    References
    ----------
    NAWCWD TP 8347, sec. 4.9 (support jamming); Adamy, EW 101, ch. 9.
    """
    rt = np.asarray(target_range_m, dtype=float)
    rj = np.asarray(jammer_range_m, dtype=float)
    gt = np.asarray(gt, dtype=float)
    num = _4PI * np.asarray(pj_w, float) * np.asarray(gj, float) * np.asarray(g_sidelobe, float)
    den = np.asarray(pt_w, float) * gt**2 * np.asarray(rcs_m2, float) * rj**2
    return (num * rt**4 / den * band_factor(br_hz, bj_hz))[()]


def burn_through_range_ssj_m(
    pj_w: ArrayLike,
    gj: ArrayLike,
    bj_hz: ArrayLike,
    pt_w: ArrayLike,
    gt: ArrayLike,
    rcs_m2: ArrayLike,
    br_hz: ArrayLike,
    sj_required: ArrayLike,
) -> FloatOrArray:
    """Range at which a radar burns through a self-screening jammer (S/J = S/J required).

    ``R_BT = sqrt(Pt Gt σ / (4π Pj Gj (S/J)_req min(1, Br/Bj)))``. [m]

    References
    ----------
    NAWCWD TP 8347, sec. 4.8 (burn-through range); Adamy, EW 101, ch. 9.
    """
    den = _4PI * np.asarray(pj_w, float) * np.asarray(gj, float) * np.asarray(sj_required, float)
    num = np.asarray(pt_w, float) * np.asarray(gt, float) * np.asarray(rcs_m2, float)
    return np.sqrt(num / (den * band_factor(br_hz, bj_hz)))[()]


def burn_through_range_soj_m(
    jammer_range_m: ArrayLike,
    pj_w: ArrayLike,
    gj: ArrayLike,
    bj_hz: ArrayLike,
    pt_w: ArrayLike,
    gt: ArrayLike,
    g_sidelobe: ArrayLike,
    rcs_m2: ArrayLike,
    br_hz: ArrayLike,
    sj_required: ArrayLike,
) -> FloatOrArray:
    """Target range inside which a radar burns through a stand-off jammer at ``jammer_range_m``.

    ``R_BT = [Pt Gt² σ Rj² / (4π Pj Gj G_sl (S/J)_req min(1, Br/Bj))]^(1/4)``. [m]

    References
    ----------
    NAWCWD TP 8347, sec. 4.8-4.9; Adamy, EW 101, ch. 9.
    """
    rj = np.asarray(jammer_range_m, dtype=float)
    num = np.asarray(pt_w, float) * np.asarray(gt, float) ** 2 * np.asarray(rcs_m2, float) * rj**2
    den = (
        _4PI
        * np.asarray(pj_w, float)
        * np.asarray(gj, float)
        * np.asarray(g_sidelobe, float)
        * np.asarray(sj_required, float)
        * band_factor(br_hz, bj_hz)
    )
    return ((num / den) ** 0.25)[()]


def sinr(snr: ArrayLike, js: ArrayLike) -> FloatOrArray:
    """Signal to interference plus noise, ``S/(N + J) = 1 / (1/SNR + J/S)``. [linear]

    ``js = 0`` gives back ``snr``; an infinite SNR gives ``S/J``.
    """
    snr = np.asarray(snr, dtype=float)
    js = np.asarray(js, dtype=float)
    with np.errstate(divide="ignore"):
        return (1.0 / (1.0 / snr + js))[()]
