"""Stages 8 and 9 of a replication: threat evaluation and weapon assignment.

They decide who fires at what on a step, from the fire units' state (channels, rounds, salvos in
the air) and the sparse intercept solutions of :mod:`iadsim.engine.prepare`. Like the stages of
:mod:`iadsim.engine.stages`, each is a numba function on the replication's State ``st`` and
the variant's Static ``sx`` (both by reference), and none allocates (the step loop runs without
reference counting), except :func:`assign_optimal`, which leaves numba for scipy.
"""

from __future__ import annotations

import numba
import numpy as np

from iadsim.engine import stages_track  # issue 12: the tracker's hooks
from iadsim.engine.solution import intercept_step
from iadsim.engine.stages import inline, jit, log_event
from iadsim.engine.state import (
    EV_LAUNCH,
    EVAL_DUE,
    EVALUATE_AT,
    N_ENG,
    N_FRESH,
    N_LIVE,
    NEVER,
    PENDING,
    RELOAD_CHECK,
)


@inline
def can_fire(st, sx, f):
    """A free fire channel, a round ready, and room for a salvo in the air."""
    u = sx.unit[f]  # a row is one magazine; channels and missiles in flight are the unit's
    if st.busy_ch[u] >= sx.channels[f] or st.ready[f] <= 0:
        return False
    if sx.sead_on and st.radar_dead[u]:  # issue 11: its fire-control radar was destroyed
        return False
    return st.in_flight[u] + min(sx.salvo, st.ready[f]) <= sx.max_in_flight[f]


@inline
def unit_can_fire(st, sx, f0):
    """Some magazine of the fire unit whose first row is ``f0`` can fire."""
    for f in range(f0, sx.row_hi[f0]):
        if can_fire(st, sx, f):
            return True
    return False


@inline
def feasible(st, sx, f, j, t):
    """Intercept step if ``f`` may launch at ``j`` now (tracked for its reaction time, inside
    the launch window, before the arrival, ballistic reserve respected), else -1."""
    window = sx.window
    a = st.avail[f, j]
    if a < 0 or t < a + sx.reaction_steps[f]:
        return -1
    tb = stages_track.believed_step(st, sx, j, t)  # issue 12: t unless tracks are estimated
    if tb < window[f, j, 0] or tb > window[f, j, 1]:
        return -1
    ic = intercept_step(sx, f, j, tb) + t - tb
    if ic < 0 or ic >= sx.impact_step[j]:
        return -1
    if not sx.is_ballistic[j] and st.ready[f] <= sx.reserve_ballistic:
        return -1
    return ic


@inline
def ready_rows(st, sx):
    """The rows (magazines) that can fire now (:func:`can_fire`), into ``st.fu_ok``; returns
    how many. Evaluating threats changes none of them, so they are found once per call of
    :func:`evaluate_threats`, not once per threat."""
    n_ok = 0
    for f in range(sx.channels.shape[0]):
        if can_fire(st, sx, f):
            st.fu_ok[n_ok] = f
            n_ok += 1
    return n_ok


@inline
def threat_due(st, sx, j, t, n_ok, due):
    """``due``, or the earliest step after ``t`` at which a launch window of threat ``j`` opens
    for one of the ``n_ok`` rows in ``st.fu_ok``, if that is earlier (the bound of
    :func:`evaluate_threats` for the threats it cannot engage now)."""
    if st.eng_count[j] >= sx.max_engagements or sx.value[j] < sx.hold_value:
        return due
    lead = stages_track.last_lead(st, sx, j)  # issue 12: 0 unless tracks are estimated
    if t + 1 > sx.win_hi[j] - lead:
        return due  # every launch window of the threat has closed
    if max(sx.win_lo[j] - lead, st.next_free[j], t + 1) >= due:
        return due  # no window of it opens before the earliest found: s0 below is no less
    for i in range(n_ok):
        f = st.fu_ok[i]
        if st.avail[f, j] < 0:
            continue
        s0 = max(
            st.avail[f, j] + sx.reaction_steps[f],
            sx.window[f, j, 0] - lead,
            st.next_free[j],
            t + 1,
        )
        if s0 <= sx.window[f, j, 1] - lead and s0 < due:
            due = s0
    return due


