"""A radar's batch of plots as one equivalent measurement (the engine's tracker applies plots
in batches; docs/models/tracking.md, "Plots in batches").

The least-squares fit of n plots (range, azimuth, elevation) at times τᵢ to a straight line in
time, with the time origin at their mean τ̄, gives the values at τ̄ with noise ``R/n`` and the
rates with noise ``R / Σ(τᵢ − τ̄)²``, independent of the values (Bar-Shalom, Li & Kirubarajan
2001, ch. 3). :func:`batch_update` applies both to a track: the values as one radar plot (the
EKF of :mod:`iadsim.tracking.kalman`), the rates, carried to a velocity by the
polar-to-Cartesian Jacobian at the fitted point, as a velocity measurement.
"""

from __future__ import annotations

import math

import numba

from iadsim.tracking.kalman import ekf_radar_update, kf_update_block

jit = numba.njit(cache=True)


@jit
def polar_jacobian(z, M, J):
    """``J`` (3 x 3) = ∂p/∂(range, azimuth, elevation) at the plot ``z`` of a radar whose frame
    has the rows of ``M`` as axes (``p = pos + Mᵀ d``, ``d`` the plot in that frame)."""
    rho, az, el = z[0], z[1], z[2]
    ce, se, ca, sa = math.cos(el), math.sin(el), math.cos(az), math.sin(az)
    jd = ((ce * ca, -rho * ce * sa, -rho * se * ca),
          (ce * sa, rho * ce * ca, -rho * se * sa),
          (se, 0.0, rho * ce))  # fmt: skip
    for i in range(3):
        for a in range(3):
            J[i, a] = M[0, i] * jd[0][a] + M[1, i] * jd[1][a] + M[2, i] * jd[2][a]


@jit
def batch_update(x, P, z, zdot, n, stt_s2, pos, M, R, w):
    """Update the track ``(x, P)`` in place with a batch's fit: the values ``z`` (3,) at the
    batch's mean time, from ``n`` plots of noise covariance ``R`` (diagonal), and the rates
    ``zdot`` (3,) [m/s, rad/s, rad/s], from ``stt_s2`` = Σ(τᵢ − τ̄)² [s²] (no rate update when
    it is 0, a batch of one plot). The track must already be predicted to the batch's mean time.

    ``w`` is an (8, 6, 6) scratch: ``w[0..3]`` for the Kalman functions, ``w[4]`` and ``w[6]``
    for the batch's matrices.
    """
    Rb, Rv, J, Iv = w[4, 0:3, 0:3], w[4, 0:3, 3:6], w[4, 3:6, 0:3], w[4, 3:6, 3:6]
    y = w[6, 3]
    for i in range(3):
        for k in range(3):
            Rb[i, k] = R[i, k] / n
    ekf_radar_update(x, P, z, pos, M, Rb, w)
    if n < 2.0 or stt_s2 <= 0.0:
        return
    polar_jacobian(z, M, J)
    for i in range(3):
        v = 0.0
        for a in range(3):
            v += J[i, a] * zdot[a]
        y[i] = v - x[i + 3]
        for k in range(3):
            c = 0.0
            for a in range(3):
                c += J[i, a] * (R[a, a] / stt_s2) * J[k, a]
            Rv[i, k] = c
            Iv[i, k] = 1.0 if k == i else 0.0
    kf_update_block(x, P, y, Iv, 3, Rv, w)  # H = [0 I]: the velocity
