"""The live list's earliest failure and impact (ctr LIVE_FAIL, LIVE_ARRIVE), which next_step
reads instead of a pass over the live threats: kept by admit_launches and arrivals, they must
equal the minimum over the list after every change to it, whatever the fates."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.engine import stages
from iadsim.engine.bundle import call
from iadsim.engine.state import (
    KILLED,
    LIVE_ARRIVE,
    LIVE_FAIL,
    N_LIVE,
    NEVER,
    PENDING,
    T_ARRIVE,
    T_FAIL,
)
from tests.unit.engine._kernel import fresh, prepared_from
from tests.unit.engine.test_stages import TEXT as STAGES_TEXT

# the stage tests' depot and Tor-M2, under a raid of 18 threats of two kinds
TEXT = (
    STAGES_TEXT.split("raids:")[0]
    + """raids:
  - {name: d, threat: shahed-136, launch_points: [{lat: 33.95, lon: 43.95}], aim: depot,
     count: 12, spacing_s: 45}
  - {name: b, threat: fateh-313, launch_points: [{lat: 33.5, lon: 42.5}], aim: depot,
     count: 6, spacing_s: 20}
"""
)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    return prepared_from(TEXT, tmp_path_factory.mktemp("s"))


def _brute(st, sx):
    """The earliest failure step and impact step over the live list, by a pass over it."""
    live = st.live[: st.ctr[N_LIVE]]
    fail = [st.fail_step[j] for j in live if st.fails[j]]
    return (min(fail, default=NEVER), min((sx.impact_step[j] for j in live), default=NEVER))


@pytest.mark.parametrize("seed", range(8))
def test_the_live_bounds_follow_the_live_list(prepared, seed):
    st, sx = fresh(prepared)
    rng = np.random.default_rng(seed)
    call(stages.draw_threats, st, sx, rng)
    # many failures, at random steps in each flight, so the failure bound moves
    for j in range(sx.launch_step.shape[0]):
        st.fails[j] = rng.random() < 0.5
        st.fail_step[j] = rng.integers(sx.launch_step[j] + 1, sx.impact_step[j])
    assert (st.ctr[LIVE_FAIL], st.ctr[LIVE_ARRIVE]) == (NEVER, NEVER)
    steps = np.unique(np.concatenate([sx.launch_step, sx.impact_step, st.fail_step]))
    checked = 0
    for t in steps[steps >= 0]:
        call(stages.admit_launches, st, sx, int(t), rng)
        assert (st.ctr[LIVE_FAIL], st.ctr[LIVE_ARRIVE]) == _brute(st, sx)
        # some live threats are killed, or fail, out of turn: the compaction drops them
        for j in st.live[: st.ctr[N_LIVE]]:
            if st.fate[j] == PENDING and rng.random() < 0.15:
                st.fate[j] = KILLED
        call(stages.arrivals, st, sx, int(t))
        assert (st.fate[st.live[: st.ctr[N_LIVE]]] == PENDING).all()
        assert (st.ctr[LIVE_FAIL], st.ctr[LIVE_ARRIVE]) == _brute(st, sx)
        call(stages.next_step, st, sx, int(t))
        assert (st.ctr[T_FAIL], st.ctr[T_ARRIVE]) == _brute(st, sx)
        checked += st.ctr[N_LIVE] > 0
    assert checked > 5  # the list was not empty throughout
