"""``iadsim catalog``: list entries, show one with its sources, write the catalog page, draw an
engagement zone. Registered on the CLI's ``catalog`` group by :func:`register`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from iadsim.errors import InputError
from iadsim.report.console import write_csv


def register(catalog_app: typer.Typer, input_errors, out) -> None:
    """Add the catalog commands to ``catalog_app``; ``input_errors`` is the CLI's error
    wrapper and ``out`` its stdout console."""

    @catalog_app.callback()
    @input_errors
    def catalog_list(
        ctx: typer.Context,
        as_json: Annotated[bool, typer.Option("--json")] = False,
        as_csv: Annotated[bool, typer.Option("--csv", help="One CSV row per entry.")] = False,
    ) -> None:
        """List every system and threat in the catalog."""
        if ctx.invoked_subcommand is not None:
            return
        from iadsim.catalog import load_catalog
        from iadsim.catalog.present import catalog_rows, catalog_table, entry_as_dict

        cat = load_catalog()
        if as_json:
            entries = [*cat.systems.values(), *cat.threats.values()]
            sys.stdout.write(json.dumps([entry_as_dict(e) for e in entries], indent=2) + "\n")
            return
        if as_csv:
            write_csv(catalog_rows(cat), sys.stdout)
            return
        out.print(catalog_table(cat))

    @catalog_app.command("show")
    @input_errors
    def catalog_show(
        name: Annotated[str, typer.Argument(help="System or threat name.")],
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Show every figure of one entry with its value, unit, claim type and sources."""
        from iadsim.catalog import load_catalog
        from iadsim.catalog.present import entry_as_dict, entry_tables

        cat = load_catalog()
        entry = cat.systems.get(name) or cat.threats.get(name) or cat.jammers.get(name)
        if entry is None:
            known = ", ".join(sorted([*cat.systems, *cat.threats, *cat.jammers]))
            raise InputError.single(
                f"unknown catalog entry '{name}'; known: {known}", field_path="name"
            )
        if as_json:
            sys.stdout.write(json.dumps(entry_as_dict(entry), indent=2) + "\n")
            return
        for table in entry_tables(entry):
            out.print(table)

    @catalog_app.command("docs")
    @input_errors
    def catalog_docs(
        out_file: Annotated[Path, typer.Option("--out", help="Markdown file to write.")] = Path(
            "docs/catalog.md"
        ),
    ) -> None:
        """Write the catalog documentation page (one table per entry, sources linked)."""
        from iadsim.atomic import atomic_path
        from iadsim.catalog import load_catalog
        from iadsim.catalog.docs import render_markdown

        with atomic_path(out_file, ".md") as tmp:
            tmp.write_text(render_markdown(load_catalog()), encoding="utf-8")
        out.print(f"Wrote {out_file}", highlight=False)

    @catalog_app.command("envelope")
    @input_errors
    def catalog_envelope(
        system: Annotated[str, typer.Argument(help="Catalog system, e.g. s-400.")],
        threat: Annotated[str, typer.Option("--threat", help="Catalog threat, e.g. fateh-313.")],
        interceptor: Annotated[str | None, typer.Option(help="Default: the system's.")] = None,
        out_dir: Annotated[Path, typer.Option("--out", help="Output directory.")] = Path(
            "out/envelopes"
        ),
    ) -> None:
        """Engagement zone (range-altitude diagram) and launch window from the engine's own
        intercept solver, fly-out model and line-of-sight rule (the fire-control radar's horizon
        for the threat's own altitude), as PNG and SVG, with the published figures marked."""
        from iadsim.catalog import load_catalog
        from iadsim.report.envelope import envelope_figure, envelope_text

        cat = load_catalog()
        entry = cat.system(system)
        target = cat.threat(threat)
        name = interceptor or entry.fire_unit.default_interceptor
        if name not in entry.interceptors:
            known = ", ".join(sorted(entry.interceptors))
            raise InputError.single(
                f"system '{system}' has no interceptor '{name}'; known: {known}",
                field_path="interceptor",
            )
        for line in envelope_text(entry, name, target):
            out.print(line, highlight=False, markup=False)
        for path in envelope_figure(entry, name, target, out_dir):
            out.print(str(path), highlight=False)
