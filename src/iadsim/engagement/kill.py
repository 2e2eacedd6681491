"""Kill probabilities of salvos and shoot-look-shoot: the analytic references for the engine.

Every shot kills independently with the single-shot kill probability ``pk``; a kill assessment
between engagements is perfect (a killed threat is never engaged again, a surviving one always
is), and every engagement fits in the time available. All functions accept scalars or arrays
and broadcast their arguments.

References
----------
Przemieniecki, J. S. (2000). Mathematical Methods in Defense Analyses, 3rd ed. AIAA Education
Series. Ch. 4 (probability of kill of salvos and of shoot-look-shoot firing doctrines).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "max_engagements_from_magazine",
    "salvo_kill_probability",
    "shoot_look_shoot_expected_shots",
    "shoot_look_shoot_kill_probability",
]

FloatOrArray = float | NDArray[np.float64]


def salvo_kill_probability(pk: ArrayLike, n_shots: ArrayLike) -> FloatOrArray:
    """Probability that a salvo of independent shots kills the threat: ``1 - (1 - pk)**n``.

    Parameters
    ----------
    pk : array_like
        Single-shot kill probability, in [0, 1]. [unitless]
    n_shots : array_like
        Shots in the salvo, >= 0. [unitless]

    Returns
    -------
    pk_salvo : numpy.ndarray or float
        Kill probability of the salvo. [unitless]

    References
    ----------
    Przemieniecki, J. S. (2000). Mathematical Methods in Defense Analyses, 3rd ed., ch. 4.
    """
    pk = np.asarray(pk, dtype=float)
    n = np.asarray(n_shots, dtype=float)
    return (1.0 - (1.0 - pk) ** n)[()]


def shoot_look_shoot_kill_probability(
    pk: ArrayLike, salvo: ArrayLike, engagements: ArrayLike
) -> FloatOrArray:
    """Kill probability of shoot-look-shoot: ``1 - (1 - pk)**(salvo * engagements)``.

    The threat survives only if every shot of every engagement misses; the look between
    engagements changes how many shots are spent (:func:`shoot_look_shoot_expected_shots`),
    not the kill probability, provided all engagements fit in the time available.

    Parameters
    ----------
    pk : array_like
        Single-shot kill probability, in [0, 1]. [unitless]
    salvo : array_like
        Shots per engagement, >= 1. [unitless]
    engagements : array_like
        Engagements available (the first plus the re-engagements), >= 0. [unitless]

    Returns
    -------
    pk_total : numpy.ndarray or float
        Probability that the threat is killed by one of the engagements. [unitless]

    References
    ----------
    Przemieniecki, J. S. (2000). Mathematical Methods in Defense Analyses, 3rd ed., ch. 4.
    """
    shots = np.asarray(salvo, dtype=float) * np.asarray(engagements, dtype=float)
    return salvo_kill_probability(pk, shots)


def shoot_look_shoot_expected_shots(
    pk: ArrayLike, salvo: ArrayLike, engagements: ArrayLike
) -> FloatOrArray:
    """Expected number of shots spent on one threat under shoot-look-shoot.

    Engagement ``i`` (0-based) is fired only if the ``i`` before it all failed, which happens
    with probability ``q**i``, ``q = (1 - pk)**salvo``; so

        E[shots] = Σ_{i=0}^{E-1} salvo q**i = salvo (1 - q**E) / (1 - q)   (salvo E if q = 1).

    For ``pk = 0.7``, salvo 1 and two engagements: 1 + 0.3 = 1.3.

    Parameters
    ----------
    pk : array_like
        Single-shot kill probability, in [0, 1]. [unitless]
    salvo : array_like
        Shots per engagement, >= 1. [unitless]
    engagements : array_like
        Engagements available, >= 0. [unitless]

    Returns
    -------
    shots : numpy.ndarray or float
        Expected shots fired. [unitless]

    References
    ----------
    Przemieniecki, J. S. (2000). Mathematical Methods in Defense Analyses, 3rd ed., ch. 4.
    """
    pk = np.asarray(pk, dtype=float)
    s = np.asarray(salvo, dtype=float)
    e = np.asarray(engagements, dtype=float)
    # ln q, and the geometric sum as expm1(E ln q) / expm1(ln q): accurate when q is near 1.
    with np.errstate(divide="ignore", invalid="ignore"):
        ln_q = s * np.log1p(-pk)
        ratio = np.expm1(e * ln_q) / np.expm1(ln_q)
    return (s * np.where(e == 0.0, 0.0, np.where(ln_q == 0.0, e, ratio)))[()]


def max_engagements_from_magazine(n_missiles: ArrayLike, salvo: ArrayLike) -> int | NDArray:
    """Engagements a magazine can support at a given salvo size: ``n_missiles // salvo``.

    Parameters
    ----------
    n_missiles : array_like of int
        Missiles available, >= 0. [unitless]
    salvo : array_like of int
        Shots per engagement, >= 1. [unitless]

    Returns
    -------
    engagements : numpy.ndarray or int
        Most engagements the magazine can fire. [unitless]

    References
    ----------
    Przemieniecki, J. S. (2000). Mathematical Methods in Defense Analyses, 3rd ed., ch. 4.
    """
    return np.floor_divide(np.asarray(n_missiles), np.asarray(salvo))[()]
