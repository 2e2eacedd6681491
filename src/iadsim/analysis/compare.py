"""Compare defence options (the variants of one run) against a baseline.

For each option: P(leak) per threat class, hits per defended asset, interceptors and their
cost, the acquisition cost of the fire units, cost per threat stopped and the cost-exchange
ratio, each with a 95% interval; and, against the baseline, the paired difference in leakers
per replication.

Intervals and tests
-------------------
- P(leak): Wilson score interval over every threat of the class in every replication (see
  :mod:`iadsim.analysis.summary` for why it is narrow when the defence saturates).
- Means per replication (leakers, hits, interceptors, interceptor cost): t interval.
- Ratios (cost per threat stopped = interceptor cost / kills; cost-exchange ratio = interceptor
  cost / unit cost of the threats killed): percentile bootstrap over replications (ratio of
  sums of each resample; ``N_BOOTSTRAP`` resamples from a ``numpy.random.Generator`` seeded
  with ``BOOTSTRAP_SEED``, so the interval is reproducible). None when nothing was killed.
- Acquisition cost: a catalog figure summed over the option's fire units; no sampling error.
- Paired difference (option - baseline) in leakers per replication: the variants share the root
  seed (common random numbers), so replication r of each faces the same threat failures and
  misses; differences are paired by replication index. 95% t interval and the paired t test
  (``scipy.stats.ttest_rel``). When the differences have zero variance the t test is undefined:
  all zero -> p = 1 (the options are indistinguishable); a non-zero constant -> Wilcoxon
  signed-rank test (``scipy.stats.wilcoxon``), which needs no variance.

References
----------
Efron, B., Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall, ch. 13
(percentile intervals).
Law, A. M. (2015). Simulation Modeling and Analysis, 5th ed., McGraw-Hill, sec. 10.2
(paired-t comparison with common random numbers).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from iadsim.analysis.summary import CONFIDENCE, mean_ci, wilson
from iadsim.errors import InputError

N_BOOTSTRAP = 2000
BOOTSTRAP_SEED = 20_260_101
ALPHA = 0.05
#: Replications resampled per bootstrap batch (bounds memory: batch x replications indices).
_BOOT_CELLS = 4_000_000


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _directories(results) -> dict[str, Path]:
    if isinstance(results, Mapping):
        dirs = {str(k): Path(v) for k, v in results.items()}
    else:  # iadsim.Results
        dirs = {name: Path(v.directory) for name, v in results.variants.items()}
    for name, d in dirs.items():
        if not (d / "run.json").exists():
            raise InputError.single(f"option '{name}': no run.json (not a results directory)", d)
    return dirs


def _per_replication(con, directory: Path, meta: dict) -> pd.DataFrame:
    """One row per replication: leaked, killed, value of the threats killed, shots, cost."""
    reps = int(meta["replications"])
    costs = pd.DataFrame(
        {
            "threat": np.arange(len(meta["threat_unit_cost_usd"]), dtype=np.int64),
            "unit_cost": np.asarray(meta["threat_unit_cost_usd"], dtype=float),
        }
    )
    con.register("threat_costs", costs)
    con.register("reps", pd.DataFrame({"replication": np.arange(reps, dtype=np.int64)}))
    thr = _sql_path(directory / "threats.parquet")
    fus = directory / "fire_units.parquet"
    fu_sql = (
        f"""SELECT replication, sum(shots) AS shots, sum(interceptor_cost_usd) AS cost
            FROM read_parquet('{_sql_path(fus)}') GROUP BY replication"""
        if meta["fire_units"] and fus.exists()
        else "SELECT NULL::BIGINT AS replication, 0 AS shots, 0.0 AS cost WHERE false"
    )
    df = con.execute(
        f"""
        WITH t AS (
          SELECT replication,
                 count(*) FILTER (WHERE fate = 'leaked') AS leaked,
                 count(*) FILTER (WHERE fate = 'killed') AS killed,
                 coalesce(sum(c.unit_cost) FILTER (WHERE fate = 'killed'), 0) AS killed_value
          FROM read_parquet('{thr}') JOIN threat_costs c USING (threat)
          GROUP BY replication),
        f AS ({fu_sql})
        SELECT r.replication,
               coalesce(t.leaked, 0)::DOUBLE AS leaked,
               coalesce(t.killed, 0)::DOUBLE AS killed,
               coalesce(t.killed_value, 0)::DOUBLE AS killed_value,
               coalesce(f.shots, 0)::DOUBLE AS shots,
               coalesce(f.cost, 0)::DOUBLE AS cost
        FROM reps r LEFT JOIN t USING (replication) LEFT JOIN f USING (replication)
        ORDER BY r.replication
        """
    ).df()
    con.unregister("threat_costs")
    con.unregister("reps")
    return df


def _t_interval(x: np.ndarray, floor: float = -math.inf) -> tuple[float, float, float]:
    x = np.asarray(x, dtype=float)
    return mean_ci(float(x.sum()), float((x * x).sum()), len(x), floor=floor)


def bootstrap_ratio(
    num: np.ndarray,
    den: np.ndarray,
    n_boot: int = N_BOOTSTRAP,
    seed: int = BOOTSTRAP_SEED,
    confidence: float = CONFIDENCE,
) -> dict:
    """sum(num) / sum(den) with a percentile-bootstrap interval over replications.

    Returns ``{"value", "lo", "hi"}``; all None when ``sum(den) == 0`` (nothing to divide by).
    Resamples whose denominator is zero are dropped from the interval.
    """
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    total = den.sum()
    if total <= 0:
        return {"value": None, "lo": None, "hi": None}
    value = float(num.sum() / total)
    n = len(num)
    rng = np.random.default_rng(seed)
    ratios = []
    batch = max(1, _BOOT_CELLS // max(n, 1))
    done = 0
    while done < n_boot:
        b = min(batch, n_boot - done)
        idx = rng.integers(0, n, size=(b, n))
        d = den[idx].sum(axis=1)
        ok = d > 0
        ratios.append(num[idx].sum(axis=1)[ok] / d[ok])
        done += b
    r = np.concatenate(ratios)
    if r.size == 0:
        return {"value": value, "lo": None, "hi": None}
    tail = (1 - confidence) / 2
    lo, hi = np.quantile(r, [tail, 1 - tail])
    return {"value": value, "lo": float(lo), "hi": float(hi)}


def paired_difference(diff: np.ndarray, alpha: float = ALPHA) -> dict:
    """Mean of paired differences with a t interval and a p-value (see the module doc)."""
    d = np.asarray(diff, dtype=float)
    mean, lo, hi = _t_interval(d)
    n = len(d)
    if n < 2:
        test, p = "none (fewer than 2 replications)", math.nan
    elif np.all(d == d[0]):
        if d[0] == 0:
            test, p = "none (identical in every replication)", 1.0
        else:
            test = "wilcoxon"
            p = float(stats.wilcoxon(d).pvalue)
            lo = hi = float(d[0])
    else:
        test = "ttest_rel"
        p = float(stats.ttest_1samp(d, 0.0).pvalue)  # = ttest_rel(option, baseline)
    return {
        "mean": mean,
        "lo": lo,
        "hi": hi,
        "p_value": p,
        "test": test,
        "significant": bool(p < alpha) if not math.isnan(p) else False,
        "replications": n,
    }


def _class_ratios(con, thr: str, meta: dict, reps: int, by_class: list[dict]) -> list[dict]:
    """Per threat class: interceptor cost per replication, cost per threat stopped and
    cost-exchange ratio (bootstrap intervals), from what was fired at the class's threats."""
    columns = [
        c[0] for c in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{thr}')").fetchall()
    ]
    if "interceptor_cost_usd" not in columns:  # results written before per-threat costs
        return [{} for _ in by_class]
    costs = pd.DataFrame(
        {
            "threat": np.arange(len(meta["threat_unit_cost_usd"]), dtype=np.int64),
            "unit_cost": np.asarray(meta["threat_unit_cost_usd"], dtype=float),
        }
    )
    con.register("class_unit_costs", costs)
    df = con.execute(
        f"""
        SELECT threat_class::VARCHAR AS cls, replication,
               sum(interceptor_cost_usd)::DOUBLE AS cost,
               (count(*) FILTER (WHERE fate = 'killed'))::DOUBLE AS killed,
               coalesce(sum(c.unit_cost) FILTER (WHERE fate = 'killed'), 0)::DOUBLE AS value
        FROM read_parquet('{thr}') JOIN class_unit_costs c USING (threat) GROUP BY ALL
        """
    ).df()
    con.unregister("class_unit_costs")
    out = []
    for row in by_class:
        g = (
            df[df["cls"] == row["threat_class"]]
            .set_index("replication")
            .reindex(range(reps), fill_value=0.0)
        )
        cost = g["cost"].to_numpy(dtype=float)
        m, lo, hi = _t_interval(cost, floor=0.0)
        out.append(
            {
                "interceptor_cost_mean_usd": m,
                "interceptor_cost_lo_usd": lo,
                "interceptor_cost_hi_usd": hi,
                "cost_per_threat_stopped_usd": bootstrap_ratio(cost, g["killed"].to_numpy()),
                "cost_exchange_ratio": bootstrap_ratio(cost, g["value"].to_numpy()),
            }
        )
    return out


