"""Engine benchmark: replications per second, scaling with replications and raid size, peak memory.

Run with the project's environment::

    .venv/bin/python bench/bench_engine.py            # full: 1k, 10k, 100k reps; raids 16/64/256
    .venv/bin/python bench/bench_engine.py --quick    # smaller, for a smoke run
    .venv/bin/python bench/bench_engine.py --kernel --reps 300 --scenario bench/scenarios/april-2024-scale.yaml

Each configuration runs in a fresh subprocess (so peak memory is its own): the main process'
peak RSS and the largest pool worker's are reported separately, in MB (10^6 bytes, as the goals
are; before this they were MiB labelled MB, 4.9% less). The numba cache is warmed first,
so the figures are for compiled code ("once compiled"). The side-by-side oracle is the same
kernel interpreted by Python (NUMBA_DISABLE_JIT=1) on a few replications: the ratio is the
speed-up the compiled kernel brings. Figures are whole-run wall times including Parquet writing.
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
EXAMPLE = HERE.parent / "examples" / "iraq-2020-al-asad.yaml"


def child(args: argparse.Namespace) -> None:
    """Run one configuration and print a JSON line with its figures."""
    import resource

    import iadsim
    from iadsim.engine.prepare import prepare
    from iadsim.engine.runner import run_prepared

    scenario = iadsim.load_scenario(args.scenario or EXAMPLE)
    if args.raid_size:
        raid = scenario.raids[0].model_copy(update={"count": args.raid_size, "spacing_s": 5.0})
        scenario = scenario.model_copy(update={"raids": [raid]})
    t0 = time.perf_counter()
    p = prepare(scenario, args.variant if not args.scenario else None)
    t_prep = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run_prepared(
            p, Path(tmp) / "r", args.reps, seed=1, chunk_size=args.chunk, workers=args.workers
        )
        t_run = time.perf_counter() - t0
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            dict(
                reps=args.reps,
                raid=len(p.threats.raid),
                workers=args.workers,
                prepare_s=t_prep,
                run_s=t_run,
                reps_per_s=args.reps / t_run,
                # ru_maxrss is in KiB; the goals are in MB (10^6 bytes), as the issue states them
                peak_main_mb=self_kb * 1024 / 1e6,
                peak_worker_mb=kids_kb * 1024 / 1e6,
            )
        )
    )


def kernel(args: argparse.Namespace) -> None:
    """The kernel alone, in this process on one core: milliseconds a replication over
    ``--reps`` replications (after a warm-up of two), no tables, no workers, no files. Run it
    for two checkouts in turn (PYTHONPATH) to pair them."""
    import iadsim
    from iadsim.engine.chunks import run_chunk
    from iadsim.engine.prepare import prepare

    scenario = iadsim.load_scenario(args.scenario or EXAMPLE)
    p = prepare(scenario, args.variant if not args.scenario else None)
    run_chunk(p, 1, 0, 2)
    t0 = time.perf_counter()
    run_chunk(p, 1, 0, args.reps)
    ms = (time.perf_counter() - t0) / args.reps * 1e3
    print(f"kernel: {ms:.3f} ms a replication ({1e3 / ms:.1f}/s on one core), {args.reps} reps")


def spawn(
    reps: int,
    workers: int,
    variant: str,
    raid: int = 0,
    chunk: int = 2000,
    env: dict | None = None,
    scenario: str = "",
) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--reps",
        str(reps),
        "--workers",
        str(workers),
        "--variant",
        variant,
        "--chunk",
        str(chunk),
        "--raid-size",
        str(raid),
        "--scenario",
        scenario,
    ]
    out = subprocess.run(
        cmd, capture_output=True, text=True, check=True, env={**os.environ, **(env or {})}
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", action="store_true")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--variant", default="s400-tor")
    ap.add_argument("--chunk", type=int, default=2000)
    ap.add_argument("--raid-size", type=int, default=0)
    ap.add_argument("--scenario", default="")
    ap.add_argument("--scale-only", action="store_true", help="only the scale scenarios")
    ap.add_argument("--kernel", action="store_true", help="the kernel alone, one core")
    args = ap.parse_args()
    if args.kernel:
        kernel(args)
        return
    if args.child:
        child(args)
        return
    if args.scale_only:
        scale(args.workers)
        return

    variant = args.variant
    print(f"Al Asad example, variant {variant}; machine: {os.cpu_count()} cores")
    spawn(200, 1, variant)  # warm the numba cache
    rows = []
    sizes = [1000, 10000] if args.quick else [1000, 10000, 100000]
    for reps in sizes:
        rows.append(spawn(reps, args.workers, variant))
    one = spawn(sizes[1], 1, variant)
    print(f"{'reps':>8} {'workers':>7} {'run s':>8} {'reps/s':>10} {'main MB':>8} {'worker MB':>9}")
    for r in [*rows, one]:
        print(
            f"{r['reps']:>8} {r['workers']:>7} {r['run_s']:>8.2f} {r['reps_per_s']:>10.0f} "
            f"{r['peak_main_mb']:>8.0f} {r['peak_worker_mb']:>9.0f}"
        )
    lin = rows[-1]["run_s"] / rows[-2]["run_s"] / (rows[-1]["reps"] / rows[-2]["reps"])
    print(
        f"linearity: time ratio / reps ratio ({rows[-2]['reps']} -> {rows[-1]['reps']}) = {lin:.2f}"
    )
    ten_k = next(r for r in rows if r["reps"] == 10000)
    print(f"10,000 replications on {args.workers} workers: {ten_k['run_s']:.2f} s (goal < 2 s)")
    print(
        f"parallel speed-up 1 -> {args.workers} workers at 10k: {one['run_s'] / ten_k['run_s']:.2f}x"
    )

    print("\nraid size (1,000 replications, spacing 5 s)")
    print(f"{'threats':>8} {'prepare s':>10} {'run s':>8} {'reps/s':>10} {'main MB':>8}")
    for n in [16, 64] if args.quick else [16, 64, 256]:
        r = spawn(1000, args.workers, variant, raid=n)
        print(
            f"{r['raid']:>8} {r['prepare_s']:>10.2f} {r['run_s']:>8.2f} {r['reps_per_s']:>10.0f} "
            f"{r['peak_main_mb']:>8.0f}"
        )

    oracle_reps = 5
    jit = spawn(oracle_reps * 50, 1, variant)
    py = spawn(oracle_reps, 1, variant, env={"NUMBA_DISABLE_JIT": "1"})
    ratio = (py["run_s"] / oracle_reps) / (jit["run_s"] / (oracle_reps * 50))
    print(
        f"\noracle: same kernel interpreted (NUMBA_DISABLE_JIT=1): {py['reps_per_s']:.1f} reps/s; "
        f"compiled: {jit['reps_per_s']:.0f} reps/s; speed-up {ratio:.0f}x"
    )


#: v1 figures beside which v2's are printed: the issue's (measured by its author on this
#: machine, quiet) and bench/data/v1_bench_quick.txt (v1 re-measured here, machine busy).
V1 = {
    "april-2024-scale": {"reps_per_s": 3.2, "prepare_s": 12.6, "peak_mb": 1500.0},
    "day-1500": {"reps_per_s": None, "prepare_s": None, "peak_mb": None},
}
GOALS = {
    "april-2024-scale": {"reps_per_s": 500, "prepare_s": 3.0, "peak_mb": 800},
    "day-1500": {"reps_per_s": 30, "prepare_s": None, "peak_mb": 3000},
}


def scale(workers: int) -> None:
    """The two scale scenarios of bench/scenarios, and the time exponent against raid size."""
    import math

    print(f"{'case':<18} {'figure':<12} {'v1':>8} {'v2':>9} {'goal':>8}")
    done = {}
    # enough replications that the run's fixed costs (workers loading the kernel, the track
    # table, the replay of one replication) weigh little: an analyst's -n 1000, not a sample
    for name, reps in (("april-2024-scale", 1000), ("day-1500", 100)):
        r = spawn(
            reps,
            workers,
            "base",
            chunk=max(1, min(reps // workers, 100)),
            scenario=str(HERE / "scenarios" / f"{name}.yaml"),
        )
        done[name] = r
        peak = max(r["peak_main_mb"], r["peak_worker_mb"])
        for key, value in (
            ("reps_per_s", r["reps_per_s"]),
            ("prepare_s", r["prepare_s"]),
            ("peak_mb", peak),
        ):
            v1 = V1[name][key]
            goal = GOALS[name][key]
            print(
                f"{name:<18} {key:<12} {v1 if v1 is not None else '-':>8} {value:>9.2f} "
                f"{goal if goal is not None else '-':>8}"
            )
    # The -n 1000 figure above includes each run's fixed costs (workers importing and loading
    # the kernel, one replay, writing the files). A second run three times as long separates
    # them: the marginal rate is the extra replications over the extra time.
    short = done["april-2024-scale"]
    long = spawn(
        3 * short["reps"],
        workers,
        "base",
        chunk=100,
        scenario=str(HERE / "scenarios" / "april-2024-scale.yaml"),
    )
    rate = (long["reps"] - short["reps"]) / (long["run_s"] - short["run_s"])
    print(
        f"april-2024-scale: {short['reps']} reps {short['run_s']:.2f} s, "
        f"{long['reps']} reps {long['run_s']:.2f} s; marginal {rate:.0f} reps/s, "
        f"fixed cost of a run {short['run_s'] - short['reps'] / rate:.2f} s"
    )
    sizes, times = [16, 64, 256, 1024], []
    for n in sizes:
        r = spawn(200, workers, "s400-tor", raid=n, chunk=100)
        times.append(r["run_s"])
        print(f"raid {n:>5}: {r['run_s']:.2f} s for 200 replications")
    slope = (math.log(times[-1]) - math.log(times[0])) / (math.log(sizes[-1]) - math.log(sizes[0]))
    print(f"time exponent against raid size (16 -> 1024): {slope:.2f} (goal <= 1.2)")


if __name__ == "__main__":
    main()
