"""Threat evaluation's shortcut (stages_assign.fresh_due): after an evaluation that found
nothing, a new track makes only its own threat be looked at, since that evaluation's next due
step bounds every other threat. The shortcut must change no replication, and must be taken."""

from __future__ import annotations

import numpy as np
import pytest

import iadsim
from iadsim.engine.chunks import _outputs
from iadsim.engine.kernel import run_replications
from iadsim.engine.prepare import prepare
from iadsim.engine.seeding import stream_generator, uint32_words
from iadsim.engine.stages_assign import evaluate_threats
from iadsim.engine.state import (
    EVAL_DUE,
    EVALUATE_AT,
    N_FRESH,
    N_LIVE,
)
from tests.unit.engine._kernel import fresh


def _replications(p, sx, n, seed=11):
    out = _outputs(n, len(p.threats.raid), len(p.fire_units.name))
    log, n_log = np.zeros((0, 5), dtype=np.int64), np.zeros(1, dtype=np.int64)
    run_replications(
        stream_generator(), stream_generator(), uint32_words(seed), 0, sx, out, log, n_log
    )
    return out


@pytest.mark.parametrize(
    "path, variant, n",
    [
        ("bench/scenarios/april-2024-scale.yaml", None, 6),
        ("examples/iraq-2020-al-asad.yaml", "s400-tor", 300),
        ("examples/iraq-2020-al-asad.yaml", "patriot", 300),
        ("examples/depot-drone-raid.yaml", None, 300),
        ("examples/iraq-2019-depot-strikes.yaml", None, 300),
    ],
)
def test_the_shortcut_changes_no_replication(path, variant, n):
    scenario = iadsim.load_scenario(path)
    variant = variant or (scenario.variants[0].name if scenario.variants else None)
    p = prepare(scenario, variant)
    sx = p.static()
    assert sx.eval_fresh  # perfect tracks, no suppression or decoys
    with_it = _replications(p, sx, n)
    without = _replications(p, sx._replace(eval_fresh=False), n)
    for a, b in zip(with_it, without, strict=True):
        np.testing.assert_array_equal(a, b)


def test_estimated_tracks_and_attacks_do_without_it():
    scenario = iadsim.load_scenario("examples/iraq-2020-al-asad.yaml")
    tracked = scenario.model_copy(
        update={"doctrine": scenario.doctrine.model_copy(update={"tracking": "estimated"})}
    )
    assert not prepare(tracked, "s400-tor").static().eval_fresh


@pytest.fixture(scope="module")
def engageable():
    """Al Asad's S-400 variant, a (row, threat, step) at which the row can engage the threat
    once it holds its track, and a second threat."""
    p = prepare(iadsim.load_scenario("examples/iraq-2020-al-asad.yaml"), "s400-tor")
    sx = p.static()
    for f in range(sx.window.shape[0]):
        for j in range(sx.window.shape[1]):
            lo = sx.window[f, j, 0]
            if lo >= sx.reaction_steps[f] + 1 and sx.window[f, j, 1] > lo:
                other = (j + 1) % sx.window.shape[1]
                return p, f, j, other, int(lo)
    raise AssertionError("no launch window in the example")


def _state(p, f, old, new, t, eval_fresh=True):
    st, sx = fresh(p)
    sx = sx._replace(eval_fresh=eval_fresh)
    st.live[0], st.live[1] = old, new
    st.ctr[N_LIVE] = 2
    st.ctr[EVALUATE_AT] = t
    # the last evaluation found nothing and scheduled step t + 50; since then a track of `new`
    st.ctr[EVAL_DUE] = t + 50 if eval_fresh else -1
    st.fresh[0] = new
    st.ctr[N_FRESH] = 1
    return st, sx


def test_the_shortcut_looks_at_the_new_tracks_alone(engageable):
    p, f, j, other, t = engageable
    # `j` engageable (tracked by f since step 0) but not new; the new track's threat is not
    st, sx = _state(p, f, j, other, t)
    st.avail[f, j] = 0
    assert evaluate_threats(st, sx, t) == 0  # the bound says j cannot be engaged before t + 50
    assert st.ctr[EVALUATE_AT] <= t + 50 and st.ctr[N_FRESH] == 0
    # without the shortcut every threat is looked at, and j is found
    st, sx = _state(p, f, j, other, t, eval_fresh=False)
    st.avail[f, j] = 0
    assert evaluate_threats(st, sx, t) == 1 and st.cand[0] == j


def test_a_new_track_that_can_be_engaged_brings_every_threat_back(engageable):
    p, f, j, other, t = engageable
    st, sx = _state(p, f, other, j, t)
    st.avail[f, j] = 0
    assert evaluate_threats(st, sx, t) == 1 and st.cand[0] == j
    # evaluated again on the next step: the candidate is looked at again, the other threat
    # only from its bound
    assert st.ctr[EVALUATE_AT] == t + 1
    assert st.ctr[N_FRESH] == 1 and st.fresh[0] == j and st.ctr[EVAL_DUE] > t
