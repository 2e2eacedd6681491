"""The filters' statistics and the impact prediction against independent oracles.

- NEES (normalised estimation error squared) over 1,000 Monte Carlo runs inside its
  chi-square bounds, for the constant-velocity radar EKF and for the ballistic EKF
  (Bar-Shalom, Li & Kirubarajan 2001, sec. 5.4.2: the sum of N NEES of a consistent filter is
  chi-square with N·n degrees of freedom);
- the impact point of an exact state against scipy's ``solve_ivp`` with a ground event;
- the impact covariance against the spread of 2,000 sampled states' impacts;
- the impact-point error shrinking as the threat descends, on average over 200 runs;
- the ellipse/footprint test against a brute-force search over the disk.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.stats import chi2

from iadsim.constants import MU_EARTH_M3_S2, R_EARTH_M
from iadsim.tracking import ballistic, footprint, kalman

RUNS = 1000


def _nees_bounds(n_runs: int, dof: int, alpha: float = 1e-3) -> tuple[float, float]:
    lo, hi = chi2.ppf([alpha / 2, 1 - alpha / 2], n_runs * dof)
    return lo / n_runs, hi / n_runs


def _enu_rows(lat: float, lon: float) -> np.ndarray:
    sl, cl, so, co = math.sin(lat), math.cos(lat), math.sin(lon), math.cos(lon)
    north = [-sl * co, -sl * so, cl]
    east = [-so, co, 0.0]
    up = [cl * co, cl * so, sl]
    return np.array([north, east, up])


def _q_matrix(h: float, q: float) -> np.ndarray:
    Q = np.zeros((6, 6))
    kalman.cv_noise(h, q, Q)
    return Q


def _nees(x, P, truth) -> float:
    e = x - truth
    return float(e @ np.linalg.solve(P, e))


def test_cv_radar_ekf_nees_within_chi_square_bounds():
    rng = np.random.default_rng(2024)
    pos = np.zeros(3)
    M = np.eye(3)
    sig = np.array([20.0, 2e-3, 2e-3])
    R = np.diag(sig**2)
    q, h, n_up = 2.0, 2.0, 20
    Q = _q_matrix(h, q)
    L = np.linalg.cholesky(Q + 1e-12 * np.eye(6))
    P0 = np.diag([200.0**2] * 3 + [30.0**2] * 3)
    L0 = np.linalg.cholesky(P0)
    F = np.eye(6)
    F[:3, 3:] = np.eye(3) * h
    w = kalman.new_workspace()
    total = 0.0
    for _ in range(RUNS):
        truth = np.array([40e3, 25e3, 3e3, -150.0, 80.0, 0.0])
        x = truth + L0 @ rng.standard_normal(6)
        P = P0.copy()
        for _ in range(n_up):
            truth = F @ truth + L @ rng.standard_normal(6)
            d = truth[:3] - pos
            r = np.linalg.norm(d)
            z = np.array([r, math.atan2(d[1], d[0]), math.asin(d[2] / r)])
            z += sig * rng.standard_normal(3)
            kalman.cv_predict(x, P, h, q, w)
            kalman.ekf_radar_update(x, P, z, pos, M, R, w)
        total += _nees(x, P, truth)
    lo, hi = _nees_bounds(RUNS, 6)
    assert lo <= total / RUNS <= hi, (total / RUNS, lo, hi)


def _ballistic_start(rng=None) -> np.ndarray:
    """A re-entering missile at 60 km, 1.6 km/s down-range and 0.9 km/s down, over 33.8 N."""
    lat, lon = math.radians(33.8), math.radians(42.4)
    rows = _enu_rows(lat, lon)
    north, east, up = rows
    p = (R_EARTH_M + 60e3) * up - 60e3 * north
    v = 1600.0 * north - 900.0 * up + 50.0 * east
    return np.concatenate([p, v])


def test_ballistic_ekf_nees_within_chi_square_bounds():
    rng = np.random.default_rng(7)
    lat, lon = math.radians(33.8), math.radians(42.4)
    M = _enu_rows(lat, lon)
    pos = R_EARTH_M * M[2] + 20e3 * M[0]  # radar on the ground, 20 km north of the track
    sig = np.array([30.0, 1.5e-3, 1.5e-3])
    R = np.diag(sig**2)
    q, h, n_up = 1.0, 2.0, 15
    L = np.linalg.cholesky(_q_matrix(h, q) + 1e-12 * np.eye(6))
    P0 = np.diag([300.0**2] * 3 + [60.0**2] * 3)
    L0 = np.linalg.cholesky(P0)
    w = np.zeros((6, 6, 6))
    k = np.zeros((6, 6))
    total = 0.0
    for _ in range(RUNS):
        truth = _ballistic_start()
        x = truth + L0 @ rng.standard_normal(6)
        P = P0.copy()
        for _ in range(n_up):
            ballistic.rk4_step(truth, h, k)
            truth = truth + L @ rng.standard_normal(6)
            d = M @ (truth[:3] - pos)
            r = np.linalg.norm(d)
            z = np.array([r, math.atan2(d[1], d[0]), math.asin(d[2] / r)])
            z += sig * rng.standard_normal(3)
            ballistic.ballistic_predict(x, P, h, q, w)
            kalman.ekf_radar_update(x, P, z, pos, M, R, w)
        total += _nees(x, P, truth)
    lo, hi = _nees_bounds(RUNS, 6)
    assert lo <= total / RUNS <= hi, (total / RUNS, lo, hi)


def _solve_ivp_impact(x0: np.ndarray) -> np.ndarray:
    def f(_, s):
        r = s[:3]
        return np.concatenate([s[3:], -MU_EARTH_M3_S2 * r / np.linalg.norm(r) ** 3])

    def ground(_, s):
        return np.linalg.norm(s[:3]) - R_EARTH_M

    ground.terminal, ground.direction = True, -1
    sol = solve_ivp(f, (0, 2000), x0, events=ground, rtol=1e-12, atol=1e-6, method="DOP853")
    return sol.y_events[0][0][:3]


def test_impact_point_matches_solve_ivp():
    w = np.zeros((6, 6, 6))
    for dz in (-900.0, -300.0, 200.0):  # descending, shallow, still climbing
        x = _ballistic_start()
        up = x[:3] / np.linalg.norm(x[:3])
        x[3:] += (dz + 900.0) * up
        pt, cov = np.zeros(3), np.zeros((3, 3))
        t = ballistic.predict_impact(x, np.eye(6), R_EARTH_M, w, pt, cov)
        assert t > 0
        assert abs(np.linalg.norm(pt) - R_EARTH_M) < 1e-3
        assert np.linalg.norm(pt - _solve_ivp_impact(x)) < 1.0


def test_impact_covariance_matches_sampled_impacts():
    rng = np.random.default_rng(11)
    x = _ballistic_start()
    P = np.diag([80.0**2] * 3 + [6.0**2] * 3)
    w = np.zeros((6, 6, 6))
    pt, cov = np.zeros(3), np.zeros((3, 3))
    ballistic.predict_impact(x, P, R_EARTH_M, w, pt, cov)
    samples = rng.multivariate_normal(x, P, size=2000)
    hits = np.empty((2000, 3))
    dummy = np.zeros((3, 3))
    for i, s in enumerate(samples):
        ballistic.predict_impact(s, np.zeros((6, 6)), R_EARTH_M, w, hits[i], dummy)
    emp = np.cov(hits.T)
    # compare in the ground plane's two large directions (the radial spread is ~0)
    ev, vec = np.linalg.eigh(cov)
    for k in (1, 2):
        v = vec[:, k]
        assert v @ emp @ v == pytest.approx(ev[k], rel=0.1)
    assert np.linalg.norm(hits.mean(axis=0) - pt) < 0.1 * math.sqrt(ev[2])


def test_impact_error_shrinks_as_the_threat_descends():
    rng = np.random.default_rng(3)
    lat, lon = math.radians(33.8), math.radians(42.4)
    M = _enu_rows(lat, lon)
    pos = R_EARTH_M * M[2] + 25e3 * M[0]
    sig = np.array([30.0, 1.5e-3, 1.5e-3])
    R = np.diag(sig**2)
    q, h = 1.0, 2.0
    true_impact = _solve_ivp_impact(_ballistic_start())
    w = np.zeros((6, 6, 6))
    k = np.zeros((6, 6))
    errors = []
    for _ in range(200):
        truth = _ballistic_start()
        x = truth + rng.normal(0.0, [500.0] * 3 + [100.0] * 3)
        P = np.diag([500.0**2] * 3 + [100.0**2] * 3)
        run = []
        while np.linalg.norm(truth[:3]) - R_EARTH_M > 3e3:
            ballistic.rk4_step(truth, h, k)
            d = M @ (truth[:3] - pos)
            r = np.linalg.norm(d)
            z = np.array([r, math.atan2(d[1], d[0]), math.asin(d[2] / r)])
            z += sig * rng.standard_normal(3)
            ballistic.ballistic_predict(x, P, h, q, w)
            kalman.ekf_radar_update(x, P, z, pos, M, R, w)
            pt, cov = np.zeros(3), np.zeros((3, 3))
            ballistic.predict_impact(x, P, R_EARTH_M, w, pt, cov)
            run.append(np.linalg.norm(pt - true_impact))
        errors.append(run)
    n = min(len(r) for r in errors)
    err = np.array([r[:n] for r in errors]).mean(axis=0)
    quarters = [err[i * n // 4 : (i + 1) * n // 4].mean() for i in range(4)]
    assert all(a > b for a, b in itertools.pairwise(quarters)), quarters
    assert quarters[-1] < 0.5 * quarters[0]


def test_ellipse_against_disk_matches_brute_force():
    rng = np.random.default_rng(1)
    k2 = footprint.ellipse_k2(0.9)
    disagree = 0
    checked = 0
    for _ in range(200):
        m = rng.normal(0.0, 2000.0, 2)
        a = rng.normal(0.0, 1.0, (2, 2))
        C = a @ a.T * rng.uniform(1e4, 1e6) + np.eye(2) * 1.0
        d = rng.normal(0.0, 2000.0, 2)
        radius = rng.uniform(100.0, 1500.0)
        got = footprint.ellipse_hits_disk(
            m[0], m[1], C[0, 0], C[0, 1], C[1, 1], d[0], d[1], radius, k2
        )
        # brute force: the smallest Mahalanobis distance over a dense polar grid of the disk
        rr = np.sqrt(np.linspace(0.0, 1.0, 120))[:, None] * radius
        th = np.linspace(0.0, 2 * np.pi, 480, endpoint=False)[None, :]
        pts = np.stack([d[0] + rr * np.cos(th), d[1] + rr * np.sin(th)], axis=-1).reshape(-1, 2)
        e = pts - m
        mah = np.einsum("ij,jk,ik->i", e, np.linalg.inv(C), e).min()
        if abs(mah - k2) < 0.02 * k2:
            continue  # on the boundary the grid cannot decide
        checked += 1
        disagree += got != (mah <= k2)
    assert checked > 150
    assert disagree == 0
    # a zero covariance is the point itself
    assert footprint.ellipse_hits_disk(0.0, 0.0, 0.0, 0.0, 0.0, 400.0, 0.0, 500.0, k2)
    assert not footprint.ellipse_hits_disk(0.0, 0.0, 0.0, 0.0, 0.0, 600.0, 0.0, 500.0, k2)
