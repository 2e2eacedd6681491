"""The OSPA distance between two finite point sets (estimated tracks against the truth).

For sets X (m points) and Y (n points, m <= n), cut-off ``c`` and order ``p``:
``d = ((min_π Σᵢ min(c, |xᵢ - y_π(i)|)ᵖ + cᵖ (n - m)) / n)^(1/p)``, the minimum over the
assignments π of X into Y (Schuhmacher, Vo & Vo 2008), found with scipy's
``linear_sum_assignment`` on the cut-off distances raised to ``p``.

References
----------
.. [1] Schuhmacher, Vo & Vo (2008), A consistent metric for performance evaluation of
   multi-object filters, IEEE Trans. Signal Processing 56(8), 3447-3457.
"""

from __future__ import annotations

import numpy as np


def ospa_distance(x: np.ndarray, y: np.ndarray, c: float, p: float = 1.0) -> float:
    """OSPA distance between the point sets ``x`` (m, d) and ``y`` (n, d). [units of x]

    Parameters
    ----------
    x, y : array_like
        Points, one per row. [m]
    c : float
        Cut-off: the most a point's error or a missing point can cost. [m]
    p : float
        Order (>= 1).

    Returns
    -------
    float
        0 for two empty sets.
    """
    from scipy.optimize import linear_sum_assignment

    x = np.asarray(x, dtype=float).reshape(-1, np.shape(y)[-1] if np.size(y) else 3)
    y = np.asarray(y, dtype=float).reshape(-1, x.shape[1])
    m, n = x.shape[0], y.shape[0]
    if m == 0 and n == 0:
        return 0.0
    if m > n:
        x, y, m, n = y, x, n, m
    if m == 0:
        return float(c)
    d = np.minimum(np.linalg.norm(x[:, None, :] - y[None, :, :], axis=2), c) ** p
    rows, cols = linear_sum_assignment(d)
    total = d[rows, cols].sum() + c**p * (n - m)
    return float((total / n) ** (1.0 / p))
