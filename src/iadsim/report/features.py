"""A variant's results as map features (GeoJSON-ready dicts), for every map iadsim draws.

Turns every variant of a results directory (:class:`iadsim.report.data.ResultsData`) into
features:

- defended assets (points, and their ``radius_m`` discs);
- fire units with their interceptor range rings (a sector wedge when the fire unit has one);
- radars with their instrumented-range sectors (a wedge when ``run.json`` gives a sector);
- coverage areas per altitude band (30/100/300/1000 m above ground), from the terrain coverage
  tables of the variant's radars (:func:`iadsim.terrain.coverage_table` over the packaged GLOBE
  DEM, at a coarse resolution, clipped to each radar's sector);
- threat trajectories of replication 0 coloured by fate, cut at the intercept or failure, with
  intercept and impact points;
- where leakers came down over all replications (impact points).

The same features feed the HTML report (:mod:`iadsim.report.html`), the GeoJSON, KML and CZML
exports (:mod:`iadsim.report.exports`) and the matplotlib map (:mod:`iadsim.report.figures`).
Coordinates are WGS84 longitude/latitude [deg] and altitude above mean sea level [m] (the
geoid-ellipsoid separation, < 20 m here, is ignored).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from iadsim import geo
from iadsim.report.data import (
    ASSET_COLOR,
    BAND_COLORS,
    FATE_COLORS,
    FIRE_UNIT_COLOR,
    LAUNCH_COLOR,
    RADAR_COLOR,
    RING_COLOR,
    ResultsData,
    VariantData,
)
from iadsim.terrain import DEFAULT_ALTITUDE_BANDS_M, CoverageTable, Dem, coverage_table

__all__ = [
    "circle_ring",
    "coverage_features",
    "leak_features",
    "sector_ring",
    "site_features",
    "trajectory_features",
    "variant_features",
]

#: Coarsest cell of the coverage layers. [deg]
MAX_COVERAGE_CELL_DEG = 0.03

#: Antenna height used when a radar's catalog entry cannot be found. [m]
DEFAULT_ANTENNA_HEIGHT_M = 10.0


#: Sites closer than this share a label stack on the map (their labels are offset). [deg]
LABEL_CLUSTER_DEG = 0.15
#: Vertical step between stacked labels. [px]
LABEL_STEP_PX = 18


def sector_of(site: dict) -> tuple[float, float]:
    """``(center_deg, width_deg)`` of a site's sector in ``run.json``, read defensively.

    The fields ``sector_center_deg`` and ``sector_width_deg`` may be missing (older files),
    null, or not numbers; anything that is not a finite width in (0, 360) is a full circle,
    and a missing or unreadable centre is north.
    """

    def number(key: str) -> float | None:
        try:
            x = float(site.get(key))
        except (TypeError, ValueError):
            return None
        return x if math.isfinite(x) else None

    width = number("sector_width_deg")
    center = number("sector_center_deg")
    if width is None or width <= 0.0 or width >= 360.0:
        return 0.0 if center is None else center % 360.0, 360.0
    return (0.0 if center is None else center % 360.0), width


def _strings(series: pd.Series) -> list[str | None]:
    """A (possibly dictionary-encoded) string column as a list with None for nulls."""
    return [None if pd.isna(v) else str(v) for v in series.astype(object)]


# ---------------------------------------------------------------------------------- geometry
def _r(x: float, nd: int = 5) -> float:
    return round(float(x), nd)


def circle_ring(lat: float, lon: float, radius_m: float, step_deg: float = 3.0) -> list[list]:
    """Closed ring of [lon, lat] points at geodesic distance ``radius_m`` around a point."""
    az = np.arange(0.0, 360.0, step_deg)
    la, lo = geo.forward(np.full(az.shape, lat), np.full(az.shape, lon), az, radius_m)
    ring = [[_r(x), _r(y)] for x, y in zip(np.atleast_1d(lo), np.atleast_1d(la), strict=True)]
    ring.reverse()  # counter-clockwise exterior (RFC 7946)
    return [*ring, ring[0]]


def sector_ring(
    lat: float,
    lon: float,
    radius_m: float,
    center_deg: float,
    width_deg: float,
    step_deg: float = 3.0,
) -> list[list]:
    """Closed [lon, lat] ring: a circle when ``width_deg`` >= 360, else a wedge from the site."""
    if width_deg >= 360.0:
        return circle_ring(lat, lon, radius_m, step_deg)
    n = max(math.ceil(width_deg / step_deg), 1) + 1
    az = np.linspace(center_deg - width_deg / 2.0, center_deg + width_deg / 2.0, n)
    la, lo = geo.forward(np.full(az.shape, lat), np.full(az.shape, lon), az, radius_m)
    arc = [[_r(x), _r(y)] for x, y in zip(np.atleast_1d(lo), np.atleast_1d(la), strict=True)]
    site = [_r(lon), _r(lat)]
    # site -> arc clockwise -> site is clockwise; reverse for a counter-clockwise exterior
    ring = [site, *arc, site]
    ring.reverse()
    return ring


def _feature(geometry: dict, **properties) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _point(lon: float, lat: float, alt: float | None = None) -> dict:
    coords = [_r(lon), _r(lat)] if alt is None else [_r(lon), _r(lat), round(float(alt), 1)]
    return {"type": "Point", "coordinates": coords}


# ---------------------------------------------------------------------------------- coverage
def _antenna_heights(results: ResultsData, variant: VariantData) -> tuple[dict, list[str]]:
    """Antenna height of every radar of a variant, from the catalog; a default if not found."""
    notes: list[str] = []
    catalog = results.catalog
    fu_system = {f["name"]: f.get("system") for f in variant.fire_unit_sites}
    sensors = {
        s.get("name"): s for s in results.scenario.get("sensors") or [] if isinstance(s, dict)
    }
    heights = {}
    for radar in variant.radars:
        name = radar["name"]
        if radar.get("owner"):
            system, key = fu_system.get(radar["owner"]), name.split("/", 1)[-1]
        else:
            spec = sensors.get(name, {})
            system, key = spec.get("system"), spec.get("radar")
        try:
            heights[name] = float(catalog.systems[system].radars[key].antenna_height_m.si())
        except (AttributeError, KeyError, TypeError):
            heights[name] = DEFAULT_ANTENNA_HEIGHT_M
            notes.append(
                f"{name}: antenna height not found in the catalog, "
                f"{DEFAULT_ANTENNA_HEIGHT_M:g} m assumed"
            )
    return heights, notes


def _sector_masked(table: CoverageTable, center_deg: float, width_deg: float) -> CoverageTable:
    """The table with cells outside the radar's azimuth sector set to +inf (not seen)."""
    if width_deg >= 360.0:
        return table
    diff = (table.azimuths_deg - center_deg + 180.0) % 360.0 - 180.0
    grid = table.min_visible_agl_grid_m.copy()
    grid[np.abs(diff) > width_deg / 2.0, :] = np.inf
    return dataclasses.replace(table, min_visible_agl_grid_m=grid)


