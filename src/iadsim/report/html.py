"""The offline HTML report: one self-contained file with a map, plots, tables and sources.

:func:`build_report` reads a results directory of ``iadsim run`` and writes a single HTML file
that opens anywhere with no network at all:

- Leaflet (vendored in ``report/vendor/leaflet``) and plotly.js (from the ``plotly`` package)
  are inlined once; the map has no tile server: Natural Earth borders are the base map and the
  packaged GLOBE DEM gives an optional hillshade (a PNG ``data:`` URI on a Leaflet
  ``imageOverlay``, resampled to Web Mercator rows so it lines up with the vectors);
- a strict Content-Security-Policy (``default-src 'none'``, inline scripts and styles,
  ``data:`` images) makes the browser refuse any stray fetch;
- per variant (a selector switches them): assets, fire units with range rings, radars with
  their sectors, coverage per altitude band, trajectories of replication 0 coloured by fate,
  and where leakers came down over all replications; a layer control and a scale bar;
- plots: leakers per replication, P(leak) per threat class with 95% Wilson intervals,
  interceptors spent per fire unit, and a timeline of replication 0 per variant;
- tables: the summary of every variant, every catalog figure of the systems and threats used
  (value, unit, claim type, source links) and the scenario as run.

The file is written atomically (temporary file, then ``os.replace``).
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import re
import string
from importlib import resources
from pathlib import Path

import numpy as np

from iadsim.analysis.uncertainty_report import html_section
from iadsim.atomic import atomic_path
from iadsim.report import figures
from iadsim.report.coverage import load_borders
from iadsim.report.exports import (
    ASSET_COLOR,
    BAND_COLORS,
    FATE_COLORS,
    FIRE_UNIT_COLOR,
    RADAR_COLOR,
    ResultsData,
    VariantData,
    load_results,
    variant_features,
)
from iadsim.terrain import Dem

__all__ = ["CSP", "build_report", "hillshade_overlay"]

#: Content-Security-Policy of the report: nothing may be fetched; only inline code runs.
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; font-src 'none'; connect-src 'none'; frame-src 'none'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'"
)

#: Leaker impact points drawn on the map, at most (the first replications, in order).
MAX_LEAK_POINTS = 4000


# ------------------------------------------------------------------------------ resources
def _resource(*parts: str) -> resources.abc.Traversable:
    return resources.files("iadsim.report").joinpath(*parts)


def _text(*parts: str) -> str:
    return _resource(*parts).read_text(encoding="utf-8")


def _leaflet_css() -> str:
    """Leaflet's CSS with its ``url(images/x.png)`` references inlined as data URIs."""
    css = _text("vendor", "leaflet", "leaflet.css")

    def inline(m: re.Match) -> str:
        png = _resource("vendor", "leaflet", "images", m.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(png).decode('ascii')})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", inline, css)
    # the IE-only VML behaviour is the one url() left; drop it (nothing may be fetched)
    return css.replace("behavior: url(#default#VML);", "")


def _no_source_map(js: str) -> str:
    return re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE)


