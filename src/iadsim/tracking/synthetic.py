"""A recorded-style measurement stream for tests and benchmarks: constant-velocity targets
seen by one radar, with seeded Gaussian noise on range, azimuth and elevation.

The same stream feeds the Stone Soup oracle test (tests/validation/test_tracking_stonesoup.py)
and the throughput benchmark (bench/bench_tracker.py), so both compare like with like.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RadarStream:
    """``n`` tracks x ``k`` updates of one radar (states ``[x, y, z, vx, vy, vz]``)."""

    dt_s: np.ndarray  # (n, k) time since the previous update [s]
    z: np.ndarray  # (n, k, 3) range [m], azimuth [rad], elevation [rad]
    truth: np.ndarray  # (n, k, 6) true states at the updates
    x0: np.ndarray  # (n, 6) initial estimates
    P0: np.ndarray  # (6, 6) their covariance
    radar_pos: np.ndarray  # (3,) [m]
    radar_rot: np.ndarray  # (3, 3) radar frame (rows: axes)
    R: np.ndarray  # (3, 3) measurement noise covariance
    q: float  # process noise density [m²/s³]


def rotation(yaw_rad: float, pitch_rad: float) -> np.ndarray:
    """A proper rotation (rows: the radar frame's axes in the world frame)."""
    cy, sy, cp, sp = np.cos(yaw_rad), np.sin(yaw_rad), np.cos(pitch_rad), np.sin(pitch_rad)
    rz = np.array([[cy, sy, 0.0], [-sy, cy, 0.0], [0.0, 0.0, 1.0]])
    ry = np.array([[cp, 0.0, -sp], [0.0, 1.0, 0.0], [sp, 0.0, cp]])
    return ry @ rz


def radar_stream(n_tracks: int = 200, n_updates: int = 20, seed: int = 12) -> RadarStream:
    """Targets 20-120 km from the radar at 100-4,000 m, 50-300 m/s, updated every 1-5 s;
    noise: 25 m in range, 0.2° in azimuth and elevation; process noise density 5 m²/s³."""
    rng = np.random.default_rng(seed)
    pos = np.array([1500.0, -800.0, 30.0])
    rot = rotation(0.3, 0.01)
    sig = np.array([25.0, np.radians(0.2), np.radians(0.2)])
    R = np.diag(sig**2)
    q = 5.0
    dt = rng.uniform(1.0, 5.0, size=(n_tracks, n_updates))
    truth = np.zeros((n_tracks, n_updates, 6))
    z = np.zeros((n_tracks, n_updates, 3))
    x0 = np.zeros((n_tracks, 6))
    for i in range(n_tracks):
        rho = rng.uniform(20e3, 120e3)
        az = rng.uniform(-np.pi, np.pi)
        p = pos + np.array([rho * np.cos(az), rho * np.sin(az), rng.uniform(100.0, 4000.0)])
        heading = rng.uniform(-np.pi, np.pi)
        speed = rng.uniform(50.0, 300.0)
        v = np.array([speed * np.cos(heading), speed * np.sin(heading), rng.normal(0, 5)])
        x = np.concatenate([p, v])
        x0[i] = x + rng.normal(0.0, [100, 100, 100, 20, 20, 5])
        for k in range(n_updates):
            h = dt[i, k]
            Fq = np.eye(6)
            Fq[:3, 3:] = np.eye(3) * h
            Q = np.zeros((6, 6))
            Q[:3, :3] = np.eye(3) * q * h**3 / 3
            Q[:3, 3:] = Q[3:, :3] = np.eye(3) * q * h**2 / 2
            Q[3:, 3:] = np.eye(3) * q * h
            x = Fq @ x + rng.multivariate_normal(np.zeros(6), Q)
            truth[i, k] = x
            d = rot @ (x[:3] - pos)
            r = np.linalg.norm(d)
            clean = np.array([r, np.arctan2(d[1], d[0]), np.arcsin(d[2] / r)])
            z[i, k] = clean + rng.normal(0.0, sig)
    P0 = np.diag([100.0**2] * 3 + [20.0**2, 20.0**2, 5.0**2])
    return RadarStream(dt, z, truth, x0, P0, pos, rot, R, q)
