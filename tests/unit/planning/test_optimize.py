"""Stage 1 optimiser: the MILP against brute force, greedy against its bound."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from iadsim.planning.optimize import CoverProblem, greedy, lp_bound, solve_milp


def _instance(seed: int, n_units: int = 10, n_cells: int = 60, n_terms: int = 2, layers=(1.0,)):
    rng = np.random.default_rng(seed)
    covers = [rng.random((n_cells, n_units)) < rng.uniform(0.1, 0.4) for _ in range(n_terms)]
    weights = [rng.random(n_cells) for _ in range(n_terms)]
    cost = rng.integers(1, 6, n_units).astype(float)
    return covers, weights, np.array(layers), cost


def _brute(problem: CoverProblem) -> float:
    best = 0.0
    n = problem.n_units
    for r in range(n + 1):
        for subset in itertools.combinations(range(n), r):
            if problem.feasible(subset):
                best = max(best, problem.value(subset))
    return best


def _direct_value(covers, weights, layers, chosen) -> float:
    """The objective written out from its definition, without the merged rows."""
    total = 0.0
    for a, w in zip(covers, weights, strict=True):
        n = a[:, list(chosen)].sum(axis=1) if chosen else np.zeros(a.shape[0])
        for i, wi in enumerate(w):
            total += wi * sum(layers[: min(int(n[i]), len(layers))])
    return total


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("budget", [4.0, 9.0, 15.0])
def test_milp_optimum_equals_brute_force(seed, budget):
    covers, weights, layers, cost = _instance(seed, n_units=11, layers=(1.0, 0.5))
    groups = [(np.arange(0, 5), 2)]  # at most two of the first five units (one system)
    problem = CoverProblem.from_dense(covers, weights, layers, cost, budget, groups)
    sol = solve_milp(problem)
    assert problem.feasible(sol.chosen)
    assert sol.value == pytest.approx(_brute(problem), rel=1e-6, abs=1e-12)
    # merging identical cells does not change the objective
    assert sol.value == pytest.approx(_direct_value(covers, weights, layers, sol.chosen))
    # the LP relaxation is an upper bound on the optimum
    assert lp_bound(problem) >= sol.value - 1e-9


def test_lp_bound_is_exact_when_the_relaxation_is_integral():
    """Disjoint coverage, equal costs, an integer budget: the LP optimum is the best k units."""
    rng = np.random.default_rng(7)
    cover = np.zeros((40, 8), dtype=bool)
    for i in range(40):
        cover[i, i % 8] = True
    w = rng.random(40)
    problem = CoverProblem.from_dense([cover], [w], [1.0], np.ones(8), budget=3.0)
    opt = _brute(problem)
    assert lp_bound(problem) == pytest.approx(opt, rel=1e-9)
    assert opt == pytest.approx(np.sort(np.bincount(np.arange(40) % 8, weights=w))[-3:].sum())


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [2, 3, 5])
def test_greedy_within_one_minus_one_over_e_and_gap_is_true(seed, k):
    covers, weights, layers, _ = _instance(seed + 10, n_units=12, layers=(1.0, 0.6, 0.2))
    cost = np.ones(12)
    problem = CoverProblem.from_dense(covers, weights, layers, cost, budget=float(k))
    opt = _brute(problem)
    g = greedy(problem)
    m = solve_milp(problem)
    assert len(g.chosen) <= k
    assert g.value >= (1 - 1 / math.e) * opt - 1e-12
    assert m.value == pytest.approx(opt, rel=1e-6)
    gap = (m.value - g.value) / m.value
    assert gap == pytest.approx((opt - problem.value(g.chosen)) / opt, abs=1e-12)
    assert g.value == pytest.approx(_direct_value(covers, weights, layers, g.chosen))
    assert g.bound >= opt - 1e-12  # the data-dependent bound holds


def test_greedy_bound_holds_with_costs_and_limits():
    for seed in range(8):
        covers, weights, layers, cost = _instance(seed + 50, n_units=10, layers=(1.0, 0.5))
        groups = [(np.arange(0, 4), 1)]
        problem = CoverProblem.from_dense(covers, weights, layers, cost, 8.0, groups)
        g = greedy(problem)
        opt = _brute(problem)
        assert g.value <= opt + 1e-12 <= g.bound + 2e-12


def test_budgeted_greedy_is_feasible_and_not_above_optimum():
    for seed in range(5):
        covers, weights, layers, cost = _instance(seed + 30, n_units=10)
        problem = CoverProblem.from_dense(covers, weights, layers, cost, budget=7.0)
        g = greedy(problem)
        assert problem.feasible(g.chosen)
        assert g.value <= _brute(problem) + 1e-12


def test_cheapest_optimum_buys_nothing_useless():
    # two units cover every cell; the budget allows all three
    a = np.array([[1, 0, 1], [0, 1, 0], [0, 1, 1]], dtype=bool)
    problem = CoverProblem.from_dense([a], [np.ones(3)], [1.0], [1.0, 1.0, 1.0], budget=3.0)
    sol = solve_milp(problem)
    assert sol.value == pytest.approx(3.0)
    assert len(sol.chosen) == 2 and sol.cost == 2.0
    plain = solve_milp(problem, cheapest=False)
    assert plain.value == pytest.approx(3.0)


def test_layer_weights_must_be_non_increasing():
    with pytest.raises(ValueError):
        CoverProblem.from_dense([np.ones((2, 2), bool)], [np.ones(2)], [0.5, 1.0], [1, 1])
