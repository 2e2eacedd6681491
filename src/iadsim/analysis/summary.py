"""The run summary: leakage, kills, hits per asset, interceptors and cost, with 95% intervals.

Computed from the Parquet results with DuckDB, so it streams over files of any size.

Intervals
---------
- Proportions (P(leak), P(asset hit at least once)): Wilson score interval (Wilson 1927), in
  closed form (a test checks it against ``scipy.stats.binomtest(...).proportion_ci(method=
  "wilson")``, which costs ~0.5 s of imports on every run). P(leak) pools every
  threat of a class over all replications; threats of one replication are not independent (they
  share the defence's magazine), so the interval is somewhat narrow when the defence saturates;
  the per-replication means below carry the between-replication spread.
- Means per replication (leakers, hits, interceptors, cost): mean ± t(0.975, R−1)·s/√R, cut
  at 0 (none of them can be negative; the cut keeps the coverage). The
  t quantile is SciPy's ``stdtrit`` below 1,000 degrees of freedom, and above it the
  Cornish-Fisher expansion in 1/ν (Abramowitz & Stegun 1964, 26.7.5), which agrees with it to
  ~1e-15 there (a test checks it) and spares a large run the import of ``scipy.special``
  (~0.15 s). The normal quantile is the standard library's (Wichura 1988, AS 241).

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
J. Am. Stat. Assoc. 22(158), 209-212.
Abramowitz, M. & Stegun, I. A. (1964). Handbook of Mathematical Functions, NBS AMS 55,
26.7.5 (the t quantile's expansion).
Wichura, M. J. (1988). Algorithm AS 241: the percentage points of the normal distribution.
Applied Statistics 37(3), 477-484 (``statistics.NormalDist.inv_cdf``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from statistics import NormalDist

import duckdb
import numpy as np

from iadsim.engine import arrow

CONFIDENCE = 0.95


def wilson(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion."""
    if trials <= 0:
        return (math.nan, math.nan)
    n = float(trials)
    p = successes / n
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # at 0 or n successes a bound is exactly 0 or 1 (rounding would put it a hair inside)
    lo = 0.0 if successes <= 0 else max(centre - half, 0.0)
    hi = 1.0 if successes >= trials else min(centre + half, 1.0)
    return min(lo, p), max(hi, p)


#: From this many degrees of freedom up, :func:`t_quantile` uses the expansion.
T_EXPANSION_DF = 1000


def t_quantile(q: float, df: int) -> float:
    """Student's t quantile: the expansion of A&S 26.7.5 from :data:`T_EXPANSION_DF` degrees
    of freedom up (its next term is O(1/df^5)), SciPy's ``stdtrit`` below."""
    if df < T_EXPANSION_DF:
        from scipy import special

        return float(special.stdtrit(df, q))
    z = NormalDist().inv_cdf(q)
    z2 = z * z
    g1 = (z2 + 1.0) * z / 4.0
    g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0
    g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0
    g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0
    nu = float(df)
    return z + (g1 + (g2 + (g3 + g4 / nu) / nu) / nu) / nu


def mean_ci(
    total: float,
    total_sq: float,
    n: int,
    confidence: float = CONFIDENCE,
    floor: float = -math.inf,
):
    """Mean and t interval from a sum and a sum of squares over ``n`` replications.

    ``floor`` is the least value the mean can take (0 for counts and costs): the interval is
    cut there, which keeps its coverage (the true mean is never below it) and spares a report
    "0.00 [-0.00, 0.01]" for a rare count."""
    if n <= 0:
        return (math.nan, math.nan, math.nan)
    mean = total / n
    if n == 1:
        return (mean, math.nan, math.nan)
    var = max(total_sq - n * mean * mean, 0.0) / (n - 1)
    half = t_quantile(0.5 + confidence / 2, n - 1) * math.sqrt(var / n)
    return (mean, min(max(mean - half, floor), mean), mean + half)


