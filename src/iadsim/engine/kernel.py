"""The replication kernel: one Monte Carlo replication of a raid against a defence, in numba.

Everything deterministic (trajectories, detection probabilities, intercept solutions) is
precomputed by :mod:`iadsim.engine.prepare`; this kernel only walks the time steps on which a
threat is in flight and draws the random events:

1. threat draws (in-flight failure, its time, the CEP miss) from ``rng_threat``, always the same
   number per threat, so every variant of a scenario sees the same failures and misses
   (common random numbers);
2. per scan of each radar, a Swerling 1 detection draw for each threat it does not yet track;
   M detections in the last N scans confirm a track, within the radar's track capacity;
3. tracks reach a fire unit from its own radar, or from any networked sensor if it is networked;
   after its reaction time it may launch when the precomputed intercept solution exists;
4. threat evaluation ranks threats by asset value over time to impact; weapon assignment is
   greedy (each threat in rank order takes the fire unit with the earliest intercept) or optimal
   (scipy.optimize.linear_sum_assignment on expected value killed);
5. at the intercept step each interceptor of the salvo kills independently with its Pk; after a
   miss the threat may be engaged again after the kill-assessment delay (shoot-look-shoot).

Fate codes: 0 pending, 1 killed, 2 leaked, 3 failed in flight.

References
----------
Przemieniecki, J. S. (2000). Mathematical Methods in Defense Analyses, 3rd ed., AIAA, ch. 4
(salvo and shoot-look-shoot kill probabilities).
"""

from __future__ import annotations

import numba
import numpy as np
from scipy.optimize import linear_sum_assignment

PENDING, KILLED, LEAKED, FAILED = 0, 1, 2, 3
#: Event kinds of the optional log (step, kind, threat, sensor or fire unit, shots).
EV_TRACK, EV_LAUNCH, EV_KILL, EV_MISS, EV_LEAK, EV_FAIL = 1, 2, 3, 4, 5, 6
GREEDY, OPTIMAL = 0, 1


