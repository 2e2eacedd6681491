"""Planning file v1: the validated model of ``iadsim plan PLAN.yaml``.

Same conventions as scenarios (units in names, WGS84 degrees, ``FILE:LINE:COL`` errors via
:mod:`iadsim.yamlio`); assets, raids, terrain, propagation and doctrine reuse the scenario's
own models, so what a plan accepts a scenario accepts. See docs/planning.md.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from iadsim.errors import InputError, Problem
from iadsim.scenario.loader import system_problems
from iadsim.scenario.schema import (
    Asset,
    Doctrine,
    Lat,
    Lon,
    Name,
    Propagation,
    Raid,
    Terrain,
)
from iadsim.yamlio import dotted, locate, read_yaml, validate

__all__ = ["Plan", "load_plan", "parse_plan"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanTerrain(Terrain):
    """Terrain and the coverage-table resolution (coarser than a scenario's default: a plan
    builds a table per candidate and system; the emitted scenario carries the same)."""

    az_step_deg: float = Field(0.5, ge=0.01, le=2.0, description="Table azimuth step. [deg]")
    range_step_m: float = Field(1000.0, ge=10.0, le=5000.0, description="Table range step. [m]")


class Target(_Model):
    """What coverage is counted against: a catalog threat, or a bare RCS (detection only)."""

    threat: str | None = Field(None, description="Catalog threat: its RCS, class and speed.")
    rcs_m2: float | None = Field(None, gt=0, description="RCS; with threat, replaces its RCS.")

    @model_validator(mode="after")
    def _one(self) -> Target:
        if self.threat is None and self.rcs_m2 is None:
            raise ValueError("give threat or rcs_m2")
        return self


class Site(_Model):
    """An explicit candidate site."""

    name: Name
    lat: Lat
    lon: Lon


class Grid(_Model):
    """Candidate sites on a square equal-area lattice inside the region."""

    spacing_km: float = Field(gt=0, le=1000, description="Lattice spacing. [km]")
    exclude_water: bool = Field(True, description="Drop sites on DEM no-data (sea). [bool]")
    max_slope_deg: float | None = Field(
        10.0, gt=0, le=90, description="Drop sites steeper than this (DEM, ~1 km base). [deg]"
    )
    border_buffer_km: float = Field(
        0.0, ge=0, description="Drop sites closer than this to the region's border. [km]"
    )


class Candidates(_Model):
    sites: list[Site] = Field(default_factory=list)
    grid: Grid | None = None

    @model_validator(mode="after")
    def _some(self) -> Candidates:
        if not self.sites and self.grid is None:
            raise ValueError("give candidate sites, a grid, or both")
        return self


class MenuItem(_Model):
    """A system that may be bought: a fire unit of a catalog system, or a sensor (radar)."""

    name: Name
    system: str = Field(description="Catalog system, e.g. 's-400'.")
    kind: Literal["fire_unit", "sensor"] = "fire_unit"
    interceptor: str | None = Field(None, description="Fire unit: catalog interceptor.")
    radar: str | None = Field(None, description="Sensor: the system's radar, e.g. '91n6e'.")
    acquisition_cost_usd: float | None = Field(
        None, ge=0, description="Per unit; default the catalog's fire-unit figure. [USD]"
    )
    yearly_cost_usd: float = Field(0.0, ge=0, description="Operation per unit and year. [USD]")
    max_count: int | None = Field(None, ge=0, description="Most units of this item. [1]")

    @model_validator(mode="after")
    def _kind(self) -> MenuItem:
        if self.kind == "sensor" and self.radar is None:
            raise ValueError("a sensor needs its radar")
        if self.kind == "sensor" and self.acquisition_cost_usd is None:
            raise ValueError("a sensor needs acquisition_cost_usd (the catalog prices fire units)")
        if self.kind == "fire_unit" and self.radar is not None:
            raise ValueError("a fire unit uses its system's fire-control radar; drop radar")
        return self


class Mix(_Model):
    """A system mix: the menu items a layout may use (e.g. 'buk-m3 + tor-m2')."""

    name: Name
    items: list[Name] = Field(min_length=1)


class Objective(_Model):
    """What stage 1 maximises (stage 2 ranks by expected damage for ``damage``)."""

    kind: Literal["assets", "area", "damage"] = Field(
        "assets",
        description="assets: value-weighted share of the assets' surroundings covered; "
        "area: share of the region; damage: stage 2 minimises expected damage over the raids "
        "(stage 1 as assets).",
    )
    coverage: Literal["engagement", "detection"] = "engagement"
    bands_m: list[float] = Field(
        default_factory=lambda: [100.0, 1000.0, 10000.0], min_length=1, description="[m AGL]"
    )
    band_weights: list[float] | None = Field(None, description="Default equal. [1]")
    layer_weights: list[float] = Field(
        default_factory=lambda: [1.0],
        min_length=1,
        description="Value of the 1st, 2nd, ... covering unit; positive, non-increasing. [1]",
    )

    @model_validator(mode="after")
    def _weights(self) -> Objective:
        if any(b <= 0 for b in self.bands_m):
            raise ValueError("bands_m must be positive heights")
        if self.band_weights is not None and (
            len(self.band_weights) != len(self.bands_m) or any(w < 0 for w in self.band_weights)
        ):
            raise ValueError("band_weights needs one non-negative weight per band")
        lw = self.layer_weights
        if any(w <= 0 for w in lw) or any(b > a for a, b in itertools.pairwise(lw)):
            raise ValueError("layer_weights must be positive and non-increasing")
        return self


class Solver(_Model):
    method: Literal["milp", "greedy", "both"] = "both"
    time_limit_s: float = Field(120.0, gt=0, description="Per MILP. [s]")
    mip_gap: float = Field(0.0, ge=0, le=1, description="HiGHS relative gap. [1]")


class Refine(_Model):
    """Stage 2: Monte Carlo on the raids with common random numbers, then local search."""

    enabled: bool = True
    replications: int = Field(300, ge=10, le=1_000_000)
    seed: int = Field(0, ge=0)
    evaluations: int = Field(12, ge=0, le=1000, description="Local-search runs per layout.")
    neighbours: int = Field(4, ge=1, le=50, description="Nearest sites a unit may move to.")


class Selection(_Model):
    """The layout written as layout.yaml: a mix and a budget of the plan."""

    mix: Name | None = None
    budget_usd: float | None = None


class Plan(_Model):
    """A planning file, schema version 1."""

    schema_version: Literal[1]
    name: Name
    description: str = ""
    region: str = Field(description="A country of the packaged borders, or a GeoJSON file.")
    cell_km: float = Field(4.0, gt=0.1, le=100, description="Equal-area cell side. [km]")
    asset_radius_km: float = Field(50.0, gt=0, le=500, description="Asset surroundings. [km]")
    terrain: PlanTerrain = PlanTerrain()
    propagation: Propagation = Propagation()
    target: Target
    assets: list[Asset] = Field(min_length=1)
    candidates: Candidates
    units_per_site: int = Field(1, ge=1, le=10, description="Units one site may hold. [1]")
    menu: list[MenuItem] = Field(min_length=1)
    mixes: list[Mix] = Field(default_factory=list, description="Default: one mix of all items.")
    years: float = Field(10.0, ge=0, description="Horizon for yearly costs. [year]")
    budgets_usd: list[float] = Field(min_length=1, description="[USD]")
    objective: Objective = Objective()
    solver: Solver = Solver()
    raids: list[Raid] = Field(min_length=1)
    threat_axis_deg: float | None = Field(
        None, ge=0, lt=360, description="Sector radars face this; default the raids' origin."
    )
    doctrine: Doctrine = Doctrine()
    refine: Refine = Refine()
    select: Selection = Selection()

    _source_path: str | None = PrivateAttr(default=None)
    _catalog: object = PrivateAttr(default=None)

    @property
    def source_path(self) -> str | None:
        return self._source_path

    @property
    def catalog(self):
        return self._catalog

    def all_mixes(self) -> list[Mix]:
        return self.mixes or [Mix(name="all", items=[m.name for m in self.menu])]


def _cross_check(plan: Plan, catalog) -> list[tuple[tuple, str]]:
    out: list[tuple[tuple, str]] = []

    def known(names) -> str:
        return ", ".join(sorted(names))

    for field in ("assets", "menu", "mixes", "raids"):
        seen: set[str] = set()
        for i, item in enumerate(getattr(plan, field)):
            if item.name in seen:
                out.append(((field, i, "name"), f"duplicate name '{item.name}'"))
            seen.add(item.name)
    seen = set()
    for i, site in enumerate(plan.candidates.sites):
        if site.name in seen:
            out.append((("candidates", "sites", i, "name"), f"duplicate name '{site.name}'"))
        seen.add(site.name)
    if plan.target.threat is not None and plan.target.threat not in catalog.threats:
        out.append(
            (
                ("target", "threat"),
                f"unknown threat '{plan.target.threat}'; known: {known(catalog.threats)}",
            )
        )
    for i, item in enumerate(plan.menu):
        out += system_problems(catalog, ("menu", i), item.system, item.interceptor, item.radar)[1]
    names = {m.name for m in plan.menu}
    for i, mix in enumerate(plan.mixes):
        for k, item in enumerate(mix.items):
            if item not in names:
                out.append(
                    (("mixes", i, "items", k), f"unknown menu item '{item}'; known: {known(names)}")
                )
    if plan.select.mix is not None and plan.select.mix not in {m.name for m in plan.all_mixes()}:
        out.append((("select", "mix"), f"unknown mix '{plan.select.mix}'"))
    if plan.select.budget_usd is not None and plan.select.budget_usd not in plan.budgets_usd:
        out.append((("select", "budget_usd"), "select.budget_usd must be one of budgets_usd"))
    if any(b <= 0 for b in plan.budgets_usd):
        out.append((("budgets_usd",), "budgets must be positive"))
    return out


def parse_plan(data, path: str | Path, catalog=None) -> Plan:
    """Validate parsed YAML into a :class:`Plan`; every problem with its FILE:LINE:COL.

    Raids are checked as a scenario checks them (threat names, aim assets, ranges)."""
    from iadsim.catalog import load_catalog
    from iadsim.scenario.loader import cross_check
    from iadsim.scenario.schema import Scenario

    if not hasattr(data, "get"):
        raise InputError.single("a plan file must be a mapping of fields", path, 1, 1)
    version = data.get("schema_version")
    if version is not None and version != 1:
        line, col = locate(data, ("schema_version",))
        raise InputError.single(
            f"schema_version {version!r} is not supported; this iadsim reads version 1",
            path,
            line,
            col,
            "schema_version",
        )
    plan = validate(Plan, data, path)
    catalog = catalog or load_catalog()
    problems = []
    for loc, msg in _cross_check(plan, catalog):
        line, col = locate(data, loc)
        problems.append(Problem(msg, str(path), line, col, dotted(loc)))
    # the region: a packaged country or a GeoJSON file next to the plan, found now so a
    # misspelt name points at its line instead of failing after the schema checks
    from iadsim.planning.region import load_region

    try:
        load_region(plan.region, Path(path).parent, field_path="region")
    except InputError as exc:
        line, col = locate(data, ("region",))
        problems += [Problem(p.message, str(path), line, col, "region") for p in exc.problems]
    # raids and assets: the scenario's own cross-checks
    probe = Scenario(schema_version=1, name=plan.name, assets=plan.assets, raids=plan.raids)
    for loc, msg in cross_check(probe, catalog):
        if loc[0] in ("raids", "assets"):
            line, col = locate(data, loc)
            problems.append(Problem(msg, str(path), line, col, dotted(loc)))
    if problems:
        raise InputError(problems)
    plan._source_path = str(path)
    plan._catalog = catalog
    return plan


def load_plan(path: str | Path, catalog=None) -> Plan:
    """Read and validate a plan file; raise :class:`InputError` with FILE:LINE:COL."""
    return parse_plan(read_yaml(path), path, catalog)
