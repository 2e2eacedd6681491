"""Uncertainty-study benchmark: the Al Asad comparison, 8 options x 512 Saltelli runs x 500
replications, on the process pool; time per sample and the whole study.

Run with the project's environment::

    .venv/bin/python bench/bench_uncertainty.py                 # a 1/16 fraction, extrapolated
    .venv/bin/python bench/bench_uncertainty.py --fraction 1    # the whole study

The study's cost is its number of engine runs (options x design rows) times the cost of one run
(prepare plus the replications), so a fraction of the rows measures the time per run and the
whole is extrapolated from it; the script says which it did. The factors are the catalog's
uncertain figures used by the options; if the catalog carries fewer than four, the script adds
bench-only spans (each option's Pk against ballistic targets +-0.2 and the Fateh-313 RCS and
reliability) and says so, since the cost per run does not depend on which figures vary.
The oracle beside it is the same runs made one by one in this process (``workers=1``).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "iraq-2020-al-asad.yaml"
OPTIONS = HERE.parent / "examples" / "options" / "al-asad-options.yaml"
RUNS_PER_OPTION = 512
REPLICATIONS = 500


def _bench_spans(s) -> str:
    """A catalog.overrides block of bench-only spans for the options' Pk and the Fateh-313."""
    cat = s.effective_catalog
    lines = ["catalog:", "  overrides:"]
    seen = set()
    for fu in s.fire_units:
        system = cat.systems[fu.system]
        key = fu.interceptor or system.fire_unit.default_interceptor
        pk = system.interceptors[key].pk.ballistic.value
        if pk <= 0 or (fu.system, key) in seen:
            continue
        seen.add((fu.system, key))
        lo, hi = max(0.05, pk - 0.2), min(0.99, pk + 0.2)
        lines.append(
            f"    - {{entry: {fu.system}, path: interceptors.{key}.pk.ballistic, uncertainty: "
            f"{{low: {lo:.3f}, high: {hi:.3f}, distribution: uniform, reasoning: bench span}}}}"
        )
    th = cat.threats["fateh-313"]
    r = th.reliability.value
    lines += [
        "    - {entry: fateh-313, path: rcs_m2, uncertainty: {low: 0.02, high: 0.5, "
        "distribution: loguniform, reasoning: bench span}}",
        f"    - {{entry: fateh-313, path: reliability, uncertainty: {{low: {r - 0.1:.3f}, "
        f"high: {min(1.0, r + 0.1):.3f}, distribution: uniform, reasoning: bench span}}}}",
    ]
    return "\n".join(lines) + "\n"