@inline
def is_candidate(st, sx, j, t, n_ok, perfect):
    """Whether one of the ``n_ok`` ready rows (``st.fu_ok``) can engage threat ``j`` now
    (:func:`feasible`); issue 12: a ballistic threat predicted to fall outside every asset is
    held instead (``held_miss``)."""
    if t < st.next_free[j]:
        return False
    if st.eng_count[j] >= sx.max_engagements or sx.value[j] < sx.hold_value:
        return False
    if perfect and (t < sx.win_lo[j] or t > sx.win_hi[j]):
        return False  # outside every fire unit's launch window: none is feasible
    for i in range(n_ok):
        # a candidate needs a fire unit that can fire now: one that cannot would leave the
        # threat unassigned and keep evaluation running on every step
        if feasible(st, sx, st.fu_ok[i], j, t) >= 0:
            if (
                sx.trk_hits_only
                and sx.is_ballistic[j]
                and not stages_track.predicted_hit(st, sx, j, t)
            ):
                st.held_miss[j] = 1
                return False
            return True
    return False


@inline
def fresh_due(st, sx, t, n_ok):
    """Threat evaluation's shortcut. When only new tracks and launches have come since its
    last run, which bounded every threat it did not find engageable by step ``ctr[EVAL_DUE]``
    > ``t`` (:func:`threat_due`), none of those can be engaged
    before that step: a track adds no ready row, and a launch takes rows away. So only the
    threats in ``st.fresh`` are looked at: the new tracks' and that run's candidates. Returns
    the next step due if none of them can be engaged now, or -1 if one can (then every threat
    is evaluated, as without the shortcut). The candidates are those of evaluating every
    threat each time; a bound left early by a launch at most adds a step at which evaluation
    finds nothing (and draws nothing)."""
    due = st.ctr[EVAL_DUE]
    for k in range(st.ctr[N_FRESH]):
        j = st.fresh[k]
        if st.fate[j] != PENDING:
            continue
        if is_candidate(st, sx, j, t, n_ok, True):
            return -1
        due = threat_due(st, sx, j, t, n_ok, due)
    return due


@jit
def evaluate_threats(st, sx, t):
    """Stage 8, threat evaluation: the threats some ready fire unit can engage now, ranked by
    asset value over time to impact (a value-based ranking; Roux & van Vuuren 2007, Threat
    evaluation and weapon assignment decision support, ORiON 23(2)). Returns how many, in
    ``st.cand`` with their priorities in ``st.prio``; runs only when something may have
    changed (``EVALUATE_AT``), and schedules its next run."""
    ctr = st.ctr
    if t < ctr[EVALUATE_AT]:
        return 0
    n_ok = ready_rows(st, sx)
    if n_ok == 0:
        ctr[EVALUATE_AT] = NEVER  # until an intercept or a reload frees a fire unit
        ctr[EVAL_DUE], ctr[N_FRESH] = -1, 0
        return 0
    # the shortcut of fresh_due (Static.eval_fresh: with perfect tracks, and no suppression
    # or decoys, which change fire units and threats by events that do not end it; without
    # it EVAL_DUE stays -1)
    if t < ctr[EVAL_DUE]:
        due = fresh_due(st, sx, t, n_ok)
        ctr[N_FRESH] = 0
        if due >= 0:
            ctr[EVALUATE_AT], ctr[EVAL_DUE] = due, due
            return 0
    ctr[N_FRESH] = 0
    n_cand = 0
    # feasible() reads the window at the believed step: the step itself with perfect tracks
    # (an estimated one is updated there, so is not read ahead of it)
    perfect = sx.trk_on == 0 or sx.trk_timing == 0
    # the threats that cannot be engaged now are bounded in the same pass: the earliest
    # opening of a launch window of a tracked threat for a fire unit able to fire, the first
    # step at which evaluation could find an engagement if no event (track, intercept, reload)
    # happens before it
    due = NEVER
    for li in range(ctr[N_LIVE]):
        j = st.live[li]
        if is_candidate(st, sx, j, t, n_ok, perfect):
            st.cand[n_cand] = j
            st.prio[n_cand] = sx.value[j] / max((sx.impact_step[j] - t) * sx.dt_s, sx.dt_s)
            n_cand += 1
        else:
            due = threat_due(st, sx, j, t, n_ok, due)
    if n_cand == 0:
        ctr[EVALUATE_AT] = due
        ctr[EVAL_DUE] = ctr[EVALUATE_AT] if sx.eval_fresh else -1
    else:
        # evaluated again on the next step; with the shortcut, of the threats that are not
        # candidates now only those bound by `due` (the launches made now take rows away,
        # which can only delay them), so the candidates join the new tracks in fresh
        ctr[EVALUATE_AT] = t + 1
        if sx.eval_fresh:
            for k in range(n_cand):
                st.fresh[k] = st.cand[k]
            ctr[N_FRESH] = n_cand
        ctr[EVAL_DUE] = due if sx.eval_fresh else -1
    return n_cand


