"""The ballistic extended Kalman filter's prediction (a point-mass earth's gravity), and the
impact-point prediction: the state propagated to the ground with its covariance.

Frame: the engine's earth-centred, non-rotating frame on the model sphere of
:data:`~iadsim.constants.R_EARTH_M` (the frame of the Keplerian threat arcs, see
:mod:`iadsim.threats.ballistic`). The motion is ``r'' = -μ r / |r|³`` plus white acceleration
noise; drag is neglected, which is the coast of an exo-atmospheric or early re-entry phase
(Zarchan 2012, ch. 12; the filter's process noise covers what drag does low down).

Mean: a classical fourth-order Runge-Kutta step. Covariance: the transition matrix of the
linearised motion, ``Φ ≈ [[I + G h²/2, I h + G h³/6], [G h, I + G h²/2]]`` with the gravity
gradient ``G = μ/|r|³ (3 u uᵀ - I)`` at the step's midpoint (the series of ``exp(A h)`` to the
first order in ``G``; the next term is ``(G h²)²/24``, under 1e-9 for steps of 10 s), so
``P <- Φ P Φᵀ + Q``.

Impact point: the mean is stepped until its radius falls below the ground's, then the crossing
time is found by Newton's method on one Runge-Kutta step; the transition matrices are
multiplied along the way. The impact point is a function of the present state through both
the flight and the crossing time ``t*`` (``|r(t*)| = r_ground``), so its Jacobian is
``J = (I - v uᵀ / (uᵀ v)) Φ_r`` (``Φ_r`` the position rows of the transition matrix, ``u`` the
unit radial and ``v`` the velocity at impact) and its covariance ``J P Jᵀ``: a linearised
propagation (Bar-Shalom et al. 2001, sec. 10.2 and 10.3; the ground-crossing constraint as in
Zarchan 2012, impact-point prediction of a ballistic target).

References
----------
.. [1] Bar-Shalom, Li & Kirubarajan (2001), Estimation with Applications to Tracking and
   Navigation, Wiley, ch. 10.
.. [2] Zarchan (2012), Tactical and Strategic Missile Guidance, 6th ed., AIAA, ch. 12-13
   (ballistic targets and their coast).
.. [3] Bate, Mueller & White (1971), Fundamentals of Astrodynamics, Dover, ch. 1 (two-body
   motion).
"""

from __future__ import annotations

import math

import numba

from iadsim.constants import MU_EARTH_M3_S2
from iadsim.tracking.kalman import cv_noise, propagate_cov

# not inlined: these are leaf kernels on small arrays, and inlining them into the engine
# driver multiplies its compile time
jit = numba.njit(cache=True)

#: Largest Runge-Kutta step of a prediction. [s]
MAX_STEP_S = 5.0
#: Longest flight an impact prediction follows (beyond it: no impact predicted). [s]
MAX_FLIGHT_S = 3600.0


@jit
def _accel(x0, x1, x2, a):
    r2 = x0 * x0 + x1 * x1 + x2 * x2
    k = -MU_EARTH_M3_S2 / (r2 * math.sqrt(r2))
    a[0] = k * x0
    a[1] = k * x1
    a[2] = k * x2


@jit
def rk4_step(x, h, k):
    """One Runge-Kutta step of the two-body motion over ``h`` [s], in place on ``x`` (6,);
    ``k`` (6 x 6) is scratch (rows 0..4)."""
    a = k[4]
    # k1
    _accel(x[0], x[1], x[2], a)
    for i in range(3):
        k[0, i] = x[i + 3]
        k[0, i + 3] = a[i]
    # k2, k3 from the half steps, k4 from the full step
    for s in range(1, 4):
        f = 0.5 * h if s < 3 else h
        _accel(x[0] + f * k[s - 1, 0], x[1] + f * k[s - 1, 1], x[2] + f * k[s - 1, 2], a)
        for i in range(3):
            k[s, i] = x[i + 3] + f * k[s - 1, i + 3]
            k[s, i + 3] = a[i]
    for i in range(6):
        x[i] += h / 6.0 * (k[0, i] + 2.0 * k[1, i] + 2.0 * k[2, i] + k[3, i])


@jit
def ballistic_transition(x, h, F):
    """Fill ``F`` with the linearised transition over ``h`` [s] from the state ``x`` (the
    gravity gradient at the midpoint of a straight step)."""
    p0 = x[0] + 0.5 * h * x[3]
    p1 = x[1] + 0.5 * h * x[4]
    p2 = x[2] + 0.5 * h * x[5]
    r2 = p0 * p0 + p1 * p1 + p2 * p2
    r = math.sqrt(r2)
    g = MU_EARTH_M3_S2 / (r2 * r)
    u0, u1, u2 = p0 / r, p1 / r, p2 / r
    for i in range(6):
        for k in range(6):
            F[i, k] = 0.0
    for i in range(3):
        ui = u0 if i == 0 else (u1 if i == 1 else u2)
        for k in range(3):
            uk = u0 if k == 0 else (u1 if k == 1 else u2)
            G = g * (3.0 * ui * uk - (1.0 if i == k else 0.0))
            F[i, k] = G * h * h / 2.0
            F[i, k + 3] = G * h * h * h / 6.0
            F[i + 3, k] = G * h
            F[i + 3, k + 3] = G * h * h / 2.0
        F[i, i] += 1.0
        F[i, i + 3] += h
        F[i + 3, i + 3] += 1.0


