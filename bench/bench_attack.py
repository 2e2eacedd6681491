"""Attacker stages (issue 11): the engine's cost per replication with jamming, weapon release,
SEAD, decoys and planned routes on, beside the same engine on scenarios that use none of them.

    PYTHONPATH=src python bench/bench_attack.py            # 2,000 replications per variant
    PYTHONPATH=src python bench/bench_attack.py --reps 500

Prepares each variant once (preparation time printed separately: it holds the jamming tables
and the route planning), warms the compiled kernel, then times ``run_chunk`` (the kernel, no
Parquet) in this process. Reports microseconds per replication and the ratio to the Al Asad
s400-tor variant (no attacker stage) measured in the same run.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = [
    ("examples/iraq-2020-al-asad.yaml", "s400-tor", "none (baseline)"),
    ("bench/scenarios/april-2024-scale.yaml", None, "none"),
    ("examples/iraq-2019-al-qaim-f15e-standoff.yaml", "pantsir", "release"),
    ("examples/iraq-2019-al-qaim-f15e-jassm.yaml", "s-400", "release"),
    ("examples/iraq-2019-pmu-depot-strike.yaml", "s-400", "jam, release, ARMs, decoys"),
    ("examples/iraq-2019-pmu-depot-strike.yaml", "buk-tor", "jam, release, ARMs, decoys"),
    ("examples/iraq-2019-pmu-depot-strike-emcon.yaml", "buk-tor", "... + emission control"),
    ("examples/saudi-2019-abqaiq-low-route.yaml", "north-added", "planned routes"),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=2000)
    args = ap.parse_args()
    import iadsim
    from iadsim.engine.chunks import run_chunk
    from iadsim.engine.prepare import prepare

    base = None
    print(
        f"{'scenario / variant':58s} {'stages on':28s} {'prep s':>7s} {'us/rep':>8s} {'ratio':>6s}"
    )
    for path, variant, what in CASES:
        sc = iadsim.load_scenario(ROOT / path)
        t0 = time.perf_counter()
        p = prepare(sc, variant)
        prep = time.perf_counter() - t0
        run_chunk(p, 1, 0, 20)  # compile / warm
        t0 = time.perf_counter()
        run_chunk(p, 1, 0, args.reps)
        us = (time.perf_counter() - t0) / args.reps * 1e6
        base = base or us
        name = f"{Path(path).stem} / {p.variant}"
        print(f"{name:58s} {what:28s} {prep:7.2f} {us:8.1f} {us / base:6.2f}")


if __name__ == "__main__":
    main()
