"""Sweep benchmark: a 1,000-point sweep, scaling from 1 to 2 workers, peak memory vs size.

    .venv/bin/python bench/bench_sweep.py           # full (about 5 minutes on 2 cores)
    .venv/bin/python bench/bench_sweep.py --quick   # 100 points

The grid is the depot drone raid (examples/depot-drone-raid.yaml, Tor-M2 variant, 100
replications a point): raid size x salvo x engagements per threat x assignment rule. Each
configuration runs in a fresh subprocess; peak memory is that process's and its pool workers'.
Scaling efficiency = t(1 worker) / (2 x t(2 workers)), on the same grid.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "depot-drone-raid.yaml"


def grid(points: int) -> dict:
    counts = max(points // 20, 1)
    return {
        "raids[0].count": list(range(1, counts + 1)),
        "doctrine.salvo_size": [1, 2],
        "doctrine.engagements_per_threat": [1, 2, 3, 4, 5],
        "doctrine.assignment": ["greedy", "optimal"],
    }


def child(points: int, workers: int) -> None:
    import resource

    import iadsim
    from iadsim.analysis.sweep import sweep

    scenario = iadsim.load_scenario(EXAMPLE)
    vary = grid(points)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        frame = sweep(
            scenario, vary, ["tor-m2"], replications=100, seed=1, workers=workers, out_dir=tmp
        )
        elapsed = time.perf_counter() - t0
    n = frame["point"].nunique()
    print(
        json.dumps(
            dict(
                points=int(n),
                workers=workers,
                seconds=elapsed,
                points_per_s=n / elapsed,
                peak_main_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                peak_worker_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            )
        )
    )


def spawn(points: int, workers: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(points), str(workers)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", nargs=2, type=int)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    print(f"depot drone raid sweep, Tor-M2, 100 replications a point; {os.cpu_count()} cores")
    spawn(20, 1)  # warm the numba cache
    small = 100
    one = spawn(small, 1)
    two = spawn(small, 2)
    eff = one["seconds"] / (2 * two["seconds"])
    rows = [one, two]
    if not args.quick:
        rows.append(spawn(300, 2))
        rows.append(spawn(1000, 2))
    print(
        f"{'points':>7} {'workers':>7} {'seconds':>8} {'points/s':>9} {'main MB':>8} {'worker MB':>9}"
    )
    for r in rows:
        print(
            f"{r['points']:>7} {r['workers']:>7} {r['seconds']:>8.1f} {r['points_per_s']:>9.2f} "
            f"{r['peak_main_mb']:>8.0f} {r['peak_worker_mb']:>9.0f}"
        )
    print(
        f"scaling 1 -> 2 workers at {small} points: speed-up {one['seconds'] / two['seconds']:.2f}x, "
        f"efficiency {100 * eff:.0f}% (goal >= 80%)"
    )


if __name__ == "__main__":
    main()
