"""What the commands print and write, checked for content, not only for exit status 0: the
text summary of ``run``, ``report``, ``export``, ``catalog docs`` and ``catalog show``."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

import iadsim
from iadsim.analysis.summary import summarize
from iadsim.catalog import load_catalog
from iadsim.catalog.docs import render_markdown
from iadsim.catalog.present import iter_figures
from iadsim.cli import app

EXAMPLE = "examples/depot-drone-raid.yaml"
WIDE = {"COLUMNS": "200"}  # no wrapped table cells


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("run") / "out"
    result = CliRunner().invoke(
        app, ["run", EXAMPLE, "-n", "40", "--workers", "1", "-q", "--out", str(out)], env=WIDE
    )
    assert result.exit_code == 0, result.output
    return out, result.stdout


def test_validate_says_valid_with_the_scenario_counts():
    result = CliRunner().invoke(app, ["validate", EXAMPLE], env=WIDE)
    assert result.exit_code == 0, result.output
    s = iadsim.load_scenario(EXAMPLE)
    expected = (
        f"{EXAMPLE}: valid ({len(s.raids)} raids, {len(s.fire_units)} fire units, "
        f"variants: {', '.join(s.variant_names())})"
    )
    assert result.stdout.strip() == expected  # "invalid" cannot match an exact line


def test_run_prints_each_variants_summary_as_written(ran):
    out, text = ran
    s = iadsim.load_scenario(EXAMPLE)
    for variant in s.variant_names():
        summary = summarize(out / variant)
        assert f"{s.name} / {variant}  (40 replications, seed {s.monte_carlo.seed})" in text
        overall = summary["by_threat"][-1]
        p = f"{overall['p_leak']:.3f} [{overall['p_leak_lo']:.3f}, {overall['p_leak_hi']:.3f}]"
        row = next(line for line in text.splitlines() if "all x" in line and p in line)
        assert f"{overall['leakers_mean']:.2f}" in row
    assert "Results:" in text


def test_report_writes_one_page_with_every_variant(ran, tmp_path):
    out, _ = ran
    page = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", str(out), "--out", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") or html.lower().startswith("<!doctype html>")
    for variant in iadsim.load_scenario(EXAMPLE).variant_names():
        assert variant in html
    assert str(page) in result.output


def test_export_writes_parseable_files_per_variant(ran, tmp_path):
    out, _ = ran
    dest = tmp_path / "exports"
    result = CliRunner().invoke(app, ["export", str(out), "--out", str(dest)])
    assert result.exit_code == 0, result.output
    for variant in iadsim.load_scenario(EXAMPLE).variant_names():
        features = json.loads((dest / f"{variant}.geojson").read_text())["features"]
        assert any(f["properties"].get("name") == "balad-depot" for f in features), variant
        ET.parse(dest / f"{variant}.kml")
        czml = json.loads((dest / f"{variant}.czml").read_text())
        assert czml[0]["id"] == "document"
    pngs = list((dest / "figures").glob("*.png"))
    assert pngs and all(p.read_bytes()[:4] == b"\x89PNG" for p in pngs)


def test_catalog_docs_writes_the_generated_page(tmp_path):
    page = tmp_path / "catalog.md"
    result = CliRunner().invoke(app, ["catalog", "docs", "--out", str(page)])
    assert result.exit_code == 0, result.output
    assert page.read_text(encoding="utf-8") == render_markdown(load_catalog())


def test_catalog_show_prints_every_figure_and_source_of_the_entry():
    result = CliRunner().invoke(app, ["catalog", "show", "tor-m2"], env=WIDE)
    assert result.exit_code == 0, result.output
    entry = load_catalog().system("tor-m2")
    text = re.sub(r"\s+", " ", result.stdout)
    for path, fig in iter_figures(entry):
        assert path.split(".")[-1] in text, path
        for url in fig.sources:
            assert url in result.stdout, url
