"""Coverage matrices: which unit covers which cell at which altitude band, cached on disk.

A *unit* is a scenario fire unit or sensor (:class:`iadsim.scenario.schema.FireUnit`,
:class:`~iadsim.scenario.schema.Sensor`): the same objects the planner emits, so a unit's
radar comes from the engine's own ``radar_sites``. For each unit and band the matrix holds two
bit vectors over the cells: *detection* (its radar detects the target with Pd >= 0.5) and
*engagement* (as a fire unit it has an intercept solution; always empty for a sensor).

Columns are cached one file per unit, keyed by the unit (site, system, radar, sector), every
catalog figure the rules read, the DEM (file, size and modification time, or the array's
hash), the table resolution, the earth factor, the cells, the bands and the target. Changing
any of them misses the cache; nothing else does.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from iadsim.atomic import atomic_path
from iadsim.cachedir import cache_root
from iadsim.engine.prepare import dem_ground, radar_sites
from iadsim.planning.region import Cells
from iadsim.planning.rules import (
    PD_MIN,
    Target,
    coverage_masks,
    radar_table,
    site_geometry,
)
from iadsim.scenario.schema import FireUnit, Sensor

__all__ = ["CACHE_VERSION", "CoverageMatrix", "build_matrix", "default_cache_dir"]

#: Bumped whenever the rules change what a cached column means.
CACHE_VERSION = 1

Unit = FireUnit | Sensor


def default_cache_dir() -> Path | None:
    """iadsim's cache directory (:func:`iadsim.cachedir.cache_root`); None when off."""
    return cache_root()


_DEM_IDS: dict[int, str] = {}


def dem_identity(dem) -> str:
    """A string that changes when the DEM's data changes."""
    if dem is None:
        return "smooth-earth"
    if dem.path and os.path.exists(dem.path):
        st = os.stat(dem.path)
        return f"{os.path.abspath(dem.path)}:{st.st_size}:{st.st_mtime_ns}"
    key = id(dem.elevation_grid_m)
    if key not in _DEM_IDS:
        h = hashlib.sha256(np.ascontiguousarray(dem.elevation_grid_m).tobytes())
        h.update(str(tuple(dem.transform)).encode())
        h.update(dem.crs.to_wkt().encode())
        _DEM_IDS[key] = h.hexdigest()[:24]
    return _DEM_IDS[key]


@dataclass(eq=False)
class CoverageMatrix:
    """Packed coverage bits of units over cells.

    Attributes
    ----------
    units : list of FireUnit | Sensor
    cells : Cells
    bands_m : tuple of float
        Altitude bands above ground. [m]
    target : Target
    detect, engage : ndarray of uint8, shape (n_units, n_bands, ceil(n_cells / 8))
        ``numpy.packbits`` of the per-cell coverage.
    """

    units: list
    cells: Cells
    bands_m: tuple[float, ...]
    target: Target
    detect: np.ndarray
    engage: np.ndarray

    def band_index(self, band_m: float) -> int:
        for i, b in enumerate(self.bands_m):
            if abs(b - float(band_m)) < 1e-9:
                return i
        raise KeyError(band_m)

    def bits(self, kind: str) -> np.ndarray:
        if kind not in ("detection", "engagement"):
            raise ValueError(f"kind must be 'detection' or 'engagement', not {kind!r}")
        return self.detect if kind == "detection" else self.engage

    def dense(self, kind: str, band: int, units: Sequence[int] | None = None) -> np.ndarray:
        """(n_units, n_cells) bool for one band index."""
        sel = self.bits(kind)[:, band] if units is None else self.bits(kind)[list(units), band]
        return np.unpackbits(sel, axis=-1, count=len(self.cells)).astype(bool)

    def counts(self, kind: str, units: Sequence[int]) -> np.ndarray:
        """(n_bands, n_cells) number of the given units covering each cell."""
        out = np.zeros((len(self.bands_m), len(self.cells)), dtype=np.int32)
        for b in range(len(self.bands_m)):
            if len(units):
                out[b] = self.dense(kind, b, units).sum(axis=0)
        return out

    def sparse(self, kind: str, band: int, rows: np.ndarray | None = None):
        """scipy CSR matrix (cells x units) of one band, optionally for chosen cells only."""
        import scipy.sparse as sp

        d = self.dense(kind, band).T
        if rows is not None:
            d = d[rows]
        return sp.csr_matrix(d)


def _unit_key(unit: Unit, catalog, common: dict) -> str:
    system = catalog.systems[unit.system]
    payload = {"unit": unit.model_dump(exclude={"name"}), **common}
    if isinstance(unit, FireUnit):
        radar = system.fire_unit.fire_control_radar
        icp = unit.interceptor or system.fire_unit.default_interceptor
        payload["interceptor"] = system.interceptors[icp].model_dump(mode="json")
    else:
        radar = unit.radar
    payload["radar"] = system.radars[radar].model_dump(mode="json")
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _site(unit: Unit, catalog):
    fus, sensors = ([unit], []) if isinstance(unit, FireUnit) else ([], [unit])
    return radar_sites(fus, sensors, catalog)[0]


