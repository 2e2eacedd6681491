"""``iadsim plan``: from a planning file to layouts, a budget-coverage table and scenarios.

Steps: the region's cells and candidate units; their coverage matrix (cached); for every
system mix and budget the stage 1 optimum (MILP) and/or greedy layout; stage 2 (optional)
simulation refinement of the selected mix; then the outputs: ``plan.json``,
``budget-coverage.csv`` and ``.png``, ``scenario.yaml`` (every layout a variant, plus the
undefended baseline), ``layout.yaml`` (the selected layout alone) and its coverage map.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from iadsim.atomic import atomic_path
from iadsim.planning.coverage import DEFAULT_BANDS_M, RegionCoverage, summarize
from iadsim.planning.emit import scenario_dict, write_scenario
from iadsim.planning.matrix import CoverageMatrix, build_matrix, default_cache_dir
from iadsim.planning.optimize import CoverProblem, Solution, greedy, lp_bound, solve_milp
from iadsim.planning.region import Region, grid_cells, load_region
from iadsim.planning.rules import Target
from iadsim.planning.sites import candidate_sites, make_units

__all__ = ["Layout", "PlanResult", "budget_label", "cover_problem", "print_plan", "run_plan"]


def budget_label(budget_usd: float) -> str:
    return f"{budget_usd / 1e9:g}bn"


@dataclass
class Layout:
    """One layout: a mix at a budget, and what it covers (and, refined, what leaks)."""

    mix: str
    budget_usd: float
    method: str
    chosen: list[int]
    value: float
    cost_usd: float
    seconds: float
    gap: float | None = None
    greedy_value: float | None = None
    greedy_chosen: list[int] | None = None
    milp_status: str | None = None
    greedy_bound: float | None = None
    milp_bound: float | None = None
    lp_bound: float | None = None
    coverage: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    simulation: dict | None = None
    stage1_value: float | None = None  # the objective as stage 1 found it, before any search

    @property
    def variant(self) -> str:
        return f"{self.mix}-{budget_label(self.budget_usd)}"


@dataclass
class PlanResult:
    plan: object
    region: Region
    matrix: CoverageMatrix
    item_of: np.ndarray
    site_of: np.ndarray
    cost: np.ndarray
    candidates: list
    layouts: list[Layout]
    selected: Layout | None
    directory: Path
    paths: list[Path]
    timings: dict
    site_stats: dict


def plan_target(plan, catalog) -> Target:
    t = plan.target
    if t.threat is not None:
        base = Target.from_catalog(catalog.threats[t.threat])
        if t.rcs_m2 is None:
            return base
        return Target(f"{base.name}@{t.rcs_m2:g}m2", t.rcs_m2, base.threat_class, base.speed_mps)
    return Target(f"rcs-{t.rcs_m2:g}m2", t.rcs_m2)


def plan_dem(plan):
    from iadsim.terrain import Dem

    choice = plan.terrain.dem
    if choice == "none":
        return None
    if choice == "default":
        return Dem.default()
    p = Path(choice)
    if not p.is_absolute() and plan.source_path:
        p = Path(plan.source_path).parent / p
    return Dem.open(p)


def cell_weights(plan, cells) -> np.ndarray:
    """Weight of every cell in the objective (before band weights): value-weighted asset
    surroundings (each asset's cells share its value), or equal area over the region."""
    w = np.zeros(len(cells))
    if plan.objective.kind == "area":
        region = cells.group < 0
        w[region] = 1.0 / max(int(region.sum()), 1)
        return w
    total = sum(a.value for a in plan.assets)
    for a, asset in enumerate(plan.assets):
        sel = cells.group == a
        if sel.any():
            w[sel] = asset.value / total / sel.sum()
    return w


def cover_problem(plan, matrix: CoverageMatrix, columns: np.ndarray, cost, item_of, site_of):
    """The stage 1 problem over a subset of the matrix's units (the columns of a mix)."""
    obj = plan.objective
    bw = obj.band_weights or [1.0] * len(obj.bands_m)
    base = cell_weights(plan, matrix.cells)
    covers, weights = [], []
    for h, wb in zip(obj.bands_m, bw, strict=True):
        b = matrix.band_index(h)
        covers.append(matrix.dense(obj.coverage, b, columns).T)
        weights.append(base * wb / sum(bw))
    groups = []
    for m, item in enumerate(plan.menu):
        if item.max_count is not None:
            g = np.flatnonzero(item_of[columns] == m)
            if g.size > item.max_count:
                groups.append((g, item.max_count))
    sites = site_of[columns]
    for j in np.unique(sites):
        g = np.flatnonzero(sites == j)
        if g.size > plan.units_per_site:
            groups.append((g, plan.units_per_site))
    return CoverProblem.from_dense(
        covers, weights, obj.layer_weights, cost[columns], float("inf"), groups
    )


def coverage_rows(cov: RegionCoverage, plan) -> dict:
    """Per kind and band: region share and value-weighted share of the assets' surroundings."""
    total = sum(a.value for a in plan.assets)
    out = {}
    for kind in cov.counts:
        for b, h in enumerate(cov.bands_m):
            assets = {a.name: cov.share(kind, b, i) for i, a in enumerate(plan.assets)}
            weighted = sum(a.value * assets[a.name] for a in plan.assets) / total
            out[f"{kind}@{h:g}"] = {
                "kind": kind,
                "band_m": h,
                "region": cov.share(kind, b),
                "assets_weighted": weighted,
                "assets": assets,
            }
    return out


def run_plan(
    plan,
    *,
    out_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
    workers: int | None = None,
    refine: bool = True,
    log: Callable[[str], None] = lambda msg: None,
) -> PlanResult:
    """Run a plan end to end and write its outputs (see the module docstring)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    catalog = plan.catalog
    base_dir = Path(plan.source_path).parent if plan.source_path else None
    region = load_region(plan.region, base_dir, field_path="region")
    dem = plan_dem(plan)
    if dem is not None:
        # the emitted scenario must see the same terrain: an asset off the DEM would make
        # 'default' fall back to a smooth earth there (resolve_terrain)
        from iadsim.errors import InputError

        for i, a in enumerate(plan.assets):
            if not bool(dem.contains(a.lat, a.lon)):
                raise InputError.single(
                    f"asset '{a.name}' is outside the DEM {dem.name}",
                    plan.source_path,
                    field_path=f"assets[{i}]",
                )
    candidates, site_stats = candidate_sites(plan, region, dem)
    units, item_of, site_of, cost = make_units(plan, candidates, catalog)
    cells = grid_cells(
        region,
        plan.cell_km * 1000.0,
        [(a.name, a.lat, a.lon) for a in plan.assets],
        plan.asset_radius_km * 1000.0,
    )
    target = plan_target(plan, catalog)
    bands = tuple(sorted(set(DEFAULT_BANDS_M) | {float(b) for b in plan.objective.bands_m}))
    log(
        f"{region.name}: {cells.n_region:,} cells of {plan.cell_km:g} km; "
        f"{len(candidates)} candidate sites x {len(plan.menu)} systems = {len(units)} units"
    )
    timings["setup_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    matrix, stats = build_matrix(
        units,
        cells,
        bands,
        target,
        catalog,
        dem,
        k_factor=plan.propagation.k_factor,
        az_step_deg=plan.terrain.az_step_deg,
        range_step_m=plan.terrain.range_step_m,
        cache_dir=cache_dir or default_cache_dir(),
        workers=workers or 1,
    )
    timings["matrix_s"] = time.perf_counter() - t1
    log(
        f"coverage matrix: {stats['computed']} computed, {stats['cached']} from the cache "
        f"({timings['matrix_s']:.1f} s)"
    )

    t2 = time.perf_counter()
    layouts: list[Layout] = []
    index = {m.name: i for i, m in enumerate(plan.menu)}
    problems = {}
    for mix in plan.all_mixes():
        items = [index[n] for n in mix.items]
        columns = np.flatnonzero(np.isin(item_of, items))
        problem = cover_problem(plan, matrix, columns, cost, item_of, site_of)
        problems[mix.name] = (problem, {int(c): p for p, c in enumerate(columns)})
        for budget in plan.budgets_usd:
            problem.budget = float(budget)
            sols: dict[str, Solution] = {}
            if plan.solver.method in ("greedy", "both"):
                sols["greedy"] = greedy(problem)
            if plan.solver.method in ("milp", "both"):
                try:
                    sols["milp"] = solve_milp(
                        problem, plan.solver.time_limit_s, plan.solver.mip_gap
                    )
                except RuntimeError as exc:  # no layout at all within the time limit
                    if "greedy" not in sols:
                        from iadsim.errors import InputError

                        raise InputError.single(
                            f"{exc} within {plan.solver.time_limit_s:g} s ({mix.name} at "
                            f"${budget / 1e9:g}bn); raise it or use method: both",
                            plan.source_path,
                            field_path="solver.time_limit_s",
                        ) from None
                    log(f"{mix.name} at ${budget / 1e9:g}bn: {exc}; greedy's layout kept")
            # a MILP stopped by its time limit may hold a worse layout than greedy's
            best = max(sols.values(), key=lambda x: x.value)
            lay = Layout(
                mix.name,
                float(budget),
                best.method,
                [int(columns[k]) for k in best.chosen],
                best.value,
                best.cost,
                sum(s.seconds for s in sols.values()),
                stage1_value=best.value,
            )
            if "greedy" in sols:
                lay.greedy_value = sols["greedy"].value
                lay.greedy_bound = sols["greedy"].bound
                if "milp" not in sols:
                    # without the MILP's dual bound, the LP relaxation certifies greedy far
                    # more tightly than its submodular bound, in seconds and deterministically
                    lay.lp_bound = lp_bound(problem)
            if "milp" in sols:
                lay.milp_status, lay.milp_bound = sols["milp"].status, sols["milp"].bound
            if "milp" in sols and "greedy" in sols and sols["milp"].value > 0:
                lay.greedy_value = sols["greedy"].value
                lay.greedy_chosen = [int(columns[k]) for k in sols["greedy"].chosen]
                if _proven(sols["milp"]):
                    # the true gap: only against a proven optimum
                    lay.gap = (sols["milp"].value - sols["greedy"].value) / sols["milp"].value
            describe(lay, plan, matrix, region, item_of)
            layouts.append(lay)
            log(
                f"{mix.name} at ${budget / 1e9:g}bn: {lay.value:.4f} ({lay.method}, "
                f"{len(lay.chosen)} units, ${lay.cost_usd / 1e9:.2f}bn"
                + (f", greedy gap {100 * lay.gap:.2f}%" if lay.gap is not None else "")
                + ")"
            )
    timings["stage1_s"] = time.perf_counter() - t2

    selected = _selected(plan, layouts)
    target_dir = Path(out_dir) if out_dir is not None else Path("out") / f"plan-{plan.name}"
    if refine and plan.refine.enabled:
        from iadsim.planning.refine import refine_layouts

        t3 = time.perf_counter()

        def value_of(mix: str, chosen) -> float:
            problem, pos = problems[mix]
            return problem.value([pos[k] for k in chosen])

        with tempfile.TemporaryDirectory(prefix="iadsim-plan-") as runs:
            refine_layouts(
                plan,
                layouts,
                selected,
                matrix,
                region,
                item_of,
                site_of,
                cost,
                candidates,
                value_of=value_of,
                workers=workers,
                log=log,
                work_dir=Path(runs),
            )
        timings["stage2_s"] = time.perf_counter() - t3
    paths = write_outputs(plan, layouts, selected, matrix, region, target_dir)
    timings["total_s"] = time.perf_counter() - t0
    result = PlanResult(
        plan,
        region,
        matrix,
        item_of,
        site_of,
        cost,
        candidates,
        layouts,
        selected,
        target_dir,
        paths,
        timings,
        site_stats,
    )
    _write_json(result)
    return result


def _proven(sol: Solution) -> bool:
    """Whether HiGHS proved the MILP's layout optimal (to its gap tolerance)."""
    return "Optimal" in sol.status


def upper_bound(lay: Layout) -> float | None:
    """The tightest certified upper bound on the stage 1 optimum: HiGHS's dual bound, greedy's
    submodular bound, the LP relaxation (whichever were computed)."""
    bounds = [
        b for b in (lay.milp_bound, lay.greedy_bound, lay.lp_bound) if b is not None and b > 0
    ]
    return min(bounds) if bounds else None


def describe(lay: Layout, plan, matrix, region, item_of) -> None:
    """Fill a layout's coverage table and unit counts per menu item."""
    cov = summarize(matrix, region, lay.chosen)
    lay.coverage = coverage_rows(cov, plan)
    lay.counts = {}
    for k in lay.chosen:
        name = plan.menu[int(item_of[k])].name
        lay.counts[name] = lay.counts.get(name, 0) + 1


def _selected(plan, layouts: list[Layout]) -> Layout | None:
    mix = plan.select.mix or plan.all_mixes()[0].name
    budget = plan.select.budget_usd or max(plan.budgets_usd)
    for lay in layouts:
        if lay.mix == mix and lay.budget_usd == budget:
            return lay
    return None


def write_outputs(plan, layouts, selected, matrix, region, target_dir: Path) -> list[Path]:
    """scenario.yaml, layout.yaml, budget-coverage.csv/.png and the selected layout's maps."""
    from iadsim.planning.maps import coverage_geojson, coverage_map_png, coverage_tif
    from iadsim.planning.plots import budget_plot

    target_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    used = sorted({k for lay in layouts for k in lay.chosen})
    variants = [{"name": "undefended", "fire_units": [], "sensors": []}]
    for lay in layouts:
        units = [matrix.units[k] for k in lay.chosen]
        variants.append(
            {
                "name": lay.variant,
                "description": f"{lay.mix} at ${lay.budget_usd / 1e9:g}bn ({lay.method})",
                "fire_units": [u.name for u in units if hasattr(u, "interceptor")],
                "sensors": [u.name for u in units if not hasattr(u, "interceptor")],
            }
        )
    header = (
        f"Written by iadsim plan {plan.name}: every layout of the budget-coverage table is a\n"
        "variant (iadsim run SCENARIO; iadsim coverage SCENARIO --variant V --region ...)."
    )
    paths.append(
        write_scenario(
            target_dir / "scenario.yaml",
            scenario_dict(plan, [matrix.units[k] for k in used], variants),
            header,
        )
    )
    if selected is not None:
        paths.append(
            write_scenario(
                target_dir / "layout.yaml",
                scenario_dict(
                    plan,
                    [matrix.units[k] for k in selected.chosen],
                    name=f"plan-{plan.name}-{selected.variant}",
                ),
                f"Written by iadsim plan {plan.name}: layout {selected.variant} "
                f"(${selected.cost_usd / 1e9:.2f}bn).",
            )
        )
        cov = summarize(matrix, region, selected.chosen)
        kind = plan.objective.coverage
        assets = [(a.name, a.lat, a.lon) for a in plan.assets]
        paths.append(
            coverage_map_png(
                cov,
                kind,
                target_dir / "layout-map.png",
                assets=assets,
                title=f"{plan.name}: {selected.variant} ({kind} of {matrix.target.name})",
            )
        )
        paths.append(coverage_tif(cov, kind, target_dir / "layout-coverage.tif"))
        coverage_geojson(cov, kind, target_dir / "layout-coverage.geojson")
        paths.append(target_dir / "layout-coverage.geojson")
    paths.append(_write_csv(plan, layouts, target_dir / "budget-coverage.csv"))
    paths.append(budget_plot(plan, layouts, target_dir / "budget-coverage.png"))
    return paths


def table_rows(plan, layouts) -> list[dict]:
    rows = []
    kind = plan.objective.coverage
    for lay in layouts:
        row = {
            "mix": lay.mix,
            "budget_usd": lay.budget_usd,
            "method": lay.method,
            "units": sum(lay.counts.values()),
            "counts": " + ".join(f"{n} {k}" for k, n in lay.counts.items()) or "none",
            "cost_usd": lay.cost_usd,
            "objective": lay.value,
            "greedy_gap": lay.gap,
            "greedy_gap_bound": None
            if upper_bound(lay) is None or lay.greedy_value is None
            else max(0.0, 1.0 - lay.greedy_value / upper_bound(lay)),
            # how far the stage 1 layout can be from the optimum, by the certified bounds
            "optimality_gap_bound": None
            if upper_bound(lay) is None or lay.stage1_value is None
            else max(0.0, 1.0 - lay.stage1_value / upper_bound(lay)),
        }
        for h in plan.objective.bands_m:
            c = lay.coverage[f"{kind}@{float(h):g}"]
            row[f"region_{h:g}m"] = c["region"]
            row[f"assets_{h:g}m"] = c["assets_weighted"]
        if lay.simulation:
            for key in ("leakers", "p_leak", "damage"):
                s = lay.simulation[key]
                row[key], row[f"{key}_lo"], row[f"{key}_hi"] = s["mean"], s["lo"], s["hi"]
        rows.append(row)
    return rows


def _write_csv(plan, layouts, path: Path) -> Path:
    rows = table_rows(plan, layouts)
    keys: list[str] = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=keys)
    w.writeheader()
    w.writerows(rows)
    with atomic_path(path, ".csv") as tmp:
        tmp.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _write_json(result: PlanResult) -> None:
    plan = result.plan
    payload = {
        "plan": plan.name,
        "region": result.region.name,
        "region_area_km2": result.region.area_km2,
        "cells_in_region": result.matrix.cells.n_region,
        "cell_km": plan.cell_km,
        "target": result.matrix.target.name,
        "candidates": len(result.candidates),
        "candidate_exclusions": result.site_stats,
        "units": len(result.matrix.units),
        "timings_s": result.timings,
        "selected": result.selected.variant if result.selected else None,
        "layouts": [
            {
                "variant": lay.variant,
                "mix": lay.mix,
                "budget_usd": lay.budget_usd,
                "method": lay.method,
                "units": [result.matrix.units[k].model_dump() for k in lay.chosen],
                "cost_usd": lay.cost_usd,
                "objective": lay.value,
                "stage1_objective": lay.stage1_value,
                "greedy_objective": lay.greedy_value,
                "greedy_gap": lay.gap,
                "greedy_upper_bound": lay.greedy_bound,
                "optimality_gap_bound": table_rows(plan, [lay])[0]["optimality_gap_bound"],
                "milp_status": lay.milp_status,
                "milp_upper_bound": lay.milp_bound,
                "lp_upper_bound": lay.lp_bound,
                "coverage": lay.coverage,
                "simulation": lay.simulation,
            }
            for lay in result.layouts
        ],
    }
    path = result.directory / "plan.json"
    with atomic_path(path, ".json") as tmp:
        tmp.write_text(json.dumps(payload, indent=2, default=float) + "\n", encoding="utf-8")
    result.paths.append(path)


