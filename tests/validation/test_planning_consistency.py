"""A plan and a run never disagree.

- The plan's reported coverage of its selected layout equals ``iadsim coverage --region``
  of the emitted layout.yaml, exactly (same cells, same tables, same rules).
- The plan's reported leakage (stage 2) equals an independent ``iadsim run`` of the emitted
  scenario within Monte Carlo error.
"""

from __future__ import annotations

import json
import math
import shutil

import pytest
from typer.testing import CliRunner

from iadsim.cli import app
from iadsim.scenario import load_scenario
from tests.unit.planning.tiny_plan import PLAN, write_tiny


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plan")
    text = PLAN.replace(
        "refine: {replications: 40, evaluations: 2, seed: 3}",
        "refine: {replications: 300, evaluations: 1, seed: 3}",
    )
    write_tiny(tmp, text)
    r = CliRunner().invoke(
        app,
        [
            "plan",
            str(tmp / "plan.yaml"),
            "--out",
            str(tmp / "out"),
            "--cache-dir",
            str(tmp / "cache"),
        ],
    )
    assert r.exit_code == 0, r.output
    return tmp, json.loads((tmp / "out" / "plan.json").read_text()), r.output


@pytest.mark.slow
def test_plan_prints_table_and_writes_outputs(planned):
    tmp, result, output = planned
    for name in (
        "scenario.yaml",
        "layout.yaml",
        "layout-map.png",
        "budget-coverage.png",
        "budget-coverage.csv",
        "layout-coverage.tif",
        "layout-coverage.geojson",
    ):
        assert (tmp / "out" / name).stat().st_size > 0
    assert "against budget" in output and "buk-tor" in output
    assert len(result["layouts"]) == 4
    # every layout is a variant of scenario.yaml and the file validates
    r = CliRunner().invoke(app, ["validate", str(tmp / "out" / "scenario.yaml")])
    assert r.exit_code == 0, r.output
    assert "buk-tor-0.1bn" in r.output and "undefended" in r.output


@pytest.mark.slow
def test_plan_coverage_equals_coverage_of_emitted_scenario(planned, tmp_path):
    tmp, result, _ = planned
    selected = next(x for x in result["layouts"] if x["variant"] == result["selected"])
    shutil.copy(tmp / "square.geojson", tmp_path / "square.geojson")
    r = CliRunner().invoke(
        app,
        [
            "coverage",
            str(tmp / "out" / "layout.yaml"),
            "--region",
            str(tmp_path / "square.geojson"),
            "--threat",
            "soumar",
            "--cell-km",
            "6",
            "--asset-radius-km",
            "20",
            "--out",
            str(tmp_path / "cov"),
        ],
    )
    assert r.exit_code == 0, r.output
    cov = json.loads((tmp_path / "cov" / "region-square.json").read_text())
    checked = 0
    for row in cov["rows"]:
        key = f"{row['kind']}@{row['band_m']:g}"
        mine = selected["coverage"][key]
        assert row["share"] == mine["region"], key  # exactly
        for name, share in row["assets"].items():
            assert share == mine["assets"][name], (key, name)
        checked += 1
    assert checked == 12
    assert 0 < selected["coverage"]["engagement@100"]["region"] < 1


@pytest.mark.slow
def test_plan_leakage_equals_independent_run(planned, tmp_path):
    """Every layout of every mix (the selected one searched, the others judged once) against
    one independent ``iadsim run`` of scenario.yaml with another seed."""
    tmp, result, _ = planned
    n = result["layouts"][0]["simulation"]["replications"]
    r = CliRunner().invoke(
        app,
        [
            "run",
            str(tmp / "out" / "scenario.yaml"),
            "-n",
            str(n),
            "--seed",
            "12345",
            "--json",
            "--quiet",
            "--workers",
            "1",
            "--out",
            str(tmp_path / "run"),
        ],
    )
    assert r.exit_code == 0, r.output
    variants = json.loads(r.output)["variants"]
    assert len(variants) == 1 + len(result["layouts"])
    for lay in result["layouts"]:
        sim = lay["simulation"]
        assert sim is not None, lay["variant"]
        overall = next(
            b for b in variants[lay["variant"]]["by_threat"] if b["threat_class"] == "all"
        )
        mine = sim["leakers"]
        se_mine = (mine["hi"] - mine["lo"]) / (2 * 1.96)
        se_run = (overall["leakers_hi"] - overall["leakers_lo"]) / (2 * 1.96)
        assert se_mine > 0 and se_run > 0
        # two independent estimates of one mean: within 4 standard errors of their difference
        assert abs(mine["mean"] - overall["leakers_mean"]) <= 4 * math.hypot(se_mine, se_run), lay[
            "variant"
        ]
        # and the defence matters: fewer leakers than undefended, by more than the noise
        assert sim["vs_undefended"]["hi"] < 0, lay["variant"]
    # only the selected mix is searched
    searched = {x["mix"] for x in result["layouts"] if x["simulation"]["search_evaluations"]}
    assert searched == {"buk-tor"}


@pytest.mark.slow
def test_greedy_bound_brackets_the_milp_optimum(planned):
    """Stage 1 of the same plan: greedy <= MILP optimum <= greedy's certified bound, the
    reported gap is (MILP - greedy) / MILP, and a larger budget never covers less."""
    tmp, result, _ = planned
    by_mix: dict[str, list[float]] = {}
    for lay in result["layouts"]:
        opt, g = lay["stage1_objective"], lay["greedy_objective"]
        assert "Optimal" in lay["milp_status"], lay["milp_status"]
        assert g <= opt + 1e-12 <= lay["greedy_upper_bound"] + 1e-9, lay["variant"]
        assert lay["greedy_gap"] == pytest.approx((opt - g) / opt, abs=1e-12)
        assert lay["milp_upper_bound"] == pytest.approx(opt, rel=1e-6)
        assert lay["cost_usd"] <= lay["budget_usd"]
        by_mix.setdefault(lay["mix"], []).append(opt)
    assert all(v == sorted(v) for v in by_mix.values())
    s = load_scenario(tmp / "out" / "scenario.yaml")
    assert s.variant_names()[0] == "undefended"
    assert len(s.variant_names()) == 1 + len(result["layouts"])
    assert s.terrain.az_step_deg == 1.0 and s.terrain.range_step_m == 2000.0


@pytest.mark.slow
def test_every_layout_is_a_variant_with_the_same_coverage(planned, tmp_path):
    tmp, result, _ = planned
    shutil.copy(tmp / "square.geojson", tmp_path / "square.geojson")
    lay = next(x for x in result["layouts"] if x["variant"] == "tor-only-0.1bn")
    r = CliRunner().invoke(
        app,
        [
            "coverage",
            str(tmp / "out" / "scenario.yaml"),
            "--variant",
            lay["variant"],
            "--region",
            str(tmp_path / "square.geojson"),
            "--threat",
            "soumar",
            "--cell-km",
            "6",
            "--asset-radius-km",
            "20",
            "--altitudes",
            "100,1000",
            "--out",
            str(tmp_path / "v"),
        ],
    )
    assert r.exit_code == 0, r.output
    cov = json.loads((tmp_path / "v" / "region-square.json").read_text())
    assert len(cov["rows"]) == 4
    for row in cov["rows"]:
        assert row["share"] == lay["coverage"][f"{row['kind']}@{row['band_m']:g}"]["region"]