def _script_safe(text: str) -> str:
    """Text for inside <script>: a literal ``</script`` would end the element early."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def _json_for_html(obj) -> str:
    # JSON allows "\/" for "/": no "</script>" or "<!--" can appear in the data block
    text = json.dumps(obj, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


# ------------------------------------------------------------------------------ hillshade
def _mercator_y(lat_deg):
    lat = np.radians(np.clip(lat_deg, -85.0, 85.0))
    return np.log(np.tan(np.pi / 4.0 + lat / 2.0))


def hillshade_overlay(
    dem: Dem,
    bounds: tuple[float, float, float, float],
    *,
    max_px: int = 900,
    azimuth_deg: float = 315.0,
    altitude_deg: float = 45.0,
    z_factor: float = 4.0,
) -> dict | None:
    """A hillshade of ``dem`` over ``bounds`` as a PNG data URI for a Leaflet imageOverlay.

    Shading follows the usual Lambertian hillshade (sun at ``azimuth_deg``, ``altitude_deg``;
    slopes from central differences, vertical exaggeration ``z_factor``). Only the departure
    from flat ground is drawn: darker slopes as black, lit slopes as white, with alpha growing
    with the departure, so plains and sea stay transparent. Rows are resampled to equal steps
    of Web-Mercator y so the picture lines up with Leaflet's vectors.

    Parameters
    ----------
    dem : Dem
        A DEM on a geographic (lon/lat) grid.
    bounds : (west, south, east, north)
        Area wanted; clipped to the DEM. [deg]
    max_px : int
        Largest side of the picture. [px]

    Returns
    -------
    dict or None
        ``{"url": "data:image/png;base64,...", "bounds": [[south, west], [north, east]]}``,
        or None if the DEM is not geographic or does not overlap ``bounds``.
    """
    from PIL import Image

    tr = dem.transform
    if not dem.crs.is_geographic or tr.b != 0 or tr.d != 0:
        return None
    rows, cols = dem.shape
    west, south, east, north = bounds
    c0 = max(math.floor((west - tr.c) / tr.a), 0)
    c1 = min(math.ceil((east - tr.c) / tr.a), cols)
    r0 = max(math.floor((north - tr.f) / tr.e), 0)
    r1 = min(math.ceil((south - tr.f) / tr.e), rows)
    if c1 - c0 < 4 or r1 - r0 < 4:
        return None
    z = np.nan_to_num(dem.elevation_grid_m[r0:r1, c0:c1].astype(np.float64), nan=0.0)
    lat = tr.f + (np.arange(r0, r1) + 0.5) * tr.e
    dy_m = abs(tr.e) * 110_574.0
    dx_m = abs(tr.a) * 111_320.0 * np.cos(np.radians(lat))[:, None]
    gy, gx = np.gradient(z * z_factor)
    # rows run southwards (tr.e < 0): north-facing gradient is -gy
    dzdx, dzdy = gx / dx_m, -gy / dy_m
    az = math.radians(azimuth_deg)
    alt = math.radians(altitude_deg)
    slope = np.arctan(np.hypot(dzdx, dzdy))
    aspect = np.arctan2(-dzdx, -dzdy)  # direction the slope faces, clockwise from north
    shade = np.sin(alt) * np.cos(slope) + np.cos(alt) * np.sin(slope) * np.cos(az - aspect)
    dev = shade - math.sin(alt)

    # decimate to at most max_px on the long side (block means)
    step = max(1, math.ceil(max(dev.shape) / max_px))
    h, w = dev.shape[0] // step * step, dev.shape[1] // step * step
    dev = dev[:h, :w].reshape(h // step, step, w // step, step).mean(axis=(1, 3))
    north_edge = tr.f + r0 * tr.e
    south_edge = tr.f + (r0 + h) * tr.e
    west_edge = tr.c + c0 * tr.a
    east_edge = tr.c + (c0 + w) * tr.a
    # resample rows to equal Web-Mercator steps
    n_rows = dev.shape[0]
    y = np.linspace(_mercator_y(north_edge), _mercator_y(south_edge), n_rows)
    lat_rows = np.degrees(2.0 * np.arctan(np.exp(y)) - np.pi / 2.0)
    src = np.clip(
        ((north_edge - lat_rows) / (north_edge - south_edge) * n_rows).astype(int), 0, n_rows - 1
    )
    dev = dev[src]
    lum = np.where(dev < 0, 0, 255).astype(np.uint8)
    # alpha in 16 levels: invisible on screen, and the PNG compresses several times better
    alpha = (np.clip(np.abs(dev) * 1.6, 0.0, 0.8) * 15).round().astype(np.uint8) * 17
    img = Image.fromarray(np.dstack([lum, alpha]), mode="LA")
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=6)
    return {
        "url": "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii"),
        "bounds": [[south_edge, west_edge], [north_edge, east_edge]],
    }


# ------------------------------------------------------------------------------ map data
def _feature_bounds(
    features: list[dict], layers: set[str]
) -> tuple[float, float, float, float] | None:
    xs: list[float] = []
    ys: list[float] = []

    def walk(c):
        if isinstance(c[0], (int, float)):
            xs.append(c[0])
            ys.append(c[1])
        else:
            for x in c:
                walk(x)

    for f in features:
        if f["properties"].get("layer") in layers and f["geometry"]["coordinates"]:
            walk(f["geometry"]["coordinates"])
    if not xs:
        return None
    return (min(xs), min(ys), max(xs), max(ys))


def _pad(b: tuple[float, float, float, float], frac: float = 0.08, min_deg: float = 0.3):
    w, s, e, n = b
    dx = max((e - w) * frac, min_deg)
    dy = max((n - s) * frac, min_deg)
    return (w - dx, s - dy, e + dx, n + dy)


def _compact_leaks(features: list[dict]) -> list[dict]:
    """Leaker impact points as one MultiPoint (a tenth of the size of one feature each)."""
    leaks = [f["geometry"]["coordinates"] for f in features if f["properties"]["layer"] == "leak"]
    rest = [f for f in features if f["properties"]["layer"] != "leak"]
    if not leaks:
        return rest
    return [
        *rest,
        {
            "type": "Feature",
            "properties": {"layer": "leak", "count": len(leaks)},
            "geometry": {
                "type": "MultiPoint",
                "coordinates": [[round(x, 4), round(y, 4)] for x, y in leaks],
            },
        },
    ]


_FOCUS = {"asset", "fire_unit", "radar", "trajectory", "impact", "intercept", "range_ring"}
_ALL = _FOCUS | {"asset_area", "radar_sector", "coverage", "leak"}


# ------------------------------------------------------------------------------ tables
def _esc(x) -> str:
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
        f'<th class="num">{_esc(h)}</th>' if i in numeric else f"<th>{_esc(h)}</th>"
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
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def comparison_table(results: ResultsData) -> str:
    """One row per variant: overall P(leak), leakers, kills, interceptors, cost."""
    rows = []
    for v in results.variants:
        s = v.summary
        o = s["by_threat"][-1]
        rows.append(
            [
                f"<b>{_esc(v.name)}</b>",
                _num(o["launched_per_rep"], "{:.1f}"),
                _num(o["p_leak"]),
                _ci(o["p_leak_lo"], o["p_leak_hi"]),
                _num(o["leakers_mean"], "{:.2f}"),
                _ci(o["leakers_lo"], o["leakers_hi"], "{:.2f}"),
                _num(o["killed_mean"], "{:.2f}"),
                _num(o["failed_mean"], "{:.2f}"),
                _num(s["interceptors_used_mean"], "{:.1f}"),
                _usd(s["interceptor_cost_mean_usd"]),
                _usd(s["cost_per_threat_stopped_usd"]),
            ]
        )
    return _table(
        [
            "variant",
            "threats / rep",
            "P(leak)",
            "95% CI",
            "leakers / rep",
            "95% CI",
            "killed / rep",
            "failed / rep",
            "interceptors / rep",
            "cost / rep",
            "cost per threat stopped",
        ],
        rows,
        numeric=set(range(1, 11)),
    )


def variant_tables(v: VariantData) -> str:
    """The summary of one variant: per threat type, per asset, per fire unit."""
    s = v.summary
    threat_rows = [
        [
            _esc(r["threat_class"]),
            _esc(r["threat_type"]),
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
                        _esc(a["asset"]),
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
                        _esc(f["fire_unit"]),
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
                blocks.append(f'<p class="note">{_esc(name)}: not in the catalog.</p>')
                continue
            rows = []
            for path, fig in iter_figures(entry):
                span = f"{fig.range[0]:g}–{fig.range[1]:g}" if fig.range else ""
                links = " ".join(
                    f'<a href="{_esc(u)}" rel="noreferrer noopener" target="_blank">'
                    f"{_esc(_host(u))}</a>"
                    for u in fig.sources
                )
                rows.append(
                    [
                        f"<code>{_esc(path)}</code>",
                        _esc(f"{fig.value:.6g}"),
                        _esc(fig.unit),
                        _esc(span),
                        f'<span class="claim claim-{_esc(fig.claim)}">{_esc(fig.claim)}</span>',
                        links,
                        _esc(fig.note),
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
                f'<details class="catalog-entry" data-entry="{_esc(name)}">'
                f"<summary>{_esc(kind)} <code>{_esc(name)}</code>: {_esc(display)} "
                f"({len(rows)} figures)</summary>"
                f'<p class="note">{_esc(summary)}</p>{table}</details>'
            )
    return "\n".join(blocks) or '<p class="note">No catalog entries used.</p>'


def _host(url: str) -> str:
    m = re.match(r"https?://([^/]+)", url)
    return m.group(1) if m else url


# ------------------------------------------------------------------------------ plots
COMPARISON_DIVS = ("plot-leakers", "plot-p-leak", "plot-shots")
_PLOT_LAYOUT = dict(
    template="plotly_white",
    margin=dict(l=60, r=20, t=50, b=50),
    legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
    font=dict(family="system-ui, sans-serif", size=12),
)


def _timeline_div(index: int) -> str:
    return f"plot-timeline-{index}"


def _fig_json(fig) -> dict:
    return json.loads(fig.to_json())


def _variant_palette(results: ResultsData) -> dict[str, str]:
    return figures.variant_colors(results)


def report_plots(results: ResultsData) -> dict[str, dict]:
    """The report's plotly figures as JSON-ready dicts, keyed by the id of their div."""
    import plotly.graph_objects as go

    colors = _variant_palette(results)
    out: dict[str, dict] = {}

    fig = go.Figure()
    for name, d in figures.leakers_data(results).items():
        fig.add_bar(
            x=d["leakers"],
            y=d["share"],
            name=name,
            marker_color=colors[name],
            hovertemplate="%{y:.1%} of replications had %{x} leakers<extra>" + name + "</extra>",
        )
    fig.update_layout(
        title="Leakers per replication",
        barmode="group",
        bargap=0.15,
        xaxis_title="leakers per replication",
        yaxis_title="share of replications",
        yaxis_tickformat=".0%",
        **_PLOT_LAYOUT,
    )
    out["plot-leakers"] = _fig_json(fig)

    d = figures.p_leak_data(results)
    fig = go.Figure()
    for name in dict.fromkeys(d["variant"]):
        sub = d[d["variant"] == name]
        fig.add_bar(
            x=sub["threat_class"],
            y=sub["p"],
            name=name,
            marker_color=colors[name],
            error_y=dict(
                type="data",
                symmetric=False,
                array=sub["hi"] - sub["p"],
                arrayminus=sub["p"] - sub["lo"],
            ),
            customdata=np.column_stack([sub["lo"], sub["hi"], sub["leaked"], sub["n"]]),
            hovertemplate=(
                "P(leak) %{y:.3f} [%{customdata[0]:.3f}, %{customdata[1]:.3f}]<br>"
                "%{customdata[2]} of %{customdata[3]} threats<extra>" + name + "</extra>"
            ),
        )
    fig.update_layout(
        title="P(leak) per threat class, 95% Wilson interval",
        barmode="group",
        yaxis=dict(title="P(leak)", range=[0, 1.05]),
        xaxis_title="threat class",
        **_PLOT_LAYOUT,
    )
    out["plot-p-leak"] = _fig_json(fig)

    d = figures.shots_data(results)
    if not d.empty:
        fig = go.Figure()
        for name in dict.fromkeys(d["variant"]):
            sub = d[d["variant"] == name]
            fig.add_bar(
                x=sub["fire_unit"],
                y=sub["mean"],
                name=name,
                marker_color=colors[name],
                error_y=dict(
                    type="data",
                    symmetric=False,
                    array=(sub["hi"] - sub["mean"]).fillna(0),
                    arrayminus=(sub["mean"] - sub["lo"]).fillna(0),
                ),
                customdata=sub[["left"]].to_numpy(),
                hovertemplate="%{y:.2f} fired per replication, %{customdata[0]:.1f} left"
                "<extra>" + name + "</extra>",
            )
        fig.update_layout(
            title="Interceptors spent per fire unit (mean per replication, 95% interval)",
            barmode="group",
            yaxis_title="interceptors per replication",
            xaxis_title="fire unit",
            **_PLOT_LAYOUT,
        )
        out["plot-shots"] = _fig_json(fig)

    for i, v in enumerate(results.variants):
        out[_timeline_div(i)] = _fig_json(_timeline_plot(v))
    return out


