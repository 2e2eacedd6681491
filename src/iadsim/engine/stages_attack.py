"""Kernel stages of the attacker (issue 11): electronic attack and weapon release.

Inlined into the driver like :mod:`iadsim.engine.stages`; nothing here allocates (the step loop
is compiled without reference counting).
"""

from __future__ import annotations

import numba
import numpy as np

from iadsim.engine.state import NOT_RELEASED, PENDING

# inlined like the stages of iadsim.engine.stages (which imports this module)
jit = numba.njit(cache=True, inline="always")


@jit
def jammed_pd(st, sx, s, j, c, t):
    """Single-scan Pd of scan entry ``c`` (radar ``s``, threat ``j``, step ``t``) under the
    jamming of every carrier still flying: ``1/SINR = 1/SNR + b (Σ w_k + [j jams] w_j
    (Gt/G_sl - 1))`` and Swerling 1, ``Pd = Pfa^(1/(1 + SINR))``
    (NAWCWD TP 8347 sec. 4.7-4.9; docs/models/electronic-warfare.md).

    The sum over live carriers is formed once per radar and step (``st.jam_sum``).
    """
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
