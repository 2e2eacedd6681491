"""A relief picture of the DEM for the HTML report's map (a Leaflet ``imageOverlay``)."""

from __future__ import annotations

import base64
import io
import math

import numpy as np

from iadsim.terrain import Dem

__all__ = ["hillshade_overlay"]


def _mercator_y(lat_deg):
    lat = np.radians(np.clip(lat_deg, -85.0, 85.0))
    return np.log(np.tan(np.pi / 4.0 + lat / 2.0))


def hillshade_overlay(
    dem: Dem,
    bounds: tuple[float, float, float, float],
    *,
    max_px: int = 900,
    azimuth_deg: float = 315.0,
    altitude_deg: float = 45.0,
    z_factor: float = 4.0,
) -> dict | None:
    """A hillshade of ``dem`` over ``bounds`` as a PNG data URI for a Leaflet imageOverlay.

    Shading follows the usual Lambertian hillshade (sun at ``azimuth_deg``, ``altitude_deg``;
    slopes from central differences, vertical exaggeration ``z_factor``). Only the departure
    from flat ground is drawn: darker slopes as black, lit slopes as white, with alpha growing
    with the departure, so plains and sea stay transparent. Rows are resampled to equal steps
    of Web-Mercator y so the picture lines up with Leaflet's vectors.

    Parameters
    ----------
    dem : Dem
        A DEM on a geographic (lon/lat) grid.
    bounds : (west, south, east, north)
        Area wanted; clipped to the DEM. [deg]
    max_px : int
        Largest side of the picture. [px]

    Returns
    -------
    dict or None
        ``{"url": "data:image/png;base64,...", "bounds": [[south, west], [north, east]]}``,
        or None if the DEM is not geographic or does not overlap ``bounds``.
    """
    from PIL import Image

    tr = dem.transform
    if not dem.crs.is_geographic or tr.b != 0 or tr.d != 0:
        return None
    rows, cols = dem.shape
    west, south, east, north = bounds
    c0 = max(math.floor((west - tr.c) / tr.a), 0)
    c1 = min(math.ceil((east - tr.c) / tr.a), cols)
    r0 = max(math.floor((north - tr.f) / tr.e), 0)
    r1 = min(math.ceil((south - tr.f) / tr.e), rows)
    if c1 - c0 < 4 or r1 - r0 < 4:
        return None
    z = np.nan_to_num(dem.elevation_grid_m[r0:r1, c0:c1].astype(np.float64), nan=0.0)
    lat = tr.f + (np.arange(r0, r1) + 0.5) * tr.e
    dy_m = abs(tr.e) * 110_574.0
    dx_m = abs(tr.a) * 111_320.0 * np.cos(np.radians(lat))[:, None]
    gy, gx = np.gradient(z * z_factor)
    # rows run southwards (tr.e < 0): north-facing gradient is -gy
    dzdx, dzdy = gx / dx_m, -gy / dy_m
    az = math.radians(azimuth_deg)
    alt = math.radians(altitude_deg)
    slope = np.arctan(np.hypot(dzdx, dzdy))
    aspect = np.arctan2(-dzdx, -dzdy)  # direction the slope faces, clockwise from north
    shade = np.sin(alt) * np.cos(slope) + np.cos(alt) * np.sin(slope) * np.cos(az - aspect)
    dev = shade - math.sin(alt)

    # decimate to at most max_px on the long side (block means)
    step = max(1, math.ceil(max(dev.shape) / max_px))
    h, w = dev.shape[0] // step * step, dev.shape[1] // step * step
    dev = dev[:h, :w].reshape(h // step, step, w // step, step).mean(axis=(1, 3))
    north_edge = tr.f + r0 * tr.e
    south_edge = tr.f + (r0 + h) * tr.e
    west_edge = tr.c + c0 * tr.a
    east_edge = tr.c + (c0 + w) * tr.a
    # resample rows to equal Web-Mercator steps
    n_rows = dev.shape[0]
    y = np.linspace(_mercator_y(north_edge), _mercator_y(south_edge), n_rows)
    lat_rows = np.degrees(2.0 * np.arctan(np.exp(y)) - np.pi / 2.0)
    src = np.clip(
        ((north_edge - lat_rows) / (north_edge - south_edge) * n_rows).astype(int), 0, n_rows - 1
    )
    dev = dev[src]
    lum = np.where(dev < 0, 0, 255).astype(np.uint8)
    # alpha in 16 levels: invisible on screen, and the PNG compresses several times better
    alpha = (np.clip(np.abs(dev) * 1.6, 0.0, 0.8) * 15).round().astype(np.uint8) * 17
    img = Image.fromarray(np.dstack([lum, alpha]), mode="LA")
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=6)
    return {
        "url": "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii"),
        "bounds": [[south_edge, west_edge], [north_edge, east_edge]],
    }