def _option(con, name: str, directory: Path, meta: dict, per_rep: pd.DataFrame) -> dict:
    reps = int(meta["replications"])
    thr = _sql_path(directory / "threats.parquet")
    by_class = []
    for cls, n, leaked, leaked_sq in con.execute(
        f"""
        WITH per_rep AS (
          SELECT replication, threat_class::VARCHAR AS cls, count(*) AS n,
                 count(*) FILTER (WHERE fate = 'leaked') AS leaked
          FROM read_parquet('{thr}') GROUP BY ALL)
        SELECT cls, sum(n), sum(leaked), sum(leaked * leaked) FROM per_rep GROUP BY cls
        ORDER BY cls
        """
    ).fetchall():
        lo, hi = wilson(leaked, n)
        lm, llo, lhi = mean_ci(leaked, leaked_sq, reps, floor=0.0)
        by_class.append(
            {
                "threat_class": cls,
                "launched_per_rep": n / reps,
                "p_leak": leaked / n,
                "p_leak_lo": lo,
                "p_leak_hi": hi,
                "leakers_mean": lm,
                "leakers_lo": llo,
                "leakers_hi": lhi,
            }
        )
    for row, figures in zip(by_class, _class_ratios(con, thr, meta, reps, by_class), strict=True):
        row.update(figures)
    launched = reps * int(meta["threats_per_replication"])
    leaked_total = int(per_rep["leaked"].sum())
    plo, phi = wilson(leaked_total, launched)
    hits = dict(
        con.execute(
            f"""
            WITH per_rep AS (
              SELECT asset_hit::VARCHAR AS asset, replication, count(*) AS hits
              FROM read_parquet('{thr}') WHERE asset_hit IS NOT NULL GROUP BY ALL)
            SELECT asset, [sum(hits), sum(hits * hits)] FROM per_rep GROUP BY asset
            """
        ).fetchall()
    )
    assets = []
    for asset in meta["assets"]:
        total, total_sq = hits.get(asset["name"], [0, 0])
        m, lo, hi = mean_ci(total, total_sq, reps, floor=0.0)
        assets.append({"asset": asset["name"], "hits_mean": m, "hits_lo": lo, "hits_hi": hi})
    leak = _t_interval(per_rep["leaked"].to_numpy(), floor=0.0)
    shots = _t_interval(per_rep["shots"].to_numpy(), floor=0.0)
    cost = _t_interval(per_rep["cost"].to_numpy(), floor=0.0)
    return {
        "name": name,
        "directory": str(directory),
        "replications": reps,
        "seed": meta["seed"],
        "fire_units": [f["name"] for f in meta["fire_units"]],
        "p_leak": leaked_total / launched if launched else math.nan,
        "p_leak_lo": plo,
        "p_leak_hi": phi,
        "by_class": by_class,
        "leakers_mean": leak[0],
        "leakers_lo": leak[1],
        "leakers_hi": leak[2],
        "assets": assets,
        "interceptors_mean": shots[0],
        "interceptors_lo": shots[1],
        "interceptors_hi": shots[2],
        "interceptor_cost_mean_usd": cost[0],
        "interceptor_cost_lo_usd": cost[1],
        "interceptor_cost_hi_usd": cost[2],
        "acquisition_cost_usd": float(sum(meta.get("acquisition_cost_usd", []))),
        "cost_per_threat_stopped_usd": bootstrap_ratio(
            per_rep["cost"].to_numpy(), per_rep["killed"].to_numpy()
        ),
        "cost_exchange_ratio": bootstrap_ratio(
            per_rep["cost"].to_numpy(), per_rep["killed_value"].to_numpy()
        ),
    }


