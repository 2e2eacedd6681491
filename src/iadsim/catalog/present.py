"""Show catalog entries: rich tables for the console, plain dicts for ``--json``.

Every figure is shown with its value, unit, claim type, range and sources; sources are
numbered once per entry and listed in full in a last table, so a URL is never cut by wrapping.
Notes follow each table as a list under the figure's name: in a column of their own they were
wrapped a few words a line, and ``catalog show tor-m2`` took 311 lines of an 80-column terminal.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel
from rich import box
from rich.console import Group
from rich.table import Table

from iadsim.catalog.loader import Catalog, Entry
from iadsim.catalog.schema import Figure, JammerEntry, SystemEntry

__all__ = ["catalog_rows", "catalog_table", "entry_as_dict", "entry_tables", "iter_figures"]


def iter_figures(entry: BaseModel, prefix: str = "") -> Iterator[tuple[str, Figure]]:
    """Yield ``(dotted_path, figure)`` for every figure in ``entry``, in file order.

    Paths follow the file: ``interceptors.48n6e3.pk.ballistic``, ``fire_unit.launchers``.
    """
    for name in type(entry).model_fields:
        value = getattr(entry, name)
        path = f"{prefix}{name}"
        if isinstance(value, Figure):
            yield path, value
        elif isinstance(value, BaseModel):
            yield from iter_figures(value, path + ".")
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    yield from iter_figures(item, f"{path}.{key}.")


def _kind(entry: Entry) -> str:
    return entry.kind


def _role(entry: Entry) -> str:
    if isinstance(entry, SystemEntry):
        return f"{entry.fire_unit.unit_name}; {', '.join(entry.interceptors)}"
    if isinstance(entry, JammerEntry):
        return "jammer on " + ", ".join(entry.carriers)
    return entry.threat_class


def _number(x: float) -> str:
    if abs(x) >= 1e4 and x == round(x):
        return f"{x:,.0f}"  # costs and counts in full: 24,100,000 reads better than 2.41e+07
    return f"{x:.6g}"


def catalog_table(catalog: Catalog) -> Table:
    """One row per entry: name, kind, class or role, display name, figures, assumptions."""
    table = Table(title="iadsim catalog", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("kind")
    table.add_column("class / role")
    table.add_column("display name")
    table.add_column("figures", justify="right")
    table.add_column("assumptions", justify="right")
    for entry in catalog:
        figures = [f for _, f in iter_figures(entry)]
        assumed = sum(f.claim == "assumption" for f in figures)
        table.add_row(
            entry.name,
            _kind(entry),
            _role(entry),
            entry.display_name,
            str(len(figures)),
            str(assumed),
        )
    return table


def catalog_rows(catalog: Catalog) -> list[dict[str, Any]]:
    """The rows of :func:`catalog_table` as plain dicts (for ``iadsim catalog --csv``)."""
    rows = []
    for entry in catalog:
        figures = [f for _, f in iter_figures(entry)]
        rows.append(
            {
                "name": entry.name,
                "kind": _kind(entry),
                "class_or_role": _role(entry),
                "display_name": entry.display_name,
                "figures": len(figures),
                "assumptions": sum(f.claim == "assumption" for f in figures),
            }
        )
    return rows


def _group(path: str) -> tuple[str, str]:
    """Split a dotted figure path into (table title, row label)."""
    parts = path.split(".")
    if parts[0] in ("radars", "interceptors") and len(parts) > 2:
        return f"{parts[0][:-1]} {parts[1]}", ".".join(parts[2:])
    if parts[0] == "fire_unit":
        return "fire unit", ".".join(parts[1:])
    return "figures", path


def entry_tables(entry: Entry) -> list[Table | Group]:
    """What shows one entry: a header, a table per part with its notes, the numbered sources."""
    header = Table(
        title=f"{entry.name}: {entry.display_name}", title_justify="left", show_header=False
    )
    header.add_column("field", style="bold")
    header.add_column("value")
    header.add_row("kind", _kind(entry))
    header.add_row("origin", entry.origin)
    if isinstance(entry, SystemEntry):
        fu = entry.fire_unit
        header.add_row("fire unit", fu.unit_name)
        header.add_row("default interceptor", fu.default_interceptor)
        header.add_row("fire-control radar", fu.fire_control_radar)
        for key, radar in entry.radars.items():
            header.add_row(f"radar {key}", f"{radar.display_name} ({radar.role})")
        for key, icp in entry.interceptors.items():
            header.add_row(f"interceptor {key}", icp.display_name)
    elif isinstance(entry, JammerEntry):
        header.add_row("carried by", ", ".join(entry.carriers))
    else:
        header.add_row("threat class", entry.threat_class)
    header.add_row("summary", entry.summary)

    refs: dict[str, int] = {}
    tables: dict[str, Table] = {}
    notes: dict[str, Table] = {}
    for path, fig in iter_figures(entry):
        title, label = _group(path)
        if title not in tables:
            t = Table(
                title=title,
                title_justify="left",
                box=box.SIMPLE_HEAD,
                pad_edge=False,
                show_edge=False,
            )
            t.add_column("figure", style="bold", no_wrap=True)
            t.add_column("value", justify="right", no_wrap=True)
            t.add_column("unit", no_wrap=True)
            t.add_column("claim", no_wrap=True)
            t.add_column("range", no_wrap=True)
            t.add_column("sources")
            tables[title] = t
            # notes under the table: the figure's name, then the note wrapped to the width
            notes[title] = Table.grid(padding=(0, 1), pad_edge=True)
            notes[title].add_column(style="dim", no_wrap=True)
            notes[title].add_column()
        numbers = [refs.setdefault(url, len(refs) + 1) for url in fig.sources]
        claim = f"[yellow]{fig.claim}[/]" if fig.claim == "assumption" else fig.claim
        rng = f"{_number(fig.range[0])}–{_number(fig.range[1])}" if fig.range else ""
        tables[title].add_row(
            label,
            _number(fig.value),
            fig.unit,
            claim,
            rng,
            ",".join(str(n) for n in numbers),
        )
        if fig.note:
            notes[title].add_row(f"{label}:", fig.note)
    sources = Table(
        title="sources", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False
    )
    sources.add_column("#", justify="right")
    sources.add_column("URL", overflow="fold")
    for url, n in refs.items():
        sources.add_row(str(n), url)
    parts: list[Table | Group] = [header]
    for title, table in tables.items():
        parts.append(Group(table, notes[title]) if notes[title].row_count else table)
    return [*parts, sources]


def entry_as_dict(entry: Entry) -> dict[str, Any]:
    """The entry as plain JSON-ready data (the same shape as its YAML file)."""
    return entry.model_dump(mode="json", exclude_none=True)
