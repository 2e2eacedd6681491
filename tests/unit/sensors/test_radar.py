import numpy as np
import pytest

from iadsim.constants import K_FACTOR_STANDARD, R_EARTH_M
from iadsim.sensors.radar import (
    albersheim_snr,
    detection_probability,
    elevation_angle_deg,
    horizon_range_m,
    min_visible_height_m,
    pd_albersheim,
    pd_swerling1,
    slant_range_m,
    snr_at_range,
    snr_from_pd_swerling1,
)

A_M = K_FACTOR_STANDARD * R_EARTH_M


# --------------------------------------------------------------------------------------------
# Detection
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ref_pd", [0.5, 0.8, 0.9, 0.99])
@pytest.mark.parametrize("pfa", [1e-8, 1e-6, 1e-4])
def test_reference_point_reproduces_ref_pd(ref_pd, pfa):
    pd = detection_probability(150e3, 2.0, 150e3, 2.0, ref_pd, pfa)
    assert pd == pytest.approx(ref_pd, rel=1e-12)


def test_swerling1_snr_and_pd_are_inverse():
    pfa = np.array([1e-8, 1e-6, 1e-4, 1e-2])[:, None]
    pd = np.array([0.1, 0.5, 0.9, 0.999])[None, :]
    pd = np.maximum(pd, pfa)
    snr = snr_from_pd_swerling1(pd, pfa)
    assert snr.shape == (4, 4)
    np.testing.assert_allclose(pd_swerling1(snr, pfa), pd, rtol=1e-12)


def test_swerling1_known_value():
    # Pd = 0.9 at Pfa = 1e-6 needs SNR = ln(1e-6)/ln(0.9) - 1 = 130.13 (21.14 dB), the
    # familiar ~8 dB fluctuation loss over the non-fluctuating 13.2 dB (Richards, ch. 6).
    snr = snr_from_pd_swerling1(0.9, 1e-6)
    assert 10 * np.log10(snr) == pytest.approx(21.144, abs=1e-3)


def test_swerling1_domain_edges():
    assert snr_from_pd_swerling1(1e-6, 1e-6) == pytest.approx(0.0, abs=1e-12)
    assert snr_from_pd_swerling1(1.0, 1e-6) == np.inf
    assert np.isnan(snr_from_pd_swerling1(1e-7, 1e-6))
    assert pd_swerling1(0.0, 1e-6) == pytest.approx(1e-6)
    assert pd_swerling1(np.inf, 1e-6) == 1.0


def test_snr_falls_12_db_when_range_doubles():
    snr1 = snr_at_range(50e3, 1.0, 100e3, 1.0, 20.0)
    snr2 = snr_at_range(100e3, 1.0, 100e3, 1.0, 20.0)
    assert 10 * np.log10(snr1 / snr2) == pytest.approx(40 * np.log10(2), abs=1e-12)
    assert 10 * np.log10(snr1 / snr2) == pytest.approx(12.04, abs=0.005)


def test_snr_scales_linearly_with_rcs():
    assert snr_at_range(80e3, 5.0, 80e3, 1.0, 13.0) == pytest.approx(65.0)
    assert snr_at_range(0.0, 1.0, 80e3, 1.0, 13.0) == np.inf


def test_pd_monotone_decreasing_with_range():
    r = np.linspace(1e3, 600e3, 2000)
    pd = detection_probability(r, 0.1, 250e3, 1.0, 0.8, 1e-6)
    assert pd.shape == r.shape
    assert np.all(np.diff(pd) < 0)
    assert pd[0] > 0.999 and pd[-1] < 0.2


def test_pd_increases_with_rcs():
    rcs = np.logspace(-3, 2, 50)
    pd = detection_probability(200e3, rcs, 250e3, 1.0, 0.8, 1e-6)
    assert np.all(np.diff(pd) > 0)