def compare(results, baseline: str | None = None) -> dict:
    """Compare the options (variants) of a run against ``baseline``.

    Parameters
    ----------
    results : an :class:`iadsim.Results`, or a mapping of option name -> results directory of
        one variant (with run.json, threats.parquet, fire_units.parquet).
    baseline : the option the others are compared with; default the first.

    Returns
    -------
    dict with ``baseline``, ``confidence``, ``methods`` (how each interval was made) and
    ``options``: name -> figures (see docs/compare-and-sweep.md).
    """
    dirs = _directories(results)
    if not dirs:
        raise InputError.single("nothing to compare: no options")
    baseline = baseline if baseline is not None else next(iter(dirs))
    if baseline not in dirs:
        raise InputError.single(
            f"unknown baseline '{baseline}'; options: {', '.join(dirs)}", field_path="baseline"
        )
    metas = {n: json.loads((d / "run.json").read_text(encoding="utf-8")) for n, d in dirs.items()}
    con = duckdb.connect()
    try:
        per_rep = {n: _per_replication(con, d, metas[n]) for n, d in dirs.items()}
        options = {n: _option(con, n, d, metas[n], per_rep[n]) for n, d in dirs.items()}
        base_thr = _sql_path(dirs[baseline] / "threats.parquet")
        for name, d in dirs.items():
            if metas[name]["replications"] != metas[baseline]["replications"]:
                raise InputError.single(
                    f"option '{name}' has {metas[name]['replications']} replications, the "
                    f"baseline '{baseline}' {metas[baseline]['replications']}: cannot pair them"
                )
            # paired by replication index: the join is the pairing
            diff = (
                con.execute(
                    f"""
                    WITH o AS (SELECT replication, count(*) FILTER (WHERE fate = 'leaked') AS l
                               FROM read_parquet('{_sql_path(d / "threats.parquet")}')
                               GROUP BY replication),
                         b AS (SELECT replication, count(*) FILTER (WHERE fate = 'leaked') AS l
                               FROM read_parquet('{base_thr}') GROUP BY replication)
                    SELECT (o.l - b.l)::DOUBLE FROM o JOIN b USING (replication)
                    ORDER BY replication
                    """
                )
                .df()
                .iloc[:, 0]
                .to_numpy()
            )
            vs = paired_difference(diff)
            vs["common_random_numbers"] = metas[name]["seed"] == metas[baseline]["seed"]
            options[name]["vs_baseline"] = vs
    finally:
        con.close()
    return {
        "scenario": next(iter(metas.values()))["scenario"],
        "baseline": baseline,
        "confidence": CONFIDENCE,
        "methods": {
            "p_leak": "Wilson score interval",
            "means": "t interval over replications",
            "ratios": f"percentile bootstrap over replications ({N_BOOTSTRAP} resamples, "
            f"numpy Generator seed {BOOTSTRAP_SEED})",
            "paired_difference": "option - baseline leakers per replication, paired by "
            "replication index (common random numbers); t interval; ttest_rel, or wilcoxon "
            "when the differences are a non-zero constant",
        },
        "options": options,
    }


