"""What the command line prints: rich tables (estimates with their 95% intervals), CSV rows,
and a stdout console that never cuts a table when stdout is a pipe or a file."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console, ConsoleDimensions
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
    tables = [threats, *_leakage_table(summary), assets]
    if summary.get("platforms"):  # issue 11: aircraft that release weapons
        plat = _table(
            "Platforms (aircraft releasing weapons; their weapons are in the table above)",
            ["platform x n", "P(reached release)", "P(killed)", "P(returned)", "weapons out"],
        )
        for r in summary["platforms"]:
            plat.add_row(
                f"{r['threat_type']} x {r['platforms_per_rep']:g}",
                *(
                    _est(r[f"p_{k}"], r[f"p_{k}_lo"], r[f"p_{k}_hi"], 3)
                    for k in ("reached_release", "killed", "returned")
                ),
                _num(r["weapons_released_mean"]),
            )
        tables.append(plat)
    if summary.get("routes"):  # issue 11: routes planned around the defence's coverage
        rt = _table(
            "Planned routes (expected detections per threat, planner's model)",
            ["raid", "planned route", "direct route", "waypoints"],
        )
        for name, r in summary["routes"].items():
            rt.add_row(name, _num(r["planned"]), _num(r["direct"]), str(r["waypoints"]))
        tables.append(rt)
    if summary.get("decoys"):  # issue 11: decoys take tracks and interceptors, do no damage
        dec = _table(
            "Decoys (no damage; not in the threat figures above)",
            ["decoy x n", "P(engaged)", "interceptors on decoys [95% CI]", "cost/rep", "killed"],
        )
        for r in summary["decoys"]:
            dec.add_row(
                f"{r['threat_type']} x {r['decoys_per_rep']:g}",
                _est(r["p_engaged"], r["p_engaged_lo"], r["p_engaged_hi"], 3),
                _est(r["interceptors_mean"], r["interceptors_lo"], r["interceptors_hi"]),
                _usd(r["interceptor_cost_mean_usd"]),
                _num(r["killed_mean"]),
            )
        tables.append(dec)

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
    if doctrine and doctrine.get("engage_only_predicted_hits"):  # issue 12
        held = Table(show_header=False, box=None)
        held.add_row(
            "Not engaged: predicted to miss (per rep)",
            _est(
                summary.get("held_predicted_miss_mean"),
                summary.get("held_predicted_miss_lo"),
                summary.get("held_predicted_miss_hi"),
            ),
        )
        held.add_row(
            "  of which hit an asset (false miss calls)",
            _est(
                summary.get("held_predicted_miss_hit_mean"),
                summary.get("held_predicted_miss_hit_lo"),
                summary.get("held_predicted_miss_hit_hi"),
            ),
        )
        tables.append(held)
    if doctrine:
        line = Table(show_header=False, box=None)
        line.add_row("Doctrine in use", doctrine_text(doctrine))
        tables.append(line)
    return tables


def _leakage_table(summary: dict) -> list[Table]:
    """Leakage per class counted three ways (per launched, per arriving, per engaged), since
    published interception rates use different denominators (docs/results.md)."""
    rows = summary.get("leakage_by_class") or []
    if not rows:
        return []
    reps = max(int(summary["replications"]), 1)
    table = _table(
        "Leakage three ways per class (see docs/results.md): leakers / launched, / arriving "
        "(not failed in flight), / engaged (arriving and fired at)",
        [
            "threat class",
            "failed in flight",
            "arriving/rep",
            "engaged/rep",
            "per launched [95% CI]",
            "per arriving [95% CI]",
            "per engaged [95% CI]",
            "leakers not engaged/rep",
        ],
    )
    for r in rows:
        table.add_row(
            r["threat_class"],
            _num(r["failed_share"], 3),
            _num(r["arrived_total"] / reps),
            _num(r["engaged_total"] / reps),
            _est(r["p_leak_launched"], r["p_leak_launched_lo"], r["p_leak_launched_hi"], 3),
            _est(r["p_leak_arriving"], r["p_leak_arriving_lo"], r["p_leak_arriving_hi"], 3),
            _est(r["p_leak_engaged"], r["p_leak_engaged_lo"], r["p_leak_engaged_hi"], 3),
            _num(r["leaked_unengaged_total"] / reps),
            style="bold" if r["threat_class"] == "all" else None,
        )
    return [table]


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
    if d.get("tracking") == "estimated":  # issue 12
        parts.append("estimated tracks")
    if d.get("engage_only_predicted_hits"):
        parts.append(
            f"engage only predicted hits ({100 * d.get('predicted_hit_confidence', 0.95):g}% ellipse)"
        )
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


# ------------------------------------------------------------------------------ the console
#: Width given to rich when stdout is a pipe or a file and COLUMNS is not set: wide enough
#: that no table is ever cut, while a person reading a terminal still gets its width.
PIPE_WIDTH = 10_000


class StdoutConsole(Console):
    """A rich console for stdout that never cuts a table when stdout is not a terminal.

    Rich sizes its output from the terminal on stdin, stdout or stderr, and from 80 columns
    when there is none, so ``iadsim compare ... | less`` printed ``s-300…`` and ``$250.…``.
    Here a stdout that is not a terminal gets :data:`PIPE_WIDTH` columns, unless ``COLUMNS``
    is set, which always decides (as rich does on a terminal). The choice is made at each
    print, so the same console serves a terminal and a pipe.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # rich froze COLUMNS and LINES as they were at construction (the command line's
        # console is made at import); unless given, they are read at each print instead
        if kwargs.get("width") is None:
            self._width = None
        if kwargs.get("height") is None:
            self._height = None

    def _pipe(self) -> bool:
        columns = self._environ.get("COLUMNS")
        return self._width is None and not (columns and columns.isdigit()) and not self.is_terminal

    def _get_size(self) -> ConsoleDimensions:
        size = Console.size.fget(self)
        return ConsoleDimensions(PIPE_WIDTH, size.height) if self._pipe() else size

    size = property(_get_size, Console.size.fset)


