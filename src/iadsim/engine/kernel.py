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

from iadsim.engine import stages, stages_assign, stages_attack
from iadsim.engine.bundle import by_ref
from iadsim.engine.seeding import reseed
from iadsim.engine.stages_assign import _assign_optimal  # noqa: F401  (tests call it directly)
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
    N_CAND,
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
    copy_state,
    new_state,
    put,
)

GREEDY, OPTIMAL = 0, 1


@numba.njit(cache=True)
def simulate_replication(rng_threat, rng_engage, sx, out, log, n_log):
    """Simulate one replication of the variant ``sx`` (a :data:`Static`), writing its results
    into ``out`` (fate, killer, intercept_step, shots_at, miss_east_m, miss_north_m, end_step,
    fu_shots, fu_left, refused, cost_at, held_miss: one row each).

    ``log`` (E x 5 int64) receives up to E events (step, kind, threat, who, extra) and
    ``n_log[0]`` their count; pass a 0-row array to log nothing.
    """
    sx = by_ref(sx)
    bundle = new_state(sx, out, log, n_log)
    play(by_ref(bundle), sx, rng_threat, rng_engage)
    # through the tuple itself: it keeps the state's arrays alive until here
    for f in range(sx.channels.shape[0]):
        bundle.fu_left[f] = bundle.ready[f] + bundle.reserve[f]


@numba.njit(cache=True)
def play(st, sx, rng_threat, rng_engage):
    """One replication on the fresh state ``st`` (by reference; its caller keeps the state
    alive): the threat draws, then the steps."""
    stages.draw_threats(st, sx, rng_threat)
    for f in range(sx.channels.shape[0]):
        st.fu_shots[f] = 0
    st.ctr[RELOAD_CHECK] = 1
    t = run_steps(st, sx, stages.next_step(st, sx, -1), rng_engage)
    while t < NEVER:  # run_steps stopped for an optimal assignment, which allocates
        stages_assign.assign_optimal(st, sx, t, st.order, st.ctr[N_CAND])
        t = run_steps(st, sx, stages.next_step(st, sx, t), rng_engage)


# The step loop is compiled without numba's reference counting (``_nrt=False``): the stages
# read arrays out of the two bundles at every step, and each read would otherwise cost an
# atomic increment and decrement, most of the kernel's time. Nothing here allocates (the state
# comes from new_state, ranking sorts in its scratch arrays); optimal assignment, which does,
# runs in the caller between two calls.
@numba.njit(cache=True, _nrt=False)
def run_steps(st, sx, t, rng):
    """Run the stages from step ``t`` on; returns NEVER at the end of the replication, or the
    step at which an optimal assignment of ``st.ctr[N_CAND]`` ranked candidates is due."""
    ctr = st.ctr
    while t < NEVER:
        # a stage runs only on the steps where it is due (next_step keeps the due times in
        # ctr): a stage with nothing to do would change nothing and draw nothing
        if ctr[T_LAUNCH] <= t:
            stages.admit_launches(st, sx, t, rng)
        compact = ctr[T_ARRIVE] <= t
        if ctr[T_FAIL] <= t:
            stages.fail_threats(st, sx, t)
            compact = True
        if ctr[T_IC] <= t:
            stages.resolve_intercepts(st, sx, t, rng)
            compact = True
        if compact:
            if sx.sead_on:  # issue 11: ARMs arriving at their radar
                stages_attack.arm_hits(st, sx, t, rng)
            stages.arrivals(st, sx, t)
        if ctr[T_RELOAD] <= t or ctr[RELOAD_CHECK]:
            ctr[RELOAD_CHECK] = 0
            stages.reloads(st, sx, t)
        if ctr[T_SCAN] <= t:
            stages.detect(st, sx, t, rng)
            if ctr[N_NEW] > 0:
                if sx.sead_on or sx.decoy_on:  # issue 11: cues, going dark, decoys
                    stages_attack.on_tracks(st, sx, t, rng)
                stages.share_tracks(st, sx, t)
        n_cand = stages_assign.evaluate_threats(st, sx, t) if ctr[EVALUATE_AT] <= t else 0
        if n_cand > 0:
            stages_assign.rank(st, n_cand)
            if sx.assignment != GREEDY:
                ctr[N_CAND] = n_cand
                return t
            stages_assign.assign_greedy(st, sx, t, st.order, n_cand)
        t = stages.next_step(st, sx, t)
    return NEVER


@numba.njit(cache=True)
def zero_rows(out):
    """One zero row of each output table of ``out`` (a replication's outputs)."""
    return (
        np.zeros_like(out[0][0]),
        np.zeros_like(out[1][0]),
        np.zeros_like(out[2][0]),
        np.zeros_like(out[3][0]),
        np.zeros_like(out[4][0]),
        np.zeros_like(out[5][0]),
        np.zeros_like(out[6][0]),
        np.zeros_like(out[7][0]),
        np.zeros_like(out[8][0]),
        np.zeros_like(out[9][0]),
        np.zeros_like(out[10][0]),
        np.zeros_like(out[11][0]),  # issue 12: held because predicted to miss
    )


@numba.njit(cache=True)
def run_replications(threat, engage, root_words, start, sx, out, log, n_log):
    """Replications ``start .. start + len(out[0]) - 1`` of ``sx``, replication ``start + i``
    into row ``i`` of each output table (:func:`simulate_replication`'s rows, 2-D).

    ``threat`` and ``engage`` are (Generator, state address) pairs from
    :func:`iadsim.engine.seeding.stream_generator`, reseeded before each replication to the
    streams of ``SeedSequence(root, spawn_key=(r, 0 | 1))`` (``root_words``: the root seed as
    32-bit words), so a replication's draws depend only on the root seed and its index.
    """
    scratch = np.zeros(max(root_words.shape[0], 4) + 8, dtype=np.uint32)  # seed_words
    g_threat, a_threat = threat
    g_engage, a_engage = engage
    sx = by_ref(sx)
    if out[0].shape[0] == 0:
        return
    # one state for the chunk, reset before each replication by a copy of a fresh one (made
    # once): the same values new_state gives, without allocating its arrays again
    rows, fresh_rows = zero_rows(out), zero_rows(out)
    fresh = new_state(sx, fresh_rows, log, n_log)
    bundle = new_state(sx, rows, log, n_log)
    fresh_ref, st = by_ref(fresh), by_ref(bundle)
    for i in range(out[0].shape[0]):
        reseed(a_threat, root_words, start + i, 0, scratch)
        reseed(a_engage, root_words, start + i, 1, scratch)
        if i > 0:
            copy_state(st, fresh_ref)
        play(st, sx, g_threat, g_engage)
        for f in range(sx.channels.shape[0]):
            bundle.fu_left[f] = bundle.ready[f] + bundle.reserve[f]
        put(out[0][i], rows[0])
        put(out[1][i], rows[1])
        put(out[2][i], rows[2])
        put(out[3][i], rows[3])
        put(out[4][i], rows[4])
        put(out[5][i], rows[5])
        put(out[6][i], rows[6])
        put(out[7][i], rows[7])
        put(out[8][i], rows[8])
        put(out[9][i], rows[9])
        put(out[10][i], rows[10])
        put(out[11][i], rows[11])
    # the tuples themselves, past the last use of their references: they keep the arrays alive
    fresh.ctr[0] += 0
    bundle.ctr[0] += 0