def to_json(result: dict) -> str:
    """JSON text of a comparison (NaN written as null)."""

    def clean(x):
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, list):
            return [clean(v) for v in x]
        if isinstance(x, float) and not math.isfinite(x):
            return None
        if isinstance(x, np.generic):
            return clean(x.item())
        return x

    return json.dumps(clean(result), indent=2)


def plot_p_leak(result: dict, path: str | Path) -> Path:
    """Bar chart of P(leak) per option with its 95% Wilson interval."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from iadsim.atomic import atomic_path

    names = list(result["options"])
    p = np.array([result["options"][n]["p_leak"] for n in names])
    lo = np.array([result["options"][n]["p_leak_lo"] for n in names])
    hi = np.array([result["options"][n]["p_leak_hi"] for n in names])
    fig, ax = plt.subplots(figsize=(max(4.0, 1.2 * len(names) + 2), 3.6), layout="constrained")
    colors = ["0.55" if n == result["baseline"] else "tab:blue" for n in names]
    ax.bar(names, p, color=colors, yerr=[p - lo, hi - p], capsize=4)
    ax.set_ylim(0, 1)
    ax.set_ylabel("P(leak)")
    ax.set_title(
        f"{result['scenario']}\nP(leak) per option, 95% Wilson (grey: baseline)", fontsize=10
    )
    path = Path(path)
    with atomic_path(path, ".png") as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return path


def options_scenario(scenario, path: str | Path):
    """``scenario`` with its variants replaced by the options in the YAML file ``path``.

    The file is a list of variants in the scenario's variant schema (``name``,
    ``description``, ``fire_units``, ``sensors``, ``doctrine``). Every problem is an InputError
    at FILE:LINE:COL.
    """
    from pydantic import RootModel
    from ruamel.yaml.comments import CommentedSeq

    from iadsim.errors import Problem
    from iadsim.scenario.loader import cross_check
    from iadsim.scenario.schema import Variant
    from iadsim.yamlio import dotted, locate, read_yaml, validate

    class Options(RootModel[list[Variant]]):
        pass

    data = read_yaml(path)
    if not isinstance(data, CommentedSeq) or not data:
        line, col = locate(data, ())
        raise InputError.single(
            "expected a non-empty list of options (variants: name, fire_units, sensors, doctrine)",
            path,
            line,
            col,
        )
    variants = validate(Options, data, path).root
    new = scenario.model_copy(update={"variants": variants})
    new._source_path = scenario._source_path
    new._catalog = scenario._catalog
    problems = []
    catalog = scenario._catalog
    for loc, msg in cross_check(new, catalog) if catalog is not None else []:
        if loc and loc[0] == "variants":  # the rest was checked when the scenario was loaded
            line, col = locate(data, loc[1:])
            problems.append(Problem(msg, str(path), line, col, dotted(loc[1:])))
    if problems:
        raise InputError(problems)
    return new