def _timeline_plot(v: VariantData):
    import plotly.graph_objects as go

    flights, events = figures.timeline_data(v)
    fig = go.Figure()
    for fate, color in FATE_COLORS.items():
        sub = flights[flights["fate"] == fate]
        if sub.empty:
            continue
        xs: list = []
        ys: list = []
        for row in sub.itertuples():
            xs += [row.start_s, row.end_s, None]
            ys += [row.label, row.label, None]
        fig.add_scatter(
            x=xs,
            y=ys,
            mode="lines",
            line=dict(color=color, width=6),
            opacity=0.55,
            name=f"flight ({fate})",
            hoverinfo="skip",
        )
    if not events.empty:
        for kind, (label, _, symbol, color) in figures.EVENT_STYLES.items():
            e = events[events["event"] == kind]
            if e.empty:
                continue
            fig.add_scatter(
                x=e["time_s"],
                y=e["label"],
                mode="markers",
                name=label,
                marker=dict(symbol=symbol, color=color, size=10, line=dict(width=1.5, color=color)),
                customdata=np.column_stack([e["by"].fillna("").astype(str), e["shots"]]),
                hovertemplate="%{y}<br>t=%{x:.0f} s: " + label + " %{customdata[0]}<extra></extra>",
            )
    layout = dict(_PLOT_LAYOUT)
    fig.update_layout(
        title=f"{v.name}: replication 0, threat by threat",
        xaxis_title="time from scenario start [s]",
        yaxis=dict(
            autorange="reversed", categoryorder="array", categoryarray=list(flights["label"])
        ),
        height=max(320, 28 * len(flights) + 140),
        **layout,
    )
    return fig


