"""Linear Kalman filter with a constant-velocity model, and the extended Kalman filter's update
for a radar's range, azimuth and elevation, as allocation-free numba functions.

State vectors are ``[x, y, z, vx, vy, vz]`` in metres and metres per second in one Cartesian
frame; covariances are 6 x 6. Every function writes into arrays it is given (the state, the
covariance and a scratch array ``w`` of shape ``(4, 6, 6)``), so the engine's step loop,
compiled without reference counting, can call them.

The update is the textbook one, with the gain from the innovation covariance and the
covariance update ``P - K S Kᵀ`` (Bar-Shalom, Li & Kirubarajan 2001, sec. 5.2.3, eq.
5.2.3-13..17), which is also Stone Soup's ``KalmanUpdater`` (the test oracle).

References
----------
.. [1] Bar-Shalom, Li & Kirubarajan (2001), Estimation with Applications to Tracking and
   Navigation, Wiley, sec. 5.2 (Kalman filter), 6.2.2 (white-noise acceleration model),
   10.3 (extended Kalman filter).
.. [2] Stone Soup, ``stonesoup.predictor.kalman`` and ``stonesoup.updater.kalman``,
   https://stonesoup.readthedocs.io/.
"""

from __future__ import annotations

import math

import numba
import numpy as np

# not inlined: these are leaf kernels on small arrays, and inlining them into the engine
# driver multiplies its compile time
jit = numba.njit(cache=True)

#: Measurement components of a radar plot: range [m], azimuth [rad], elevation [rad].
Z_RANGE, Z_AZ, Z_EL = 0, 1, 2


@jit
def cv_transition(dt_s, F):
    """Fill ``F`` (6 x 6) with the constant-velocity transition over ``dt_s``. [s]"""
    for i in range(6):
        for k in range(6):
            F[i, k] = 0.0
        F[i, i] = 1.0
    for i in range(3):
        F[i, i + 3] = dt_s


@jit
def cv_noise(dt_s, q, Q):
    """Fill ``Q`` (6 x 6) with the discretised continuous white-noise acceleration of spectral
    density ``q`` [m²/s³] per axis: ``q [[dt³/3, dt²/2], [dt²/2, dt]]`` (Bar-Shalom et al. 2001,
    eq. 6.2.2-12; Stone Soup's ``ConstantVelocity``)."""
    a = q * dt_s**3 / 3.0
    b = q * dt_s**2 / 2.0
    c = q * dt_s
    for i in range(6):
        for k in range(6):
            Q[i, k] = 0.0
    for i in range(3):
        Q[i, i] = a
        Q[i, i + 3] = b
        Q[i + 3, i] = b
        Q[i + 3, i + 3] = c


@jit
def propagate_cov(P, F, Q, w):
    """``P <- F P Fᵀ + Q`` (``w[0]`` is scratch)."""
    T = w[0]
    for i in range(6):
        for k in range(6):
            s = 0.0
            for m in range(6):
                s += F[i, m] * P[m, k]
            T[i, k] = s
    for i in range(6):
        for k in range(6):
            s = 0.0
            for m in range(6):
                s += T[i, m] * F[k, m]
            P[i, k] = s + Q[i, k]


@jit
def kf_predict(x, P, F, Q, w):
    """Kalman prediction in place: ``x <- F x``, ``P <- F P Fᵀ + Q`` (``w[0]``, ``w[1, 0]``
    are scratch)."""
    t = w[1, 0]
    for i in range(6):
        s = 0.0
        for m in range(6):
            s += F[i, m] * x[m]
        t[i] = s
    for i in range(6):
        x[i] = t[i]
    propagate_cov(P, F, Q, w)


@jit
def cv_predict(x, P, dt_s, q, w):
    """Constant-velocity prediction over ``dt_s`` [s] with noise density ``q`` [m²/s³], in
    place: :func:`kf_predict` with :func:`cv_transition` and :func:`cv_noise`, the products
    with F's zeros and ones left out (the values are those of the full products, bit for bit:
    a product with 0 or 1 and a sum with 0 are exact). ``w`` is unused; it is kept for the
    signature of the other prediction functions."""
    a = q * dt_s**3 / 3.0
    b = q * dt_s**2 / 2.0
    c = q * dt_s
    for i in range(3):
        x[i] = x[i] + dt_s * x[i + 3]
    # P <- F P Fᵀ + Q with F = [[I, dt I], [0, I]]: first the rows of F P, in place
    for i in range(3):
        for k in range(6):
            P[i, k] = P[i, k] + dt_s * P[i + 3, k]
    # then its columns times Fᵀ, plus Q (whose only nonzero entries are on the three diagonals)
    for i in range(6):
        for k in range(3):
            P[i, k] = P[i, k] + dt_s * P[i, k + 3]
    for i in range(3):
        P[i, i] += a
        P[i, i + 3] += b
        P[i + 3, i] += b
        P[i + 3, i + 3] += c


