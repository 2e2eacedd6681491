"""DEM io: the packaged GLOBE crop, bilinear sampling, reprojection, errors."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from rasterio.transform import Affine

from iadsim.errors import InputError
from iadsim.terrain import Dem, coverage_table

# Spot checks from data/PROVENANCE.md (cell values of the GLOBE grid).
SPOTS = {
    "baghdad": (33.30, 44.40, 30.0),
    "al-asad": (33.80, 42.43, 191.0),
    "zagros": (36.50, 45.00, 2453.0),
}


@pytest.fixture(scope="module")
def globe() -> Dem:
    return Dem.default()


def test_default_dem_metadata(globe):
    assert globe.shape == (2040, 2760)
    assert globe.crs.to_epsg() == 4326
    assert globe.elevation_grid_m.dtype == np.float32
    assert globe.path.endswith("globe30s_middle_east.tif")


@pytest.mark.parametrize("name", sorted(SPOTS))
def test_spot_heights(globe, name):
    """The published cell value is among the 2 x 2 cells around the point, and the bilinear
    value lies within their range (that is all bilinear sampling promises)."""
    lat, lon, expected = SPOTS[name]
    col, row = globe.xy_to_pixel(*globe.lonlat_to_xy(lon, lat))
    c0, r0 = int(np.floor(col)), int(np.floor(row))
    block = globe.elevation_grid_m[r0 : r0 + 2, c0 : c0 + 2]
    assert expected in block
    z = float(globe.elevation_m(lat, lon))
    assert block.min() - 1e-3 <= z <= block.max() + 1e-3
    assert abs(z - expected) <= block.max() - block.min() + 1e-3


def test_bilinear_exact_on_a_plane(tmp_path):
    """Bilinear sampling reproduces a plane exactly, with scalars and arrays, in a projected CRS."""
    rows, cols, cell = 50, 60, 100.0
    yy, xx = np.mgrid[0:rows, 0:cols]
    x = (xx + 0.5) * cell + 500_000.0
    y = 4_000_000.0 - (yy + 0.5) * cell
    plane = (0.01 * (x - 500_000.0) + 0.02 * (4_000_000.0 - y)).astype(np.float32)
    path = tmp_path / "plane.tif"
    with rasterio.open(
        path, "w", driver="GTiff", width=cols, height=rows, count=1, dtype="float32",
        crs="EPSG:32638", transform=Affine(cell, 0.0, 500_000.0, 0.0, -cell, 4_000_000.0),
    ) as dst:  # fmt: skip
        dst.write(plane, 1)
    dem = Dem.open(path)
    from pyproj import Transformer

    to_ll = Transformer.from_crs("EPSG:32638", "EPSG:4326", always_xy=True)
    px = np.array([500_777.0, 502_345.6, 504_000.0])
    py = np.array([3_996_543.0, 3_999_000.0, 3_995_555.5])
    lon, lat = to_ll.transform(px, py)
    got = dem.elevation_m(lat, lon)
    assert got.shape == (3,)
    np.testing.assert_allclose(got, 0.01 * (px - 500_000.0) + 0.02 * (4_000_000.0 - py), atol=1e-3)
    assert np.ndim(dem.elevation_m(lat[0], lon[0])) == 0
    assert not dem.contains(lat[0] + 1.0, lon[0])
    assert np.isnan(dem.elevation_m(lat[0] + 1.0, lon[0]))


def test_nodata_becomes_nan(tmp_path):
    path = tmp_path / "nodata.tif"
    data = np.full((4, 4), 100, dtype=np.int16)
    data[0, 0] = -32768
    with rasterio.open(
        path, "w", driver="GTiff", width=4, height=4, count=1, dtype="int16", nodata=-32768,
        crs="EPSG:4326", transform=Affine(0.01, 0.0, 40.0, 0.0, -0.01, 34.0),
    ) as dst:  # fmt: skip
        dst.write(data, 1)
    dem = Dem.open(path)
    assert np.isnan(dem.elevation_grid_m[0, 0])
    assert dem.elevation_grid_m[1, 1] == 100.0
    assert not dem.contains(33.995, 40.005)
    assert dem.contains(33.975, 40.025)


def test_to_aeqd_centre_and_size(globe):
    lat, lon = 33.80, 42.4333
    a = globe.to_aeqd(lat, lon, cell_m=500.0, half_size_m=20_000.0)
    assert a.shape == (81, 81)
    assert a.crs.to_dict()["proj"] == "aeqd"
    # The site is the centre of the centre cell.
    x, y = a.transform @ (40.5, 40.5)
    assert abs(x) < 1e-6 and abs(y) < 1e-6
    assert abs(float(a.elevation_grid_m[40, 40]) - float(globe.elevation_m(lat, lon))) < 5.0
    assert abs(float(a.elevation_m(lat, lon)) - float(globe.elevation_m(lat, lon))) < 5.0


def test_unreadable_file_names_the_file(tmp_path):
    bad = tmp_path / "not-a-dem.tif"
    bad.write_text("this is not a GeoTIFF")
    with pytest.raises(InputError) as e:
        Dem.open(bad)
    assert str(bad) in str(e.value)
    missing = tmp_path / "missing.tif"
    with pytest.raises(InputError) as e:
        Dem.open(missing)
    assert str(missing) in str(e.value)


def test_site_outside_dem_names_site_and_file(globe):
    with pytest.raises(InputError) as e:
        coverage_table(
            globe, 10.0, 10.0, 10.0, 50e3, site_name="patriot-riyadh", field_path="sensors[2]"
        )
    msg = str(e.value)
    assert "patriot-riyadh" in msg
    assert "globe30s_middle_east.tif" in msg
    assert "sensors[2]" in msg
    assert e.value.problems[0].file.endswith("globe30s_middle_east.tif")


def test_numpy_sampling_equals_the_kernel_to_the_bit():
    """A few points are sampled in numpy, many by the parallel kernel: the two agree exactly,
    inside, on the clamped margin, outside (NaN) and next to a NaN cell."""
    from iadsim.terrain.dem import bilinear_numpy
    from iadsim.terrain.kernels import bilinear_sample

    rng = np.random.default_rng(7)
    grid = rng.normal(300.0, 80.0, size=(37, 53))
    grid[10, 20] = np.nan
    x = rng.uniform(-2.0, 55.0, 20_000)
    y = rng.uniform(-2.0, 39.0, 20_000)
    x[:4], y[:4] = [-0.5, 52.5, 52.5001, 20.3], [-0.5, 36.5, 3.0, 10.2]
    want = np.empty_like(x)
    bilinear_sample(grid, x, y, want)
    got = bilinear_numpy(grid, x, y)
    np.testing.assert_array_equal(got, want)
    assert np.isnan(got).any() and np.isfinite(got).sum() > 10_000
    for shape in ((1, 9), (9, 1), (1, 1)):  # a one-row or one-column raster
        g = rng.normal(size=shape)
        xs, ys = rng.uniform(-1, shape[1], 200), rng.uniform(-1, shape[0], 200)
        w = np.empty(200)
        bilinear_sample(g, xs, ys, w)
        np.testing.assert_array_equal(bilinear_numpy(g, xs, ys), w)
