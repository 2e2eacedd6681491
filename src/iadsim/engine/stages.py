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
    EV_LAUNCH,
    EV_LEAK,
    EV_MISS,
    EV_REFUSED,
    EV_TRACK,
    EVALUATE_AT,
    FAILED,
    KILLED,
    LEAKED,
    N_ENG,
    N_LIVE,
    N_NEW,
    NEVER,
    NEXT_LAUNCH,
    PENDING,
    RELOAD_CHECK,
    T_ARRIVE,
    T_FAIL,
    T_IC,
    T_LAUNCH,
    T_RELOAD,
    T_SCAN,
)

# Stages are inlined into the driver: a call would pass the two bundles (dozens of arrays) by
# value and touch every array's reference count, which costs more than most stages' work.
jit = numba.njit(cache=True, inline="always")
inline = jit


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


@inline
def drop_tracks(st, sx, j):
    """Free every radar's track of a threat that no longer flies."""
    n_s = sx.scan_steps.shape[0]
    for s in range(n_s):
        if st.confirmed[j * n_s + s]:
            release_track(st, sx, s, j)


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


@jit
def admit_launches(st, sx, t):
    """Threats launched by step ``t`` join the live list (in launch order), and each radar's
    next scan with something to see is brought forward to their first visible scan."""
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
        for s in range(n_s):
            r = j * n_s + s
            if sx.scan_off[r] < sx.scan_off[r + 1]:
                heap_push(st, s, sx.scan_step[sx.scan_off[r]] * n + sx.launch_rank[j])
                if sx.scan_step[sx.scan_off[r]] < st.sensor_due[s]:
                    st.sensor_due[s] = sx.scan_step[sx.scan_off[r]]
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
            drop_tracks(st, sx, j)


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
            drop_tracks(st, sx, j)
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
            drop_tracks(st, sx, j)
    w = 0
    for li in range(n_live):
        if fate[live[li]] == PENDING:
            live[w] = live[li]
            w += 1
    st.ctr[N_LIVE] = w


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
    worst = -1
    worst_p = priority(sx, j, t)
    worst_rank = -1  # no tie can beat the new threat itself
    for i in range(s * n, s * n + st.held[s]):  # the radar's tracks, not every live threat
        k = st.held_list[i]
        pk = priority(sx, k, t)
        rk = sx.launch_rank[k]
        # branch-free (select, not jumps): the outcome of each comparison is unpredictable
        better = (pk < worst_p) | ((pk == worst_p) & (rk < worst_rank))
        worst = k if better else worst
        worst_p = pk if better else worst_p
        worst_rank = rk if better else worst_rank
    if worst < 0:
        return False
    release_track(st, sx, s, worst)
    st.history[worst * n_s + s] = 0
    st.last_scan[worst * n_s + s] = -1
    log_event(st, t, EV_REFUSED, worst, s, 1)
    # scanned again from its next scan; on this very step only if it comes after ``j`` in
    # launch order (the order in which this step's scan visits the threats)
    t_min = t if sx.launch_rank[worst] > sx.launch_rank[j] else t + 1
    if not sx.trk_on:  # issue 12: with the tracker a held track is already queued
        queue_next_scan(st, sx, s, worst, st.cursor[worst * n_s + s], t_min)
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
def sx_n(st):
    return st.fails.shape[0]


@inline
def queue_next_scan(st, sx, s, j, c, t_min):
    """Queue threat ``j``'s first scan on radar ``s`` at or after step ``t_min``, searching
    from scan entry ``c``."""
    n_s = sx.scan_steps.shape[0]
    n = sx.launch_step.shape[0]
    r = j * n_s + s
    end = sx.scan_off[r + 1]
    while c < end and sx.scan_step[c] < t_min:
        c += 1
    st.cursor[r] = c
    if c < end:
        heap_push(st, s, sx.scan_step[c] * n + sx.launch_rank[j])


@inline
def confirm(st, sx, s, j, t):
    """M of N reached: confirm the track if the radar has room, or can make room (track
    capacity rule). Returns True if confirmed."""
    if st.held[s] >= sx.track_capacity[s] and not yield_track(st, sx, s, j, t):
        st.refused[j] += 1  # no free track and no lower-priority one to drop
        log_event(st, t, EV_REFUSED, j, s, 0)
        return False
    hold_track(st, sx, s, j)
    st.ctr[EVALUATE_AT] = min(st.ctr[EVALUATE_AT], t)
    log_event(st, t, EV_TRACK, j, s, 0)
    k = st.ctr[N_NEW]
    st.new_s[k] = s
    st.new_j[k] = j
    st.ctr[N_NEW] = k + 1
    return True


