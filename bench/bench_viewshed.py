"""Benchmark: iadsim's GROUND viewshed against ``gdal_viewshed`` in the same run; table builds.

Not part of the test run. Needs ``gdal_viewshed`` (``apt-get install gdal-bin``).

    python bench/bench_viewshed.py [--size 10000] [--cell 30] [--workdir DIR]

1. A seeded smooth random DEM of size x size cells of 30 m (projected, azimuthal-equidistant
   CRS), observer at the centre, antenna 10 m, 4/3 earth. ``gdal_viewshed -om GROUND -cc 0.75``
   (a subprocess: reads the GeoTIFF, writes a Float64 GeoTIFF) against iadsim's
   ``viewshed_ground`` (numba compiled first), timed both in memory (kernel only) and end to
   end (read the GeoTIFF, compute, write a float32 GeoTIFF). Prints both wall times, the ratio
   iadsim/GDAL (goal <= 0.5) and the agreement of visibility at 100 m and 300 m.
2. Build time of one polar coverage table (400 km, 0.1 deg, 250 m) on the shipped GLOBE DEM,
   and of the tables of all radar sites of examples/iraq-2020-al-asad.yaml.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio

from iadsim.terrain import WGS84_SEMI_MAJOR_M, Dem, coverage_table, viewshed_ground
from iadsim.terrain import synthetic as syn

ANTENNA_M = 10.0
K = 4.0 / 3.0

# Sites of examples/iraq-2020-al-asad.yaml (fire units with their own radars, and the
# S-400's 91N6E acquisition radar); antenna 10 m; tables to 400 km.
AL_ASAD_SITES = {
    "s400-al-asad": (33.7700, 42.4600),
    "tor-al-asad": (33.8050, 42.4200),
    "patriot-al-asad": (33.7900, 42.4500),
    "s400-acquisition": (33.7600, 42.4800),
}


def _scenario_sites() -> dict[str, tuple[float, float]]:
    try:  # the scenario loader, if importable; else the hard-coded positions above
        from iadsim.scenario import load_scenario

        sc = load_scenario(Path(__file__).parents[1] / "examples" / "iraq-2020-al-asad.yaml")
        sites = {u.name: (u.lat, u.lon) for u in [*sc.fire_units, *sc.sensors]}
        return sites or AL_ASAD_SITES
    except Exception:
        return AL_ASAD_SITES


def _timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t


def bench_raster(size: int, cell_m: float, workdir: Path) -> None:
    print(f"== GROUND viewshed, {size} x {size} cells of {cell_m:g} m, observer at the centre")
    grid, t_gen = _timed(
        syn.smooth_random, size, size, seed=20200108, relief_m=100.0, base_m=300.0,
        coarse_cells=30, detail_cells=300, detail_m=10.0,
    )  # fmt: skip
    dem = syn.synthetic_dem(grid, cell_m, 33.80, 42.4333)
    dem_path = workdir / "bench_dem.tif"
    with rasterio.open(
        dem_path, "w", driver="GTiff", width=size, height=size, count=1, dtype="float32",
        crs=dem.crs, transform=dem.transform, tiled=True,
    ) as dst:  # fmt: skip
        dst.write(grid, 1)
    print(f"   synthetic DEM generated and written in {t_gen:.1f} s")
    r0 = c0 = size // 2
    x, y = dem.transform @ (c0 + 0.5, r0 + 0.5)

    # Warm the numba compile (and the page cache for both readers).
    viewshed_ground(grid[:64, :64], cell_m, 32, 32, ANTENNA_M)
    with rasterio.open(dem_path) as src:
        src.read(1)

    gdal_out = workdir / "bench_gdal.tif"
    cmd = [
        shutil.which("gdal_viewshed") or "gdal_viewshed", "-q", "-om", "GROUND", "-cc", "0.75",
        "-oz", str(ANTENNA_M), "-ox", repr(float(x)), "-oy", repr(float(y)),
        str(dem_path), str(gdal_out),
    ]  # fmt: skip
    _, t_gdal = _timed(subprocess.run, cmd, check=True)

    ours, t_kernel = _timed(
        viewshed_ground, grid, cell_m, r0, c0, ANTENNA_M, K, earth_radius_m=WGS84_SEMI_MAJOR_M
    )

    def end_to_end():
        d = Dem.open(dem_path)
        out = viewshed_ground(
            d.elevation_grid_m, cell_m, r0, c0, ANTENNA_M, K, earth_radius_m=WGS84_SEMI_MAJOR_M
        )
        with rasterio.open(
            workdir / "bench_iadsim.tif", "w", driver="GTiff", width=size, height=size,
            count=1, dtype="float32", crs=d.crs, transform=d.transform, tiled=True,
        ) as dst:  # fmt: skip
            dst.write(out, 1)

    _, t_e2e = _timed(end_to_end)

    with rasterio.open(gdal_out) as src:
        gdal = src.read(1)
    print(f"   gdal_viewshed (file to file)      {t_gdal:8.2f} s")
    print(
        f"   iadsim viewshed_ground (in memory) {t_kernel:8.2f} s   ratio iadsim/GDAL {t_kernel / t_gdal:.3f}"
    )
    print(
        f"   iadsim file to file                {t_e2e:8.2f} s   ratio iadsim/GDAL {t_e2e / t_gdal:.3f}"
    )
    print(f"   goal ratio <= 0.5: {'met' if t_e2e / t_gdal <= 0.5 else 'NOT met'} (file to file)")
    print(f"   max |iadsim - GDAL| {float(np.max(np.abs(ours - gdal))):.4f} m")
    for h in (100.0, 300.0):
        agree = float(np.mean((ours <= h) == (gdal <= h)))
        print(
            f"   visibility agreement at {h:.0f} m AGL: {agree:.6f} (seen by GDAL: {np.mean(gdal <= h):.3f})"
        )


def bench_tables() -> None:
    print("== polar coverage tables on the shipped GLOBE DEM (400 km, 0.1 deg, 250 m)")
    globe, t_open = _timed(Dem.default)
    print(f"   DEM opened in {t_open:.2f} s")
    coverage_table(globe, 33.80, 42.4333, ANTENNA_M, 20e3)  # warm the numba compile
    _, t_one = _timed(coverage_table, globe, 33.80, 42.4333, ANTENNA_M, 400e3)
    print(f"   one table (Al Asad): {t_one:.3f} s")
    sites = _scenario_sites()
    t = time.perf_counter()
    for lat, lon in sites.values():
        coverage_table(globe, lat, lon, ANTENNA_M, 400e3)
    t_all = time.perf_counter() - t
    print(
        f"   all {len(sites)} radar sites of iraq-2020-al-asad ({', '.join(sites)}): {t_all:.3f} s"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=10_000)
    ap.add_argument("--cell", type=float, default=30.0)
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    print(f"numba threads: {os.environ.get('NUMBA_NUM_THREADS', os.cpu_count())}")
    if shutil.which("gdal_viewshed") is None:
        print("gdal_viewshed not found (apt-get install gdal-bin): skipping the raster benchmark")
    else:
        with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
            bench_raster(args.size, args.cell, Path(tmp))
    bench_tables()


if __name__ == "__main__":
    main()