def coverage_features(
    results: ResultsData,
    variant: VariantData,
    *,
    dem: Dem | None = None,
    altitudes_m: Sequence[float] = DEFAULT_ALTITUDE_BANDS_M,
    cell_deg: float | None = None,
    az_step_deg: float = 1.0,
    range_step_m: float = 2_000.0,
    cache: dict | None = None,
) -> tuple[list[dict], list[str]]:
    """Coverage areas of a variant's radars per altitude band, as GeoJSON features.

    Each radar's terrain coverage table (:func:`iadsim.terrain.coverage_table`, over ``dem``,
    default the packaged GLOBE DEM) is computed out to its instrumented range at a coarse
    resolution (``az_step_deg`` x ``range_step_m``), masked to its azimuth sector, and the
    union over radars is rasterised at ``cell_deg`` (default: about 120 cells per radius of
    the longest-ranged radar, between 1/120 and :data:`MAX_COVERAGE_CELL_DEG`) and traced into one MultiPolygon per band
    (:func:`iadsim.report.coverage.coverage_polygons`). A band's area is where a target
    flying ``altitude_m`` above the ground is in line of sight of at least one radar.

    Returns
    -------
    features : list of dict
        One feature per band with properties ``layer="coverage"``, ``altitude_m``,
        ``area_km2`` and ``color``.
    notes : list of str
        Radars skipped (outside the DEM) or given a default antenna height.
    """
    from iadsim.errors import InputError
    from iadsim.report.coverage import coverage_polygons, coverage_raster

    radars = variant.radars
    if not radars:
        return [], []
    dem = dem or Dem.default()
    heights, notes = _antenna_heights(results, variant)
    cache = {} if cache is None else cache
    tables = []
    for radar in radars:
        key = (
            radar["lat"],
            radar["lon"],
            heights[radar["name"]],
            radar["instrumented_range_m"],
            *sector_of(radar),
        )
        if key not in cache:
            try:
                table = coverage_table(
                    dem,
                    radar["lat"],
                    radar["lon"],
                    heights[radar["name"]],
                    radar["instrumented_range_m"],
                    az_step_deg=az_step_deg,
                    range_step_m=range_step_m,
                    k_factor=results.k_factor,
                    oversample=2,
                    site_name=radar["name"],
                )
            except InputError:
                notes.append(f"{radar['name']}: outside the DEM, no coverage layer")
                cache[key] = None
                continue
            cache[key] = _sector_masked(table, key[4], key[5])
        if cache[key] is not None:
            tables.append(cache[key])
    if not tables:
        return [], notes
    if cell_deg is None:
        # about 120 cells per radius of the largest radar, between the DEM's 30" and 0.03 deg
        longest = max(t.max_range_m for t in tables)
        cell_deg = min(MAX_COVERAGE_CELL_DEG, max(1.0 / 120.0, longest / 111_000.0 / 120.0))
    raster = coverage_raster(tables, cell_deg=cell_deg)
    fc = coverage_polygons(raster, altitudes_m, simplify_deg=cell_deg / 2.0)
    features = []
    for feat in fc["features"]:
        alt = feat["properties"]["altitude_m"]
        feat["properties"] = {
            "layer": "coverage",
            "name": f"seen at {alt:g} m above ground",
            "altitude_m": alt,
            "area_km2": round(feat["properties"]["area_km2"], 1),
            "color": BAND_COLORS.get(alt, "#21918c"),
        }
        feat["geometry"] = _round_geometry(feat["geometry"])
        features.append(feat)
    return features, notes