def test_scalar_and_array_inputs():
    scalar = detection_probability(120e3, 0.5, 150e3, 1.0, 0.9, 1e-6)
    assert np.ndim(scalar) == 0 and isinstance(float(scalar), float)
    arr = detection_probability(np.array([120e3, 200e3]), 0.5, 150e3, 1.0, 0.9, 1e-6)
    assert arr.shape == (2,)
    assert arr[0] == pytest.approx(scalar, rel=1e-15)
    # Broadcasting: ranges (3,1) x RCS (1,4).
    grid = detection_probability(
        np.array([[50e3], [100e3], [200e3]]),
        np.array([[0.01, 0.1, 1.0, 10.0]]),
        150e3,
        1.0,
        0.9,
        1e-6,
    )
    assert grid.shape == (3, 4)
    for fn, args in [
        (horizon_range_m, (10.0, 100.0)),
        (min_visible_height_m, (60e3, 10.0)),
        (elevation_angle_deg, (60e3, 10.0, 5e3)),
        (slant_range_m, (60e3, 10.0, 5e3)),
        (pd_swerling1, (10.0, 1e-6)),
        (snr_from_pd_swerling1, (0.9, 1e-6)),
        (albersheim_snr, (0.9, 1e-6)),
    ]:
        s = fn(*args)
        a = fn(*[np.array([x, x]) for x in args])
        assert np.ndim(s) == 0
        assert a.shape == (2,)
        np.testing.assert_allclose(a, s, rtol=1e-15)


def test_albersheim_inverse_pair():
    pd = np.array([0.2, 0.5, 0.9])
    for n in (1, 10, 100):
        snr = albersheim_snr(pd, 1e-6, n)
        np.testing.assert_allclose(pd_albersheim(snr, 1e-6, n), pd, rtol=1e-12)
    # More pulses integrated: less SNR per pulse needed.
    assert albersheim_snr(0.9, 1e-6, 10) < albersheim_snr(0.9, 1e-6, 1)


# --------------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------------


def test_horizon_and_min_visible_height_are_inverse():
    h_r = np.array([2.0, 10.0, 30.0])[:, None]
    h_t = np.array([0.0, 50.0, 300.0, 5000.0])[None, :]
    d = horizon_range_m(h_r, h_t)
    np.testing.assert_allclose(
        min_visible_height_m(d, h_r), np.broadcast_to(h_t, d.shape), atol=1e-6
    )


def test_min_visible_height_is_zero_inside_radar_horizon_and_grows_after():
    own = horizon_range_m(10.0, 0.0)
    r = np.linspace(0.0, 400e3, 4001)
    h = min_visible_height_m(r, 10.0)
    assert np.all(h[r <= own] == 0.0)
    assert np.all(np.diff(h[r > own]) > 0)
    # More refraction (larger k) lowers the shadow.
    assert min_visible_height_m(200e3, 10.0, k=1.5) < min_visible_height_m(200e3, 10.0)


def test_elevation_and_slant_simple_cases():
    assert elevation_angle_deg(0.0, 10.0, 1000.0) == pytest.approx(90.0)
    assert elevation_angle_deg(0.0, 1000.0, 10.0) == pytest.approx(-90.0)
    assert slant_range_m(0.0, 10.0, 1000.0) == pytest.approx(990.0)
    # A target at the radar's height falls below its horizontal by half the central angle.
    r = 100e3
    assert elevation_angle_deg(r, 20.0, 20.0) == pytest.approx(-np.degrees(r / A_M / 2), rel=1e-9)
    # Short range, high target: close to the flat-earth answer.
    assert elevation_angle_deg(1e3, 0.0, 1e3) == pytest.approx(45.0, abs=0.01)
    assert slant_range_m(1e3, 0.0, 1e3) == pytest.approx(np.hypot(1e3, 1e3), rel=1e-4)


def test_target_on_min_visible_height_is_at_grazing_elevation():
    # Beyond the radar horizon the grazing ray leaves the antenna at the dip angle
    # -acos(a / (a + h_r)); targets on the shadow boundary are seen along it (to the
    # accuracy of the parabolic form, within 1e-3 degrees out to 200 km).
    h_r = 15.0
    r = np.linspace(horizon_range_m(h_r, 0.0) + 1e3, 200e3, 50)
    el = elevation_angle_deg(r, h_r, min_visible_height_m(r, h_r))
    dip = -np.degrees(np.arccos(A_M / (A_M + h_r)))
    np.testing.assert_allclose(el, dip, atol=1e-3)
