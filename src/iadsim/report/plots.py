"""The HTML report's plotly charts, as JSON-ready figure dicts (drawn by plotly.js).

The numbers come from :mod:`iadsim.report.plotdata`, as in the matplotlib figures.
"""

from __future__ import annotations

import json

import numpy as np

from iadsim.report.data import (
    EVENT_STYLES,
    FATE_COLORS,
    ResultsData,
    VariantData,
    variant_colors,
)
from iadsim.report.plotdata import leakers_data, p_leak_data, shots_data, timeline_data

__all__ = ["COMPARISON_DIVS", "report_plots", "timeline_div"]


COMPARISON_DIVS = ("plot-leakers", "plot-p-leak", "plot-shots")
#: A vertical legend right of the plot area: above it, a legend of seven or more variants
#: wrapped onto the title (and under plotly's mode bar); on the right, plotly widens the
#: margin to fit it, whatever the number of entries.
_PLOT_LAYOUT = dict(
    template="plotly_white",
    margin=dict(l=60, r=20, t=64, b=50),
    legend=dict(orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.02),
    font=dict(family="system-ui, sans-serif", size=12),
)


def _title(text: str) -> dict:
    # just above the plot area, below the mode bar that plotly puts in the figure's top corner
    return dict(
        text=text, x=0.01, xanchor="left", yref="paper", y=1.0, yanchor="bottom", pad=dict(b=10)
    )


def timeline_div(index: int) -> str:
    return f"plot-timeline-{index}"


def _fig_json(fig) -> dict:
    return json.loads(fig.to_json())


def report_plots(results: ResultsData) -> dict[str, dict]:
    """The report's plotly figures as JSON-ready dicts, keyed by the id of their div."""
    import plotly.graph_objects as go

    colors = variant_colors(results)
    out: dict[str, dict] = {}

    fig = go.Figure()
    for name, d in leakers_data(results).items():
        fig.add_bar(
            x=d["leakers"],
            y=d["share"],
            name=name,
            marker_color=colors[name],
            hovertemplate="%{y:.1%} of replications had %{x} leakers<extra>" + name + "</extra>",
        )
    fig.update_layout(
        title=_title("Leakers per replication"),
        barmode="group",
        bargap=0.15,
        xaxis_title="leakers per replication",
        yaxis_title="share of replications",
        yaxis_tickformat=".0%",
        **_PLOT_LAYOUT,
    )
    out["plot-leakers"] = _fig_json(fig)

    d = p_leak_data(results)
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
        title=_title("P(leak) per threat class, 95% Wilson interval"),
        barmode="group",
        yaxis=dict(title="P(leak)", range=[0, 1.05]),
        xaxis_title="threat class",
        **_PLOT_LAYOUT,
    )
    out["plot-p-leak"] = _fig_json(fig)

    d = shots_data(results)
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
            title=_title("Interceptors spent per fire unit (mean per replication, 95% interval)"),
            barmode="group",
            yaxis_title="interceptors per replication",
            xaxis_title="fire unit",
            **_PLOT_LAYOUT,
        )
        out["plot-shots"] = _fig_json(fig)

    for i, v in enumerate(results.variants):
        out[timeline_div(i)] = _fig_json(_timeline_plot(v))
    return out


def _timeline_plot(v: VariantData):
    import plotly.graph_objects as go

    flights, events = timeline_data(v)
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
        for kind, (label, _, symbol, color) in EVENT_STYLES.items():
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
        title=_title(f"{v.name}: replication 0, threat by threat"),
        xaxis_title="time from scenario start [s]",
        yaxis=dict(
            autorange="reversed", categoryorder="array", categoryarray=list(flights["label"])
        ),
        height=max(320, 28 * len(flights) + 140),
        **layout,
    )
    return fig
