"""Stage 2: simulation refinement of stage 1 layouts with the Monte Carlo engine.

Every evaluation emits the layout as a scenario (:func:`iadsim.planning.emit.scenario_dict`)
and runs it through the public run API (:func:`iadsim.analysis.runs.run`) on the plan's raids.
All evaluations of a search share one root seed: replication ``r`` of every layout draws the
same threat failures and misses (common random numbers), so the paired difference of two
layouts is measured with far less noise than either. Starting from the better of the MILP
and greedy layouts, a first-improvement local search tries moves (a unit to one of its
nearest free sites), changes (another system of the mix at the same site) and swaps (a unit
for any other), and keeps a move when the paired mean of the criterion (expected damage for
a damage objective, else leakers per raid) falls. The layout finally kept is run again on an
independent seed, and those figures are the ones reported, so the search's own selection does
not flatter them; when the search changed the layout, the stage 1 layout is run on that seed
too and the paired difference (the search's gain, with its 95% interval) is reported. Layouts
of the other mixes are not searched but run once on the reporting seed, so leakage against
budget is known for every mix.

References
----------
Nelson, B. L. & Matejcik, F. J. (1995). Using common random numbers for indifference-zone
selection and multiple comparisons in simulation. Management Science 41(12), 1935-1945.

Fu, M. C. (2002). Optimization for simulation: theory vs. practice. INFORMS Journal on
Computing 14(3), 192-215.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import stats

from iadsim import geo

__all__ = ["evaluate", "interval", "refine_layouts"]

#: Offset of the seed of the final, reporting run from the search's seed.
REPORT_SEED_OFFSET = 1


def interval(x: np.ndarray, confidence: float = 0.95) -> dict:
    """Mean and t interval of per-replication values."""
    x = np.asarray(x, dtype=float)
    m = float(x.mean())
    if x.size < 2:
        return {"mean": m, "lo": m, "hi": m}
    half = float(stats.t.ppf(0.5 + confidence / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return {"mean": m, "lo": m - half, "hi": m + half}


def _wilson(k: int, n: int, confidence: float = 0.95) -> dict:
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = k / n if n else float("nan")
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return {"mean": p, "lo": float(c - h), "hi": float(c + h)}


def evaluate(plan, units, *, seed: int, replications: int, workers=None, work_dir=None) -> dict:
    """Run a layout on the plan's raids: per-replication leakers and damage, with intervals.

    Damage is the value of the assets hit, summed over the raid's threats."""
    from iadsim.analysis.runs import run
    from iadsim.planning.emit import scenario_dict
    from iadsim.scenario.loader import parse_scenario

    data = scenario_dict(plan, units, replications=replications, seed=seed)
    scenario = parse_scenario(data, plan.source_path or "<plan>", plan.catalog)
    out = Path(tempfile.mkdtemp(prefix="eval-", dir=work_dir)) if work_dir else None
    res = run(scenario, replications=replications, seed=seed, workers=workers or 1, out_dir=out)
    vr = next(iter(res.variants.values()))
    df = vr.threats()
    values = {a.name: a.value for a in plan.assets}
    reps = np.arange(replications)
    leaked = df["fate"].astype(str) == "leaked"
    leakers = np.bincount(df["replication"][leaked], minlength=replications)[reps]
    hit = df["asset_hit"].astype("string")
    v = hit.map(values).astype(float).fillna(0.0).to_numpy()
    damage = np.bincount(df["replication"], weights=v, minlength=replications)[reps]
    n = len(df)
    return {
        "seed": seed,
        "replications": replications,
        "leakers_per_rep": leakers,
        "damage_per_rep": damage,
        "leakers": interval(leakers),
        "damage": interval(damage),
        "p_leak": _wilson(int(leaked.sum()), n),
    }


def _public(sim: dict) -> dict:
    return {k: v for k, v in sim.items() if not k.endswith("_per_rep")}


