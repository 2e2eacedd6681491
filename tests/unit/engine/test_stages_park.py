"""Parking of refused pairs (``stages.park`` and its hooks), stage by stage."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.engine import stages
from iadsim.engine.bundle import call
from iadsim.engine.state import NEVER
from tests.unit.engine._kernel import fresh, prepared_from

TEXT = """\
schema_version: 1
name: park
terrain: {dem: none}
assets:
  - {name: cheap, lat: 33.0, lon: 44.02, value: 1, radius_m: 300}
  - {name: dear, lat: 33.0, lon: 44.03, value: 10, radius_m: 300}
fire_units:
  - {name: tor, system: tor-m2, lat: 33.0, lon: 44.0}
raids:
  - {name: a, threat: shahed-136, launch_points: [{lat: 33.0, lon: 43.6}], aim: cheap,
     count: 3, spacing_s: 40}
  - {name: b, threat: shahed-136, launch_points: [{lat: 33.0, lon: 43.3}], aim: dear,
     count: 3, spacing_s: 40, launch_time_s: 10}
"""


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    return prepared_from(TEXT, tmp_path_factory.mktemp("park"))


def _priority(sx, j, t):
    """The capacity rule's priority, written out (the oracle of stages.priority)."""
    return sx.value[j] / max((sx.impact_step[j] - t) * sx.dt_s, sx.dt_s)


def _first_overtake(sx, j, k, t):
    """Brute force: the first step after ``t`` at which j's priority exceeds k's while both fly."""
    for x in range(t + 1, min(sx.impact_step[j], sx.impact_step[k])):
        if _priority(sx, j, x) > _priority(sx, k, x):
            return x
    return NEVER


def test_crossing_is_a_tight_lower_bound_of_brute_force(prepared):
    sx = prepared.static()
    n = sx.launch_step.shape[0]
    checked = 0
    for j in range(n):
        for k in range(n):
            for t in range(0, int(min(sx.impact_step[j], sx.impact_step[k])), 97):
                if _priority(sx, j, t) > _priority(sx, k, t):
                    continue  # crossing's premise: j does not outrank k at t
                got = stages.crossing(sx, j, k, t)
                want = _first_overtake(sx, j, k, t)
                if want == NEVER:
                    assert got == NEVER or got >= t + 1
                    continue
                checked += 1
                assert t + 1 <= got <= want and want - got <= 2, (j, k, t, got, want)
    assert checked > 20  # cheap drones do overtake dear ones, late, when they are nearer impact


def test_park_waits_for_the_first_track_it_could_outrank(prepared):
    st, sx = fresh(prepared)
    n_s = sx.scan_steps.shape[0]
    cheap = [j for j in range(sx.value.shape[0]) if sx.value[j] == 1.0]
    dear = [j for j in range(sx.value.shape[0]) if sx.value[j] == 10.0]
    s, t = 0, 0
    for k in dear[:2]:
        call(stages.hold_track, st, sx, s, k)
    j = cheap[0]
    r = j * n_s + s
    call(stages.park, st, sx, s, j, r, int(sx.scan_off[r]), t)
    want = min(stages.crossing(sx, j, k, t) for k in dear[:2])
    assert st.park_until[r] == want == st.wake_due[s] and st.parked_n[s] == 1
    assert st.parked_list[s * sx.launch_step.shape[0]] == j and not st.ahead[r]


def test_a_new_track_brings_parked_pairs_forward(prepared):
    st, sx = fresh(prepared)
    n_s, n = sx.scan_steps.shape[0], sx.launch_step.shape[0]
    cheap = [j for j in range(n) if sx.value[j] == 1.0]
    dear = [j for j in range(n) if sx.value[j] == 10.0]
    s, t = 0, 5
    call(stages.hold_track, st, sx, s, dear[0])
    j = dear[1]  # parked (as if refused), then a cheap drone takes a track
    r = j * n_s + s
    call(stages.park, st, sx, s, j, r, int(sx.scan_off[r]), t)
    assert st.park_until[r] == NEVER  # same value, later impact: it never outranks dear[0]
    assert call(stages.confirm, st, sx, s, cheap[0], t)  # the radar has room: it takes it
    # it outranks the new track now: due on this step if its scan comes after the new track's
    want = t if sx.launch_rank[j] > sx.launch_rank[cheap[0]] else t + 1
    assert st.park_until[r] == want == st.wake_due[s]


def test_a_freed_track_makes_every_parked_pair_due(prepared):
    st, sx = fresh(prepared)
    n_s, n = sx.scan_steps.shape[0], sx.launch_step.shape[0]
    dear = [j for j in range(n) if sx.value[j] == 10.0]
    s, t = 0, 7
    call(stages.hold_track, st, sx, s, dear[0])
    parked = [j for j in range(n) if j != dear[0]]
    for j in parked:
        r = j * n_s + s
        call(stages.park, st, sx, s, j, r, int(sx.scan_off[r]), 0)
    st.fate[dear[0]] = 1
    call(stages.drop_tracks, st, sx, dear[0], t)
    assert st.held[s] == 0
    assert all(st.park_until[j * n_s + s] == t for j in parked)
    assert st.wake_due[s] == st.sensor_due[s] == t


def test_wake_resumes_due_pairs_and_counts_their_refusals(prepared):
    """A parked pair woken at step t has had its detections before t drawn, each that reached
    M of N counted as a refusal, and rejoins the queue at its next detection at or after t."""
    st, sx = fresh(prepared)
    n_s = sx.scan_steps.shape[0]
    s = 0
    j = int(np.argmax(sx.scan_off[1:] - sx.scan_off[:-1]) // n_s)  # the pair seen longest
    r = j * n_s + s
    lo, end = int(sx.scan_off[r]), int(sx.scan_off[r + 1])
    high = np.flatnonzero(sx.scan_pd[lo:end] > 0.8)
    assert high.shape[0] > 40
    c0 = lo + int(high[0])  # from the first scan with a Pd over 0.8
    assert (sx.scan_pd[c0 : c0 + 20] > 0.5).all()
    st.fate[:] = 0
    call(stages.park, st, sx, s, j, r, c0, int(sx.scan_step[c0]) - 1)
    t = int(sx.scan_step[c0 + 20])
    st.park_until[r] = t
    st.wake_due[s] = t
    call(stages.wake, st, sx, s, t, np.random.default_rng(3))
    assert st.parked_n[s] == 0 and st.park_until[r] == -1
    # Pd is high: most of the 20 scans detect, and each from the second on reaches 2 of 3
    assert 10 <= st.refused[j] <= 19
    assert st.last_scan[r] < t and st.ahead[r] and sx.scan_step[st.cursor[r]] >= t
    assert st.n_log[0] == st.refused[j]
    assert (st.log[: st.n_log[0], 0] < t).all()
