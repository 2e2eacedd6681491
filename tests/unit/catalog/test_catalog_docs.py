"""docs/catalog.md is generated from the data files and must not drift from them."""

from __future__ import annotations

from pathlib import Path

from iadsim.catalog import load_catalog
from iadsim.catalog.docs import render_markdown
from iadsim.catalog.present import iter_figures


def test_committed_catalog_page_matches_the_data():
    page = Path("docs/catalog.md").read_text(encoding="utf-8")
    assert page == render_markdown(load_catalog()), (
        "docs/catalog.md is stale: run `iadsim catalog docs --out docs/catalog.md`"
    )


def test_every_figure_and_source_is_on_the_page():
    catalog = load_catalog()
    page = render_markdown(catalog)
    for entry in catalog:
        assert f"## {entry.name}\n" in page
        for path, fig in iter_figures(entry):
            assert f"| `{path}` |" in page
            for url in fig.sources:
                assert f"]({url})" in page