def refine_layouts(
    plan,
    layouts,
    selected,
    matrix,
    region,
    item_of,
    site_of,
    cost,
    candidates,
    *,
    value_of: Callable | None = None,
    workers=None,
    log: Callable[[str], None] = lambda m: None,
    work_dir: Path | None = None,
) -> None:
    """Judge every layout on the raids and refine, in place, those of the selected mix.

    The selected mix's layouts (one per budget) are searched as the module docstring says;
    every other mix's stage 1 layout is run once on the reporting seed, so the table and the
    plot give leakage against budget for each mix."""
    from iadsim.planning.plan import describe

    if selected is None:
        return
    if work_dir is not None:
        work_dir.mkdir(parents=True, exist_ok=True)
    cfg = plan.refine
    reps = cfg.replications
    criterion = "damage_per_rep" if plan.objective.kind == "damage" else "leakers_per_rep"
    index = {m.name: i for i, m in enumerate(plan.menu)}
    mix = next(m for m in plan.all_mixes() if m.name == selected.mix)
    items = [index[n] for n in mix.items]
    unit_at = {(int(site_of[k]), int(item_of[k])): k for k in range(len(matrix.units))}
    lat = np.array([c.lat for c in candidates])
    lon = np.array([c.lon for c in candidates])
    rng = np.random.default_rng(cfg.seed)
    cache: dict[tuple, dict] = {}

    def sim(chosen) -> dict:
        key = tuple(sorted(chosen))
        if key not in cache:
            cache[key] = evaluate(
                plan,
                [matrix.units[k] for k in key],
                seed=cfg.seed,
                replications=reps,
                workers=workers,
                work_dir=work_dir,
            )
        return cache[key]

    def feasible(chosen, budget) -> bool:
        if cost[list(chosen)].sum() > budget * (1 + 1e-12):
            return False
        if len(set(chosen)) != len(chosen):
            return False
        for m, item in enumerate(plan.menu):
            if item.max_count is not None and sum(item_of[k] == m for k in chosen) > item.max_count:
                return False
        sites = [int(site_of[k]) for k in chosen]
        return all(sites.count(s) <= plan.units_per_site for s in set(sites))

    def neighbour(chosen: list[int]) -> list[int] | None:
        if not chosen:
            return None
        pos = int(rng.integers(len(chosen)))
        k = chosen[pos]
        move = rng.choice(["move", "change", "swap"])
        j, m = int(site_of[k]), int(item_of[k])
        if move == "move":
            _, _, d = geo.inverse(lat[j], lon[j], lat, lon)
            near = [int(s) for s in np.argsort(d)[1 : cfg.neighbours + 1]]
            options = [unit_at[(s, m)] for s in near if (s, m) in unit_at]
        elif move == "change":
            options = [unit_at[(j, mm)] for mm in items if mm != m and (j, mm) in unit_at]
        else:
            options = [u for u in range(len(matrix.units)) if int(item_of[u]) in items]
        options = [u for u in options if u not in chosen]
        if not options:
            return None
        new = list(chosen)
        new[pos] = int(options[int(rng.integers(len(options)))])
        return new

    def judge(chosen) -> dict:
        """A run on the reporting seed: independent of the search's, shared by every layout
        (and the undefended baseline), so their paired differences carry little noise."""
        return evaluate(
            plan,
            [matrix.units[k] for k in chosen],
            seed=cfg.seed + REPORT_SEED_OFFSET,
            replications=reps,
            workers=workers,
            work_dir=work_dir,
        )

    base = judge([])
    log(
        f"stage 2: undefended, leakers per raid {base['leakers']['mean']:.2f}, "
        f"damage {base['damage']['mean']:.2f}"
    )
    for lay in layouts:
        if lay.mix != selected.mix:
            # every other mix is judged, not searched: its stage 1 layout on the reporting
            # seed, so leakage against budget is known for each mix
            final = judge(lay.chosen)
            _record(lay, final, base, criterion, 0, 0, None)
            log(
                f"stage 2: {lay.variant}: stage 1 layout; leakers {final['leakers']['mean']:.2f} "
                f"[{final['leakers']['lo']:.2f}, {final['leakers']['hi']:.2f}], damage "
                f"{final['damage']['mean']:.2f}"
            )
            continue
        stage1 = list(lay.chosen)
        starts = [lay.chosen] + ([lay.greedy_chosen] if lay.greedy_chosen is not None else [])
        scored = sorted(starts, key=lambda c: float(sim(c)[criterion].mean()))
        best = list(scored[0])
        best_sim = sim(best)
        tried = 0
        improved = 0
        for _ in range(cfg.evaluations * 5):
            if tried >= cfg.evaluations:
                break
            cand = neighbour(best)
            if cand is None or not feasible(cand, lay.budget_usd) or tuple(sorted(cand)) in cache:
                continue
            tried += 1
            s = sim(cand)
            diff = s[criterion] - best_sim[criterion]
            if diff.mean() < 0:
                best, best_sim = cand, s
                improved += 1
        start_method = "greedy" if scored[0] is lay.greedy_chosen else lay.method
        if sorted(best) != sorted(lay.chosen):
            lay.chosen = sorted(best)
            lay.method = f"{start_method}+search" if improved else start_method
            lay.cost_usd = float(cost[lay.chosen].sum())
            if value_of is not None:
                lay.value = value_of(lay.mix, lay.chosen)
            describe(lay, plan, matrix, region, item_of)
        final = judge(lay.chosen)
        vs_stage1 = None
        if sorted(lay.chosen) != sorted(stage1):
            # what the search (and the MILP/greedy choice) gained, judged on the reporting
            # seed: the paired difference from the stage 1 layout, with its 95% interval
            first = judge(stage1)
            vs_stage1 = interval(final[criterion] - first[criterion])
        _record(lay, final, base, criterion, tried, improved, vs_stage1)
        log(
            f"stage 2: {lay.variant}: {tried} layouts tried, {improved} improvements; leakers "
            f"{final['leakers']['mean']:.2f} [{final['leakers']['lo']:.2f}, "
            f"{final['leakers']['hi']:.2f}], damage {final['damage']['mean']:.2f}"
        )


def _record(lay, final: dict, base: dict, criterion: str, tried: int, improved: int, vs_stage1):
    """Store a layout's reporting run, its paired difference from the undefended baseline
    (same seed, so the same threat draws) and, when the search changed it, from stage 1."""
    lay.simulation = {
        **_public(final),
        "criterion": criterion.replace("_per_rep", ""),
        "search_evaluations": tried,
        "search_improvements": improved,
        "vs_undefended": interval(final[criterion] - base[criterion]),
        "vs_stage1": vs_stage1,
        "undefended": _public(base),
    }
