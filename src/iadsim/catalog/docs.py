"""The catalog documentation page (docs/catalog.md), generated from the data files.

``iadsim catalog docs --out docs/catalog.md`` writes it; a test checks that the committed page
equals what the data files give, so the published docs never drift from the data.
"""

from __future__ import annotations

from urllib.parse import urlparse

from iadsim.catalog.loader import Catalog
from iadsim.catalog.present import iter_figures

HEADER = (
    "# Catalog figures\n\n"
    "Generated from the data files in `src/iadsim/catalog/data/` (systems, threats and jammers) by "
    "`iadsim catalog docs --out docs/catalog.md`; do not edit by hand. The notes behind each "
    "figure (method, reasoning, what the figure is not) are in the data files and in "
    "`iadsim catalog show NAME`. Claim types and units are explained in "
    "[catalog-format.md](catalog-format.md).\n"
)


def _value(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:g}"


def _sources(urls) -> str:
    links = [f"[{urlparse(str(u)).netloc or u}]({u})" for u in urls]
    return ", ".join(links) if links else "—"


def render_markdown(catalog: Catalog) -> str:
    """The whole page as Markdown."""
    entries = list(catalog)
    lines = [HEADER]
    lines.append("Entries: " + ", ".join(f"[{e.name}](#{e.name})" for e in entries) + "\n")
    assumed: list[tuple[str, list[str], int]] = []
    for entry in entries:
        lines.append(f"## {entry.name}\n")
        lines.append(f"{entry.display_name}. Origin: {entry.origin}. Kind: {entry.kind}.\n")
        lines.append("| figure | value | unit | claim | sources |")
        lines.append("|---|---:|---|---|---|")
        names = []
        count = 0
        for path, fig in iter_figures(entry):
            count += 1
            value = _value(fig.value)
            if fig.range:
                value += f" (range {_value(fig.range[0])}–{_value(fig.range[1])})"
            if fig.uncertainty is not None:
                u = fig.uncertainty
                value += f" [uncertain {_value(u.low)}–{_value(u.high)}, {u.distribution}]"
            lines.append(
                f"| `{path}` | {value} | {fig.unit} | {fig.claim} | {_sources(fig.sources)} |"
            )
            if fig.claim == "assumption":
                names.append(path)
        lines.append("")
        assumed.append((entry.name, names, count))
    lines.append("## Figures that rest on assumptions\n")
    lines.append(
        "Per entry, every figure with `claim: assumption` (no citable public figure was found; "
        "the reasoning is in its note). Sweep these in sensitivity studies; the spans in "
        "square brackets above are what `iadsim uncertainty` samples (reasoning in the entry).\n"
    )
    for name, names, count in assumed:
        listed = ", ".join(f"`{n}`" for n in names) or "none"
        lines.append(f"- **{name}** ({len(names)} of {count}): {listed}")
    return "\n".join(lines) + "\n"
