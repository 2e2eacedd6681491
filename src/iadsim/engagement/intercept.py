"""Intercept solutions: the earliest feasible intercept for a launch at every time step.

The engine calls this once per fire unit when it prepares a scenario, and the envelope tools
(:mod:`iadsim.engagement.envelope`) call it on synthetic approaches, so both use one solver.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from iadsim.engagement.flyout import time_to_distance_nb


@numba.njit(cache=True)
def earliest_intercepts(
    t_s,
    slant_range_m,
    feasible,
    launch_step,
    impact_step,
    max_speed_mps,
    boost_time_s,
    decay_time_s,
    out,
):
    """Earliest feasible intercept step for a launch at every step, for one fire unit.

    For each threat ``j`` and candidate intercept sample ``i`` (feasible: inside the envelope,
    seen by the fire-control radar), the latest launch time that still meets the threat there is
    ``L_i = t_i - tof(range_i)``. For a launch at ``t`` the earliest intercept is the first ``i``
    with ``L_i >= t``: the first index where the running maximum of ``L`` reaches ``t``. The
    running maximum is non-decreasing, so one pointer sweep per threat gives all launch times.
    ``out[j, t]`` is that step, or -1 when there is none.
    """
    n_threats, n_steps = slant_range_m.shape
    latest = np.empty(n_steps)
    for j in range(n_threats):
        lo = launch_step[j]
        hi = impact_step[j]
        for t in range(n_steps):
            out[j, t] = -1
        run = -np.inf
        for i in range(lo, hi + 1):
            if feasible[j, i]:
                tof = time_to_distance_nb(
                    max_speed_mps, boost_time_s, decay_time_s, slant_range_m[j, i]
                )
                cand = t_s[i] - tof
                if cand > run:
                    run = cand
            latest[i] = run
        p = lo
        for t in range(lo, hi + 1):
            while p <= hi and latest[p] < t_s[t]:
                p += 1
            if p > hi:
                break
            out[j, t] = p


@numba.njit(cache=True)
def intercept_breakpoints(
    dt_s,
    sample_threat,
    sample_step,
    sample_range_m,
    launch_step,
    impact_step,
    max_speed_mps,
    boost_time_s,
    decay_time_s,
):
    """The same solution as :func:`earliest_intercepts`, stored sparsely, for one fire unit.

    Input: the feasible intercept samples only (threat, step, slant range), sorted by threat and
    step. For a launch at step ``t`` the earliest intercept is the first sample whose running
    maximum of the latest launch time ``L_i = t_i - tof(range_i)`` reaches ``t * dt``; that
    step is a *record* of the running maximum. So the whole table for one threat is the list
    of records ``(last launch step, intercept step)``: a launch at ``t`` meets the threat at the
    intercept step of the first record whose last launch step is >= ``t``.

    Returns ``(offsets (N+1), last_launch (K), intercept (K), window (N, 2))``; the window is
    ``(launch step, last launch step)`` or ``(1, 0)`` (empty).
    """
    n_threats = launch_step.shape[0]
    n = sample_threat.shape[0]
    counts = np.zeros(n_threats, dtype=np.int64)
    last = np.empty(n, dtype=np.int64)
    ic = np.empty(n, dtype=np.int64)
    window = np.empty((n_threats, 2), dtype=np.int64)
    window[:, 0] = 1
    window[:, 1] = 0
    k = 0
    i = 0
    for j in range(n_threats):
        lo = launch_step[j]
        hi = impact_step[j]
        run = -np.inf
        first_k = k
        while i < n and sample_threat[i] == j:
            cand = sample_step[i] * dt_s - time_to_distance_nb(
                max_speed_mps, boost_time_s, decay_time_s, sample_range_m[i]
            )
            if cand > run:
                run = cand
                # the last launch step t with t * dt <= run (exactly as the dense sweep compares)
                tl = np.int64(math.floor(run / dt_s)) if run > -1e300 else np.int64(-1)
                while (tl + 1) * dt_s <= run:
                    tl += 1
                while tl >= 0 and tl * dt_s > run:
                    tl -= 1
                tl = min(tl, hi)
                if tl >= lo and (k == first_k or tl > last[k - 1]):
                    last[k] = tl
                    ic[k] = sample_step[i]
                    k += 1
            i += 1
        counts[j] = k - first_k
        if k > first_k:
            window[j, 0] = lo
            window[j, 1] = last[k - 1]
    offsets = np.zeros(n_threats + 1, dtype=np.int64)
    for j in range(n_threats):
        offsets[j + 1] = offsets[j] + counts[j]
    return offsets, last[:k].copy(), ic[:k].copy(), window
