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


def colour_limit_m(grid: np.ndarray, floor_m: float = 10.0) -> float:
    """Top of the colour scale fitted to the data: the 98th percentile of the seen cells,
    rounded up to a round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) (at least ``floor_m``), so a short-range
    radar's map is not one colour and a few mountain shadows do not squash the rest. [m]"""
    seen = np.asarray(grid, dtype=float)
    seen = seen[np.isfinite(seen)]
    top = float(np.percentile(seen, 98)) if seen.size else floor_m
    top = max(top, floor_m)
    power = 10.0 ** math.floor(math.log10(top))
    for step in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if top <= step * power * (1 + 1e-9):
            return step * power
    return 10.0 * power


def quicklook_png(
    raster: CoverageRaster,
    path: str | Path,
    tables: Sequence[CoverageTable] = (),
    *,
    title: str = "Minimum detectable height above ground",
    max_height_m: float | None = None,
    dpi: int = 120,
) -> Path:
    """A PNG of the coverage raster with radar positions, sector edges and country borders
    (atomic). The colour scale runs from 0 to ``max_height_m``, default fitted to the data
    (:func:`colour_limit_m`); heights above it take the top colour."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    west, south, east, north = raster.bounds
    aspect = 1.0 / max(math.cos(math.radians((south + north) / 2)), 0.1)
    vmax = max_height_m if max_height_m is not None else colour_limit_m(raster.min_visible_agl_m)
    fig, ax = plt.subplots(figsize=(9, 7.5))
    try:
        im = ax.imshow(
            np.ma.masked_invalid(raster.min_visible_agl_m),
            extent=(west, east, south, north),
            origin="upper",
            cmap="viridis_r",
            vmin=0.0,
            vmax=vmax,
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
            if t.sector_width_deg < 360.0:  # the sector's edges, out to the table's range
                for edge in (-0.5, 0.5):
                    az = t.sector_center_deg + edge * t.sector_width_deg
                    la, lo = geo.forward(t.lat_deg, t.lon_deg, az, t.max_range_m)
                    ax.plot([t.lon_deg, float(lo)], [t.lat_deg, float(la)], "r--", lw=0.9)
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


def coverage_maps(
    scenario,
    out_dir: str | Path,
    altitudes_m: Sequence[float] = DEFAULT_ALTITUDE_BANDS_M,
    variant: str | None = None,
) -> dict:
    """Coverage maps of a scenario's radars (``iadsim coverage``), written atomically.

    The radars are those of ``variant`` (default: every fire unit and sensor of the scenario),
    built from the scenario's own catalog (its entries and overrides, as the engine uses them)
    and limited to the sector each covers as placed. Per radar and for their union: a GeoTIFF
    of the minimum detectable height, GeoJSON band polygons and a PNG; and ``coverage.json``
    with each radar's site, antenna height, range and sector and each band's area.

    Returns the ``coverage.json`` content.
    """
    from iadsim.atomic import AtomicDir
    from iadsim.engine.prepare import radar_sites, site_table
    from iadsim.errors import InputError
    from iadsim.scenario.loader import resolve_terrain

    var = scenario.variant(variant) if variant is not None else None
    fus = [
        f
        for f in scenario.fire_units
        if var is None or var.fire_units is None or f.name in var.fire_units
    ]
    sensors = [
        s for s in scenario.sensors if var is None or var.sensors is None or s.name in var.sensors
    ]
    dem = resolve_terrain(scenario)
    if dem is None:
        dem = Dem.default()
        if not all(bool(dem.contains(f.lat, f.lon)) for f in [*fus, *sensors]):
            raise InputError.single(
                "coverage maps need terrain: the radars lie outside the packaged DEM; "
                "give one with terrain.dem",
                scenario.source_path,
                field_path="terrain.dem",
            )
    sites = radar_sites(fus, sensors, scenario.effective_catalog)
    if not sites:
        which = f"variant '{variant}'" if variant is not None else "the scenario"
        raise InputError.single(
            f"{which} has no radars (fire units or sensors)",
            scenario.source_path,
            field_path="--variant" if variant is not None else "fire_units",
        )
    k = scenario.propagation.k_factor
    tables = [
        site_table(
            dem, site, k, scenario.terrain.az_step_deg, scenario.terrain.range_step_m
        ).with_sector(site.sector_center_deg, site.sector_width_deg)
        for site in sites
    ]
    label = f"{scenario.name}" + (f" [{variant}]" if variant is not None else "")
    summary = {
        "scenario": scenario.name,
        "variant": variant,
        "dem": dem.name,
        "k_factor": k,
        "altitudes_m": [float(a) for a in altitudes_m],
        "radars": [
            {
                "name": site.name,
                "lat": site.lat,
                "lon": site.lon,
                "antenna_height_m": site.spec.antenna_height_m.si(),
                "instrumented_range_m": site.spec.instrumented_range_km.si(),
                "sector_center_deg": site.sector_center_deg,
                "sector_width_deg": site.sector_width_deg,
            }
            for site in sites
        ],
        "maps": {},
    }
    with AtomicDir(Path(out_dir)) as tmp:
        groups = [(site.name.replace("/", "_"), [t]) for site, t in zip(sites, tables, strict=True)]
        groups.append(("union", tables))
        for name, group in groups:
            raster = coverage_raster(group, tmp / f"{name}.tif", dem=dem)
            fc = coverage_polygons(raster, altitudes_m, tmp / f"{name}.geojson")
            vmax = colour_limit_m(raster.min_visible_agl_m)
            quicklook_png(
                raster, tmp / f"{name}.png", group, title=f"{label}: {name}", max_height_m=vmax
            )
            summary["maps"][name] = {
                "colour_scale_max_m": vmax,
                "area_km2": {
                    str(f["properties"]["altitude_m"]): f["properties"]["area_km2"]
                    for f in fc["features"]
                },
            }
        (tmp / "coverage.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary
