"""GROUND viewshed raster: the minimum target height above ground at which each cell is seen.

This computes the same quantity, with the same conventions, as
``gdal_viewshed -om GROUND -cc 0.75`` (GDAL's ``GVOT_MIN_TARGET_HEIGHT_FROM_GROUND`` output,
"edge" interpolation mode) on a projected raster with square cells, for display and for
validating the polar coverage tables. See ``docs/models/terrain.md``.

References
----------
Wang, J., Robinson, G. J. & White, K. (2000). Generating viewsheds without using sightlines.
Photogrammetric Engineering & Remote Sensing 66(1), 87-90.

GDAL, gdal_viewshed, https://gdal.org/programs/gdal_viewshed.html
"""

from __future__ import annotations

import numpy as np

from iadsim.constants import K_FACTOR_STANDARD, R_EARTH_M
from iadsim.terrain.kernels import viewshed_ground_kernel

__all__ = ["WGS84_SEMI_MAJOR_M", "viewshed_ground"]

#: WGS84 semi-major axis [m]. gdal_viewshed takes the earth radius as the semi-major axis of
#: the raster's CRS; pass it as ``earth_radius_m`` to reproduce GDAL to the last digit.
WGS84_SEMI_MAJOR_M = 6_378_137.0


def viewshed_ground(
    dem_array: np.ndarray,
    cell_m: float,
    observer_row: int,
    observer_col: int,
    observer_height_m: float,
    k_factor: float = K_FACTOR_STANDARD,
    max_range_m: float | None = None,
    *,
    earth_radius_m: float = R_EARTH_M,
) -> np.ndarray:
    """Minimum target height above ground for visibility, per raster cell (GROUND mode).

    Parameters
    ----------
    dem_array : ndarray, shape (rows, cols)
        Ground elevation on a projected grid of square cells, NaN for no data. [m]
    cell_m : float
        Cell size (both axes). [m]
    observer_row, observer_col : int
        Cell of the observer (radar).
    observer_height_m : float
        Height of the eye above the ground of the observer's cell. [m]
    k_factor : float
        Effective earth radius factor (4/3 for standard refraction; gdal_viewshed's
        ``-cc`` is ``1 / k_factor``). [-]
    max_range_m : float, optional
        Cells farther than this from the observer are set to NaN. [m]
    earth_radius_m : float
        Earth radius R in the curvature drop ``d**2 / (2 k R)``. [m]
        GDAL uses the CRS semi-major axis (:data:`WGS84_SEMI_MAJOR_M`).

    Returns
    -------
    ndarray of float32, shape (rows, cols)
        Minimum target height above ground at which the cell is visible, 0 where the ground
        itself is visible, NaN where the DEM has no data or beyond ``max_range_m``. [m]

    Notes
    -----
    Wang et al. (2000)'s sweep: every cell takes its horizon from the two neighbouring cells
    of the previous ring, interpolated where the sight line crosses their common edge, and
    propagates ``max(ground, sight line)``. The eight octants are independent once the axes
    and diagonals are known and run in parallel. Cells adjacent to the observer follow GDAL:
    the observer's cell and its two row neighbours are 0.

    References
    ----------
    Wang, J., Robinson, G. J. & White, K. (2000). Generating viewsheds without using
    sightlines. PE&RS 66(1), 87-90.

    GDAL, gdal_viewshed, https://gdal.org/programs/gdal_viewshed.html
    """
    dem = np.asarray(dem_array)
    if dem.ndim != 2:
        raise ValueError(f"dem_array must be 2-D, got shape {dem.shape}")
    if dem.dtype not in (np.float32, np.float64):
        dem = dem.astype(np.float64)
    dem = np.ascontiguousarray(dem)
    nrows, ncols = dem.shape
    if not (0 <= observer_row < nrows and 0 <= observer_col < ncols):
        raise ValueError(
            f"observer cell ({observer_row}, {observer_col}) is outside the raster "
            f"({nrows} x {ncols})"
        )
    if not np.isfinite(dem[observer_row, observer_col]):
        raise ValueError(
            f"no ground elevation at the observer cell ({observer_row}, {observer_col})"
        )
    if not (cell_m > 0 and k_factor > 0 and earth_radius_m > 0):
        raise ValueError("cell_m, k_factor and earth_radius_m must be positive")
    out = np.empty((nrows, ncols), dtype=np.float32)
    inv_2kr = 1.0 / (2.0 * k_factor * earth_radius_m)
    viewshed_ground_kernel(
        dem,
        int(observer_row),
        int(observer_col),
        float(cell_m),
        float(observer_height_m),
        inv_2kr,
        out,
    )
    if max_range_m is not None:
        _mask_beyond(out, observer_row, observer_col, cell_m, max_range_m)
    return out


def _mask_beyond(out: np.ndarray, r0: int, c0: int, cell_m: float, max_range_m: float) -> None:
    nrows = out.shape[0]
    dy2 = ((np.arange(nrows) - r0) * cell_m) ** 2
    for row in range(nrows):
        left = max_range_m**2 - dy2[row]
        if left < 0:
            out[row, :] = np.nan
            continue
        half = int(np.floor(np.sqrt(left) / cell_m + 1e-9))
        out[row, : max(c0 - half, 0)] = np.nan
        out[row, c0 + half + 1 :] = np.nan