def print_plan(result: PlanResult, console) -> None:
    """The budget-coverage table (and the stage 2 table) on the console, then the files."""
    from rich.table import Table

    plan = result.plan
    kind = plan.objective.coverage
    table = Table(
        title=f"{plan.name}: {kind} coverage of {result.matrix.target.name} against budget, "
        f"% of {result.region.name} / % of the assets' {plan.asset_radius_km:g} km "
        "(value-weighted)",
        caption="greedy gap: greedy's shortfall from the MILP optimum (<= where the optimum is "
        "not proven). within: the layout's objective is at most this far below the optimum "
        "(the tightest of HiGHS's dual bound, greedy's submodular bound and the LP relaxation).",
    )
    for col in ("mix", "budget", "units", "cost"):
        table.add_column(col)
    for h in plan.objective.bands_m:
        table.add_column(f"{h:g} m", justify="right")
    table.add_column("greedy gap", justify="right")
    table.add_column("within", justify="right")
    rows = table_rows(plan, result.layouts)
    for row in rows:
        cells = [
            row["mix"],
            f"${row['budget_usd'] / 1e9:g}bn",
            row["counts"],
            f"${row['cost_usd'] / 1e9:.2f}bn",
        ]
        for h in plan.objective.bands_m:
            cells.append(f"{100 * row[f'region_{h:g}m']:.0f}/{100 * row[f'assets_{h:g}m']:.0f}")
        if row["greedy_gap"] is not None:
            cells.append(f"{100 * row['greedy_gap']:.2f}%")
        elif row["greedy_gap_bound"] is not None:
            cells.append(f"<= {100 * row['greedy_gap_bound']:.1f}%")
        else:
            cells.append("-")
        within = row["optimality_gap_bound"]
        cells.append("-" if within is None else f"{100 * within:.1f}%")
        table.add_row(*cells)
    console.print(table)
    refined = [lay for lay in result.layouts if lay.simulation]
    if refined:
        sim0 = refined[0].simulation
        base = sim0["undefended"]
        t2 = Table(
            title=f"stage 2: {sim0['replications']} replications of the raids (seed "
            f"{sim0['seed']}), 95% intervals; undefended: {base['leakers']['mean']:.2f} "
            f"leakers, damage {base['damage']['mean']:.1f}. Δ: paired difference in "
            f"{sim0['criterion']} (common random numbers) from no defence and, where the "
            f"local search ({plan.select.mix or refined[0].mix} only) changed the layout, "
            "from the stage 1 layout"
        )
        for col in (
            "layout",
            "method",
            "units",
            "leakers/raid",
            "P(leak)",
            "damage",
            "Δ vs none",
            "Δ vs stage 1",
        ):
            t2.add_column(col, justify="left" if col in ("layout", "method") else "right")
        for lay in refined:
            s = lay.simulation
            lk, pl, dm = s["leakers"], s["p_leak"], s["damage"]
            vs, gain = s["vs_undefended"], s.get("vs_stage1")
            unit = "" if s["criterion"] == "damage" else " leakers"
            t2.add_row(
                lay.variant,
                lay.method,
                " + ".join(f"{n} {k}" for k, n in lay.counts.items()) or "none",
                f"{lk['mean']:.2f} [{lk['lo']:.2f}, {lk['hi']:.2f}]",
                f"{pl['mean']:.3f} [{pl['lo']:.3f}, {pl['hi']:.3f}]",
                f"{dm['mean']:.1f} [{dm['lo']:.1f}, {dm['hi']:.1f}]",
                f"{vs['mean']:+.1f} [{vs['lo']:+.1f}, {vs['hi']:+.1f}]{unit}",
                "-"
                if gain is None
                else f"{gain['mean']:+.1f} [{gain['lo']:+.1f}, {gain['hi']:+.1f}]{unit}",
            )
        console.print(t2)
    t = result.timings
    console.print(
        f"{len(result.candidates)} candidate sites, {len(result.matrix.units)} units; matrix "
        f"{t.get('matrix_s', 0):.1f} s, stage 1 {t.get('stage1_s', 0):.1f} s"
        + (f", stage 2 {t['stage2_s']:.1f} s" if "stage2_s" in t else "")
        + f"; total {t.get('total_s', 0):.1f} s",
        highlight=False,
    )
    console.print("Wrote " + ", ".join(str(p) for p in result.paths), highlight=False)
