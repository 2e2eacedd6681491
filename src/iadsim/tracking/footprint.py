"""Does a predicted impact ellipse reach a defended asset's footprint?

The impact point's ground-plane mean ``m`` and covariance ``C`` (2 x 2, east and north of the
asset) give the confidence ellipse ``(p - m)ᵀ C⁻¹ (p - m) <= k²`` with
``k² = -2 ln(1 - c)`` for confidence ``c`` (the chi-square quantile with two degrees of
freedom). The asset's footprint is the disk of its radius. They intersect when the disk's
centre is inside the ellipse, or when the distance from the centre to the ellipse is at most
the radius; that distance is the root of Eberly's one-dimensional equation in the ellipse's
principal axes, found by bisection to machine precision.

References
----------
.. [1] Eberly (2013), Distance from a point to an ellipse, an ellipsoid, or a hyperellipsoid,
   Geometric Tools, https://www.geometrictools.com/Documentation/DistancePointEllipseEllipsoid.pdf.
.. [2] Bar-Shalom, Li & Kirubarajan (2001), Estimation with Applications to Tracking and
   Navigation, sec. 1.4.17 (confidence regions of a Gaussian) and 3.7.
"""

from __future__ import annotations

import math

import numba

# not inlined: these are leaf kernels on small arrays, and inlining them into the engine
# driver multiplies its compile time
jit = numba.njit(cache=True)


@jit
def ellipse_k2(confidence):
    """Squared Mahalanobis radius of a 2-D Gaussian's ``confidence`` region: ``-2 ln(1 - c)``."""
    return -2.0 * math.log(1.0 - confidence)


@jit
def distance_to_ellipse(a, b, y0, y1):
    """Distance from the point (y0, y1) outside the axis-aligned ellipse of semi-axes
    ``a >= b > 0`` to the ellipse (Eberly 2013, by bisection on the secular equation)."""
    y0, y1 = abs(y0), abs(y1)
    lo = 0.0
    hi = math.sqrt(a * a * y0 * y0 + b * b * y1 * y1)
    for _ in range(200):
        t = 0.5 * (lo + hi)
        if t <= lo or t >= hi:
            break
        f0 = a * y0 / (t + a * a)
        f1 = b * y1 / (t + b * b)
        if f0 * f0 + f1 * f1 - 1.0 > 0.0:
            lo = t
        else:
            hi = t
    t = 0.5 * (lo + hi)
    x0 = a * a * y0 / (t + a * a)
    x1 = b * b * y1 / (t + b * b)
    return math.hypot(y0 - x0, y1 - x1)


@jit
def ellipse_hits_disk(m0, m1, c00, c01, c11, d0, d1, radius_m, k2):
    """True when the ellipse ``(p - m)ᵀ C⁻¹ (p - m) <= k2`` meets the disk of ``radius_m`` [m]
    centred at ``d`` (coordinates in metres in one plane). A degenerate (zero) covariance is
    the point ``m``."""
    e0 = d0 - m0
    e1 = d1 - m1
    tr = c00 + c11
    if tr <= 0.0:
        return math.hypot(e0, e1) <= radius_m
    # principal axes of C: eigenvalues l1 >= l2 and the first eigenvector's angle
    half = 0.5 * (c00 - c11)
    root = math.sqrt(half * half + c01 * c01)
    l1 = 0.5 * tr + root
    l2 = max(0.5 * tr - root, 1e-12 * l1)
    theta = 0.5 * math.atan2(2.0 * c01, c00 - c11)
    ct, sn = math.cos(theta), math.sin(theta)
    y0 = ct * e0 + sn * e1
    y1 = -sn * e0 + ct * e1
    a = math.sqrt(k2 * l1)
    b = math.sqrt(k2 * l2)
    if (y0 / a) ** 2 + (y1 / b) ** 2 <= 1.0:
        return True
    return distance_to_ellipse(a, b, y0, y1) <= radius_m
