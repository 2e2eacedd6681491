"""Files of region coverage: GeoTIFF of covering counts, GeoJSON areas, a map with borders.

Rasters are on the region's equal-area grid (Lambert azimuthal equal-area, metres): one
uint8 band per altitude band holding the number of units covering the cell, 255 outside the
region. GeoJSON areas are in WGS84 lon/lat. Every file is written atomically.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import rasterio
import rasterio.features
import shapely
from shapely.geometry import mapping, shape

from iadsim.atomic import atomic_path
from iadsim.planning.coverage import RegionCoverage
from iadsim.planning.region import _reproject
from iadsim.report.coverage import load_borders

__all__ = ["coverage_geojson", "coverage_map_png", "coverage_tif", "raster"]

NODATA = 255


def raster(cov: RegionCoverage, kind: str) -> np.ndarray:
    """(n_bands, rows, cols) uint8 counts over the region's grid, 255 outside the region."""
    cells = cov.cells
    rows, cols = cells.shape
    out = np.full((len(cov.bands_m), rows, cols), NODATA, dtype=np.uint8)
    sel = cells.group < 0
    r, c = cells.row[sel], cells.col[sel]
    for b in range(len(cov.bands_m)):
        out[b, r, c] = np.minimum(cov.counts[kind][b][sel], NODATA - 1)
    return out


def coverage_tif(cov: RegionCoverage, kind: str, path: str | Path) -> Path:
    """Write the covering counts as a multi-band GeoTIFF (one band per altitude band)."""
    data = raster(cov, kind)
    with atomic_path(path, ".tif") as tmp:
        with rasterio.open(
            tmp,
            "w",
            driver="GTiff",
            width=data.shape[2],
            height=data.shape[1],
            count=data.shape[0],
            dtype="uint8",
            crs=cov.cells.crs,
            transform=cov.cells.transform,
            nodata=NODATA,
            compress="deflate",
        ) as dst:
            dst.write(data)
            for b, h in enumerate(cov.bands_m):
                dst.set_band_description(b + 1, f"{kind} {h:g} m AGL: units covering")
    return Path(path)


def coverage_geojson(cov: RegionCoverage, kind: str, path: str | Path | None = None) -> dict:
    """Covered areas per altitude band (MultiPolygons, lon/lat) with share and area."""
    data = raster(cov, kind)
    inv = cov.region._inv
    features = []
    for b, h in enumerate(cov.bands_m):
        mask = (data[b] != NODATA) & (data[b] > 0)
        polys = [
            shape(g)
            for g, v in rasterio.features.shapes(
                mask.astype(np.uint8), mask=mask, transform=cov.cells.transform
            )
            if v == 1
        ]
        geom = shapely.union_all(polys) if polys else shapely.MultiPolygon()
        geom = _reproject(geom, inv)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "kind": kind,
                    "altitude_m": float(h),
                    "share": cov.share(kind, b),
                    "area_km2": float(mask.sum()) * (cov.cells.cell_m / 1000.0) ** 2,
                    "target": cov.target.name,
                },
                "geometry": mapping(geom),
            }
        )
    fc = {"type": "FeatureCollection", "features": features}
    if path is not None:
        with atomic_path(path, ".geojson") as tmp, open(tmp, "w", encoding="utf-8") as f:
            json.dump(fc, f)
    return fc


def _draw_borders(ax, region, xlim, ylim) -> None:
    fwd = region._fwd
    for feat in load_borders()["features"]:
        geom = shape(feat["geometry"])
        for poly in getattr(geom, "geoms", [geom]):
            x, y = fwd.transform(*poly.exterior.xy)
            ax.plot(np.asarray(x) / 1e3, np.asarray(y) / 1e3, color="0.35", linewidth=0.5)
    for poly in getattr(region.projected, "geoms", [region.projected]):
        x, y = poly.exterior.xy
        ax.plot(np.asarray(x) / 1e3, np.asarray(y) / 1e3, color="k", linewidth=1.0)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)


