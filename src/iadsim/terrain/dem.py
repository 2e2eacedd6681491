"""Digital elevation models: reading (rasterio), bilinear sampling, reprojection to a radar frame.

Elevations are metres above mean sea level (the DEM's vertical datum); the geoid-ellipsoid
separation over the region (< 20 m) is ignored, as everywhere in iadsim. Latitudes and
longitudes are WGS84 degrees. Sampling is bilinear between cell centres (GDAL's
pixel-is-area convention: the value of a cell is at its centre).

References
----------
GLOBE Task Team et al. (1999). The Global Land One-kilometer Base Elevation (GLOBE) Digital
Elevation Model, Version 1.0. NOAA National Geophysical Data Center.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

import numpy as np
import pyproj
import rasterio
import rasterio.warp
from rasterio.crs import CRS
from rasterio.transform import Affine

from iadsim.errors import InputError
from iadsim.terrain._io import write_geotiff_atomic
from iadsim.terrain.kernels import bilinear_sample

#: Up to this many points, :meth:`Dem.sample_pixel` samples with numpy, above in parallel numba.
_NUMPY_MAX_POINTS = 200_000

__all__ = ["DEFAULT_DEM_NAME", "Dem", "aeqd_crs"]

#: The packaged DEM: NOAA GLOBE 30" crop over Iraq and surroundings (see data/PROVENANCE.md).
DEFAULT_DEM_NAME = "globe30s_middle_east.tif"


def aeqd_crs(lat0_deg: float, lon0_deg: float) -> CRS:
    """Azimuthal-equidistant CRS centred on (lat0, lon0) on WGS84.

    Distances and azimuths from the centre are geodesic (exact) in this projection.
    """
    return CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat0_deg!r} +lon_0={lon0_deg!r} +datum=WGS84 +units=m +no_defs"
    )


def bilinear_numpy(grid: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """:func:`iadsim.terrain.kernels.bilinear_sample` in numpy, the same operations in the same
    order (so the same values to the bit), for a few points where loading the parallel kernel
    costs more than the work."""
    nrows, ncols = grid.shape
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    inside = (x >= -0.5) & (x <= ncols - 0.5) & (y >= -0.5) & (y <= nrows - 0.5)
    xc = np.minimum(np.maximum(np.where(inside, x, 0.0), 0.0), ncols - 1.0)
    yc = np.minimum(np.maximum(np.where(inside, y, 0.0), 0.0), nrows - 1.0)
    i0 = np.minimum(xc.astype(np.int64), ncols - 2) if ncols > 1 else np.zeros(x.shape, np.int64)
    j0 = np.minimum(yc.astype(np.int64), nrows - 2) if nrows > 1 else np.zeros(y.shape, np.int64)
    i1 = np.minimum(i0 + 1, ncols - 1)
    j1 = np.minimum(j0 + 1, nrows - 1)
    wx = xc - i0
    wy = yc - j0
    top = grid[j0, i0] * (1.0 - wx) + grid[j0, i1] * wx
    bottom = grid[j1, i0] * (1.0 - wx) + grid[j1, i1] * wx
    return np.where(inside, top * (1.0 - wy) + bottom * wy, np.nan)


@dataclass(frozen=True, eq=False)
class Dem:
    """A gridded ground elevation model.

    Attributes
    ----------
    elevation_grid_m : ndarray of float32, shape (rows, cols)
        Ground elevation above mean sea level, NaN where there is no data. [m]
    transform : Affine
        Pixel-corner affine transform, (col, row) -> (x, y) in ``crs`` units.
    crs : rasterio.crs.CRS
        Coordinate reference system of the grid.
    path : str or None
        File the DEM was read from (for error messages and provenance).
    """

    elevation_grid_m: np.ndarray
    transform: Affine
    crs: CRS
    path: str | None = None

    # ------------------------------------------------------------------ constructors
    @classmethod
    def open(cls, path: str | Path, band: int = 1) -> Dem:
        """Read a GeoTIFF (or any raster GDAL reads) in any CRS. Nodata becomes NaN."""
        path_s = str(path)
        try:
            with rasterio.open(path_s) as src:
                data = src.read(band, masked=True)
                transform = src.transform
                crs = src.crs
        except (rasterio.errors.RasterioError, OSError, IndexError) as exc:
            raise InputError.single(f"cannot read the DEM: {exc}", file=path_s) from exc
        if crs is None:
            raise InputError.single("the DEM has no coordinate reference system", file=path_s)
        if transform.is_identity:
            raise InputError.single("the DEM has no georeferencing (geotransform)", file=path_s)
        grid = np.ma.filled(data.astype(np.float32), np.nan)
        return cls(np.ascontiguousarray(grid), transform, crs, path_s)

    @classmethod
    def default(cls) -> Dem:
        """The packaged NOAA GLOBE 30-arc-second DEM over 25-42 N, 33-56 E (public domain).

        Read once per process (it is immutable), so repeated scenario runs share it."""
        return _default_dem()

    # ------------------------------------------------------------------ geometry
    @property
    def shape(self) -> tuple[int, int]:
        return self.elevation_grid_m.shape  # type: ignore[return-value]

    @property
    def name(self) -> str:
        return self.path or "<in-memory DEM>"

    @cached_property
    def _from_lonlat(self) -> pyproj.Transformer | None:
        if self.crs == CRS.from_epsg(4326):
            return None
        return pyproj.Transformer.from_crs("EPSG:4326", self.crs.to_wkt(), always_xy=True)

    def lonlat_to_xy(self, lon_deg, lat_deg) -> tuple[np.ndarray, np.ndarray]:
        """Geographic coordinates [deg] to the DEM's CRS coordinates."""
        lon = np.asarray(lon_deg, dtype=float)
        lat = np.asarray(lat_deg, dtype=float)
        tr = self._from_lonlat
        if tr is None:
            return np.broadcast_arrays(lon, lat)  # type: ignore[return-value]
        x, y = tr.transform(lon, lat)
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def xy_to_pixel(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """CRS coordinates to centre-based fractional (column, row) indices."""
        inv = ~self.transform
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        col = inv.a * x + inv.b * y + inv.c - 0.5
        row = inv.d * x + inv.e * y + inv.f - 0.5
        return col, row

    # ------------------------------------------------------------------ sampling
    def sample_pixel(self, col, row) -> np.ndarray:
        """Bilinear elevation at centre-based fractional (column, row) indices. [m]"""
        col_a, row_a = np.broadcast_arrays(np.asarray(col, float), np.asarray(row, float))
        shape = col_a.shape
        if col_a.size <= _NUMPY_MAX_POINTS:
            # few points (sites, one raid's tracks): numpy, which spares loading the parallel
            # kernel and starting numba's threads (~0.3 s of a small run)
            return bilinear_numpy(self.elevation_grid_m, col_a.ravel(), row_a.ravel()).reshape(
                shape
            )
        out = np.empty(col_a.size, dtype=float)
        bilinear_sample(
            self.elevation_grid_m,
            np.ascontiguousarray(col_a.ravel()),
            np.ascontiguousarray(row_a.ravel()),
            out,
        )
        return out.reshape(shape)

    def elevation_m(self, lat_deg, lon_deg) -> np.ndarray:
        """Ground elevation above mean sea level at (lat, lon), bilinear; NaN outside. [m]

        Parameters
        ----------
        lat_deg, lon_deg : float or array_like
            WGS84 latitude and longitude (broadcast together). [deg]
        """
        x, y = self.lonlat_to_xy(lon_deg, lat_deg)
        return self.sample_pixel(*self.xy_to_pixel(x, y))

    def contains(self, lat_deg, lon_deg) -> np.ndarray:
        """True where (lat, lon) lies on the DEM and has an elevation."""
        return np.isfinite(self.elevation_m(lat_deg, lon_deg))

    def require(
        self, lat_deg: float, lon_deg: float, site: str = "site", field_path: str = ""
    ) -> float:
        """Ground elevation at a site [m], or an :class:`InputError` naming the site and DEM."""
        z = float(self.elevation_m(lat_deg, lon_deg))
        if not math.isfinite(z):
            raise InputError.single(
                f"{site} at {lat_deg:.4f} N {lon_deg:.4f} E is outside the DEM {self.name} "
                "(or on a no-data cell)",
                file=self.path,
                field_path=field_path,
            )
        return z

    # ------------------------------------------------------------------ reprojection
    def to_aeqd(self, lat0_deg: float, lon0_deg: float, cell_m: float, half_size_m: float) -> Dem:
        """Reproject (bilinear) onto a square azimuthal-equidistant grid centred on a site.

        The grid has ``2 n + 1`` cells a side with ``n = ceil(half_size_m / cell_m)``; the site
        is the centre of cell (n, n), so range and azimuth from the site are exact on it.
        Cells off the source DEM are NaN.

        Parameters
        ----------
        lat0_deg, lon0_deg : float
            Centre (the radar site). [deg]
        cell_m : float
            Cell size. [m]
        half_size_m : float
            Half the side of the square grid. [m]
        """
        n = math.ceil(half_size_m / cell_m)
        size = 2 * n + 1
        origin = (n + 0.5) * cell_m
        dst_transform = Affine(cell_m, 0.0, -origin, 0.0, -cell_m, origin)
        dst_crs = aeqd_crs(lat0_deg, lon0_deg)
        dst = np.full((size, size), np.nan, dtype=np.float32)
        rasterio.warp.reproject(
            source=self.elevation_grid_m,
            destination=dst,
            src_transform=self.transform,
            src_crs=self.crs,
            src_nodata=np.nan,
            dst_transform=dst_transform,
            dst_crs=dst_crs,
            dst_nodata=np.nan,
            resampling=rasterio.warp.Resampling.bilinear,
        )
        return Dem(dst, dst_transform, dst_crs, self.path)

    def write(self, path: str | Path) -> None:
        """Write as a float32 GeoTIFF with NaN nodata (atomic: temp file then rename)."""
        write_geotiff_atomic(path, self.elevation_grid_m, self.transform, self.crs)


@functools.cache
def _default_dem() -> Dem:
    ref = resources.files("iadsim.terrain").joinpath("data", DEFAULT_DEM_NAME)
    with resources.as_file(ref) as p:
        dem = Dem.open(p)
    dem.elevation_grid_m.setflags(write=False)  # shared by every caller: keep it immutable
    return dem