# ------------------------------------------------------------------------------ building
def _variant_description(results: ResultsData, name: str) -> str:
    for v in results.scenario.get("variants") or []:
        if isinstance(v, dict) and v.get("name") == name:
            return str(v.get("description") or "")
    return ""


def build_report(
    results_dir: str | Path,
    out_path: str | Path | None = None,
    *,
    hillshade: bool = True,
    coverage: bool = True,
) -> Path:
    """Write the self-contained offline HTML report of a results directory.

    Parameters
    ----------
    results_dir : path
        A results directory written by ``iadsim run`` (``scenario.yaml`` and one
        sub-directory per variant), or a single variant's directory.
    out_path : path, optional
        The HTML file; default ``results_dir/report.html``.
    hillshade : bool
        Draw the packaged DEM's relief under the vectors (adds a few hundred kB).
    coverage : bool
        Compute and draw the radars' terrain coverage per altitude band.

    Returns
    -------
    Path
        The report written.
    """
    import plotly
    from plotly.offline import get_plotlyjs

    import iadsim

    results = load_results(results_dir)
    out = Path(out_path) if out_path is not None else results.directory / "report.html"
    need_dem = hillshade or (coverage and any(v.radars for v in results.variants))
    dem = Dem.default() if need_dem else None
    cache: dict = {}
    variants = []
    all_bounds = []
    for v in results.variants:
        fc = variant_features(
            results, v, coverage=coverage, max_leak_points=MAX_LEAK_POINTS, dem=dem, cache=cache
        )
        focus = _feature_bounds(fc["features"], _FOCUS) or _feature_bounds(fc["features"], _ALL)
        focus = _pad(focus or (40.0, 30.0, 50.0, 38.0))
        whole = _feature_bounds(fc["features"], _ALL) or focus
        all_bounds.append(whole)
        features = _compact_leaks(fc["features"])
        variants.append(
            {
                "name": v.name,
                "description": _variant_description(results, v.name),
                "bounds": [[focus[1], focus[0]], [focus[3], focus[2]]],
                "notes": fc["notes"],
                "features": {"type": "FeatureCollection", "features": features},
            }
        )
    relief = None
    if hillshade and dem is not None:
        b = (
            min(x[0] for x in all_bounds),
            min(x[1] for x in all_bounds),
            max(x[2] for x in all_bounds),
            max(x[3] for x in all_bounds),
        )
        relief = hillshade_overlay(dem, _pad(b, 0.05, 0.5))

    plot_figs = report_plots(results)
    data = {
        "scenario": results.scenario_name,
        "colors": {
            "fates": FATE_COLORS,
            "bands": {f"{k:g}": c for k, c in BAND_COLORS.items()},
            "asset": ASSET_COLOR,
            "fire_unit": FIRE_UNIT_COLOR,
            "radar": RADAR_COLOR,
        },
        "borders": load_borders(),
        "hillshade": relief,
        "variants": variants,
        "plots": [{"div": div, "figure": fig} for div, fig in plot_figs.items()],
    }

    blocks = []
    for i, v in enumerate(results.variants):
        div = _timeline_div(i)
        blocks.append(
            f'<div class="variant-block" data-variant="{_esc(v.name)}">'
            f"<h3>{_esc(v.name)}</h3>"
            f'<p class="muted">{_esc(_variant_description(results, v.name))}</p>'
            f'<div class="plot wide" id="{div}"></div>'
            f"{variant_tables(v)}</div>"
        )
    reps = sorted({v.replications for v in results.variants})
    meta_line = (
        f"{len(results.variants)} variant(s), {', '.join(map(str, reps))} replications each, "
        f"root seed {results.variants[0].meta.get('seed')}; iadsim {iadsim.__version__}"
    )
    description = (results.scenario.get("description") or "").strip()
    scenario_block = (
        f"<pre>{_esc(results.scenario_yaml)}</pre>"
        if results.scenario_yaml
        else '<p class="note">scenario.yaml was not found beside the results.</p>'
    )
    page = string.Template(_text("templates", "report.html")).substitute(
        csp=CSP,
        version=_esc(iadsim.__version__),
        title=_esc(f"iadsim report: {results.scenario_name}"),
        description=_esc(description),
        meta_line=_esc(meta_line),
        variant_options="".join(
            f'<option value="{_esc(v.name)}">{_esc(v.name)}</option>' for v in results.variants
        ),
        leak_note=f" (at most {MAX_LEAK_POINTS:,} points drawn)",
        # the uncertainty study's section, when one was written beside the results
        comparison_table=comparison_table(results) + html_section(results.directory),
        comparison_plots="".join(
            f'<div class="plot" id="{div}"></div>' for div in COMPARISON_DIVS if div in plot_figs
        ),
        variant_blocks="\n".join(blocks),
        catalog_tables=catalog_tables(results),
        scenario_block=scenario_block,
        results_dir=_esc(str(results.directory)),
        plotly_version=_esc(getattr(plotly, "__version__", "")),
        leaflet_license=_esc(_text("vendor", "leaflet", "LICENSE")),
        leaflet_css=_leaflet_css(),
        report_css=_text("templates", "report.css"),
        data_json=_json_for_html(data),
        leaflet_js=_script_safe(_no_source_map(_text("vendor", "leaflet", "leaflet.js"))),
        plotly_js=_script_safe(_no_source_map(get_plotlyjs())),
        report_js=_script_safe(_text("templates", "report.js")),
    )
    with atomic_path(out) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return out
