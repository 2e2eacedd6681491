"""Show catalog entries: rich tables for the console, plain dicts for ``--json``.

Every figure is shown with its value, unit, claim type, range, sources and note; sources are
numbered once per entry and listed in full in a last table, so a URL is never cut by wrapping.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel
from rich.table import Table

from iadsim.catalog.loader import Catalog, Entry
from iadsim.catalog.schema import Figure, SystemEntry

__all__ = ["catalog_table", "entry_as_dict", "entry_tables", "iter_figures"]


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
    return "system" if isinstance(entry, SystemEntry) else "threat"


def _role(entry: Entry) -> str:
    if isinstance(entry, SystemEntry):
        return f"{entry.fire_unit.unit_name}; {', '.join(entry.interceptors)}"
    return entry.threat_class


def _number(x: float) -> str:
    return f"{x:.6g}" if abs(x) < 1e7 else f"{x:.4g}"


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


def _group(path: str) -> tuple[str, str]:
    """Split a dotted figure path into (table title, row label)."""
    parts = path.split(".")
    if parts[0] in ("radars", "interceptors") and len(parts) > 2:
        return f"{parts[0][:-1]} {parts[1]}", ".".join(parts[2:])
    if parts[0] == "fire_unit":
        return "fire unit", ".".join(parts[1:])
    return "figures", path


def entry_tables(entry: Entry) -> list[Table]:
    """Tables that show one entry: a header, one table per part, then the numbered sources."""
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
    else:
        header.add_row("threat class", entry.threat_class)
    header.add_row("summary", entry.summary)

    refs: dict[str, int] = {}
    tables: dict[str, Table] = {}
    for path, fig in iter_figures(entry):
        title, label = _group(path)
        if title not in tables:
            t = Table(title=title, title_justify="left")
            t.add_column("figure", style="bold")
            t.add_column("value", justify="right")
            t.add_column("unit")
            t.add_column("claim")
            t.add_column("range")
            t.add_column("sources")
            t.add_column("note", ratio=1)
            tables[title] = t
        numbers = [refs.setdefault(url, len(refs) + 1) for url in fig.sources]
        claim = f"[yellow]{fig.claim}[/]" if fig.claim == "assumption" else fig.claim
        rng = f"{_number(fig.range[0])}–{_number(fig.range[1])}" if fig.range else ""
        tables[title].add_row(
            label,
            _number(fig.value),
            fig.unit,
            claim,
            rng,
            ", ".join(f"[{n}]" for n in numbers),
            fig.note,
        )
    sources = Table(title="sources", title_justify="left")
    sources.add_column("#", justify="right")
    sources.add_column("URL", overflow="fold")
    for url, n in refs.items():
        sources.add_row(f"[{n}]", url)
    return [header, *tables.values(), sources]


def entry_as_dict(entry: Entry) -> dict[str, Any]:
    """The entry as plain JSON-ready data (the same shape as its YAML file)."""
    return entry.model_dump(mode="json", exclude_none=True)
