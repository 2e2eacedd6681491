"""The tool's predictions for the held-against-the-record scenarios (docs/validation.md).

    PYTHONPATH=src python bench/record_table.py                 # every examples/record/*.yaml
    PYTHONPATH=src python bench/record_table.py -n 200 FILE...   # fewer replications, some files
    PYTHONPATH=src python bench/record_table.py --time-step 2 examples/record/israel-2024-04-13.yaml

Prints, per scenario and variant, the impacts (leakers) per threat class with 95% intervals,
the leakage counted three ways, hits per asset, and interceptors fired per interceptor type
(mean per replication with a 95% t interval over replications), as Markdown. The public record
these are compared with is in docs/validation.md; nothing here reads it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _ci(x, lo, hi, digits=1):
    return f"{x:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def table(path: Path, reps: int | None, time_step: float | None, workers: int) -> None:
    import duckdb

    import iadsim
    from iadsim.analysis.summary import mean_ci

    s = iadsim.load_scenario(path)
    if time_step:
        s = s.model_copy(update={"time_step_s": time_step})
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        res = iadsim.run(s, replications=reps, workers=workers, out_dir=tmp)
        wall = time.perf_counter() - t0
        for name in s.variant_names():
            v = res[name]
            sm = v.summary
            n = sm["replications"]
            print(
                f"\n### {s.name} / {name} ({n} replications, time step {s.time_step_s:g} s, "
                f"{wall:.0f} s wall for the file)\n"
            )
            print(
                "| class | launched | failed in flight | impacts (leakers) [95% CI] | "
                "per launched | per arriving | per engaged |"
            )
            print("|---|---|---|---|---|---|---|")
            for r in sm["leakage_by_class"]:
                # the class's leakers per replication with its t interval, from the rows
                con = duckdb.connect()
                cls = r["threat_class"]
                where = "" if cls == "all" else f"WHERE threat_class::VARCHAR = '{cls}'"
                tot, sq = con.execute(
                    f"""WITH per AS (SELECT replication, count(*) FILTER (WHERE fate = 'leaked') AS l
                        FROM read_parquet('{v.directory / "threats.parquet"}') {where}
                        GROUP BY replication)
                        SELECT sum(l), sum(l * l) FROM per"""
                ).fetchone()
                m, lo, hi = mean_ci(float(tot or 0), float(sq or 0), n)
                print(
                    f"| {cls} | {r['launched_total'] / n:g} | {r['failed_share'] * r['launched_total'] / n:.1f} "
                    f"| {_ci(m, lo, hi, 2)} | {r['p_leak_launched']:.3f} | {r['p_leak_arriving']:.3f} "
                    f"| {r['p_leak_engaged']:.3f} |"
                )
            print("\n| asset | hits/rep [95% CI] |\n|---|---|")
            for a in sm["assets"]:
                print(f"| {a['asset']} | {_ci(a['hits_mean'], a['hits_lo'], a['hits_hi'], 2)} |")
            con = duckdb.connect()
            rows = con.execute(
                f"""WITH per AS (SELECT replication, interceptor::VARCHAR AS i, sum(shots) AS s
                    FROM read_parquet('{v.directory / "fire_units.parquet"}') GROUP BY ALL)
                    SELECT i, sum(s), sum(s * s) FROM per GROUP BY i ORDER BY i"""
            ).fetchall()
            if rows:
                print("\n| interceptor | fired/rep [95% CI] |\n|---|---|")
                for i, tot, sq in rows:
                    m, lo, hi = mean_ci(float(tot), float(sq), n)
                    print(f"| {i} | {_ci(m, lo, hi)} |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("-n", "--replications", type=int, default=None)
    ap.add_argument("--time-step", type=float, default=None)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    files = args.files or sorted((ROOT / "examples" / "record").glob("*.yaml"))
    for f in files:
        table(f, args.replications, args.time_step, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
