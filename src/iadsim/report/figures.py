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
    ax.set_xlabel("leakers per replication")
    ax.set_ylabel("share of replications")
    ax.set_title("Distribution of leakers per replication")
    ax.legend(frameon=False)
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
    ax.legend(frameon=False)
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
    if not events.empty:
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _map_figure(results: ResultsData, v: VariantData, fc: dict):
    from shapely.geometry import shape

    from iadsim.report.coverage import load_borders

    plt = _plt()
    feats = fc["features"]
    focus = [
        f
        for f in feats
        if f["properties"]["layer"] in ("asset", "fire_unit", "trajectory", "range_ring")
    ]
    xs, ys = [], []
    for f in focus:
        b = shape(f["geometry"]).bounds
        xs += [b[0], b[2]]
        ys += [b[1], b[3]]
    west, east = min(xs) - 0.4, max(xs) + 0.4
    south, north = min(ys) - 0.4, max(ys) + 0.4
    fig, ax = plt.subplots(figsize=(8, 7))
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
    for f in cov:
        geom = shape(f["geometry"])
        first = True
        for poly in getattr(geom, "geoms", [geom]):
            x, y = poly.exterior.xy
            ax.fill(
                x,
                y,
                facecolor=f["properties"]["color"],
                alpha=0.3,
                lw=0,
                zorder=2,
                label=f"seen ≥ {f['properties']['altitude_m']:g} m AGL" if first else None,
            )
            first = False
    for layer, color, style in (
        ("range_ring", RING_COLOR, "--"),
        ("radar_sector", RADAR_COLOR, ":"),
    ):
        for f in feats:
            if f["properties"]["layer"] == layer:
                x, y = shape(f["geometry"]).exterior.xy
                ax.plot(x, y, color=color, ls=style, lw=1.2, zorder=3)
    for f in feats:
        p = f["properties"]
        if p["layer"] == "trajectory":
            c = np.asarray(f["geometry"]["coordinates"])
            ax.plot(c[:, 0], c[:, 1], color=p["color"], lw=1.4, zorder=4)
    leaks = np.array(
        [f["geometry"]["coordinates"] for f in feats if f["properties"]["layer"] == "leak"]
    )
    if len(leaks):
        ax.scatter(
            leaks[:, 0], leaks[:, 1], s=3, color=FATE_COLORS["leaked"], alpha=0.25, lw=0, zorder=5
        )
    for layer, color, marker, size in (
        ("asset", ASSET_COLOR, "o", 60),
        ("fire_unit", FIRE_UNIT_COLOR, "^", 50),
    ):
        for f in feats:
            if f["properties"]["layer"] == layer:
                x, y = f["geometry"]["coordinates"][:2]
                ax.scatter(
                    [x], [y], color=color, marker=marker, s=size, edgecolor="white", zorder=6
                )
                ax.annotate(
                    f["properties"]["name"],
                    (x, y),
                    xytext=(5, 5),
                    textcoords="offset points",
                    fontsize=7,
                )
    for fate, color in FATE_COLORS.items():
        ax.plot([], [], color=color, lw=2, label=f"threat {fate}")
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1.0 / max(math.cos(math.radians((south + north) / 2)), 0.1))
    ax.set_xlabel("longitude [deg]")
    ax.set_ylabel("latitude [deg]")
    ax.set_title(f"{results.scenario_name}: {v.name}")
    ax.legend(fontsize=7, loc="lower left", framealpha=0.9)
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
