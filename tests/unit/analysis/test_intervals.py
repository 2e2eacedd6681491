"""The summary's intervals in closed form agree with SciPy's (the oracle): Wilson's score
interval with ``scipy.stats.binomtest(...).proportion_ci(method="wilson")``, and the t interval
with ``scipy.stats.t``."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from iadsim.analysis.summary import mean_ci, wilson


@pytest.mark.parametrize("trials", [1, 2, 7, 40, 1000, 160_000])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_wilson_matches_scipy(trials, confidence):
    for k in sorted({0, 1, trials // 3, trials // 2, trials - 1, trials}):
        ci = stats.binomtest(k, trials).proportion_ci(confidence_level=confidence, method="wilson")
        np.testing.assert_allclose(wilson(k, trials, confidence), (ci.low, ci.high), atol=1e-12)


def test_wilson_of_no_trials_is_undefined():
    assert all(math.isnan(x) for x in wilson(0, 0))


@pytest.mark.parametrize("n", [2, 3, 30, 4000])
def test_mean_ci_matches_scipy_t(n):
    x = np.random.default_rng(n).gamma(2.0, 3.0, size=n)
    mean, lo, hi = mean_ci(float(x.sum()), float((x * x).sum()), n)
    want = stats.t.interval(0.95, n - 1, loc=x.mean(), scale=stats.sem(x))
    np.testing.assert_allclose((mean, lo, hi), (x.mean(), *want), rtol=1e-9)
