"""GROUND raster viewshed: conventions, symmetry, the flat earth, no data, max range."""

from __future__ import annotations

import math

import numpy as np
import pytest

from iadsim.constants import R_EARTH_M
from iadsim.terrain import synthetic as syn
from iadsim.terrain import viewshed_ground

TWO_KR = 2.0 * 4.0 / 3.0 * R_EARTH_M


def test_flat_earth_closed_form():
    n, cell = 401, 500.0
    out = viewshed_ground(syn.flat(n, n, 20.0), cell, n // 2, n // 2, 10.0)
    yy, xx = np.mgrid[0:n, 0:n]
    r = cell * np.hypot(yy - n // 2, xx - n // 2)
    expected = np.maximum(0.0, r - math.sqrt(TWO_KR * 10.0)) ** 2 / TWO_KR
    assert np.abs(out - expected).max() < 1.0


def test_observer_cell_and_neighbours():
    z = syn.smooth_random(41, 41, seed=3)
    out = viewshed_ground(z, 100.0, 20, 20, 10.0)
    assert out[20, 20] == 0.0
    assert out[20, 19] == 0.0 and out[20, 21] == 0.0  # GDAL: row neighbours are visible


def test_eightfold_symmetry():
    """A terrain symmetric under the octahedral group gives a symmetric result."""
    n = 201
    z = syn.cone(n, n, 100.0, (3000.0, 0.0), 300.0, 1500.0)
    z = np.maximum.reduce(
        [z, z.T, z[::-1], z[:, ::-1], z.T[::-1], z.T[:, ::-1], z[::-1, ::-1], z.T[::-1, ::-1]]
    )
    out = viewshed_ground(z, 100.0, n // 2, n // 2, 10.0)
    for t in (out.T, out[::-1, ::-1], out.T[::-1, ::-1]):
        np.testing.assert_allclose(out, t, atol=1e-3)
    assert out.max() > 50.0  # the hills do hide something


def test_off_centre_and_rectangular():
    z = syn.smooth_random(120, 260, seed=9, relief_m=200.0)
    for r0, c0 in ((0, 0), (119, 259), (5, 200), (60, 3)):
        out = viewshed_ground(z, 100.0, r0, c0, 10.0)
        assert out.shape == z.shape
        assert np.all(np.isfinite(out)) and np.all(out >= 0.0)
        assert out[r0, c0] == 0.0


def test_nodata_and_max_range():
    z = syn.flat(101, 101, 100.0)
    z[10:20, 10:20] = np.nan
    out = viewshed_ground(z, 100.0, 50, 50, 10.0, max_range_m=3000.0)
    assert np.all(np.isnan(out[10:20, 10:20]))
    assert np.isnan(out[50, 50 + 31]) and out[50, 50 + 30] == 0.0
    assert np.isnan(out[50 + 22, 50 + 22]) and np.isfinite(out[50 + 21, 50 + 21])


def test_bad_inputs():
    z = syn.flat(10, 10)
    with pytest.raises(ValueError):
        viewshed_ground(z, 100.0, 10, 0, 10.0)
    z[2, 2] = np.nan
    with pytest.raises(ValueError):
        viewshed_ground(z, 100.0, 2, 2, 10.0)