def _round_geometry(geom: dict, nd: int = 4) -> dict:
    def rnd(c):
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            return [round(float(v), nd) for v in c]
        return [rnd(x) for x in c]

    return {"type": geom["type"], "coordinates": rnd(geom["coordinates"])}


# ---------------------------------------------------------------------------------- features
def _threat_label(row: pd.Series | dict) -> str:
    return f"T{int(row['threat'])} {row['threat_type']} ({row['raid']})"


def trajectory_features(variant: VariantData) -> list[dict]:
    """Replication 0: each threat's track as flown (cut at its end), intercepts and impacts."""
    rep0 = variant.replication0
    tracks = variant.tracks
    if rep0.empty or tracks.empty:
        return []
    features = []
    by_threat = {int(k): g for k, g in tracks.groupby("threat", sort=True)}
    for row in rep0.to_dict("records"):
        j = int(row["threat"])
        fate = str(row["fate"])
        row["threat_type"], row["raid"] = str(row["threat_type"]), str(row["raid"])
        label = _threat_label(row)
        g = by_threat.get(j)
        end_t = row["end_time_s"]
        if g is not None and len(g):
            g = g.sort_values("time_s")
            t = g["time_s"].to_numpy()
            keep = (
                t <= end_t + 1e-9 if fate in ("killed", "failed") and np.isfinite(end_t) else t == t
            )
            pts = g.loc[keep, ["lon", "lat", "alt_m"]].to_numpy()
            coords = [[_r(x), _r(y), round(float(z), 1)] for x, y, z in pts]
            if fate == "killed" and np.isfinite(row["intercept_lat"]):
                coords.append(
                    [
                        _r(row["intercept_lon"]),
                        _r(row["intercept_lat"]),
                        round(float(row["intercept_alt_m"]), 1),
                    ]
                )
            if len(coords) >= 2:
                features.append(
                    _feature(
                        {"type": "LineString", "coordinates": coords},
                        layer="trajectory",
                        name=label,
                        threat=j,
                        raid=row["raid"],
                        threat_type=row["threat_type"],
                        fate=fate,
                        launch_time_s=float(t[0]),
                        end_time_s=None if not np.isfinite(end_t) else float(end_t),
                        color=FATE_COLORS.get(fate, "#000000"),
                    )
                )
        if fate == "killed" and np.isfinite(row["intercept_lat"]):
            killer = None if pd.isna(row["killer"]) else str(row["killer"])
            features.append(
                _feature(
                    _point(row["intercept_lon"], row["intercept_lat"], row["intercept_alt_m"]),
                    layer="intercept",
                    name=f"{label} killed by {killer} at t={row['intercept_time_s']:.0f} s",
                    threat=j,
                    killer=killer,
                    time_s=float(row["intercept_time_s"]),
                    color=FATE_COLORS["killed"],
                )
            )
        elif fate in ("leaked", "failed") and np.isfinite(row["impact_lat"]):
            hit = None if pd.isna(row["asset_hit"]) else str(row["asset_hit"])
            what = "impact" if fate == "leaked" else "failed, fell"
            features.append(
                _feature(
                    _point(row["impact_lon"], row["impact_lat"]),
                    layer="impact",
                    name=f"{label} {what} at t={end_t:.0f} s" + (f", hit {hit}" if hit else ""),
                    threat=j,
                    fate=fate,
                    asset_hit=hit,
                    time_s=float(end_t),
                    color=FATE_COLORS.get(fate, "#000000"),
                )
            )
    return features


