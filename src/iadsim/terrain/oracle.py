"""The GDAL oracle: run ``gdal_viewshed -om GROUND`` on a DEM and read its result back.

Used by the validation tests and ``bench/bench_viewshed.py``; needs the ``gdal_viewshed``
program (Debian/Ubuntu: ``apt-get install gdal-bin``).

References
----------
GDAL, gdal_viewshed, https://gdal.org/programs/gdal_viewshed.html
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import rasterio

__all__ = ["gdal_viewshed_ground", "gdal_viewshed_path"]


def gdal_viewshed_path() -> str | None:
    """Path of the ``gdal_viewshed`` program, or None if it is not installed."""
    return shutil.which("gdal_viewshed")


def gdal_viewshed_ground(
    dem_path: str | Path,
    out_path: str | Path,
    observer_row: int,
    observer_col: int,
    observer_height_m: float,
    curvature_coeff: float = 0.75,
    extra_args: tuple[str, ...] = (),
) -> np.ndarray:
    """Run ``gdal_viewshed -om GROUND -cc <cc>`` with the observer at a cell's centre.

    Parameters
    ----------
    dem_path : path
        Single-band GeoTIFF in a projected CRS.
    out_path : path
        GeoTIFF written by GDAL.
    observer_row, observer_col : int
        Observer cell; its centre is passed as ``-ox``/``-oy``.
    observer_height_m : float
        ``-oz``. [m]
    curvature_coeff : float
        ``-cc``, i.e. ``1 / k``. [-]

    Returns
    -------
    ndarray of float64
        GDAL's minimum target height above ground per cell. [m]
    """
    exe = gdal_viewshed_path()
    if exe is None:
        raise FileNotFoundError("gdal_viewshed not found (apt-get install gdal-bin)")
    with rasterio.open(dem_path) as src:
        x, y = src.transform @ (observer_col + 0.5, observer_row + 0.5)
    cmd = [
        exe,
        "-q",
        "-om",
        "GROUND",
        "-cc",
        repr(float(curvature_coeff)),
        "-oz",
        repr(float(observer_height_m)),
        "-ox",
        repr(float(x)),
        "-oy",
        repr(float(y)),
        *extra_args,
        str(dem_path),
        str(out_path),
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    with rasterio.open(out_path) as src:
        return src.read(1)
