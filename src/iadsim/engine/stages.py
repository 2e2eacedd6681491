"""The stages of one replication, in the order the driver runs them on a step.

Each stage is a small numba function ``stage(st, sx, t[, rng])`` on the replication's
:data:`~iadsim.engine.state.State` ``st`` and the variant's
:data:`~iadsim.engine.state.Static` ``sx``, with one job and one reference. The order, and the
order of draws within a stage, is fixed, so a replication's draws depend only on its seed.

Fate codes: 0 pending, 1 killed, 2 leaked, 3 failed in flight.
"""

from __future__ import annotations

import numba
import numpy as np

from iadsim.engine import stages_track  # issue 12: the tracker's hooks
from iadsim.engine.stages_attack import jammed_pd, radar_quiet, released
from iadsim.engine.state import (
    EV_FAIL,
    EV_KILL,
    EV_LEAK,
    EV_MISS,
    EV_REFUSED,
    EV_TRACK,
    EVAL_DUE,
    EVALUATE_AT,
    FAILED,
    KILLED,
    LEAKED,
    LIVE_ARRIVE,
    LIVE_FAIL,
    N_ENG,
    N_FRESH,
    N_LIVE,
    N_NEW,
    NEVER,
    NEXT_LAUNCH,
    PENDING,
    T_ARRIVE,
    T_FAIL,
    T_IC,
    T_LAUNCH,
    T_RELOAD,
    T_SCAN,
)

# A stage is a function of its own, compiled without reference counting like the step loop
# that calls it, and given the two bundles by reference (engine/bundle.py): a call passes two
# pointers. Inlining every stage into the loop, as the kernel once did, made its cold compile
# take over three minutes; compiled apart it takes under one, and runs as fast. Helpers of a
# few lines are still inlined into the stages that use them.
jit = numba.njit(cache=True, _nrt=False)
inline = numba.njit(cache=True, inline="always")


@inline
def log_event(st, t, kind, j, who, extra):
    """Append one event (step, kind, threat, who, extra) to the log, if it has room."""
    k = st.n_log[0]
    if k < st.log.shape[0]:
        st.log[k, 0] = t
        st.log[k, 1] = kind
        st.log[k, 2] = j
        st.log[k, 3] = who
        st.log[k, 4] = extra
        st.n_log[0] = k + 1


@inline
def hold_track(st, sx, s, j):
    """Radar ``s`` takes a track of ``j``: into its held list (``held_list``; ``held_pos`` is
    each pair's place in it, so a track leaves in constant time)."""
    n_s = sx.scan_steps.shape[0]
    n = sx.launch_step.shape[0]
    st.confirmed[j * n_s + s] = True
    st.held_list[s * n + st.held[s]] = j
    st.held_pos[j * n_s + s] = st.held[s]
    st.held[s] += 1
    q = s * sx.class_value.shape[0] + sx.value_class[j]  # the latest impact of its value
    st.class_last[q] = max(st.class_last[q], sx.impact_step[j])


@inline
def release_track(st, sx, s, j):
    """Radar ``s`` drops its track of ``j`` (swap-remove from its held list)."""
    n_s = sx.scan_steps.shape[0]
    n = sx.launch_step.shape[0]
    st.confirmed[j * n_s + s] = False
    last = st.held[s] - 1
    moved = st.held_list[s * n + last]
    pos = st.held_pos[j * n_s + s]
    st.held_list[s * n + pos] = moved
    st.held_pos[moved * n_s + s] = pos
    st.held[s] = last
    if sx.impact_step[j] >= st.class_last[s * sx.class_value.shape[0] + sx.value_class[j]]:
        st.class_stale[s] = True  # it was the latest of its value: found again when needed


@inline
def drop_tracks(st, sx, j, t):
    """Free every radar's track of a threat that no longer flies (at step ``t``). A radar with a
    track freed so has room again: its parked pairs (:func:`park`) are due now; so are the
    threat's own parked pairs, to count their refusals up to its end."""
    n_s = sx.scan_steps.shape[0]
    n = sx.launch_step.shape[0]
    for s in range(n_s):
        r = j * n_s + s
        if st.confirmed[r]:
            release_track(st, sx, s, j)
            if st.parked_n[s] > 0:
                for i in range(s * n, s * n + st.parked_n[s]):
                    st.park_until[st.parked_list[i] * n_s + s] = t
                wake_at(st, s, t)
        elif st.park_until[r] >= 0:
            st.park_until[r] = t
            wake_at(st, s, t)


