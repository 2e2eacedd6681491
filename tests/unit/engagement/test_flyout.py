import numpy as np
import pytest

from iadsim.engagement.flyout import (
    FlyoutProfile,
    distance_flown_m,
    kinematic_reach_m,
    speed_mps,
    time_to_distance_nb,
    time_to_distance_s,
)

# Roughly a long-range SAM: Mach 4+ after a 10 s boost, slow decay.
P = FlyoutProfile(max_speed_mps=1400.0, boost_time_s=10.0, speed_decay_time_s=60.0)


def test_known_values():
    assert P.burnout_distance_m == pytest.approx(7_000.0)
    assert kinematic_reach_m(P) == pytest.approx(7_000.0 + 84_000.0)
    assert distance_flown_m(P, 5.0) == pytest.approx(0.5 * 140.0 * 25.0)
    assert distance_flown_m(P, 70.0) == pytest.approx(7_000.0 + 84_000.0 * (1 - np.exp(-1.0)))
    assert speed_mps(P, 70.0) == pytest.approx(1400.0 * np.exp(-1.0))
    assert speed_mps(P, 5.0) == pytest.approx(700.0)


def test_inverse_of_forward_is_identity():
    t = np.concatenate([np.linspace(0.0, 10.0, 101), np.linspace(10.0, 400.0, 500)])
    np.testing.assert_allclose(
        time_to_distance_s(P, distance_flown_m(P, t)), t, rtol=1e-9, atol=1e-9
    )


def test_forward_of_inverse_is_identity():
    d = np.linspace(0.0, 0.999 * kinematic_reach_m(P), 1000)
    np.testing.assert_allclose(
        distance_flown_m(P, time_to_distance_s(P, d)), d, rtol=1e-12, atol=1e-6
    )


def test_monotone():
    t = np.linspace(0.0, 600.0, 6001)
    assert np.all(np.diff(distance_flown_m(P, t)) > 0)
    d = np.linspace(0.0, kinematic_reach_m(P) * 0.9999, 5000)
    assert np.all(np.diff(time_to_distance_s(P, d)) > 0)


def test_continuity_at_burnout():
    tb = P.boost_time_s
    eps = 1e-9
    assert distance_flown_m(P, tb - eps) == pytest.approx(distance_flown_m(P, tb + eps), abs=1e-5)
    assert speed_mps(P, tb - eps) == pytest.approx(speed_mps(P, tb + eps), abs=1e-5)
    db = P.burnout_distance_m
    assert time_to_distance_s(P, db * (1 - 1e-12)) == pytest.approx(
        time_to_distance_s(P, db * (1 + 1e-12)), abs=1e-6
    )


def test_speed_is_derivative_of_distance():
    t = np.linspace(0.5, 300.0, 300)
    h = 1e-4
    deriv = (distance_flown_m(P, t + h) - distance_flown_m(P, t - h)) / (2 * h)
    np.testing.assert_allclose(deriv, speed_mps(P, t), rtol=1e-6)


def test_beyond_reach_is_inf_and_negative_is_nan():
    reach = kinematic_reach_m(P)
    out = time_to_distance_s(P, np.array([reach, reach + 1.0, 1e9]))
    assert np.all(np.isinf(out))
    assert np.isnan(time_to_distance_s(P, -1.0))
    assert distance_flown_m(P, 600.0) < reach
    assert distance_flown_m(P, 1e6) <= reach  # equal once exp(-t/τ) underflows
    assert distance_flown_m(P, -5.0) == 0.0
    assert speed_mps(P, -5.0) == 0.0


def test_zero_boost_time():
    p = FlyoutProfile(1000.0, 0.0, 50.0)
    assert distance_flown_m(p, 0.0) == 0.0
    assert speed_mps(p, 0.0) == pytest.approx(1000.0)
    assert time_to_distance_s(p, 0.0) == 0.0
    t = np.linspace(0.0, 200.0, 50)
    np.testing.assert_allclose(time_to_distance_s(p, distance_flown_m(p, t)), t, atol=1e-9)


def test_scalar_and_array_inputs():
    s = time_to_distance_s(P, 40e3)
    assert np.ndim(s) == 0
    a = time_to_distance_s(P, np.array([[40e3, 40e3]]))
    assert a.shape == (1, 2)
    assert a[0, 1] == s
    assert np.ndim(distance_flown_m(P, 30.0)) == 0
    assert distance_flown_m(P, np.zeros((3, 2))).shape == (3, 2)


def test_time_to_distance_twin_of_the_intercept_solver_equals_numpy():
    """The numba twin that iadsim.engagement.intercept calls equals the numpy function."""
    d = np.concatenate([np.linspace(0.0, 1.1 * kinematic_reach_m(P), 300), [-1.0]])
    expected = time_to_distance_s(P, d)
    got = np.array([time_to_distance_nb(1400.0, 10.0, 60.0, x) for x in d])
    np.testing.assert_array_equal(np.isinf(got), np.isinf(expected))
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(got[finite], expected[finite], rtol=1e-14)


@pytest.mark.parametrize(
    "args", [(0.0, 10.0, 60.0), (-1.0, 10.0, 60.0), (1000.0, -1.0, 60.0), (1000.0, 10.0, 0.0)]
)
def test_invalid_profile_raises(args):
    with pytest.raises(ValueError):
        FlyoutProfile(*args)
