"""What an uncertainty study says: bands, indices, ranking stability, the tornado plot, files.

A study (:func:`iadsim.analysis.uncertainty.run_study`) is summarised into one JSON document,
``uncertainty.json``, written with ``samples.parquet`` (one row per sample and option: the
figure values, then the outputs) and ``tornado-<variant>.png`` into the study's directory. The
HTML report reads that document back (:func:`html_section`).

Reading the figures
-------------------
- The *band* is the 5th, 50th and 95th percentile of an output over the assumption samples,
  each sample run with the same seed; beside it, the nominal run's Monte Carlo 95% interval
  (chance alone, at the catalog's values).
- ``S1`` (first order) is the share of the output's variance over the assumptions that one
  figure explains alone; ``ST`` (total) adds its interactions. ``ST`` near 0: the figure does
  not matter over its span. Both carry bootstrap 95% half-widths (SALib).
- "A beats B in p% of samples": the share of samples in which option A has fewer leakers per
  replication than B; "turns on" names the figures with the largest total index of the
  difference A - B.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
import math
from pathlib import Path

import numpy as np

from iadsim.analysis.uncertainty import Factor, analyze, effects
from iadsim.analysis.uncertainty_study import Study
from iadsim.atomic import AtomicDir

__all__ = [
    "STABLE_SHARE",
    "TOP",
    "html_section",
    "ranking",
    "repeats_p_leak",
    "summarize_study",
    "tornado_png",
    "write_study",
]

#: Figures shown in the tornado plot and the tables.
TOP = 10
#: Smallest total index named as a figure the ranking "turns on".
MIN_INDEX = 0.05
#: A ranking is called stable when each neighbouring pair keeps its order in this share.
STABLE_SHARE = 0.95
_BAND = (5, 50, 95)


def _clean(x):
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _factor_dict(f: Factor) -> dict:
    return {
        "id": f.id,
        "label": f.label,
        "unit": f.unit,
        "value": f.value,
        "low": f.low,
        "high": f.high,
        "distribution": f.distribution,
        "reasoning": f.reasoning,
    }


def summarize_study(study: Study, scenario: str = "", key: str = "ST") -> dict:
    """The study as one JSON-ready document (see the module doc)."""
    by_variant = {}
    for v in study.variants:
        outs = {}
        nominal = study.nominal.get(v, {"values": {}, "intervals": {}})
        for out in study.outputs():
            y = study.y(v, out)
            ok = y[np.isfinite(y)]
            band = np.percentile(ok, _BAND) if ok.size else [math.nan] * 3
            lo, hi = nominal["intervals"].get(out, (None, None))
            indices = analyze(study.factors, study.unit, y, study.method, study.seed)
            swing = dict(
                zip(
                    [f.id for f in study.factors],
                    effects(study.factors, study.unit, y, study.method),
                    strict=True,
                )
            )
            for row in indices:  # the signed change from the low to the high end of the span
                row["effect"] = swing[row["figure"]]
            outs[out] = {
                "nominal": {"value": nominal["values"].get(out), "lo": lo, "hi": hi},
                "band": dict(zip(("p5", "p50", "p95"), map(float, band), strict=True)),
                "indices": indices,
            }
        by_variant[v] = outs
    return _clean(
        {
            "scenario": scenario,
            "method": study.method,
            "samples": study.samples,
            "runs_per_variant": len(study.values),
            "replications": study.replications,
            "seed": study.seed,
            "index": "ST" if study.method == "sobol" else "mu_star",
            "figures": [_factor_dict(f) for f in study.factors],
            "variants": by_variant,
        }
    )


def _pct(share: float) -> str:
    if share >= 1.0:
        return "every sample"
    if share <= 0.0:
        return "no sample"
    p = 100 * share
    text = f"{p:.0f}" if 0.5 <= p <= 99.5 else f"{p:.1f}"
    return f"{text}% of samples"


def _turns_on(study: Study, d: np.ndarray) -> tuple[str, list[dict]]:
    """The (at most two) figures with a total index of ``d`` of at least :data:`MIN_INDEX`."""
    if float(np.ptp(d)) == 0.0:
        return "", []
    idx = analyze(study.factors, study.unit, d, study.method, study.seed)
    key, conf = ("ST", "ST_conf") if study.method == "sobol" else ("mu_star", "mu_star_conf")
    floor = MIN_INDEX if key == "ST" else 0.0
    top = [r for r in idx if r[key] >= floor and r[key] > 0][:2]
    names = " and ".join(f"the {r['label']} ({key} {r[key]:.2f})" for r in top)
    if top and top[0][conf] > 0.5 * top[0][key]:
        names += f" (imprecise at {study.samples} base samples: use more)"
    return names, idx[:TOP]


def _pair(study: Study, a: str, b: str) -> dict:
    ya, yb = study.y(a, "leakers"), study.y(b, "leakers")
    d = ya - yb
    share = float(np.mean(ya < yb))
    ties = float(np.mean(ya == yb))
    names, idx = _turns_on(study, d)
    if ties >= 1.0:
        sentence = f"{a} and {b} have the same leakers in every sample"
    else:
        sentence = f"{a} beats {b} in {_pct(share)}"
        if names:
            verb = "the margin" if share in (0.0, 1.0) else "the ranking"
            sentence += f"; {verb} turns on {names}"
    return {
        "option": a,
        "other": b,
        "p_fewer_leakers": share,
        "p_tie": ties,
        "difference_band": dict(
            zip(("p5", "p50", "p95"), map(float, np.percentile(d, _BAND)), strict=True)
        ),
        "indices": idx,
        "sentence": sentence + ".",
    }


def _groups(order: list[str], ties: list[tuple[str, str]]) -> list[list[str]]:
    groups = [[order[0]]]
    for a, b in itertools.pairwise(order):
        if (a, b) in ties:
            groups[-1].append(b)
        else:
            groups.append([b])
    return groups


def ranking(study: Study, baseline: str) -> dict:
    """Each option against ``baseline`` and the stability of the nominal ranking.

    The nominal ranking orders options by leakers per replication at the catalog's values.
    Neighbours in it are compared sample by sample; neighbours whose nominal difference lies
    within the nominal runs' Monte Carlo half-width are tied and not ordered.
    """
    nominal = {v: study.nominal[v]["values"]["leakers"] for v in study.variants}
    order = sorted(study.variants, key=lambda v: (nominal[v], study.variants.index(v)))

    def half(v: str) -> float:
        lo, hi = study.nominal[v].get("intervals", {}).get("leakers", (None, None))
        return 0.0 if lo is None or hi is None else 0.5 * (hi - lo)

    def tied(a: str, b: str) -> bool:
        # within the nominal runs' own Monte Carlo noise: no order to test
        return abs(nominal[a] - nominal[b]) <= max(half(a), half(b), 1e-12)

    versus = {v: _pair(study, v, baseline) for v in study.variants if v != baseline}
    neighbours, ties = [], []
    for a, b in itertools.pairwise(order):
        (ties if tied(a, b) else neighbours).append((a, b))
    neighbours = [_pair(study, a, b) for a, b in neighbours]
    ys = {v: study.y(v, "leakers") for v in study.variants}
    keeps = np.ones(len(study.values), dtype=bool)
    for a in order:
        for b in order:
            if nominal[a] < nominal[b] and not tied(a, b):
                keeps &= ys[a] < ys[b]
    stable = all(p["p_fewer_leakers"] >= STABLE_SHARE for p in neighbours)
    weakest = min(neighbours, key=lambda p: p["p_fewer_leakers"], default=None)
    if weakest is None:
        summary = "All options have the same nominal leakers; there is no ranking to test."
    else:
        shown = " < ".join(" = ".join(g) for g in _groups(order, ties))
        summary = (
            f"The nominal ranking by leakers ({shown}; '=' within the nominal runs' Monte Carlo "
            f"interval) holds in {_pct(float(keeps.mean()))}; it is "
            f"{'stable' if stable else 'not stable'} (every neighbouring pair in at least "
            f"{STABLE_SHARE:.0%}). Weakest step: {weakest['sentence']}"
        )
    return _clean(
        {
            "baseline": baseline,
            "nominal_order": order,
            "nominal_leakers": nominal,
            "same_ranking_share": float(keeps.mean()),
            "stable": stable,
            "versus_baseline": versus,
            "neighbours": neighbours,
            "nominal_ties": [list(t) for t in ties],
            "summary": summary,
        }
    )


def tornado_png(doc: dict, variant: str, output: str, path: Path, study: Study | None = None):
    """The ten figures that matter most for ``output``: total and first-order indices with
    their 95% intervals, and (with the study) each figure's own swing of the output from the
    low to the high end of its span, centred on the mean (:func:`effects`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = doc["variants"][variant][output]
    key = doc["index"]
    # a figure this option does not use has, under common random numbers, exactly no effect
    # (every index and swing 0): leave it out rather than fill the plot with empty rows
    acting = [r for r in res["indices"] if r[key] != 0 or r.get("effect", 0) != 0]
    rows = acting[:TOP][::-1]
    labels = [r["label"] for r in rows]
    y = np.arange(len(rows))
    panels = 2 if study is not None else 1
    fig, axes = plt.subplots(
        1,
        panels,
        figsize=(5.2 * panels + 1.5, 0.42 * len(rows) + 1.6),
        layout="constrained",
        squeeze=False,
    )
    ax = axes[0, 0]
    if key == "ST":
        ax.barh(
            y,
            [r["ST"] for r in rows],
            xerr=[r["ST_conf"] for r in rows],
            color="tab:blue",
            capsize=3,
            label="total ST",
        )
        ax.barh(
            y,
            [r["S1"] for r in rows],
            height=0.4,
            xerr=[r["S1_conf"] for r in rows],
            color="tab:orange",
            capsize=2,
            label="first order S1",
        )
        ax.set_xlabel("Sobol' index (95% interval)")
        left = min([0.0, *(r["S1"] - r["S1_conf"] for r in rows)])
        right = max([1.05, *(r[k] + r[f"{k}_conf"] for r in rows for k in ("S1", "ST"))])
        ax.set_xlim(left, right + 0.03)  # room for the last error bar cap
        ax.legend(loc="lower right", fontsize=8)
    else:
        ax.barh(
            y,
            [r["mu_star"] for r in rows],
            xerr=[r["mu_star_conf"] for r in rows],
            color="tab:blue",
            capsize=3,
        )
        ax.set_xlabel(f"Morris μ* of {output} (95% interval)")
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_title(
        f"which figures decide it ({len(acting)} of {len(res['indices'])} act on this option)"
        if rows
        else f"no uncertain figure changes {output} for this option",
        fontsize=9,
    )
    if study is not None:
        ax2 = axes[0, 1]
        out = study.y(variant, output)
        mean = float(np.mean(out))
        ids = [f.id for f in study.factors]
        swing = effects(study.factors, study.unit, out, study.method)
        for k, r in enumerate(rows):
            half = 0.5 * swing[ids.index(r["figure"])]
            ax2.barh(k, half, left=mean, color="tab:red", height=0.6)
            ax2.barh(k, -half, left=mean, color="tab:green", height=0.6)
        ax2.axvline(mean, color="0.3", lw=0.8)
        ax2.set_yticks(y, [""] * len(rows))
        ax2.set_xlabel(f"{output}, figure at its low (green) or high (red) end")
        ax2.set_title("which way it moves the answer", fontsize=9)
    band = res["band"]
    fig.suptitle(
        f"{doc['scenario']} / {variant}: {output}, 5-50-95% over the assumptions "
        f"{band['p5']:.3g} / {band['p50']:.3g} / {band['p95']:.3g}",
        fontsize=10,
    )
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)
    return path