@jit
def detect(st, sx, t, rng):
    """Stage 6, detection and track confirmation: on each scan a radar makes one Swerling 1
    draw per untracked threat it can see there (Pd precomputed from the slant range;
    Skolnik 2001, Introduction to Radar Systems, 3rd ed., sec. 2.8); M detections in the last
    N scans confirm a track if the radar has a free track (capacity).

    Each radar keeps a queue of its untracked threats keyed by their next scan with Pd > 0,
    then launch order, so a scan visits only the threats it sees, in the order of the live
    list. The M-of-N history still counts the scans in between as misses, by shifting it by
    the number of scans since the last draw.
    """
    n_s = sx.scan_steps.shape[0]
    n = sx.launch_step.shape[0]
    mask = (np.int64(1) << sx.confirm_n) - 1
    scan_step, scan_pd, h = sx.scan_step, sx.scan_pd, st.scan_heap
    for s in range(n_s):
        if st.sensor_due[s] > t:
            continue
        if sx.sead_on and radar_quiet(st, sx, s, t):  # issue 11: hit, dark or silent
            continue
        base = s * n
        while st.heap_n[s] > 0 and h[base] // n <= t:
            j = sx.launch_order[h[base] % n]
            heap_pop(st, s)
            r = j * n_s + s
            if st.fate[j] != PENDING:
                continue  # finished since it was queued
            if st.confirmed[r]:
                if not sx.trk_on:
                    continue  # finished since it was queued
                # issue 12: a held track is scanned; a drop hands the pair back to M-of-N
                nxt = stages_track.confirmed_scan(st, sx, s, j, r, t, rng)
                if nxt >= 0:
                    heap_push(st, s, nxt * n + sx.launch_rank[j])
                    continue
                release_track(st, sx, s, j)
                st.history[r] = 0
                st.last_scan[r] = -1
                stages_track.track_dropped(st, sx, s, j, t)
            c = st.cursor[r]
            end = sx.scan_off[r + 1]
            while c < end and scan_step[c] < t:
                c += 1
            if c < end and scan_step[c] == t:
                p = scan_pd[c]
                if sx.jam_on:  # issue 11: S/(N+J) while the jammers fly
                    p = jammed_pd(st, sx, s, j, c, t)
                c += 1
                bit = 1 if p > 0.0 and rng.random() < p else 0
                if bit == 1 and sx.trk_on:
                    stages_track.plot(st, sx, s, j, r, t, rng)  # issue 12
                gap = (t - st.last_scan[r]) // sx.scan_steps[s]
                hist = 0 if st.last_scan[r] < 0 or gap >= sx.confirm_n else st.history[r] << gap
                hist = (hist | bit) & mask
                st.history[r] = hist
                st.last_scan[r] = t
                if bit == 1 and popcount(hist) >= sx.confirm_m and confirm(st, sx, s, j, t):
                    st.cursor[r] = c
                    if sx.trk_on:  # issue 12: a held track stays queued, for its scans and drop
                        nxt = stages_track.next_held_scan(st, sx, s, r, c)
                        heap_push(st, s, nxt * n + sx.launch_rank[j])
                    continue
            queue_next_scan(st, sx, s, j, c, t + 1)
        st.sensor_due[s] = h[base] // n if st.heap_n[s] > 0 else NEVER


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
def intercept_step(sx, f, j, t):
    """Earliest intercept step of a launch by ``f`` at ``j`` at step ``t`` inside the window:
    the first record of the sparse solution whose last launch step is >= ``t``."""
    n_f = sx.channels.shape[0]
    r = j * n_f + f
    lo = sx.ic_off[r]
    hi = sx.ic_off[r + 1]
    while lo < hi:  # binary search over the records
        mid = (lo + hi) // 2
        if sx.ic_last[mid] < t:
            lo = mid + 1
        else:
            hi = mid
    return sx.ic_step[lo]


