"""A parked pair's wake-up step (stages.park): the least crossing with a radar's held tracks,
taken from the latest-impacting track of each value, against the least over every track."""

from __future__ import annotations

import math

import numpy as np
import pytest

import iadsim
from iadsim.engine import stages
from iadsim.engine.bundle import call
from iadsim.engine.prepare import prepare
from iadsim.engine.state import NEVER, _value_classes
from tests.unit.engine._kernel import fresh


@pytest.fixture(scope="module")
def april():
    return prepare(iadsim.load_scenario("bench/scenarios/april-2024-scale.yaml"), None)


def _crossing(sx, j, k, t):
    """stages.crossing written out in Python (the same IEEE double operations)."""
    v_j, v_k = float(sx.value[j]), float(sx.value[k])
    i_j, i_k = int(sx.impact_step[j]), int(sx.impact_step[k])
    if v_k <= v_j:
        return NEVER
    x = (v_k * i_j - v_j * i_k) / (v_k - v_j)
    due = max(t + 1, math.floor(x) - 1)
    return due if due < min(i_j, i_k) else NEVER


def _brute(sx, st, s, j, t):
    """The least crossing over every held track of radar ``s``."""
    n = sx.launch_step.shape[0]
    return min([NEVER] + [_crossing(sx, j, k, t) for k in st.held_list[s * n : s * n + st.held[s]]])


@pytest.mark.parametrize("values", [None, (1.5, 2.25, 7.1, 7.1000001)])
def test_least_crossing_over_values_is_the_least_over_tracks(april, values):
    st, sx = fresh(april)
    rng = np.random.default_rng(5)
    n = sx.launch_step.shape[0]
    if values is not None:  # values whose products are not exact in floating point
        value = rng.choice(values, size=n)
        class_value, value_class = _value_classes(value)
        sx = sx._replace(value=value, class_value=class_value, value_class=value_class)
    held = {0: set(), 1: set()}
    checked = {"classes": 0, "direct": 0}
    for _ in range(3000):
        s = int(rng.integers(0, 2))
        if held[s] and rng.random() < 0.45:  # release one, often the latest of its value
            k = max(held[s], key=lambda k: (sx.impact_step[k], rng.random()))
            k = k if rng.random() < 0.5 else rng.choice(sorted(held[s]))
            call(stages.release_track, st, sx, s, int(k))
            held[s].discard(k)
        else:
            free = [k for k in range(n) if k not in held[s]]
            k = int(rng.choice(free))
            call(stages.hold_track, st, sx, s, k)
            held[s].add(k)
        j = int(rng.integers(0, n))
        t = int(rng.integers(0, max(1, sx.impact_step[j])))
        got = call(stages.earliest_crossing, st, sx, s, j, t)
        assert got == _brute(sx, st, s, j, t)
        checked["classes" if st.held[s] > sx.class_value.shape[0] else "direct"] += 1
    assert checked["classes"] > 1000 and checked["direct"] > 10
