"""``iadsim uncertainty`` and ``compare --uncertainty`` from the command line: files, tables,
ranking sentences, the report section, and bad input at exit 2 without a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from iadsim.cli import app
from tests.validation.test_uncertainty import SALVO_FIGURES

SALVO = Path(__file__).parents[1] / "validation" / "salvo_uncertain.yaml"
FIGURES = len(SALVO_FIGURES)
CHOSEN = ("--figures", ",".join(SALVO_FIGURES))


def _invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_uncertainty_command_writes_band_indices_and_samples(tmp_path):
    out = tmp_path / "study"
    res = _invoke(
        "uncertainty",
        SALVO,
        "--samples",
        4,
        "-n",
        40,
        "--out",
        out,
        "--workers",
        1,
        "--output",
        "hits_depot",
        *CHOSEN,
    )
    assert res.exit_code == 0, res.output
    assert "9M338 Pk vs drone" in res.stdout
    assert "base: indices of hits_depot" in res.stdout  # --output chooses the table and plot
    assert "nominal [MC 95%]" in res.stdout
    for name in ("samples.parquet", "uncertainty.json", "tornado-base.png"):
        assert (out / name).exists(), name
    assert (out / "tornado-base.png").read_bytes()[:4] == b"\x89PNG"
    rows = (
        duckdb.connect()
        .execute(
            f"""SELECT count(*), count(DISTINCT "tor-m2:interceptors.9m338.pk.drone"),
                   min("tor-m2:interceptors.9m338.pk.drone"), max(p_leak)
            FROM read_parquet('{out / "samples.parquet"}')"""
        )
        .fetchone()
    )
    assert rows[0] == 4 * (FIGURES + 2)  # Saltelli: N (D + 2) runs
    assert rows[1] > 4 and 0.3 <= rows[2] and rows[3] <= 1
    doc = json.loads((out / "uncertainty.json").read_text())
    assert doc["runs_per_variant"] == 4 * (FIGURES + 2) and doc["replications"] == 40
    assert doc["tornado_output"] == "hits_depot"
    assert {f["id"] for f in doc["figures"]} >= {"tor-m2:interceptors.9m338.pk.drone"}
    assert not list(tmp_path.glob(".partial-*"))  # parts removed once the study is written


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--figures", "*nothing*"], "--figures '*nothing*' matches no uncertain figure"),
        (["--method", "fast"], "--method 'fast': use sobol or morris"),
        (["--variant", "nope"], "unknown variant 'nope'"),
        (["--output", "hits_nowhere"], "--output 'hits_nowhere': use one of p_leak, leakers"),
    ],
)
def test_bad_options_exit_2_without_traceback(tmp_path, args, message):
    res = _invoke("uncertainty", SALVO, "--samples", 2, "-n", 5, "--out", tmp_path / "o", *args)
    assert res.exit_code == 2
    assert message in res.stderr and "Traceback" not in res.stderr


def test_scenario_without_uncertain_figures_is_exit_2(tmp_path):
    # an undefended raid of a scenario-defined threat whose figures carry no uncertainty
    from tests.unit.scenario.test_inline_catalog import BASE, NEW_THREAT

    text = BASE.replace("THREAT", "fast-drone").replace(
        "fire_units:\n  - {name: tor, system: tor-m2, lat: 33.955, lon: 44.355}\n", ""
    )
    plain = tmp_path / "plain.yaml"
    plain.write_text(text + NEW_THREAT)
    res = _invoke("uncertainty", plain, "--samples", 2, "--out", tmp_path / "o")
    assert res.exit_code == 2, res.output
    assert "no figure used by this scenario carries an uncertainty" in res.stderr


@pytest.mark.slow
def test_compare_under_uncertainty_ranks_and_reports(tmp_path):
    scenario = tmp_path / "two.yaml"
    scenario.write_text(
        SALVO.read_text()
        + "variants:\n  - {name: none, fire_units: []}\n  - {name: tor, fire_units: [tor]}\n"
    )
    out = tmp_path / "cmp"
    res = _invoke(
        "compare",
        scenario,
        "-n",
        40,
        "--out",
        out,
        "--workers",
        1,
        "--baseline",
        "none",
        "--uncertainty",
        8,  # every uncertain figure; fewer base samples leave the indices too noisy
    )
    assert res.exit_code == 0, res.output
    assert "tor beats none in every sample; the margin turns on the 9M338 Pk vs drone" in res.stdout
    # the band of leakers per option, beside its Monte Carlo interval and the share beating none
    assert "Leakers per raid over the assumptions" in res.stdout
    band = next(line for line in res.stdout.splitlines() if line.startswith("tor "))
    assert band.rstrip().endswith("100%"), band
    study = json.loads((out / "uncertainty" / "uncertainty.json").read_text())
    assert study["replications"] == 40  # the comparison's -n, not the study's default 500
    result = json.loads((out / "compare.json").read_text())
    vs = result["uncertainty"]["versus_baseline"]["tor"]
    assert vs["p_fewer_leakers"] == 1.0
    assert vs["indices"][0]["figure"] == "tor-m2:interceptors.9m338.pk.drone"
    from iadsim.report.html import build_report

    page = build_report(out, hillshade=False, coverage=False).read_text()
    assert "How sure is the answer?" in page
    assert "tor beats none in every sample" in page
    assert "data:image/png;base64," in page


def test_interrupted_study_says_how_to_resume():
    from iadsim.cli import _interrupted

    line = _interrupted("uncertainty_command", {"scenario": "s.yaml"})
    assert line.startswith("interrupted: iadsim uncertainty s.yaml;"), line
    assert "--resume" in line  # its finished batches are kept (.partial-<out>)
