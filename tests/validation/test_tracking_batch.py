"""A batch of plots as one equivalent measurement (iadsim.tracking.batch; the engine's tracker
applies plots this way, docs/models/tracking.md "Plots in batches").

Oracle: the radar EKF run plot by plot (itself checked against Stone Soup in
test_tracking_stonesoup.py). Without process noise over the batch, the straight-line fit of
n plots carries the same information about a straight-line motion as the plots, so one batch
update must give the sequential filter's covariance and, on the same noisy plots, its estimate
(to the linearisation of the polar coordinates over the batch).
"""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.tracking.batch import batch_update
from iadsim.tracking.kalman import cv_predict, ekf_radar_update, radar_measure

R = np.diag([10.0**2, np.radians(0.2) ** 2, np.radians(0.2) ** 2])
M = np.eye(3)  # the radar's axes: north, east, up = x, y, z
POS = np.zeros(3)
TAU = np.arange(11.0)  # 11 plots, 1 s apart


def _truth(tau):
    p0 = np.array([40e3, 10e3, 8e3])
    v = np.array([-300.0, 50.0, -20.0])
    return p0 + np.outer(tau, v), v


def _measure(p, v=None):
    """Range, azimuth, elevation of ``p`` and their rates for the velocity ``v``."""
    hz, H = np.zeros(3), np.zeros((3, 6))
    radar_measure(np.concatenate([p, np.zeros(3)]), POS, M, hz, H)
    return hz, H[:, :3] @ (np.zeros(3) if v is None else v)


def _prior():
    p, v = _truth(np.zeros(1))
    x = np.concatenate([p[0] + np.array([300.0, -200.0, 100.0]), v + np.array([40.0, -30.0, 10.0])])
    P = np.diag([500.0**2] * 3 + [100.0**2] * 3)
    return x, P


def _sequential(z):
    x, P = _prior()
    w = np.zeros((8, 6, 6))
    t = 0.0
    for tau, zi in zip(TAU, z, strict=True):
        cv_predict(x, P, tau - t, 0.0, w)
        ekf_radar_update(x, P, zi, POS, M, R, w)
        t = tau
    cv_predict(x, P, TAU.mean() - t, 0.0, w)  # to the batch's mean time
    return x, P


def _batch(e):
    """As the engine builds a batch: the truth's value and rate at the mean time plus the
    straight-line fit of the plots' noises ``e``."""
    x, P = _prior()
    w = np.zeros((8, 6, 6))
    tm = TAU.mean()
    cv_predict(x, P, tm, 0.0, w)
    p, v = _truth(np.array([tm]))
    value, rate = _measure(p[0], v)
    slope, mean = np.polyfit(TAU - tm, e, 1)  # per coordinate: the noise's rate and value
    stt = float(((TAU - tm) ** 2).sum())
    batch_update(x, P, value + mean, rate + slope, float(len(TAU)), stt, POS, M, R, w)
    return x, P


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_batch_update_equals_the_plot_by_plot_filter(seed):
    p, _ = _truth(TAU)
    rng = np.random.default_rng(seed)
    e = rng.normal(size=(len(TAU), 3)) * np.sqrt(np.diag(R))
    x_seq, P_seq = _sequential(np.array([_measure(pi)[0] for pi in p]) + e)
    x_bat, P_bat = _batch(e)
    sd_seq = np.sqrt(np.diag(P_seq))
    # the same information: standard deviations within 3 %, correlations within 0.06 (the
    # velocity from the fitted rates also turns with the fitted angles, a correlation of order
    # range rate x angle noise / velocity noise that the two independent updates leave out)
    np.testing.assert_allclose(np.sqrt(np.diag(P_bat)), sd_seq, rtol=0.03)
    corr = P_bat / np.outer(sd_seq, sd_seq) - P_seq / np.outer(sd_seq, sd_seq)
    assert np.abs(corr).max() < 0.06
    # the same data: the estimates agree to a fraction of their standard deviation (the
    # sequential filter linearises at each estimate, the batch once, with the radar's axes
    # turning 2 degrees over the batch)
    assert np.all(np.abs(x_bat - x_seq) < 0.25 * sd_seq), (x_bat - x_seq) / sd_seq
    # and the batch did learn: far sharper than the prior
    assert np.all(np.sqrt(np.diag(P_bat))[3:] < 0.5 * 100.0)


def test_a_batch_of_one_plot_is_one_plot():
    p, _ = _truth(TAU[:1])
    z = _measure(p[0])[0] + np.array([7.0, 1e-3, -2e-3])
    x1, P1 = _prior()
    w = np.zeros((8, 6, 6))
    ekf_radar_update(x1, P1, z, POS, M, R, w)
    x2, P2 = _prior()
    batch_update(x2, P2, z.copy(), np.zeros(3), 1.0, 0.0, POS, M, R, w)
    np.testing.assert_allclose(x2, x1, rtol=0, atol=1e-9)
    np.testing.assert_allclose(P2, P1, rtol=1e-12, atol=1e-9)
