"""Regions and equal-area grids: the cells over which coverage is counted.

A region is a Natural Earth admin-0 country from the packaged borders file (by name or ISO
code) or a polygon from a GeoJSON file. It is sampled by square cells of a Lambert azimuthal
equal-area projection centred on the region, so every cell stands for the same area and the
share of cells covered is the share of the region's area covered. Defended assets add the
cells of a disk around them (their "surroundings"), on the same lattice.

References
----------
Snyder, J. P. (1987). Map Projections: A Working Manual. USGS Professional Paper 1395,
pp. 182-190 (Lambert azimuthal equal-area).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pyproj
import shapely
from rasterio.crs import CRS
from rasterio.transform import Affine
from shapely.geometry import shape

from iadsim import geo
from iadsim.errors import InputError

__all__ = ["Cells", "Region", "grid_cells", "load_region"]


def _reproject(geom: shapely.Geometry, transformer: pyproj.Transformer) -> shapely.Geometry:
    """A geometry's coordinates through a pyproj transformer (x, y order)."""

    def fn(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


@dataclass(frozen=True, eq=False)
class Region:
    """A region: its name and its polygon in WGS84 lon/lat degrees."""

    name: str
    geometry: shapely.Geometry

    @cached_property
    def area_km2(self) -> float:
        """Geodesic area of the polygon. [km^2]"""
        return abs(geo.GEOD.geometry_area_perimeter(self.geometry)[0]) / 1e6

    @cached_property
    def crs(self) -> CRS:
        """Lambert azimuthal equal-area CRS centred on the region's centroid."""
        c = self.geometry.centroid
        return CRS.from_proj4(
            f"+proj=laea +lat_0={c.y:.6f} +lon_0={c.x:.6f} +datum=WGS84 +units=m +no_defs"
        )

    @cached_property
    def _fwd(self) -> pyproj.Transformer:
        return pyproj.Transformer.from_crs("EPSG:4326", self.crs.to_wkt(), always_xy=True)

    @cached_property
    def _inv(self) -> pyproj.Transformer:
        return pyproj.Transformer.from_crs(self.crs.to_wkt(), "EPSG:4326", always_xy=True)

    def to_xy(self, lon_deg, lat_deg) -> tuple[np.ndarray, np.ndarray]:
        """Lon/lat [deg] to the equal-area frame [m]."""
        x, y = self._fwd.transform(np.asarray(lon_deg, float), np.asarray(lat_deg, float))
        return np.asarray(x, float), np.asarray(y, float)

    def to_lonlat(self, x_m, y_m) -> tuple[np.ndarray, np.ndarray]:
        """Equal-area frame [m] to lon/lat [deg]."""
        lon, lat = self._inv.transform(np.asarray(x_m, float), np.asarray(y_m, float))
        return np.asarray(lon, float), np.asarray(lat, float)

    @cached_property
    def projected(self) -> shapely.Geometry:
        """The polygon in the equal-area frame. [m]"""
        return _reproject(self.geometry, self._fwd)


def _borders() -> dict:
    from importlib import resources

    ref = resources.files("iadsim.terrain").joinpath("data", "ne10m_admin0_middle_east.geojson")
    return json.loads(ref.read_text(encoding="utf-8"))


def country_names() -> list[str]:
    """Names of the countries in the packaged Natural Earth borders file."""
    return sorted(str(f["properties"].get("name")) for f in _borders()["features"])


def load_region(
    spec: str, base_dir: str | Path | None = None, field_path: str = "region"
) -> Region:
    """A country of the packaged borders (name or ISO 3166 alpha-3, any case) or a GeoJSON file.

    A GeoJSON file may hold a Feature, a FeatureCollection (its polygons are united) or a bare
    Polygon/MultiPolygon, in lon/lat degrees.

    Raises
    ------
    InputError
        Unknown country (the message lists the known ones), unreadable file, no polygon.
    """
    text = spec.strip()
    if text.lower().endswith((".geojson", ".json")):
        path = Path(text)
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError.single(
                f"cannot read the region {path}: {exc}", field_path=field_path
            ) from None
        if data.get("type") == "FeatureCollection":
            geoms = [shape(f["geometry"]) for f in data.get("features", []) if f.get("geometry")]
        elif data.get("type") == "Feature":
            geoms = [shape(data["geometry"])]
        else:
            geoms = [shape(data)]
        polys = [g for g in geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        if not polys:
            raise InputError.single(f"{path} holds no polygon", field_path=field_path)
        return Region(path.stem, shapely.make_valid(shapely.union_all(polys)))
    want = text.lower()
    for feat in _borders()["features"]:
        props = feat["properties"]
        if want in (str(props.get("name", "")).lower(), str(props.get("iso_a3", "")).lower()):
            return Region(str(props["name"]), shapely.make_valid(shape(feat["geometry"])))
    raise InputError.single(
        f"unknown region '{spec}': give a GeoJSON file or a country of the packaged borders "
        f"({', '.join(country_names())})",
        field_path=field_path,
    )


@dataclass(frozen=True, eq=False)
class Cells:
    """Sample points of equal area: the region's cells, then each asset's surroundings.

    Attributes
    ----------
    lat, lon : ndarray
        Cell centres. [deg]
    group : ndarray of int
        -1 for a region cell, ``a`` for a cell of asset ``a``'s surroundings.
    row, col : ndarray of int
        Position of region cells on the raster (``transform``); -1 for asset cells.
    transform : Affine
        Pixel-corner transform of the region raster in ``crs`` (metres).
    shape : (rows, cols)
        Raster shape.
    crs : CRS
        The equal-area CRS.
    cell_m : float
        Cell side. [m]
    asset_names : list of str
        Names of the assets, by group index.
    """

    lat: np.ndarray
    lon: np.ndarray
    group: np.ndarray
    row: np.ndarray
    col: np.ndarray
    transform: Affine
    shape: tuple[int, int]
    crs: CRS
    cell_m: float
    asset_names: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.lat.size)

    @property
    def region_mask(self) -> np.ndarray:
        return self.group < 0

    @property
    def n_region(self) -> int:
        return int(np.count_nonzero(self.group < 0))

    def fingerprint(self) -> str:
        """A hash of the cell centres (part of the coverage cache key)."""
        import hashlib

        h = hashlib.sha256()
        for a in (self.lat, self.lon):
            h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
        return h.hexdigest()[:24]


def grid_cells(
    region: Region,
    cell_m: float,
    assets: Sequence[tuple[str, float, float]] = (),
    asset_radius_m: float = 50_000.0,
) -> Cells:
    """Equal-area square cells whose centres lie in the region, plus asset surroundings.

    Parameters
    ----------
    region : Region
    cell_m : float
        Cell side in the equal-area frame. [m]
    assets : sequence of (name, lat, lon)
        Defended assets; each adds the lattice cells within ``asset_radius_m`` (geodesic)
        of it, whether or not they lie in the region.
    asset_radius_m : float
        Radius of an asset's surroundings. [m]
    """
    if not cell_m > 0:
        raise ValueError("cell_m must be positive")
    minx, miny, maxx, maxy = region.projected.bounds
    x0 = np.floor(minx / cell_m) * cell_m
    y1 = np.ceil(maxy / cell_m) * cell_m
    cols = int(np.ceil((maxx - x0) / cell_m))
    rows = int(np.ceil((y1 - miny) / cell_m))
    transform = Affine(cell_m, 0.0, x0, 0.0, -cell_m, y1)
    cc, rr = np.meshgrid(np.arange(cols), np.arange(rows))
    x = x0 + (cc + 0.5) * cell_m
    y = y1 - (rr + 0.5) * cell_m
    inside = shapely.contains_xy(region.projected, x, y)
    rr, cc, x, y = rr[inside], cc[inside], x[inside], y[inside]
    lon, lat = region.to_lonlat(x, y)
    lats, lons, groups = [lat], [lon], [np.full(lat.size, -1, dtype=np.int64)]
    for a, (_name, alat, alon) in enumerate(assets):
        ax, ay = region.to_xy(alon, alat)
        n = int(np.ceil(asset_radius_m * 1.05 / cell_m)) + 1
        gx = np.floor(ax / cell_m) * cell_m + (np.arange(-n, n + 1) + 0.5) * cell_m
        gy = np.floor(ay / cell_m) * cell_m + (np.arange(-n, n + 1) + 0.5) * cell_m
        mx, my = np.meshgrid(gx, gy)
        plon, plat = region.to_lonlat(mx.ravel(), my.ravel())
        _, _, dist = geo.inverse(alat, alon, plat, plon)
        keep = dist <= asset_radius_m
        lats.append(plat[keep])
        lons.append(plon[keep])
        groups.append(np.full(int(keep.sum()), a, dtype=np.int64))
    n_extra = sum(g.size for g in groups[1:])
    return Cells(
        lat=np.concatenate(lats),
        lon=np.concatenate(lons),
        group=np.concatenate(groups),
        row=np.concatenate([rr, np.full(n_extra, -1)]).astype(np.int64),
        col=np.concatenate([cc, np.full(n_extra, -1)]).astype(np.int64),
        transform=transform,
        shape=(rows, cols),
        crs=region.crs,
        cell_m=float(cell_m),
        asset_names=tuple(a[0] for a in assets),
    )
