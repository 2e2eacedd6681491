"""The kernel's two bundles: the read-only inputs of a variant (:data:`Static`) and the
mutable state of one replication (:data:`State`), both named tuples of arrays that numba
passes to every stage as one argument.

A new behaviour adds a field here (a radar's status, a jammer's, a spawned weapon's) and a
stage in :mod:`iadsim.engine.stages`; no stage signature changes.
"""

from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

PENDING, KILLED, LEAKED, FAILED = 0, 1, 2, 3
#: A weapon whose aircraft was down before its release step (issue 11).
NOT_RELEASED = 4
#: Event kinds of the optional log (step, kind, threat, sensor or fire unit, shots).
EV_TRACK, EV_LAUNCH, EV_KILL, EV_MISS, EV_LEAK, EV_FAIL, EV_REFUSED = 1, 2, 3, 4, 5, 6, 7
#: An anti-radiation missile arrived at its radar (who: the radar; extra: 1 hit, 0 missed).
EV_ARM = 9
# a plain int, so numba freezes it as a constant (a numpy scalar global is looked up per use)
NEVER = 1 << 62
# slots of State.ctr (scalars of a replication)
N_ENG, N_LIVE, NEXT_LAUNCH, EVALUATE_AT, N_NEW = 0, 1, 2, 3, 4
# when each kind of event is next due (set by next_step; the driver runs only due stages)
T_LAUNCH, T_FAIL, T_ARRIVE, T_IC, T_RELOAD, T_SCAN, RELOAD_CHECK = 5, 6, 7, 8, 9, 10, 11
# candidates ranked for an optimal assignment (the step loop stops for it)
N_CAND = 12
# threat evaluation's shortcut (stages_assign.fresh_due): the step before which only the
# threats in State.fresh can be engaged (0 or -1: none; an intercept or a reload ends it), and
# how many they are
EVAL_DUE, N_FRESH = 13, 14
# the earliest failure step and impact step over the live list, kept by the two stages that
# change the list (stages.admit_launches adds to it, stages.arrivals compacts it), so that
# next_step reads them instead of a pass over the live threats. They are apart from T_FAIL and
# T_ARRIVE, which next_step copies them into, so that a threat admitted on a step is first
# due for failure or arrival from the next step, as before
LIVE_FAIL, LIVE_ARRIVE = 15, 16
N_CTR = 17

Static = namedtuple(
    "Static",
    [
        "dt_s",
        "launch_step",
        "impact_step",
        "launch_order",
        "reliability",
        "cep_sigma_m",
        "value",
        "is_ballistic",
        "scan_off",
        "scan_step",
        "scan_pd",
        # per scan entry, the detection hazard -ln(1 - Pd) summed over the pair's entries so far
        # (stages.next_detection); draw_ahead: whether the next detection is drawn at once
        "scan_hz",
        "draw_ahead",
        # whether a refused pair waits off its radar's queue until it could confirm
        # (stages.park): with detections drawn ahead and perfect tracks
        "park_on",
        "scan_steps",
        "sensor_owner",
        "sensor_networked",
        "track_capacity",
        "confirm_m",
        "confirm_n",
        "fu_networked",
        "reaction_steps",
        "assess_steps",
        "channels",
        "max_in_flight",
        "ready0",
        "reserve0",
        "capacity",
        "per_launcher",
        "reload_steps",
        "ic_off",
        "ic_last",
        "ic_step",
        "window",
        # per threat, the union of its launch windows over the fire units (a bound:
        # threat evaluation skips a threat outside it)
        "win_lo",
        "win_hi",
        "pk",
        "salvo",
        "max_engagements",
        "assignment",
        "hold_value",
        "reserve_ballistic",
        "next_active",
        "round_cost_usd",
        "launch_rank",
        # mixed interceptor loads (issue 10 A5): row f is a magazine of fire unit unit[f],
        # whose rows are row_lo[f] .. row_hi[f] - 1; choice: 0 cheapest feasible, 1 earliest
        "unit",
        "row_lo",
        "row_hi",
        "choice",
        # --- issue 12: the tracker (engine/stages_track.py, engine/prepare_track.py) ---
        "trk_on",
        "trk_hits_only",
        "trk_k2",
        "trk_drop_k",
        "trk_q_cv",
        "trk_q_ball",
        "trk_sigma_v",
        "trk_sample_off",
        "trk_xyz",
        "trk_aim_xyz",
        "trk_aim_en",
        "trk_r_ground",
        "trk_radar_pos",
        "trk_radar_rot",
        "trk_radar_R",
        "trk_divert_m",
        "trk_asset_xyz",
        "trk_asset_en",
        "trk_asset_r",
        "trk_timing",  # the launch solution from the estimate (1 with tracking: estimated)
        "trk_batch_steps",  # a radar's batch of plots spans at most this many steps
        # issue 11 (attack): electronic attack, see engine/jamming.py and stages_attack.py
        "jam_on",
        "jam_carrier",
        "jam_carrier_of",
        "jam_w",
        "jam_ml_extra",
        "jam_ln_pfa",
        "jam_inv_snr",
        "jam_b",
        # issue 11 (attack): weapon release (engine/release.py): each threat's platform, or -1
        "rel_on",
        "rel_parent",
        # issue 11 (attack): suppression of air defences (engine/sead.py)
        "sead_on",
        "arm_target",
        "arm_pk",
        "arm_memory_pk",
        "emcon",
        # issue 11 (attack): decoys (engine/sead.py)
        "decoy_on",
        "discrimination",
        # whether threat evaluation may look at new tracks alone (stages_assign.fresh_due):
        # with perfect tracks and no suppression or decoys
        "eval_fresh",
        # the threats' distinct values (rising) and each threat's index among them: a parked
        # pair meets one track of each value class (stages.park)
        "class_value",
        "value_class",
    ],
)

