"""What `iadsim run` (without --json), `iadsim report` and `iadsim export` print and write:
the numbers on screen are the summary's, and every file named exists and is what it says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iadsim.analysis.summary import summarize
from iadsim.cli import app

EXAMPLE = "examples/iraq-2020-al-asad.yaml"


def _invoke(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def run_output(tmp_path_factory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp("run") / "results"
    text = _invoke("run", EXAMPLE, "-n", "40", "--workers", "1", "--out", str(out), "-q")
    return text, out


def _rows(text: str) -> list[list[str]]:
    """The cells of every table row rich printed (box characters dropped)."""
    return [
        [c.strip() for c in line.strip("│┃").split("│")]
        for line in text.splitlines()
        if line.startswith("│")
    ]


def test_run_prints_each_variants_summary(run_output):
    text, out = run_output
    variants = ("undefended", "s400-tor", "patriot")
    starts = [text.index(f"iraq-2020-al-asad / {v}  (40 replications, seed ") for v in variants]
    assert starts == sorted(starts)  # in the scenario's order
    sections = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    for variant, section in zip(variants, sections, strict=True):
        summary = summarize(out / variant)
        assert f"seed {summary['seed']})" in section.splitlines()[0]
        rows = _rows(section)
        overall = summary["by_threat"][-1]
        p = f"{overall['p_leak']:.3f} [{overall['p_leak_lo']:.3f}, {overall['p_leak_hi']:.3f}]"
        assert [f"all x {overall['launched_per_rep']:g}", p] in [r[:2] for r in rows]
        for a in summary["assets"]:
            hits = f"{a['hits_mean']:.2f} [{a['hits_lo']:.2f}, {a['hits_hi']:.2f}]"
            assert [a["asset"], f"{a['value']:.1f}", hits] in [r[:3] for r in rows]
        # a fire-unit table only where there are fire units, with shots per replication
        assert ("Fire units" in section) == bool(summary["fire_units"])
        for f in summary["fire_units"]:
            shots = f"{f['shots_mean']:.2f} [{f['shots_lo']:.2f}, {f['shots_hi']:.2f}]"
            assert [f["fire_unit"], shots] in [r[:2] for r in rows]
    assert f"Results: {out}/<variant>/threats.parquet, fire_units.parquet" in text
    assert "Report:" not in text  # no --report, no report


def test_report_command_writes_the_report_it_names(results_dir, tmp_path):
    target = tmp_path / "r.html"
    text = _invoke("report", str(results_dir), "--out", str(target), "--no-coverage")
    assert text.strip() == f"Report: {target}"
    page = target.read_text(encoding="utf-8")
    data = json.loads(
        re.search(r'<script id="report-data" type="application/json">(.*?)</script>', page, re.S)
        .group(1)
        .replace("<\\/", "</")
    )
    assert [v["name"] for v in data["variants"]] == ["undefended", "s400-tor", "patriot"]
    layers = {f["properties"]["layer"] for v in data["variants"] for f in v["features"]["features"]}
    assert "coverage" not in layers and {"asset", "fire_unit", "launch", "trajectory"} <= layers
    for name in ("undefended", "s400-tor", "patriot"):
        p = summarize(results_dir / name)["by_threat"][-1]["p_leak"]
        assert f'<b class="name">{name}</b>' in page and f"{p:.3f} " in page


def test_report_command_refuses_a_directory_without_results(tmp_path):
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "no run.json" in result.output


def test_export_command_lists_every_file_it_wrote(results_dir, tmp_path):
    text = _invoke("export", str(results_dir), "--out", str(tmp_path), "--no-figures")
    listed = [Path(line) for line in text.splitlines()]
    expected = {
        tmp_path / f"{v}.{ext}"
        for v in ("undefended", "s400-tor", "patriot")
        for ext in ("geojson", "kml", "kmz", "czml")
    }
    assert set(listed) == expected and len(listed) == len(expected)
    assert all(p.stat().st_size > 0 for p in listed)
    assert not (tmp_path / "figures").exists()
    fc = json.loads((tmp_path / "s400-tor.geojson").read_text())
    assert fc["variant"] == "s400-tor"
    names = {f["properties"].get("name") for f in fc["features"]}
    assert {"s400-al-asad", "tor-al-asad", "al-asad", "erbil"} <= names
