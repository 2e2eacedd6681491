"""Candidate sites and the units a plan may place on them.

Grid sites lie on a square lattice of the region's equal-area frame; a site is dropped when it
is on water (DEM no-data, or a lake: see :func:`on_water`), on a slope steeper than the limit, or closer to the border than
the buffer. Explicit sites are kept as given (they must lie on the DEM).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from iadsim import geo
from iadsim.errors import InputError
from iadsim.planning.region import Region
from iadsim.scenario.schema import FireUnit, Sensor

__all__ = [
    "Candidate",
    "candidate_sites",
    "make_units",
    "on_water",
    "slope_deg",
    "threat_axis_deg",
]


@dataclass(frozen=True)
class Candidate:
    name: str
    lat: float
    lon: float


def slope_deg(dem, lat, lon, base_m: float = 1000.0) -> np.ndarray:
    """Terrain slope at points from central differences over ``base_m`` east and north. [deg]"""
    lat = np.asarray(lat, float)
    lon = np.asarray(lon, float)
    z = {}
    for key, az in (("n", 0.0), ("s", 180.0), ("e", 90.0), ("w", 270.0)):
        la, lo = geo.forward(lat, lon, np.full(lat.shape, az), np.full(lat.shape, base_m))
        z[key] = dem.elevation_m(la, lo)
    dzdy = (z["n"] - z["s"]) / (2 * base_m)
    dzdx = (z["e"] - z["w"]) / (2 * base_m)
    return np.degrees(np.arctan(np.hypot(dzdx, dzdy)))


#: Half-width, in DEM pixels, of the window that must be exactly level for a site to be water.
LAKE_HALF_WINDOW_PX = 2


def on_water(dem, lat, lon, half_px: int = LAKE_HALF_WINDOW_PX) -> np.ndarray:
    """True where a site is on water: DEM no-data (the sea), or a lake.

    A DEM has no water mask, but it stores a lake as one level surface: GLOBE gives Lake
    Tharthar 36 m over its whole area, and SRTM flattens water bodies the same way. Land is
    never exactly level over several pixels at the DEM's quantisation (1 m for GLOBE): over
    Iraq, a (2 x 2 + 1)-pixel window (about 4.6 km) is level at 24 of 4,377 points of a 10 km
    lattice, and all 24 are on Tharthar, Razzaza, Habbaniyah, Dukan or the Shatt al-Arab
    marshes. The window is taken in pixels, so it follows the DEM's resolution.

    References
    ----------
    Hastings, D. A. & Dunbar, P. K. (1999). Global Land One-kilometer Base Elevation (GLOBE)
    Digital Elevation Model, Documentation Vol. 1.0. NOAA National Geophysical Data Center,
    Key to Geophysical Records Documentation 34 (ocean as no-data).
    """
    lat = np.asarray(lat, float)
    lon = np.asarray(lon, float)
    col, row = dem.xy_to_pixel(*dem.lonlat_to_xy(lon, lat))
    col, row = np.rint(col), np.rint(row)
    off = np.arange(-half_px, half_px + 1, dtype=float)
    z = np.stack([dem.sample_pixel(col + dc, row + dr) for dr in off for dc in off])
    with np.errstate(invalid="ignore"):
        level = np.nanmax(z, axis=0) == np.nanmin(z, axis=0)
    return ~np.isfinite(dem.elevation_m(lat, lon)) | level


def candidate_sites(plan, region: Region, dem) -> tuple[list[Candidate], dict]:
    """The plan's explicit sites and grid sites that pass the exclusions; with counts of the
    grid sites dropped for each reason."""
    out = [Candidate(s.name, s.lat, s.lon) for s in plan.candidates.sites]
    stats = {"grid": 0, "water": 0, "slope": 0, "border": 0}
    if dem is not None:
        for i, s in enumerate(plan.candidates.sites):
            if not bool(dem.contains(s.lat, s.lon)):
                raise InputError.single(
                    f"candidate site '{s.name}' is outside the DEM {dem.name}",
                    plan.source_path,
                    field_path=f"candidates.sites[{i}]",
                )
    grid = plan.candidates.grid
    if grid is None:
        return out, stats
    step = grid.spacing_km * 1000.0
    minx, miny, maxx, maxy = region.projected.bounds
    xs = np.arange(np.floor(minx / step), np.ceil(maxx / step) + 1) * step
    ys = np.arange(np.floor(miny / step), np.ceil(maxy / step) + 1) * step
    gx, gy = np.meshgrid(xs, ys)
    gx, gy = gx.ravel(), gy.ravel()
    inside = shapely.contains_xy(region.projected, gx, gy)
    gx, gy = gx[inside], gy[inside]
    stats["grid"] = int(gx.size)
    keep = np.ones(gx.size, dtype=bool)
    if grid.border_buffer_km > 0:
        inner = region.projected.buffer(-grid.border_buffer_km * 1000.0)
        ok = shapely.contains_xy(inner, gx, gy)
        stats["border"] = int(np.count_nonzero(keep & ~ok))
        keep &= ok
    lon, lat = region.to_lonlat(gx, gy)
    if dem is not None and grid.exclude_water:
        ok = ~on_water(dem, lat, lon)
        stats["water"] = int(np.count_nonzero(keep & ~ok))
        keep &= ok
    if dem is not None and grid.max_slope_deg is not None:
        s = slope_deg(dem, lat, lon)
        ok = ~(s > grid.max_slope_deg)
        stats["slope"] = int(np.count_nonzero(keep & ~ok))
        keep &= ok
    for k in np.flatnonzero(keep):
        out.append(Candidate(f"g{len(out):03d}", round(float(lat[k]), 5), round(float(lon[k]), 5)))
    return out, stats


def threat_axis_deg(plan, lat: float, lon: float) -> float:
    """Azimuth a sector radar at (lat, lon) faces: the plan's axis, else the mean launch
    point of the raids (the threat axis seen from the site). [deg]"""
    if plan.threat_axis_deg is not None:
        return float(plan.threat_axis_deg)
    pts = [p for r in plan.raids for p in r.launch_points]
    la = float(np.mean([p.lat for p in pts]))
    lo = float(np.mean([p.lon for p in pts]))
    az, _, _ = geo.inverse(lat, lon, la, lo)
    return round(float(np.mod(az, 360.0)), 1)


def make_units(plan, candidates, catalog, items=None):
    """One unit per candidate site and menu item: (units, item index, site index, cost)."""
    units, item_of, site_of, cost = [], [], [], []
    menu = list(plan.menu)
    chosen = range(len(menu)) if items is None else items
    for j, c in enumerate(candidates):
        for m in chosen:
            item = menu[m]
            system = catalog.systems[item.system]
            if item.kind == "sensor":
                spec = system.radars[item.radar]
                width = spec.sector_width_deg.si()
                centre = threat_axis_deg(plan, c.lat, c.lon) if width < 360 else 0.0
                unit = Sensor(
                    name=f"{c.name}-{item.name}",
                    system=item.system,
                    radar=item.radar,
                    lat=c.lat,
                    lon=c.lon,
                    sector_center_deg=centre,
                    sector_width_deg=width,
                )
            else:
                spec = system.radars[system.fire_unit.fire_control_radar]
                width = spec.sector_width_deg.si()
                centre = threat_axis_deg(plan, c.lat, c.lon) if width < 360 else 0.0
                unit = FireUnit(
                    name=f"{c.name}-{item.name}",
                    system=item.system,
                    interceptor=item.interceptor,
                    lat=c.lat,
                    lon=c.lon,
                    sector_center_deg=centre,
                    sector_width_deg=width,
                )
            acq = item.acquisition_cost_usd
            if acq is None:
                acq = system.fire_unit.acquisition_cost_usd.si()
            units.append(unit)
            item_of.append(m)
            site_of.append(j)
            cost.append(acq + plan.years * item.yearly_cost_usd)
    return units, np.array(item_of, int), np.array(site_of, int), np.array(cost, float)
