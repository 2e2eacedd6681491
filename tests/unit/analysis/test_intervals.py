"""The summary's intervals in closed form agree with SciPy's (the oracle): Wilson's score
interval with ``scipy.stats.binomtest(...).proportion_ci(method="wilson")``, and the t interval
with ``scipy.stats.t``."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from iadsim.analysis.summary import T_EXPANSION_DF, mean_ci, t_quantile, wilson


@pytest.mark.parametrize("trials", [1, 2, 7, 40, 1000, 160_000])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_wilson_matches_scipy(trials, confidence):
    for k in sorted({0, 1, trials // 3, trials // 2, trials - 1, trials}):
        ci = stats.binomtest(k, trials).proportion_ci(confidence_level=confidence, method="wilson")
        lo, hi = wilson(k, trials, confidence)
        np.testing.assert_allclose((lo, hi), (ci.low, ci.high), atol=1e-12)
        assert lo <= k / trials <= hi  # exactly, with no rounding past the estimate
    assert wilson(0, trials, confidence)[0] == 0.0 and wilson(trials, trials, confidence)[1] == 1.0


@pytest.mark.parametrize("trials", [1, 3, 100, 300, 1000, 160_000])
def test_wilson_holds_the_proportion_exactly_at_zero_and_one(trials):
    """Error bars are p - lo and hi - p: a bound a few ulps past p (0 of 100 gave lo = 3e-18)
    made them negative, and matplotlib refused the P(leak) figure of every undefeated variant."""
    for k in range(0, trials + 1, max(trials // 50, 1)):
        lo, hi = wilson(k, trials)
        assert lo <= k / trials <= hi, (k, trials, lo, hi)
    assert wilson(0, trials)[0] == 0.0 and wilson(trials, trials)[1] == 1.0


def test_wilson_of_no_trials_is_undefined():
    assert all(math.isnan(x) for x in wilson(0, 0))


@pytest.mark.parametrize("df", [T_EXPANSION_DF, 1001, 3999, 9999, 99_999, 10**7])
@pytest.mark.parametrize("q", [0.95, 0.975, 0.995])
def test_t_quantile_expansion_matches_scipy(df, q):
    from scipy import special

    assert t_quantile(q, df) == pytest.approx(float(special.stdtrit(df, q)), rel=2e-14)


@pytest.mark.parametrize("n", [2, 3, 30, 4000, 20_000])
def test_mean_ci_matches_scipy_t(n):
    x = np.random.default_rng(n).gamma(2.0, 3.0, size=n)
    mean, lo, hi = mean_ci(float(x.sum()), float((x * x).sum()), n)
    want = stats.t.interval(0.95, n - 1, loc=x.mean(), scale=stats.sem(x))
    np.testing.assert_allclose((mean, lo, hi), (x.mean(), *want), rtol=1e-9)


def test_mean_ci_cut_at_its_floor_keeps_the_t_interval_above_it():
    """A rare count: 2 replications of 500 with one leaker. The t interval reaches below 0; a
    mean of counts cannot, so with ``floor=0`` the lower bound is 0 and the upper is the t
    interval's own."""
    x = np.zeros(500)
    x[[17, 301]] = 1.0
    want = stats.t.interval(0.95, 499, loc=x.mean(), scale=stats.sem(x))
    assert want[0] < 0.0  # the case: the plain interval is negative
    mean, lo, hi = mean_ci(float(x.sum()), float((x * x).sum()), 500, floor=0.0)
    assert (mean, lo) == (x.mean(), 0.0)
    assert hi == pytest.approx(want[1], rel=1e-9)
    # far from the floor it changes nothing
    y = x + 3.0
    assert mean_ci(float(y.sum()), float((y * y).sum()), 500, floor=0.0)[1] == pytest.approx(
        want[0] + 3.0, rel=1e-9
    )
    # no floor: the plain t interval
    assert mean_ci(float(x.sum()), float((x * x).sum()), 500)[1] == pytest.approx(want[0])


def test_summary_prints_no_negative_bound_for_a_rare_count(tmp_path):
    """The run summary's means of counts and costs (leakers, kills, hits, shots, cost) never
    show a lower bound below 0, however rare the count (the al-qaim pantsir report printed
    "0.00 [-0.00, 0.01]"). At Al Qaim behind Pantsir, 300 replications with seed 3 have one
    hit on each asset: the plain t interval of each reaches -0.0026."""
    import iadsim

    sc = iadsim.load_scenario("examples/iraq-2019-al-qaim-f15e.yaml")
    res = iadsim.run(sc, ["pantsir"], replications=300, seed=3, workers=1, out_dir=tmp_path)
    summary = res["pantsir"].summary

    def walk(node, path=""):
        if isinstance(node, dict):
            for k, v in node.items():
                yield from walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from walk(v, f"{path}[{i}]")
        elif isinstance(node, float) and path.endswith(("_lo", ".lo")):
            yield path, node

    bounds = list(walk(summary))
    assert len(bounds) > 10  # the walk found the summary's intervals
    negative = [(p, v) for p, v in bounds if v < 0.0]
    assert not negative, negative