def _assign_optimal(profit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = linear_sum_assignment(profit, maximize=True)
    return rows.astype(np.int64), cols.astype(np.int64)


@numba.njit(cache=True)
def _popcount(x: np.int64) -> int:
    n = 0
    while x:
        x &= x - 1
        n += 1
    return n


@numba.njit(cache=True, inline="always")  # array arguments: avoid call overhead
def _launch(
    f,
    j,
    ic,
    salvo,
    ready,
    in_flight,
    busy_ch,
    e_f,
    e_j,
    e_ic,
    e_shots,
    n_eng,
    next_free,
    eng_count,
    fu_shots,
    shots_at,
    round_cost_usd,
    cost_at,
):
    shots = min(salvo, ready[f])
    ready[f] -= shots
    in_flight[f] += shots
    busy_ch[f] += 1
    k = n_eng
    e_f[k] = f
    e_j[k] = j
    e_ic[k] = ic
    e_shots[k] = shots
    next_free[j] = ic + 1
    eng_count[j] += 1
    fu_shots[f] += shots
    shots_at[j] += shots
    cost_at[j] += shots * round_cost_usd[f]  # what was spent on this threat (per-class costs)
    return n_eng + 1


@numba.njit(cache=True, inline="always")  # array arguments: avoid call overhead
def _log(log, n_log, t, kind, j, who, extra):
    k = n_log[0]
    if k < log.shape[0]:
        log[k, 0] = t
        log[k, 1] = kind
        log[k, 2] = j
        log[k, 3] = who
        log[k, 4] = extra
        n_log[0] = k + 1


@numba.njit(cache=True, inline="always")  # array arguments: avoid call overhead
def _can_fire(f, salvo, channels, busy_ch, ready, in_flight, max_in_flight):
    if busy_ch[f] >= channels[f] or ready[f] <= 0:
        return False
    return in_flight[f] + min(salvo, ready[f]) <= max_in_flight[f]


@numba.njit(cache=True, inline="always")  # array arguments: avoid call overhead
def _feasible(
    f,
    j,
    t,
    avail,
    reaction_steps,
    intercept,
    window,
    impact_step,
    is_ballistic,
    ready,
    reserve_ballistic,
):
    # window[f, j] bounds the launch steps with an intercept solution: most checks end here,
    # without touching the large intercept table
    if t < window[f, j, 0] or t > window[f, j, 1]:
        return -1
    if avail[f, j] < 0 or t < avail[f, j] + reaction_steps[f]:
        return -1
    ic = intercept[f, j, t]
    if ic < 0 or ic >= impact_step[j]:
        return -1
    if not is_ballistic[j] and ready[f] <= reserve_ballistic:
        return -1
    return ic


NEVER = np.int64(1) << 62


@numba.njit(cache=True, inline="always")  # array arguments: avoid call overhead
def _next_evaluation(
    t,
    live,
    n_live,
    eng_count,
    max_engagements,
    value,
    hold_value,
    avail,
    reaction_steps,
    window,
    next_free,
    salvo,
    channels,
    busy_ch,
    ready,
    in_flight,
    max_in_flight,
):
    """The first step after ``t`` at which threat evaluation could find an engagement, given
    that no event (track, intercept, reload) happens before it: the earliest opening of a launch
    window of a tracked threat for a fire unit able to fire."""
    due = NEVER
    for li in range(n_live):
        j = live[li]
        if eng_count[j] >= max_engagements or value[j] < hold_value:
            continue
        for f in range(avail.shape[0]):
            if avail[f, j] < 0:
                continue
            if not _can_fire(f, salvo, channels, busy_ch, ready, in_flight, max_in_flight):
                continue
            s0 = max(avail[f, j] + reaction_steps[f], window[f, j, 0], next_free[j], t + 1)
            if s0 <= window[f, j, 1] and s0 < due:
                due = s0
    return due


@numba.njit(cache=True)
def simulate_replication(
    rng_threat,
    rng_engage,
    active_steps,
    dt_s,
    launch_step,
    impact_step,
    reliability,
    cep_sigma_m,
    value,
    is_ballistic,
    pd,
    scan_steps,
    sensor_owner,
    sensor_networked,
    track_capacity,
    confirm_m,
    confirm_n,
    fu_networked,
    reaction_steps,
    assess_steps,
    channels,
    max_in_flight,
    capacity,
    ready0,
    reserve0,
    per_launcher,
    reload_steps,
    intercept,
    window,
    pk,
    salvo,
    max_engagements,
    assignment,
    hold_value,
    reserve_ballistic,
    round_cost_usd,
    fate,
    killer,
    intercept_step,
    shots_at,
    cost_at,
    miss_east_m,
    miss_north_m,
    end_step,
    fu_shots,
    fu_left,
    log,
    n_log,
):
    """Simulate one replication, writing its results into the output arrays (one row each).

    ``log`` (E x 5 int64) receives up to E events (step, kind, threat, who, shots) and
    ``n_log[0]`` their count; pass a 0-row array to log nothing.
    """
    n_threats = launch_step.shape[0]
    n_sensors = pd.shape[0]
    n_fu = intercept.shape[0]

    # 1. threat draws, a fixed number per threat (common random numbers across variants)
    fails = np.zeros(n_threats, dtype=np.bool_)
    fail_step = np.full(n_threats, -1, dtype=np.int64)
    for j in range(n_threats):
        u_fail = rng_threat.random()
        u_when = rng_threat.random()
        e = rng_threat.standard_normal()
        n = rng_threat.standard_normal()
        miss_east_m[j] = e * cep_sigma_m[j]
        miss_north_m[j] = n * cep_sigma_m[j]
        if u_fail >= reliability[j]:
            fails[j] = True
            span = impact_step[j] - launch_step[j]
            fail_step[j] = launch_step[j] + 1 + int(u_when * max(span - 1, 1))
        fate[j] = PENDING
        killer[j] = -1
        intercept_step[j] = -1
        shots_at[j] = 0
        cost_at[j] = 0.0
        end_step[j] = -1

    # 2. state
    confirmed = np.zeros((n_sensors, n_threats), dtype=np.bool_)
    history = np.zeros((n_sensors, n_threats), dtype=np.int64)
    held = np.zeros(n_sensors, dtype=np.int64)
    history_mask = (np.int64(1) << confirm_n) - 1
    avail = np.full((n_fu, n_threats), -1, dtype=np.int64)
    next_free = np.zeros(n_threats, dtype=np.int64)
    eng_count = np.zeros(n_threats, dtype=np.int64)
    ready = ready0.copy()
    reserve = reserve0.copy()
    busy_ch = np.zeros(n_fu, dtype=np.int64)
    in_flight = np.zeros(n_fu, dtype=np.int64)
    reload_done = np.full(n_fu, -1, dtype=np.int64)
    for f in range(n_fu):
        fu_shots[f] = 0
    max_eng = 1
    for f in range(n_fu):
        max_eng += ready0[f] + reserve0[f]
    e_f = np.zeros(max_eng, dtype=np.int64)
    e_j = np.zeros(max_eng, dtype=np.int64)
    e_ic = np.zeros(max_eng, dtype=np.int64)
    e_shots = np.zeros(max_eng, dtype=np.int64)
    n_eng = 0
    cand = np.empty(n_threats, dtype=np.int64)
    prio = np.empty(n_threats, dtype=np.float64)

    # threats launched and still pending, so each step touches only what is in flight
    launch_order = np.argsort(launch_step, kind="mergesort")
    next_launch = 0
    live = np.empty(n_threats, dtype=np.int64)
    n_live = 0

    # threat evaluation runs only when something may have changed: an event sets it due now,
    # and after a pass that found nothing it is due when the next launch window opens
    evaluate_at = np.int64(0)

    for step_index in range(active_steps.shape[0]):
        t = active_steps[step_index]
        while next_launch < n_threats and launch_step[launch_order[next_launch]] <= t:
            live[n_live] = launch_order[next_launch]
            n_live += 1
            next_launch += 1

        # 3. failures in flight
        for li in range(n_live):
            j = live[li]
            if fails[j] and fate[j] == PENDING and fail_step[j] <= t:
                fate[j] = FAILED
                end_step[j] = fail_step[j]
                _log(log, n_log, fail_step[j], EV_FAIL, j, -1, 0)
                for s in range(n_sensors):
                    if confirmed[s, j]:
                        held[s] -= 1
                        confirmed[s, j] = False

        # 4. intercepts due now: each shot of the salvo kills independently; a resolved
        #    engagement is swap-removed from the list of those under way
        k = 0
        while k < n_eng:
            if e_ic[k] > t:
                k += 1
                continue
            f = e_f[k]
            j = e_j[k]
            ic = e_ic[k]
            shots = e_shots[k]
            n_eng -= 1
            e_f[k] = e_f[n_eng]
            e_j[k] = e_j[n_eng]
            e_ic[k] = e_ic[n_eng]
            e_shots[k] = e_shots[n_eng]
            busy_ch[f] -= 1
            evaluate_at = min(evaluate_at, t)
            in_flight[f] -= shots
            kill = False
            for _ in range(shots):
                if rng_engage.random() < pk[f, j]:
                    kill = True
            if fate[j] != PENDING:
                continue
            _log(log, n_log, t, EV_KILL if kill else EV_MISS, j, f, shots)
            if kill:
                fate[j] = KILLED
                killer[j] = f
                intercept_step[j] = ic
                end_step[j] = ic
                for s in range(n_sensors):
                    if confirmed[s, j]:
                        held[s] -= 1
                        confirmed[s, j] = False
            else:
                next_free[j] = ic + assess_steps[f]

        # 5. arrivals: whatever is still pending at its impact step has leaked
        for li in range(n_live):
            j = live[li]
            if fate[j] == PENDING and impact_step[j] <= t:
                fate[j] = LEAKED
                end_step[j] = impact_step[j]
                _log(log, n_log, impact_step[j], EV_LEAK, j, -1, 0)
                for s in range(n_sensors):
                    if confirmed[s, j]:
                        held[s] -= 1
                        confirmed[s, j] = False

        w = 0
        for li in range(n_live):
            if fate[live[li]] == PENDING:
                live[w] = live[li]
                w += 1
        n_live = w

        # 6. reloads from the reserve, one launcher at a time per fire unit
        for f in range(n_fu):
            if reload_done[f] >= 0 and t >= reload_done[f]:
                n_load = min(per_launcher[f], reserve[f])
                ready[f] += n_load
                reserve[f] -= n_load
                reload_done[f] = -1
                evaluate_at = min(evaluate_at, t)
            if reload_done[f] < 0 and reserve[f] > 0 and capacity[f] - ready[f] >= per_launcher[f]:
                reload_done[f] = t + reload_steps[f]

        # 7. detection: one Swerling 1 draw per scan per untracked threat in flight
        for s in range(n_sensors):
            if t % scan_steps[s] != 0:
                continue
            for li in range(n_live):
                j = live[li]
                if confirmed[s, j]:
                    continue
                p = pd[s, j, t]
                bit = 0
                if p > 0.0 and rng_engage.random() < p:
                    bit = 1
                history[s, j] = ((history[s, j] << 1) | bit) & history_mask
                if (
                    bit == 1
                    and _popcount(history[s, j]) >= confirm_m
                    and held[s] < track_capacity[s]
                ):
                    confirmed[s, j] = True
                    held[s] += 1
                    evaluate_at = min(evaluate_at, t)
                    _log(log, n_log, t, EV_TRACK, j, s, 0)
                    owner = sensor_owner[s]
                    if owner >= 0 and avail[owner, j] < 0:
                        avail[owner, j] = t
                    if sensor_networked[s]:
                        for f in range(n_fu):
                            if fu_networked[f] and avail[f, j] < 0:
                                avail[f, j] = t

        # 8. threat evaluation: threats some ready fire unit can engage now, ranked by value
        #    over time to impact (most steps have none: skip them before any sorting)
        if t < evaluate_at:
            continue
        any_fu = False
        for f in range(n_fu):
            if _can_fire(f, salvo, channels, busy_ch, ready, in_flight, max_in_flight):
                any_fu = True
        if not any_fu:
            evaluate_at = NEVER  # until an intercept or a reload frees a fire unit
            continue
        n_cand = 0
        for li in range(n_live):
            j = live[li]
            if t < next_free[j]:
                continue
            if eng_count[j] >= max_engagements or value[j] < hold_value:
                continue
            reachable = False
            for f in range(n_fu):
                if (
                    _feasible(
                        f,
                        j,
                        t,
                        avail,
                        reaction_steps,
                        intercept,
                        window,
                        impact_step,
                        is_ballistic,
                        ready,
                        reserve_ballistic,
                    )
                    >= 0
                ):
                    reachable = True
                    break
            if not reachable:
                continue
            cand[n_cand] = j
            prio[n_cand] = value[j] / max((impact_step[j] - t) * dt_s, dt_s)
            n_cand += 1
        if n_cand == 0:
            evaluate_at = _next_evaluation(
                t,
                live,
                n_live,
                eng_count,
                max_engagements,
                value,
                hold_value,
                avail,
                reaction_steps,
                window,
                next_free,
                salvo,
                channels,
                busy_ch,
                ready,
                in_flight,
                max_in_flight,
            )
            continue
        evaluate_at = t + 1
        order = np.argsort(-prio[:n_cand], kind="mergesort")

        # 9. weapon assignment
        if assignment == GREEDY:
            for oi in range(n_cand):
                j = cand[order[oi]]
                best_f = -1
                best_ic = np.int64(1) << 62
                best_pk = -1.0
                for f in range(n_fu):
                    if not _can_fire(f, salvo, channels, busy_ch, ready, in_flight, max_in_flight):
                        continue
                    ic = _feasible(
                        f,
                        j,
                        t,
                        avail,
                        reaction_steps,
                        intercept,
                        window,
                        impact_step,
                        is_ballistic,
                        ready,
                        reserve_ballistic,
                    )
                    if ic < 0:
                        continue
                    if ic < best_ic or (ic == best_ic and pk[f, j] > best_pk):
                        best_f = f
                        best_ic = ic
                        best_pk = pk[f, j]
                if best_f >= 0:
                    n_eng = _launch(
                        best_f,
                        j,
                        best_ic,
                        salvo,
                        ready,
                        in_flight,
                        busy_ch,
                        e_f,
                        e_j,
                        e_ic,
                        e_shots,
                        n_eng,
                        next_free,
                        eng_count,
                        fu_shots,
                        shots_at,
                        round_cost_usd,
                        cost_at,
                    )
                    _log(log, n_log, t, EV_LAUNCH, j, best_f, e_shots[n_eng - 1])
        else:
            n_slots = 0
            for f in range(n_fu):
                if _can_fire(f, salvo, channels, busy_ch, ready, in_flight, max_in_flight):
                    n_slots += channels[f] - busy_ch[f]
            slot_fu = np.empty(n_slots, dtype=np.int64)
            si = 0
            for f in range(n_fu):
                if _can_fire(f, salvo, channels, busy_ch, ready, in_flight, max_in_flight):
                    for _ in range(channels[f] - busy_ch[f]):
                        slot_fu[si] = f
                        si += 1
            profit = np.zeros((n_cand, n_slots))
            ics = np.full((n_cand, n_slots), -1, dtype=np.int64)
            any_feasible = False
            for ci in range(n_cand):
                j = cand[order[ci]]
                for sj in range(n_slots):
                    f = slot_fu[sj]
                    ic = _feasible(
                        f,
                        j,
                        t,
                        avail,
                        reaction_steps,
                        intercept,
                        window,
                        impact_step,
                        is_ballistic,
                        ready,
                        reserve_ballistic,
                    )
                    if ic >= 0:
                        shots = min(salvo, ready[f])
                        profit[ci, sj] = value[j] * (1.0 - (1.0 - pk[f, j]) ** shots)
                        ics[ci, sj] = ic
                        any_feasible = True
            if not any_feasible:
                continue
            with numba.objmode(rows="int64[:]", cols="int64[:]"):
                rows, cols = _assign_optimal(profit)
            for r in range(rows.shape[0]):
                ci = rows[r]
                sj = cols[r]
                f = slot_fu[sj]
                if profit[ci, sj] <= 0.0:
                    continue
                if not _can_fire(f, salvo, channels, busy_ch, ready, in_flight, max_in_flight):
                    continue
                j = cand[order[ci]]
                n_eng = _launch(
                    f,
                    j,
                    ics[ci, sj],
                    salvo,
                    ready,
                    in_flight,
                    busy_ch,
                    e_f,
                    e_j,
                    e_ic,
                    e_shots,
                    n_eng,
                    next_free,
                    eng_count,
                    fu_shots,
                    shots_at,
                    round_cost_usd,
                    cost_at,
                )
                _log(log, n_log, t, EV_LAUNCH, j, f, e_shots[n_eng - 1])

    for f in range(n_fu):
        fu_left[f] = ready[f] + reserve[f]
