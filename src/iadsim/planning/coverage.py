"""Coverage of a region by a deployment: shares of area and of each asset's surroundings.

The same function summarises a scenario's deployment (``iadsim coverage --region``) and a
plan's layout, from the same coverage columns (:mod:`iadsim.planning.matrix`), so a plan's
reported coverage is, bit for bit, the coverage of the scenario it emits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from iadsim.planning.matrix import CoverageMatrix, build_matrix
from iadsim.planning.region import Cells, Region, grid_cells
from iadsim.planning.rules import Target

__all__ = [
    "DEFAULT_BANDS_M",
    "KINDS",
    "RegionCoverage",
    "scenario_coverage",
    "scenario_units",
    "summarize",
]

#: Altitude bands of region coverage. [m AGL]
DEFAULT_BANDS_M = (30.0, 100.0, 300.0, 1000.0, 5000.0, 10000.0)
KINDS = ("detection", "engagement")


@dataclass(eq=False)
class RegionCoverage:
    """Coverage of a region by a set of units.

    Attributes
    ----------
    region : Region
    cells : Cells
    bands_m : tuple of float
    target : Target
    counts : dict kind -> ndarray (n_bands, n_cells) of int
        Units covering each cell.
    units : list
        The units (FireUnit / Sensor).
    """

    region: Region
    cells: Cells
    bands_m: tuple[float, ...]
    target: Target
    counts: dict
    units: list

    def share(self, kind: str, band: int, group: int = -1) -> float:
        """Share of the region (group -1) or of an asset's surroundings covered. [0-1]"""
        sel = self.cells.group == group
        if not sel.any():
            return float("nan")
        return float(np.mean(self.counts[kind][band][sel] > 0))

    def table(self) -> list[dict]:
        """One row per kind and band: region share, area, and each asset's share."""
        rows = []
        cell_km2 = (self.cells.cell_m / 1000.0) ** 2
        for kind in self.counts:
            for b, h in enumerate(self.bands_m):
                covered = int(np.count_nonzero(self.counts[kind][b][self.cells.group < 0] > 0))
                row = {
                    "kind": kind,
                    "band_m": h,
                    "share": self.share(kind, b),
                    "area_km2": covered * cell_km2,
                    "assets": {
                        name: self.share(kind, b, a)
                        for a, name in enumerate(self.cells.asset_names)
                    },
                }
                rows.append(row)
        return rows


def summarize(
    matrix: CoverageMatrix, region: Region, chosen: Sequence[int] | None = None
) -> RegionCoverage:
    """Coverage of the region by the chosen units of a matrix (default all)."""
    idx = list(range(len(matrix.units))) if chosen is None else list(chosen)
    counts = {kind: matrix.counts(kind, idx) for kind in KINDS}
    if matrix.target.threat_class is None:
        counts.pop("engagement")
    return RegionCoverage(
        region,
        matrix.cells,
        matrix.bands_m,
        matrix.target,
        counts,
        [matrix.units[i] for i in idx],
    )


def scenario_units(scenario, variant: str | None = None) -> list:
    """The fire units and sensors of a scenario variant (the engine's selection); every one
    of the scenario's when ``variant`` is None (as ``iadsim coverage`` maps them)."""
    if variant is None:
        return [*scenario.fire_units, *scenario.sensors]
    var = scenario.variant(variant)
    fus = [f for f in scenario.fire_units if var.fire_units is None or f.name in var.fire_units]
    sensors = [s for s in scenario.sensors if var.sensors is None or s.name in var.sensors]
    return [*fus, *sensors]


def scenario_coverage(
    scenario,
    region: Region,
    target: Target,
    *,
    variant: str | None = None,
    cell_m: float = 2000.0,
    bands_m: Sequence[float] = DEFAULT_BANDS_M,
    asset_radius_m: float = 50_000.0,
    dem=None,
    cache_dir=None,
) -> RegionCoverage:
    """Coverage of ``region`` by a scenario variant's radars and fire units.

    Tables use the scenario's terrain resolution and earth factor, as its runs do."""
    from iadsim.scenario.loader import resolve_terrain

    if dem is None:
        dem = resolve_terrain(scenario)
    cells = grid_cells(
        region, cell_m, [(a.name, a.lat, a.lon) for a in scenario.assets], asset_radius_m
    )
    units = scenario_units(scenario, variant)
    matrix, _ = build_matrix(
        units,
        cells,
        bands_m,
        target,
        scenario.effective_catalog,
        dem,
        k_factor=scenario.propagation.k_factor,
        az_step_deg=scenario.terrain.az_step_deg,
        range_step_m=scenario.terrain.range_step_m,
        cache_dir=cache_dir,
    )
    return summarize(matrix, region)


def cells_for(region: Region, cell_m: float, assets, asset_radius_m: float) -> Cells:
    """The cells a plan and ``iadsim coverage --region`` share."""
    return grid_cells(region, cell_m, assets, asset_radius_m)