@jit
def rank(st, n_cand):
    """The candidates' ranking into ``st.order``: by priority, highest first, ties in the
    order evaluation found them (a stable bottom-up merge sort, allocation-free; the same
    order as ``np.argsort(-prio, kind="mergesort")``)."""
    a, b, prio = st.order, st.order_tmp, st.prio
    for i in range(n_cand):
        a[i] = i
    width = 1
    while width < n_cand:
        lo = 0
        while lo < n_cand:
            mid = min(lo + width, n_cand)
            hi = min(lo + 2 * width, n_cand)
            i, k, w = lo, mid, lo
            while i < mid and k < hi:
                if prio[a[k]] > prio[a[i]]:  # strictly higher: ties keep the earlier first
                    b[w] = a[k]
                    k += 1
                else:
                    b[w] = a[i]
                    i += 1
                w += 1
            while i < mid:
                b[w] = a[i]
                i += 1
                w += 1
            while k < hi:
                b[w] = a[k]
                k += 1
                w += 1
            lo = hi
        for i in range(n_cand):
            a[i] = b[i]
        width *= 2


@inline
def launch(st, sx, t, f, j, ic):
    """Fire a salvo of ``min(salvo, ready)`` rounds (>= 1: callers check ``can_fire``)."""
    shots = min(sx.salvo, st.ready[f])
    st.ready[f] -= shots
    st.ctr[RELOAD_CHECK] = 1  # a launcher may now have room for a reload
    st.in_flight[sx.unit[f]] += shots
    st.busy_ch[sx.unit[f]] += 1
    k = st.ctr[N_ENG]
    st.e_f[k] = f
    st.e_j[k] = j
    st.e_ic[k] = ic
    st.e_shots[k] = shots
    st.ctr[N_ENG] = k + 1
    st.next_free[j] = ic + 1
    st.eng_count[j] += 1
    st.fu_shots[f] += shots
    st.shots_at[j] += shots
    st.cost_at[j] += shots * sx.round_cost_usd[f]  # spent on this threat (per-class costs)
    log_event(st, t, EV_LAUNCH, j, f, shots)
    stages_track.launched(st, sx, j, t)  # issue 12: the launch solution's believed offset


@inline
def choose_row(st, sx, f0, j, t):
    """The options of the fire unit whose first row is ``f0`` against ``j`` now:
    ``(ic, pk, row, row_ic)``, its earliest intercept and that row's Pk (by which fire units are
    ranked), and the magazine it fires by the doctrine's interceptor choice with its intercept
    step: the cheapest with a feasible intercept (ties: earlier intercept), or the earliest
    intercept (ties: higher Pk). ``row`` is -1 if no magazine can engage. The choice never
    changes whether the unit can engage, only with what."""
    best_ic, best_pk, row, row_ic, row_cost = NEVER, -1.0, -1, -1, np.inf
    for f in range(f0, sx.row_hi[f0]):
        if not can_fire(st, sx, f):
            continue
        ic = feasible(st, sx, f, j, t)
        if ic < 0:
            continue
        if ic < best_ic or (ic == best_ic and sx.pk[f, j] > best_pk):
            best_ic, best_pk = ic, sx.pk[f, j]
            if sx.choice == 1:
                row, row_ic = f, ic
        cost = sx.round_cost_usd[f]
        if sx.choice == 0 and (cost < row_cost or (cost == row_cost and ic < row_ic)):
            row, row_ic, row_cost = f, ic, cost
    return best_ic, best_pk, row, row_ic


