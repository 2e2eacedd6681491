"""Same answers: every example's summary figures from the engine, against the recorded v1 engine.

    PYTHONPATH=src python bench/same_answers.py --record   # write bench/data/v1_figures.json
    PYTHONPATH=src python bench/same_answers.py            # compare the current engine with it

For every example scenario (``examples/*.yaml`` and ``examples/options/*.yaml``) and every
variant, it runs ``REPS`` replications at seed ``SEED`` in this process and records, per
replication, the number of threats killed, leaked and failed, and the interceptors fired by each
fire unit. It prints, per figure, the v1 mean, the current mean and the difference in standard
errors of the difference (goal: every |z| <= 4), and whether the raw outputs are bit-identical
(a digest of every kernel output array).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RECORD = HERE / "data" / "v1_figures.json"
REPS = 4000
SEED = 20240413


def figures(path: Path, reps: int, seed: int) -> dict:
    import iadsim
    from iadsim.engine.prepare import prepare
    from iadsim.engine.runner import run_chunk

    if path.parent.name == "options":  # an options file: the Al Asad scenario with these variants
        from iadsim.analysis.compare import options_scenario

        base = iadsim.load_scenario(ROOT / "examples" / "iraq-2020-al-asad.yaml")
        scenario = options_scenario(base, path)
    else:
        scenario = iadsim.load_scenario(path)
    out = {}
    for name in scenario.variant_names():
        p = prepare(scenario, name)
        raw = run_chunk(p, seed, 0, reps)
        h = hashlib.sha256()
        for arr in (raw.fate, raw.killer, raw.intercept_step, raw.end_step, raw.shots_at):
            h.update(np.ascontiguousarray(arr).tobytes())
        h.update(np.ascontiguousarray(raw.fu_shots).tobytes())
        h.update(np.ascontiguousarray(raw.fu_left).tobytes())
        per = {
            "killed": (raw.fate == 1).sum(axis=1),
            "leaked": (raw.fate == 2).sum(axis=1),
            "failed": (raw.fate == 3).sum(axis=1),
            "shots": raw.fu_shots.sum(axis=1),
        }
        for f, fu in enumerate(p.fire_units.name):
            per[f"shots:{fu}"] = raw.fu_shots[:, f]
        out[name] = {
            "digest": h.hexdigest(),
            "figures": {
                k: [float(v.mean()), float(v.std(ddof=1) / math.sqrt(len(v)))]
                for k, v in per.items()
            },
        }
    return out


def examples() -> list[Path]:
    scenarios = [p for p in (ROOT / "examples").glob("*.yaml") if not p.name.startswith("plan-")]
    return sorted(scenarios) + sorted((ROOT / "examples" / "options").glob("*.yaml"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--reps", type=int, default=REPS)
    args = ap.parse_args()
    current = {str(p.relative_to(ROOT)): figures(p, args.reps, SEED) for p in examples()}
    if args.record:
        RECORD.parent.mkdir(parents=True, exist_ok=True)
        RECORD.write_text(
            json.dumps({"reps": args.reps, "seed": SEED, "examples": current}, indent=1) + "\n"
        )
        print(f"recorded {RECORD}")
        return 0
    v1 = json.loads(RECORD.read_text())
    worst = 0.0
    print(f"{'example/variant':<58} {'figure':<26} {'v1':>9} {'now':>9} {'z':>6}")
    for ex, variants in v1["examples"].items():
        if ex not in current:
            print(f"{ex}: no longer an example")
            continue
        for var, rec in variants.items():
            now = current[ex][var]
            same = "identical" if now["digest"] == rec["digest"] else "differs"
            print(f"{ex + ' / ' + var:<58} raw outputs: {same}")
            for k, (m1, se1) in rec["figures"].items():
                m2, se2 = now["figures"][k]
                se = math.hypot(se1, se2)
                z = 0.0 if se == 0 else (m2 - m1) / se
                if se == 0 and m1 != m2:
                    z = math.inf
                worst = max(worst, abs(z))
                print(f"{'':<58} {k:<26} {m1:>9.3f} {m2:>9.3f} {z:>6.2f}")
    print(f"largest |z| = {worst:.2f} (goal <= 4)")
    return 0 if worst <= 4 else 1


if __name__ == "__main__":
    sys.exit(main())
