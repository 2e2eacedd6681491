"""Coverage map outputs: minimum detectable height rasters, altitude-band polygons, quicklooks.

From the radars' polar coverage tables (:func:`iadsim.terrain.coverage_table`):

- :func:`coverage_raster`: the minimum target height above ground at which any radar sees
  each place (GROUND convention, union = minimum over radars) on an EPSG:4326 grid over the
  union of the radars' coverage discs, optionally written as a GeoTIFF (NaN nodata outside
  all radars);
- :func:`coverage_polygons`: GeoJSON areas where that height is <= each altitude band;
- :func:`quicklook_png`: a matplotlib picture with radar positions and country borders
  (Natural Earth, packaged with :mod:`iadsim.terrain`);
- :func:`disk_coverage_share` (re-exported from :mod:`iadsim.terrain.coverage`).

All files are written atomically (temporary file in the same directory, then ``os.replace``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import rasterio.features
import shapely
from rasterio.crs import CRS
from rasterio.transform import Affine
from shapely.geometry import mapping, shape

from iadsim import geo
from iadsim.atomic import atomic_path
from iadsim.terrain._io import write_geotiff_atomic
from iadsim.terrain.coverage import (
    DEFAULT_ALTITUDE_BANDS_M,
    CoverageTable,
    combined_min_visible_agl_at,
    disk_coverage_share,
)
from iadsim.terrain.dem import Dem

__all__ = [
    "BORDERS_NAME",
    "CoverageRaster",
    "coverage_polygons",
    "coverage_raster",
    "disk_coverage_share",
    "load_borders",
    "quicklook_png",
]

#: Natural Earth 1:10m admin-0 countries over the region, packaged with iadsim.terrain.
BORDERS_NAME = "ne10m_admin0_middle_east.geojson"


@dataclass(frozen=True, eq=False)
class CoverageRaster:
    """Minimum detectable height above ground on an EPSG:4326 grid.

    Attributes
    ----------
    min_visible_agl_m : ndarray of float32, shape (rows, cols)
        Lowest target height above ground seen by at least one radar; NaN outside all
        radars' ranges. [m]
    transform : Affine
        Pixel-corner transform (lon, lat degrees).
    crs : CRS
        EPSG:4326.
    """

    min_visible_agl_m: np.ndarray
    transform: Affine
    crs: CRS

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) [deg]."""
        rows, cols = self.min_visible_agl_m.shape
        west, north = self.transform @ (0, 0)
        east, south = self.transform @ (cols, rows)
        return (west, south, east, north)

    def write(self, path: str | Path) -> Path:
        """Write as a float32 GeoTIFF, NaN nodata (atomic)."""
        return write_geotiff_atomic(path, self.min_visible_agl_m, self.transform, self.crs)


def _union_bounds(tables: Sequence[CoverageTable]) -> tuple[float, float, float, float]:
    lats, lons = [], []
    for t in tables:
        az = np.arange(0.0, 360.0, 2.0)
        la, lo = geo.forward(t.lat_deg, t.lon_deg, az, t.max_range_m)
        lats += [la.min(), la.max()]
        lons += [lo.min(), lo.max()]
    return (min(lons), min(lats), max(lons), max(lats))