def stdout_console() -> Console:
    """The console the command line prints its tables on (see :class:`StdoutConsole`)."""
    return StdoutConsole(emoji=False)  # ":100:" in FILE:100:12 is a position, not an emoji


def write_csv(rows: list[dict], file: TextIO) -> None:
    """Write dict rows as CSV with a header (columns in first-seen order; blanks for gaps)."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    writer = csv.DictWriter(file, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if _bad(v) else v for k, v in row.items()})


# ------------------------------------------------------------------------------ compare
def _money(x) -> str:
    if _bad(x):
        return "-"
    x = float(x)
    if abs(x) >= 1e6:
        return f"${x / 1e6:,.2f}M"
    if abs(x) >= 1e4:
        return f"${x / 1e3:,.0f}k"
    return f"${x:,.0f}"


def _ci(m, lo, hi, fmt: str = "{:.2f}") -> str:
    """The estimate, and its interval on a second line."""
    if _bad(m):
        return "-"
    if _bad(lo) or _bad(hi):
        return fmt.format(m)
    return f"{fmt.format(m)}\n[{fmt.format(lo)}, {fmt.format(hi)}]"


def compare_table(result: dict, scenario_name: str) -> Table:
    """The options of :func:`iadsim.analysis.compare.compare` against their baseline."""
    base = result["baseline"]
    table = Table(title=f"{scenario_name}: options vs baseline '{base}' (95% intervals)")
    for col in (
        "option",
        "P(leak)",
        "leakers/rep",
        "Δ leakers",
        "p",
        "shots/rep",
        "acquisition",
        "cost per kill",
        "cost-exchange",
    ):
        table.add_column(col, justify="left" if col == "option" else "right")
    for name, o in result["options"].items():
        vs = o["vs_baseline"]
        cpts = o["cost_per_threat_stopped_usd"]
        cer = o["cost_exchange_ratio"]
        table.add_row(
            name,
            _ci(o["p_leak"], o["p_leak_lo"], o["p_leak_hi"], "{:.3f}"),
            _ci(o["leakers_mean"], o["leakers_lo"], o["leakers_hi"]),
            "-" if name == base else _ci(vs["mean"], vs["lo"], vs["hi"], "{:+.2f}"),
            "-" if name == base else f"{vs['p_value']:.2g}{' *' if vs['significant'] else ''}",
            _ci(o["interceptors_mean"], o["interceptors_lo"], o["interceptors_hi"], "{:.1f}"),
            _money(o["acquisition_cost_usd"]),
            "-"
            if cpts["value"] is None
            else f"{_money(cpts['value'])}\n[{_money(cpts['lo'])}, {_money(cpts['hi'])}]",
            _ci(cer["value"], cer["lo"], cer["hi"], "{:.1f}"),
        )
    return table


def compare_rows(result: dict) -> list[dict]:
    """One flat row per option of a comparison, for ``iadsim compare --csv``.

    Columns: the estimates and 95% bounds of the table, the paired difference against the
    baseline, per threat class P(leak) and the costs of the class table
    (``p_leak.<class>``, ``cost_per_threat_stopped_usd.<class>`` ...), and hits per asset
    (``hits_mean.<asset>`` ...).
    """
    rows = []
    for name, o in result["options"].items():
        vs = o["vs_baseline"]
        row = {"option": name, "baseline": result["baseline"], "replications": o["replications"]}
        for key in ("p_leak", "leakers"):
            m = "p_leak" if key == "p_leak" else "leakers_mean"
            row.update({m: o[m], f"{key}_lo": o[f"{key}_lo"], f"{key}_hi": o[f"{key}_hi"]})
        row.update(
            {
                "delta_leakers_mean": vs["mean"],
                "delta_leakers_lo": vs["lo"],
                "delta_leakers_hi": vs["hi"],
                "p_value": vs["p_value"],
                "significant": vs["significant"],
                "interceptors_mean": o["interceptors_mean"],
                "interceptors_lo": o["interceptors_lo"],
                "interceptors_hi": o["interceptors_hi"],
                "interceptor_cost_mean_usd": o["interceptor_cost_mean_usd"],
                "acquisition_cost_usd": o["acquisition_cost_usd"],
            }
        )
        for key in ("cost_per_threat_stopped_usd", "cost_exchange_ratio"):
            v = o[key]
            row.update({key: v["value"], f"{key}_lo": v["lo"], f"{key}_hi": v["hi"]})
        for c in o.get("by_class", []):
            cls = c["threat_class"]
            row[f"p_leak.{cls}"] = c["p_leak"]
            if "interceptor_cost_mean_usd" in c:
                row[f"interceptor_cost_mean_usd.{cls}"] = c["interceptor_cost_mean_usd"]
            for key in ("cost_per_threat_stopped_usd", "cost_exchange_ratio"):
                v = c.get(key)
                if isinstance(v, dict):
                    row[f"{key}.{cls}"] = v["value"]
                    row[f"{key}_lo.{cls}"] = v["lo"]
                    row[f"{key}_hi.{cls}"] = v["hi"]
        for a in o.get("assets", []):
            for stat in ("hits_mean", "hits_lo", "hits_hi"):
                row[f"{stat}.{a['asset']}"] = a[stat]
        rows.append(row)
    return rows


def compare_class_cost_table(result: dict) -> Table:
    """Compare: costs per threat class (a drone's and an aircraft's kept apart)."""
    table = Table(title="Costs per threat class (interceptors fired at the class; 95% intervals)")
    for col in ("option", "class", "cost/rep", "cost per threat stopped", "cost-exchange"):
        table.add_column(col, justify="left" if col in ("option", "class") else "right")
    for name, o in result["options"].items():
        for c in o["by_class"]:
            if "cost_per_threat_stopped_usd" not in c:
                continue
            cpts, cer = c["cost_per_threat_stopped_usd"], c["cost_exchange_ratio"]
            table.add_row(
                name,
                c["threat_class"],
                _money(c["interceptor_cost_mean_usd"]),
                "-"
                if cpts["value"] is None
                else f"{_money(cpts['value'])} [{_money(cpts['lo'])}, {_money(cpts['hi'])}]",
                _ci(cer["value"], cer["lo"], cer["hi"], "{:.2f}").replace("\n", " "),
            )
    return table


# ------------------------------------------------------------------------------ sweep
def sweep_table(frame, grid: dict, scenario_name: str) -> Table:
    """One row per point and variant of a sweep frame (all threat classes together)."""
    n_points = 1
    for values in grid.values():
        n_points *= len(values)
    table = Table(title=f"{scenario_name}: sweep of {', '.join(grid)} ({n_points} points)")
    for col in [*grid, "variant", "P(leak)", "leakers/rep", "interceptors/rep"]:
        table.add_column(col, justify="right")
    for _, r in frame[frame["threat_class"] == "all"].iterrows():
        table.add_row(
            *[str(r[p]) for p in grid],
            str(r["variant"]),
            _ci(r["p_leak"], r["p_leak_lo"], r["p_leak_hi"], "{:.3f}"),
            _ci(r["leakers_mean"], r["leakers_lo"], r["leakers_hi"]),
            _ci(r["interceptors_mean"], r["interceptors_lo"], r["interceptors_hi"], "{:.1f}"),
        )
    return table
