"""Console tables of a run summary (rich)."""

from __future__ import annotations

import math

from rich.table import Table


def _num(x, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.{digits}f}"


def _ci(lo, hi, digits: int = 2) -> str:
    if lo is None or hi is None or math.isnan(lo) or math.isnan(hi):
        return ""
    return f"[{lo:.{digits}f}, {hi:.{digits}f}]"


def _usd(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if abs(x) >= 1e6:
        return f"${x / 1e6:,.1f}M"
    return f"${x:,.0f}"


def summary_tables(summary: dict) -> list[Table]:
    """Tables for one variant: threats, defended assets, fire units and costs."""
    title = f"{summary['scenario']} / {summary['variant']}  ({summary['replications']:,} replications, seed {summary['seed']})"
    threats = Table(title=title, title_justify="left")
    for col, just in (("class", "left"), ("threat", "left"), ("per rep", "right"),
                      ("P(leak)", "right"), ("95% CI", "right"), ("leakers", "right"),
                      ("95% CI", "right"), ("killed", "right"), ("failed", "right")):
        threats.add_column(col, justify=just)
    for row in summary["by_threat"]:
        threats.add_row(
            row["threat_class"], row["threat_type"], _num(row["launched_per_rep"], 1),
            _num(row["p_leak"], 3), _ci(row["p_leak_lo"], row["p_leak_hi"], 3),
            _num(row["leakers_mean"]), _ci(row["leakers_lo"], row["leakers_hi"]),
            _num(row["killed_mean"]), _num(row["failed_mean"]),
            style="bold" if row["threat_class"] == "all" else None,
        )
    assets = Table(title="Defended assets", title_justify="left")
    for col in ("asset", "value", "hits / rep", "95% CI", "P(hit)", "95% CI"):
        assets.add_column(col, justify="left" if col == "asset" else "right")
    for a in summary["assets"]:
        assets.add_row(a["asset"], _num(a["value"], 1), _num(a["hits_mean"]),
                       _ci(a["hits_lo"], a["hits_hi"]), _num(a["p_hit"], 3),
                       _ci(a["p_hit_lo"], a["p_hit_hi"], 3))
    tables = [threats, assets]
    if summary["fire_units"]:
        fus = Table(title="Fire units", title_justify="left")
        for col in ("fire unit", "shots / rep", "95% CI", "left", "cost / rep"):
            fus.add_column(col, justify="left" if col == "fire unit" else "right")
        for f in summary["fire_units"]:
            fus.add_row(f["fire_unit"], _num(f["shots_mean"]), _ci(f["shots_lo"], f["shots_hi"]),
                        _num(f["interceptors_left_mean"], 1), _usd(f["interceptor_cost_mean_usd"]))
        fus.add_section()
        fus.add_row("all", _num(summary["interceptors_used_mean"]),
                    _ci(summary["interceptors_used_lo"], summary["interceptors_used_hi"]), "",
                    _usd(summary["interceptor_cost_mean_usd"]), style="bold")
        tables.append(fus)
        cost = Table(show_header=False, box=None)
        cost.add_row("Cost of interceptors spent per replication",
                     f"{_usd(summary['interceptor_cost_mean_usd'])} "
                     f"{_ci_usd(summary['interceptor_cost_lo_usd'], summary['interceptor_cost_hi_usd'])}")
        cost.add_row("Cost per threat stopped", _usd(summary["cost_per_threat_stopped_usd"]))
        tables.append(cost)
    return tables


def _ci_usd(lo, hi) -> str:
    if lo is None or hi is None or math.isnan(lo) or math.isnan(hi):
        return ""
    return f"[{_usd(lo)}, {_usd(hi)}]"
