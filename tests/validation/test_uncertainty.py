"""The uncertainty pipeline against known answers.

- Ishigami's function (SALib's implementation) through the same sampling, executor and analysis
  path as the engine: the estimated Sobol' indices contain the analytic values (Ishigami and
  Homma 1990; Saltelli et al. 2008, sec. 4.9) within the estimator's 95% interval.
- One Tor-M2 against four drones in salvos of two, ample magazine and time: only the Pk can
  change P(leak), so its total index is above 0.95 and every other figure's below 0.05.
- Every range collapsed to its value: the band is the nominal run, exactly, and equals what
  ``iadsim.run`` reports for the same seed (common random numbers).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from SALib.test_functions import Ishigami

import iadsim
from iadsim.analysis.uncertainty import Factor, analyze, scenario_factors
from iadsim.analysis.uncertainty_report import summarize_study
from iadsim.analysis.uncertainty_study import EngineModel, FunctionModel, run_study

SALVO = Path(__file__).with_name("salvo_uncertain.yaml")
#: The five figures the salvo scenario makes uncertain (the catalog may add others).
SALVO_FIGURES = [
    "shahed-136:rcs_m2",
    "tor-m2:fire_unit.reaction_time_s",
    "tor-m2:fire_unit.reload_time_s",
    "tor-m2:radars.tor-m2-radar.reference_range_km",
    "tor-m2:interceptors.9m338.pk.drone",
]


def _ishigami_analytic(a: float = 7.0, b: float = 0.1):
    """Closed-form first-order and total indices of Ishigami's function on [-π, π]^3."""
    pi4, pi8 = np.pi**4, np.pi**8
    v1 = 0.5 * (1 + b * pi4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return {"x1": (v1 / v, (v1 + v13) / v), "x2": (v2 / v, v2 / v), "x3": (0.0, v13 / v)}


def _uniform(name: str) -> Factor:
    return Factor(name, "test", name, name, "1", 0.0, -np.pi, np.pi, "uniform")


@pytest.mark.parametrize("workers", [1, 2])
def test_ishigami_indices_are_recovered_within_the_interval(workers):
    factors = [_uniform(n) for n in ("x1", "x2", "x3")]
    study = run_study(
        FunctionModel(Ishigami.evaluate), factors, ["base"], samples=1024, seed=3, workers=workers
    )
    assert len(study.frame) == 1024 * (3 + 2)
    # the executor evaluated the design's own rows
    np.testing.assert_allclose(study.y("base", "y"), Ishigami.evaluate(study.values))
    rows = {r["figure"]: r for r in analyze(factors, study.unit, study.y("base", "y"), "sobol", 3)}
    for name, (s1, st) in _ishigami_analytic().items():
        r = rows[name]
        assert abs(r["S1"] - s1) <= r["S1_conf"], (name, r, s1)
        assert abs(r["ST"] - st) <= r["ST_conf"], (name, r, st)
    # and the intervals are informative, not so wide that anything passes
    assert max(r["ST_conf"] for r in rows.values()) < 0.15


def test_ishigami_morris_screens_x3_below_x1():
    factors = [_uniform(n) for n in ("x1", "x2", "x3")]
    study = run_study(
        FunctionModel(Ishigami.evaluate), factors, ["base"], samples=200, method="morris", seed=3
    )
    assert len(study.frame) == 200 * 4
    rows = {r["figure"]: r for r in analyze(factors, study.unit, study.y("base", "y"), "morris", 3)}
    # x1 has the largest mean absolute effect; x3 acts only through its interaction with x1
    assert rows["x1"]["mu_star"] > rows["x3"]["mu_star"] > 0
    assert rows["x3"]["sigma"] > rows["x3"]["mu_star"] * 0.5


@pytest.mark.slow
def test_salvo_only_pk_matters():
    s = iadsim.load_scenario(SALVO)
    factors = scenario_factors(s, ["base"], SALVO_FIGURES)
    assert len(factors) == 5
    study = run_study(
        EngineModel(s, factors, 11, 100), factors, ["base"], samples=32, seed=11, workers=2
    )
    y = study.y("base", "p_leak")
    assert np.ptp(y) > 0.2  # Pk over [0.3, 0.9] moves (1 - Pk)^2 from about 0.5 to 0.01
    rows = analyze(factors, study.unit, y, "sobol", 11)
    total = {r["figure"]: r["ST"] for r in rows}
    assert total["tor-m2:interceptors.9m338.pk.drone"] > 0.95, rows
    others = {k: v for k, v in total.items() if not k.endswith("pk.drone")}
    assert max(others.values()) < 0.05, rows


def test_collapsed_ranges_give_the_nominal_result(tmp_path):
    # every span becomes {low: value, high: value}
    lines, value = [], None
    for line in SALVO.read_text().splitlines():
        if "figure: {value:" in line:
            value = line.split("value:")[1].split(",")[0].strip()
        if "uncertainty: {low:" in line:
            line = (
                line.split("{low")[0]
                + f"{{low: {value}, high: {value}, distribution: uniform, reasoning: x}}}}"
            )
        lines.append(line)
    collapsed = tmp_path / "collapsed.yaml"
    collapsed.write_text("\n".join(lines) + "\n")
    s = iadsim.load_scenario(collapsed)
    factors = scenario_factors(s, ["base"], SALVO_FIGURES)
    assert all(f.low == f.high == f.value for f in factors) and len(factors) == 5
    study = run_study(EngineModel(s, factors, 11, 200), factors, ["base"], samples=4, seed=11)
    doc = summarize_study(study, s.name)
    outs = doc["variants"]["base"]
    for name, r in outs.items():
        b = r["band"]
        assert b["p5"] == b["p50"] == b["p95"] == r["nominal"]["value"], name
        assert all(i["ST"] == 0.0 for i in r["indices"]), name
    # the nominal values are the engine's own summary for the same seed
    summary = iadsim.run(s, replications=200, seed=11, workers=1, out_dir=tmp_path / "run")[
        "base"
    ].summary
    overall = summary["by_threat"][-1]
    assert outs["p_leak"]["nominal"]["value"] == pytest.approx(overall["p_leak"], abs=1e-12)
    assert outs["leakers"]["nominal"]["value"] == pytest.approx(overall["leakers_mean"], abs=1e-12)
    assert outs["hits_depot"]["nominal"]["value"] == pytest.approx(
        summary["assets"][0]["hits_mean"], abs=1e-12
    )
    assert outs["interceptors"]["nominal"]["value"] == pytest.approx(
        summary["interceptors_used_mean"], abs=1e-12
    )
    assert outs["p_leak"]["nominal"]["lo"] < overall["p_leak"] < outs["p_leak"]["nominal"]["hi"]
