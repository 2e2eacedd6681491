"""The numbers behind each plot, shared by the HTML report's plotly charts
(:mod:`iadsim.report.plots`) and the matplotlib figures (:mod:`iadsim.report.figures`).

- :func:`leakers_data`: distribution of the number of leakers per replication, per variant;
- :func:`p_leak_data`: P(leak) per threat class with its 95% Wilson interval, per variant;
- :func:`shots_data`: interceptors spent per fire unit (mean per replication, 95% t interval);
- :func:`timeline_data`: replication 0 of a variant, threat by threat, with its events.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from iadsim.analysis.summary import wilson
from iadsim.report.data import ResultsData, VariantData

__all__ = ["leakers_data", "p_leak_data", "shots_data", "timeline_data"]


def leakers_data(results: ResultsData) -> dict[str, pd.DataFrame]:
    """Per variant: ``leakers`` (count per replication) and ``share`` of replications."""
    out = {}
    for v in results.variants:
        t = v.threats
        if t.empty:
            continue
        per_rep = (
            (t["fate"].astype(str) == "leaked")
            .groupby(t["replication"])
            .sum()
            .reindex(range(v.replications), fill_value=0)
        )
        counts = per_rep.value_counts().sort_index()
        n_max = int(v.meta.get("threats_per_replication", counts.index.max()))
        counts = counts.reindex(range(n_max + 1), fill_value=0)
        out[v.name] = pd.DataFrame(
            {"leakers": counts.index, "share": counts.to_numpy() / max(v.replications, 1)}
        )
    return out


def p_leak_data(results: ResultsData) -> pd.DataFrame:
    """P(leak) per variant and threat class (and ``all``) with its 95% Wilson interval."""
    rows = []
    for v in results.variants:
        t = v.threats
        if t.empty:
            continue
        leaked = t["fate"].astype(str) == "leaked"
        classes = t["threat_class"].astype(str)
        for cls in [*sorted(classes.unique()), "all"]:
            sel = classes == cls if cls != "all" else np.ones(len(t), dtype=bool)
            n, k = int(sel.sum()), int(leaked[sel].sum())
            lo, hi = wilson(k, n)
            rows.append(
                dict(
                    variant=v.name,
                    threat_class=cls,
                    n=n,
                    leaked=k,
                    p=k / n if n else math.nan,
                    lo=lo,
                    hi=hi,
                )
            )
    return pd.DataFrame(rows, columns=["variant", "threat_class", "n", "leaked", "p", "lo", "hi"])


def shots_data(results: ResultsData) -> pd.DataFrame:
    """Interceptors spent per variant and fire unit: mean per replication, 95% interval."""
    rows = []
    for v in results.variants:
        for f in v.summary["fire_units"]:
            rows.append(
                dict(
                    variant=v.name,
                    fire_unit=f["fire_unit"],
                    mean=f["shots_mean"],
                    lo=f["shots_lo"],
                    hi=f["shots_hi"],
                    left=f["interceptors_left_mean"],
                )
            )
    return pd.DataFrame(rows, columns=["variant", "fire_unit", "mean", "lo", "hi", "left"])


def timeline_data(v: VariantData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Replication 0 of a variant.

    Returns
    -------
    flights : DataFrame
        One row per threat: ``threat``, ``label``, ``fate``, ``start_s``, ``end_s``.
    events : DataFrame
        ``time_s``, ``event``, ``threat``, ``label``, ``by``, ``shots`` (the timeline file).
    """
    rep0 = v.replication0
    tracks = v.tracks
    if rep0.empty:
        return pd.DataFrame(columns=["threat", "label", "fate", "start_s", "end_s"]), pd.DataFrame()
    start = tracks.groupby("threat")["time_s"].min() if not tracks.empty else pd.Series(dtype=float)
    last = tracks.groupby("threat")["time_s"].max() if not tracks.empty else pd.Series(dtype=float)
    flights = pd.DataFrame(
        {
            "threat": rep0["threat"].astype(int),
            "label": [
                f"T{int(j)} {ty} ({ra})"
                for j, ty, ra in zip(
                    rep0["threat"],
                    rep0["threat_type"].astype(str),
                    rep0["raid"].astype(str),
                    strict=True,
                )
            ],
            "fate": rep0["fate"].astype(str),
        }
    )
    flights["start_s"] = flights["threat"].map(start).astype(float)
    end = rep0["end_time_s"].to_numpy(dtype=float)
    flights["end_s"] = np.where(
        np.isfinite(end), end, flights["threat"].map(last).to_numpy(dtype=float)
    )
    events = v.timeline.copy()
    if not events.empty:
        labels = dict(zip(flights["threat"], flights["label"], strict=True))
        events["event"] = events["event"].astype(str)
        events["label"] = events["threat"].map(labels)
        events["by"] = [None if pd.isna(b) else str(b) for b in events["by"].astype(object)]
    return flights, events