def leak_features(variant: VariantData, max_points: int | None = None) -> list[dict]:
    """Impact points of leakers over all replications (the first ``max_points``, if given)."""
    t = variant.threats
    if t.empty:
        return []
    leaks = t[t["fate"].astype(str) == "leaked"]
    leaks = leaks[np.isfinite(leaks["impact_lat"].to_numpy(dtype=float))]
    leaks = leaks.sort_values(["replication", "threat"])
    if max_points is not None:
        leaks = leaks.head(max_points)
    lon = leaks["impact_lon"].to_numpy(dtype=float)
    lat = leaks["impact_lat"].to_numpy(dtype=float)
    reps = leaks["replication"].to_numpy()
    thr = leaks["threat"].to_numpy()
    hit = _strings(leaks["asset_hit"])
    return [
        _feature(
            _point(lon[i], lat[i]),
            layer="leak",
            replication=int(reps[i]),
            threat=int(thr[i]),
            asset_hit=hit[i],
        )
        for i in range(len(lon))
    ]


def site_features(variant: VariantData) -> list[dict]:
    """Assets (point and radius disc), fire units with range rings, radars with sectors."""
    features = []
    for a in variant.assets:
        features.append(
            _feature(
                _point(a["lon"], a["lat"]),
                layer="asset",
                name=a["name"],
                value=a.get("value"),
                radius_m=a.get("radius_m"),
                color=ASSET_COLOR,
            )
        )
        if a.get("radius_m"):
            features.append(
                _feature(
                    {
                        "type": "Polygon",
                        "coordinates": [circle_ring(a["lat"], a["lon"], a["radius_m"], 10.0)],
                    },
                    layer="asset_area",
                    name=f"{a['name']} ({a['radius_m']:g} m)",
                    color=ASSET_COLOR,
                )
            )
    for f in variant.fire_unit_sites:
        features.append(
            _feature(
                _point(f["lon"], f["lat"]),
                layer="fire_unit",
                name=f["name"],
                system=f.get("system"),
                interceptor=f.get("interceptor"),
                max_range_m=f.get("max_range_m"),
                networked=f.get("networked"),
                color=FIRE_UNIT_COLOR,
            )
        )
        if f.get("max_range_m"):
            center, width = sector_of(f)
            ring = sector_ring(f["lat"], f["lon"], f["max_range_m"], center, width)
            features.append(
                _feature(
                    {"type": "Polygon", "coordinates": [ring]},
                    layer="range_ring",
                    name=f"{f['name']}: {f.get('interceptor')} {f['max_range_m'] / 1000:.0f} km"
                    + _sector_text(center, width),
                    fire_unit=f["name"],
                    radius_m=f["max_range_m"],
                    sector_center_deg=center,
                    sector_width_deg=width,
                    color=RING_COLOR,
                )
            )
    for r in variant.radars:
        features.append(
            _feature(
                _point(r["lon"], r["lat"]),
                layer="radar",
                name=r["name"],
                owner=r.get("owner"),
                instrumented_range_m=r.get("instrumented_range_m"),
                networked=r.get("networked"),
                color=RADAR_COLOR,
            )
        )
        if r.get("instrumented_range_m"):
            center, width = sector_of(r)
            ring = sector_ring(r["lat"], r["lon"], r["instrumented_range_m"], center, width)
            features.append(
                _feature(
                    {"type": "Polygon", "coordinates": [ring]},
                    layer="radar_sector",
                    name=f"{r['name']}: {r['instrumented_range_m'] / 1000:.0f} km"
                    + _sector_text(center, width),
                    radar=r["name"],
                    radius_m=r["instrumented_range_m"],
                    sector_center_deg=center,
                    sector_width_deg=width,
                    color=RADAR_COLOR,
                )
            )
    _place_labels(features)
    return features