@inline
def wake_at(st, s, t):
    """Radar ``s`` has a parked pair due at step ``t``: it is due to scan by then."""
    st.wake_due[s] = min(st.wake_due[s], t)
    st.sensor_due[s] = min(st.sensor_due[s], t)
    st.ctr[T_SCAN] = min(st.ctr[T_SCAN], t)


@jit
def draw_threats(st, sx, rng):
    """Stage 1, threat draws: in-flight failure (Bernoulli on the catalog reliability), its
    time (uniform over the flight), and the CEP miss (circular normal, sigma = CEP / 1.1774).

    Always four draws per threat from the threat stream, so every variant of a scenario sees
    the same failures and misses (common random numbers; Law 2015, Simulation Modeling and
    Analysis, 5th ed., sec. 11.2).
    """
    for j in range(sx.launch_step.shape[0]):
        u_fail = rng.random()
        u_when = rng.random()
        e = rng.standard_normal()
        n = rng.standard_normal()
        st.miss_east_m[j] = e * sx.cep_sigma_m[j]
        st.miss_north_m[j] = n * sx.cep_sigma_m[j]
        st.fails[j] = False
        st.fail_step[j] = -1
        if u_fail >= sx.reliability[j]:
            st.fails[j] = True
            span = sx.impact_step[j] - sx.launch_step[j]
            st.fail_step[j] = sx.launch_step[j] + 1 + int(u_when * max(span - 1, 1))
        st.fate[j] = PENDING
        st.killer[j] = -1
        st.intercept_step[j] = -1
        st.shots_at[j] = 0
        st.end_step[j] = -1
        st.refused[j] = 0
        st.cost_at[j] = 0.0
    st.ctr[LIVE_FAIL] = NEVER  # the live list is empty
    st.ctr[LIVE_ARRIVE] = NEVER


@jit
def admit_launches(st, sx, t, rng):
    """Threats launched by step ``t`` join the live list (in launch order), and each radar's
    next scan with something to see is brought forward to their first visible scan (to their
    first detection, drawn ahead, when the engine draws ahead: :func:`next_detection`)."""
    n_s = sx.scan_steps.shape[0]
    k = st.ctr[NEXT_LAUNCH]
    n_live = st.ctr[N_LIVE]
    n = sx.launch_step.shape[0]
    while k < n and sx.launch_step[sx.launch_order[k]] <= t:
        j = sx.launch_order[k]
        k += 1
        if sx.rel_on and not released(st, sx, j, t):  # issue 11: its aircraft is down
            continue
        st.live[n_live] = j
        n_live += 1
        if st.fails[j] and st.fail_step[j] < st.ctr[LIVE_FAIL]:
            st.ctr[LIVE_FAIL] = st.fail_step[j]
        st.ctr[LIVE_ARRIVE] = min(st.ctr[LIVE_ARRIVE], sx.impact_step[j])
        for s in range(n_s):
            r = j * n_s + s
            c, end = sx.scan_off[r], sx.scan_off[r + 1]
            if c == end:
                continue  # the radar never sees it
            if sx.draw_ahead:
                c = next_detection(sx, r, c, rng)
                queue_ahead(st, sx, s, j, r, c, t)
            else:
                queue_push(st, sx, s, sx.scan_step[c] * n + sx.launch_rank[j], t)
            if c < end and sx.scan_step[c] < st.sensor_due[s]:
                st.sensor_due[s] = sx.scan_step[c]
    st.ctr[NEXT_LAUNCH] = k
    st.ctr[N_LIVE] = n_live
    for s in range(n_s):
        st.ctr[T_SCAN] = min(st.ctr[T_SCAN], st.sensor_due[s])


@jit
def fail_threats(st, sx, t):
    """Stage 2, failures: a threat drawn to fail falls at its failure step."""
    live, fails, fate, fail_step = st.live, st.fails, st.fate, st.fail_step
    for li in range(st.ctr[N_LIVE]):
        j = live[li]
        if fails[j] and fate[j] == PENDING and fail_step[j] <= t:
            st.fate[j] = FAILED
            st.end_step[j] = st.fail_step[j]
            log_event(st, st.fail_step[j], EV_FAIL, j, -1, 0)
            drop_tracks(st, sx, j, t)


