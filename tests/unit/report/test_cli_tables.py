"""What the command line prints: whole tables when piped, COLUMNS honoured, CSV and JSON that
carry the same numbers as the files written, and a `catalog show` a person can read."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from rich.table import Table
from typer.testing import CliRunner

from iadsim.catalog import load_catalog
from iadsim.catalog.present import iter_figures
from iadsim.cli import app
from iadsim.report.console import PIPE_WIDTH, StdoutConsole, compare_rows

EXAMPLE = "examples/iraq-2020-al-asad.yaml"
ROOT = Path(__file__).resolve().parents[3]


def _cli(*args: str, columns: str | None = None) -> subprocess.CompletedProcess:
    """Run ``iadsim ARGS`` in a child process with stdout a pipe (not a terminal)."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = columns
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "iadsim.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def _wide_table() -> Table:
    t = Table(title="wide")
    for i in range(12):
        t.add_column(f"column number {i}")
    t.add_row(*[f"$1,100.00M value {i}" for i in range(12)])
    return t


def test_console_is_wide_on_a_pipe_and_honours_columns(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    piped = StdoutConsole(file=io.StringIO())
    assert piped.width == PIPE_WIDTH
    piped.print(_wide_table())
    text = piped.file.getvalue()
    assert "…" not in text and "$1,100.00M value 11" in text

    monkeypatch.setenv("COLUMNS", "60")
    narrow = StdoutConsole(file=io.StringIO())
    narrow.print(_wide_table())
    lines = narrow.file.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 60
    # a terminal keeps rich's own width (its size, or 80 when it cannot tell), never the pipe's
    monkeypatch.delenv("COLUMNS")
    tty = StdoutConsole(file=io.StringIO(), force_terminal=True, color_system=None)
    assert tty.width < PIPE_WIDTH
    tty.print(_wide_table())
    assert max(len(line) for line in tty.file.getvalue().splitlines()) <= tty.width


def test_columns_is_read_at_each_print_not_at_construction(monkeypatch):
    """The command line's console is made at import: a COLUMNS set or unset later decides."""
    monkeypatch.setenv("COLUMNS", "60")
    console = StdoutConsole(file=io.StringIO())
    assert console.width == 60
    monkeypatch.setenv("COLUMNS", "120")
    assert console.width == 120
    monkeypatch.delenv("COLUMNS")
    assert console.width == PIPE_WIDTH
    assert StdoutConsole(file=io.StringIO(), width=70).width == 70  # an explicit width stays


@pytest.fixture(scope="module")
def piped_compare(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare")
    proc = _cli("compare", EXAMPLE, "-n", "20", "--workers", "1", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, json.loads((out / "compare.json").read_text())


@pytest.mark.slow
def test_piped_compare_prints_whole_tables(piped_compare):
    text, result = piped_compare
    assert "…" not in text
    rows = [line for line in text.splitlines() if line.startswith("│ ")]
    first_cells = [r.split("│")[1].strip() for r in rows]
    for name, o in result["options"].items():
        assert name in first_cells
        row = rows[first_cells.index(name)]
        assert f"{o['p_leak']:.3f}" in row
        assert f"{o['leakers_mean']:.2f}" in row
        acquisition = o["acquisition_cost_usd"]
        if acquisition >= 1e6:
            assert f"${acquisition / 1e6:,.2f}M" in row
    for header in ("P(leak)", "leakers/rep", "acquisition", "cost per kill", "cost-exchange"):
        assert header in text


@pytest.mark.slow
def test_compare_csv_rows_carry_compare_json(piped_compare):
    _, result = piped_compare
    rows = compare_rows(result)
    buf = io.StringIO()
    from iadsim.report.console import write_csv

    write_csv(rows, buf)
    parsed = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert [r["option"] for r in parsed] == list(result["options"])
    for r in parsed:
        o = result["options"][r["option"]]
        assert float(r["p_leak"]) == pytest.approx(o["p_leak"])
        assert float(r["acquisition_cost_usd"]) == o["acquisition_cost_usd"]
        assert float(r["delta_leakers_mean"]) == pytest.approx(o["vs_baseline"]["mean"])
        for a in o["assets"]:
            assert float(r[f"hits_mean.{a['asset']}"]) == pytest.approx(a["hits_mean"])
        for c in o["by_class"]:
            cls = c["threat_class"]
            assert float(r[f"p_leak.{cls}"]) == pytest.approx(c["p_leak"])
            if isinstance(c.get("cost_exchange_ratio"), dict) and c["cost_exchange_ratio"]["value"]:
                want = c["cost_exchange_ratio"]["value"]
                assert float(r[f"cost_exchange_ratio.{cls}"]) == pytest.approx(want)


def test_catalog_csv_lists_every_entry():
    result = CliRunner().invoke(app, ["catalog", "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    cat = load_catalog()
    assert {r["name"] for r in rows} == {*cat.systems, *cat.threats, *cat.jammers}
    tor = next(r for r in rows if r["name"] == "tor-m2")
    figures = [f for _, f in iter_figures(cat.systems["tor-m2"])]
    assert int(tor["figures"]) == len(figures)
    assert int(tor["assumptions"]) == sum(f.claim == "assumption" for f in figures)


def test_catalog_show_is_short_and_complete():
    """Every figure, note and source of tor-m2 at 80 columns in about 4 lines a figure (155
    lines for its 37 figures, half the old 311), and every URL whole when piped."""
    entry = load_catalog().systems["tor-m2"]
    narrow = _cli("catalog", "show", "tor-m2", columns="80")
    assert narrow.returncode == 0, narrow.stderr
    assert len(narrow.stdout.splitlines()) < 4.2 * len(list(iter_figures(entry)))
    flat = " ".join(narrow.stdout.split())
    for path, fig in iter_figures(entry):
        assert path.rsplit(".", 1)[-1] in flat
        if fig.note:
            assert " ".join(fig.note.split()) in flat, path
    piped = _cli("catalog", "show", "tor-m2")
    lines = piped.stdout.splitlines()
    urls = {u for _, f in iter_figures(entry) for u in f.sources}
    for url in urls:
        assert any(line.split() == [line.split()[0], url] for line in lines if url in line), url


@pytest.mark.slow
def test_sweep_json_and_csv_match_the_parquet(tmp_path):
    args = ["sweep", EXAMPLE, "--vary", "doctrine.salvo_size=1,2", "-n", "4"]
    args += ["--workers", "1", "--variant", "patriot"]
    as_csv = _cli(*args, "--out", str(tmp_path / "a"), "--csv")
    assert as_csv.returncode == 0, as_csv.stderr
    frame = pd.read_parquet(tmp_path / "a" / "sweep.parquet")
    got = pd.read_csv(io.StringIO(as_csv.stdout))
    assert len(got) == len(frame)
    assert got["p_leak"].to_numpy() == pytest.approx(frame["p_leak"].to_numpy())
    assert sorted(got["doctrine.salvo_size"].unique()) == [1, 2]
    as_json = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "b"), "--json"])
    assert as_json.exit_code == 0, as_json.output
    records = json.loads(as_json.stdout)
    assert [r["p_leak"] for r in records] == pytest.approx(list(got["p_leak"]))


def test_no_table_is_cut_in_a_piped_catalog_list():
    proc = _cli("catalog")
    assert proc.returncode == 0, proc.stderr
    assert "…" not in proc.stdout
    for name in load_catalog().systems:
        assert re.search(rf"│ {re.escape(name)}\s+│", proc.stdout), name
