"""The tracker's stage (issue 12): the defender's picture from noisy radar plots.

With ``doctrine.tracking: estimated`` (``sx.trk_on``):

- every detection is a plot: the threat's true position seen from the radar as range,
  azimuth and elevation, plus Gaussian noise of the radar's catalog accuracy (three draws
  from the engagement stream, right after the detection draw);
- each threat has one fused track, a constant-velocity Kalman filter for air-breathing
  threats and a ballistic EKF (point-mass gravity) for ballistic ones
  (:mod:`iadsim.tracking`), updated by every radar's plots;
- a confirmed track keeps being scanned (one Pd draw per scan on which the radar could see
  the threat); after ``tracking.drop_after_missed_scans`` scans in a row without a plot the
  radar drops it, and when no radar holds the threat the fire units lose it too;
- the fire unit's launch solution comes from its track: the estimate carried to the current
  step puts the threat some steps ahead of (or behind) where it is along its path, and the fire
  unit reads the prepared solution at that believed point of the path: its launch window, and
  its intercept step shifted back to real time (:func:`believed_step`);
- the interceptor flies to that planned intercept step. If the true threat cannot be met then
  (the true launch window was shut, or the planned step is earlier than the true earliest
  intercept, or later than the latest), it fails without a kill draw; otherwise it is guided on the fire unit's track up to the
  intercept (midcourse updates, as command-guided and track-via-missile systems are) and the
  aim point is the estimate of the last plot propagated to that step (a lost track coasts from
  its last plot). When the miss exceeds the interceptor's divert the intercept fails without a
  kill draw.

With ``doctrine.engage_only_predicted_hits`` a ballistic threat is engaged only when its
predicted impact ellipse meets a defended asset's footprint (with perfect tracks: when its true
impact point is inside one). None of this draws anything when the tracker is off, so results
with ``tracking: perfect`` are those of the engine without this stage, bit for bit.

The threat's true path is the prepared trajectory with its CEP miss laid on linearly in time
from launch to impact, so that a radar sees the missile heading for where it will land.
See docs/models/tracking.md.
"""

from __future__ import annotations

import math

import numba

from iadsim.engine.solution import intercept_step
from iadsim.tracking.ballistic import MAX_STEP_S, ballistic_predict, predict_impact, rk4_step
from iadsim.tracking.batch import batch_update
from iadsim.tracking.footprint import ellipse_hits_disk
from iadsim.tracking.kalman import (
    cv_predict,
    radar_measure,
    radar_plot_to_state,
)

# compiled like the stages of iadsim.engine.stages: apart, without reference counting
jit = numba.njit(cache=True, _nrt=False)

#: Event kind of the log: a radar dropped a track after missed scans.
EV_DROP = 8


@jit
def true_position(st, sx, j, t, out):
    """The true position of threat ``j`` at step ``t`` (its prepared sample plus the share
    of its CEP miss flown by then) into ``out`` (3,). [m]"""
    l0 = sx.launch_step[j]
    l1 = sx.impact_step[j]
    k = sx.trk_sample_off[j] + min(max(t, l0), l1) - l0
    frac = min(max((t - l0) / max(l1 - l0, 1), 0.0), 1.0)
    me = st.miss_east_m[j] * frac
    mn = st.miss_north_m[j] * frac
    for i in range(3):
        out[i] = sx.trk_xyz[k, i] + me * sx.trk_aim_en[j, 0, i] + mn * sx.trk_aim_en[j, 1, i]


@jit
def _predict(sx, j, x, P, dt_s, w):
    if sx.is_ballistic[j]:
        ballistic_predict(x, P, dt_s, sx.trk_q_ball, w)
    else:
        cv_predict(x, P, dt_s, sx.trk_q_cv, w)


@jit
def plot(st, sx, s, j, r, t, rng):
    """Radar ``s`` detected threat ``j`` at step ``t``: draw the plot's noise (range, azimuth,
    elevation, in that order). The first plot of a track (or of a lost one) starts it; a later
    one joins the radar's batch of plots of the threat, which is applied to the track when it
    spans ``trk_batch_steps`` or a decision reads the track (:func:`fold`)."""
    R = sx.trk_radar_R[s]
    st.trk_last_det[r] = t
    if st.trk_t[j] < 0 or st.trk_lost[j]:
        w = st.trk_w
        z, p, hz = w[5, 0], w[5, 2], w[5, 3]
        H = w[7, 3:6]
        true_position(st, sx, j, t, p)
        pos, rot = sx.trk_radar_pos[s], sx.trk_radar_rot[s]
        radar_measure(p, pos, rot, hz, H)
        for i in range(3):
            z[i] = hz[i] + math.sqrt(R[i, i]) * rng.standard_normal()
        radar_plot_to_state(z, pos, rot, R, sx.trk_sigma_v, st.trk_x[j], st.trk_P[j])
        st.trk_lost[j] = False
        st.trk_t[j] = t
        st.trk_tf[j] = t
        st.trk_ver[j] += 1
        return
    # the batch's sums: count, Σ τ, Σ τ², Σ e, Σ τ e (τ steps since its first plot, at b[9])
    b = st.trk_bat[r]
    if b[0] == 0.0:
        b[9] = t
    tau = t - b[9]
    b[0] += 1.0
    b[1] += tau
    b[2] += tau * tau
    for i in range(3):
        e = math.sqrt(R[i, i]) * rng.standard_normal()
        b[3 + i] += e
        b[6 + i] += tau * e
    st.trk_npend[j] += 1
    if tau >= sx.trk_batch_steps:
        fold(st, sx, j, t)