State = namedtuple(
    "State",
    [
        "fails",
        "fail_step",
        "fate",
        "killer",
        "intercept_step",
        "shots_at",
        "miss_east_m",
        "miss_north_m",
        "end_step",
        "fu_shots",
        "fu_left",
        "refused",
        "cost_at",
        "confirmed",
        "history",
        "last_scan",
        "cursor",
        "held",
        "sensor_due",
        "new_s",
        "new_j",
        "avail",
        "next_free",
        "eng_count",
        "ready",
        "reserve",
        "busy_ch",
        "in_flight",
        "reload_done",
        "e_f",
        "e_j",
        "e_ic",
        "e_shots",
        "cand",
        "prio",
        "order",
        "order_tmp",
        "live",
        "scan_heap",
        "heap_n",
        "held_list",
        "held_pos",
        "ctr",
        "log",
        "n_log",
        # --- issue 12: the tracker (engine/stages_track.py) ---
        "held_miss",  # output: held fire because predicted to miss (out[11])
        "trk_x",
        "trk_P",
        "trk_t",
        "trk_last_det",
        "trk_pred",
        "trk_pred_t",
        "trk_ic_err",
        "trk_w",
        "trk_lost",
        "trk_bel",  # believed along-track offset [steps], cached at trk_bel_at, trk_bel_ver
        "trk_bel_at",
        "trk_bel_ver",
        "trk_launch",  # step of the salvo in the air at the threat, and its believed offset
        "trk_launch_lead",
        "trk_tf",  # the step (fractional) the track's state is at
        "trk_ver",  # the track's version: one more at each update
        "trk_npend",  # plots waiting in the batches
        "trk_bat",  # per pair, the batch's sums (see stages_track.plot)
        # issue 11 (attack): per radar, the live jamming sum and the step it was summed at
        "jam_sum",
        "jam_at",
        # issue 11 (attack): radars destroyed by ARMs, dark until a step, the network cue
        "radar_dead",
        "dark_until",
        "cued",
        # per radar, a lower bound on the priority of its held tracks (stages.yield_track)
        "held_lb",
        # per radar, the run of its scan queue (stages.queue_push): a ring of keys, its start
        # and its length
        "run_key",
        "run_lo",
        "run_n",
        # per pair, whether it is queued at a detection drawn ahead (stages.next_detection)
        "ahead",
        # the rows that can fire, found once per threat evaluation (stages_assign.ready_rows)
        "fu_ok",
        # refused pairs parked off the queue (stages.park): per pair the step from which it
        # may confirm (-1: not parked); per radar the list of its parked threats, its length
        # and the earliest of their steps
        "park_until",
        "parked_list",
        "parked_n",
        "wake_due",
        # threats given a track since threat evaluation last ran (ctr[N_FRESH] of them)
        "fresh",
        # per (radar, value class) the latest impact step among the radar's held tracks of
        # that value (-1: none), and per radar whether a release may have lowered one
        "class_last",
        "class_stale",
    ],
)


