"""Intercept solutions: the earliest feasible intercept for a launch at every time step.

The engine calls this once per fire unit when it prepares a scenario, and the envelope tools
(:mod:`iadsim.engagement.envelope`) call it on synthetic approaches, so both use one solver.
"""

from __future__ import annotations

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