@jit
def _apply_batch(st, sx, j, s, tm):
    """Update the track of ``j`` with radar ``s``'s batch of plots as its equivalent
    measurement at the batch's mean step ``tm`` (:func:`iadsim.tracking.batch.batch_update`):
    the straight-line fit of the plots, whose noise-free part is the truth's value and rate at
    ``tm`` and whose noise is the fit of the plots' drawn noises (docs/models/tracking.md)."""
    n_s = sx.scan_steps.shape[0]
    b = st.trk_bat[j * n_s + s]
    w = st.trk_w
    x, P = st.trk_x[j], st.trk_P[j]
    n = b[0]
    tau_m = b[1] / n
    stt = max(b[2] - n * tau_m * tau_m, 0.0)  # Σ(τ − τ̄)² [steps²]
    dt = (tm - st.trk_tf[j]) * sx.dt_s
    if dt > 0.0:
        _predict(sx, j, x, P, dt, w)
        st.trk_tf[j] = tm
    z, p, v, zdot = w[5, 0], w[5, 2], w[5, 3], w[5, 4]
    H = w[7, 3:6]
    # the truth at tm, between two steps of the path, and its velocity
    k0 = math.floor(tm)
    fr = tm - k0
    true_position(st, sx, j, k0, p)
    true_position(st, sx, j, k0 + 1, v)
    for i in range(3):
        d = v[i] - p[i]
        p[i] += fr * d
        v[i] = d / sx.dt_s
    pos, rot = sx.trk_radar_pos[s], sx.trk_radar_rot[s]
    radar_measure(p, pos, rot, z, H)
    for a in range(3):
        rate = H[a, 0] * v[0] + H[a, 1] * v[1] + H[a, 2] * v[2]  # d(range, az, el)/dt
        z[a] += b[3 + a] / n
        zdot[a] = rate + (b[6 + a] - tau_m * b[3 + a]) / (stt * sx.dt_s) if stt > 0.0 else rate
    batch_update(x, P, z, zdot, n, stt * sx.dt_s * sx.dt_s, pos, rot, sx.trk_radar_R[s], w)
    for i in range(10):
        b[i] = 0.0


@jit
def fold(st, sx, j, t):
    """Apply the pending batches of plots of ``j`` to its track at step ``t``, in the order of
    their mean steps (every plot up to ``t`` is then in the track)."""
    if st.trk_npend[j] > 0:
        _fold(st, sx, j, t)


# compiled with reference counting (the batch's filter code is numba's ordinary kind); it is
# called once per batch, from the readers of a track in several stages
@numba.njit(cache=True)
def _fold(st, sx, j, t):
    n_s = sx.scan_steps.shape[0]
    while True:
        best = -1
        best_t = math.inf
        for s in range(n_s):
            b = st.trk_bat[j * n_s + s]
            if b[0] > 0.0 and b[9] + b[1] / b[0] < best_t:
                best, best_t = s, b[9] + b[1] / b[0]
        if best < 0:
            break
        _apply_batch(st, sx, j, best, best_t)
    st.trk_npend[j] = 0
    st.trk_t[j] = t
    st.trk_ver[j] += 1


@jit
def track_dropped(st, sx, s, j, t):
    """After radar ``s`` released its track of ``j`` (``stages.release_track``): log it, and
    with no radar left holding the threat the track is lost and the fire units lose it too
    (until a radar confirms it again)."""
    n_s = sx.scan_steps.shape[0]
    k = st.n_log[0]
    if k < st.log.shape[0]:
        st.log[k, 0] = t
        st.log[k, 1] = EV_DROP
        st.log[k, 2] = j
        st.log[k, 3] = s
        st.log[k, 4] = 0
        st.n_log[0] = k + 1
    for q in range(n_s):
        if st.confirmed[j * n_s + q]:
            return
    fold(st, sx, j, t)  # the plots so far, for a coast
    st.trk_lost[j] = True  # the estimate stays, to coast an interceptor already in flight
    for f in range(st.avail.shape[0]):
        st.avail[f, j] = -1