@jit
def resolve_intercepts(st, sx, t, rng):
    """Stage 3, intercepts due: each interceptor of a salvo kills independently with its Pk,
    so a salvo of n kills with 1 - (1 - Pk)^n (Przemieniecki 2000, Mathematical Methods in
    Defense Analyses, 3rd ed., ch. 4). After a miss the threat may be engaged again once the
    kill assessment is done (shoot-look-shoot)."""
    k = 0
    e_ic = st.e_ic
    while k < st.ctr[N_ENG]:
        if e_ic[k] > t:
            k += 1
            continue
        f, j, ic, shots = st.e_f[k], st.e_j[k], st.e_ic[k], st.e_shots[k]
        last = st.ctr[N_ENG] - 1  # swap-remove: the list keeps only engagements under way
        st.e_f[k], st.e_j[k], st.e_ic[k], st.e_shots[k] = (
            st.e_f[last],
            st.e_j[last],
            st.e_ic[last],
            st.e_shots[last],
        )
        st.ctr[N_ENG] = last
        st.busy_ch[sx.unit[f]] -= 1  # channels and missiles in flight are the fire unit's
        st.ctr[EVALUATE_AT] = min(st.ctr[EVALUATE_AT], t)
        st.ctr[EVAL_DUE] = -1  # a freed channel: every threat is evaluated again
        st.in_flight[sx.unit[f]] -= shots
        kill = False
        if not stages_track.diverted_out(st, sx, f, j, ic):  # issue 12: no draw off target
            for _ in range(shots):
                if rng.random() < sx.pk[f, j]:
                    kill = True
        if st.fate[j] != PENDING:
            continue
        log_event(st, t, EV_KILL if kill else EV_MISS, j, f, shots)
        if kill:
            st.fate[j] = KILLED
            st.killer[j] = f
            st.intercept_step[j] = ic
            st.end_step[j] = ic
            drop_tracks(st, sx, j, t)
        else:
            st.next_free[j] = ic + sx.assess_steps[f]


@jit
def arrivals(st, sx, t):
    """Stage 4, arrivals: whatever is still pending at its impact step has leaked; finished
    threats leave the live list (which keeps launch order)."""
    n_live = st.ctr[N_LIVE]
    live, fate, impact = st.live, st.fate, sx.impact_step
    for li in range(n_live):
        j = live[li]
        if fate[j] == PENDING and impact[j] <= t:
            st.fate[j] = LEAKED
            st.end_step[j] = sx.impact_step[j]
            log_event(st, sx.impact_step[j], EV_LEAK, j, -1, 0)
            drop_tracks(st, sx, j, t)
    w = 0
    t_fail = NEVER  # the earliest failure and impact of the threats kept (next_step reads them)
    t_arrive = NEVER
    fails, fail_step = st.fails, st.fail_step
    for li in range(n_live):
        j = live[li]
        if fate[j] == PENDING:
            live[w] = j
            w += 1
            if fails[j] and fail_step[j] < t_fail:
                t_fail = fail_step[j]
            if impact[j] < t_arrive:
                t_arrive = impact[j]
    st.ctr[N_LIVE] = w
    st.ctr[LIVE_FAIL] = t_fail
    st.ctr[LIVE_ARRIVE] = t_arrive


@jit
def reloads(st, sx, t):
    """Stage 5, reloads: one launcher at a time per fire unit from its reserve, each taking the
    system's reload time (a deterministic service time)."""
    for f in range(sx.channels.shape[0]):
        if st.reload_done[f] >= 0 and t >= st.reload_done[f]:
            n_load = min(sx.per_launcher[f], st.reserve[f])
            st.ready[f] += n_load
            st.reserve[f] -= n_load
            st.reload_done[f] = -1
            st.ctr[EVALUATE_AT] = min(st.ctr[EVALUATE_AT], t)
            st.ctr[EVAL_DUE] = -1  # a round loaded: every threat is evaluated again
        if (
            st.reload_done[f] < 0
            and st.reserve[f] > 0
            and sx.capacity[f] - st.ready[f] >= sx.per_launcher[f]
        ):
            st.reload_done[f] = t + sx.reload_steps[f]


@inline
def popcount(x):
    n = 0
    while x:
        x &= x - 1
        n += 1
    return n


@inline
def priority(sx, j, t):
    """Threat-evaluation priority: asset value over time to impact."""
    return sx.value[j] / max((sx.impact_step[j] - t) * sx.dt_s, sx.dt_s)


