"""Numba kernels of the terrain layer, over plain float arrays (no units objects, no classes).

Heights are metres, distances metres, angles radians unless a name says otherwise. The typed
wrappers that validate inputs and convert units live in :mod:`iadsim.terrain.dem`,
:mod:`iadsim.terrain.coverage` and :mod:`iadsim.terrain.viewshed`.

Earth curvature and standard refraction are modelled by an earth of effective radius
``k * R``: a point at ground range ``r`` is lowered by ``r**2 / (2 k R)`` in a flat frame
tangent at the radar (``inv_2kr_per_m = 1 / (2 k R)`` below).

References
----------
Wang, J., Robinson, G. J. & White, K. (2000). Generating viewsheds without using sightlines.
Photogrammetric Engineering & Remote Sensing 66(1), 87-90.

GDAL, gdal_viewshed, https://gdal.org/programs/gdal_viewshed.html (algorithm in
``alg/viewshed.cpp``).
"""

from __future__ import annotations

import math
import os

import numba as nb
import numpy as np

# These kernels run in parallel (prange); the engine and sweeps fork process pools after they
# have run. GNU OpenMP is not fork safe (a forked worker aborts), so unless the user chose a
# threading layer, ask numba for a fork-safe one (TBB, Intel OpenMP, or its own workqueue).
if "NUMBA_THREADING_LAYER" not in os.environ:
    nb.config.THREADING_LAYER = "forksafe"

# --------------------------------------------------------------------------------------------
# Sampling
# --------------------------------------------------------------------------------------------


@nb.njit(inline="always", cache=True)
def _bilinear_one(grid, x, y):
    """Bilinear value of ``grid`` at centre-based fractional (column ``x``, row ``y``).

    Points between the outermost cell centres and the raster edge are clamped to the edge
    cells; points outside the raster give NaN, and so does any NaN neighbour.
    """
    nrows, ncols = grid.shape
    if not (x >= -0.5 and x <= ncols - 0.5 and y >= -0.5 and y <= nrows - 0.5):
        return np.nan
    x = min(max(x, 0.0), ncols - 1.0)
    y = min(max(y, 0.0), nrows - 1.0)
    i0 = min(int(x), ncols - 2) if ncols > 1 else 0
    j0 = min(int(y), nrows - 2) if nrows > 1 else 0
    i1 = min(i0 + 1, ncols - 1)
    j1 = min(j0 + 1, nrows - 1)
    wx = x - i0
    wy = y - j0
    top = grid[j0, i0] * (1.0 - wx) + grid[j0, i1] * wx
    bottom = grid[j1, i0] * (1.0 - wx) + grid[j1, i1] * wx
    return top * (1.0 - wy) + bottom * wy


@nb.njit(parallel=True, cache=True)
def bilinear_sample(grid, x, y, out):
    """Bilinear samples of ``grid`` at centre-based fractional indices (1-D ``x``, ``y``)."""
    for n in nb.prange(x.shape[0]):
        out[n] = _bilinear_one(grid, x[n], y[n])


# --------------------------------------------------------------------------------------------
# Polar coverage table
# --------------------------------------------------------------------------------------------


@nb.njit(parallel=True, cache=True)
def march_rays(
    grid,
    knot_x,
    knot_y,
    knot_range_m,
    range_step_m,
    oversample,
    radar_alt_m,
    inv_2kr_per_m,
    out_ground_m,
    out_min_agl_m,
    out_off_dem,
):
    """Polar ray march: minimum visible target height above ground along each azimuth.

    Ray positions are given at knots: ``knot_x``/``knot_y`` (n_az, n_knots) are centre-based
    fractional indices into ``grid`` at the ranges ``knot_range_m`` (increasing, first 0,
    last >= the last output range); positions in between are linear. The ground is sampled
    bilinearly every ``range_step_m / oversample`` for the horizon and stored every
    ``range_step_m`` in ``out_ground_m`` (n_az, n_range); points off the grid are taken at
    sea level (0 m) and flagged in ``out_off_dem``.

    At range ``r`` with ground ``g``, the curvature-corrected height is
    ``h = g - r**2 / (2kR)`` and its elevation slope from the radar ``t = (h - z_radar) / r``.
    With ``T`` the running maximum of ``t`` over all samples before ``r`` (the horizon), a
    target ``H`` above ground is visible when ``(h + H - z_radar) / r >= T``, so
    ``H_min = max(0, z_radar + T r - h)``. The first sample (the site) gives 0.
    """
    n_az = knot_x.shape[0]
    n_knots = knot_range_m.shape[0]
    n_range = out_ground_m.shape[1]
    fine_step = range_step_m / oversample
    n_fine = (n_range - 1) * oversample + 1
    for a in nb.prange(n_az):
        horizon = -np.inf
        k = 0
        for f in range(n_fine):
            r = f * fine_step
            while k < n_knots - 2 and knot_range_m[k + 1] < r:
                k += 1
            w = (r - knot_range_m[k]) / (knot_range_m[k + 1] - knot_range_m[k])
            x = knot_x[a, k] + w * (knot_x[a, k + 1] - knot_x[a, k])
            y = knot_y[a, k] + w * (knot_y[a, k + 1] - knot_y[a, k])
            g = _bilinear_one(grid, x, y)
            off = g != g
            if off:
                g = 0.0
            if f == 0:
                out_ground_m[a, 0] = g
                out_off_dem[a, 0] = off
                out_min_agl_m[a, 0] = 0.0
                continue
            h = g - r * r * inv_2kr_per_m
            if f % oversample == 0:
                m = f // oversample
                need = radar_alt_m + horizon * r - h
                out_ground_m[a, m] = g
                out_off_dem[a, m] = off
                out_min_agl_m[a, m] = need if need > 0.0 else 0.0
            t = (h - radar_alt_m) / r
            if t > horizon:
                horizon = t


