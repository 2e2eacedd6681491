"""Planning benchmarks: coverage matrix (cold, cached), MILP against spopt's MCLP, full plan.

Run from the repository root::

    .venv/bin/python bench/bench_planning.py [--workers 2] [--skip-plan]

1. The coverage matrix of Iraq on a 2 km equal-area grid from 300 candidate sites x 4
   systems (S-400, S-300PMU-2, Buk-M3, Tor-M2 fire units; detection and engagement of a
   Soumar at six bands), cold (empty cache) and from the cache. Goals: <= 60 s, <= 5 s.
2. The MILP of 300 Buk-M3 sites x 50,000 cells (engagement at 1,000 m AGL, 20 units) by
   iadsim (scipy.optimize.milp / HiGHS) and by pysal spopt's MCLP (PuLP, HiGHS solver) on the
   same coverage matrix: both optima and the time ratio. Goal <= 30 s.
3. ``iadsim plan examples/plan-iraq.yaml`` end to end with an empty cache. Goal <= 5 min.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def matrix_bench(workers: int):
    from iadsim.catalog import load_catalog
    from iadsim.planning.coverage import DEFAULT_BANDS_M
    from iadsim.planning.matrix import build_matrix
    from iadsim.planning.region import grid_cells, load_region
    from iadsim.planning.rules import Target
    from iadsim.planning.sites import Candidate
    from iadsim.scenario.schema import FireUnit
    from iadsim.terrain import Dem

    region = load_region("iraq")
    cells = grid_cells(region, 2000.0)
    dem = Dem.default()
    cat = load_catalog()
    # ~300 sites on a square lattice inside Iraq (on the DEM)
    step = np.sqrt(region.projected.area / 300.0)
    minx, miny, maxx, maxy = region.projected.bounds
    gx, gy = np.meshgrid(np.arange(minx, maxx, step), np.arange(miny, maxy, step))
    import shapely

    inside = shapely.contains_xy(region.projected, gx.ravel(), gy.ravel())
    lon, lat = region.to_lonlat(gx.ravel()[inside], gy.ravel()[inside])
    sites = [
        Candidate(f"s{i}", float(a), float(o))
        for i, (a, o) in enumerate(zip(lat, lon, strict=True))
    ]
    sites = [s for s in sites if bool(dem.contains(s.lat, s.lon))][:300]
    systems = ["s-400", "s-300pmu2", "buk-m3", "tor-m2"]
    units = [
        FireUnit(name=f"{s.name}-{sy}", system=sy, lat=s.lat, lon=s.lon)
        for s in sites
        for sy in systems
    ]
    target = Target.from_catalog(cat.threats["soumar"])
    kw = dict(az_step_deg=0.5, range_step_m=1000.0, workers=workers)
    # compile the numba kernels first (a cached-numba process does this in milliseconds)
    build_matrix(units[:4], cells, DEFAULT_BANDS_M, target, cat, dem, **kw)
    with tempfile.TemporaryDirectory() as cache:
        t = time.perf_counter()
        m, _ = build_matrix(units, cells, DEFAULT_BANDS_M, target, cat, dem, cache_dir=cache, **kw)
        cold = time.perf_counter() - t
        t = time.perf_counter()
        m2, s2 = build_matrix(
            units, cells, DEFAULT_BANDS_M, target, cat, dem, cache_dir=cache, **kw
        )
        warm = time.perf_counter() - t
        size = sum(f.stat().st_size for f in Path(cache).rglob("*.npz"))
    assert np.array_equal(m.engage, m2.engage) and s2["cached"] == len(units)
    print(
        f"coverage matrix: Iraq {cells.n_region:,} cells of 2 km x {len(sites)} sites x "
        f"{len(systems)} systems = {len(units)} columns x {len(DEFAULT_BANDS_M)} bands x 2 kinds"
    )
    print(
        f"  cold  {cold:7.1f} s  ({workers} workers; goal <= 60 s; ratio to goal {cold / 60:.2f})"
    )
    print(
        f"  cache {warm:7.2f} s  (goal <= 5 s; ratio to goal {warm / 5:.2f}); cache "
        f"{size / 1e6:.0f} MB on disk"
    )
    return m, systems


def milp_bench(m, systems, n_cells: int = 50_000, p: int = 20):
    import pulp
    from spopt.locate import MCLP

    from iadsim.planning.optimize import CoverProblem, solve_milp

    band = m.band_index(1000.0)
    cols = [i for i, u in enumerate(m.units) if u.system == "buk-m3"]
    region_cells = np.flatnonzero(m.cells.group < 0)
    rng = np.random.default_rng(0)
    rows = np.sort(rng.choice(region_cells, size=min(n_cells, region_cells.size), replace=False))
    a = m.dense("engagement", band, cols).T[rows]  # (cells, sites) bool
    print(
        f"MILP: {len(cols)} sites x {a.shape[0]:,} cells, {p} units, "
        f"{a.mean() * 100:.1f}% density (Buk-M3 engagement of a Soumar at 1,000 m AGL)"
    )
    t = time.perf_counter()
    problem = CoverProblem.from_dense([a], [np.ones(a.shape[0])], [1.0], np.ones(len(cols)), p)
    sol = solve_milp(problem, cheapest=False)
    mine = time.perf_counter() - t
    print(
        f"  iadsim (scipy.milp/HiGHS, {problem.terms[0].shape[0]:,} merged rows): "
        f"objective {sol.value:.0f} cells in {mine:.2f} s ({sol.status})"
    )
    t = time.perf_counter()
    cost = np.where(a, 0.0, 1.0)
    mclp = MCLP.from_cost_matrix(cost, np.ones(a.shape[0]), service_radius=0.5, p_facilities=p)
    mclp = mclp.solve(pulp.HiGHS(msg=False))
    theirs = time.perf_counter() - t
    obj = pulp.value(mclp.problem.objective)
    print(f"  spopt MCLP (PuLP + HiGHS): objective {obj:.0f} cells in {theirs:.2f} s")
    print(
        f"  same optimum: {abs(obj - sol.value) < 0.5}; time ratio iadsim/spopt "
        f"{mine / theirs:.3f} (goal <= 30 s: {'met' if mine <= 30 else 'missed'})"
    )


def plan_bench():
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "IADSIM_CACHE_DIR": str(Path(tmp) / "cache")}
        t = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "iadsim.cli",
                "plan",
                str(ROOT / "examples/plan-iraq.yaml"),
                "--out",
                str(Path(tmp) / "out"),
            ],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        total = time.perf_counter() - t
    print(f"iadsim plan examples/plan-iraq.yaml, empty cache: {total:.1f} s (goal <= 300 s)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-plan", action="store_true")
    args = ap.parse_args()
    m, systems = matrix_bench(args.workers)
    milp_bench(m, systems)
    if not args.skip_plan:
        plan_bench()


if __name__ == "__main__":
    main()
