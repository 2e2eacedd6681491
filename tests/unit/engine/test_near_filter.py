"""The radar pre-filter: the latitude band it applies first changes nothing; the mask equals
a plain haversine test everywhere, near the poles and across the antimeridian included."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.engine.prepare import _R_FILTER_M, _near


def _haversine_mask(site_lat, site_lon, lat, lon, range_m):
    p1, p2 = np.radians(site_lat), np.radians(lat)
    h = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon - site_lon) / 2) ** 2
    )
    d = 2 * _R_FILTER_M * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
    return d <= range_m * 1.01 + 1000.0


@pytest.mark.parametrize("site", [(33.8, 42.4), (89.5, 10.0), (-88.0, 179.9), (0.0, -179.95)])
@pytest.mark.parametrize("range_m", [5e3, 150e3, 600e3, 3000e3])
def test_band_then_haversine_is_the_haversine(site, range_m):
    rng = np.random.default_rng(int(range_m))
    lat = np.clip(site[0] + rng.normal(0, 8, 50_000), -90, 90)
    lon = (site[1] + rng.normal(0, 15, 50_000) + 180) % 360 - 180
    got = _near(*site, lat, lon, range_m)
    np.testing.assert_array_equal(got, _haversine_mask(*site, lat, lon, range_m))
    assert got.any() and not got.all()
