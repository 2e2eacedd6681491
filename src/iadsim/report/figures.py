"""Publication figures (matplotlib, PNG and SVG) of a results directory.

:func:`write_figures` draws the numbers of :mod:`iadsim.report.plotdata` and the map features
of :mod:`iadsim.report.features`, for papers:

- ``leakers``: distribution of the number of leakers per replication, per variant;
- ``p-leak``: P(leak) per threat class with its 95% Wilson interval, per variant;
- ``shots``: interceptors spent per fire unit (mean per replication, 95% t interval);
- ``<variant>-timeline``: replication 0 of a variant: each threat's flight, detections,
  launches, kills, misses, impacts and failures;
- ``<variant>-map``: borders, coverage per altitude band, range rings, trajectories of
  replication 0 coloured by fate, leaker impact points, assets and fire units.

SVGs are written without a date and with a fixed hash salt, so the same results give the same
files. Every file is written atomically.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from iadsim.report.data import (
    ASSET_COLOR,
    EVENT_STYLES,
    FATE_COLORS,
    FIRE_UNIT_COLOR,
    LAUNCH_COLOR,
    RADAR_COLOR,
    RING_COLOR,
    ResultsData,
    VariantData,
    atomic_write,
    load_results,
    variant_colors,
)
from iadsim.report.features import variant_features
from iadsim.report.plotdata import leakers_data, p_leak_data, shots_data, timeline_data

__all__ = ["write_figures"]


# ------------------------------------------------------------------------------ matplotlib
def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, out_dir: Path, stem: str, formats: Iterable[str]) -> list[Path]:
    paths = []
    for fmt in formats:
        meta = {"Date": None} if fmt == "svg" else {}
        if fmt == "png":
            meta = {"Software": None}

        def write(tmp, fmt=fmt, meta=meta):
            fig.savefig(tmp, format=fmt, dpi=160, bbox_inches="tight", metadata=meta)

        paths.append(atomic_write(out_dir / f"{stem}.{fmt}", write))
    return paths


def _leakers_figure(results: ResultsData):
    plt = _plt()
    data = leakers_data(results)
    colors = variant_colors(results)
    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.8 / max(len(data), 1)
    for i, (name, d) in enumerate(data.items()):
        ax.bar(
            d["leakers"] + (i - (len(data) - 1) / 2) * width,
            d["share"],
            width,
            label=name,
            color=colors[name],
        )
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("leakers per replication")
    ax.set_ylabel("share of replications")
    ax.set_title("Distribution of leakers per replication")
    # beside the axes: inside, seven or more variants covered the bars
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig


def _p_leak_figure(results: ResultsData):
    plt = _plt()
    d = p_leak_data(results)
    colors = variant_colors(results)
    classes = list(dict.fromkeys(d["threat_class"]))
    variants = list(dict.fromkeys(d["variant"]))
    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.8 / max(len(variants), 1)
    for i, name in enumerate(variants):
        sub = d[d["variant"] == name].set_index("threat_class").reindex(classes)
        x = np.arange(len(classes)) + (i - (len(variants) - 1) / 2) * width
        err = np.vstack([sub["p"] - sub["lo"], sub["hi"] - sub["p"]])
        ax.bar(x, sub["p"], width, yerr=err, capsize=3, label=name, color=colors[name])
    ax.set_xticks(np.arange(len(classes)), classes)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("P(leak) [95% Wilson interval]")
    ax.set_title("Probability that a threat leaks, per threat class")
    # beside the axes: inside, seven or more variants covered the bars
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig


def _shots_figure(results: ResultsData):
    plt = _plt()
    d = shots_data(results)
    colors = variant_colors(results)
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.45 * len(d) + 1.2)))
    if d.empty:
        ax.text(0.5, 0.5, "no fire units in any variant", ha="center", va="center")
        ax.set_axis_off()
        return fig
    labels = [f"{fu}\n({var})" for var, fu in zip(d["variant"], d["fire_unit"], strict=True)]
    y = np.arange(len(d))
    err = np.vstack([d["mean"] - d["lo"].fillna(d["mean"]), d["hi"].fillna(d["mean"]) - d["mean"]])
    ax.barh(y, d["mean"], xerr=err, capsize=3, color=[colors[v] for v in d["variant"]])
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel("interceptors fired per replication [95% interval]")
    ax.set_title("Interceptors spent per fire unit")
    ax.grid(axis="x", alpha=0.3)
    return fig


def _timeline_figure(v: VariantData):
    plt = _plt()
    flights, events = timeline_data(v)
    fig, ax = plt.subplots(figsize=(9, max(3.0, 0.28 * len(flights) + 1.5)))
    for i, row in enumerate(flights.itertuples()):
        ax.plot(
            [row.start_s, row.end_s],
            [i, i],
            color=FATE_COLORS.get(row.fate, "k"),
            lw=2.5,
            alpha=0.6,
        )
    for fate, color in FATE_COLORS.items():
        if (flights["fate"] == fate).any():
            ax.plot([], [], color=color, lw=2.5, alpha=0.6, label=f"flight ({fate})")
    ypos = {j: i for i, j in enumerate(flights["threat"])}
    if not events.empty:
        for kind, (label, marker, _, color) in EVENT_STYLES.items():
            e = events[events["event"] == kind]
            if len(e):
                ax.scatter(
                    e["time_s"],
                    e["threat"].map(ypos),
                    marker=marker,
                    color=color,
                    s=36,
                    label=label,
                    zorder=3,
                    facecolors="none" if kind in ("track", "miss") else color,
                )
    ax.set_yticks(range(len(flights)), flights["label"], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("time from scenario start [s]")
    ax.set_title(f"{v.name}: replication 0")
    ax.grid(axis="x", alpha=0.3)
    if not flights.empty:
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _label_sites(ax, sites: list[tuple[float, float, str, str]], obstacles) -> None:
    """Label assets and fire units so that no two names overlap, with leader lines.

    adjustText moves each label away from the other labels and from the site markers (and
    draws a thin line back to its site when it had to move far); sites that stand together,
    an asset with the fire units around it, otherwise give one unreadable blob of names.
    """
    from adjustText import adjust_text

    texts = [
        ax.text(
            x,
            y,
            name,
            fontsize=7,
            color=color,
            zorder=8,
            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8),
        )
        for x, y, name, color in sites
    ]
    if not texts:
        return
    xs = [x for x, _, _, _ in sites] + [x for x, _ in obstacles]
    ys = [y for _, y, _, _ in sites] + [y for _, y in obstacles]
    adjust_text(
        texts,
        x=xs,
        y=ys,
        ax=ax,
        expand=(1.3, 1.6),
        force_explode=(0.3, 0.6),
        arrowprops=dict(arrowstyle="-", color="#444444", lw=0.6, shrinkA=1, shrinkB=3),
        min_arrow_len=4,
        ensure_inside_axes=True,
    )


def _map_figure(results: ResultsData, v: VariantData, fc: dict):
    from matplotlib.lines import Line2D
    from shapely.geometry import shape

    from iadsim.report.coverage import load_borders

    plt = _plt()
    feats = fc["features"]
    focus = [
        f
        for f in feats
        if f["properties"]["layer"] in ("asset", "fire_unit", "trajectory", "range_ring", "launch")
    ]
    xs, ys = [], []
    for f in focus:
        b = shape(f["geometry"]).bounds
        xs += [b[0], b[2]]
        ys += [b[1], b[3]]
    west, east = min(xs) - 0.4, max(xs) + 0.4
    south, north = min(ys) - 0.4, max(ys) + 0.4
    fig, ax = plt.subplots(figsize=(9.5, 7))
    ax.set_facecolor("#cfe0ee")
    for feat in load_borders()["features"]:
        geom = shape(feat["geometry"])
        for poly in getattr(geom, "geoms", [geom]):
            x, y = poly.exterior.xy
            ax.fill(x, y, facecolor="#f4f1ea", edgecolor="#6b6b6b", lw=0.5, zorder=1)
    cov = sorted(
        (f for f in feats if f["properties"]["layer"] == "coverage"),
        key=lambda f: -f["properties"]["altitude_m"],
    )
    handles = []
    for f in cov:
        geom = shape(f["geometry"])
        for poly in getattr(geom, "geoms", [geom]):
            x, y = poly.exterior.xy
            ax.fill(x, y, facecolor=f["properties"]["color"], alpha=0.3, lw=0, zorder=2)
        handles.append(
            plt.Rectangle(
                (0, 0),
                1,
                1,
                facecolor=f["properties"]["color"],
                alpha=0.3,
                label=f"seen ≥ {f['properties']['altitude_m']:g} m AGL",
            )
        )
    styles = (
        ("range_ring", RING_COLOR, "--", 1.2, "interceptor range (wedge: sector)"),
        ("radar_sector", RADAR_COLOR, ":", 1.2, "radar instrumented range"),
        ("asset_area", ASSET_COLOR, "-", 0.8, None),
    )
    for layer, color, style, lw, label in styles:
        drawn = False
        for f in feats:
            if f["properties"]["layer"] == layer:
                x, y = shape(f["geometry"]).exterior.xy
                ax.plot(x, y, color=color, ls=style, lw=lw, zorder=3)
                drawn = True
        if drawn and label:
            handles.append(Line2D([], [], color=color, ls=style, lw=lw, label=label))
    fates = set()
    for f in feats:
        p = f["properties"]
        if p["layer"] == "trajectory":
            c = np.asarray(f["geometry"]["coordinates"])
            ax.plot(c[:, 0], c[:, 1], color=p["color"], lw=1.4, zorder=4)
            fates.add(p["fate"])
    for fate, color in FATE_COLORS.items():
        if fate in fates:
            handles.append(
                Line2D([], [], color=color, lw=2, label=f"threat {fate} (replication 0)")
            )
    leaks = np.array(
        [f["geometry"]["coordinates"] for f in feats if f["properties"]["layer"] == "leak"]
    )
    if len(leaks):
        ax.scatter(
            leaks[:, 0], leaks[:, 1], s=3, color=FATE_COLORS["leaked"], alpha=0.25, lw=0, zorder=5
        )
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                ms=3,
                color=FATE_COLORS["leaked"],
                alpha=0.5,
                label="leaker impacts (all replications)",
            )
        )
    sites: list[tuple[float, float, str, str]] = []
    obstacles: list[tuple[float, float]] = []
    for layer, color, marker, size, label in (
        ("launch", LAUNCH_COLOR, "D", 30, "launch point"),
        ("radar", RADAR_COLOR, "o", 14, "radar"),
        ("asset", ASSET_COLOR, "o", 60, "defended asset"),
        ("fire_unit", FIRE_UNIT_COLOR, "^", 50, "fire unit"),
    ):
        pts = [f for f in feats if f["properties"]["layer"] == layer]
        for f in pts:
            x, y = f["geometry"]["coordinates"][:2]
            ax.scatter([x], [y], color=color, marker=marker, s=size, edgecolor="white", zorder=6)
            if layer in ("asset", "fire_unit"):
                sites.append((x, y, f["properties"]["name"], color))
            else:
                obstacles.append((x, y))
        if pts:
            handles.append(
                Line2D(
                    [],
                    [],
                    ls="",
                    marker=marker,
                    ms=math.sqrt(size),
                    color=color,
                    markeredgecolor="white",
                    label=label,
                )
            )
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1.0 / max(math.cos(math.radians((south + north) / 2)), 0.1))
    ax.set_xlabel("longitude [deg]")
    ax.set_ylabel("latitude [deg]")
    ax.set_title(f"{results.scenario_name}: {v.name}")
    # outside the map, so it hides no site, ring or trajectory
    ax.legend(
        handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False
    )
    _label_sites(ax, sites, obstacles)
    return fig


def write_figures(
    results: ResultsData | str | Path,
    out_dir: str | Path,
    *,
    collections: dict[str, dict] | None = None,
    formats: Iterable[str] = ("png", "svg"),
) -> list[Path]:
    """Write the publication figures of a results directory (PNG and SVG by default).

    Parameters
    ----------
    results : ResultsData or path
        Loaded results, or a results directory.
    out_dir : path
        Directory to write into (created).
    collections : dict, optional
        The variants' feature collections (:func:`iadsim.report.exports.variant_features`),
        if already computed.
    formats : iterable of str
        matplotlib output formats.

    Returns
    -------
    list of Path
        ``leakers``, ``p-leak``, ``shots``, and per variant ``<variant>-timeline`` and
        ``<variant>-map``, in each format.
    """
    plt = _plt()
    if not isinstance(results, ResultsData):
        results = load_results(results)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    formats = tuple(formats)
    written: list[Path] = []
    with plt.rc_context({"svg.hashsalt": "iadsim", "svg.fonttype": "path"}):
        for stem, make in (
            ("leakers", _leakers_figure),
            ("p-leak", _p_leak_figure),
            ("shots", _shots_figure),
        ):
            fig = make(results)
            try:
                written += _save(fig, out, stem, formats)
            finally:
                plt.close(fig)
        for v in results.variants:
            fig = _timeline_figure(v)
            try:
                written += _save(fig, out, f"{v.name}-timeline", formats)
            finally:
                plt.close(fig)
            fc = (collections or {}).get(v.name) or variant_features(results, v)
            fig = _map_figure(results, v, fc)
            try:
                written += _save(fig, out, f"{v.name}-map", formats)
            finally:
                plt.close(fig)
    return written
