"""The HTML report's tables: the comparison of variants, each variant's summary, and every
catalog figure used with its claim type and sources.

Every cell is escaped (:func:`html.escape`) before it is put into the page.
"""

from __future__ import annotations

import html
import math
import re

from iadsim.report.data import ResultsData, VariantData

__all__ = ["acquisition_cost_usd", "catalog_tables", "comparison_table", "esc", "variant_tables"]


def esc(x) -> str:
    """``x`` as escaped HTML text (None as empty)."""
    return html.escape("" if x is None else str(x))


def _num(x, fmt: str = "{:.3f}") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return fmt.format(x)


def _ci(lo, hi, fmt: str = "{:.3f}") -> str:
    if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
        return "–"
    return f"[{fmt.format(lo)}, {fmt.format(hi)}]"


def _usd(x) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    return f"${x:,.0f}"


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    head = "".join(
        f'<th class="num">{esc(h)}</th>' if i in numeric else f"<th>{esc(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    # a wide table scrolls inside its box instead of pushing the page sideways
    return (
        f'<div class="table-scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _with_ci(x, lo, hi, fmt: str = "{:.2f}") -> str:
    """The estimate and, in grey, its interval, in one cell."""
    return f'{_num(x, fmt)} <span class="ci">{_ci(lo, hi, fmt)}</span>'


def acquisition_cost_usd(v: VariantData) -> float:
    """The variant's fire units' acquisition cost (``run.json``; NaN if it is not there).

    The same sum as ``iadsim compare``'s acquisition column.
    """
    costs = v.meta.get("acquisition_cost_usd")
    if isinstance(costs, (int, float)):
        return float(costs)
    try:
        return float(sum(float(c) for c in costs))
    except (TypeError, ValueError):
        return math.nan


def comparison_table(results: ResultsData) -> str:
    """One row per variant: overall P(leak), leakers, kills, interceptors, cost, acquisition
    cost, and hits per replication on each defended asset (with its 95% interval)."""
    assets: list[str] = []
    for v in results.variants:
        for a in v.summary["assets"]:
            if a["asset"] not in assets:
                assets.append(a["asset"])
    rows = []
    for v in results.variants:
        s = v.summary
        o = s["by_threat"][-1]
        hits = {a["asset"]: a for a in s["assets"]}
        rows.append(
            [
                f'<b class="name">{esc(v.name)}</b>',
                _num(o["launched_per_rep"], "{:.1f}"),
                _with_ci(o["p_leak"], o["p_leak_lo"], o["p_leak_hi"], "{:.3f}"),
                _with_ci(o["leakers_mean"], o["leakers_lo"], o["leakers_hi"]),
                *[
                    _with_ci(hits[n]["hits_mean"], hits[n]["hits_lo"], hits[n]["hits_hi"])
                    if n in hits
                    else "–"
                    for n in assets
                ],
                _num(o["killed_mean"], "{:.2f}"),
                _num(o["failed_mean"], "{:.2f}"),
                _num(s["interceptors_used_mean"], "{:.1f}"),
                _usd(s["interceptor_cost_mean_usd"]),
                _usd(s["cost_per_threat_stopped_usd"]),
                _usd(acquisition_cost_usd(v)),
            ]
        )
    headers = [
        "variant",
        "threats / rep",
        "P(leak) [95% CI]",
        "leakers / rep [95% CI]",
        *[f"hits on {n} / rep [95% CI]" for n in assets],
        "killed / rep",
        "failed / rep",
        "interceptors / rep",
        "interceptor cost / rep",
        "cost per threat stopped",
        "acquisition cost",
    ]
    return _table(headers, rows, numeric=set(range(1, len(headers))))


def variant_tables(v: VariantData) -> str:
    """The summary of one variant: per threat type, per asset, per fire unit."""
    s = v.summary
    threat_rows = [
        [
            esc(r["threat_class"]),
            esc(r["threat_type"]),
            _num(r["launched_per_rep"], "{:.1f}"),
            _num(r["p_leak"]),
            _ci(r["p_leak_lo"], r["p_leak_hi"]),
            _num(r["leakers_mean"], "{:.2f}"),
            _ci(r["leakers_lo"], r["leakers_hi"], "{:.2f}"),
            _num(r["killed_mean"], "{:.2f}"),
            _ci(r["killed_lo"], r["killed_hi"], "{:.2f}"),
            _num(r["failed_mean"], "{:.2f}"),
        ]
        for r in s["by_threat"]
    ]
    out = ["<h4>Threats</h4>"]
    out.append(
        _table(
            [
                "class",
                "threat",
                "per rep",
                "P(leak)",
                "95% CI",
                "leakers / rep",
                "95% CI",
                "killed / rep",
                "95% CI",
                "failed / rep",
            ],
            threat_rows,
            numeric=set(range(2, 10)),
        )
    )
    if s["assets"]:
        out.append("<h4>Defended assets</h4>")
        out.append(
            _table(
                ["asset", "value", "hits / rep", "95% CI", "P(hit)", "95% CI"],
                [
                    [
                        esc(a["asset"]),
                        _num(a["value"], "{:g}"),
                        _num(a["hits_mean"], "{:.2f}"),
                        _ci(a["hits_lo"], a["hits_hi"], "{:.2f}"),
                        _num(a["p_hit"]),
                        _ci(a["p_hit_lo"], a["p_hit_hi"]),
                    ]
                    for a in s["assets"]
                ],
                numeric={1, 2, 3, 4, 5},
            )
        )
    if s["fire_units"]:
        out.append("<h4>Fire units</h4>")
        out.append(
            _table(
                ["fire unit", "shots / rep", "95% CI", "interceptors left", "cost / rep"],
                [
                    [
                        esc(f["fire_unit"]),
                        _num(f["shots_mean"], "{:.2f}"),
                        _ci(f["shots_lo"], f["shots_hi"], "{:.2f}"),
                        _num(f["interceptors_left_mean"], "{:.1f}"),
                        _usd(f["interceptor_cost_mean_usd"]),
                    ]
                    for f in s["fire_units"]
                ],
                numeric={1, 2, 3, 4},
            )
        )
    out.append(
        '<p class="note">'
        f"Interceptors per replication: {_num(s['interceptors_used_mean'], '{:.2f}')} "
        f"{_ci(s['interceptors_used_lo'], s['interceptors_used_hi'], '{:.2f}')}; cost "
        f"{_usd(s['interceptor_cost_mean_usd'])} "
        f"[{_usd(s['interceptor_cost_lo_usd'])}, {_usd(s['interceptor_cost_hi_usd'])}]; "
        f"cost per threat stopped {_usd(s['cost_per_threat_stopped_usd'])}. "
        f"{s['replications']} replications, root seed {s['seed']}.</p>"
    )
    return "\n".join(out)


def _entries_used(results: ResultsData) -> tuple[list[str], list[str]]:
    systems: list[str] = []
    threats: list[str] = []
    sensors = {
        s.get("name"): s.get("system")
        for s in results.scenario.get("sensors") or []
        if isinstance(s, dict)
    }
    for v in results.variants:
        for f in v.fire_unit_sites:
            if f.get("system") and f["system"] not in systems:
                systems.append(f["system"])
        for r in v.radars:
            system = sensors.get(r["name"])
            if not r.get("owner") and system and system not in systems:
                systems.append(system)
        if not v.threats.empty:
            for t in v.threats["threat_type"].astype(str).unique():
                if t not in threats:
                    threats.append(t)
    return systems, threats


def catalog_tables(results: ResultsData) -> str:
    """Every catalog figure of the systems and threats used, with claim type and sources."""
    from iadsim.catalog.present import iter_figures

    catalog = results.catalog
    systems, threats = _entries_used(results)
    blocks = []
    for kind, names, book in (
        ("system", systems, catalog.systems),
        ("threat", threats, catalog.threats),
    ):
        for name in names:
            entry = book.get(name)
            if entry is None:
                blocks.append(f'<p class="note">{esc(name)}: not in the catalog.</p>')
                continue
            rows = []
            for path, fig in iter_figures(entry):
                span = f"{fig.range[0]:g}–{fig.range[1]:g}" if fig.range else ""
                links = " ".join(
                    f'<a href="{esc(u)}" rel="noreferrer noopener" target="_blank">'
                    f"{esc(_host(u))}</a>"
                    for u in fig.sources
                )
                rows.append(
                    [
                        f"<code>{esc(path)}</code>",
                        esc(f"{fig.value:.6g}"),
                        esc(fig.unit),
                        esc(span),
                        f'<span class="claim claim-{esc(fig.claim)}">{esc(fig.claim)}</span>',
                        links,
                        esc(fig.note),
                    ]
                )
            display = getattr(entry, "display_name", "") or name
            summary = getattr(entry, "summary", "") or ""
            table = _table(
                ["figure", "value", "unit", "range", "claim", "sources", "note"],
                rows,
                numeric={1},
            )
            blocks.append(
                f'<details class="catalog-entry" data-entry="{esc(name)}">'
                f"<summary>{esc(kind)} <code>{esc(name)}</code>: {esc(display)} "
                f"({len(rows)} figures)</summary>"
                f'<p class="note">{esc(summary)}</p>{table}</details>'
            )
    return "\n".join(blocks) or '<p class="note">No catalog entries used.</p>'


def _host(url: str) -> str:
    m = re.match(r"https?://([^/]+)", url)
    return m.group(1) if m else url