def coverage_map_png(
    cov: RegionCoverage,
    kind: str,
    path: str | Path,
    *,
    title: str = "",
    bands: Sequence[int] | None = None,
    assets: Sequence[tuple[str, float, float]] = (),
    dpi: int = 110,
) -> Path:
    """Small multiples (one panel per altitude band) of covering counts, with borders,
    the region outline, the units and the defended assets."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib import patheffects
    from matplotlib.colors import BoundaryNorm, ListedColormap

    data = raster(cov, kind)
    bands = list(range(len(cov.bands_m))) if bands is None else list(bands)
    ncols = min(3, len(bands))
    nrows = int(np.ceil(len(bands) / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(4.2 * ncols, 3.9 * nrows), squeeze=False, layout="constrained"
    )
    t = cov.cells.transform
    rows, cols = cov.cells.shape
    extent = np.array([t.c, t.c + cols * t.a, t.f + rows * t.e, t.f]) / 1e3
    minx, miny, maxx, maxy = cov.region.projected.bounds
    pad = 0.05 * max(maxx - minx, maxy - miny)
    xlim = ((minx - pad) / 1e3, (maxx + pad) / 1e3)
    ylim = ((miny - pad) / 1e3, (maxy + pad) / 1e3)
    colours = ["#f2f0ef", "#9ecae1", "#4292c6", "#08519c", "#08306b"]
    cmap = ListedColormap(colours)
    # counts of 4 and more share the last colour; equal-width bins put each tick mid-colour
    norm = BoundaryNorm([-0.5, 0.5, 1.5, 2.5, 3.5, 4.5], cmap.N)
    ux, uy = cov.region.to_xy([u.lon for u in cov.units], [u.lat for u in cov.units])
    ax_list = axes.ravel()
    try:
        for ax, b in zip(ax_list, bands, strict=False):
            img = np.ma.masked_equal(data[b].astype(float), NODATA)
            img = np.ma.minimum(img, 4.0)
            im = ax.imshow(img, extent=extent, origin="upper", cmap=cmap, norm=norm)
            _draw_borders(ax, cov.region, xlim, ylim)
            if len(cov.units):
                ax.plot(
                    ux / 1e3,
                    uy / 1e3,
                    "^",
                    color="red",
                    markeredgecolor="k",
                    markersize=4,
                    markeredgewidth=0.5,
                    label="unit",
                )
            for i, (name, lat, lon) in enumerate(assets):
                ax_, ay_ = cov.region.to_xy(lon, lat)
                ax.plot(
                    ax_ / 1e3,
                    ay_ / 1e3,
                    "*",
                    color="gold",
                    markeredgecolor="k",
                    markeredgewidth=0.5,
                    label="defended asset" if i == 0 else None,
                )
                # a white halo keeps the name readable over coverage and unit markers
                ax.annotate(
                    name,
                    (ax_ / 1e3, ay_ / 1e3),
                    fontsize=6,
                    xytext=(4, -2),
                    textcoords="offset points",
                    path_effects=[patheffects.withStroke(linewidth=1.5, foreground="white")],
                )
            ax.set_title(
                f"{cov.bands_m[b]:g} m AGL: {100 * cov.share(kind, b):.1f}% covered", fontsize=9
            )
            ax.set_aspect("equal")
            ax.tick_params(labelsize=6)
            ax.set_xlabel("east [km]", fontsize=7)
            ax.set_ylabel("north [km]", fontsize=7)
        for ax in ax_list[len(bands) :]:
            ax.axis("off")
        cbar = fig.colorbar(im, ax=list(ax_list), shrink=0.6, ticks=[0, 1, 2, 3, 4])
        cbar.ax.set_yticklabels(["0", "1", "2", "3", "4+"])
        cbar.set_label(f"units covering ({kind})")
        handles, labels = ax_list[0].get_legend_handles_labels()
        if handles:
            fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=8)
        fig.suptitle(
            (title or f"{cov.region.name}: {kind} coverage of {cov.target.name}")
            + f"\nLambert equal-area km from {cov.region.name}'s centre",
            fontsize=10,
        )
        with atomic_path(path, ".png") as tmp:
            fig.savefig(tmp, dpi=dpi, format="png")
    finally:
        plt.close(fig)
    return Path(path)