@inline
def yield_track(st, sx, s, j, t):
    """Track capacity rule: a full radar drops its lowest-priority track (value over time to
    impact, as threat evaluation ranks them; ties: the earliest launched goes) for a new
    threat of strictly higher priority. Returns True if a track was freed. The dropped threat
    keeps any fire unit's track it already passed on (tracks once shared are held)."""
    n_s = sx.scan_steps.shape[0]
    n = sx.launch_step.shape[0]
    p_new = priority(sx, j, t)
    # A priority only grows as impact nears (value over a shrinking time), so the least held
    # priority found at an earlier step, lowered by each track taken since, bounds the least
    # one now from below: a threat at or under the bound cannot displace any track, and the
    # scan of the radar's tracks (its capacity, up to hundreds) is skipped. Exact: the same
    # comparisons decide, in the same floating point.
    if p_new <= st.held_lb[s]:
        return False
    worst = -1
    worst_p = np.inf
    worst_rank = -1
    for i in range(s * n, s * n + st.held[s]):  # the radar's tracks, not every live threat
        k = st.held_list[i]
        pk = priority(sx, k, t)
        rk = sx.launch_rank[k]
        # the least (priority, launch rank): branch-free (select, not jumps), the outcome of
        # each comparison being unpredictable
        better = (pk < worst_p) | ((pk == worst_p) & (rk < worst_rank))
        worst = k if better else worst
        worst_p = pk if better else worst_p
        worst_rank = rk if better else worst_rank
    st.held_lb[s] = worst_p  # the least held priority now: the bound from here on
    if worst < 0 or worst_p >= p_new:  # no track of strictly lower priority
        return False
    release_track(st, sx, s, worst)
    st.history[worst * n_s + s] = 0
    st.last_scan[worst * n_s + s] = -1
    log_event(st, t, EV_REFUSED, worst, s, 1)
    # scanned again from its next scan; on this very step only if it comes after ``j`` in
    # launch order (the order in which this step's scan visits the threats)
    t_min = t if sx.launch_rank[worst] > sx.launch_rank[j] else t + 1
    if not sx.trk_on:  # issue 12: with the tracker a held track is already queued
        queue_next_scan(st, sx, s, worst, st.cursor[worst * n_s + s], t_min, t)
    return True


@inline
def heap_push(st, s, key):
    """Add ``key`` (scan step x N + launch rank) to radar ``s``'s scan queue, a binary min-heap
    (Williams 1964, Algorithm 232: Heapsort, CACM 7(6))."""
    n = sx_n(st)
    h, base = st.scan_heap, s * n
    i = st.heap_n[s]
    st.heap_n[s] = i + 1
    while i > 0:
        parent = (i - 1) >> 1
        if h[base + parent] <= key:
            break
        h[base + i] = h[base + parent]
        i = parent
    h[base + i] = key


@inline
def heap_pop(st, s):
    """Remove the smallest key of radar ``s``'s scan queue."""
    n = sx_n(st)
    h, base = st.scan_heap, s * n
    m = st.heap_n[s] - 1
    st.heap_n[s] = m
    last = h[base + m]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= m:
            break
        if c + 1 < m and h[base + c + 1] < h[base + c]:
            c += 1
        if h[base + c] >= last:
            break
        h[base + i] = h[base + c]
        i = c
    if m > 0:
        h[base + i] = last


@inline
def queue_push(st, sx, s, key, t):
    """Queue ``key`` (scan step x N + launch rank) on radar ``s`` at step ``t``.

    A radar's queue is its heap (:func:`heap_push`) and a run: a ring of keys in rising order
    that takes a key due by the radar's next scan and above the run's last. A threat seen on
    consecutive scans, the common case, thus moves along the run in constant time; any other
    key goes to the heap. Both are read in key order (:func:`queue_head`), so the order of
    visits, and of draws, is the heap's alone."""
    n = sx_n(st)
    m = st.run_n[s]
    if key < (t + sx.scan_steps[s] + 1) * n and m < n:  # due by the next scan (no division)
        lo = st.run_lo[s]
        last = lo + m - 1 if lo + m - 1 < n else lo + m - 1 - n
        if m == 0 or key > st.run_key[s * n + last]:
            st.run_key[s * n + (lo + m if lo + m < n else lo + m - n)] = key
            st.run_n[s] = m + 1
            return
    heap_push(st, s, key)


@inline
def queue_head(st, s):
    """The smallest key queued on radar ``s`` (NEVER if none), and whether it heads the run."""
    n = sx_n(st)
    key = st.scan_heap[s * n] if st.heap_n[s] > 0 else NEVER
    if st.run_n[s] > 0 and st.run_key[s * n + st.run_lo[s]] < key:
        return st.run_key[s * n + st.run_lo[s]], True
    return key, False


@inline
def queue_pop(st, s, in_run):
    """Remove the key :func:`queue_head` gave."""
    if in_run:
        lo = st.run_lo[s] + 1
        st.run_lo[s] = lo if lo < sx_n(st) else 0
        st.run_n[s] -= 1
    else:
        heap_pop(st, s)


@inline
def sx_n(st):
    return st.fails.shape[0]