def write_study(study: Study, doc: dict, out_dir: Path, tornado_output: str = "p_leak") -> Path:
    """``samples.parquet``, ``uncertainty.json`` and a tornado PNG per variant, atomically."""
    out_dir = Path(out_dir)
    with AtomicDir(out_dir) as tmp:
        study.table().to_parquet(tmp / "samples.parquet", index=False, compression="zstd")
        for v in study.variants:
            if tornado_output in doc["variants"][v]:
                tornado_png(doc, v, tornado_output, tmp / f"tornado-{v}.png", study)
        doc = {**doc, "tornado_output": tornado_output}
        (tmp / "uncertainty.json").write_text(
            json.dumps(_clean(doc), indent=2) + "\n", encoding="utf-8"
        )
    return out_dir


def repeats_p_leak(outs: dict, name: str) -> bool:
    """Whether output ``name`` is a class's P(leak) equal to the overall one (a raid of one
    threat class): a table need not show it twice."""
    whole = outs.get("p_leak", {})
    r = outs[name]
    return name.startswith("p_leak_") and (r["band"], r["nominal"]) == (
        whole.get("band"),
        whole.get("nominal"),
    )


def _fmt(x, spec: str = ".3g") -> str:
    return "–" if x is None else format(x, spec)


def html_section(results_dir: str | Path) -> str:
    """The report's uncertainty section, or "" when no study exists beside the results
    (``uncertainty/uncertainty.json`` or ``uncertainty.json``)."""
    base = Path(results_dir)
    found = [
        p
        for p in (base / "uncertainty" / "uncertainty.json", base / "uncertainty.json")
        if p.exists()
    ]
    if not found:
        return ""
    path = found[0]
    doc = json.loads(path.read_text(encoding="utf-8"))
    esc = html.escape
    parts = [
        '<section id="uncertainty"><h2>How sure is the answer?</h2>',
        f'<p class="muted">{esc(doc["method"])} design, {doc["runs_per_variant"]} assumption '
        f"samples per option, {doc.get('replications')} replications each with one seed "
        f"({doc.get('seed')}), over {len(doc['figures'])} uncertain figures. Band: 5-50-95% "
        "over the assumptions; MC: the nominal run's 95% interval (chance alone).</p>",
    ]
    rank = doc.get("ranking")
    if rank:
        parts.append(f"<p><strong>{esc(rank['summary'])}</strong></p><ul>")
        parts += [f"<li>{esc(p['sentence'])}</li>" for p in rank["versus_baseline"].values()]
        parts.append("</ul>")
    key = doc["index"]
    for v, outs in doc["variants"].items():
        parts.append(
            f"<h3>{esc(v)}</h3><table><tr><th>output</th><th>nominal [MC 95%]</th>"
            "<th>5%</th><th>50%</th><th>95%</th><th>decided by</th></tr>"
        )
        for out, r in outs.items():
            if repeats_p_leak(outs, out):
                continue
            n, b = r["nominal"], r["band"]
            top = ", ".join(
                f"{i['label']} ({i[key]:.2f})" for i in r["indices"][:3] if i[key] > 0.01
            )
            parts.append(
                f"<tr><td>{esc(out)}</td><td>{_fmt(n['value'])} [{_fmt(n['lo'])}, "
                f"{_fmt(n['hi'])}]</td><td>{_fmt(b['p5'])}</td><td>{_fmt(b['p50'])}</td>"
                f"<td>{_fmt(b['p95'])}</td><td>{esc(top or '–')}</td></tr>"
            )
        parts.append("</table>")
        png = path.parent / f"tornado-{v}.png"
        if png.exists():
            data = base64.b64encode(png.read_bytes()).decode()
            parts.append(
                f'<img alt="tornado plot, {esc(v)}" style="max-width:100%" '
                f'src="data:image/png;base64,{data}">'
            )
    parts.append("</section>")
    return "\n".join(parts)