def _unit_columns(
    unit: Unit, catalog, dem, ground_all, cells: Cells, bands, target, k, az, rs, geom
):
    site = _site(unit, catalog)
    n = len(cells)
    det = np.zeros((len(bands), n), dtype=bool)
    eng = np.zeros((len(bands), n), dtype=bool)
    g = geom.within(site.spec.instrumented_range_km.si())
    if g.index.size:
        table = None if dem is None else radar_table(dem, site, k, az, rs)
        engagement = None
        if isinstance(unit, FireUnit):
            system = catalog.systems[unit.system]
            engagement = {
                "interceptor": system.interceptors[
                    unit.interceptor or system.fire_unit.default_interceptor
                ],
                "sector_center_deg": unit.sector_center_deg,
                "sector_width_deg": unit.sector_width_deg,
                "pk": unit.pk.get(target.threat_class) if unit.pk else None,
            }
        d, e = coverage_masks(site, table, g, ground_all[g.index], bands, target, k, engagement)
        det[:, g.index], eng[:, g.index] = d, e
    return np.packbits(det, axis=-1), np.packbits(eng, axis=-1)


_JOB: dict = {}


def _site_job(indices: list[int]):
    """Columns of the units at one site (run in a forked worker; inputs from ``_JOB``)."""
    j = _JOB
    unit0 = j["units"][indices[0]]
    reach = max(_site(j["units"][i], j["catalog"]).spec.instrumented_range_km.si() for i in indices)
    geom = site_geometry(unit0.lat, unit0.lon, j["cells"].lat, j["cells"].lon, reach)
    out = []
    for i in indices:
        det, eng = _unit_columns(
            j["units"][i],
            j["catalog"],
            j["dem"],
            j["ground"],
            j["cells"],
            j["bands"],
            j["target"],
            j["k"],
            j["az"],
            j["rs"],
            geom,
        )
        out.append((i, det, eng))
    return out


def _store(results, det, eng, paths, stats, progress, total) -> int:
    n = 0
    for group in results:
        for i, d, e in group:
            det[i], eng[i] = d, e
            stats["computed"] += 1
            n += 1
            if paths[i] is not None:
                with atomic_path(paths[i], ".npz") as tmp:
                    np.savez_compressed(tmp, detect=d, engage=e)
        if progress:
            progress(stats["computed"] + stats["cached"], total)
    return n


def build_matrix(
    units: Sequence[Unit],
    cells: Cells,
    bands_m: Sequence[float],
    target: Target,
    catalog,
    dem,
    *,
    k_factor: float = 4.0 / 3.0,
    az_step_deg: float = 0.1,
    range_step_m: float = 250.0,
    cache_dir: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> tuple[CoverageMatrix, dict]:
    """Coverage bits of every unit, from the cache where it has them.

    ``workers`` > 1 computes the missing columns in forked processes, one site at a time
    (the columns do not depend on it). Returns the matrix and statistics
    ``{"computed": n, "cached": m}``.
    """
    bands = tuple(float(b) for b in bands_m)
    common = {
        "version": CACHE_VERSION,
        "dem": dem_identity(dem),
        "k": k_factor,
        "az_step_deg": az_step_deg,
        "range_step_m": range_step_m,
        "cells": cells.fingerprint(),
        "bands": bands,
        "target": [target.name, target.rcs_m2, target.threat_class, target.speed_mps],
        "pd_min": PD_MIN,
    }
    cache = Path(cache_dir) if cache_dir is not None else None
    nbytes = (len(cells) + 7) // 8
    det = np.zeros((len(units), len(bands), nbytes), dtype=np.uint8)
    eng = np.zeros_like(det)
    stats = {"computed": 0, "cached": 0}
    paths: list[Path | None] = []
    missing: list[int] = []
    for i, unit in enumerate(units):
        path = cache / "coverage" / f"{_unit_key(unit, catalog, common)}.npz" if cache else None
        paths.append(path)
        if path is not None and path.exists():
            try:
                with np.load(path) as z:
                    det[i], eng[i] = z["detect"], z["engage"]
                stats["cached"] += 1
                continue
            except (OSError, ValueError, KeyError):
                pass  # a damaged cache file is recomputed and replaced
        missing.append(i)
    if missing:
        ground = np.zeros(len(cells)) if dem is None else dem_ground(dem)(cells.lat, cells.lon)
        by_site: dict[tuple[float, float], list[int]] = {}
        for i in missing:
            by_site.setdefault((units[i].lat, units[i].lon), []).append(i)
        _JOB.update(
            units=list(units),
            catalog=catalog,
            dem=dem,
            ground=ground,
            cells=cells,
            bands=bands,
            target=target,
            k=k_factor,
            az=az_step_deg,
            rs=range_step_m,
        )
        try:
            jobs = list(by_site.values())
            if workers > 1 and len(jobs) > 1:
                import multiprocessing as mp
                from concurrent.futures import ProcessPoolExecutor

                with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
                    results = pool.map(
                        _site_job, jobs, chunksize=max(1, len(jobs) // (8 * workers))
                    )
                    done = _store(results, det, eng, paths, stats, progress, len(units))
            else:
                done = _store(map(_site_job, jobs), det, eng, paths, stats, progress, len(units))
        finally:
            _JOB.clear()
        if done != len(missing):
            raise RuntimeError(f"computed {done} of {len(missing)} coverage columns")
    return CoverageMatrix(list(units), cells, bands, target, det, eng), stats