@nb.njit(parallel=True, cache=True)
def table_lookup(grid, az_step_deg, range_step_m, max_range_m, az_deg, ground_range_m, out):
    """Polar-table lookup: nearest azimuth, linear in range, +inf beyond ``max_range_m``.

    ``grid`` is (n_az, n_range) with azimuth ``i * az_step_deg`` and range
    ``m * range_step_m``. NaN inputs give NaN.
    """
    n_az, n_range = grid.shape
    for n in nb.prange(az_deg.shape[0]):
        r = ground_range_m[n]
        az = az_deg[n]
        if not (r >= 0.0) or not (az == az):
            out[n] = np.nan
            continue
        if r > max_range_m:
            out[n] = np.inf
            continue
        a = math.floor(az / az_step_deg + 0.5) % n_az
        f = r / range_step_m
        m = min(int(f), n_range - 2) if n_range > 1 else 0
        w = f - m
        if n_range == 1:
            out[n] = grid[a, 0]
        else:
            out[n] = grid[a, m] * (1.0 - w) + grid[a, m + 1] * w


# --------------------------------------------------------------------------------------------
# GROUND raster viewshed (Wang et al. 2000, with gdal_viewshed's conventions)
# --------------------------------------------------------------------------------------------
#
# Heights are taken relative to the observer's eye, corrected for curvature:
#   h'(dx, dy) = dem - f * cell^2 (dx^2 + dy^2) - z_eye,   f = 1 / (2 k R).
# Each cell carries its "observable height" Z'' = max(h', Z'), where Z' is the height of the
# sight line through the horizon of the cells before it. Z' is obtained by interpolating the
# observable heights of the two neighbouring cells of the previous ring on the cell edge the
# sight line crosses, then extrapolating the line from the eye through that point (GDAL's
# "edge" mode). In local octant coordinates (u: major axis offset, v: minor, 0 < v < u):
#   Z'(u, v) = (Z''(u-1, v-1) * v + Z''(u-1, v) * (u - v)) / (u - 1)
# on the axes and diagonals the line through the single previous cell:
#   Z'(u, 0) = Z''(u-1, 0) * u / (u - 1),   Z'(u, u) = Z''(u-1, u-1) * u / (u - 1).
# Output (GROUND): max(0, Z' - h'). GDAL's special cases near the eye are reproduced: the eye
# cell and its two row neighbours give 0 (and the row neighbours keep Z'' = h'); the column
# neighbours and the four diagonal neighbours see the line through the eye cell's ground,
# Z' = -observer_height.


@nb.njit(inline="always", cache=True)
def _h_rel(dem, row, col, du, dv, f_cell2, z_eye):
    return dem[row, col] - f_cell2 * (du * du + dv * dv) - z_eye


@nb.njit(inline="always", cache=True)
def _visit(h, zline, out, row, col):
    """Store GROUND output for one cell, return its observable height."""
    if h != h:  # NaN ground: no obstruction, no output
        out[row, col] = np.nan
        return zline
    d = zline - h
    out[row, col] = d if d > 0.0 else 0.0
    return h if h > zline else zline