@inline
def first_over(a, c, end, x):
    """The first of entries ``c .. end - 1`` of ``a`` (rising within them) above ``x``, ``end``
    if none: galloping from ``c`` (Bentley & Yao 1976, An almost optimal algorithm for
    unbounded searching, IPL 5(3)), then a binary search in the bracket found. A pair's next
    detection (high Pd) or next scan is mostly at ``c`` or just after, found in a step or two;
    a track dropped after hours held has thousands of scans to pass over, found in log2 of
    them."""
    lo, hi, step = c, c, 1
    while hi < end and a[hi] <= x:
        lo = hi + 1
        hi = min(hi + step, end)
        step <<= 1
    while lo < hi:  # the first in [lo, hi) above x; hi is one, or the end
        mid = (lo + hi) >> 1
        if a[mid] > x:
            hi = mid
        else:
            lo = mid + 1
    return lo


@inline
def scan_at_or_after(sx, c, end, t):
    """The first of a pair's scan entries ``c .. end - 1`` at step ``t`` or later (``end`` if
    none)."""
    return first_over(sx.scan_step, c, end, t - 1)


@inline
def queue_next_scan(st, sx, s, j, c, t_min, t):
    """Queue threat ``j``'s first scan on radar ``s`` at or after step ``t_min``, searching
    from scan entry ``c`` (at step ``t``)."""
    n_s = sx.scan_steps.shape[0]
    n = sx.launch_step.shape[0]
    r = j * n_s + s
    end = sx.scan_off[r + 1]
    c = scan_at_or_after(sx, c, end, t_min)
    st.cursor[r] = c
    if c < end:
        queue_push(st, sx, s, sx.scan_step[c] * n + sx.launch_rank[j], t)


@inline
def confirm(st, sx, s, j, t):
    """M of N reached: confirm the track if the radar has room, or can make room (track
    capacity rule). Returns True if confirmed."""
    if st.held[s] >= sx.track_capacity[s] and not yield_track(st, sx, s, j, t):
        st.refused[j] += 1  # no free track and no lower-priority one to drop
        log_event(st, t, EV_REFUSED, j, s, 0)
        return False
    hold_track(st, sx, s, j)
    st.held_lb[s] = min(st.held_lb[s], priority(sx, j, t))  # the bound of yield_track
    if st.parked_n[s] > 0:
        new_held(st, sx, s, j, t)
    st.ctr[EVALUATE_AT] = min(st.ctr[EVALUATE_AT], t)
    k = st.ctr[N_FRESH]  # evaluation may look at the new tracks alone (evaluate_threats)
    if k < st.fresh.shape[0]:
        st.fresh[k] = j
        st.ctr[N_FRESH] = k + 1
    else:
        st.ctr[EVAL_DUE] = -1
    log_event(st, t, EV_TRACK, j, s, 0)
    k = st.ctr[N_NEW]
    st.new_s[k] = s
    st.new_j[k] = j
    st.ctr[N_NEW] = k + 1
    return True


@inline
def next_detection(sx, r, c, rng):
    """The scan entry of pair ``r``'s next detection, from entry ``c`` on (the pair's end if
    none), drawn at once by inversion: scans are independent (Swerling 1), so no detection in
    entries ``c .. k`` has probability ``prod (1 - Pd) = exp(-(H[k] - H[c - 1]))``, with ``H``
    the pair's cumulative hazard (``Static.scan_hz``), and the first detection is the first
    entry whose hazard exceeds an Exp(1) draw (the inversion method: Devroye 1986,
    Non-Uniform Random Variate Generation, Springer, ch. II sec. 2). The same law as one
    Bernoulli draw per scan, with one draw instead of one per scan."""
    hz = sx.scan_hz
    target = rng.standard_exponential()  # Exp(1) (ziggurat)
    if c > sx.scan_off[r]:
        target += hz[c - 1]
    return first_over(hz, c, sx.scan_off[r + 1], target)  # the first entry with hz > target


@inline
def queue_ahead(st, sx, s, j, r, k, t):
    """Queue pair ``r`` (radar ``s``, threat ``j``) at scan entry ``k``, its next detection
    drawn ahead (none, and not queued, if ``k`` is the pair's end)."""
    st.cursor[r] = k
    if k < sx.scan_off[r + 1]:
        st.ahead[r] = True
        queue_push(st, sx, s, sx.scan_step[k] * sx.launch_step.shape[0] + sx.launch_rank[j], t)


