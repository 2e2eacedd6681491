"""Results as geographic data: GeoJSON, KML/KMZ (Google Earth) and CZML (CesiumJS replay).

Reads a results directory written by ``iadsim run`` (``scenario.yaml`` plus one sub-directory
per variant, see ``docs/results.md``) and turns every variant into map features:

- defended assets (points, and their ``radius_m`` discs);
- fire units with their interceptor range rings (a sector wedge when the fire unit has one);
- radars with their instrumented-range sectors;
- coverage areas per altitude band (30/100/300/1000 m above ground), from the terrain coverage
  tables of the variant's radars (:func:`iadsim.terrain.coverage_table` over the packaged GLOBE
  DEM, at a coarse resolution, clipped to each radar's sector);
- threat trajectories of replication 0 coloured by fate, cut at the intercept or failure, with
  intercept and impact points;
- where leakers came down over all replications (impact points).

The same features feed the HTML report (:mod:`iadsim.report.html`) and the matplotlib figures
(:mod:`iadsim.report.figures`). Coordinates are WGS84 longitude/latitude [deg] and altitude
above mean sea level [m] (the geoid-ellipsoid separation, < 20 m here, is ignored).

Every file is written atomically (temporary file in the same directory, then ``os.replace``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from iadsim import geo
from iadsim.atomic import atomic_path
from iadsim.terrain import DEFAULT_ALTITUDE_BANDS_M, CoverageTable, Dem, coverage_table

__all__ = [
    "BAND_COLORS",
    "CZML_EPOCH",
    "FATE_COLORS",
    "ResultsData",
    "VariantData",
    "coverage_features",
    "load_results",
    "variant_features",
    "write_czml",
    "write_exports",
    "write_geojson",
    "write_kml",
]

#: Colours of threat fates (ColorBrewer RdYlGn ends, grey).
FATE_COLORS = {"killed": "#1a9850", "leaked": "#d73027", "failed": "#7f7f7f"}
#: Colours of the coverage altitude bands (viridis samples, low = yellow). [m AGL]
BAND_COLORS = {30.0: "#fde725", 100.0: "#5ec962", 300.0: "#21918c", 1000.0: "#3b528b"}
ASSET_COLOR = "#2166ac"
FIRE_UNIT_COLOR = "#111111"
RING_COLOR = "#4575b4"
RADAR_COLOR = "#984ea3"

#: Nominal start of the CZML clock: scenarios have no calendar date, times are seconds from
#: scenario start.
CZML_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

#: Coarsest cell of the coverage layers. [deg]
MAX_COVERAGE_CELL_DEG = 0.03

#: Antenna height used when a radar's catalog entry cannot be found. [m]
DEFAULT_ANTENNA_HEIGHT_M = 10.0
#: Default k-factor of the effective earth radius (standard refraction). [-]
DEFAULT_K_FACTOR = 4.0 / 3.0


# ----------------------------------------------------------------------------------- loading
def load_plain_yaml(text: str):
    """Parse YAML text into plain dicts and lists (None if it does not parse)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="safe", pure=True).load(text)
    except YAMLError:
        return None


def _strings(series: pd.Series) -> list[str | None]:
    """A (possibly dictionary-encoded) string column as a list with None for nulls."""
    return [None if pd.isna(v) else str(v) for v in series.astype(object)]