@jit
def next_held_scan(st, sx, s, r, c):
    """The step a held track (pair ``r``, next scan entry ``c``) next needs its radar: its next
    scan, or the step its drop falls due if no scan comes before."""
    nxt = st.trk_last_det[r] + sx.trk_drop_k * sx.scan_steps[s]
    if c < sx.scan_off[r + 1] and sx.scan_step[c] < nxt:
        nxt = sx.scan_step[c]
    return nxt


@jit
def confirmed_scan(st, sx, s, j, r, t, rng):
    """A held track on a scan of its radar: one Pd draw if the radar can see the threat now,
    a plot if detected. Returns the step the pair next needs its radar, or -1 when
    ``trk_drop_k`` scans have passed without a plot (the caller releases the track)."""
    c = st.cursor[r]
    end = sx.scan_off[r + 1]
    while c < end and sx.scan_step[c] < t:
        c += 1
    if c < end and sx.scan_step[c] == t:
        p = sx.scan_pd[c]
        c += 1
        if p > 0.0 and rng.random() < p:
            plot(st, sx, s, j, r, t, rng)
    st.cursor[r] = c
    if t - st.trk_last_det[r] >= sx.trk_drop_k * sx.scan_steps[s]:
        return -1
    return next_held_scan(st, sx, s, r, c)


@jit
def aim_error(st, sx, j, ic):
    """The distance between the estimate of ``j`` propagated from its last plot to the
    intercept step ``ic`` and the threat's true position there. [m]"""
    if st.trk_t[j] < 0:
        return math.inf
    fold(st, sx, j, ic)
    w = st.trk_w
    x, p, P = w[5, 1], w[5, 2], w[6]
    for i in range(6):
        x[i] = st.trk_x[j, i]
        for k in range(6):
            P[i, k] = st.trk_P[j, i, k]
    dt = (ic - st.trk_tf[j]) * sx.dt_s
    if dt > 0.0:
        _predict(sx, j, x, P, dt, w)
    true_position(st, sx, j, ic, p)
    return math.sqrt((x[0] - p[0]) ** 2 + (x[1] - p[1]) ** 2 + (x[2] - p[2]) ** 2)


@jit
def _predict_mean(sx, j, x, dt_s, w):
    """The mean of the track state ``x`` carried ``dt_s`` [s] forward (no covariance)."""
    if sx.is_ballistic[j]:
        n = math.ceil(dt_s / MAX_STEP_S - 1e-12)
        h = dt_s / n
        for _ in range(n):
            rk4_step(x, h, w[1])
    else:
        for i in range(3):
            x[i] += dt_s * x[i + 3]


@jit
def believed_step(st, sx, j, t):
    """The step of its path at which the fire units' track puts threat ``j`` at step ``t``:
    ``t`` plus the along-track offset of the estimate carried to ``t``, ``(x̂ − x)·v / |v|²``,
    in whole steps (``t`` itself with perfect tracks, or before the first plot). Cached per
    step and track update."""
    if sx.trk_on == 0 or sx.trk_timing == 0 or st.trk_t[j] < 0:
        return t
    fold(st, sx, j, t)
    if st.trk_bel_at[j] == t and st.trk_bel_ver[j] == st.trk_ver[j]:
        return t + st.trk_bel[j]
    w = st.trk_w
    x, p, q, r = w[5, 1], w[5, 2], w[5, 4], w[5, 5]
    for i in range(6):
        x[i] = st.trk_x[j, i]
    dt = (t - st.trk_tf[j]) * sx.dt_s
    if dt > 0.0:
        _predict_mean(sx, j, x, dt, w)
    true_position(st, sx, j, t, p)
    # the true velocity per step, by a step's difference along the path (backward at its end)
    k0 = min(t, sx.impact_step[j] - 1)
    true_position(st, sx, j, k0, q)
    true_position(st, sx, j, k0 + 1, r)
    v2 = 0.0
    along = 0.0
    for i in range(3):
        v = r[i] - q[i]
        v2 += v * v
        along += (x[i] - p[i]) * v
    span = sx.impact_step[j] - sx.launch_step[j] + 1
    lead = 0
    if v2 > 0.0 and abs(along) < span * v2:  # (and finite)
        lead = math.floor(along / v2 + 0.5)
    st.trk_bel_at[j] = t
    st.trk_bel_ver[j] = st.trk_ver[j]
    st.trk_bel[j] = lead
    return t + lead


