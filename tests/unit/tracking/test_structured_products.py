"""The filter's shortcuts that leave out products with F's and H's zeros and ones must give
the full products' values bit for bit (the engine's results with estimated tracks rest on it):
:func:`cv_predict` against :func:`kf_predict` with the full F and Q, and
:func:`kf_update_block` against :func:`kf_update` with the full 3 x 6 H."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.tracking import kalman


def _spd(rng, n=6):
    a = rng.normal(size=(n, n)) * rng.uniform(0.1, 300.0, size=n)
    return a @ a.T + np.eye(n)


@pytest.mark.parametrize("seed", range(20))
def test_cv_predict_is_the_full_product_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=6) * [5e4, 5e4, 3e3, 300, 300, 50]
    P = _spd(rng)
    dt = float(rng.choice([0.0, 0.5, 1.0, 3.7, 10.0, 61.3]))
    q = float(rng.choice([0.0, 1.0, 10.0, 250.0]))
    w = np.zeros((4, 6, 6))
    x_full, P_full = x.copy(), P.copy()
    kalman.cv_transition(dt, w[2])
    kalman.cv_noise(dt, q, w[3])
    kalman.kf_predict(x_full, P_full, w[2], w[3], w)
    x_fast, P_fast = x.copy(), P.copy()
    kalman.cv_predict(x_fast, P_fast, dt, q, np.zeros((4, 6, 6)))
    assert np.array_equal(x_fast, x_full)
    assert np.array_equal(P_fast, P_full)


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("c0", [0, 3])
def test_block_update_is_the_full_update_bit_for_bit(seed, c0):
    rng = np.random.default_rng(100 + seed)
    x = rng.normal(size=6) * 1e3
    P = _spd(rng)
    Hb = np.eye(3) if seed % 2 else rng.normal(size=(3, 3)) * 1e-3
    H = np.zeros((3, 6))
    H[:, c0 : c0 + 3] = Hb
    R = _spd(rng, 3)
    y = rng.normal(size=3) * 10.0
    x_full, P_full = x.copy(), P.copy()
    nis_full = kalman.kf_update(x_full, P_full, y, H, R, np.zeros((4, 6, 6)))
    x_fast, P_fast = x.copy(), P.copy()
    nis_fast = kalman.kf_update_block(x_fast, P_fast, y, Hb, c0, R, np.zeros((4, 6, 6)))
    assert nis_fast == nis_full
    assert np.array_equal(x_fast, x_full)
    assert np.array_equal(P_fast, P_full)
    # and it is an update: the covariance shrank where the measurement looks
    assert np.trace(P_fast[c0 : c0 + 3, c0 : c0 + 3]) < np.trace(P[c0 : c0 + 3, c0 : c0 + 3])