@dataclass(frozen=True, eq=False)
class VariantData:
    """The files of one variant's results directory.

    Attributes
    ----------
    name : str
        Variant name.
    directory : Path
        The variant's results directory.
    meta : dict
        ``run.json`` (scenario, replications, seed, assets, fire_units, radars, costs).
    threats, fire_units, tracks, timeline : DataFrame
        ``threats.parquet``, ``fire_units.parquet``, ``tracks.parquet`` and ``timeline.parquet``
        (the last two empty if absent).
    """

    name: str
    directory: Path
    meta: dict
    threats: pd.DataFrame
    fire_units: pd.DataFrame
    tracks: pd.DataFrame
    timeline: pd.DataFrame

    @classmethod
    def load(cls, directory: str | Path) -> VariantData:
        """Read a variant directory (``run.json`` and the Parquet files)."""
        d = Path(directory)
        meta = json.loads((d / "run.json").read_text(encoding="utf-8"))

        def read(name: str) -> pd.DataFrame:
            path = d / f"{name}.parquet"
            return pd.read_parquet(path) if path.exists() else pd.DataFrame()

        return cls(
            name=str(meta.get("variant", d.name)),
            directory=d,
            meta=meta,
            threats=read("threats"),
            fire_units=read("fire_units"),
            tracks=read("tracks"),
            timeline=read("timeline"),
        )

    @property
    def replications(self) -> int:
        return int(self.meta["replications"])

    @property
    def assets(self) -> list[dict]:
        return list(self.meta.get("assets", []))

    @property
    def fire_unit_sites(self) -> list[dict]:
        """Fire units with positions (``run.json``'s site list; names only in old files)."""
        return [f for f in self.meta.get("fire_units", []) if isinstance(f, dict)]

    @property
    def radars(self) -> list[dict]:
        return list(self.meta.get("radars", []))

    @cached_property
    def summary(self) -> dict:
        """:func:`iadsim.analysis.summary.summarize` of this variant."""
        from iadsim.analysis.summary import summarize

        return summarize(self.directory)

    @cached_property
    def replication0(self) -> pd.DataFrame:
        """Rows of replication 0, one per threat, in threat order."""
        t = self.threats
        if t.empty:
            return t
        return t[t["replication"] == 0].sort_values("threat").reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class ResultsData:
    """A results directory: the scenario as run and every variant's data."""

    directory: Path
    scenario_name: str
    scenario_yaml: str | None
    variants: list[VariantData]

    @cached_property
    def scenario(self) -> dict:
        """The scenario as a plain dict (empty if ``scenario.yaml`` is missing)."""
        if not self.scenario_yaml:
            return {}
        data = load_plain_yaml(self.scenario_yaml)
        return data if isinstance(data, dict) else {}

    @cached_property
    def catalog(self):
        """The catalog as the run used it: packaged entries plus the scenario's own entries and
        overrides (the packaged catalog alone if the scenario cannot be re-read)."""
        from iadsim.catalog import load_catalog
        from iadsim.errors import InputError
        from iadsim.scenario.loader import parse_scenario
        from iadsim.yamlio import read_yaml

        if self.scenario_yaml:
            path = self.directory / "scenario.yaml"
            try:
                scenario = parse_scenario(read_yaml(path, self.scenario_yaml), path)
                return scenario.effective_catalog
            except InputError:
                pass
        return load_catalog()

    @property
    def k_factor(self) -> float:
        prop = self.scenario.get("propagation") or {}
        return float(prop.get("k_factor", DEFAULT_K_FACTOR))


