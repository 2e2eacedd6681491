"""The "Optimise" button of ``iadsim serve``: ``iadsim plan`` for the current assets and units.

The question the button answers: *where should this variant's fire units stand to cover the
assets best?* It writes a planning file (docs/planning.md) from the scenario being edited and
runs :func:`iadsim.planning.plan.run_plan` on it, stage 1 only (the maximal-covering MILP
with greedy beside it; the page's Run is the Monte Carlo judge, on common random numbers):

- **assets, raids, terrain, propagation** are the scenario's;
- **the menu** is the variant's fire units, one item per (system, interceptor) with
  ``max_count`` the number of such units, each costing 1, and the budget is the number of
  units: the plan may place the same units, no more;
- **candidate sites** are the units' current positions (so the current layout is one of the
  layouts the MILP compares, and the suggestion covers at least as much) and a grid of
  ``spacing_km`` inside the region: the country holding the first asset, within
  ``reach_km`` of an asset;
- **the objective** is the planner's ``assets`` objective: the value-weighted share of the
  assets' 50 km surroundings where a fire unit can engage the target threat, at 100, 1,000
  and 10,000 m above ground, a second engaging unit counting half.

The suggestion maps each placed unit onto a current unit of the same system and interceptor
(least total move, :func:`scipy.optimize.linear_sum_assignment`); units the plan does not
place add no coverage against the target and stay where they are.

References
----------
.. [1] R. Church and C. ReVelle, "The maximal covering location problem", Papers of the
   Regional Science Association 32 (1974) 101-118.
.. [2] M. J. Hogan and C. ReVelle, "Concepts and applications of backup coverage",
   Management Science 32 (1986) 1434-1444.
"""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from iadsim.errors import InputError

#: Bands of the objective (as the planner's default). [m above ground]
BANDS_M = (100.0, 1000.0, 10_000.0)
#: Value of the first and second unit that can engage a cell (a second layer counts half).
LAYER_WEIGHTS = (1.0, 0.5)
#: Stage 1 MILP time limit. [s]
TIME_LIMIT_S = 30.0
#: Most candidate sites one press may build coverage for (a 5 km grid over a country would
#: take hours, with no way to stop it from the page). [1]
MAX_CANDIDATES = 1000


@dataclass
class OptimiseJob:
    id: str
    variant: str
    threat: str
    revision: int
    directory: Path
    state: str = "running"  # running, done, failed
    log: list[str] = field(default_factory=list)
    progress: list[int] = field(default_factory=lambda: [0, 0])  # matrix units done, total
    error: str | None = None
    result: dict | None = None
    started: float = field(default_factory=time.perf_counter)
    elapsed_s: float | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    def status(self) -> dict:
        elapsed = self.elapsed_s
        return {
            "id": self.id,
            "state": self.state,
            "variant": self.variant,
            "threat": self.threat,
            "revision": self.revision,
            "log": list(self.log[-8:]),
            "progress": list(self.progress),
            "error": self.error,
            "elapsed_s": elapsed if elapsed is not None else time.perf_counter() - self.started,
            "result": self.result,
        }


def default_threat(scenario) -> str:
    """The raids' most numerous threat (a raid's ``count`` is its total over its launch
    points; the first raid's threat on a tie)."""
    counts: Counter[str] = Counter()
    for r in scenario.raids:
        counts[r.threat] += r.count
    return max(counts, key=lambda t: (counts[t], -[r.threat for r in scenario.raids].index(t)))


def region_geometry(scenario, reach_km: float):
    """Where grid sites may go: the country of the packaged borders holding the first asset
    (the defender's own ground), within ``reach_km`` of an asset; the discs alone when the
    first asset is in no country."""
    import shapely
    from shapely.geometry import Point, shape

    from iadsim import geo
    from iadsim.report.coverage import load_borders

    az = np.arange(0.0, 360.0, 5.0)
    discs = []
    for a in scenario.assets:
        la, lo = geo.forward(
            np.full(az.shape, a.lat),
            np.full(az.shape, a.lon),
            az,
            np.full(az.shape, reach_km * 1e3),
        )
        discs.append(shapely.Polygon(list(zip(lo, la, strict=True))))
    near = shapely.union_all(discs)
    first = Point(scenario.assets[0].lon, scenario.assets[0].lat)
    for feat in load_borders()["features"]:
        country = shape(feat["geometry"])
        if country.contains(first):
            return shapely.make_valid(country.intersection(near)), str(feat["properties"]["name"])
    return near, "the assets' surroundings"


