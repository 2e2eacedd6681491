"""Radar physics against independent oracles: numerical integration, vector geometry, and
published values."""

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from iadsim.constants import K_FACTOR_STANDARD, R_EARTH_M
from iadsim.sensors.radar import (
    albersheim_snr,
    elevation_angle_deg,
    horizon_range_m,
    min_visible_height_m,
    pd_swerling1,
    slant_range_m,
)

A_M = K_FACTOR_STANDARD * R_EARTH_M


# --------------------------------------------------------------------------------------------
# (1) Swerling 1 Pd: average the non-fluctuating (Marcum Q) Pd over an exponential RCS
# --------------------------------------------------------------------------------------------


def _pd_nonfluctuating(snr, pfa):
    """Single-pulse square-law Pd of a steady target: 2|y|^2/σ^2 is noncentral chi-square, 2 dof."""
    threshold = -np.log(pfa)  # P(|y|^2/σ^2 > T | noise) = exp(-T)
    return stats.ncx2.sf(2.0 * threshold, 2, 2.0 * snr)


def _pd_swerling1_oracle(snr, pfa):
    """Swerling 1: the target's power is snr * x with x ~ Exp(1), independent per scan."""
    value, _ = integrate.quad(
        lambda x: _pd_nonfluctuating(snr * x, pfa) * np.exp(-x),
        0.0,
        np.inf,
        epsabs=1e-12,
        epsrel=1e-10,
    )
    return value


@pytest.mark.parametrize("pfa", [1e-8, 1e-6, 1e-4, 1e-2])
@pytest.mark.parametrize("snr", [0.5, 3.0, 20.0, 130.0, 1000.0])
def test_swerling1_matches_marcum_q_average(snr, pfa):
    assert pd_swerling1(snr, pfa) == pytest.approx(_pd_swerling1_oracle(snr, pfa), abs=1e-6)


def test_oracle_reproduces_published_nonfluctuating_snr():
    # Square-law detector, Pd 0.9, Pfa 1e-6, one pulse: 13.18 dB (sdr.min_snr documentation,
    # https://mhostetter.github.io/sdr/latest/api/sdr.min_snr). Checks the oracle itself.
    snr = optimize.brentq(lambda s: _pd_nonfluctuating(s, 1e-6) - 0.9, 1.0, 100.0)
    assert 10 * np.log10(snr) == pytest.approx(13.18, abs=0.01)


# --------------------------------------------------------------------------------------------
# (2) Radar horizon
# --------------------------------------------------------------------------------------------


def test_horizon_10m_mast_100m_target():
    # Skolnik (2001), Introduction to Radar Systems, sec. 8.2: d ≈ 4.12 (√h1 + √h2) km -> 4.12 (3.162 + 10) = 54.2 km.
    rule_m = 4.12e3 * (np.sqrt(10.0) + np.sqrt(100.0))
    assert horizon_range_m(10.0, 100.0) == pytest.approx(rule_m, rel=0.005)
    assert horizon_range_m(10.0, 100.0) == pytest.approx(54e3, rel=0.005)


def test_horizon_rule_of_thumb_over_a_grid():
    h = np.array([0.0, 1.0, 5.0, 10.0, 30.0, 100.0, 1000.0, 10_000.0])
    h_r, h_t = np.meshgrid(h[1:], h)
    rule_m = 4.12e3 * (np.sqrt(h_r) + np.sqrt(h_t))
    np.testing.assert_allclose(horizon_range_m(h_r, h_t), rule_m, rtol=0.005)


def test_horizon_is_tangent_distance_on_the_sphere():
    # The exact horizon arc from height h on a sphere of radius a is a acos(a / (a + h)); the
    # parabolic sqrt(2 a h) differs by a relative 5h / (12a), under 1e-4 below 2 km.
    for h in (10.0, 100.0, 1000.0):
        exact_arc = A_M * np.arccos(A_M / (A_M + h))
        assert horizon_range_m(h, 0.0) == pytest.approx(exact_arc, rel=1e-4)


# --------------------------------------------------------------------------------------------
# (3) Minimum visible height: the line of sight to it grazes the earth
# --------------------------------------------------------------------------------------------


def _clearance_parabolic_m(r, h_r, h_t, n=400_001):
    """Brute force in the curvature-corrected flat frame of the terrain tables: ground at
    z = -s^2 / (2a); the minimum over the sight line of its height above that ground."""
    s = np.linspace(0.0, r, n)
    line = h_r + (h_t - r * r / (2 * A_M) - h_r) * s / r
    return np.min(line + s * s / (2 * A_M))


def _clearance_sphere_m(r, h_r, h_t):
    """On the k R sphere with vectors: the straight segment radar -> target, its closest
    approach to the centre of the earth, minus the radius."""
    theta = r / A_M
    p0 = np.array([0.0, A_M + h_r])
    p1 = (A_M + h_t) * np.array([np.sin(theta), np.cos(theta)])
    d = p1 - p0
    u = np.clip(-(p0 @ d) / (d @ d), 0.0, 1.0)
    return np.linalg.norm(p0 + u * d) - A_M


