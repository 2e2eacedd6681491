"""Study mechanics: distributions, executors giving identical rows, resuming, the ranking
sentences, factor selection and sampled catalogs that break a rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami
from scipy import stats

import iadsim
from iadsim.analysis.uncertainty import Factor, catalog_with, scenario_factors
from iadsim.analysis.uncertainty_report import ranking
from iadsim.analysis.uncertainty_study import BATCH, EngineModel, FunctionModel, run_study
from iadsim.errors import InputError
from tests.validation.test_uncertainty import SALVO_FIGURES

SALVO = Path(__file__).parents[2] / "validation" / "salvo_uncertain.yaml"


def _factor(dist, value, low, high, integer=False, name="x"):
    return Factor(name, "t", name, name, "1", value, low, high, dist, integer=integer)


@pytest.mark.parametrize(
    ("factor", "dist"),
    [
        (_factor("uniform", 2.0, 1.0, 5.0), stats.uniform(1.0, 4.0)),
        (_factor("triangular", 2.0, 1.0, 5.0), stats.triang(0.25, loc=1.0, scale=4.0)),
        (_factor("loguniform", 0.1, 0.01, 1.0), stats.loguniform(0.01, 1.0)),
    ],
    ids=["uniform", "triangular", "loguniform"],
)
def test_transform_follows_the_distribution(factor, dist):
    u = (np.arange(4000) + 0.5) / 4000
    x = factor.transform(u)
    assert x.min() >= factor.low and x.max() <= factor.high
    assert stats.kstest(x, dist.cdf).statistic < 0.002


def test_integer_uniform_gives_each_count_an_equal_share():
    x = _factor("uniform", 4, 2, 6, integer=True).transform((np.arange(5000) + 0.5) / 5000)
    values, counts = np.unique(x, return_counts=True)
    assert values.tolist() == [2, 3, 4, 5, 6]
    assert (counts == 1000).all()


@pytest.mark.parametrize("dist", ["uniform", "triangular", "loguniform"])
def test_the_ends_of_a_span_stay_inside_it(dist):
    # 0.3 + 1.0 * (0.9 - 0.3) = 0.9000000000000001: a Morris design samples the ends exactly,
    # and the catalog rejects a value outside the span
    x = _factor(dist, 0.5, 0.3, 0.9).transform(np.array([0.0, 1.0]))
    assert x[0] >= 0.3 and x[1] <= 0.9
    cat = iadsim.load_catalog()
    path = "interceptors.9m338.pk.drone"
    f = Factor(f"tor-m2:{path}", "tor-m2", path, "pk", "1", 0.5, 0.3, 0.9, dist)
    icp = catalog_with(cat, [f], [x[1]]).systems["tor-m2"].interceptors["9m338"]
    assert icp.pk.drone.value == x[1]


def test_collapsed_factor_is_its_value():
    assert (_factor("loguniform", 0.3, 0.3, 0.3).transform(np.linspace(0, 1, 5)) == 0.3).all()


def _ishigami_factors():
    return [_factor("uniform", 0.0, -np.pi, np.pi, name=n) for n in ("x1", "x2", "x3")]


class _Interrupt(Exception):
    pass


def test_interrupted_study_resumes_from_its_parts(tmp_path):
    factors, model = _ishigami_factors(), FunctionModel(Ishigami.evaluate)
    whole = run_study(model, factors, ["base"], samples=64, seed=5)
    parts = tmp_path / ".partial-study"
    calls = []

    def stop_after_two(done, total):
        calls.append(done)
        if len(calls) == 3:
            raise _Interrupt

    with pytest.raises(_Interrupt):
        run_study(
            model, factors, ["base"], samples=64, seed=5, parts_dir=parts, progress=stop_after_two
        )
    assert len(list(parts.glob("part-*.parquet"))) == 2
    seen = []
    resumed = run_study(
        model,
        factors,
        ["base"],
        samples=64,
        seed=5,
        parts_dir=parts,
        resume=True,
        progress=lambda d, t: seen.append(d),
    )
    assert seen[0] == 2 * BATCH  # the two parts were read back, not run again
    pd.testing.assert_frame_equal(resumed.frame, whole.frame)
    # without --resume, or with another design, old parts are discarded
    seen.clear()
    run_study(
        model,
        factors,
        ["base"],
        samples=64,
        seed=6,
        parts_dir=parts,
        resume=True,
        progress=lambda d, t: seen.append(d),
    )
    assert seen[0] == 0


@pytest.mark.slow
def test_pool_and_dask_give_the_same_rows():
    s = iadsim.load_scenario(SALVO)
    factors = scenario_factors(s, ["base"], SALVO_FIGURES)
    model = EngineModel(s, factors, 11, 40)
    one = run_study(model, factors, ["base"], samples=4, seed=2, workers=1).frame
    two = run_study(model, factors, ["base"], samples=4, seed=2, workers=2).frame
    # one Dask worker process: the model and design travel pickled, the rows come back in order
    dask = run_study(model, factors, ["base"], samples=4, seed=2, workers=1, scheduler="local")
    pd.testing.assert_frame_equal(one, two)
    pd.testing.assert_frame_equal(one, dask.frame)
    assert one["p_leak"].nunique() > 1


class _TwoOptions:
    """'a' leaks x1 per replication, 'b' a constant 0.25: a beats b when x1 < 0.25."""

    replications = 1

    def evaluate(self, variant, x):
        return {"leakers": float(x[0]) if variant == "a" else 0.25}

    def nominal(self, variant):
        return {"values": {"leakers": 0.5 if variant == "a" else 0.25}, "intervals": {}}

    def fingerprint(self):
        return "two"


def test_ranking_sentence_names_the_deciding_figure():
    factors = [_factor("uniform", 0.5, 0.0, 1.0, name=n) for n in ("x1", "x2")]
    study = run_study(_TwoOptions(), factors, ["b", "a"], samples=256, seed=1)
    rank = ranking(study, "b")
    vs = rank["versus_baseline"]["a"]
    assert vs["p_fewer_leakers"] == pytest.approx(0.25, abs=0.01)
    assert vs["sentence"].startswith("a beats b in 25% of samples; the ranking turns on the x1")
    assert "x2" not in vs["sentence"]
    assert rank["nominal_order"] == ["b", "a"]
    assert rank["stable"] is False and rank["same_ranking_share"] == pytest.approx(0.75, abs=0.01)


def test_unmatched_figure_pattern_lists_the_known_ones():
    s = iadsim.load_scenario(SALVO)
    with pytest.raises(InputError, match=r"--figures '\*nothing\*' matches no .*tor-m2:fire_unit"):
        scenario_factors(s, ["base"], ["*nothing*"])
    chosen = scenario_factors(s, ["base"], ["*Pk vs drone", "shahed-136:rcs*"])
    assert [f.id for f in chosen] == ["shahed-136:rcs_m2", "tor-m2:interceptors.9m338.pk.drone"]


def test_sampled_values_that_break_a_rule_are_an_input_error():
    cat = iadsim.load_catalog()
    icp = cat.systems["tor-m2"].interceptors["9m338"]
    f = Factor(
        "tor-m2:interceptors.9m338.min_range_km",
        "tor-m2",
        "interceptors.9m338.min_range_km",
        "min range",
        "km",
        icp.min_range_km.value,
        0.0,
        100.0,
        "uniform",
    )
    ok = catalog_with(cat, [f], [icp.min_range_km.value + 0.5])
    assert ok.systems["tor-m2"].interceptors["9m338"].min_range_km.value == f.value + 0.5
    assert cat.systems["tor-m2"].interceptors["9m338"].min_range_km.value == f.value
    with pytest.raises(
        InputError,
        match=r"min_range_km=50\) break a catalog rule: .*max_range_km.*must exceed min_range_km",
    ):
        catalog_with(cat, [f], [50.0])


def _linear(x):
    return 2.0 * x[:, 0] - 3.0 * x[:, 1] + 0.0 * x[:, 2]


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_effects_give_each_figure_its_own_signed_swing(method):
    from iadsim.analysis.uncertainty import effects

    factors = [_factor("uniform", 0.5, 0.0, 1.0, name=n) for n in ("x1", "x2", "x3")]
    study = run_study(FunctionModel(_linear), factors, ["base"], samples=16, method=method, seed=4)
    swing = effects(factors, study.unit, study.y("base", "y"), method)
    np.testing.assert_allclose(swing, [2.0, -3.0, 0.0], atol=1e-9)


def test_only_figures_that_reach_the_outputs_are_sampled():
    s = iadsim.load_scenario(Path(__file__).parents[3] / "examples" / "iraq-2020-al-asad.yaml")
    ids = [f.id for f in scenario_factors(s, ["s400-tor"])]
    assert "s-400:interceptors.48n6e3.pk.ballistic" in ids
    assert not [i for i in ids if i.endswith(("pk.cruise", "pk.drone", "pk.aircraft"))]
    assert not [i for i in ids if i.endswith("_usd")]  # costs change no output studied
    assert not [i for i in ids if ":interceptors.40n6e." in i or ":interceptors.9m96e2." in i]
    assert not [i for i in ids if i.startswith(("patriot", "buk", "qiam-1:pk"))]


def test_labels_are_short_and_tell_the_systems_apart():
    from iadsim.analysis.compare import options_scenario

    root = Path(__file__).parents[3]
    s = options_scenario(
        iadsim.load_scenario(root / "examples" / "iraq-2020-al-asad.yaml"),
        root / "examples" / "options" / "al-asad-options.yaml",
    )
    labels = [f.label for f in scenario_factors(s, s.variant_names())]
    assert len(set(labels)) == len(labels)  # one name, one figure
    assert max(map(len, labels)) <= 50, max(labels, key=len)
    # a long radar name is cut to its designation; PAC-2 and PAC-3 batteries share a radar
    assert "Tor-M2 radar detection range" in labels
    assert "AN/MPQ-65 detection range (patriot-pac3)" in labels
    assert "MIM-104 Patriot (PAC-3 MSE) reaction time" in labels


def test_saltelli_design_varies_each_figure_between_a_and_b_at_small_n():
    # SALib's sampler pairs columns j and j + D of one 2D-dimensional Sobol' sequence: at
    # D = 19, N = 16 (seed 20200108) column 12 of A and B correlate at 0.87, and the total index
    # of y = x_12 comes out 0.13 instead of 1. The design must recover each figure alone.
    from iadsim.analysis.uncertainty import analyze, design

    factors = [_factor("uniform", 0.5, 0.0, 1.0, name=f"x{j}") for j in range(19)]
    unit, _ = design(factors, 16, "sobol", 20200108)
    assert unit.shape == (16 * 21, 19)
    for k in (0, 12, 18):
        y = unit[:, k].copy()
        st = {r["figure"]: r["ST"] for r in analyze(factors, unit, y, "sobol", 1)}
        assert 0.6 < st[f"x{k}"] < 1.6, (k, st[f"x{k}"])
        assert max(v for n, v in st.items() if n != f"x{k}") == 0.0
