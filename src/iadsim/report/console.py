"""Console tables of a run summary (rich). Estimates are printed with their 95% intervals."""

from __future__ import annotations

import math
from pathlib import Path

from rich.table import Table


def _bad(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _num(x, digits: int = 2) -> str:
    return "-" if _bad(x) else f"{x:.{digits}f}"


def _est(x, lo, hi, digits: int = 2) -> str:
    """``estimate [lo, hi]``, or the estimate alone when there is no interval."""
    if _bad(lo) or _bad(hi):
        return _num(x, digits)
    return f"{x:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def _usd(x) -> str:
    if _bad(x):
        return "-"
    return f"${x / 1e6:,.1f}M" if abs(x) >= 1e6 else f"${x:,.0f}"


def _table(title: str, columns: list[str]) -> Table:
    table = Table(title=title, title_justify="left")
    for i, col in enumerate(columns):
        if i == 0:
            table.add_column(col, justify="left", min_width=12)
        else:
            table.add_column(col, justify="right", no_wrap=True)
    return table


def summary_tables(summary: dict) -> list[Table]:
    """Tables for one variant: threats, defended assets, radar coverage, fire units, cost."""
    title = (
        f"{summary['scenario']} / {summary['variant']}  "
        f"({summary['replications']:,} replications, seed {summary['seed']})"
    )
    threats = _table(
        title, ["threat x n", "P(leak) [95% CI]", "leakers [95% CI]", "killed", "failed"]
    )
    for row in summary["by_threat"]:
        overall = row["threat_class"] == "all"
        threats.add_row(
            f"{'all' if overall else row['threat_type']} x {row['launched_per_rep']:g}",
            _est(row["p_leak"], row["p_leak_lo"], row["p_leak_hi"], 3),
            _est(row["leakers_mean"], row["leakers_lo"], row["leakers_hi"]),
            _num(row["killed_mean"]),
            _num(row["failed_mean"]),
            style="bold" if overall else None,
        )
    assets = _table(
        "Defended assets", ["asset", "value", "hits/rep [95% CI]", "P(hit at least once) [95% CI]"]
    )
    for a in summary["assets"]:
        assets.add_row(
            a["asset"],
            _num(a["value"], 1),
            _est(a["hits_mean"], a["hits_lo"], a["hits_hi"]),
            _est(a["p_hit"], a["p_hit_lo"], a["p_hit_hi"], 3),
        )
    tables = [threats, assets]

    bands = sorted({int(b) for a in summary["assets"] for b in a.get("coverage", {})})
    if bands:
        radius_km = (summary.get("coverage_radius_m") or 50_000) / 1000
        terrain = Path(str(summary.get("terrain"))).name
        cov = _table(
            f"Radar coverage: share of the {radius_km:.0f} km disk around each asset seen "
            f"(terrain: {terrain})",
            ["asset", *[f"{b} m AGL" for b in bands]],
        )
        for a in summary["assets"]:
            c = a.get("coverage", {})
            cov.add_row(
                a["asset"], *[f"{100 * c[str(b)]:.0f}%" if str(b) in c else "-" for b in bands]
            )
        tables.append(cov)

    if summary["fire_units"]:
        fus = _table("Fire units", ["fire unit", "shots/rep [95% CI]", "left", "cost/rep"])
        for f in summary["fire_units"]:
            fus.add_row(
                f["fire_unit"],
                _est(f["shots_mean"], f["shots_lo"], f["shots_hi"]),
                _num(f["interceptors_left_mean"], 1),
                _usd(f["interceptor_cost_mean_usd"]),
            )
        fus.add_section()
        fus.add_row(
            "all",
            _est(
                summary["interceptors_used_mean"],
                summary["interceptors_used_lo"],
                summary["interceptors_used_hi"],
            ),
            "",
            _usd(summary["interceptor_cost_mean_usd"]),
            style="bold",
        )
        tables.append(fus)
        cost = Table(show_header=False, box=None)
        lo, hi = summary["interceptor_cost_lo_usd"], summary["interceptor_cost_hi_usd"]
        interval = "" if _bad(lo) or _bad(hi) else f" [{_usd(lo)}, {_usd(hi)}]"
        cost.add_row(
            "Interceptor cost per replication",
            f"{_usd(summary['interceptor_cost_mean_usd'])}{interval}",
        )
        cost.add_row("Cost per threat stopped", _usd(summary["cost_per_threat_stopped_usd"]))
        ratio = summary.get("cost_exchange_ratio")
        cost.add_row("Cost-exchange ratio", "-" if _bad(ratio) else f"{ratio:.2f}")
        tables.append(cost)
        tables += _class_cost_table(summary)
    doctrine = summary.get("doctrine")
    if doctrine:
        line = Table(show_header=False, box=None)
        line.add_row("Doctrine in use", doctrine_text(doctrine))
        tables.append(line)
    return tables


def doctrine_text(d: dict) -> str:
    """One line: the doctrine the engine ran with (defaults included)."""
    parts = [
        f"salvo {d.get('salvo_size')}",
        "shoot-look-shoot" if d.get("shoot_look_shoot") else "no shoot-look-shoot",
        f"up to {d.get('engagements_per_threat')} engagement(s) per threat",
        f"{d.get('assignment')} assignment",
    ]
    if d.get("hold_fire_below_value"):
        parts.append(f"hold fire below value {d['hold_fire_below_value']:g}")
    if d.get("reserve_for_ballistic"):
        parts.append(f"{d['reserve_for_ballistic']} rounds per fire unit kept for ballistic")
    return ", ".join(parts)


def _class_cost_table(summary: dict) -> list[Table]:
    """Costs per threat class and in total (cheap drones and dear aircraft kept apart)."""
    rows = summary.get("costs_by_class") or []
    if not rows:
        return []
    table = _table(
        "Costs per threat class (interceptors fired at the class; see docs/results.md)",
        [
            "threat class",
            "killed/rep",
            "interceptor cost/rep",
            "cost per threat stopped",
            "cost-exchange ratio",
        ],
    )
    overall = next((r for r in summary["by_threat"] if r["threat_class"] == "all"), None)
    for r in [*rows, *([{**overall, "threat_class": "all"}] if overall else [])]:
        ratio = r.get("cost_exchange_ratio")
        table.add_row(
            r["threat_class"],
            _num(r.get("killed_per_rep", r.get("killed_mean"))),
            _usd(r.get("interceptor_cost_mean_usd")),
            _usd(r.get("cost_per_threat_stopped_usd")),
            "-" if _bad(ratio) else f"{ratio:.2f}",
            style="bold" if r["threat_class"] == "all" else None,
        )
    return [table]