def summarize(directory: str | Path) -> dict:
    """Summary of one variant's results directory (threats.parquet, fire_units.parquet, run.json)."""
    d = Path(directory)
    meta = json.loads((d / "run.json").read_text(encoding="utf-8"))
    reps = int(meta["replications"])
    thr = str(d / "threats.parquet")
    fus = str(d / "fire_units.parquet")
    con = duckdb.connect()

    columns = [
        c[0] for c in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{thr}')").fetchall()
    ]
    costed = "interceptor_cost_usd" in columns
    # issue 11: aircraft that release weapons are platforms, summarised on their own (their
    # "arrival" is their return); the threat figures are those of everything else
    roles = "role" in columns
    not_platform = "WHERE role::VARCHAR NOT IN ('platform', 'decoy')" if roles else ""
    class_costs = _class_costs(con, thr, meta, reps) if costed else {}
    leakage = _leakage(con, thr)

    by_type = []
    rows = con.execute(
        f"""
        WITH per_rep AS (
          SELECT replication, threat_class::VARCHAR AS cls, threat_type::VARCHAR AS typ,
                 count(*) AS n,
                 count(*) FILTER (WHERE fate = 'leaked') AS leaked,
                 count(*) FILTER (WHERE fate = 'killed') AS killed,
                 count(*) FILTER (WHERE fate = 'failed') AS failed,
                 count(*) FILTER (WHERE fate = 'not_released') AS unreleased
          FROM read_parquet('{thr}') {not_platform} GROUP BY ALL)
        SELECT cls, typ, sum(n), sum(leaked), sum(killed), sum(failed),
               sum(leaked * leaked), sum(killed * killed), sum(unreleased)
        FROM per_rep GROUP BY ALL ORDER BY cls, typ
        """
    ).fetchall()
    tot = dict(n=0, leaked=0, killed=0, failed=0, unreleased=0)
    for cls, typ, n, leaked, killed, failed, leaked_sq, killed_sq, unreleased in rows:
        lo, hi = wilson(leaked, n)
        lm, llo, lhi = mean_ci(leaked, leaked_sq, reps, floor=0.0)
        km, klo, khi = mean_ci(killed, killed_sq, reps, floor=0.0)
        by_type.append(
            dict(
                threat_class=cls,
                threat_type=typ,
                launched_per_rep=n / reps,
                p_leak=leaked / n,
                p_leak_lo=lo,
                p_leak_hi=hi,
                leakers_mean=lm,
                leakers_lo=llo,
                leakers_hi=lhi,
                killed_mean=km,
                killed_lo=klo,
                killed_hi=khi,
                failed_mean=failed / reps,
                # issue 11: weapons whose aircraft was down before release
                not_released_mean=unreleased / reps,
                **class_costs.get((cls, typ), _NO_COSTS),
                **leakage[(cls, typ)],
            )
        )
        tot["unreleased"] += unreleased
        tot["n"] += n
        tot["leaked"] += leaked
        tot["killed"] += killed
        tot["failed"] += failed

    all_rep = con.execute(
        f"""
        WITH per_rep AS (
          SELECT replication,
                 count(*) FILTER (WHERE fate = 'leaked') AS leaked,
                 count(*) FILTER (WHERE fate = 'killed') AS killed
          FROM read_parquet('{thr}') {not_platform} GROUP BY replication)
        SELECT sum(leaked), sum(leaked*leaked), sum(killed), sum(killed*killed) FROM per_rep
        """
    ).fetchone()
    lo, hi = wilson(tot["leaked"], tot["n"])
    lm, llo, lhi = mean_ci(all_rep[0] or 0, all_rep[1] or 0, reps, floor=0.0)
    km, klo, khi = mean_ci(all_rep[2] or 0, all_rep[3] or 0, reps, floor=0.0)
    overall = dict(
        threat_class="all",
        threat_type="all",
        launched_per_rep=tot["n"] / reps,
        p_leak=tot["leaked"] / tot["n"] if tot["n"] else math.nan,
        p_leak_lo=lo,
        p_leak_hi=hi,
        leakers_mean=lm,
        leakers_lo=llo,
        leakers_hi=lhi,
        killed_mean=km,
        killed_lo=klo,
        killed_hi=khi,
        failed_mean=tot["failed"] / reps,
        not_released_mean=tot["unreleased"] / reps,
        **class_costs.get(("all", "all"), _NO_COSTS),
        **leakage[("all", "all")],
    )
    by_class = [
        {"threat_class": cls, **figures}
        for (cls, typ), figures in class_costs.items()
        if typ == "*"
    ]

    assets = []
    hit_rows = dict(
        con.execute(
            f"""
            WITH per_rep AS (
              SELECT asset_hit::VARCHAR AS asset, replication, count(*) AS hits
              FROM read_parquet('{thr}') WHERE asset_hit IS NOT NULL GROUP BY ALL)
            SELECT asset, [sum(hits), sum(hits*hits), count(*)] FROM per_rep GROUP BY asset
            """
        ).fetchall()
    )
    for asset in meta["assets"]:
        total, total_sq, reps_hit = hit_rows.get(asset["name"], [0, 0, 0])
        m, mlo, mhi = mean_ci(total, total_sq, reps, floor=0.0)
        plo, phi = wilson(reps_hit, reps)
        assets.append(
            dict(
                asset=asset["name"],
                value=asset["value"],
                hits_mean=m,
                hits_lo=mlo,
                hits_hi=mhi,
                p_hit=reps_hit / reps,
                p_hit_lo=plo,
                p_hit_hi=phi,
                coverage=meta.get("coverage_share", {}).get(asset["name"], {}),
            )
        )

    fire_units = []
    spent = dict(shots=(0.0, 0.0), cost=(0.0, 0.0))
    if meta["fire_units"]:
        for name, shots, shots_sq, left, cost in con.execute(
            f"""
            SELECT fire_unit::VARCHAR, sum(shots), sum(shots*shots), avg(interceptors_left),
                   sum(interceptor_cost_usd)
            FROM read_parquet('{fus}') GROUP BY ALL ORDER BY 1
            """
        ).fetchall():
            m, mlo, mhi = mean_ci(shots, shots_sq, reps, floor=0.0)
            fire_units.append(
                dict(
                    fire_unit=name,
                    shots_mean=m,
                    shots_lo=mlo,
                    shots_hi=mhi,
                    interceptors_left_mean=left,
                    interceptor_cost_mean_usd=cost / reps,
                )
            )
        spent_row = con.execute(
            f"""
            WITH per_rep AS (
              SELECT replication, sum(shots) AS s, sum(interceptor_cost_usd) AS c
              FROM read_parquet('{fus}') GROUP BY replication)
            SELECT sum(s), sum(s*s), sum(c), sum(c*c) FROM per_rep
            """
        ).fetchone()
        spent = dict(shots=(spent_row[0], spent_row[1]), cost=(spent_row[2], spent_row[3]))
    held = _held_predicted_miss(con, thr, reps)  # issue 12
    used = mean_ci(spent["shots"][0], spent["shots"][1], reps, floor=0.0)
    cost = mean_ci(spent["cost"][0], spent["cost"][1], reps, floor=0.0)
    kills = tot["killed"]
    platforms = _platforms(con, thr) if roles else []
    decoys = _decoys(con, thr, reps) if roles else []
    # interceptors spent on platforms count in the cost per threat stopped, and so do their kills
    kills += sum(r["p_killed"] * r["platforms_per_rep"] * reps for r in platforms)
    con.close()
    return dict(
        scenario=meta["scenario"],
        variant=meta["variant"],
        replications=reps,
        seed=meta["seed"],
        threats_per_replication=meta["threats_per_replication"],
        terrain=meta.get("terrain", "smooth earth"),
        coverage_radius_m=meta.get("coverage_radius_m"),
        by_threat=[*by_type, overall],
        assets=assets,
        fire_units=fire_units,
        interceptors_used_mean=used[0],
        interceptors_used_lo=used[1],
        interceptors_used_hi=used[2],
        interceptor_cost_mean_usd=cost[0],
        interceptor_cost_lo_usd=cost[1],
        interceptor_cost_hi_usd=cost[2],
        cost_per_threat_stopped_usd=(spent["cost"][0] / kills) if kills else None,
        cost_exchange_ratio=overall["cost_exchange_ratio"],
        costs_by_class=by_class,
        leakage_by_class=[
            {"threat_class": cls, **figures}
            for (cls, typ), figures in leakage.items()
            if typ == "*" or cls == "all"
        ],
        doctrine=meta.get("doctrine"),
        platforms=platforms,
        decoys=decoys,
        routes=meta.get("routes", {}),
        **held,
    )