def build_plan(scenario, variant: str, threat: str, folder: Path, spacing_km: float,
               reach_km: float):  # fmt: skip
    """The planning file for ``variant``'s fire units (see the module docstring), written to
    ``folder`` with its region, and validated as ``iadsim plan`` validates one."""
    from ruamel.yaml import YAML
    from shapely.geometry import mapping

    from iadsim.planning.schema import parse_plan
    from iadsim.yamlio import read_yaml

    v = scenario.variant(variant)
    fus = [f for f in scenario.fire_units if v.fire_units is None or f.name in v.fire_units]
    if not fus:
        raise InputError.single(
            f"variant '{variant}' has no fire units to place", field_path="variant"
        )
    geometry, region_name = region_geometry(scenario, reach_km)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "region.geojson").write_text(
        json.dumps({"type": "Feature", "properties": {"name": region_name},
                    "geometry": mapping(geometry)}), encoding="utf-8",
    )  # fmt: skip
    groups: dict[tuple, list] = {}
    for f in fus:
        groups.setdefault((f.system, f.interceptor), []).append(f)
    menu = []
    for k, ((system, interceptor), units) in enumerate(groups.items()):
        item = {"name": f"item{k}", "system": system, "acquisition_cost_usd": 1.0,
                "max_count": len(units)}  # fmt: skip
        if interceptor is not None:
            item["interceptor"] = interceptor
        menu.append(item)
    dem = scenario.terrain.dem
    if dem not in ("default", "none") and not Path(dem).is_absolute():
        dem = str(Path(scenario.source_path or ".").parent / dem)  # the plan is elsewhere
    plan = {
        "schema_version": 1,
        "name": "serve-optimise",
        "description": f"Optimise in iadsim serve: {variant} of {scenario.name}.",
        "region": str(folder / "region.geojson"),
        "cell_km": 4.0,
        "asset_radius_km": 50.0,
        "terrain": {"dem": dem, "az_step_deg": 0.5, "range_step_m": 1000.0},
        "propagation": {"k_factor": scenario.propagation.k_factor},
        "target": {"threat": threat},
        "assets": [a.model_dump(mode="json", exclude_none=True) for a in scenario.assets],
        "candidates": {
            "sites": [{"name": f"now{i}", "lat": f.lat, "lon": f.lon} for i, f in enumerate(fus)],
            "grid": {"spacing_km": spacing_km, "exclude_water": True, "max_slope_deg": 10.0},
        },
        "menu": menu,
        "budgets_usd": [float(len(fus))],
        "objective": {
            "kind": "assets",
            "coverage": "engagement",
            "bands_m": list(BANDS_M),
            "layer_weights": list(LAYER_WEIGHTS),
        },
        "solver": {"method": "both", "time_limit_s": TIME_LIMIT_S},
        "raids": [r.model_dump(mode="json", exclude_none=True) for r in scenario.raids],
        "refine": {"enabled": False},
    }
    yaml = YAML(typ="safe", pure=True)
    buf = io.StringIO()
    yaml.dump(plan, buf)
    path = folder / "plan.yaml"
    path.write_text(buf.getvalue(), encoding="utf-8")
    plan_ = parse_plan(read_yaml(path), path, scenario.effective_catalog)
    return plan_, fus, groups, region_name


@dataclass
class Stage1:
    """What stage 1 of ``iadsim plan`` gives for the plan's one mix and budget."""

    candidates: list
    matrix: object
    item_of: np.ndarray
    site_of: np.ndarray
    cost: np.ndarray
    chosen: list[int]
    value: float
    method: str
    greedy_value: float | None
    milp_status: str | None
    problem: object
    timings: dict


