"""Polar coverage tables: lookup semantics, the flat earth, the radar horizon, disk shares."""

from __future__ import annotations

import math

import numpy as np
import pytest

from iadsim.constants import R_EARTH_M
from iadsim.terrain import coverage_table, disk_coverage_share
from iadsim.terrain import synthetic as syn

K = 4.0 / 3.0
TWO_KR = 2.0 * K * R_EARTH_M


@pytest.fixture(scope="module")
def flat_table():
    dem = syn.synthetic_dem(syn.flat(1201, 1201, 50.0), 250.0, 33.0, 44.0)
    return coverage_table(dem, 33.0, 44.0, 10.0, 140e3, az_step_deg=1.0, range_step_m=250.0)


def test_table_shape_and_axes(flat_table):
    assert flat_table.min_visible_agl_grid_m.shape == (360, 561)
    assert flat_table.max_range_m == 140e3
    assert flat_table.radar_alt_m == pytest.approx(60.0, abs=1e-3)
    np.testing.assert_allclose(flat_table.ground_grid_m, 50.0, atol=1e-3)
    assert not flat_table.off_dem.any()


def test_flat_earth_closed_form(flat_table):
    """max(0, (r - sqrt(2kR h_r))^2 / (2kR)) within 1 m, at every azimuth and range."""
    r = flat_table.ranges_m
    expected = np.maximum(0.0, r - math.sqrt(TWO_KR * 10.0)) ** 2 / TWO_KR
    err = np.abs(flat_table.min_visible_agl_grid_m - expected[None, :])
    assert err.max() < 1.0


def test_smooth_earth_radar_horizon(flat_table):
    """10 m mast, 100 m target: about 4.12 (sqrt(10) + sqrt(100)) km = 54 km (Skolnik 2001, sec. 8.2)."""
    d_km = math.sqrt(TWO_KR) / 1000.0 * (math.sqrt(10.0) + math.sqrt(100.0))
    assert d_km == pytest.approx(4.12 * (math.sqrt(10.0) + 10.0), rel=0.002)
    assert 53.5 < d_km < 54.5
    az = np.array([0.0, 90.0, 217.0])
    assert np.all(flat_table.visible(az, (d_km - 0.3) * 1e3, 100.0))
    assert not np.any(flat_table.visible(az, (d_km + 0.3) * 1e3, 100.0))
    np.testing.assert_allclose(flat_table.min_visible_agl_m(az, d_km * 1e3), 100.0, atol=1.0)


def test_lookup_semantics():
    dem = syn.synthetic_dem(syn.flat(101, 101), 100.0, 33.0, 44.0)
    t = coverage_table(
        dem, 33.0, 44.0, 10.0, 4000.0, az_step_deg=90.0, range_step_m=1000.0, oversample=1
    )
    grid = np.arange(4 * 5, dtype=float).reshape(4, 5)
    object.__setattr__(t, "min_visible_agl_grid_m", grid)
    # nearest azimuth (wrapping at 360), linear in range, +inf beyond max range, NaN for NaN
    assert t.min_visible_agl_m(0.0, 0.0) == 0.0
    assert t.min_visible_agl_m(44.0, 1500.0) == pytest.approx(1.5)
    assert t.min_visible_agl_m(46.0, 1500.0) == pytest.approx(6.5)
    assert t.min_visible_agl_m(359.0, 2000.0) == pytest.approx(2.0)
    assert t.min_visible_agl_m(-10.0, 2000.0) == pytest.approx(2.0)
    assert t.min_visible_agl_m(270.0, 4000.0) == pytest.approx(19.0)
    assert np.isinf(t.min_visible_agl_m(0.0, 4000.1))
    assert np.isnan(t.min_visible_agl_m(np.nan, 10.0))
    out = t.min_visible_agl_m(np.array([[0.0], [90.0]]), np.array([0.0, 1000.0, 5000.0]))
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out, [[0.0, 1.0, np.inf], [5.0, 6.0, np.inf]])


def test_geographic_lookup_matches_polar(flat_table):
    from iadsim import geo

    lat, lon = geo.forward(33.0, 44.0, 123.4, 80e3)
    assert flat_table.min_visible_agl_at(lat, lon) == pytest.approx(
        float(flat_table.min_visible_agl_m(123.4, 80e3)), abs=1e-6
    )


def test_disk_share_on_flat_earth(flat_table):
    """Share of a 50 km disk seen at h: (d(h) / 50 km)^2 with d(h) the radar horizon."""
    shares = disk_coverage_share(flat_table, 33.0, 44.0, 50e3, (30.0, 100.0))
    d30 = math.sqrt(TWO_KR) * (math.sqrt(10.0) + math.sqrt(30.0))
    assert shares[30.0] == pytest.approx((d30 / 50e3) ** 2, abs=0.01)
    assert shares[100.0] == 1.0


def test_table_is_deterministic_and_positive():
    dem = syn.synthetic_dem(syn.smooth_random(301, 301, seed=1), 200.0, 33.0, 44.0)
    a = coverage_table(dem, 33.0, 44.0, 10.0, 25e3, az_step_deg=1.0)
    b = coverage_table(dem, 33.0, 44.0, 10.0, 25e3, az_step_deg=1.0)
    np.testing.assert_array_equal(a.min_visible_agl_grid_m, b.min_visible_agl_grid_m)
    assert np.all(a.min_visible_agl_grid_m >= 0.0)
    assert np.all(a.min_visible_agl_grid_m[:, 0] == 0.0)  # the site itself


def test_bad_arguments():
    dem = syn.synthetic_dem(syn.flat(11, 11), 100.0, 33.0, 44.0)
    with pytest.raises(ValueError):
        coverage_table(dem, 33.0, 44.0, 10.0, 400.0, az_step_deg=0.7)
    with pytest.raises(ValueError):
        coverage_table(dem, 33.0, 44.0, 10.0, -1.0)