@inline
def feasible(st, sx, f, j, t):
    """Intercept step if ``f`` may launch at ``j`` now (tracked for its reaction time, inside
    the launch window, before the arrival, ballistic reserve respected), else -1."""
    window = sx.window
    if t < window[f, j, 0] or t > window[f, j, 1]:
        return -1
    a = st.avail[f, j]
    if a < 0 or t < a + sx.reaction_steps[f]:
        return -1
    ic = intercept_step(sx, f, j, t)
    if ic < 0 or ic >= sx.impact_step[j]:
        return -1
    if not sx.is_ballistic[j] and st.ready[f] <= sx.reserve_ballistic:
        return -1
    return ic


@jit
def next_evaluation(st, sx, t):
    """The first step after ``t`` at which threat evaluation could find an engagement if no
    event (track, intercept, reload) happens before it: the earliest opening of a launch window
    of a tracked threat for a fire unit able to fire."""
    due = NEVER
    for li in range(st.ctr[N_LIVE]):
        j = st.live[li]
        if st.eng_count[j] >= sx.max_engagements or sx.value[j] < sx.hold_value:
            continue
        for f in range(sx.channels.shape[0]):
            if st.avail[f, j] < 0 or not can_fire(st, sx, f):
                continue
            s0 = max(
                st.avail[f, j] + sx.reaction_steps[f], sx.window[f, j, 0], st.next_free[j], t + 1
            )
            if s0 <= sx.window[f, j, 1] and s0 < due:
                due = s0
    return due


@jit
def evaluate_threats(st, sx, t):
    """Stage 8, threat evaluation: the threats some ready fire unit can engage now, ranked by
    asset value over time to impact (a value-based ranking; Roux & van Vuuren 2007, Threat
    evaluation and weapon assignment decision support, ORiON 23(2)). Returns how many, in
    ``st.cand`` with their priorities in ``st.prio``; runs only when something may have
    changed (``EVALUATE_AT``), and schedules its next run."""
    if t < st.ctr[EVALUATE_AT]:
        return 0
    n_f = sx.channels.shape[0]
    any_fu = False
    for f in range(n_f):
        if can_fire(st, sx, f):
            any_fu = True
    if not any_fu:
        st.ctr[EVALUATE_AT] = NEVER  # until an intercept or a reload frees a fire unit
        return 0
    n_cand = 0
    live, next_free, eng_count, value = st.live, st.next_free, st.eng_count, sx.value
    for li in range(st.ctr[N_LIVE]):
        j = live[li]
        if t < next_free[j]:
            continue
        if eng_count[j] >= sx.max_engagements or value[j] < sx.hold_value:
            continue
        for f in range(n_f):
            # a candidate needs a fire unit that can fire now: one that cannot would leave
            # the threat unassigned and keep evaluation running on every step
            if can_fire(st, sx, f) and feasible(st, sx, f, j, t) >= 0:
                # issue 12: hold fire on a ballistic threat predicted to fall outside every asset
                if (
                    sx.trk_hits_only
                    and sx.is_ballistic[j]
                    and not stages_track.predicted_hit(st, sx, j, t)
                ):
                    st.held_miss[j] = 1
                    break
                st.cand[n_cand] = j
                st.prio[n_cand] = sx.value[j] / max((sx.impact_step[j] - t) * sx.dt_s, sx.dt_s)
                n_cand += 1
                break
    if n_cand == 0:
        st.ctr[EVALUATE_AT] = next_evaluation(st, sx, t)
    else:
        st.ctr[EVALUATE_AT] = t + 1
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


@jit
def next_step(st, sx, t):
    """The next step on which anything can change: a launch, a failure, an arrival, an
    intercept, a reload, a scan with something to see, or a due threat evaluation; mapped to
    the next step on which a threat flies (nothing happens in between)."""
    # local names: each bundle attribute read costs a reference count in a loop
    live, fails, fail_step, impact = st.live, st.fails, st.fail_step, sx.impact_step
    e_ic, reload_done, sensor_due, ctr = st.e_ic, st.reload_done, st.sensor_due, st.ctr
    k = ctr[NEXT_LAUNCH]
    t_launch = sx.launch_step[sx.launch_order[k]] if k < sx.launch_order.shape[0] else NEVER
    t_fail = NEVER
    t_arrive = NEVER
    for li in range(ctr[N_LIVE]):
        j = live[li]
        if fails[j] and fail_step[j] < t_fail:
            t_fail = fail_step[j]
        if impact[j] < t_arrive:
            t_arrive = impact[j]
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