@jit
def _inverse3(S, Si):
    """Inverse of a 3 x 3 matrix by its adjugate; returns the determinant (0: singular)."""
    a, b, c = S[0, 0], S[0, 1], S[0, 2]
    d, e, f = S[1, 0], S[1, 1], S[1, 2]
    g, h, i = S[2, 0], S[2, 1], S[2, 2]
    c00 = e * i - f * h
    c01 = f * g - d * i
    c02 = d * h - e * g
    det = a * c00 + b * c01 + c * c02
    if det == 0.0:
        return 0.0
    r = 1.0 / det
    Si[0, 0] = c00 * r
    Si[0, 1] = (c * h - b * i) * r
    Si[0, 2] = (b * f - c * e) * r
    Si[1, 0] = c01 * r
    Si[1, 1] = (a * i - c * g) * r
    Si[1, 2] = (c * d - a * f) * r
    Si[2, 0] = c02 * r
    Si[2, 1] = (b * g - a * h) * r
    Si[2, 2] = (a * e - b * d) * r
    return det


@jit
def wrap_pi(a):
    """An angle difference wrapped to [-π, π). [rad]"""
    return (a + math.pi) % (2.0 * math.pi) - math.pi


@jit
def kf_update(x, P, y, H, R, w):
    """Kalman update in place from the innovation ``y`` (3,), the measurement matrix ``H``
    (3 x 6, read from its first three rows) and the noise covariance ``R`` (3 x 3).

    ``K = P Hᵀ S⁻¹``, ``x <- x + K y``, ``P <- P - K S Kᵀ`` with ``S = H P Hᵀ + R``
    (Bar-Shalom et al. 2001, eq. 5.2.3-13..17). Returns the normalised innovation squared
    ``yᵀ S⁻¹ y`` (a chi-square with 3 degrees of freedom when the filter is consistent), or -1
    if S is singular (then nothing changes). ``w[0..2]`` are scratch.
    """
    PHt = w[0]  # rows 0..5, columns 0..2
    for i in range(6):
        for k in range(3):
            s = 0.0
            for m in range(6):
                s += P[i, m] * H[k, m]
            PHt[i, k] = s
    S = w[1]
    for i in range(3):
        for k in range(3):
            s = R[i, k]
            for m in range(6):
                s += H[i, m] * PHt[m, k]
            S[i, k] = s
    return _gain_update(x, P, y, w)


@jit
def kf_update_block(x, P, y, Hb, c0, R, w):
    """:func:`kf_update` for a measurement matrix that is zero outside the 3 x 3 block ``Hb``
    at columns ``c0 .. c0 + 2`` (``c0`` 0: a position measurement; 3: a velocity one), the
    products with the zeros left out: the result is :func:`kf_update`'s with the full ``H``,
    bit for bit (a product with 0 and a sum with 0 are exact)."""
    PHt = w[0]
    for i in range(6):
        for k in range(3):
            s = 0.0
            for m in range(3):
                s += P[i, c0 + m] * Hb[k, m]
            PHt[i, k] = s
    S = w[1]
    for i in range(3):
        for k in range(3):
            s = R[i, k]
            for m in range(3):
                s += Hb[i, m] * PHt[c0 + m, k]
            S[i, k] = s
    return _gain_update(x, P, y, w)


@jit
def _gain_update(x, P, y, w):
    """The update's second half, from ``P Hᵀ`` in ``w[0]`` and ``S`` in ``w[1]``."""
    PHt = w[0]
    S = w[1]  # rows 0..2: S; rows 3..5: S⁻¹
    K = w[2]
    Si = S[3:6, 0:3]
    if _inverse3(S, Si) == 0.0:
        return -1.0
    for i in range(6):
        for k in range(3):
            s = 0.0
            for m in range(3):
                s += PHt[i, m] * Si[m, k]
            K[i, k] = s
    nis = 0.0
    for i in range(3):
        for k in range(3):
            nis += y[i] * Si[i, k] * y[k]
    for i in range(6):
        s = 0.0
        for m in range(3):
            s += K[i, m] * y[m]
        x[i] += s
    # K S Kᵀ = K (P Hᵀ)ᵀ: one product fewer, the same value
    for i in range(6):
        for k in range(6):
            s = 0.0
            for m in range(3):
                s += K[i, m] * PHt[k, m]
            P[i, k] -= s
    # P - K S Kᵀ is symmetric only in exact arithmetic. A radar's S holds metres² beside
    # radians², and its rounding made each update ~100x more asymmetric than the last: on
    # April-2024-scale the covariances lost positive definiteness (1,663 times in 4
    # replications) and the tracks diverged. Kept symmetric, as Stone Soup's KalmanUpdater
    # does with force_symmetric_covariance, they stay positive definite.
    for i in range(6):
        for k in range(i + 1, 6):
            v = 0.5 * (P[i, k] + P[k, i])
            P[i, k] = v
            P[k, i] = v
    return nis


