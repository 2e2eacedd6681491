"""Report benchmark: build time and size of the offline HTML report, and export times.

Run with the project's environment::

    .venv/bin/python bench/bench_report.py                  # Al Asad example, 4000 replications
    .venv/bin/python bench/bench_report.py -n 300           # smaller run
    .venv/bin/python bench/bench_report.py --results DIR    # reuse results of `iadsim run`

Goals (issue "A report an analyst can publish"): the report under 10 MB and built in under 5 s.
The first build of a process loads numba's cached terrain kernels and the DEM; the figure given
is the median of ``--repeat`` builds after one warm-up build, and the cold (first) build is
printed beside it. The reference point in the same run is the time to read the results and
compute their summary (``iadsim.analysis.summary.summarize`` of every variant), the least any
report must spend.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "iraq-2020-al-asad.yaml"
GOAL_MB = 10.0
GOAL_S = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--replications", type=int, default=None)
    parser.add_argument("--results", type=Path, default=None, help="existing results directory")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()

    from plotly.offline import get_plotlyjs

    import iadsim
    from iadsim.analysis.summary import summarize
    from iadsim.report.data import load_results
    from iadsim.report.exports import write_exports
    from iadsim.report.html import build_report

    with tempfile.TemporaryDirectory() as tmp:
        results_dir = args.results
        if results_dir is None:
            scenario = iadsim.load_scenario(EXAMPLE)
            t0 = time.perf_counter()
            res = iadsim.run(
                scenario,
                replications=args.replications,
                workers=args.workers,
                out_dir=Path(tmp) / "results",
            )
            results_dir = res.directory
            reps = next(iter(res.variants.values())).summary["replications"]
            print(f"run: {EXAMPLE.name}, {reps} replications, {time.perf_counter() - t0:.1f} s")
        out = Path(tmp) / "report.html"

        t0 = time.perf_counter()
        build_report(results_dir, out)
        cold = time.perf_counter() - t0
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            build_report(results_dir, out)
            times.append(time.perf_counter() - t0)
        warm = statistics.median(times)
        size_mb = out.stat().st_size / 1e6

        t0 = time.perf_counter()
        for v in load_results(results_dir).variants:
            summarize(v.directory)
        t_summary = time.perf_counter() - t0

        t0 = time.perf_counter()
        files = write_exports(results_dir, Path(tmp) / "exports")
        t_exports = time.perf_counter() - t0
        exports_mb = sum(p.stat().st_size for p in files) / 1e6

        text = out.read_text(encoding="utf-8")
        print(f"report: {size_mb:.2f} MB (goal < {GOAL_MB:g} MB)")
        print(
            f"report build: {warm:.2f} s median of {args.repeat} (cold {cold:.2f} s; "
            f"goal < {GOAL_S:g} s)"
        )
        print(
            f"reference, summaries only: {t_summary:.2f} s (report / summaries x{warm / t_summary:.1f})"
        )
        print(
            f"exports (GeoJSON, KML, KMZ, CZML, PNG+SVG): {len(files)} files, {exports_mb:.1f} MB, {t_exports:.2f} s"
        )
        print(f"plotly.js share of the report: {len(get_plotlyjs()) / len(text):.0%}")
        ok = size_mb < GOAL_MB and warm < GOAL_S
        print("goals met" if ok else "GOALS NOT MET")


if __name__ == "__main__":
    main()
