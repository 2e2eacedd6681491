"""Each kernel stage on its own, on a small prepared scenario (two drones, one Tor-M2)."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.engagement.intercept import earliest_intercepts, intercept_breakpoints
from iadsim.engine import stages, stages_assign
from iadsim.engine.bundle import call, call_st
from iadsim.engine.state import (
    EVAL_DUE,
    EVALUATE_AT,
    FAILED,
    KILLED,
    LEAKED,
    N_ENG,
    N_LIVE,
    PENDING,
)
from tests.unit.engine._kernel import fresh, prepared_from

TEXT = """\
schema_version: 1
name: stages
terrain: {dem: none}
assets: [{name: depot, lat: 33.95, lon: 44.35, value: 5, radius_m: 300}]
fire_units:
  - {name: tor, system: tor-m2, lat: 33.955, lon: 44.355, interceptors_loaded: 4,
     reserve_interceptors: 16}
raids:
  - {name: d, threat: shahed-136, launch_points: [{lat: 33.95, lon: 43.95}], aim: depot,
     count: 2, spacing_s: 60}
"""


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    return prepared_from(TEXT, tmp_path_factory.mktemp("s"))


def test_draw_threats_fixed_draws_and_failures(prepared):
    st, sx = fresh(prepared)
    call(stages.draw_threats, st, sx, np.random.default_rng(1))
    assert (st.fate == PENDING).all() and (st.shots_at == 0).all()
    # four draws per threat whatever the outcome: the next draw is the 4 N + 1-th
    rng = np.random.default_rng(1)
    ref = [rng.random(), rng.random(), rng.standard_normal(), rng.standard_normal()]
    assert st.miss_east_m[0] == pytest.approx(ref[2] * sx.cep_sigma_m[0])
    for j in range(2):
        if st.fails[j]:
            assert sx.launch_step[j] < st.fail_step[j] < sx.impact_step[j]


def test_fail_and_arrivals_resolve_and_compact(prepared):
    st, sx = fresh(prepared)
    call(stages.draw_threats, st, sx, np.random.default_rng(1))
    st.fails[:] = [True, False]
    st.fail_step[0] = sx.launch_step[0] + 5
    call(stages.admit_launches, st, sx, int(sx.impact_step.max()), np.random.default_rng(2))
    assert st.ctr[N_LIVE] == 2
    call(stages.fail_threats, st, sx, int(st.fail_step[0]))
    assert st.fate[0] == FAILED and st.end_step[0] == st.fail_step[0]
    call(stages.arrivals, st, sx, int(sx.impact_step[1]))
    assert st.fate[1] == LEAKED and st.ctr[N_LIVE] == 0


def test_resolve_intercepts_kill_and_assessment(prepared):
    st, sx = fresh(prepared)
    call(stages.draw_threats, st, sx, np.random.default_rng(1))
    call(stages.admit_launches, st, sx, int(sx.launch_step.max()), np.random.default_rng(2))
    for k, j in enumerate((0, 1)):  # two single-round engagements due at step 500
        st.e_f[k], st.e_j[k], st.e_ic[k], st.e_shots[k] = 0, j, 500, 1
    st.ctr[N_ENG] = 2
    st.busy_ch[0], st.in_flight[0] = 2, 2
    pk = sx.pk[0, 0]
    st.ctr[EVALUATE_AT] = 10**9
    st.ctr[EVAL_DUE] = 10**6
    call(stages.resolve_intercepts, st, sx, 500, np.random.default_rng(3))
    rng = np.random.default_rng(3)
    # swap-remove order: engagement 0 first, then the one moved into its slot (engagement 1)
    kills = [rng.random() < pk, rng.random() < pk]
    assert st.ctr[N_ENG] == 0 and st.busy_ch[0] == 0 and st.in_flight[0] == 0
    assert st.ctr[EVALUATE_AT] == 500  # an intercept makes threat evaluation due
    assert st.ctr[EVAL_DUE] == -1  # of every threat: a channel is free (stages_assign.fresh_due)
    for j, kill in enumerate(kills):
        assert (st.fate[j] == KILLED) == kill
        if not kill:
            assert st.next_free[j] == 500 + sx.assess_steps[0]


def test_reloads_one_launcher_after_reload_time(prepared):
    st, sx = fresh(prepared)
    st.ready[0] = 0
    call(stages.reloads, st, sx, 100)
    assert st.reload_done[0] == 100 + sx.reload_steps[0]
    st.ctr[EVAL_DUE] = 10**6
    call(stages.reloads, st, sx, int(st.reload_done[0]))
    assert st.ctr[EVAL_DUE] == -1  # a round loaded: every threat is evaluated again
    assert st.ready[0] == sx.per_launcher[0] or st.ready[0] == min(16, sx.per_launcher[0])
    assert st.reserve[0] == 16 - st.ready[0]


def test_detect_makes_no_draw_without_a_scan_entry(prepared):
    st, sx = fresh(prepared)
    call(stages.draw_threats, st, sx, np.random.default_rng(1))
    call(stages.admit_launches, st, sx, 0, np.random.default_rng(2))
    n_s = sx.scan_steps.shape[0]
    r = 0 * n_s + 0
    scan = int(sx.scan_steps[0])
    # a hit three scans ago and no entry now: nothing is drawn, the history waits
    st.history[r] = 1
    st.last_scan[r] = 1000 - 3 * scan
    st.cursor[r] = sx.scan_off[r + 1]  # no scan entry: the stage must not draw
    st.sensor_due[0] = 1000
    call(stages.detect, st, sx, 1000, np.random.default_rng(0))
    assert st.history[r] == 1 and not st.confirmed[r]  # untouched without an entry
    assert st.sensor_due[0] > 1000


def test_detect_draws_only_on_visible_scans(prepared):
    st, sx = fresh(prepared)
    call(stages.draw_threats, st, sx, np.random.default_rng(1))
    call(stages.admit_launches, st, sx, int(sx.impact_step.max()), np.random.default_rng(2))
    draws = 0
    for t in range(int(sx.impact_step.max()) + 1):
        if st.sensor_due.min() <= t:
            before = int(st.ctr[N_LIVE])
            call(stages.detect, st, sx, t, np.random.default_rng(t))
            assert st.ctr[N_LIVE] == before
            draws += 1
    entries = np.diff(sx.scan_off).sum()
    assert 0 < draws <= entries  # visited only scans with an entry


def test_intercept_records_equal_the_dense_sweep():
    """The sparse records give the dense earliest-intercept table exactly (random cases)."""
    rng = np.random.default_rng(5)
    dt = 1.0
    for _ in range(30):
        n_thr, n_steps = 3, 120
        launch = rng.integers(0, 40, n_thr)
        impact = launch + rng.integers(20, 79, n_thr)
        t_s = np.arange(n_steps) * dt
        slant = rng.uniform(1e3, 3e4, (n_thr, n_steps))
        feasible = rng.random((n_thr, n_steps)) < 0.3
        for j in range(n_thr):
            feasible[j, : launch[j]] = feasible[j, impact[j] + 1 :] = False
        dense = np.empty((n_thr, n_steps), dtype=np.int32)
        earliest_intercepts(t_s, slant, feasible, launch, impact, 1000.0, 3.0, 20.0, dense)
        j_idx, s_idx = np.nonzero(feasible)
        off, last, ic, win = intercept_breakpoints(
            dt, j_idx, s_idx, slant[j_idx, s_idx], launch, impact, 1000.0, 3.0, 20.0
        )
        for j in range(n_thr):
            for t in range(n_steps):
                if win[j, 0] <= t <= win[j, 1]:
                    k = off[j] + np.searchsorted(last[off[j] : off[j + 1]], t)
                    assert ic[k] == dense[j, t]
                else:
                    assert dense[j, t] == -1


@pytest.mark.parametrize("n_cand", [1, 2, 3, 7, 16, 33])
def test_rank_is_a_stable_descending_sort(prepared, n_cand):
    """The allocation-free merge sort ranks exactly as numpy's stable argsort of -priority,
    ties (many, from a coarse grid of values) in the order evaluation found them."""
    st, _ = fresh(prepared)
    big = np.zeros(64)
    rng = np.random.default_rng(n_cand)
    prio = np.round(rng.random(n_cand) * 4) / 4
    st2 = st._replace(
        prio=np.concatenate([prio, big]),
        order=np.empty(64 + n_cand, dtype=np.int64),
        order_tmp=np.empty(64 + n_cand, dtype=np.int64),
    )
    call_st(stages_assign.rank, st2, n_cand)
    assert st2.order[:n_cand].tolist() == np.argsort(-prio, kind="mergesort").tolist()


def test_scan_queue_pops_in_key_order(prepared):
    """A radar's scan queue (binary heap) gives back the smallest queued key at every pop,
    with pushes and pops interleaved (a brute-force minimum is the oracle)."""
    st, _ = fresh(prepared)
    big = st._replace(scan_heap=np.zeros(200, dtype=np.int64), fails=np.zeros(200, bool))
    queued = []
    for i, key in enumerate(np.random.default_rng(3).permutation(150).tolist()):
        call_st(stages.heap_push, big, 0, key)
        queued.append(key)
        if i % 3 == 2:
            assert big.scan_heap[0] == min(queued)
            call_st(stages.heap_pop, big, 0)
            queued.remove(min(queued))
    while queued:
        assert big.heap_n[0] == len(queued) and big.scan_heap[0] == min(queued)
        call_st(stages.heap_pop, big, 0)
        queued.remove(min(queued))
    assert big.heap_n[0] == 0


def test_scan_queue_with_its_run_pops_in_key_order(prepared):
    """The whole scan queue (heap and run) gives back its keys in rising order, as the heap
    alone would, while a scan at each step pops what is due and queues each threat's next
    scan (most one scan later, the rest later or out of order); a brute-force minimum is the
    oracle, and the run must take part."""
    st, sx = fresh(prepared)
    n = 200
    big = st._replace(
        scan_heap=np.zeros(n, dtype=np.int64),
        fails=np.zeros(n, bool),
        run_key=np.zeros(n, dtype=np.int64),
    )
    every = int(sx.scan_steps[0])
    rng = np.random.default_rng(5)
    queued = set()
    in_run = 0
    for rank in rng.permutation(n)[:150].tolist():
        key = int(rng.integers(0, 4)) * every * n + rank
        call(stages.queue_push, big, sx, 0, key, 0)
        queued.add(key)
    for t in range(0, 40 * every, every):
        while True:
            key, from_run = call_st(stages.queue_head, big, 0)
            if key // n > t:
                break
            assert key == min(queued)
            call_st(stages.queue_pop, big, 0, from_run)
            queued.remove(key)
            in_run += from_run
            later = 1 if rng.random() < 0.8 else int(rng.integers(2, 6))
            call(stages.queue_push, big, sx, 0, (t + later * every) * n + key % n, t)
            queued.add((t + later * every) * n + key % n)
    assert in_run > 1000  # most visits came off the run
    assert big.run_n[0] + big.heap_n[0] == len(queued)


def test_held_list_follows_holds_and_releases(prepared):
    """The held list of a radar is exactly the set of its confirmed tracks, whatever the order
    of takes and releases (swap-remove keeps positions consistent)."""
    st, sx = fresh(prepared)
    n, n_s = sx.launch_step.shape[0], sx.scan_steps.shape[0]
    for j in range(n):
        call(stages.hold_track, st, sx, 0, j)
    call(stages.release_track, st, sx, 0, 0)
    held = sorted(st.held_list[: st.held[0]].tolist())
    assert held == [j for j in range(n) if st.confirmed[j * n_s]] == list(range(1, n))
    call(stages.drop_tracks, st, sx, n - 1, 0)
    assert st.held[0] == n - 2 and not st.confirmed[(n - 1) * n_s]
