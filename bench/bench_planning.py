"""Planning benchmarks: coverage matrix (cold, cached), MILP against spopt's MCLP, full plan.

Run from the repository root::

    .venv/bin/python bench/bench_planning.py [--workers 2] [--skip-plan] [--spopt-limit-s 900]

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


def _cpu_s() -> float:
    """CPU seconds of this process and its finished children (user + system)."""
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


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
        cpu0 = _cpu_s()
        t = time.perf_counter()
        m, _ = build_matrix(units, cells, DEFAULT_BANDS_M, target, cat, dem, cache_dir=cache, **kw)
        cold = time.perf_counter() - t
        cold_cpu = _cpu_s() - cpu0
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
        f"  cold  {cold:7.1f} s  ({workers} workers; goal <= 60 s; ratio to goal {cold / 60:.2f}); "
        f"CPU {cold_cpu:.1f} s in all processes (on an idle machine, wall ~ CPU / {workers})"
    )
    print(
        f"  cache {warm:7.2f} s  (goal <= 5 s; ratio to goal {warm / 5:.2f}); cache "
        f"{size / 1e6:.0f} MB on disk"
    )
    return m, systems


def _mclp_pair(a: np.ndarray, p: int, spopt_limit_s: float) -> None:
    import pulp
    from spopt.locate import MCLP

    from iadsim.planning.optimize import CoverProblem, solve_milp

    t, c = time.perf_counter(), _cpu_s()
    problem = CoverProblem.from_dense([a], [np.ones(a.shape[0])], [1.0], np.ones(a.shape[1]), p)
    sol = solve_milp(problem, cheapest=False)
    mine, mine_cpu = time.perf_counter() - t, _cpu_s() - c
    print(f"  {a.shape[1]} sites x {a.shape[0]:,} cells, {p} units ({a.mean() * 100:.1f}% dense)")
    print(
        f"    iadsim (scipy.milp/HiGHS, gap 0, {problem.terms[0].shape[0]:,} merged rows): "
        f"objective {sol.value:.0f} cells in {mine:.1f} s wall, {mine_cpu:.1f} s CPU "
        f"({sol.status})"
    )
    t, c = time.perf_counter(), _cpu_s()
    cost = np.where(a, 0.0, 1.0)
    mclp = MCLP.from_cost_matrix(cost, np.ones(a.shape[0]), service_radius=0.5, p_facilities=p)
    mclp = mclp.solve(pulp.HiGHS(msg=False, timeLimit=spopt_limit_s))
    theirs, theirs_cpu = time.perf_counter() - t, _cpu_s() - c
    obj = pulp.value(mclp.problem.objective)
    status = pulp.LpStatus[mclp.problem.status]
    print(
        f"    spopt MCLP (PuLP + HiGHS, limit {spopt_limit_s:.0f} s): objective {obj:.0f} "
        f"cells in {theirs:.1f} s wall, {theirs_cpu:.1f} s CPU ({status})"
    )
    print(
        f"    same optimum: {abs(obj - sol.value) < 0.5}; time ratio iadsim/spopt "
        f"{mine / theirs:.3f} (CPU {mine_cpu / max(theirs_cpu, 1e-9):.3f}); goal <= 30 s "
        f"{'met' if mine <= 30 else 'missed'}"
    )


def milp_bench(m, systems, p: int = 20, spopt_limit_s: float = 900.0):
    band = m.band_index(1000.0)
    cols = [i for i, u in enumerate(m.units) if u.system == "buk-m3"]
    region_cells = np.flatnonzero(m.cells.group < 0)
    rng = np.random.default_rng(0)
    full = m.dense("engagement", band, cols).T  # (cells, sites) bool
    print("MILP: Buk-M3 sites, engagement of a Soumar at 1,000 m AGL, the same matrix for both")
    for n_cells in (10_000, 50_000):
        rows = np.sort(
            rng.choice(region_cells, size=min(n_cells, region_cells.size), replace=False)
        )
        _mclp_pair(full[rows], p, spopt_limit_s)


def plan_bench():
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "IADSIM_CACHE_DIR": str(Path(tmp) / "cache")}
        cpu0 = _cpu_s()
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
        cpu = _cpu_s() - cpu0
    print(
        f"iadsim plan examples/plan-iraq.yaml, empty coverage cache: {total:.1f} s wall, "
        f"{cpu:.1f} s CPU (goal <= 300 s; ratio to goal {total / 300:.2f}); {_load()}"
    )


def _load() -> str:
    """The machine's load average: wall times mean little without it."""
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-plan", action="store_true")
    ap.add_argument("--spopt-limit-s", type=float, default=900.0, help="spopt's time limit")
    args = ap.parse_args()
    print(f"start: {_load()}, {os.cpu_count()} CPUs")
    m, systems = matrix_bench(args.workers)
    print(f"  {_load()}")
    milp_bench(m, systems, spopt_limit_s=args.spopt_limit_s)
    print(f"  {_load()}")
    if not args.skip_plan:
        plan_bench()


if __name__ == "__main__":
    main()
