"""Synthetic DEMs for tests, validation and benchmarks (seeded, projected, square cells).

Every generator returns a float32 elevation grid [m] of shape (rows, cols). Wrap one in a
:class:`~iadsim.terrain.dem.Dem` with :func:`synthetic_dem` to place it on the earth in a
radar-centred azimuthal-equidistant frame.
"""

from __future__ import annotations

import numpy as np
from rasterio.transform import Affine
from scipy.ndimage import zoom

from iadsim.terrain.dem import Dem, aeqd_crs

__all__ = ["cone", "flat", "ridge", "smooth_random", "synthetic_dem"]


def _centred_xy(rows: int, cols: int, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    y = (rows // 2 - np.arange(rows))[:, None] * cell_m
    x = (np.arange(cols) - cols // 2)[None, :] * cell_m
    return x, y


def flat(rows: int, cols: int, height_m: float = 0.0) -> np.ndarray:
    """A flat DEM at ``height_m``. [m]"""
    return np.full((rows, cols), height_m, dtype=np.float32)


def cone(
    rows: int,
    cols: int,
    cell_m: float,
    centre_xy_m: tuple[float, float],
    peak_m: float,
    radius_m: float,
    base_m: float = 100.0,
) -> np.ndarray:
    """A conical hill of height ``peak_m`` and base radius ``radius_m`` on a plain. [m]"""
    x, y = _centred_xy(rows, cols, cell_m)
    d = np.hypot(x - centre_xy_m[0], y - centre_xy_m[1])
    return (base_m + peak_m * np.clip(1.0 - d / radius_m, 0.0, None)).astype(np.float32)


def ridge(
    rows: int,
    cols: int,
    cell_m: float,
    offset_m: float,
    height_m: float,
    half_width_m: float,
    angle_deg: float = 30.0,
    base_m: float = 200.0,
) -> np.ndarray:
    """A straight ridge (triangular section) at ``offset_m`` from the grid centre. [m]"""
    x, y = _centred_xy(rows, cols, cell_m)
    a = np.radians(angle_deg)
    d = np.abs(x * np.cos(a) + y * np.sin(a) - offset_m)
    return (base_m + height_m * np.clip(1.0 - d / half_width_m, 0.0, None)).astype(np.float32)


def smooth_random(
    rows: int,
    cols: int,
    seed: int,
    relief_m: float = 800.0,
    coarse_cells: int = 40,
    detail_cells: int = 400,
    detail_m: float = 60.0,
    base_m: float = 1000.0,
) -> np.ndarray:
    """Seeded smooth random terrain: two octants of bilinearly upsampled noise. [m]

    ``coarse_cells`` and ``detail_cells`` are the number of random knots across the grid for
    the large-scale relief (amplitude ``relief_m``) and the detail (``detail_m``).
    """
    rng = np.random.default_rng(seed)
    out = np.full((rows, cols), base_m, dtype=np.float32)
    for n_knots, amp in ((coarse_cells, relief_m), (detail_cells, detail_m)):
        n = min(n_knots, max(rows, cols)) + 1
        knots = rng.normal(size=(n, n)).astype(np.float32)
        up = zoom(knots, (rows / n * 1.0001, cols / n * 1.0001), order=1, prefilter=False)
        out += amp * up[:rows, :cols]
    return out


def synthetic_dem(grid_m: np.ndarray, cell_m: float, lat0_deg: float, lon0_deg: float) -> Dem:
    """Place a grid on an azimuthal-equidistant frame: cell (rows//2, cols//2) at (lat0, lon0)."""
    rows, cols = grid_m.shape
    transform = Affine(
        cell_m, 0.0, -(cols // 2 + 0.5) * cell_m, 0.0, -cell_m, (rows // 2 + 0.5) * cell_m
    )
    return Dem(
        np.ascontiguousarray(grid_m, dtype=np.float32), transform, aeqd_crs(lat0_deg, lon0_deg)
    )