def stage1(plan, log=lambda msg: None, progress=None) -> Stage1:
    """Stage 1 of :func:`iadsim.planning.plan.run_plan` with the same planning functions
    (region, candidate sites, units, cells, coverage matrix with its cache, the MILP and
    greedy), without its output files: the maps and plots take longer than the solve, and
    the page draws the layout itself."""
    from iadsim.planning.coverage import DEFAULT_BANDS_M
    from iadsim.planning.matrix import build_matrix, default_cache_dir
    from iadsim.planning.optimize import greedy, solve_milp
    from iadsim.planning.plan import cover_problem, plan_dem, plan_target
    from iadsim.planning.region import grid_cells, load_region
    from iadsim.planning.sites import candidate_sites, make_units

    t0 = time.perf_counter()
    region = load_region(plan.region, field_path="region")
    dem = plan_dem(plan)
    candidates, _ = candidate_sites(plan, region, dem)
    if len(candidates) > MAX_CANDIDATES:
        raise InputError.single(
            f"{len(candidates):,} candidate sites: at most {MAX_CANDIDATES:,}; "
            "give a wider candidate grid",
            field_path="spacing_km",
        )
    units, item_of, site_of, cost = make_units(plan, candidates, plan.catalog)
    assets = [(a.name, a.lat, a.lon) for a in plan.assets]
    cells = grid_cells(region, plan.cell_km * 1e3, assets, plan.asset_radius_km * 1e3)
    bands = tuple(sorted(set(DEFAULT_BANDS_M) | set(plan.objective.bands_m)))
    log(f"{len(candidates)} candidate sites, {len(units)} units, {len(cells.lat):,} cells")
    t1 = time.perf_counter()
    matrix, stats = build_matrix(
        units, cells, bands, plan_target(plan, plan.catalog), plan.catalog, dem,
        k_factor=plan.propagation.k_factor, az_step_deg=plan.terrain.az_step_deg,
        range_step_m=plan.terrain.range_step_m, cache_dir=default_cache_dir(),
        progress=progress,
    )  # fmt: skip
    t2 = time.perf_counter()
    log(f"coverage matrix: {stats['computed']} computed, {stats['cached']} from the cache")
    columns = np.arange(len(units))
    problem = cover_problem(plan, matrix, columns, cost, item_of, site_of)
    problem.budget = float(plan.budgets_usd[0])
    milp = solve_milp(problem, plan.solver.time_limit_s, plan.solver.mip_gap)
    near = greedy(problem)
    best = milp if milp.chosen or not near.chosen else near
    t3 = time.perf_counter()
    log(f"MILP {milp.value:.4f} ({milp.status}), greedy {near.value:.4f}")
    return Stage1(
        candidates, matrix, item_of, site_of, cost, [int(k) for k in best.chosen], best.value,
        best.method, near.value, milp.status, problem,
        {"setup_s": t1 - t0, "matrix_s": t2 - t1, "solve_s": t3 - t2, "total_s": t3 - t0},
    )  # fmt: skip