def _scenario(tmp: Path):
    import iadsim
    from iadsim.analysis.compare import options_scenario
    from iadsim.analysis.uncertainty import scenario_factors
    from iadsim.errors import InputError

    s = options_scenario(iadsim.load_scenario(EXAMPLE), OPTIONS)
    try:
        factors = scenario_factors(s, s.variant_names())
    except InputError:
        factors = []
    note = "catalog uncertainties"
    if len(factors) < 4:
        text = EXAMPLE.read_text().replace("\nassets:", "\n" + _bench_spans(s) + "\nassets:", 1)
        path = tmp / "al-asad-bench.yaml"
        path.write_text(text)
        s = options_scenario(iadsim.load_scenario(path), OPTIONS)
        factors = scenario_factors(s, s.variant_names())
        note = "bench-only spans (the catalog had fewer than 4 uncertain figures for these options)"
    return s, factors, note


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fraction", type=float, default=1 / 16, help="Share of the rows to run.")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--figures",
        help="Comma-separated globs of the figures to vary (as `iadsim uncertainty --figures`); "
        "default every uncertain figure the options use.",
    )
    ap.add_argument(
        "--out",
        type=Path,
        help="Also write the study (uncertainty.json with the ranking against 'none', "
        "samples.parquet, tornado plots) there, as `iadsim uncertainty --out` does.",
    )
    args = ap.parse_args()

    from iadsim.analysis.uncertainty import scenario_factors
    from iadsim.analysis.uncertainty_study import BATCH, EngineModel, run_study

    wall0, cpu0 = time.perf_counter(), _cpu_s()
    with tempfile.TemporaryDirectory() as tmp:
        s, factors, note = _scenario(Path(tmp))
        options = s.variant_names()
        if args.figures:
            factors = scenario_factors(
                s, options, [p.strip() for p in args.figures.split(",") if p.strip()]
            )
            note += f", selected by --figures {args.figures!r}"
        d = len(factors)
        # base samples N whose Saltelli design N (D + 2) is the fraction of 512 rows per option
        n_base = max(1, int(args.fraction * RUNS_PER_OPTION / (d + 2)))
        model = EngineModel(s, factors, s.monte_carlo.seed, REPLICATIONS)
        t0 = time.perf_counter()
        for v in options:  # nominal runs, numba and terrain caches, as the study does first
            model.nominal(v)
        t_nominal = time.perf_counter() - t0
        runs = n_base * (d + 2) * len(options)

        marks = []  # progress is first called once the nominal runs are done
        study = run_study(
            model,
            factors,
            options,
            samples=n_base,
            seed=model.seed,  # as `iadsim uncertainty`: one root seed for design and runs
            workers=args.workers,
            progress=lambda done, total: marks.append(time.perf_counter()),
        )
        t_runs = marks[-1] - marks[0]
        per_run = t_runs / runs
        wall, cpu = time.perf_counter() - wall0, _cpu_s() - cpu0
        if args.out is not None:
            from iadsim.analysis.uncertainty_report import ranking, summarize_study, write_study

            doc = summarize_study(study, s.name)
            doc["ranking"] = ranking(study, "none" if "none" in options else options[0])
            write_study(study, doc, args.out)

        # oracle: a few of the same runs one by one in this process
        few = min(runs, 2 * BATCH)
        import numpy as np

        x = np.array([f.value for f in factors])
        t0 = time.perf_counter()
        for i in range(few):
            model.evaluate(options[i % len(options)], x)
        serial = (time.perf_counter() - t0) / few

    full_runs = RUNS_PER_OPTION * len(options)
    full_s = full_runs * per_run + t_nominal
    print(f"Al Asad comparison: {len(options)} options, {d} uncertain figures ({note})")
    print(f"load average (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"nominal runs (8 options x {REPLICATIONS} reps, caches warm-up): {t_nominal:.1f} s")
    print(
        f"measured: {runs} runs x {REPLICATIONS} reps in {t_runs:.1f} s on {args.workers} "
        f"workers (fraction {runs / full_runs:.3f} of {full_runs} runs)"
    )
    print(
        f"time per sample (one option, {REPLICATIONS} reps): {1e3 * per_run:.0f} ms on the pool, "
        f"{1e3 * serial:.0f} ms one by one in one process (ratio {serial / per_run:.2f})"
    )
    verdict = "met" if full_s <= 600 else "not met"
    kind = "measured" if runs >= full_runs else "extrapolated"
    print(
        f"whole study, {len(options)} x {RUNS_PER_OPTION} runs x {REPLICATIONS} reps: "
        f"{full_s / 60:.1f} min ({kind}); goal <= 10 min on 2 cores: {verdict}"
    )
    print(
        f"this invocation ({runs} runs, nominal runs and start-up included): wall "
        f"{wall / 60:.1f} min, CPU {cpu / 60:.1f} min (this process and its workers; "
        f"CPU / wall {cpu / wall:.2f} of {args.workers} workers)"
    )
    if args.out is not None:
        print(f"study written to {args.out}")


def _cpu_s() -> float:
    """CPU seconds of this process and its finished children (the pool's workers)."""
    import resource

    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


if __name__ == "__main__":
    main()
