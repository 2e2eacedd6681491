"""The scenario being edited in ``iadsim serve``: edits, validation, coverage and saving.

The edited scenario is kept as plain data (the model's JSON form). Every edit is applied to a
copy, written as YAML text and read back through :func:`iadsim.yamlio.read_yaml` and
:func:`iadsim.scenario.loader.parse_scenario`, the path ``iadsim validate`` takes, so a bad edit
gets the same ``FILE:LINE:COL: field: message`` and what is saved is exactly what was
validated and run.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import math
import re
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
from ruamel.yaml import YAML

from iadsim.atomic import atomic_path
from iadsim.catalog import Catalog, load_catalog
from iadsim.errors import InputError
from iadsim.scenario import Scenario, load_scenario
from iadsim.scenario.loader import effective_sector_width_deg, parse_scenario, resolve_terrain
from iadsim.terrain.coverage import DEFAULT_ALTITUDE_BANDS_M, CoverageTable
from iadsim.yamlio import read_yaml

#: Coverage drawn on the page: 1 deg x 2 km polar tables (as the HTML report's map).
AZ_STEP_DEG = 1.0
RANGE_STEP_M = 2_000.0
#: Coverage tables kept in the process (one per radar site and height).
MAX_TABLES = 64
#: A save name: a plain file name, no folder, no leading dot.
SAVE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")

#: Fields the page may set, per kind.
EDITABLE = {
    "fire_units": {
        "system",
        "interceptor",
        "lat",
        "lon",
        "sector_center_deg",
        "sector_width_deg",
        "interceptors_loaded",
        "networked",
    },
    "sensors": {
        "system",
        "radar",
        "lat",
        "lon",
        "sector_center_deg",
        "sector_width_deg",
        "networked",
    },
}


#: Held by every terrain computation of the server (coverage, the engine's preparation of a
#: run): numba's default "workqueue" threading layer is not thread-safe and aborts the
#: process when two threads enter parallel kernels at once. A redraw waits while a run
#: prepares (and while it runs, since a run ends with the assets' coverage shares).
TERRAIN = threading.RLock()


def _put(cache: OrderedDict, key, value) -> None:
    cache[key] = value
    while len(cache) > MAX_TABLES:
        cache.popitem(last=False)


class EditError(Exception):
    """A request the page should not have sent (unknown kind, name, field or operation)."""


class SaveExists(Exception):
    """The save target exists and overwriting was not confirmed."""


def _dump(data: dict) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def _plain(scenario: Scenario) -> dict:
    return scenario.model_dump(mode="json", exclude_none=True)


def _sector_masked(table: CoverageTable, center_deg: float, width_deg: float) -> CoverageTable:
    """The table with cells outside the azimuth sector set to +inf (not seen)."""
    if width_deg >= 360.0:
        return table
    diff = (table.azimuths_deg - center_deg + 180.0) % 360.0 - 180.0
    grid = table.min_visible_agl_grid_m.copy()
    grid[np.abs(diff) > width_deg / 2.0, :] = np.inf
    return dataclasses.replace(table, min_visible_agl_grid_m=grid)


class Session:
    """One scenario under edit, its catalog, DEM and coverage tables (cached in the process).

    Parameters
    ----------
    path : the scenario file given to ``iadsim serve``; saves go to its folder.
    catalog : the packaged catalog (default :func:`iadsim.load_catalog`).
    """

    def __init__(self, path: str | Path, catalog: Catalog | None = None):
        self.path = Path(path).resolve()
        self.folder = self.path.parent
        self.base_catalog = catalog or load_catalog()
        self.scenario = load_scenario(self.path, self.base_catalog)
        self.data = _plain(self.scenario)
        self.dem = resolve_terrain(self.scenario)
        self.lock = threading.RLock()
        self._tables: OrderedDict[tuple, CoverageTable | None] = OrderedDict()
        self._rasters: OrderedDict[tuple, Any] = OrderedDict()
        self._warming = threading.Lock()
        self.table_builds = 0  # coverage tables computed (not taken from the cache)
        self.revision = 0

    # ------------------------------------------------------------------ validation
    @property
    def catalog(self) -> Catalog:
        return self.scenario.effective_catalog or self.base_catalog

    def yaml_text(self, data: dict | None = None) -> str:
        head = f"# Edited in iadsim serve from {self.path.name}.\n"
        return head + _dump(self.data if data is None else data)

    def validate(self, data: dict) -> Scenario:
        """``data`` as a validated scenario, or :class:`InputError` (FILE:LINE:COL)."""
        text = self.yaml_text(data)
        where = self.folder / f"{self.path.stem}.edited.yaml"
        scenario = parse_scenario(read_yaml(where, text), where, self.base_catalog)
        scenario._remember_source(text)
        return scenario

    def _commit(self, data: dict) -> None:
        scenario = self.validate(data)
        self.scenario, self.data = scenario, data
        self.revision += 1

    # ------------------------------------------------------------------ edits
    def _item(self, data: dict, kind: str, name: str) -> dict:
        if kind not in EDITABLE:
            raise EditError(f"unknown kind {kind!r}")
        for item in data.get(kind, []):
            if item["name"] == name:
                return item
        raise EditError(f"no {kind[:-1].replace('_', ' ')} named {name!r}")

    def _face_threats(self, data: dict, kind: str, item: dict) -> None:
        """A sector radar placed or given a new system faces the mean launch point of the
        raids (the schema refuses a sector radar without a facing; north would be silent)."""
        from iadsim import geo

        system = self.catalog.systems.get(item.get("system", ""))
        if system is None:
            return
        radar = item.get("radar") if kind == "sensors" else system.fire_unit.fire_control_radar
        spec = system.radars.get(radar or "")
        if spec is None or spec.sector_width_deg.si() >= 360.0:
            if "sector_center_deg" in item and float(item["sector_center_deg"]) % 360 != 0:
                item.pop("sector_center_deg")  # an omnidirectional radar takes no facing
            return
        points = [p for r in data.get("raids", []) for p in r["launch_points"]]
        lat = sum(p["lat"] for p in points) / len(points)
        lon = sum(p["lon"] for p in points) / len(points)
        az, _, _ = geo.inverse(item["lat"], item["lon"], lat, lon)
        item["sector_center_deg"] = round(float(az) % 360.0, 1)
        if float(item.get("sector_width_deg", 360.0)) > spec.sector_width_deg.si():
            item["sector_width_deg"] = spec.sector_width_deg.si()

    def set_field(self, kind: str, name: str, field: str, value: Any) -> None:
        """Set one field of a fire unit or sensor (validated; InputError if refused)."""
        with self.lock:
            if kind in EDITABLE and field not in EDITABLE[kind]:
                raise EditError(f"field {field!r} cannot be edited here")
            data = copy.deepcopy(self.data)
            item = self._item(data, kind, name)
            if value is None or value == "":
                item.pop(field, None)
            else:
                item[field] = value
            if field == "system" and kind == "fire_units":
                item.pop("interceptor", None)  # the old system's interceptor is not the new one's
            if field == "system" and kind == "sensors":
                system = self.catalog.systems.get(str(value))
                if system is not None:
                    fcr = system.fire_unit.fire_control_radar
                    radars = [r for r in system.radars if r != fcr] or list(system.radars)
                    item["radar"] = radars[0]
            if field in ("system", "radar"):
                self._face_threats(data, kind, item)
            self._commit(data)

    def move(self, kind: str, name: str, lat: float, lon: float) -> None:
        with self.lock:
            data = copy.deepcopy(self.data)
            item = self._item(data, kind, name)
            item["lat"], item["lon"] = round(float(lat), 5), round(float(lon), 5)
            self._commit(data)

    def apply_moves(self, moves: list[dict]) -> None:
        """Move several fire units at once (one validation): ``[{name, lat, lon}]`` and, for a
        sector radar, ``sector_center_deg`` and ``sector_width_deg``, as the Optimise
        suggestion gives them."""
        with self.lock:
            data = copy.deepcopy(self.data)
            for m in moves:
                item = self._item(data, "fire_units", m["name"])
                item["lat"], item["lon"] = round(float(m["lat"]), 5), round(float(m["lon"]), 5)
                for key in ("sector_center_deg", "sector_width_deg"):
                    if key in m:
                        item[key] = float(m[key])
            self._commit(data)

    def add(
        self,
        kind: str,
        system: str,
        lat: float,
        lon: float,
        variant: str | None,
        radar: str | None = None,
    ) -> str:
        """Add a fire unit (or sensor) of a catalog system; it joins ``variant`` if that lists
        its units, so the addition has an effect on the variant shown. Returns its name."""
        with self.lock:
            if kind not in EDITABLE:
                raise EditError(f"unknown kind {kind!r}")
            data = copy.deepcopy(self.data)
            names = {i["name"] for i in data.get(kind, [])}
            stem = re.sub(r"[^A-Za-z0-9_.-]", "-", str(system))[:50] or "site"
            n = 1
            while f"{stem}-{n}" in names:
                n += 1
            name = f"{stem}-{n}"
            item: dict[str, Any] = {
                "name": name,
                "system": system,
                "lat": round(float(lat), 5),
                "lon": round(float(lon), 5),
            }
            if kind == "sensors":
                entry = self.catalog.systems.get(system)
                if radar is None and entry is not None:
                    fcr = entry.fire_unit.fire_control_radar
                    radar = next((r for r in entry.radars if r != fcr), fcr)
                item["radar"] = radar or ""
            self._face_threats(data, kind, item)
            data.setdefault(kind, []).append(item)
            for v in data.get("variants", []):
                if v["name"] == variant and v.get(kind) is not None:
                    v[kind].append(name)
            self._commit(data)
            return name

    def remove(self, kind: str, name: str) -> None:
        with self.lock:
            data = copy.deepcopy(self.data)
            item = self._item(data, kind, name)
            data[kind].remove(item)
            for v in data.get("variants", []):
                if v.get(kind) is not None and name in v[kind]:
                    v[kind].remove(name)
            self._commit(data)

    # ------------------------------------------------------------------ coverage
    def radars(self, variant: str | None) -> list[dict]:
        """The radars of a variant: each fire unit's fire-control radar, then the sensors."""
        s = self.scenario
        v = s.variant(variant)
        out = []
        for fu in s.fire_units:
            if v.fire_units is not None and fu.name not in v.fire_units:
                continue
            system = self.catalog.systems[fu.system]
            radar = system.fire_unit.fire_control_radar
            spec = system.radars[radar]
            out.append(self._radar(fu, f"{fu.name}/{radar}", spec, fu.sector_width_deg))
        for se in s.sensors:
            if v.sensors is not None and se.name not in v.sensors:
                continue
            spec = self.catalog.systems[se.system].radars[se.radar]
            out.append(self._radar(se, se.name, spec, se.sector_width_deg))
        return out

    @staticmethod
    def _radar(item, name: str, spec, width_deg) -> dict:
        return {
            "name": name,
            "lat": item.lat,
            "lon": item.lon,
            "antenna_height_m": spec.antenna_height_m.si(),
            "range_m": spec.instrumented_range_km.si(),
            "sector_center_deg": item.sector_center_deg,
            "sector_width_deg": effective_sector_width_deg(spec, width_deg),
        }

    def _key(self, radar: dict) -> tuple:
        k = self.scenario.propagation.k_factor
        return (radar["lat"], radar["lon"], radar["antenna_height_m"], radar["range_m"], k)

    def table(self, radar: dict) -> CoverageTable | None:
        """A radar's polar coverage table, from the cache or computed (and cached)."""
        from iadsim.terrain import coverage_table

        key = self._key(radar)
        if key in self._tables:
            self._tables.move_to_end(key)
            return self._tables[key]
        try:
            table = coverage_table(
                self.dem, radar["lat"], radar["lon"], radar["antenna_height_m"], radar["range_m"],
                az_step_deg=AZ_STEP_DEG, range_step_m=RANGE_STEP_M, k_factor=key[-1],
                oversample=2, site_name=radar["name"],
            )  # fmt: skip
        except InputError:
            table = None  # outside the DEM
        self.table_builds += 1
        _put(self._tables, key, table)
        return table

    def site_raster(self, radar: dict, table: CoverageTable, cell_deg: float):
        """One radar's minimum visible height on the global grid of ``cell_deg`` cells (its
        own disc's box only), sector-masked; cached, so a redraw after moving one site
        rasterises that site alone and the union is an elementwise minimum."""
        from iadsim import geo
        from iadsim.report.coverage import coverage_raster

        key = (*self._key(radar), radar["sector_center_deg"], radar["sector_width_deg"], cell_deg)
        if key in self._rasters:
            self._rasters.move_to_end(key)
            return self._rasters[key]
        az = np.arange(0.0, 360.0, 2.0)
        la, lo = geo.forward(table.lat_deg, table.lon_deg, az, table.max_range_m)
        # snapped outwards to multiples of the cell, so every site's raster shares one grid
        west = math.floor(lo.min() / cell_deg) * cell_deg
        east = math.ceil(lo.max() / cell_deg) * cell_deg
        south = math.floor(la.min() / cell_deg) * cell_deg
        north = math.ceil(la.max() / cell_deg) * cell_deg
        masked = _sector_masked(table, radar["sector_center_deg"], radar["sector_width_deg"])
        raster = coverage_raster([masked], cell_deg=cell_deg, bounds=(west, south, east, north))
        _put(self._rasters, key, raster)
        return raster

    def coverage(self, variant: str | None, altitude_m: float) -> dict:
        """The area where a target ``altitude_m`` above ground is in line of sight of a
        radar of ``variant``, as a GeoJSON FeatureCollection (one MultiPolygon)."""
        from rasterio.transform import Affine

        from iadsim.report.coverage import CoverageRaster, coverage_polygons

        t0 = time.perf_counter()
        with self.lock:
            radars = self.radars(variant)
        # numba's parallel terrain kernels may not run in two threads at once (the default
        # workqueue layer aborts the process): every terrain computation holds TERRAIN
        with TERRAIN:
            builds = self.table_builds
            notes = []
            sites = []
            if self.dem is None:
                notes.append("smooth earth (no DEM): no terrain coverage drawn")
            else:
                for r in radars:
                    t = self.table(r)
                    if t is None:
                        notes.append(f"{r['name']}: outside the DEM, no coverage")
                        continue
                    sites.append((r, t))
            built = self.table_builds - builds
            features = []
            if sites:
                # about 120 cells per radius of the longest radar, between 30" and 0.03 deg
                longest = max(t.max_range_m for _, t in sites)
                cell = min(0.03, max(1.0 / 120.0, longest / 111_000.0 / 120.0))
                rasters = [self.site_raster(r, t, cell) for r, t in sites]
                bounds = [x.bounds for x in rasters]
                west, north = min(b[0] for b in bounds), max(b[3] for b in bounds)
                east, south = max(b[2] for b in bounds), min(b[1] for b in bounds)
                rows, cols = round((north - south) / cell), round((east - west) / cell)
                grid = np.full((rows, cols), np.nan, dtype=np.float32)
                for x in rasters:
                    r0 = round((north - x.bounds[3]) / cell)
                    c0 = round((x.bounds[0] - west) / cell)
                    h, w = x.min_visible_agl_m.shape
                    view = grid[r0 : r0 + h, c0 : c0 + w]
                    np.fmin(view, x.min_visible_agl_m, out=view)
                union = CoverageRaster(
                    grid, Affine(cell, 0.0, west, 0.0, -cell, north), rasters[0].crs
                )
                fc = coverage_polygons(union, [altitude_m], simplify_deg=cell / 2.0)
                features = fc["features"]
        return {
            "type": "FeatureCollection",
            "features": features,
            "tables_computed": built,
            "radars": len(sites),
            "notes": notes,
            "elapsed_s": time.perf_counter() - t0,
        }

    def warm_engine(self, variant: str | None) -> None:
        """Compute the engine's full-resolution coverage tables of the variant's radars
        (cached in the process by :func:`iadsim.engine.prepare.site_table`), so a Run after
        a drag does not wait for the moved site's table. Called in a background thread
        after a redraw; one at a time; any failure is left for the run to report."""
        if self.dem is None or not self._warming.acquire(blocking=False):
            return
        try:
            from iadsim.engine.prepare import radar_sites, site_table

            with self.lock:
                s = self.scenario
                v = s.variant(variant)
                fus = [f for f in s.fire_units if v.fire_units is None or f.name in v.fire_units]
                sensors = [x for x in s.sensors if v.sensors is None or x.name in v.sensors]
                sites = radar_sites(fus, sensors, self.catalog)
                k, terrain = s.propagation.k_factor, s.terrain
            for site in sites:
                with TERRAIN:
                    site_table(self.dem, site, k, terrain.az_step_deg, terrain.range_step_m)
        except Exception:  # an optimisation only: the run computes what is missing
            pass
        finally:
            self._warming.release()

    @property
    def warming(self) -> bool:
        """Whether engine tables are being computed in the background."""
        return self._warming.locked()

    # ------------------------------------------------------------------ saving
    def save_path(self, name: str) -> Path:
        """The file a save name stands for: a plain name in the scenario's folder, ``.yaml``
        added; anything else (a folder, ``..``, a leading dot) is refused."""
        if not isinstance(name, str) or not SAVE_NAME.match(name) or ".." in name:
            raise EditError(
                "a save name is a plain file name: letters, digits, '.', '_' and '-', "
                "starting with a letter or digit, no folder"
            )
        if not name.endswith((".yaml", ".yml")):
            name += ".yaml"
        target = (self.folder / name).resolve()
        if target.parent != self.folder:
            raise EditError("a save name may not leave the scenario's folder")
        return target

    def save(self, name: str, overwrite: bool = False) -> Path:
        """Write the edited scenario as ``name`` next to the original, atomically."""
        with self.lock:
            target = self.save_path(name)
            if target == self.path and not overwrite:
                raise SaveExists(str(target.name))
            if target.exists() and not overwrite:
                raise SaveExists(str(target.name))
            text = self.yaml_text()
            with atomic_path(target, ".yaml") as tmp:
                tmp.write_text(text, encoding="utf-8")
            return target

    def default_altitudes(self) -> list[float]:
        return [float(a) for a in DEFAULT_ALTITUDE_BANDS_M]
