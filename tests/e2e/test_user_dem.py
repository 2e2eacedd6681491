"""A user's GeoTIFF DEM in another CRS is used through rasterio; a DEM that cannot be read, or
a site outside it, is an input error naming the file and the site (exit status 2)."""

from __future__ import annotations

import textwrap

import numpy as np
import rasterio
from rasterio.warp import Resampling, calculate_default_transform, reproject
from typer.testing import CliRunner

import iadsim
from iadsim.cli import app
from iadsim.engine.prepare import prepare
from iadsim.terrain import Dem

SCENARIO = textwrap.dedent(
    """\
    schema_version: 1
    name: user-dem
    terrain: {dem: DEMFILE}
    assets: [{name: base, lat: 33.80, lon: 42.4333}]
    fire_units:
      - {name: tor, system: tor-m2, lat: 33.805, lon: 42.42}
    raids:
      - name: drones
        threat: shahed-136
        launch_points: [{lat: 33.95, lon: 42.10}]
        aim: base
    monte_carlo: {replications: 50, seed: 1}
    """
)


def utm_crop(path):
    """The packaged GLOBE around Al Asad, reprojected to UTM zone 38N (EPSG:32638)."""
    src_dem = Dem.default()
    with rasterio.open(src_dem.path) as src:
        window = rasterio.windows.from_bounds(41.6, 33.3, 43.2, 34.3, src.transform)
        data = src.read(1, window=window)
        transform = src.window_transform(window)
        dst_t, w, h = calculate_default_transform(
            src.crs,
            "EPSG:32638",
            data.shape[1],
            data.shape[0],
            *rasterio.windows.bounds(window, src.transform),
            resolution=500.0,
        )
        out = np.full((h, w), -32768, dtype=np.int16)
        reproject(
            data,
            out,
            src_transform=transform,
            src_crs=src.crs,
            dst_transform=dst_t,
            dst_crs="EPSG:32638",
            resampling=Resampling.bilinear,
            dst_nodata=-32768,
        )
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=w,
        height=h,
        count=1,
        dtype="int16",
        crs="EPSG:32638",
        transform=dst_t,
        nodata=-32768,
    ) as dst:
        dst.write(out, 1)


def test_user_dem_in_utm_matches_the_packaged_one(tmp_path):
    dem_path = tmp_path / "al-asad-utm.tif"
    utm_crop(dem_path)
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.replace("DEMFILE", dem_path.name))  # relative to the scenario
    scenario = iadsim.load_scenario(path)
    user = prepare(scenario)
    assert user.terrain == str(dem_path)
    packaged = prepare(scenario, dem=Dem.default())
    # the same ground under the route, to within what a 500 m UTM resampling changes
    flying = ~np.isnan(user.threats.lat[0])
    g_user = Dem.open(dem_path).elevation_m(
        user.threats.lat[0, flying], user.threats.lon[0, flying]
    )
    g_pack = Dem.default().elevation_m(user.threats.lat[0, flying], user.threats.lon[0, flying])
    assert np.nanmedian(np.abs(g_user - g_pack)) < 10.0
    # and the same terrain masking: the radar sees the drone over nearly the same steps
    agree = (user.sensors.visible[0, 0] == packaged.sensors.visible[0, 0])[flying].mean()
    assert agree > 0.95, agree


def test_site_outside_user_dem_exits_2(tmp_path):
    dem_path = tmp_path / "al-asad-utm.tif"
    utm_crop(dem_path)
    path = tmp_path / "s.yaml"
    text = SCENARIO.replace("DEMFILE", str(dem_path)).replace(
        "{name: tor, system: tor-m2, lat: 33.805, lon: 42.42}",
        "{name: tor, system: tor-m2, lat: 35.5, lon: 42.42}",
    )
    path.write_text(text)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert (
        f"{path}:6:38: fire_units[0].lat: fire unit 'tor' at 35.5000 N 42.4200 E is outside "
        f"the DEM {dem_path}" in result.output
    ), result.output


def test_unreadable_dem_exits_2(tmp_path):
    bad = tmp_path / "broken.tif"
    bad.write_bytes(b"not a tiff")
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.replace("DEMFILE", str(bad)))
    result = CliRunner().invoke(app, ["run", str(path)])
    assert result.exit_code == 2
    assert f"{path}:3:16: terrain.dem: cannot use DEM {bad}" in result.output, result.output
    assert "Traceback" not in result.output
