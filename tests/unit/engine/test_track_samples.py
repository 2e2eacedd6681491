"""The sampled tracks of tracks.parquet: vectorised sampling against the per-threat rule."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from iadsim.engine.runner import track_samples


def per_threat(launch, impact, max_points):
    """The rule written threat by threat: every ``max(1, flight // max_points)`` steps from
    launch, and the impact step, without repeats."""
    threat, step = [], []
    for j, (lo, hi) in enumerate(zip(launch, impact, strict=True)):
        stride = max(1, (hi - lo) // max_points)
        idx = np.unique(np.r_[np.arange(lo, hi + 1, stride), hi])
        threat.append(np.full(idx.size, j))
        step.append(idx)
    return np.concatenate(threat), np.concatenate(step)


@settings(max_examples=200, deadline=None)
@given(
    flights=st.lists(
        st.tuples(st.integers(0, 5000), st.integers(0, 3000)), min_size=1, max_size=12
    ),
    max_points=st.integers(1, 500),
)
def test_samples_follow_the_per_threat_rule(flights, max_points):
    launch = np.array([lo for lo, _ in flights])
    impact = launch + np.array([n for _, n in flights])
    threat, step = track_samples(launch, impact, max_points)
    want_threat, want_step = per_threat(launch, impact, max_points)
    np.testing.assert_array_equal(threat, want_threat)
    np.testing.assert_array_equal(step, want_step)


def test_impact_step_is_kept_and_samples_are_bounded():
    launch, impact = np.array([0, 10, 7]), np.array([1003, 10, 407])
    threat, step = track_samples(launch, impact, 400)
    for j in range(3):
        mine = step[threat == j]
        assert mine[0] == launch[j] and mine[-1] == impact[j]
        assert np.all(np.diff(mine) > 0)
        # the stride is rounded down: fewer than twice max_points, and the impact step
        assert mine.size <= 2 * 400 + 1
    assert np.sum(threat == 0) == 503  # stride 2 over 1,003 steps, and the impact
