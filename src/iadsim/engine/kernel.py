"""The replication kernel: one Monte Carlo replication of a raid against a defence, in numba.

Everything deterministic (trajectories, detection probabilities, intercept solutions) is
precomputed sparsely by :mod:`iadsim.engine.prepare`; the kernel is a short driver over event
times that runs the stages of :mod:`iadsim.engine.stages` in a fixed order on the
replication's state (:mod:`iadsim.engine.state`):

1. threat draws (once); then on each step on which something can change:
2. failures, 3. intercepts due, 4. arrivals, 5. reloads, 6. detection and confirmation,
7. track sharing, 8. threat evaluation, 9. weapon assignment (greedy or optimal).

Steps on which nothing can change are skipped (:func:`~iadsim.engine.stages.next_step`):
they draw no random numbers, so skipping them changes no result. See docs/models/engine.md.
"""

from __future__ import annotations

import numba
import numpy as np

from iadsim.engine import stages
from iadsim.engine.stages import _assign_optimal  # noqa: F401  (tests call it directly)
from iadsim.engine.state import (  # noqa: F401  (re-exported names of the v1 kernel)
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
    N_NEW,
    NEVER,
    PENDING,
    RELOAD_CHECK,
    T_ARRIVE,
    T_FAIL,
    T_IC,
    T_LAUNCH,
    T_RELOAD,
    T_SCAN,
    new_state,
)

GREEDY, OPTIMAL = 0, 1


@numba.njit(cache=True)
def simulate_replication(rng_threat, rng_engage, sx, out, log, n_log):
    """Simulate one replication of the variant ``sx`` (a :data:`Static`), writing its results
    into ``out`` (fate, killer, intercept_step, shots_at, miss_east_m, miss_north_m, end_step,
    fu_shots, fu_left, refused, cost_at: one row each).

    ``log`` (E x 5 int64) receives up to E events (step, kind, threat, who, extra) and
    ``n_log[0]`` their count; pass a 0-row array to log nothing.
    """
    st = new_state(sx, out, log, n_log)
    stages.draw_threats(st, sx, rng_threat)
    for f in range(sx.channels.shape[0]):
        st.fu_shots[f] = 0
    ctr = st.ctr
    ctr[RELOAD_CHECK] = 1
    t = stages.next_step(st, sx, -1)
    while t < NEVER:
        # a stage runs only on the steps where it is due (next_step keeps the due times in
        # ctr): a stage with nothing to do would change nothing and draw nothing
        if ctr[T_LAUNCH] <= t:
            stages.admit_launches(st, sx, t)
        compact = ctr[T_ARRIVE] <= t
        if ctr[T_FAIL] <= t:
            stages.fail_threats(st, sx, t)
            compact = True
        if ctr[T_IC] <= t:
            stages.resolve_intercepts(st, sx, t, rng_engage)
            compact = True
        if compact:
            stages.arrivals(st, sx, t)
        if ctr[T_RELOAD] <= t or ctr[RELOAD_CHECK]:
            ctr[RELOAD_CHECK] = 0
            stages.reloads(st, sx, t)
        if ctr[T_SCAN] <= t:
            stages.detect(st, sx, t, rng_engage)
            if ctr[N_NEW] > 0:
                stages.share_tracks(st, sx, t)
        n_cand = stages.evaluate_threats(st, sx, t) if ctr[EVALUATE_AT] <= t else 0
        if n_cand > 0:
            order = np.argsort(-st.prio[:n_cand], kind="mergesort")
            if sx.assignment == GREEDY:
                stages.assign_greedy(st, sx, t, order, n_cand)
            else:
                stages.assign_optimal(st, sx, t, order, n_cand)
        t = stages.next_step(st, sx, t)
    for f in range(sx.channels.shape[0]):
        st.fu_left[f] = st.ready[f] + st.reserve[f]
