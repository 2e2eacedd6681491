"""The radar filter's covariance stays a covariance over a long track: symmetric and positive
definite. Without the symmetrisation in ``kalman._gain_update`` a low drone tracked for
hours at 55 km, in batches of a few plots (the April-2024-scale geometry where it was found),
grew an asymmetry ~100x per update until the covariance lost positive definiteness and the
track diverged (velocity estimates of tens of km/s)."""

from __future__ import annotations

import math

import numpy as np

from iadsim.tracking.batch import batch_update
from iadsim.tracking.kalman import cv_predict, radar_measure, radar_plot_to_state


def _frame():
    # a radar's (north, east, up) frame as rows, at the origin
    return np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])


def test_covariance_stays_symmetric_and_positive_definite_over_a_long_low_track():
    rng = np.random.default_rng(20240413)
    M, pos = _frame(), np.zeros(3)
    R = np.diag([15.0**2, 0.87e-3**2, 0.87e-3**2])  # range [m], azimuth, elevation [rad]
    dt = 2.0  # the scenario's step [s]
    # a drone at 50 m/s, 55 km out, 100 m below the radar's horizontal plane
    p0 = np.array([55_000.0 * math.sin(1.06), 55_000.0 * math.cos(1.06), -100.0])
    v = np.array([-30.0, 40.0, 0.0])
    w = np.zeros((8, 6, 6))
    x, P = np.zeros(6), np.zeros((6, 6))
    hz, H = np.zeros(3), np.zeros((3, 6))
    radar_measure(p0, pos, M, hz, H)
    radar_plot_to_state(hz + rng.normal(size=3) * np.sqrt(np.diag(R)), pos, M, R, 1500.0, x, P)
    t_track = 0.0
    worst_asym = 0.0
    for b in range(1, 1500):  # ~8 h of batches of 5 plots a step apart, every 10 s
        tau = np.arange(5.0)
        tm = 5.0 * b + tau.mean()  # steps
        cv_predict(x, P, (tm - t_track) * dt, 10.0, w)
        t_track = tm
        truth = p0 + v * tm * dt
        z, zdot = np.zeros(3), np.zeros(3)
        radar_measure(truth, pos, M, z, H)
        zdot[:] = H[:, :3] @ v
        n, stt = 5.0, float(((tau - tau.mean()) ** 2).sum())
        e = rng.normal(size=(5, 3)) * np.sqrt(np.diag(R))
        z += e.mean(axis=0)
        zdot += ((tau - tau.mean())[:, None] * e).sum(axis=0) / (stt * dt)
        batch_update(x, P, z, zdot, n, stt * dt * dt, pos, M, R, w)
        d = np.sqrt(np.abs(np.diag(P)))
        worst_asym = max(worst_asym, float(np.max(np.abs(P - P.T) / np.outer(d, d))))
        assert np.all(np.linalg.eigvalsh(0.5 * (P + P.T)) > 0.0), f"lost PD at batch {b}"
    assert worst_asym == 0.0
    # and the track is a track: the estimate near the truth, the speed near 50 m/s
    truth = p0 + v * t_track * dt
    assert np.linalg.norm(x[:3] - truth) < 500.0
    assert abs(np.linalg.norm(x[3:]) - 50.0) < 10.0