@jit
def predicted_hit(st, sx, j, t):
    """Whether the defender predicts threat ``j`` to fall on a defended asset: its impact
    ellipse at the doctrine's confidence meets an asset's footprint. Computed once per track
    update (cached in ``trk_pred``)."""
    if sx.trk_on and (st.trk_t[j] < 0 or st.trk_lost[j]):
        return True  # no estimate: nothing to hold fire on
    if sx.trk_on:
        fold(st, sx, j, t)
    version = st.trk_ver[j] if sx.trk_on else 0
    if st.trk_pred_t[j] == version:
        return st.trk_pred[j] == 1
    w = st.trk_w
    pt, cov = w[5, 2], w[7]
    if sx.trk_on:
        if predict_impact(st.trk_x[j], st.trk_P[j], sx.trk_r_ground[j], w, pt, cov) < 0.0:
            st.trk_pred_t[j] = version
            st.trk_pred[j] = 1  # no impact predicted (still climbing far out): engage
            return True
    else:
        # perfect picture: the true impact point, no uncertainty
        for i in range(3):
            pt[i] = (
                sx.trk_aim_xyz[j, i]
                + st.miss_east_m[j] * sx.trk_aim_en[j, 0, i]
                + st.miss_north_m[j] * sx.trk_aim_en[j, 1, i]
            )
            for k in range(3):
                cov[i, k] = 0.0
    hit = False
    for a in range(sx.trk_asset_r.shape[0]):
        e, n = sx.trk_asset_en[a, 0], sx.trk_asset_en[a, 1]
        m0 = 0.0
        m1 = 0.0
        for i in range(3):
            d = pt[i] - sx.trk_asset_xyz[a, i]
            m0 += e[i] * d
            m1 += n[i] * d
        c00 = 0.0
        c01 = 0.0
        c11 = 0.0
        for i in range(3):
            for k in range(3):
                c00 += e[i] * cov[i, k] * e[k]
                c01 += e[i] * cov[i, k] * n[k]
                c11 += n[i] * cov[i, k] * n[k]
        if ellipse_hits_disk(m0, m1, c00, c01, c11, 0.0, 0.0, sx.trk_asset_r[a], sx.trk_k2):
            hit = True
            break
    st.trk_pred_t[j] = version
    st.trk_pred[j] = 1 if hit else 0
    return hit


@jit
def last_lead(st, sx, j):
    """The believed offset of ``j`` as last computed (0 with perfect tracks): scheduling the next
    threat evaluation reads it without updating the track, which would fold every tracked
    threat's plots on every step."""
    if sx.trk_on == 0 or sx.trk_timing == 0 or st.trk_bel_at[j] < 0:
        return 0
    return st.trk_bel[j]


@jit
def launched(st, sx, j, t):
    """A salvo was fired at ``j`` at step ``t``: remember the launch and the believed offset
    it was planned on (one engagement of a threat is in the air at a time)."""
    if sx.trk_on:
        st.trk_launch[j] = t
        st.trk_launch_lead[j] = believed_step(st, sx, j, t) - t


@jit
def _first_intercept(sx, f, j, t):
    """The prepared earliest intercept step of a launch by ``f`` at ``j`` at step ``t`` (as
    :func:`iadsim.engine.solution.intercept_step`), or -1 outside the true launch window."""
    if t < sx.window[f, j, 0] or t > sx.window[f, j, 1]:
        return -1
    return intercept_step(sx, f, j, t)


@jit
def solution_holds(st, sx, f, j, ic):
    """Whether the true threat can be met at the planned intercept step ``ic`` of the salvo
    ``f`` launched at ``j`` (``trk_launch``): inside the true solution, that is the true launch
    window was open and ``ic`` lies between the earliest intercept of that launch and the latest
    of the solution. A plan on a believed point off the path by half a step or more can fall
    outside: the interceptor flies to where the threat is not."""
    if sx.trk_timing == 0:
        return True
    first = _first_intercept(sx, f, j, st.trk_launch[j])
    last_rec = sx.ic_off[j * sx.channels.shape[0] + f + 1] - 1
    return first >= 0 and first <= ic <= sx.ic_step[last_rec]


@jit
def diverted_out(st, sx, f, j, ic):
    """True when the intercept of ``j`` by ``f`` at step ``ic`` fails without a kill draw: the
    launch solution missed the true one, or the aim point is off by more than the interceptor's
    divert (tracker on only)."""
    if sx.trk_on == 0:
        return False
    err = aim_error(st, sx, j, ic) if solution_holds(st, sx, f, j, ic) else math.inf
    st.trk_ic_err[j] = err
    return err > sx.trk_divert_m[f]
