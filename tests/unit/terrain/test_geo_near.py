"""``geo.near``, the spherical pre-filter in front of the WGS84 geodesics, never drops a point
the geodesic puts within range (brute force: pyproj on every point)."""

from __future__ import annotations

import numpy as np

from iadsim import geo


def test_near_keeps_every_point_within_range_on_the_ellipsoid():
    rng = np.random.default_rng(4)
    for site_lat in (0.0, 33.8, 60.0, -45.0):
        lat = site_lat + rng.uniform(-0.2, 0.2, 20_000)
        lon = 44.0 + rng.uniform(-0.3, 0.3, 20_000)
        _, _, d = geo.inverse(site_lat, 44.0, lat, lon)
        for range_m in (300.0, 5_000.0, 20_000.0):
            kept = geo.near(site_lat, 44.0, lat, lon, range_m)
            assert kept[d <= range_m].all()  # conservative: nothing within range is dropped
            assert not kept[d > range_m * 1.03 + 1_100.0].any()  # and it does filter