@pytest.mark.parametrize("h_r", [5.0, 10.0, 30.0, 100.0])
def test_min_visible_height_grazes_in_the_parabolic_earth(h_r):
    own_horizon = horizon_range_m(h_r, 0.0)
    for r in np.linspace(own_horizon + 2e3, 400e3, 8):
        h = float(min_visible_height_m(r, h_r))
        assert abs(_clearance_parabolic_m(r, h_r, h)) < 0.01
        assert _clearance_parabolic_m(r, h_r, h + 1.0) > 0.0
        assert _clearance_parabolic_m(r, h_r, h - 1.0) < 0.0


@pytest.mark.parametrize("h_r", [5.0, 10.0, 30.0, 100.0])
def test_min_visible_height_on_the_exact_sphere(h_r):
    # The parabolic form is a small-angle approximation of the sphere. It is within 1 cm out to
    # 60 km, decides visible/blocked at +-1 m out to 200 km, and stays within 0.1% of the
    # height out to 400 km (8 m at 400 km, where the shadow is ~9 km deep).
    own_horizon = horizon_range_m(h_r, 0.0)
    for r in np.linspace(own_horizon + 1e3, 400e3, 12):
        h = float(min_visible_height_m(r, h_r))
        clearance = _clearance_sphere_m(r, h_r, h)
        assert clearance <= 0.0  # the parabolic shadow is never deeper than the exact one
        assert abs(clearance) < 1e-3 * h + 1e-3
        if r <= 60e3:
            assert abs(clearance) < 0.01
        if r <= 200e3:
            assert _clearance_sphere_m(r, h_r, h + 1.0) > 0.0
            assert _clearance_sphere_m(r, h_r, h - 1.0) < 0.0


# --------------------------------------------------------------------------------------------
# (4) Elevation angle and slant range: ECEF / ENU on a sphere of radius k R
# --------------------------------------------------------------------------------------------


def _enu_oracle(lat_deg, lon_deg, bearing_deg, ground_range_m, h_r, h_t):
    lat, lon, az = np.radians([lat_deg, lon_deg, bearing_deg])
    up = np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    east = np.array([-np.sin(lon), np.cos(lon), 0.0])
    north = np.cross(up, east)
    theta = ground_range_m / A_M
    direction = np.cos(az) * north + np.sin(az) * east
    target_up = np.cos(theta) * up + np.sin(theta) * direction
    radar = (A_M + h_r) * up
    target = (A_M + h_t) * target_up
    d = target - radar
    e, n, u = d @ east, d @ north, d @ up
    return np.degrees(np.arctan2(u, np.hypot(e, n))), np.linalg.norm(d)


def test_elevation_and_slant_range_against_enu_vectors():
    rng = np.random.default_rng(7)
    for _ in range(200):
        lat, lon, bearing = rng.uniform(-80, 80), rng.uniform(-180, 180), rng.uniform(0, 360)
        r = rng.uniform(100.0, 600e3)
        h_r = rng.uniform(0.0, 50.0)
        h_t = rng.choice(
            [rng.uniform(0.0, 200.0), rng.uniform(0.0, 30e3), rng.uniform(30e3, 300e3)]
        )
        el_oracle, rho_oracle = _enu_oracle(lat, lon, bearing, r, h_r, h_t)
        assert elevation_angle_deg(r, h_r, h_t) == pytest.approx(el_oracle, abs=1e-7)
        assert slant_range_m(r, h_r, h_t) == pytest.approx(rho_oracle, rel=1e-9)


# --------------------------------------------------------------------------------------------
# (5) Albersheim
# --------------------------------------------------------------------------------------------


def test_albersheim_matlab_value():
    # MATLAB albersheim(0.9, 1e-6) = 13.1 dB (Phased Array System Toolbox, one pulse).
    assert 10 * np.log10(albersheim_snr(0.9, 1e-6)) == pytest.approx(13.1, abs=0.1)


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("pfa", [1e-7, 1e-6, 1e-4, 1e-3])
@pytest.mark.parametrize("pd", [0.5, 0.7, 0.9])
def test_albersheim_against_exact_noncoherent_detector(pd, pfa, n):
    # Exact square-law detector of N pulses of a steady target (chi-square / noncentral
    # chi-square with 2N dof). Albersheim (a linear detector) is within 0.2 dB here; at
    # Pd = 0.1 and high Pfa it is several dB optimistic (see docs/models/detection.md).
    threshold = stats.chi2.isf(pfa, 2 * n)
    snr = optimize.brentq(lambda s: stats.ncx2.sf(threshold, 2 * n, 2 * n * s) - pd, 1e-3, 1e3)
    assert 10 * np.log10(albersheim_snr(pd, pfa, n)) == pytest.approx(10 * np.log10(snr), abs=0.2)