@inline
def crossing(sx, j, k, t):
    """A lower bound on the first step after ``t`` at which threat ``j``'s priority exceeds
    threat ``k``'s (:func:`priority`), given that it does not at ``t``; NEVER if it does not
    while both fly. While a threat flies its priority is ``v / ((I - t) dt)`` (value ``v``,
    impact step ``I``), so ``j`` overtakes ``k`` only if ``k``'s value is higher, after
    ``x = (v_k I_j - v_j I_k) / (v_k - v_j)``; one step is taken off for rounding."""
    return crossing_of(sx.value[j], sx.impact_step[j], sx.value[k], sx.impact_step[k], t)


@inline
def crossing_of(v_j, i_j, v_k, i_k, t):
    """:func:`crossing` for a threat of value ``v_j`` and impact step ``i_j`` and a track of
    value ``v_k`` and impact step ``i_k``."""
    if v_k <= v_j:
        return NEVER  # j gains nothing on k: v_j (I_k - t) - v_k (I_j - t) never grows
    x = (v_k * i_j - v_j * i_k) / (v_k - v_j)
    due = max(t + 1, np.int64(np.floor(x)) - 1)
    return due if due < min(i_j, i_k) else NEVER


@inline
def earliest_crossing(st, sx, s, j, t):
    """The least :func:`crossing` of threat ``j`` with radar ``s``'s held tracks. Within one
    value the crossing falls as the track's impact step rises (``x`` above falls with
    ``I_k``, in floating point too, and the bound ``min(I_j, I_k)`` rises), so the track of
    each value that impacts last gives that value's least: one crossing a value, not one a
    track, when the radar holds more tracks than there are values. The same steps."""
    n = sx.launch_step.shape[0]
    n_v = sx.class_value.shape[0]
    due = NEVER
    if n_v >= st.held[s]:
        for i in range(s * n, s * n + st.held[s]):
            due = min(due, crossing(sx, j, st.held_list[i], t))
        return due
    if st.class_stale[s]:  # a release may have lowered a latest impact: found again
        for q in range(s * n_v, s * n_v + n_v):
            st.class_last[q] = -1
        for i in range(s * n, s * n + st.held[s]):
            k = st.held_list[i]
            q = s * n_v + sx.value_class[k]
            st.class_last[q] = max(st.class_last[q], sx.impact_step[k])
        st.class_stale[s] = False
    v_j, i_j = sx.value[j], sx.impact_step[j]
    for c in range(sx.value_class[j] + 1, n_v):  # the values above j's (rising)
        i_k = st.class_last[s * n_v + c]
        if i_k >= 0:
            due = min(due, crossing_of(v_j, i_j, sx.class_value[c], i_k, t))
    return due


@inline
def park(st, sx, s, j, r, c, t):
    """Park pair ``r`` (radar ``s``, threat ``j``), just refused a track at step ``t`` with its
    next scan entry ``c``: it leaves the radar's queue until the first step at which a
    confirmation could succeed, the earliest at which it outranks one of the radar's tracks
    (:func:`crossing`), brought forward if the radar takes a track (:func:`new_held`) or frees
    one (:func:`drop_tracks`). Until then each of its detections that reaches M of N would be
    refused, and changes nothing else: :func:`resume` draws them in one go when it is due.

    The same law as visiting the pair at each detection (Swerling 1 scans are independent, so
    drawing a pair's detections later draws them from the same distribution), with the work of
    a detection an Exp(1) draw instead of a visit to the queue and the capacity rule."""
    n = sx.launch_step.shape[0]
    due = earliest_crossing(st, sx, s, j, t)
    st.cursor[r] = c
    st.ahead[r] = False
    st.park_until[r] = due
    st.parked_list[s * n + st.parked_n[s]] = j
    st.parked_n[s] += 1
    st.wake_due[s] = min(st.wake_due[s], due)


@inline
def new_held(st, sx, s, i, t):
    """Radar ``s`` took a track of ``i`` at step ``t``: a parked pair that outranks ``i`` now
    may confirm on this very step if its scan comes after ``i``'s (launch order), else from the
    next one; one that ranks below ``i`` may from their :func:`crossing`."""
    n_s = sx.scan_steps.shape[0]
    n = sx.launch_step.shape[0]
    p_i = priority(sx, i, t)
    for q in range(s * n, s * n + st.parked_n[s]):
        j = st.parked_list[q]
        if priority(sx, j, t) > p_i:
            due = t if sx.launch_rank[j] > sx.launch_rank[i] else t + 1
        else:
            due = crossing(sx, j, i, t)
        r = j * n_s + s
        st.park_until[r] = min(st.park_until[r], due)
        st.wake_due[s] = min(st.wake_due[s], st.park_until[r])


