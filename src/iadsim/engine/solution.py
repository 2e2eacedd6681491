"""The prepared intercept solution as the stages read it.

:mod:`iadsim.engine.prepare` stores, per (fire unit, threat), the records of the running
maximum of ``t_i - tof_i``: (last launch step, intercept step). Both threat evaluation
(:mod:`iadsim.engine.stages_assign`) and the tracker's check of a plan against the truth
(:mod:`iadsim.engine.stages_track`) read it here.
"""

from __future__ import annotations

import numba


@numba.njit(cache=True, inline="always")
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
