"""Coverage map outputs (iadsim.report.coverage): raster, polygons, quicklook, disk share."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio
import shapely
from shapely.geometry import shape

from iadsim.report.coverage import (
    coverage_polygons,
    coverage_raster,
    disk_coverage_share,
    load_borders,
    quicklook_png,
)
from iadsim.terrain import Dem, coverage_table


@pytest.fixture(scope="module")
def tables():
    globe = Dem.default()
    return [
        coverage_table(globe, 33.80, 42.4333, 10.0, 60e3, az_step_deg=0.5),
        coverage_table(globe, 34.30, 43.00, 10.0, 40e3, az_step_deg=0.5),
    ], globe


def test_raster_union_is_minimum_and_nodata_outside(tables, tmp_path):
    tabs, globe = tables
    path = tmp_path / "out" / "coverage.tif"
    ras = coverage_raster(tabs, path, dem=globe)
    grid = ras.min_visible_agl_m
    assert abs(ras.transform.a - 1 / 120) < 1e-12
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 4326
        np.testing.assert_array_equal(src.read(1), grid)
    assert not list(path.parent.glob(".coverage.tif.*"))  # no temp file left
    assert np.isnan(grid[0, -1])  # a corner of the bounding box: outside both discs
    rows, cols = np.nonzero(np.isfinite(grid))
    pick = np.random.default_rng(0).choice(len(rows), 200, replace=False)
    lon, lat = ras.transform @ (cols[pick] + 0.5, rows[pick] + 0.5)
    each = np.stack([t.min_visible_agl_at(lat, lon) for t in tabs])
    np.testing.assert_allclose(
        grid[rows[pick], cols[pick]], np.min(each, axis=0), rtol=1e-6, atol=1e-3
    )


def test_polygons_are_valid_and_nested(tables, tmp_path):
    tabs, globe = tables
    ras = coverage_raster(tabs, dem=globe)
    fc = coverage_polygons(ras, [30.0, 100.0, 300.0, 1000.0], path=tmp_path / "cov.geojson")
    assert json.loads((tmp_path / "cov.geojson").read_text()) == json.loads(json.dumps(fc))
    geoms = [shape(f["geometry"]) for f in fc["features"]]
    areas = [f["properties"]["area_km2"] for f in fc["features"]]
    assert all(g.is_valid and g.geom_type == "MultiPolygon" for g in geoms)
    assert areas == sorted(areas) and areas[0] > 0.0
    assert shapely.difference(geoms[0], geoms[-1]).area < 1e-9  # lower bands inside higher
    cell_km2 = ((1 / 120) * 111.0) ** 2 * np.cos(np.radians(34.0))
    n100 = np.sum(ras.min_visible_agl_m <= 100.0)
    assert areas[1] == pytest.approx(n100 * cell_km2, rel=0.03)


def test_quicklook_png(tables, tmp_path):
    tabs, globe = tables
    ras = coverage_raster(tabs, dem=globe)
    out = quicklook_png(ras, tmp_path / "quick.png", tabs)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert load_borders()["features"]


def test_disk_share(tables):
    tabs, _ = tables
    one = disk_coverage_share(tabs[0], 33.80, 42.4333)
    both = disk_coverage_share(tabs, 33.80, 42.4333)
    assert list(one) == [30.0, 100.0, 300.0, 1000.0]
    shares = list(one.values())
    assert shares == sorted(shares) and 0.0 < shares[0] < 1.0
    assert all(both[a] >= one[a] for a in one)