def coverage_raster(
    tables: Sequence[CoverageTable],
    path: str | Path | None = None,
    *,
    dem: Dem | None = None,
    cell_deg: float | None = None,
    bounds: tuple[float, float, float, float] | None = None,
) -> CoverageRaster:
    """Minimum detectable height above ground over the union of the radars' coverage.

    Parameters
    ----------
    tables : sequence of CoverageTable
        One per radar.
    path : path, optional
        GeoTIFF to write (float32, NaN nodata).
    dem : Dem, optional
        A geographic DEM whose grid the raster is aligned to (cells of the same size and
        phase, e.g. the packaged GLOBE 30" grid). Ignored if ``cell_deg`` is given.
    cell_deg : float, optional
        Cell size; default the DEM's, else 1/120 deg (30"). [deg]
    bounds : (west, south, east, north), optional
        Window; default the bounding box of all coverage discs. [deg]

    Returns
    -------
    CoverageRaster
    """
    if not tables:
        raise ValueError("no coverage tables")
    west, south, east, north = bounds or _union_bounds(tables)
    origin_lon, origin_lat = west, north
    if cell_deg is None:
        if (
            dem is not None
            and dem.crs.is_geographic
            and dem.transform.b == 0
            and dem.transform.d == 0
        ):
            cell_deg = abs(dem.transform.a)
            # Snap the window onto the DEM's grid.
            origin_lon = (
                dem.transform.c + math.floor((west - dem.transform.c) / cell_deg) * cell_deg
            )
            origin_lat = (
                dem.transform.f - math.floor((dem.transform.f - north) / cell_deg) * cell_deg
            )
        else:
            cell_deg = 1.0 / 120.0
    cols = max(math.ceil((east - origin_lon) / cell_deg - 1e-9), 1)
    rows = max(math.ceil((origin_lat - south) / cell_deg - 1e-9), 1)
    transform = Affine(cell_deg, 0.0, origin_lon, 0.0, -cell_deg, origin_lat)
    lon = origin_lon + (np.arange(cols) + 0.5) * cell_deg
    out = np.empty((rows, cols), dtype=np.float32)
    block = max(1, 2_000_000 // cols)
    for r in range(0, rows, block):
        lat = origin_lat - (np.arange(r, min(r + block, rows)) + 0.5) * cell_deg
        lo, la = np.meshgrid(lon, lat)
        out[r : r + len(lat)] = combined_min_visible_agl_at(tables, la, lo)
    out[~np.isfinite(out)] = np.nan
    raster = CoverageRaster(out, transform, CRS.from_epsg(4326))
    if path is not None:
        raster.write(path)
    return raster


def coverage_polygons(
    raster: CoverageRaster,
    altitudes_m: Sequence[float] = DEFAULT_ALTITUDE_BANDS_M,
    path: str | Path | None = None,
    simplify_deg: float | None = None,
) -> dict:
    """GeoJSON FeatureCollection of the areas where the minimum height is <= each altitude.

    One feature per altitude (a valid MultiPolygon, EPSG:4326 lon/lat), with properties
    ``altitude_m`` [m AGL] and ``area_km2`` (geodesic). Written atomically if ``path`` is given.
    """
    grid = raster.min_visible_agl_m
    features = []
    for alt in altitudes_m:
        mask = np.isfinite(grid) & (grid <= alt)
        polys = [
            shape(g)
            for g, v in rasterio.features.shapes(
                mask.astype(np.uint8), mask=mask, transform=raster.transform, connectivity=4
            )
            if v == 1
        ]
        geom = shapely.union_all(polys) if polys else shapely.MultiPolygon()
        if simplify_deg:
            geom = geom.simplify(simplify_deg, preserve_topology=True)
        geom = shapely.make_valid(geom)
        if geom.geom_type == "Polygon":
            geom = shapely.MultiPolygon([geom])
        elif geom.geom_type not in ("MultiPolygon",):
            geom = shapely.MultiPolygon(
                [p for p in getattr(geom, "geoms", []) if p.geom_type == "Polygon"]
            )
        area_m2 = abs(geo.GEOD.geometry_area_perimeter(geom)[0]) if not geom.is_empty else 0.0
        features.append(
            {
                "type": "Feature",
                "properties": {"altitude_m": float(alt), "area_km2": area_m2 / 1e6},
                "geometry": mapping(geom),
            }
        )
    fc = {"type": "FeatureCollection", "features": features}
    if path is not None:
        with atomic_path(path, ".geojson") as tmp, open(tmp, "w", encoding="utf-8") as f:
            json.dump(fc, f)
    return fc


def load_borders() -> dict:
    """The packaged Natural Earth admin-0 borders (GeoJSON dict, public domain)."""
    ref = resources.files("iadsim.terrain").joinpath("data", BORDERS_NAME)
    return json.loads(ref.read_text(encoding="utf-8"))


def quicklook_png(
    raster: CoverageRaster,
    path: str | Path,
    tables: Sequence[CoverageTable] = (),
    *,
    title: str = "Minimum detectable height above ground",
    max_height_m: float = 2000.0,
    dpi: int = 120,
) -> Path:
    """A PNG of the coverage raster with radar positions and country borders (atomic)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    west, south, east, north = raster.bounds
    aspect = 1.0 / max(math.cos(math.radians((south + north) / 2)), 0.1)
    fig, ax = plt.subplots(figsize=(9, 7.5))
    try:
        im = ax.imshow(
            np.ma.masked_invalid(raster.min_visible_agl_m),
            extent=(west, east, south, north),
            origin="upper",
            cmap="viridis_r",
            vmin=0.0,
            vmax=max_height_m,
            aspect=aspect,
            interpolation="nearest",
        )
        fig.colorbar(im, ax=ax, shrink=0.8, label="minimum detectable height AGL [m]")
        for feat in load_borders()["features"]:
            geom = shape(feat["geometry"])
            for poly in getattr(geom, "geoms", [geom]):
                x, y = poly.exterior.xy
                ax.plot(x, y, color="0.25", linewidth=0.6)
        for t in tables:
            ax.plot(
                t.lon_deg, t.lat_deg, marker="^", color="red", markersize=7, markeredgecolor="k"
            )
        ax.set_xlim(west, east)
        ax.set_ylim(south, north)
        ax.set_xlabel("longitude [deg]")
        ax.set_ylabel("latitude [deg]")
        ax.set_title(title)
        with atomic_path(path, ".png") as tmp:
            fig.savefig(tmp, dpi=dpi, format="png", bbox_inches="tight")
    finally:
        plt.close(fig)
    return Path(path)