def _held_predicted_miss(con, thr: str, reps: int) -> dict:
    """Threats per replication never engaged because predicted to miss every asset, and how
    many of those hit one after all (false "miss" calls); issue 12, docs/models/tracking.md."""
    cols = [c[0] for c in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{thr}')").fetchall()]
    if "held_predicted_miss" not in cols:
        return {}
    row = con.execute(
        f"""
        WITH per_rep AS (
          SELECT replication, sum(held_predicted_miss::INT) AS h,
                 sum((held_predicted_miss AND asset_hit IS NOT NULL)::INT) AS x
          FROM read_parquet('{thr}') GROUP BY replication)
        SELECT sum(h), sum(h*h), sum(x), sum(x*x) FROM per_rep
        """
    ).fetchone()
    h = mean_ci(row[0] or 0, row[1] or 0, reps, floor=0.0)
    x = mean_ci(row[2] or 0, row[3] or 0, reps, floor=0.0)
    return dict(
        held_predicted_miss_mean=h[0],
        held_predicted_miss_lo=h[1],
        held_predicted_miss_hi=h[2],
        held_predicted_miss_hit_mean=x[0],
        held_predicted_miss_hit_lo=x[1],
        held_predicted_miss_hit_hi=x[2],
    )


def _decoys(con, thr: str, reps: int) -> list[dict]:
    """Per decoy type: decoys per replication, P(engaged), interceptors spent on them per
    replication (mean and t interval) and their cost, decoys killed per replication."""
    rows = con.execute(
        f"""
        WITH per_rep AS (
          SELECT replication, threat_type::VARCHAR AS typ, count(*) AS n,
                 count(*) FILTER (WHERE shots_at > 0) AS engaged, sum(shots_at) AS shots,
                 sum(interceptor_cost_usd) AS cost,
                 count(*) FILTER (WHERE fate = 'killed') AS killed
          FROM read_parquet('{thr}') WHERE role::VARCHAR = 'decoy' GROUP BY ALL)
        SELECT typ, sum(n), sum(engaged), sum(shots), sum(shots * shots), sum(cost), sum(killed)
        FROM per_rep GROUP BY typ ORDER BY typ
        """
    ).fetchall()
    out = []
    for typ, n, engaged, shots, shots_sq, cost, killed in rows:
        lo, hi = wilson(int(engaged), int(n))
        m, mlo, mhi = mean_ci(float(shots), float(shots_sq), reps, floor=0.0)
        out.append(
            dict(
                threat_type=typ,
                decoys_per_rep=n / reps,
                p_engaged=engaged / n,
                p_engaged_lo=lo,
                p_engaged_hi=hi,
                interceptors_mean=m,
                interceptors_lo=mlo,
                interceptors_hi=mhi,
                interceptor_cost_mean_usd=float(cost or 0.0) / reps,
                killed_mean=killed / reps,
            )
        )
    return out


def _platforms(con, thr: str) -> list[dict]:
    """Per platform type (aircraft that release weapons): P(reached release), P(killed),
    P(returned), with Wilson intervals, and the weapons released per replication. A platform
    reached release when any of its weapons was released (docs/models/engine.md)."""
    rows = con.execute(
        f"""
        WITH t AS (SELECT * REPLACE (role::VARCHAR AS role) FROM read_parquet('{thr}')),
        w AS (SELECT replication, parent, bool_or(fate != 'not_released') AS released,
                     count(*) FILTER (WHERE fate != 'not_released') AS n_released
              FROM t WHERE role IN ('weapon', 'decoy') GROUP BY ALL),
        p AS (SELECT t.replication, t.threat_type::VARCHAR AS typ, t.fate,
                     coalesce(w.released, false) AS released, coalesce(w.n_released, 0) AS nw
              FROM t LEFT JOIN w ON t.replication = w.replication AND t.threat = w.parent
              WHERE t.role = 'platform')
        SELECT typ, count(*), count(*) FILTER (WHERE released),
               count(*) FILTER (WHERE fate = 'killed'), count(*) FILTER (WHERE fate = 'leaked'),
               sum(nw), count(DISTINCT replication)
        FROM p GROUP BY typ ORDER BY typ
        """
    ).fetchall()
    out = []
    for typ, n, released, killed, returned, n_weapons, reps in rows:
        row = dict(threat_type=typ, platforms_per_rep=n / reps)
        for key, k in (("reached_release", released), ("killed", killed), ("returned", returned)):
            lo, hi = wilson(int(k), int(n))
            row[f"p_{key}"], row[f"p_{key}_lo"], row[f"p_{key}_hi"] = k / n, lo, hi
        row["weapons_released_mean"] = float(n_weapons) / reps
        out.append(row)
    return out


#: Cost figures of a row when the results carry no per-threat cost (older results).
_NO_COSTS = dict(
    interceptor_cost_mean_usd=None,
    cost_per_threat_stopped_usd=None,
    cost_exchange_ratio=None,
)


def _class_costs(con, thr: str, meta: dict, reps: int) -> dict:
    """Interceptor cost per replication, cost per threat stopped and cost-exchange ratio for
    every (class, type), every class (type ``*``) and all threats (``all``, ``all``).

    Cost per threat stopped = interceptor cost spent on the threats of the group / threats of
    the group killed; cost-exchange ratio = that cost / unit cost of the threats killed (see
    docs/results.md). Both None when none were killed. The interceptor cost of a threat is what
    was fired at it, kill or miss (``threats.parquet`` column ``interceptor_cost_usd``).
    """
    cost = np.asarray(meta["threat_unit_cost_usd"], dtype=float)
    unit = arrow.table({"threat": np.arange(cost.size, dtype=np.int64), "unit_cost": cost})
    con.register("unit_costs", unit)  # an Arrow table: a DataFrame would import pandas
    rows = con.execute(
        f"""
        WITH t AS (
          SELECT replication, threat_class::VARCHAR AS cls, threat_type::VARCHAR AS typ,
                 interceptor_cost_usd AS cost, fate = 'killed' AS killed, u.unit_cost
          FROM read_parquet('{thr}') JOIN unit_costs u USING (threat)),
        per_rep AS (
          SELECT GROUPING(cls, typ) AS g, cls, typ, replication, sum(cost) AS cost,
                 count(*) FILTER (WHERE killed) AS killed,
                 coalesce(sum(unit_cost) FILTER (WHERE killed), 0) AS killed_value
          FROM t GROUP BY GROUPING SETS ((cls, typ, replication), (cls, replication),
                                         (replication)))
        SELECT g, cls, typ, sum(cost), sum(cost * cost), sum(killed), sum(killed_value)
        FROM per_rep GROUP BY g, cls, typ
        """
    ).fetchall()
    con.unregister("unit_costs")
    out = {}
    for g, cls, typ, cost, cost_sq, killed, value in rows:
        key = (cls, typ) if g == 0 else ((cls, "*") if cls is not None else ("all", "all"))
        m, lo, hi = mean_ci(float(cost or 0.0), float(cost_sq or 0.0), reps, floor=0.0)
        out[key] = dict(
            interceptor_cost_mean_usd=m,
            interceptor_cost_lo_usd=lo,
            interceptor_cost_hi_usd=hi,
            killed_per_rep=float(killed) / reps,
            cost_per_threat_stopped_usd=float(cost) / killed if killed else None,
            cost_exchange_ratio=float(cost) / float(value) if value else None,
        )
    return dict(sorted(out.items(), key=lambda kv: (kv[0][0] == "all", kv[0])))


def _leakage(con, thr: str) -> dict:
    """Leakage counted three ways, for every (class, type), every class (type ``*``) and all
    threats (``all``, ``all``), because published interception rates use different
    denominators (docs/results.md):

    - per threat launched: leakers / launched (``p_leak``, computed by :func:`summarize`);
    - per threat arriving: leakers / threats that did not fail in flight (killed + leaked):
      the launch and in-flight failures (the threat's reliability) taken out, so that the
      figure measures the defence alone;
    - per threat engaged: leakers among the arriving threats fired at / arriving threats
      fired at (``shots_at > 0``): the defence's shots alone, as a defender reports
      "interceptions" when it does not engage threats predicted to fall in open ground.

    Each with a Wilson interval over all replications' threats (pooled, as P(leak)), the mean
    arriving and engaged threats per replication, the leakers never fired at, and the share
    that failed in flight (1 - the observed reliability), which is never folded into Pk.
    """
    rows = con.execute(
        f"""
        WITH t AS (
          SELECT threat_class::VARCHAR AS cls, threat_type::VARCHAR AS typ,
                 fate = 'leaked' AS leaked, fate = 'failed' AS failed,
                 shots_at > 0 AND fate <> 'failed' AS engaged
          FROM read_parquet('{thr}'))
        SELECT GROUPING(cls, typ) AS g, cls, typ, count(*) AS n,
               count(*) FILTER (WHERE failed), count(*) FILTER (WHERE leaked),
               count(*) FILTER (WHERE engaged),
               count(*) FILTER (WHERE engaged AND leaked)
        FROM t GROUP BY GROUPING SETS ((cls, typ), (cls), ())
        """
    ).fetchall()
    out = {}
    for g, cls, typ, n, failed, leaked, engaged, leaked_engaged in rows:
        key = (cls, typ) if g == 0 else ((cls, "*") if cls is not None else ("all", "all"))
        arrived = n - failed
        a_lo, a_hi = wilson(leaked, arrived)
        e_lo, e_hi = wilson(leaked_engaged, engaged)
        l_lo, l_hi = wilson(leaked, n)
        out[key] = dict(
            launched_total=int(n),
            failed_share=failed / n if n else math.nan,
            arrived_total=int(arrived),
            engaged_total=int(engaged),
            p_leak_launched=leaked / n if n else math.nan,
            p_leak_launched_lo=l_lo,
            p_leak_launched_hi=l_hi,
            p_leak_arriving=leaked / arrived if arrived else math.nan,
            p_leak_arriving_lo=a_lo,
            p_leak_arriving_hi=a_hi,
            p_leak_engaged=leaked_engaged / engaged if engaged else math.nan,
            p_leak_engaged_lo=e_lo,
            p_leak_engaged_hi=e_hi,
            leaked_unengaged_total=int(leaked - leaked_engaged),
        )
    return dict(sorted(out.items(), key=lambda kv: (kv[0][0] == "all", kv[0])))