def load_results(results_dir: str | Path) -> ResultsData:
    """Read a results directory written by ``iadsim run`` (or a single variant directory).

    Variants come in the scenario's order when ``scenario.yaml`` is present, else by name.
    """
    base = Path(results_dir)
    if not base.is_dir():
        raise FileNotFoundError(f"no results directory at {base}")
    if (base / "run.json").exists():
        dirs = [base]
        yaml_path = base.parent / "scenario.yaml"
    else:
        dirs = sorted(p for p in base.iterdir() if p.is_dir() and (p / "run.json").exists())
        yaml_path = base / "scenario.yaml"
    if not dirs:
        raise FileNotFoundError(f"no variant results (run.json) under {base}")
    yaml_text = yaml_path.read_text(encoding="utf-8") if yaml_path.exists() else None
    variants = [VariantData.load(d) for d in dirs]
    order = []
    if yaml_text:
        spec = load_plain_yaml(yaml_text)
        if isinstance(spec, dict):
            order = [v.get("name") for v in spec.get("variants") or [] if isinstance(v, dict)]
    rank = {name: i for i, name in enumerate(order)}
    variants.sort(key=lambda v: (rank.get(v.name, len(rank)), v.name))
    return ResultsData(base, str(variants[0].meta.get("scenario", base.name)), yaml_text, variants)


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
            radar.get("sector_center_deg", 0.0),
            radar.get("sector_width_deg", 360.0),
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
            ring = sector_ring(
                f["lat"],
                f["lon"],
                f["max_range_m"],
                f.get("sector_center_deg", 0.0),
                f.get("sector_width_deg", 360.0),
            )
            features.append(
                _feature(
                    {"type": "Polygon", "coordinates": [ring]},
                    layer="range_ring",
                    name=f"{f['name']}: {f.get('interceptor')} {f['max_range_m'] / 1000:.0f} km",
                    fire_unit=f["name"],
                    radius_m=f["max_range_m"],
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
            ring = sector_ring(
                r["lat"],
                r["lon"],
                r["instrumented_range_m"],
                r.get("sector_center_deg", 0.0),
                r.get("sector_width_deg", 360.0),
            )
            features.append(
                _feature(
                    {"type": "Polygon", "coordinates": [ring]},
                    layer="radar_sector",
                    name=f"{r['name']}: {r['instrumented_range_m'] / 1000:.0f} km",
                    radar=r["name"],
                    radius_m=r["instrumented_range_m"],
                    color=RADAR_COLOR,
                )
            )
    return features


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
    ``range_ring``, ``radar``, ``radar_sector``, ``coverage``, ``trajectory``, ``intercept``,
    ``impact`` (replication 0) or ``leak`` (all replications). The collection carries the
    variant name and any notes (``notes``: radars without coverage, assumed antenna heights).
    """
    features = site_features(variant)
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


# ----------------------------------------------------------------------------------- writing
def atomic_write(path: Path, write) -> Path:
    """Call ``write(tmp_path)`` then move the temporary file onto ``path``."""
    with atomic_path(path) as tmp:
        write(str(tmp))
    return Path(path)


def write_geojson(fc: dict, path: str | Path) -> Path:
    """Write a FeatureCollection (atomic)."""

    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(fc, f, separators=(",", ":"), allow_nan=False)

    return atomic_write(Path(path), write)


def _kml_color(hex_color: str, alpha: int = 255) -> str:
    import simplekml

    h = hex_color.lstrip("#")
    return simplekml.Color.rgb(int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), alpha)


_KML_FOLDERS = {
    "coverage": "Radar coverage by altitude band",
    "asset": "Defended assets",
    "asset_area": "Defended assets",
    "fire_unit": "Fire units",
    "range_ring": "Interceptor range rings",
    "radar": "Radars",
    "radar_sector": "Radar instrumented range",
    "trajectory": "Threat trajectories (replication 0)",
    "intercept": "Intercepts (replication 0)",
    "impact": "Impacts (replication 0)",
    "leak": "Leaker impact points (all replications)",
}


def _kml_polygons(geom: dict) -> list[tuple[list, list[list]]]:
    if geom["type"] == "Polygon":
        polys = [geom["coordinates"]]
    elif geom["type"] == "MultiPolygon":
        polys = geom["coordinates"]
    else:
        return []
    return [([tuple(c) for c in p[0]], [[tuple(c) for c in h] for h in p[1:]]) for p in polys]


#: Leaker points written to KML at most (Google Earth slows down beyond ~10,000 placemarks).
MAX_KML_LEAK_POINTS = 5000


def kml_document(fc: dict, max_leak_points: int | None = MAX_KML_LEAK_POINTS):
    """A :class:`simplekml.Kml` of a variant's features, one folder per layer.

    Styles are shared per layer and colour. Leaker points beyond ``max_leak_points`` (the
    first replications are kept) are left out, and the folder says so.
    """
    import simplekml

    kml = simplekml.Kml(name=fc.get("name", "iadsim"))
    folders: dict[str, simplekml.Folder] = {}
    styles: dict[tuple[str, str], simplekml.Style] = {}

    def folder(layer: str) -> simplekml.Folder:
        title = _KML_FOLDERS.get(layer, layer)
        if title not in folders:
            folders[title] = kml.newfolder(name=title)
        return folders[title]

    def style(layer: str, color: str) -> simplekml.Style:
        key = (layer, color)
        if key not in styles:
            st = simplekml.Style()
            st.iconstyle.color = _kml_color(color)
            st.iconstyle.scale = 0.5 if layer == "leak" else 0.9
            st.linestyle.color = _kml_color(color)
            st.linestyle.width = 2 if layer == "trajectory" else 1.5
            fill_alpha = 70 if layer in ("coverage", "asset_area") else 0
            st.polystyle.color = _kml_color(color, fill_alpha)
            st.polystyle.fill = 1 if fill_alpha else 0
            styles[key] = st
        return styles[key]

    leaks = 0
    total_leaks = sum(f["properties"].get("layer") == "leak" for f in fc["features"])
    for feat in fc["features"]:
        props, geom = feat["properties"], feat["geometry"]
        layer = props.get("layer", "")
        if layer == "leak":
            leaks += 1
            if max_leak_points is not None and leaks > max_leak_points:
                continue
        st = style(layer, props.get("color") or FATE_COLORS["leaked"])
        name = props.get("name") or ""
        fol = folder(layer)
        if geom["type"] == "Point":
            pnt = fol.newpoint(name=name, coords=[tuple(geom["coordinates"])])
            if len(geom["coordinates"]) == 3:
                pnt.altitudemode = simplekml.AltitudeMode.absolute
            pnt.style = st
        elif geom["type"] == "LineString":
            line = fol.newlinestring(name=name, coords=[tuple(c) for c in geom["coordinates"]])
            line.altitudemode = simplekml.AltitudeMode.absolute
            line.style = st
        else:
            container = fol.newfolder(name=name) if geom["type"] == "MultiPolygon" else fol
            for outer, holes in _kml_polygons(geom):
                poly = container.newpolygon(name=name, outerboundaryis=outer, innerboundaryis=holes)
                poly.altitudemode = simplekml.AltitudeMode.clamptoground
                poly.tessellate = 1
                poly.style = st
    if max_leak_points is not None and total_leaks > max_leak_points:
        folder("leak").description = (
            f"The first {max_leak_points} of {total_leaks} leaker impact points "
            "(by replication); the GeoJSON export has them all."
        )
    return kml


def write_kml(fc: dict, path: str | Path, kmz_path: str | Path | None = None) -> list[Path]:
    """Write a variant's features as KML, and as zipped KMZ if ``kmz_path`` is given (atomic)."""
    kml = kml_document(fc)
    paths = [atomic_write(Path(path), kml.save)]
    if kmz_path is not None:
        paths.append(atomic_write(Path(kmz_path), kml.savekmz))
    return paths


def _rgba(hex_color: str, alpha: int = 255) -> list[int]:
    h = hex_color.lstrip("#")
    return [int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), alpha]


def czml_packets(
    results: ResultsData, variant: VariantData, *, epoch: dt.datetime = CZML_EPOCH
) -> list:
    """CZML packets replaying replication 0 of a variant: the document packet (clock) first,
    then assets, fire units (range rings as ellipses), threats with time-tagged positions and
    paths, intercepts and impacts (shown from the time they happen)."""
    from czml3 import (
        Clock,
        Color,
        Ellipse,
        Label,
        Packet,
        Path,
        Point,
        PolylineMaterial,
        Position,
        SolidColorMaterial,
    )
    from czml3.enums import ClockRanges, ClockSteps, HeightReferences
    from czml3.properties import HeightReference
    from czml3.types import TimeInterval

    ground = HeightReference(heightReference=HeightReferences.CLAMP_TO_GROUND)

    def at(t_s: float) -> dt.datetime:
        return epoch + dt.timedelta(seconds=float(t_s))

    tracks = variant.tracks
    rep0 = variant.replication0
    t_end = float(tracks["time_s"].max()) if not tracks.empty else 60.0
    t_end = max(t_end, 1.0) + 30.0
    whole = TimeInterval(start=epoch, end=at(t_end))
    packets = [
        Packet(
            id="document",
            name=f"{results.scenario_name} / {variant.name} (replication 0)",
            version="1.0",
            clock=Clock(
                interval=whole,
                currentTime=epoch,
                multiplier=20,
                range=ClockRanges.LOOP_STOP,
                step=ClockSteps.SYSTEM_CLOCK_MULTIPLIER,
            ),
        )
    ]
    for a in variant.assets:
        packets.append(
            Packet(
                id=f"asset/{a['name']}",
                name=a["name"],
                position=Position(cartographicDegrees=[a["lon"], a["lat"], 0.0]),
                point=Point(
                    color=Color(rgba=_rgba(ASSET_COLOR)),
                    pixelSize=10,
                    heightReference=ground,
                ),
                label=Label(text=a["name"], show=True),
            )
        )
    for f in variant.fire_unit_sites:
        r = float(f.get("max_range_m") or 0.0)
        packets.append(
            Packet(
                id=f"fire_unit/{f['name']}",
                name=f"{f['name']} ({f.get('system')}, {f.get('interceptor')})",
                position=Position(cartographicDegrees=[f["lon"], f["lat"], 0.0]),
                point=Point(
                    color=Color(rgba=_rgba(FIRE_UNIT_COLOR)),
                    pixelSize=8,
                    heightReference=ground,
                ),
                ellipse=Ellipse(
                    semiMajorAxis=max(r, 1.0),
                    semiMinorAxis=max(r, 1.0),
                    fill=False,
                    outline=True,
                    outlineColor=Color(rgba=_rgba(RING_COLOR)),
                    height=0.0,
                )
                if r > 0
                else None,
            )
        )
    by_threat = {int(k): g.sort_values("time_s") for k, g in tracks.groupby("threat")}
    for row in rep0.to_dict("records"):
        j = int(row["threat"])
        g = by_threat.get(j)
        if g is None or g.empty:
            continue
        fate = str(row["fate"])
        end_t = (
            float(row["end_time_s"]) if np.isfinite(row["end_time_s"]) else float(g["time_s"].max())
        )
        g = g[g["time_s"] <= end_t + 1e-9] if fate in ("killed", "failed") else g
        if len(g) < 2:
            continue
        samples = np.column_stack(
            [
                g["time_s"].to_numpy(),
                g["lon"].to_numpy(),
                g["lat"].to_numpy(),
                g["alt_m"].to_numpy(),
            ]
        )
        t0, t1 = float(samples[0, 0]), float(samples[-1, 0])
        color = Color(rgba=_rgba(FATE_COLORS.get(fate, "#000000")))
        label = f"T{j} {row['threat_type']} ({row['raid']}): {fate}"
        packets.append(
            Packet(
                id=f"threat/{j}",
                name=label,
                availability=TimeInterval(start=at(t0), end=at(t1)),
                position=Position(
                    epoch=epoch,
                    cartographicDegrees=[round(float(v), 5) for v in samples.ravel()],
                ),
                point=Point(color=color, pixelSize=6),
                path=Path(
                    material=PolylineMaterial(solidColor=SolidColorMaterial(color=color)),
                    width=2,
                    leadTime=0,
                    trailTime=t_end,
                ),
            )
        )
        if fate == "killed" and np.isfinite(row["intercept_lat"]):
            packets.append(
                Packet(
                    id=f"intercept/{j}",
                    name=f"T{j} killed by {row['killer']}",
                    availability=TimeInterval(start=at(row["intercept_time_s"]), end=at(t_end)),
                    position=Position(
                        cartographicDegrees=[
                            float(row["intercept_lon"]),
                            float(row["intercept_lat"]),
                            float(row["intercept_alt_m"]),
                        ]
                    ),
                    point=Point(
                        color=Color(rgba=_rgba(FATE_COLORS["killed"])),
                        pixelSize=12,
                        outlineColor=Color(rgba=[255, 255, 255, 255]),
                        outlineWidth=2,
                    ),
                )
            )
        elif fate in ("leaked", "failed") and np.isfinite(row["impact_lat"]):
            packets.append(
                Packet(
                    id=f"impact/{j}",
                    name=f"T{j} {'impact' if fate == 'leaked' else 'failed, fell'}",
                    availability=TimeInterval(start=at(end_t), end=at(t_end)),
                    position=Position(
                        cartographicDegrees=[
                            float(row["impact_lon"]),
                            float(row["impact_lat"]),
                            0.0,
                        ]
                    ),
                    point=Point(
                        color=Color(rgba=_rgba(FATE_COLORS.get(fate, "#000000"))),
                        pixelSize=10,
                        heightReference=ground,
                    ),
                )
            )
    return packets


def write_czml(
    results: ResultsData,
    variant: VariantData,
    path: str | Path,
    *,
    epoch: dt.datetime = CZML_EPOCH,
) -> Path:
    """Write the CZML replay of replication 0 of a variant (atomic)."""
    from czml3 import Document

    doc = Document(packets=czml_packets(results, variant, epoch=epoch))
    text = doc.dumps()

    def write(tmp):
        Path(tmp).write_text(text, encoding="utf-8")

    return atomic_write(Path(path), write)


def write_exports(
    results_dir: str | Path,
    out_dir: str | Path | None = None,
    *,
    figures: bool = True,
    coverage: bool = True,
    formats: Iterable[str] = ("png", "svg"),
) -> list[Path]:
    """Write GeoJSON, KML, KMZ and CZML per variant, and the publication figures.

    Parameters
    ----------
    results_dir : path
        A results directory of ``iadsim run`` (or one variant's directory).
    out_dir : path, optional
        Where to write; default ``results_dir/exports``.
    figures : bool
        Also write the matplotlib map and plots (:mod:`iadsim.report.figures`).
    coverage : bool
        Include the terrain coverage layers (a few hundred ms per radar).
    formats : iterable of str
        Figure formats.

    Returns
    -------
    list of Path
        Files written: ``<variant>.geojson``, ``<variant>.kml``, ``<variant>.kmz``,
        ``<variant>.czml`` and ``figures/*``.
    """
    results = load_results(results_dir)
    out = Path(out_dir) if out_dir is not None else results.directory / "exports"
    out.mkdir(parents=True, exist_ok=True)
    dem = Dem.default() if coverage and any(v.radars for v in results.variants) else None
    cache: dict = {}
    written: list[Path] = []
    collections = {}
    for v in results.variants:
        fc = variant_features(results, v, coverage=coverage, dem=dem, cache=cache)
        collections[v.name] = fc
        written.append(write_geojson(fc, out / f"{v.name}.geojson"))
        written += write_kml(fc, out / f"{v.name}.kml", out / f"{v.name}.kmz")
        written.append(write_czml(results, v, out / f"{v.name}.czml"))
    if figures:
        from iadsim.report.figures import write_figures

        written += write_figures(results, out / "figures", collections=collections, formats=formats)
    return written