@jit
def ballistic_predict(x, P, dt_s, q, w):
    """Ballistic prediction over ``dt_s`` [s] in place, in steps of at most
    :data:`MAX_STEP_S`, with white acceleration noise of density ``q`` [m²/s³] (the
    discretisation of :func:`~iadsim.tracking.kalman.cv_noise` per step). ``w`` is the
    (4, 6, 6) scratch of :mod:`iadsim.tracking.kalman`."""
    if dt_s <= 0.0:
        return
    n = math.ceil(dt_s / MAX_STEP_S - 1e-12)
    h = dt_s / n
    for _ in range(n):
        ballistic_transition(x, h, w[2])
        cv_noise(h, q, w[3])
        propagate_cov(P, w[2], w[3], w)
        rk4_step(x, h, w[1])


@jit
def _mat6_left(F, Phi, T):
    """``Phi <- F Phi`` (``T`` scratch)."""
    for i in range(6):
        for k in range(6):
            s = 0.0
            for m in range(6):
                s += F[i, m] * Phi[m, k]
            T[i, k] = s
    for i in range(6):
        for k in range(6):
            Phi[i, k] = T[i, k]


@jit
def predict_impact(x, P, r_ground_m, w, point, cov):
    """Impact point of the state ``x`` (6,) with covariance ``P`` on the sphere of radius
    ``r_ground_m``, by the linearised propagation of the module's description.

    Writes the impact position into ``point`` (3,) and its covariance into ``cov`` (3 x 3 or
    larger, rows and columns 0..2). Returns the time to impact [s], 0 if the state is already
    on or below the ground (then ``point`` is its position and ``cov`` its position covariance),
    or -1 when no impact comes within :data:`MAX_FLIGHT_S` (nothing is written then).
    ``w`` is scratch of shape (6, 6, 6); ``x`` and ``P`` are not changed.
    """
    s = w[0, 0]  # the propagated state
    prev = w[0, 1]
    Phi = w[1]
    F = w[2]
    T = w[3]
    k = w[4]
    for i in range(6):
        s[i] = x[i]
        for m in range(6):
            Phi[i, m] = 1.0 if i == m else 0.0
    r = math.sqrt(s[0] ** 2 + s[1] ** 2 + s[2] ** 2)
    t = 0.0
    if r > r_ground_m:
        while True:
            alt = r - r_ground_m
            vr = (s[0] * s[3] + s[1] * s[4] + s[2] * s[5]) / r
            # coarse steps high up, finer ones as the ground comes near
            h = MAX_STEP_S
            if vr < 0.0:
                h = min(h, max(0.25 * alt / -vr, 0.05))
            for i in range(6):
                prev[i] = s[i]
            rk4_step(s, h, k)
            r_new = math.sqrt(s[0] ** 2 + s[1] ** 2 + s[2] ** 2)
            if r_new <= r_ground_m:
                # Newton on the crossing time within this step, from the saved state
                tau = h * alt / (alt + r_ground_m - r_new)
                for _ in range(4):
                    for i in range(6):
                        s[i] = prev[i]
                    rk4_step(s, tau, k)
                    rr = math.sqrt(s[0] ** 2 + s[1] ** 2 + s[2] ** 2)
                    rdot = (s[0] * s[3] + s[1] * s[4] + s[2] * s[5]) / rr
                    if rdot >= 0.0:
                        break
                    tau -= (rr - r_ground_m) / rdot
                for i in range(6):
                    s[i] = prev[i]
                rk4_step(s, tau, k)
                ballistic_transition(prev, tau, F)
                _mat6_left(F, Phi, T)
                t += tau
                break
            ballistic_transition(prev, h, F)
            _mat6_left(F, Phi, T)
            t += h
            r = r_new
            if t > MAX_FLIGHT_S:
                return -1.0
    # J = (I - v uᵀ / (uᵀ v)) Φ_r, into F's first three rows
    rr = math.sqrt(s[0] ** 2 + s[1] ** 2 + s[2] ** 2)
    u0, u1, u2 = s[0] / rr, s[1] / rr, s[2] / rr
    uv = u0 * s[3] + u1 * s[4] + u2 * s[5]
    for c in range(6):
        ur = u0 * Phi[0, c] + u1 * Phi[1, c] + u2 * Phi[2, c]
        for i in range(3):
            F[i, c] = Phi[i, c] - (s[i + 3] * ur / uv if t > 0.0 and uv != 0.0 else 0.0)
    for i in range(3):
        point[i] = s[i]
        for c in range(6):
            acc = 0.0
            for m in range(6):
                acc += F[i, m] * P[m, c]
            T[i, c] = acc
    for i in range(3):
        for c in range(3):
            acc = 0.0
            for m in range(6):
                acc += T[i, m] * F[c, m]
            cov[i, c] = acc
    return t