def _sector_text(center_deg: float, width_deg: float) -> str:
    if width_deg >= 360.0:
        return ""
    return f", {width_deg:g}° sector facing {center_deg:g}°"


def _place_labels(features: list[dict]) -> None:
    """Give asset and fire-unit points a permanent-label position that does not overlap.

    Sites within :data:`LABEL_CLUSTER_DEG` of each other (an asset with the fire units that
    defend it) share a stack: assets are labelled to the right, fire units to the left, and
    each further label of a side goes :data:`LABEL_STEP_PX` lower, so names stay apart at
    the report's starting zoom. Adds ``label_side`` and ``label_dy_px`` properties.
    """
    sites = [f for f in features if f["properties"]["layer"] in ("asset", "fire_unit")]
    clusters: list[list[dict]] = []
    for f in sites:
        x, y = f["geometry"]["coordinates"][:2]
        for c in clusters:
            cx, cy = c[0]["geometry"]["coordinates"][:2]
            if math.hypot(x - cx, y - cy) < LABEL_CLUSTER_DEG:
                c.append(f)
                break
        else:
            clusters.append([f])
    for c in clusters:
        for side, layer in (("right", "asset"), ("left", "fire_unit")):
            # north first: the upper slot goes to the northern site, so offsets never cross
            members = sorted(
                (f for f in c if f["properties"]["layer"] == layer),
                key=lambda f: -f["geometry"]["coordinates"][1],
            )
            for i, f in enumerate(members):
                f["properties"]["label_side"] = side
                f["properties"]["label_dy_px"] = round((i - (len(members) - 1) / 2) * LABEL_STEP_PX)


def launch_features(results: ResultsData) -> list[dict]:
    """The raids' launch points from the scenario as run (one point per place, naming its raids).

    Read defensively from ``scenario.yaml``: raids or points that are not as the schema says
    are left out.
    """
    places: dict[tuple[float, float], list[str]] = {}
    threat: dict[tuple[float, float], list[str]] = {}
    for raid in results.scenario.get("raids") or []:
        if not isinstance(raid, dict):
            continue
        for pt in raid.get("launch_points") or []:
            try:
                key = (round(float(pt["lon"]), 5), round(float(pt["lat"]), 5))
            except (KeyError, TypeError, ValueError):
                continue
            if not all(math.isfinite(k) for k in key):
                continue
            places.setdefault(key, []).append(str(raid.get("name", "")))
            kind = str(raid.get("threat", ""))
            if kind not in threat.setdefault(key, []):
                threat[key].append(kind)
    return [
        _feature(
            _point(lon, lat),
            layer="launch",
            name=f"launch point: {', '.join(raids)} ({', '.join(threat[(lon, lat)])})",
            raids=raids,
            color=LAUNCH_COLOR,
        )
        for (lon, lat), raids in places.items()
    ]


def variant_features(
    results: ResultsData,
    variant: VariantData,
    *,
    coverage: bool = True,
    max_leak_points: int | None = None,
    dem: Dem | None = None,
    cache: dict | None = None,
) -> dict:
    """Every map feature of a variant as a GeoJSON FeatureCollection (RFC 7946).

    Each feature has a ``layer`` property: ``asset``, ``asset_area``, ``fire_unit``,
    ``range_ring``, ``radar``, ``radar_sector``, ``launch``, ``coverage``, ``trajectory``,
    ``intercept``, ``impact`` (replication 0) or ``leak`` (all replications). The collection carries the
    variant name and any notes (``notes``: radars without coverage, assumed antenna heights).
    """
    features = site_features(variant) + launch_features(results)
    notes: list[str] = []
    if coverage:
        cov, notes = coverage_features(results, variant, dem=dem, cache=cache)
        features = cov + features
    features += trajectory_features(variant)
    features += leak_features(variant, max_leak_points)
    return {
        "type": "FeatureCollection",
        "name": f"{results.scenario_name} / {variant.name}",
        "variant": variant.name,
        "notes": notes,
        "features": features,
    }