@jit
def radar_measure(x, pos, M, hz, H):
    """Range, azimuth and elevation of the state ``x`` seen from a radar at ``pos`` whose frame
    has the rows of ``M`` as axes, into ``hz`` (3,), with their exact Jacobian into ``H``
    (rows 0..2 of a 3 x 6 or larger array).

    With ``d = M (p - pos)``: range ``|d|``, azimuth ``atan2(d₁, d₀)``, elevation
    ``asin(d₂/|d|)``. With ``M``'s rows (north, east, up) the azimuth is clockwise from north,
    the convention of the rest of the project; with Stone Soup's rotation matrix it is Stone
    Soup's ``CartesianToElevationBearingRange`` (bearing from x towards y).
    """
    d0 = M[0, 0] * (x[0] - pos[0]) + M[0, 1] * (x[1] - pos[1]) + M[0, 2] * (x[2] - pos[2])
    d1 = M[1, 0] * (x[0] - pos[0]) + M[1, 1] * (x[1] - pos[1]) + M[1, 2] * (x[2] - pos[2])
    d2 = M[2, 0] * (x[0] - pos[0]) + M[2, 1] * (x[1] - pos[1]) + M[2, 2] * (x[2] - pos[2])
    # a floor of 1 µm² keeps a plot straight overhead finite (no radar reports at 90° anyway)
    rxy2 = max(d0 * d0 + d1 * d1, 1e-12)
    rho2 = rxy2 + d2 * d2
    rho = math.sqrt(rho2)
    rxy = math.sqrt(rxy2)
    hz[Z_RANGE] = rho
    hz[Z_AZ] = math.atan2(d1, d0)
    hz[Z_EL] = math.asin(d2 / rho)
    # derivatives with respect to d, then through d = M (p - pos)
    j00, j01, j02 = d0 / rho, d1 / rho, d2 / rho
    j10, j11, j12 = -d1 / rxy2, d0 / rxy2, 0.0
    j20 = -d2 * d0 / (rho2 * rxy)
    j21 = -d2 * d1 / (rho2 * rxy)
    j22 = rxy / rho2
    for c in range(3):
        H[0, c] = j00 * M[0, c] + j01 * M[1, c] + j02 * M[2, c]
        H[1, c] = j10 * M[0, c] + j11 * M[1, c] + j12 * M[2, c]
        H[2, c] = j20 * M[0, c] + j21 * M[1, c] + j22 * M[2, c]
        H[0, c + 3] = 0.0
        H[1, c + 3] = 0.0
        H[2, c + 3] = 0.0


@jit
def ekf_radar_update(x, P, z, pos, M, R, w):
    """Extended Kalman update in place from a radar plot ``z`` = (range [m], azimuth [rad],
    elevation [rad]) with noise covariance ``R``; the azimuth innovation is wrapped to
    [-π, π) (Bar-Shalom et al. 2001, sec. 10.3.2). Returns the NIS (see :func:`kf_update`).
    ``w[0..3]`` are scratch."""
    hz = w[3, 0]
    y = w[3, 1]
    H = w[3, 2:5]
    radar_measure(x, pos, M, hz, H)
    y[0] = z[0] - hz[0]
    y[1] = wrap_pi(z[1] - hz[1])
    y[2] = wrap_pi(z[2] - hz[2])
    return kf_update_block(x, P, y, H, 0, R, w)  # H is zero in the velocity columns


@jit
def radar_plot_to_state(z, pos, M, R, sigma_v_mps, x, P):
    """A track's first state from one plot: the plot's position with its covariance
    ``J R Jᵀ`` (J the Jacobian of the polar-to-Cartesian map), zero velocity with standard
    deviation ``sigma_v_mps`` per axis (a one-point initiation; Bar-Shalom et al. 2001,
    sec. 10.4.2 for the converted-measurement covariance)."""
    rho, az, el = z[0], z[1], z[2]
    ce, se, ca, sa = math.cos(el), math.sin(el), math.cos(az), math.sin(az)
    d0, d1, d2 = rho * ce * ca, rho * ce * sa, rho * se
    # Jacobian of d with respect to (rho, az, el), then p = pos + Mᵀ d (M orthonormal)
    jd = ((ce * ca, -rho * ce * sa, -rho * se * ca),
          (ce * sa, rho * ce * ca, -rho * se * sa),
          (se, 0.0, rho * ce))  # fmt: skip
    for i in range(3):
        x[i] = pos[i] + M[0, i] * d0 + M[1, i] * d1 + M[2, i] * d2
        x[i + 3] = 0.0
    for i in range(6):
        for k in range(6):
            P[i, k] = 0.0
    for i in range(3):
        for k in range(3):
            s = 0.0
            for a in range(3):
                ja_i = M[0, i] * jd[0][a] + M[1, i] * jd[1][a] + M[2, i] * jd[2][a]
                for b in range(3):
                    jb_k = M[0, k] * jd[0][b] + M[1, k] * jd[1][b] + M[2, k] * jd[2][b]
                    s += ja_i * R[a, b] * jb_k
            P[i, k] = s
        P[i + 3, i + 3] = sigma_v_mps * sigma_v_mps


def new_workspace() -> np.ndarray:
    """Scratch for the filter functions: a (4, 6, 6) float64 array."""
    return np.zeros((4, 6, 6))