@inline
def resume(st, sx, s, j, r, t_stop, rng):
    """The detections of parked pair ``r`` on the scans before step ``t_stop``, drawn ahead
    from its cursor as :func:`detect` draws them: each ages and sets the M-of-N history, and
    each that reaches M is a refusal, counted and logged at its own step. Returns the scan entry
    of the pair's first detection at or after ``t_stop`` (its end if none)."""
    mask = (np.int64(1) << sx.confirm_n) - 1
    end = sx.scan_off[r + 1]
    c = st.cursor[r]
    while True:
        k = next_detection(sx, r, c, rng)
        if k >= end or sx.scan_step[k] >= t_stop:
            return k
        x = sx.scan_step[k]
        gap = (x - st.last_scan[r]) // sx.scan_steps[s]
        hist = 0 if st.last_scan[r] < 0 or gap >= sx.confirm_n else st.history[r] << gap
        hist = (hist | 1) & mask
        st.history[r] = hist
        st.last_scan[r] = x
        if popcount(hist) >= sx.confirm_m:
            st.refused[j] += 1
            log_event(st, x, EV_REFUSED, j, s, 0)
        c = k + 1


@inline
def wake(st, sx, s, t, rng):
    """Radar ``s``'s parked pairs due by step ``t`` rejoin its queue at their next detection
    (:func:`resume`), or, if their threat has finished, are counted up to its end."""
    n_s = sx.scan_steps.shape[0]
    n = sx.launch_step.shape[0]
    q = s * n
    due = NEVER
    while q < s * n + st.parked_n[s]:
        j = st.parked_list[q]
        r = j * n_s + s
        if st.park_until[r] > t:
            due = min(due, st.park_until[r])
            q += 1
            continue
        last = s * n + st.parked_n[s] - 1  # swap-remove: the last pair takes this place
        st.parked_list[q] = st.parked_list[last]
        st.parked_n[s] -= 1
        st.park_until[r] = -1
        if st.fate[j] != PENDING:
            resume(st, sx, s, j, r, st.end_step[j], rng)
        else:
            queue_ahead(st, sx, s, j, r, resume(st, sx, s, j, r, t, rng), t)
    st.wake_due[s] = due