def _rank(launch_step: np.ndarray) -> np.ndarray:
    """Each threat's position in launch order (ties: index order), the live list's order."""
    order = np.argsort(launch_step, kind="mergesort")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.shape[0])
    return rank.astype(np.int64)


def _window_union(window: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each threat's first and last launch step over every fire unit's window (an empty
    window is (1, 0); with no fire unit, no step)."""
    if window.shape[0] == 0:
        return np.ones(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    lo = window[:, :, 0].min(axis=0).astype(np.int64)
    hi = window[:, :, 1].max(axis=0).astype(np.int64)
    return lo, hi


def _row_ranges(unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row, the first and one-past-last row of its fire unit (rows of a unit are
    adjacent)."""
    lo = np.searchsorted(unit, unit, side="left").astype(np.int64)
    hi = np.searchsorted(unit, unit, side="right").astype(np.int64)
    return lo, hi


#: The hazard of one scan is capped here (a Pd of 1 - 2e-22, closer to 1 than a uniform draw
#: can tell): a Pd of exactly 1 would make the pair's sum infinite from there on.
MAX_SCAN_HAZARD = 50.0


@numba.njit(cache=True)
def pair_hazard(pd, offsets):
    """Cumulative detection hazard ``sum -ln(1 - Pd)`` over each pair's scan entries
    (``offsets`` delimit the pairs), restarting at every pair."""
    out = np.empty(pd.shape[0], dtype=np.float64)
    for r in range(offsets.shape[0] - 1):
        total = 0.0
        for c in range(offsets[r], offsets[r + 1]):
            total += min(-np.log1p(-np.float64(pd[c])), MAX_SCAN_HAZARD)
            out[c] = total
    return out


def make_static(p) -> Static:
    """The :data:`Static` bundle of a prepared variant."""
    from iadsim.engine.prepare_track import (
        BATCH_S,
        INIT_SIGMA_V_MPS,
        Q_BALLISTIC_M2_S3,
        Q_CV_M2_S3,
    )

    th, se, fu, d, tk = p.threats, p.sensors, p.fire_units, p.doctrine, p.tracking
    jam, sead = _jamming_fields(p), _sead_fields(p)
    n_steps = p.t_s.shape[0]
    # the first step >= t on which any threat flies: v1 visited only those steps, so timers
    # (reloads) that expire between volleys take effect on the next of them
    active = np.zeros(n_steps + 1, dtype=bool)
    active[p.active_steps] = True
    idx = np.where(active, np.arange(n_steps + 1, dtype=np.int64), NEVER)
    next_active = np.minimum.accumulate(idx[::-1])[::-1].copy()
    return Static(
        float(p.dt_s),
        th.launch_step,
        th.impact_step,
        np.argsort(th.launch_step, kind="mergesort").astype(np.int64),
        th.reliability,
        th.cep_sigma_m,
        th.value,
        th.is_ballistic,
        se.scan.offsets,
        se.scan.step.astype(np.int64),
        se.scan.value,
        pair_hazard(se.scan.value, se.scan.offsets),
        # with jammers (a Pd that changes with the raid) or SEAD (scans skipped) each scan is
        # drawn in its turn
        not (jam[0] or sead[0]),
        not (jam[0] or sead[0]) and not tk.on,
        se.scan_steps,
        se.owner,
        se.networked,
        se.track_capacity,
        np.int64(p.confirm_m),
        np.int64(p.confirm_n),
        fu.networked,
        fu.reaction_steps,
        fu.assess_steps,
        fu.channels,
        fu.max_in_flight,
        fu.ready0,
        fu.reserve0,
        fu.capacity,
        fu.per_launcher,
        fu.reload_steps,
        fu.ic_offsets,
        fu.ic_last_launch,
        fu.ic_step,
        fu.window,
        *_window_union(fu.window, th.launch_step.shape[0]),
        fu.pk,
        np.int64(d.salvo),
        np.int64(d.max_engagements),
        np.int64(d.assignment),
        float(d.hold_value),
        np.int64(d.reserve_ballistic),
        next_active,
        fu.interceptor_cost_usd,
        _rank(th.launch_step),
        fu.unit,
        *_row_ranges(fu.unit),
        np.int64(d.choice),
        # issue 12
        np.int64(tk.on),
        np.int64(tk.hits_only),
        float(tk.k2),
        np.int64(tk.drop_k),
        float(Q_CV_M2_S3),
        float(Q_BALLISTIC_M2_S3),
        float(INIT_SIGMA_V_MPS),
        tk.sample_off,
        tk.xyz,
        tk.aim_xyz,
        tk.aim_en,
        tk.r_ground,
        tk.radar_pos,
        tk.radar_rot,
        tk.radar_R,
        tk.divert_m,
        tk.asset_xyz,
        tk.asset_en,
        tk.asset_r,
        np.int64(tk.timing),
        np.int64(max(1, int(np.ceil(BATCH_S / p.dt_s - 1e-9)))),
        # issue 11 (attack)
        *jam,
        *_release_fields(p),
        *sead,
        not tk.on and not sead[0] and not sead[5],
        *_value_classes(th.value),
    )


def _value_classes(value: np.ndarray) -> tuple:
    """The distinct values (rising, float64) and each threat's index among them."""
    classes, index = np.unique(np.asarray(value, dtype=np.float64), return_inverse=True)
    return classes, index.astype(np.int64).reshape(-1)


def _jamming_fields(p) -> tuple:
    """The jamming fields of :data:`Static` (empty when no raid carries a jammer)."""
    from iadsim.engine.jamming import no_jamming

    jm = getattr(p, "jamming", None) or no_jamming(p.threats.launch_step.shape[0])
    return (
        bool(jm.on),
        jm.carrier,
        jm.carrier_of,
        jm.w,
        jm.ml_extra,
        jm.ln_pfa,
        jm.inv_snr,
        jm.b,
    )


def _release_fields(p) -> tuple:
    """The weapon-release fields of :data:`Static` (off when no aircraft releases weapons)."""
    n = p.threats.launch_step.shape[0]
    parent = getattr(p.threats, "parent", None)
    if parent is None or parent.shape[0] != n:
        parent = np.full(n, -1, dtype=np.int64)
    return (bool((parent >= 0).any()), parent.astype(np.int64))


def _sead_fields(p) -> tuple:
    """The SEAD fields of :data:`Static` (off without ARMs or emission control)."""
    from iadsim.engine.sead import no_sead

    n, n_s = p.threats.launch_step.shape[0], len(p.sensors.name)
    sd = getattr(p, "sead", None) or no_sead(n, n_s)
    disc = sd.discrimination if sd.discrimination is not None else np.zeros((n_s, n))
    return (
        bool(sd.on),
        sd.arm_target,
        sd.arm_pk,
        sd.arm_memory_pk,
        sd.emcon,
        bool(sd.decoy_on),
        np.ascontiguousarray(disc, dtype=np.float64).reshape(n_s, n),
    )


@numba.njit(cache=True)
def new_state(sx, out, log, n_log):
    """A fresh :data:`State` for one replication; ``out`` holds the caller's output rows
    (fate, killer, intercept_step, shots_at, miss_east_m, miss_north_m, end_step, fu_shots,
    fu_left, refused, cost_at, held_miss)."""
    n = sx.launch_step.shape[0]
    n_s = sx.scan_steps.shape[0]
    n_f = sx.channels.shape[0]
    max_eng = 1
    for f in range(n_f):
        max_eng += sx.ready0[f] + sx.reserve0[f]
    n_trk = n if sx.trk_on else 0  # issue 12: the tracker's arrays only when it is on
    return State(
        np.zeros(n, dtype=np.bool_),
        np.full(n, -1, dtype=np.int64),
        out[0],
        out[1],
        out[2],
        out[3],
        out[4],
        out[5],
        out[6],
        out[7],
        out[8],
        out[9],
        out[10],
        np.zeros(n * n_s, dtype=np.bool_),
        np.zeros(n * n_s, dtype=np.int64),
        np.full(n * n_s, -1, dtype=np.int64),
        sx.scan_off[:-1].copy(),
        np.zeros(n_s, dtype=np.int64),
        np.full(n_s, NEVER, dtype=np.int64),
        np.empty(n * n_s, dtype=np.int64),
        np.empty(n * n_s, dtype=np.int64),
        np.full((n_f, n), -1, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
        sx.ready0.copy(),
        sx.reserve0.copy(),
        np.zeros(n_f, dtype=np.int64),
        np.zeros(n_f, dtype=np.int64),
        np.full(n_f, -1, dtype=np.int64),
        np.zeros(max_eng, dtype=np.int64),
        np.zeros(max_eng, dtype=np.int64),
        np.zeros(max_eng, dtype=np.int64),
        np.zeros(max_eng, dtype=np.int64),
        np.empty(n, dtype=np.int64),
        np.empty(n, dtype=np.float64),
        np.empty(n, dtype=np.int64),
        np.empty(n, dtype=np.int64),
        np.empty(n, dtype=np.int64),
        np.empty(n_s * n, dtype=np.int64),
        np.zeros(n_s, dtype=np.int64),
        np.empty(n_s * n, dtype=np.int64),
        np.empty(n * n_s, dtype=np.int64),
        np.zeros(N_CTR, dtype=np.int64),
        log,
        n_log,
        # issue 12: sized 0 when the tracker is off (nothing reads them then)
        out[11],
        np.zeros((n_trk, 6)),
        np.zeros((n_trk, 6, 6)),
        np.full(n_trk, -1, dtype=np.int64),
        np.full(n_trk * n_s, -1, dtype=np.int64),
        np.full(n, -1, dtype=np.int64),
        np.full(n, -2, dtype=np.int64),
        np.zeros(n, dtype=np.float64),
        np.zeros((8, 6, 6)),
        np.zeros(n_trk, dtype=np.bool_),
        np.zeros(n_trk, dtype=np.int64),
        np.full(n_trk, -1, dtype=np.int64),
        np.full(n_trk, -1, dtype=np.int64),
        np.full(n_trk, -1, dtype=np.int64),
        np.zeros(n_trk, dtype=np.int64),
        np.zeros(n_trk, dtype=np.float64),
        np.zeros(n_trk, dtype=np.int64),
        np.zeros(n_trk, dtype=np.int64),
        np.zeros((n_trk * n_s, 10)),
        np.zeros(n_s, dtype=np.float64),
        np.full(n_s, -1, dtype=np.int64),
        np.zeros(n_s, dtype=np.bool_),
        np.full(n_s, -1, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
        np.full(n_s, np.inf),
        np.empty(n_s * n, dtype=np.int64),
        np.zeros(n_s, dtype=np.int64),
        np.zeros(n_s, dtype=np.int64),
        np.zeros(n * n_s, dtype=np.bool_),
        np.zeros(n_f, dtype=np.int64),
        np.full(n * n_s, -1, dtype=np.int64),
        np.empty(n_s * n, dtype=np.int64),
        np.zeros(n_s, dtype=np.int64),
        np.full(n_s, NEVER, dtype=np.int64),
        np.empty(n, dtype=np.int64),
        np.full(n_s * sx.class_value.shape[0], -1, dtype=np.int64),
        np.zeros(n_s, dtype=np.bool_),
    )


@numba.njit(cache=True, inline="always")
def put(dst, src):
    """``dst[...] = src`` for two arrays of one shape, element by element (numba's slice
    assignment may copy the source first, which allocates)."""
    for idx in np.ndindex(src.shape):
        dst[idx] = src[idx]


@numba.njit(cache=True, _nrt=False)
def copy_state(dst, src):
    """Overwrite every array of the state ``dst`` with ``src``'s (both by reference,
    :func:`iadsim.engine.bundle.by_ref`; same shapes), but the event log and its count, which
    the two share. A chunk's replications reuse one state this way, copied from a fresh one
    made once, instead of allocating some eighty arrays for each."""
    put(dst.fails, src.fails)
    put(dst.fail_step, src.fail_step)
    put(dst.fate, src.fate)
    put(dst.killer, src.killer)
    put(dst.intercept_step, src.intercept_step)
    put(dst.shots_at, src.shots_at)
    put(dst.miss_east_m, src.miss_east_m)
    put(dst.miss_north_m, src.miss_north_m)
    put(dst.end_step, src.end_step)
    put(dst.fu_shots, src.fu_shots)
    put(dst.fu_left, src.fu_left)
    put(dst.refused, src.refused)
    put(dst.cost_at, src.cost_at)
    put(dst.confirmed, src.confirmed)
    put(dst.history, src.history)
    put(dst.last_scan, src.last_scan)
    put(dst.cursor, src.cursor)
    put(dst.held, src.held)
    put(dst.sensor_due, src.sensor_due)
    put(dst.new_s, src.new_s)
    put(dst.new_j, src.new_j)
    put(dst.avail, src.avail)
    put(dst.next_free, src.next_free)
    put(dst.eng_count, src.eng_count)
    put(dst.ready, src.ready)
    put(dst.reserve, src.reserve)
    put(dst.busy_ch, src.busy_ch)
    put(dst.in_flight, src.in_flight)
    put(dst.reload_done, src.reload_done)
    put(dst.e_f, src.e_f)
    put(dst.e_j, src.e_j)
    put(dst.e_ic, src.e_ic)
    put(dst.e_shots, src.e_shots)
    put(dst.cand, src.cand)
    put(dst.prio, src.prio)
    put(dst.order, src.order)
    put(dst.order_tmp, src.order_tmp)
    put(dst.live, src.live)
    put(dst.scan_heap, src.scan_heap)
    put(dst.heap_n, src.heap_n)
    put(dst.held_list, src.held_list)
    put(dst.held_pos, src.held_pos)
    put(dst.ctr, src.ctr)
    put(dst.held_miss, src.held_miss)
    put(dst.trk_x, src.trk_x)
    put(dst.trk_P, src.trk_P)
    put(dst.trk_t, src.trk_t)
    put(dst.trk_last_det, src.trk_last_det)
    put(dst.trk_pred, src.trk_pred)
    put(dst.trk_pred_t, src.trk_pred_t)
    put(dst.trk_ic_err, src.trk_ic_err)
    put(dst.trk_w, src.trk_w)
    put(dst.trk_lost, src.trk_lost)
    put(dst.trk_bel, src.trk_bel)
    put(dst.trk_bel_at, src.trk_bel_at)
    put(dst.trk_bel_ver, src.trk_bel_ver)
    put(dst.trk_launch, src.trk_launch)
    put(dst.trk_launch_lead, src.trk_launch_lead)
    put(dst.trk_tf, src.trk_tf)
    put(dst.trk_ver, src.trk_ver)
    put(dst.trk_npend, src.trk_npend)
    put(dst.trk_bat, src.trk_bat)
    put(dst.jam_sum, src.jam_sum)
    put(dst.jam_at, src.jam_at)
    put(dst.radar_dead, src.radar_dead)
    put(dst.dark_until, src.dark_until)
    put(dst.cued, src.cued)
    put(dst.held_lb, src.held_lb)
    put(dst.run_key, src.run_key)
    put(dst.run_lo, src.run_lo)
    put(dst.run_n, src.run_n)
    put(dst.ahead, src.ahead)
    put(dst.fu_ok, src.fu_ok)
    put(dst.park_until, src.park_until)
    put(dst.parked_list, src.parked_list)
    put(dst.parked_n, src.parked_n)
    put(dst.wake_due, src.wake_due)
    put(dst.fresh, src.fresh)
    put(dst.class_last, src.class_last)
    put(dst.class_stale, src.class_stale)