def suggestion(result: Stage1, plan, fus, groups) -> dict:
    """What the page shows and Apply does: the current and suggested objective values, and per
    current unit its move (or that it stays, unused by the plan)."""
    from scipy.optimize import linear_sum_assignment

    from iadsim import geo
    from iadsim.planning.sites import threat_axis_deg

    problem = result.problem
    keys = list(groups)
    site_index = {c.name: j for j, c in enumerate(result.candidates)}
    current = []
    for i, f in enumerate(fus):
        j, m = site_index[f"now{i}"], keys.index((f.system, f.interceptor))
        current.append(int(np.flatnonzero((result.site_of == j) & (result.item_of == m))[0]))
    units, unused = [], []
    for m, key in enumerate(keys):
        mine = [i for i, f in enumerate(fus) if (f.system, f.interceptor) == key]
        placed = [k for k in result.chosen if int(result.item_of[k]) == m]
        targets = [result.candidates[int(result.site_of[k])] for k in placed]
        if not targets:
            unused += [fus[i].name for i in mine]
            continue
        dist = np.array(
            [[geo.inverse(fus[i].lat, fus[i].lon, t.lat, t.lon)[2] for t in targets] for i in mine]
        )
        rows, cols = linear_sum_assignment(dist)
        for r, c in zip(rows, cols, strict=True):
            f, t = fus[mine[r]], targets[c]
            move = {"name": f.name, "system": f.system, "from": [f.lat, f.lon],
                    "to": [t.lat, t.lon], "distance_km": float(dist[r, c]) / 1e3}  # fmt: skip
            system = plan.catalog.systems[f.system]
            width = system.radars[system.fire_unit.fire_control_radar].sector_width_deg.si()
            if width < 360.0:  # faced as the plan faced it (planning.sites.make_units)
                move["sector_center_deg"] = threat_axis_deg(plan, t.lat, t.lon)
                move["sector_width_deg"] = width
            units.append(move)
        unused += [fus[mine[r]].name for r in set(range(len(mine))) - set(rows)]
    return {
        "current_value": float(problem.value(current)),
        "suggested_value": float(result.value),
        "method": result.method,
        "greedy_value": result.greedy_value,
        "milp_status": result.milp_status,
        "units": units,
        "unused": unused,
        "candidates": len(result.candidates),
        "timings": {k: round(float(v), 2) for k, v in result.timings.items()},
    }


class Optimiser:
    """One optimisation at a time, in a background thread, under the terrain lock (the
    coverage matrix uses numba's parallel kernels, as redraws and runs do)."""

    def __init__(self, session, runner):
        self.session = session
        self.runner = runner  # its temporary folder, made when first needed
        self.jobs: dict[str, OptimiseJob] = {}
        self._lock = threading.Lock()

    def busy(self) -> bool:
        return any(j.state == "running" for j in self.jobs.values())

    def start(self, variant: str | None, threat: str | None, spacing_km: float = 50.0,
              reach_km: float = 150.0) -> OptimiseJob:  # fmt: skip
        s = self.session
        with self._lock:
            if self.busy():
                raise InputError.single("an optimisation is already going", field_path="optimise")
            with s.lock:
                scenario, revision = s.scenario, s.revision
            name = variant or scenario.variant_names()[0]
            if name not in scenario.variant_names():
                raise InputError.single(f"unknown variant '{name}'", field_path="variant")
            raid_threats = sorted({r.threat for r in scenario.raids})
            threat = threat or default_threat(scenario)
            if threat not in raid_threats:
                raise InputError.single(
                    f"the target must be a threat of the raids: {', '.join(raid_threats)}",
                    field_path="threat",
                )
            job_id = uuid.uuid4().hex[:12]
            job = OptimiseJob(
                job_id, name, threat, revision, self.runner.root / "optimise" / job_id
            )
            self.jobs[job_id] = job
        threading.Thread(
            target=self._run, args=(job, scenario, spacing_km, reach_km), daemon=True
        ).start()
        return job

    def _run(self, job: OptimiseJob, scenario, spacing_km: float, reach_km: float) -> None:
        from iadsim.serve.jobs import outcome
        from iadsim.serve.session import TERRAIN

        def progress(done: int, total: int) -> None:
            job.progress = [done, total]

        with outcome(job, "optimisation"):
            plan, fus, groups, region_name = build_plan(
                scenario, job.variant, job.threat, job.directory, spacing_km, reach_km
            )
            if not TERRAIN.acquire(blocking=False):
                job.log.append("waiting for a redraw or a run to finish")
                TERRAIN.acquire()
            try:
                result = stage1(plan, job.log.append, progress)
            finally:
                TERRAIN.release()
            job.result = suggestion(result, plan, fus, groups)
            job.result.update(threat=job.threat, region=region_name, variant=job.variant)
            job.state = "done"
