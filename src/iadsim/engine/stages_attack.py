"""Kernel stages of the attacker (issue 11): electronic attack, weapon release and
suppression of air defences.

Compiled like :mod:`iadsim.engine.stages` (without reference counting, the bundles by
reference); nothing here allocates.
"""

from __future__ import annotations

import numba
import numpy as np

from iadsim.engine.state import EV_ARM, N_LIVE, N_NEW, NEVER, NOT_RELEASED, PENDING

# compiled like the stages of iadsim.engine.stages (which imports this module)
jit = numba.njit(cache=True, _nrt=False)


@jit
def jammed_pd(st, sx, s, j, c, t):
    """Single-scan Pd of scan entry ``c`` (radar ``s``, threat ``j``, step ``t``) under the
    jamming of every carrier still flying: ``1/SINR = 1/SNR + b (Σ w_k + [j jams] w_j
    (Gt/G_sl - 1))`` and Swerling 1, ``Pd = Pfa^(1/(1 + SINR))``
    (NAWCWD TP 8347 sec. 4.7-4.9; docs/models/electronic-warfare.md).

    The sum over live carriers is formed once per radar and step (``st.jam_sum``). A radar
    the model does not jam (no EW figures: ``jam_ml_extra < 0``) keeps its precomputed Pd.
    """
    if sx.jam_ml_extra[s] < 0.0:
        return sx.scan_pd[c]
    if st.jam_at[s] != t:
        total = 0.0
        for k in range(sx.jam_carrier.shape[0]):
            if st.fate[sx.jam_carrier[k]] == PENDING:
                total += sx.jam_w[k, s, t]
        st.jam_sum[s] = total
        st.jam_at[s] = t
    jam = st.jam_sum[s]
    k = sx.jam_carrier_of[j]
    if k >= 0:
        jam += sx.jam_w[k, s, t] * sx.jam_ml_extra[s]
    sinr = 1.0 / (sx.jam_inv_snr[c] + sx.jam_b[c] * jam)
    return np.exp(sx.jam_ln_pfa[s] / (1.0 + sinr))


@jit
def released(st, sx, j, t):
    """Weapon release: a threat launched from an aircraft (``sx.rel_parent[j] >= 0``) exists
    only if its aircraft still flies at the release step ``t``; otherwise it is marked
    not released (fate 4) and never joins the live list. Draws nothing."""
    parent = sx.rel_parent[j]
    if parent < 0 or st.fate[parent] == PENDING:
        return True
    st.fate[j] = NOT_RELEASED
    st.end_step[j] = t
    return False


EMCON_CUED, EMCON_DARK_ON_ARM = 1, 2


@jit
def radar_quiet(st, sx, s, t):
    """Whether radar ``s`` makes no detection on step ``t``: destroyed by an ARM (for the rest
    of the replication), dark (until ``dark_until``) or silent until cued. Sets the radar's next
    due scan so the driver neither spins on it nor forgets it."""
    if st.radar_dead[s]:
        st.sensor_due[s] = NEVER
        return True
    if st.dark_until[s] > t:
        st.sensor_due[s] = st.dark_until[s]
        return True
    if sx.emcon[s] == EMCON_CUED and st.cued[0] == 0:
        st.sensor_due[s] = t + sx.scan_steps[s]  # looks again at its next scan
        return True
    return False


@jit
def on_tracks(st, sx, t, rng):
    """New tracks of this step (before they are shared): a radar recognises a decoy it has
    just tracked with its discrimination probability (one draw per decoy track; a recognised
    decoy keeps its track slot on that radar but is passed to no fire unit); a networked
    radar's track cues the silent radars; a tracked ARM sends the radar it homes on dark, if
    that radar's doctrine says so, until the ARM has arrived."""
    w = 0
    for k in range(st.ctr[N_NEW]):
        s, j = st.new_s[k], st.new_j[k]
        if sx.decoy_on and sx.discrimination[s, j] > 0.0:
            if rng.random() < sx.discrimination[s, j]:
                continue  # recognised: not shared
        st.new_s[w], st.new_j[w] = s, j
        w += 1
        if sx.sensor_networked[s]:
            st.cued[0] = 1
        a = sx.arm_target[j]
        if a >= 0 and sx.emcon[a] == EMCON_DARK_ON_ARM and not st.radar_dead[a]:
            st.dark_until[a] = max(st.dark_until[a], sx.impact_step[j] + 1)
    st.ctr[N_NEW] = w


@jit
def arm_hits(st, sx, t, rng):
    """ARMs arriving at step ``t`` (still pending at their impact step, about to be counted as
    arrived): one draw each against a live radar, the catalog Pk if the radar still emits and
    the memory Pk if it is dark or silent. A radar hit stops detecting, and its fire unit stops
    firing, for the rest of the replication."""
    for li in range(st.ctr[N_LIVE]):
        j = st.live[li]
        a = sx.arm_target[j]
        if a < 0 or st.fate[j] != PENDING or sx.impact_step[j] > t or st.radar_dead[a]:
            continue
        quiet = st.dark_until[a] > t or (sx.emcon[a] == EMCON_CUED and st.cued[0] == 0)
        pk = sx.arm_memory_pk[j] if quiet else sx.arm_pk[j]
        hit = rng.random() < pk
        if hit:
            st.radar_dead[a] = True
            st.sensor_due[a] = NEVER
        k = st.n_log[0]  # event log (as stages.log_event): radar a hit (1) or missed (0)
        if k < st.log.shape[0]:
            st.log[k, 0], st.log[k, 1], st.log[k, 2] = t, EV_ARM, j
            st.log[k, 3], st.log[k, 4] = a, 1 if hit else 0
            st.n_log[0] = k + 1