@nb.njit(cache=True)
def _chains(dem, r0, c0, f_cell2, z_eye, obs_h_m, out, axis, diag):
    """Axes and diagonals from the eye (8 half-lines), sequential and cheap.

    ``axis[d, u]`` holds Z'' on the half-axis ``d`` (0: +col, 1: -col, 2: +row, 3: -row) and
    ``diag[q, u]`` on the diagonal of quadrant ``q`` (row sign, col sign) = (q // 2, q % 2).
    """
    nrows, ncols = dem.shape
    out[r0, c0] = 0.0
    eye_ground_rel = -obs_h_m
    for d in range(4):
        if d == 0:
            sr, sc, n = 0, 1, ncols - 1 - c0
        elif d == 1:
            sr, sc, n = 0, -1, c0
        elif d == 2:
            sr, sc, n = 1, 0, nrows - 1 - r0
        else:
            sr, sc, n = -1, 0, r0
        axis[d, 0] = eye_ground_rel
        for u in range(1, n + 1):
            row = r0 + sr * u
            col = c0 + sc * u
            h = _h_rel(dem, row, col, u, 0.0, f_cell2, z_eye)
            if u == 1:
                if sr == 0:
                    # GDAL: row neighbours of the eye are visible, Z'' stays the ground.
                    out[row, col] = 0.0 if h == h else np.nan
                    axis[d, u] = h if h == h else eye_ground_rel
                    continue
                zline = eye_ground_rel
            else:
                zline = axis[d, u - 1] * u / (u - 1.0)
            axis[d, u] = _visit(h, zline, out, row, col)
    for q in range(4):
        sr = 1 if q // 2 == 0 else -1
        sc = 1 if q % 2 == 0 else -1
        n_r = nrows - 1 - r0 if sr > 0 else r0
        n_c = ncols - 1 - c0 if sc > 0 else c0
        n = min(n_r, n_c)
        diag[q, 0] = eye_ground_rel
        for u in range(1, n + 1):
            row = r0 + sr * u
            col = c0 + sc * u
            h = _h_rel(dem, row, col, u, u, f_cell2, z_eye)
            zline = eye_ground_rel if u == 1 else diag[q, u - 1] * u / (u - 1.0)
            diag[q, u] = _visit(h, zline, out, row, col)


@nb.njit(cache=True)
def _octant(dem, r0, c0, f_cell2, z_eye, out, axis, diag, octant, prev, cur):
    """Interior of one octant, row by row outward from the eye (row-major memory access).

    ``octant`` = 2 * quadrant + (1 if the octant's major axis is the row axis else 0).
    """
    nrows, ncols = dem.shape
    q = octant // 2
    rows_major = octant % 2 == 1
    sr = 1 if q // 2 == 0 else -1
    sc = 1 if q % 2 == 0 else -1
    n_r = nrows - 1 - r0 if sr > 0 else r0
    n_c = ncols - 1 - c0 if sc > 0 else c0
    d_col = 0 if sc > 0 else 1
    d_row = 2 if sr > 0 else 3
    if rows_major:
        # Major axis u along rows (|dy|), minor v along columns (|dx|), 0 < v < u.
        # Processing row u needs row u-1: prev[v] = Z''(u-1, v).
        for u in range(2, n_r + 1):
            row = r0 + sr * u
            vmax = min(u - 1, n_c)
            if vmax < 1:
                continue
            prev[0] = axis[d_row, u - 1]
            if u - 1 <= n_c:
                prev[u - 1] = diag[q, u - 1]
            cur[0] = axis[d_row, u]
            inv = 1.0 / (u - 1.0)
            for v in range(1, vmax + 1):
                col = c0 + sc * v
                h = _h_rel(dem, row, col, u, v, f_cell2, z_eye)
                zline = (prev[v - 1] * v + prev[v] * (u - v)) * inv
                cur[v] = _visit(h, zline, out, row, col)
            for v in range(1, vmax + 1):
                prev[v] = cur[v]
    else:
        # Major axis u along columns (|dx|), minor v along rows (|dy|), 0 < v < u.
        # Processed row by row (v outward), u outward within the row, as GDAL does:
        # prev[u] = Z''(u, v-1), and Z''(u-1, v) is the cell just done in this row.
        for u in range(0, n_c + 1):
            prev[u] = axis[d_col, u]
        for v in range(1, min(n_r, n_c - 1) + 1):
            row = r0 + sr * v
            left = diag[q, v]
            for u in range(v + 1, n_c + 1):
                col = c0 + sc * u
                h = _h_rel(dem, row, col, u, v, f_cell2, z_eye)
                zline = (prev[u - 1] * v + left * (u - v)) / (u - 1.0)
                # prev[u - 1] (row v - 1) is not needed any more: it becomes Z''(u - 1, v).
                prev[u - 1] = left
                left = _visit(h, zline, out, row, col)
            prev[n_c] = left


@nb.njit(parallel=True, cache=True)
def viewshed_ground_kernel(dem, r0, c0, cell_m, obs_h_m, inv_2kr_per_m, out):
    """GROUND viewshed of ``dem`` (float32/64, NaN nodata) from cell (``r0``, ``c0``).

    Writes into ``out`` (same shape, float32) the minimum target height above ground [m] at
    which each cell is visible from an eye ``obs_h_m`` above the ground of the eye cell. The
    eight octants are independent once the axes and diagonals are known, so they run in
    parallel (``prange``).
    """
    nrows, ncols = dem.shape
    f_cell2 = inv_2kr_per_m * cell_m * cell_m
    z_eye = dem[r0, c0] + obs_h_m
    n = max(nrows, ncols) + 1
    axis = np.full((4, n), -np.inf)
    diag = np.full((4, n), -np.inf)
    _chains(dem, r0, c0, f_cell2, z_eye, obs_h_m, out, axis, diag)
    for o in nb.prange(8):
        prev = np.empty(n + 1)
        cur = np.empty(n + 1)
        _octant(dem, r0, c0, f_cell2, z_eye, out, axis, diag, o, prev, cur)
