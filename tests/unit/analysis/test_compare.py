"""Option comparison on the depot example (6 Shahed-136 vs a Tor-M2, and undefended)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

import iadsim
from iadsim.analysis.compare import (
    bootstrap_ratio,
    compare,
    options_scenario,
    paired_difference,
)
from iadsim.cli import app

EXAMPLE = "examples/depot-drone-raid.yaml"
REPS = 200


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    scenario = iadsim.load_scenario(EXAMPLE)
    out = tmp_path_factory.mktemp("compare")
    return iadsim.run(scenario, replications=REPS, workers=2, out_dir=out)


@pytest.fixture(scope="module")
def comparison(results):
    return compare(results, baseline="undefended")


def test_tor_reduces_leakage_significantly(comparison):
    und = comparison["options"]["undefended"]
    tor = comparison["options"]["tor-m2"]
    assert und["p_leak"] > tor["p_leak"]
    assert und["p_leak_lo"] > tor["p_leak_hi"]  # the Wilson intervals do not overlap
    assert [c["threat_class"] for c in tor["by_class"]] == ["drone"]
    vs = tor["vs_baseline"]
    assert vs["test"] == "ttest_rel"
    assert vs["significant"] and vs["p_value"] < 0.05
    assert vs["hi"] < 0  # fewer leakers with the Tor-M2
    assert vs["common_random_numbers"]
    # the baseline against itself: identical in every replication
    base = und["vs_baseline"]
    assert base["mean"] == 0 and base["p_value"] == 1.0 and not base["significant"]


def test_undefended_spends_nothing(comparison):
    und = comparison["options"]["undefended"]
    assert und["interceptors_mean"] == 0
    assert und["interceptor_cost_mean_usd"] == 0
    assert und["acquisition_cost_usd"] == 0
    assert und["cost_exchange_ratio"]["value"] is None
    assert und["cost_per_threat_stopped_usd"]["value"] is None


def test_costs_of_the_tor_option(comparison, results):
    tor = comparison["options"]["tor-m2"]
    catalog = iadsim.load_catalog()
    assert tor["acquisition_cost_usd"] == pytest.approx(
        catalog.system("tor-m2").fire_unit.acquisition_cost_usd.si()
    )
    fus = results["tor-m2"].fire_units()
    thr = results["tor-m2"].threats()
    kills = int((thr["fate"] == "killed").sum())
    meta = json.loads((results["tor-m2"].directory / "run.json").read_text())
    unit = np.asarray(meta["threat_unit_cost_usd"])
    killed_value = unit[thr.loc[thr["fate"] == "killed", "threat"].to_numpy()].sum()
    cer = tor["cost_exchange_ratio"]
    assert cer["value"] == pytest.approx(fus["interceptor_cost_usd"].sum() / killed_value)
    assert cer["lo"] < cer["value"] < cer["hi"]
    cpk = tor["cost_per_threat_stopped_usd"]
    assert cpk["value"] == pytest.approx(fus["interceptor_cost_usd"].sum() / kills)
    assert tor["interceptors_mean"] == pytest.approx(fus["shots"].sum() / REPS)
    # a leaker that lands on the depot is a hit on it
    hits = tor["assets"][0]
    assert hits["asset"] == "balad-depot"
    assert hits["hits_mean"] == pytest.approx(thr["asset_hit"].notna().sum() / REPS)


def test_paired_difference_matches_pandas(comparison, results):
    def leakers(name):
        t = results[name].threats()
        return (t["fate"] == "leaked").groupby(t["replication"]).sum().sort_index()

    d = (leakers("tor-m2") - leakers("undefended")).to_numpy(dtype=float)
    lo, hi = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
    vs = comparison["options"]["tor-m2"]["vs_baseline"]
    assert vs["mean"] == pytest.approx(d.mean())
    assert vs["lo"] == pytest.approx(lo)
    assert vs["hi"] == pytest.approx(hi)
    a = leakers("tor-m2").to_numpy()
    b = leakers("undefended").to_numpy()
    assert vs["p_value"] == pytest.approx(stats.ttest_rel(a, b).pvalue, rel=1e-6)


def test_zero_variance_differences():
    same = paired_difference(np.zeros(50))
    assert same["p_value"] == 1.0 and not same["significant"]
    const = paired_difference(np.full(50, -2.0))
    assert const["test"] == "wilcoxon" and const["significant"]
    assert const["lo"] == const["hi"] == -2.0


def test_bootstrap_ratio_is_seeded_and_brackets():
    rng = np.random.default_rng(1)
    num = rng.uniform(0, 10, 300)
    den = rng.integers(0, 3, 300).astype(float)
    a = bootstrap_ratio(num, den)
    assert a == bootstrap_ratio(num, den)
    assert a["lo"] < num.sum() / den.sum() < a["hi"]
    assert bootstrap_ratio(num, np.zeros(300))["value"] is None


def test_cli_compare_writes_json_and_plot(tmp_path):
    out = tmp_path / "cmp"
    result = CliRunner().invoke(
        app, ["compare", EXAMPLE, "-n", "40", "--workers", "1", "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    written = json.loads((out / "compare.json").read_text())
    assert printed == written
    assert written["baseline"] == "undefended"  # the first variant
    assert set(written["options"]) == {"undefended", "tor-m2"}
    assert written["options"]["undefended"]["cost_exchange_ratio"]["value"] is None
    assert (out / "compare.png").read_bytes()[:4] == b"\x89PNG"


def test_options_file_replaces_variants(tmp_path):
    path = tmp_path / "options.yaml"
    path.write_text("- name: tor-sls\n  fire_units: [tor-depot]\n  doctrine: {salvo_size: 2}\n")
    base = iadsim.load_scenario(EXAMPLE)
    s = options_scenario(base, path)
    assert s.variant_names() == ["tor-sls"]
    assert s.source_path == base.source_path
    assert s.effective_catalog is base.effective_catalog


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            "- name: a\n  fire_units: []\n- name: b\n  doctrine:\n    salvo_sise: 2\n",
            "5:5",
            "unknown field",
        ),
        ("- name: a\n  fire_units: [tor-dept]\n", "2:16", "unknown fire unit 'tor-dept'"),
        ("name: a\n", "1:1", "expected a non-empty list"),
    ],
)
def test_bad_options_file_exits_2_with_position(tmp_path, text, where, message):
    path = tmp_path / "options.yaml"
    path.write_text(text)
    result = CliRunner().invoke(app, ["compare", EXAMPLE, "--options", str(path), "-n", "5"])
    assert result.exit_code == 2, result.output
    assert f"{path}:{where}:" in result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_unknown_baseline_exits_2(tmp_path):
    result = CliRunner().invoke(
        app, ["compare", EXAMPLE, "--baseline", "nope", "-n", "5", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "unknown baseline 'nope'" in result.output


def test_nan_free_json(comparison):
    from iadsim.analysis.compare import to_json

    text = to_json(comparison)
    assert "NaN" not in text
    assert not any(
        isinstance(v, float) and math.isnan(v)
        for v in pd.json_normalize(json.loads(text)).iloc[0].tolist()
    )