@jit
def assign_greedy(st, sx, t, order, n_cand):
    """Stage 9, weapon assignment (greedy): each threat in rank order takes the fire unit with
    the earliest intercept (ties: higher Pk), a myopic rule (Hosein & Athans 1990), which fires
    the magazine of the doctrine's interceptor choice."""
    for oi in range(n_cand):
        j = st.cand[order[oi]]
        best_row, best_row_ic = -1, -1
        best_ic = NEVER
        best_pk = -1.0
        for f0 in range(sx.channels.shape[0]):
            if sx.row_lo[f0] != f0:
                continue  # a fire unit is visited once, at its first row
            ic, pk, row, row_ic = choose_row(st, sx, f0, j, t)
            if row < 0:
                continue
            if ic < best_ic or (ic == best_ic and pk > best_pk):
                best_ic, best_pk, best_row, best_row_ic = ic, pk, row, row_ic
        if best_row >= 0:
            launch(st, sx, t, best_row, j, best_row_ic)


def _assign_optimal(profit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(profit, maximize=True)
    return rows.astype(np.int64), cols.astype(np.int64)


@numba.njit(cache=True)  # not inlined: it leaves numba for scipy
def assign_optimal(st, sx, t, order, n_cand):
    """Stage 9, weapon assignment (optimal): the assignment of ranked threats to free fire
    channels that maximises the expected value killed, value x (1 - (1 - Pk)^shots), by the
    Hungarian method (scipy ``linear_sum_assignment``; Kuhn 1955, Crouse 2016)."""
    n_f = sx.channels.shape[0]
    n_slots = 0
    for f0 in range(n_f):
        if sx.row_lo[f0] == f0 and unit_can_fire(st, sx, f0):
            n_slots += sx.channels[f0] - st.busy_ch[sx.unit[f0]]
    slot_fu = np.empty(n_slots, dtype=np.int64)  # first row of the slot's fire unit
    si = 0
    for f0 in range(n_f):
        if sx.row_lo[f0] == f0 and unit_can_fire(st, sx, f0):
            for _ in range(sx.channels[f0] - st.busy_ch[sx.unit[f0]]):
                slot_fu[si] = f0
                si += 1
    profit = np.zeros((n_cand, n_slots))
    ics = np.full((n_cand, n_slots), -1, dtype=np.int64)
    rows = np.full((n_cand, n_slots), -1, dtype=np.int64)
    any_feasible = False
    for ci in range(n_cand):
        j = st.cand[order[ci]]
        for sj in range(n_slots):
            _, _, f, ic = choose_row(st, sx, slot_fu[sj], j, t)
            if f >= 0:
                shots = min(sx.salvo, st.ready[f])
                profit[ci, sj] = sx.value[j] * (1.0 - (1.0 - sx.pk[f, j]) ** shots)
                ics[ci, sj] = ic
                rows[ci, sj] = f
                any_feasible = True
    if not any_feasible:
        return
    with numba.objmode(r_idx="int64[:]", c_idx="int64[:]"):
        r_idx, c_idx = _assign_optimal(profit)
    for r in range(r_idx.shape[0]):
        ci = r_idx[r]
        sj = c_idx[r]
        f = rows[ci, sj]
        if profit[ci, sj] <= 0.0 or not can_fire(st, sx, f):
            continue
        launch(st, sx, t, f, st.cand[order[ci]], ics[ci, sj])