@jit
def detect(st, sx, t, rng):
    """Stage 6, detection and track confirmation: on each scan a radar detects each untracked
    threat it can see there with its Swerling 1 Pd (precomputed from the slant range;
    Skolnik 2001, Introduction to Radar Systems, 3rd ed., sec. 2.8), independently from scan
    to scan; M detections in the last N scans confirm a track if the radar has a free track
    (capacity).

    Each radar keeps a queue of its untracked threats keyed by their next scan with Pd > 0,
    then launch order, so a scan visits only the threats it sees, in the order of the live
    list. The M-of-N history still counts the scans in between as misses, by shifting it by
    the number of scans since the last draw. Only a detection changes the history (a miss
    only ages it, which the shift does), so each pair's next detection is drawn ahead in one
    draw (:func:`next_detection`) and the pair waits in the queue for that scan, not for every
    scan before it. With jammers or SEAD (``draw_ahead`` off) each scan is drawn in its turn.
    """
    n_s = sx.scan_steps.shape[0]
    n = sx.launch_step.shape[0]
    mask = (np.int64(1) << sx.confirm_n) - 1
    scan_step, scan_pd = sx.scan_step, sx.scan_pd
    for s in range(n_s):
        if st.sensor_due[s] > t:
            continue
        if sx.sead_on and radar_quiet(st, sx, s, t):  # issue 11: hit, dark or silent
            continue
        while True:
            if st.wake_due[s] <= t:  # parked pairs due (also after a track taken just now)
                wake(st, sx, s, t, rng)
            key, in_run = queue_head(st, s)
            if key >= (t + 1) * n:  # not due yet (the key's step is key // n)
                break
            queue_pop(st, s, in_run)
            j = sx.launch_order[key % n]
            r = j * n_s + s
            if st.fate[j] != PENDING:
                continue  # finished since it was queued
            if st.confirmed[r]:
                if not sx.trk_on:
                    continue  # finished since it was queued
                # issue 12: a held track is scanned; a drop hands the pair back to M-of-N
                nxt = stages_track.confirmed_scan(st, sx, s, j, r, t, rng)
                if nxt >= 0:
                    queue_push(st, sx, s, nxt * n + sx.launch_rank[j], t)
                    continue
                release_track(st, sx, s, j)
                st.history[r] = 0
                st.last_scan[r] = -1
                stages_track.track_dropped(st, sx, s, j, t)
            c = st.cursor[r]
            end = sx.scan_off[r + 1]
            c = scan_at_or_after(sx, c, end, t)
            if c < end and scan_step[c] == t:
                if sx.draw_ahead and not (st.ahead[r] and c == st.cursor[r]):
                    # only a detection can change anything: its scan is drawn now, and the
                    # pair waits for it (this one if it is this scan)
                    k = next_detection(sx, r, c, rng)
                    if k > c:
                        queue_ahead(st, sx, s, j, r, k, t)
                        continue
                st.ahead[r] = False
                if sx.draw_ahead:
                    bit = 1  # the scans since the last visit were misses
                else:
                    p = scan_pd[c]
                    if sx.jam_on:  # issue 11: S/(N+J) while the jammers fly
                        p = jammed_pd(st, sx, s, j, c, t)
                    bit = 1 if p > 0.0 and rng.random() < p else 0
                c += 1
                if bit == 1 and sx.trk_on:
                    stages_track.plot(st, sx, s, j, r, t, rng)  # issue 12
                gap = (t - st.last_scan[r]) // sx.scan_steps[s]
                hist = 0 if st.last_scan[r] < 0 or gap >= sx.confirm_n else st.history[r] << gap
                hist = (hist | bit) & mask
                st.history[r] = hist
                st.last_scan[r] = t
                if bit == 1 and popcount(hist) >= sx.confirm_m:
                    if confirm(st, sx, s, j, t):
                        st.cursor[r] = c
                        if sx.trk_on:  # issue 12: a held track stays queued, for scans and drop
                            nxt = stages_track.next_held_scan(st, sx, s, r, c)
                            queue_push(st, sx, s, nxt * n + sx.launch_rank[j], t)
                        continue
                    if sx.park_on:  # refused: off the queue until it could confirm
                        park(st, sx, s, j, r, c, t)
                        continue
            if sx.draw_ahead:
                queue_ahead(st, sx, s, j, r, next_detection(sx, r, c, rng), t)
            else:
                queue_next_scan(st, sx, s, j, c, t + 1, t)
        key, _ = queue_head(st, s)
        st.sensor_due[s] = min(key // n if key < NEVER else NEVER, st.wake_due[s])


@jit
def share_tracks(st, sx, t):
    """Stage 7, track sharing: a new track reaches its own fire unit, and every networked fire
    unit when the radar is networked (an ideal, delay-free network: the upper bound of
    integration)."""
    for k in range(st.ctr[N_NEW]):
        s = st.new_s[k]
        j = st.new_j[k]
        owner = sx.sensor_owner[s]  # a fire unit: every magazine (row) of it
        for f in range(sx.channels.shape[0]):
            if sx.unit[f] == owner and st.avail[f, j] < 0:
                st.avail[f, j] = t
        if sx.sensor_networked[s]:
            for f in range(sx.channels.shape[0]):
                if sx.fu_networked[f] and st.avail[f, j] < 0:
                    st.avail[f, j] = t
    st.ctr[N_NEW] = 0


@jit
def next_step(st, sx, t):
    """The next step on which anything can change: a launch, a failure, an arrival, an
    intercept, a reload, a scan with something to see, or a due threat evaluation; mapped to
    the next step on which a threat flies (nothing happens in between)."""
    # local names: a bundle attribute is a load through the bundle's pointer
    e_ic, reload_done, sensor_due, ctr = st.e_ic, st.reload_done, st.sensor_due, st.ctr
    k = ctr[NEXT_LAUNCH]
    t_launch = sx.launch_step[sx.launch_order[k]] if k < sx.launch_order.shape[0] else NEVER
    t_fail, t_arrive = ctr[LIVE_FAIL], ctr[LIVE_ARRIVE]  # over the live list (arrivals)
    t_ic = NEVER
    for k in range(ctr[N_ENG]):
        if e_ic[k] < t_ic:
            t_ic = e_ic[k]
    t_reload = NEVER
    for f in range(reload_done.shape[0]):
        if reload_done[f] >= 0 and reload_done[f] < t_reload:
            t_reload = reload_done[f]
    t_scan = NEVER
    for s in range(sensor_due.shape[0]):
        if sensor_due[s] < t_scan:
            t_scan = sensor_due[s]
    ctr[T_LAUNCH], ctr[T_FAIL], ctr[T_ARRIVE] = t_launch, t_fail, t_arrive
    ctr[T_IC], ctr[T_RELOAD], ctr[T_SCAN] = t_ic, t_reload, t_scan
    nxt = min(t_launch, t_fail, t_arrive, t_ic, t_reload, t_scan)
    if st.ctr[EVALUATE_AT] < nxt:
        nxt = st.ctr[EVALUATE_AT]
    nxt = max(nxt, t + 1)
    if nxt >= sx.next_active.shape[0]:
        return NEVER
    return sx.next_active[nxt]
