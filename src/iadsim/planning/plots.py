"""The budget-coverage plot: coverage (and, refined, leakage) against budget per system mix."""

from __future__ import annotations

from pathlib import Path

from iadsim.atomic import atomic_path

__all__ = ["budget_plot"]


def budget_plot(plan, layouts, path: str | Path) -> Path:
    """One panel per objective band (region and value-weighted asset coverage against budget,
    one line per mix), and a leakage panel when stage 2 ran."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    kind = plan.objective.coverage
    bands = plan.objective.bands_m
    refined = any(lay.simulation for lay in layouts)
    n = len(bands) + (1 if refined else 0)
    fig, axes = plt.subplots(1, n, figsize=(4.0 * n, 4.0), squeeze=False, layout="constrained")
    mixes = list(dict.fromkeys(lay.mix for lay in layouts))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    try:
        for i, h in enumerate(bands):
            ax = axes[0, i]
            for c, mix in enumerate(mixes):
                ls = sorted((lay for lay in layouts if lay.mix == mix), key=lambda x: x.budget_usd)
                x = [lay.budget_usd / 1e9 for lay in ls]
                key = f"{kind}@{float(h):g}"
                col = colours[c % len(colours)]
                ax.plot(
                    x,
                    [100 * lay.coverage[key]["region"] for lay in ls],
                    "o-",
                    color=col,
                    label=f"{mix}: region",
                )
                ax.plot(
                    x,
                    [100 * lay.coverage[key]["assets_weighted"] for lay in ls],
                    "s--",
                    color=col,
                    label=f"{mix}: assets",
                )
            ax.set_title(f"{kind} at {h:g} m AGL", fontsize=9)
            ax.set_xlabel("budget [USD bn]")
            ax.set_ylabel("covered [%]")
            ax.set_ylim(0, 100)
            ax.grid(alpha=0.3)
        # one legend for the coverage panels, below them, so no curve hides behind it
        handles, labels = axes[0, 0].get_legend_handles_labels()
        fig.legend(
            handles, labels, loc="outside lower center", ncols=min(6, len(labels)), fontsize=7
        )
        if refined:
            ax = axes[0, -1]
            for c, mix in enumerate(mixes):
                ls = sorted(
                    (lay for lay in layouts if lay.mix == mix and lay.simulation),
                    key=lambda x: x.budget_usd,
                )
                if not ls:
                    continue
                x = [lay.budget_usd / 1e9 for lay in ls]
                m = [lay.simulation["leakers"]["mean"] for lay in ls]
                lo = [
                    lay.simulation["leakers"]["mean"] - lay.simulation["leakers"]["lo"]
                    for lay in ls
                ]
                hi = [
                    lay.simulation["leakers"]["hi"] - lay.simulation["leakers"]["mean"]
                    for lay in ls
                ]
                ax.errorbar(
                    x,
                    m,
                    yerr=[lo, hi],
                    fmt="o-",
                    color=colours[c % len(colours)],
                    capsize=3,
                    label=mix,
                )
            ax.set_title("leakers per raid (95% interval)", fontsize=9)
            ax.set_xlabel("budget [USD bn]")
            ax.set_ylim(bottom=0)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=6)
        fig.suptitle(
            f"{plan.name}: coverage of {plan.target.threat or 'RCS'} against budget", fontsize=10
        )
        with atomic_path(path, ".png") as tmp:
            fig.savefig(tmp, dpi=110, format="png")
    finally:
        plt.close(fig)
    return Path(path)
