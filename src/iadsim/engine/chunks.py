"""One chunk of replications: seeds, the kernel calls, and the chunk's tables.

Seeds: one root seed; replication ``r`` draws from two streams of numpy's SeedSequence tree,
``SeedSequence(root, spawn_key=(r, 0))`` for the threats (failures, CEP misses) and
``(r, 1)`` for the engagement (detections, kills) — exactly the children that
``SeedSequence(root).spawn(R)[r].spawn(2)`` gives. A replication's draws therefore depend only
on the root seed and its index, never on the number of workers or the chunk size.

This module is what the executors call (:mod:`iadsim.engine.executors`); the runner
(:mod:`iadsim.engine.runner`) calls the executors, so neither imports the other's caller.
"""

from __future__ import annotations

import numba
import numpy as np

from iadsim.engine import arrow
from iadsim.engine.kernel import run_replications, simulate_replication
from iadsim.engine.prepare import Prepared
from iadsim.engine.results import RawChunk, fire_unit_table, threat_table
from iadsim.engine.seeding import stream_generator, uint32_words

EVENT_NAMES = {1: "track", 2: "launch", 3: "kill", 4: "miss", 5: "leak", 6: "failed", 7: "refused"}
EVENT_NAMES[8] = "dropped"  # issue 12: a radar dropped a track after missed scans
EVENT_NAMES[9] = "arm"  # issue 11: an ARM at its radar (shots: 1 destroyed, 0 missed)


def replication_generators(root_seed: int, replication: int):
    """The (threat, engagement) generators of one replication: the definition of its streams.
    The kernel reseeds two generators to exactly these states inside numba
    (:mod:`iadsim.engine.seeding`), which is what makes a chunk one call."""
    threat = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(root_seed, spawn_key=(replication, 0)))
    )
    engage = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(root_seed, spawn_key=(replication, 1)))
    )
    return threat, engage


def _outputs(n: int, n_thr: int, n_fu: int) -> tuple:
    ints = [np.zeros((n, n_thr), dtype=np.int64) for _ in range(4)]
    east, north = np.zeros((n, n_thr)), np.zeros((n, n_thr))
    end = np.zeros((n, n_thr), dtype=np.int64)
    fu_shots = np.zeros((n, n_fu), dtype=np.int64)
    fu_left = np.zeros((n, n_fu), dtype=np.int64)
    refused = np.zeros((n, n_thr), dtype=np.int64)
    cost_at = np.zeros((n, n_thr))
    held_miss = np.zeros((n, n_thr), dtype=np.int64)  # issue 12
    return (*ints, east, north, end, fu_shots, fu_left, refused, cost_at, held_miss)


def _simulate(p: Prepared, root_seed: int, start: int, out: tuple, log, n_log) -> None:
    """Replications ``start ..`` into the rows of ``out``: one kernel call for the chunk."""
    if numba.config.DISABLE_JIT:  # interpreted (the benchmark's oracle): no state pointers
        sx = p.static()
        for i in range(out[0].shape[0]):
            g_threat, g_engage = replication_generators(root_seed, start + i)
            simulate_replication(g_threat, g_engage, sx, tuple(a[i] for a in out), log, n_log)
        return
    words = uint32_words(int(root_seed))
    run_replications(
        stream_generator(), stream_generator(), words, start, p.static(), out, log, n_log
    )


def run_chunk(p: Prepared, root_seed: int, start: int, stop: int) -> RawChunk:
    """Simulate replications ``start .. stop - 1`` of ``p``."""
    n = stop - start
    n_thr = p.threats.launch_step.shape[0]
    n_fu = len(p.fire_units.name)
    out = _outputs(n, n_thr, n_fu)
    no_log = np.zeros((0, 5), dtype=np.int64)
    n_log = np.zeros(1, dtype=np.int64)
    _simulate(p, root_seed, start, out, no_log, n_log)
    fate, killer, ic, shots_at, east, north, end, fu_shots, fu_left, refused, cost_at = out[:11]
    return RawChunk(
        start=start,
        fate=fate.astype(np.int8),
        killer=killer.astype(np.int16),
        intercept_step=ic.astype(np.int32),
        end_step=end.astype(np.int32),
        shots_at=shots_at.astype(np.int16),
        cost_at_usd=cost_at,
        miss_east_m=east,
        miss_north_m=north,
        fu_shots=fu_shots.astype(np.int32),
        fu_left=fu_left.astype(np.int32),
        tracks_refused=refused.astype(np.int32),
        held_predicted_miss=(out[11] > 0) & (shots_at == 0),
    )


def replay(p: Prepared, root_seed: int, replication: int, max_events: int = 100_000):
    """Re-run one replication with its event log; returns an Arrow table of events in order.

    The draws are the replication's own, so the events are exactly those behind its rows.
    """

    n_thr = p.threats.launch_step.shape[0]
    n_fu = len(p.fire_units.name)
    log = np.zeros((max_events, 5), dtype=np.int64)
    n_log = np.zeros(1, dtype=np.int64)
    _simulate(p, root_seed, replication, _outputs(1, n_thr, n_fu), log, n_log)
    ev = log[: n_log[0]]
    order = np.argsort(ev[:, 0], kind="stable")
    ev = ev[order]
    kinds = sorted(EVENT_NAMES)
    kind = np.searchsorted(kinds, ev[:, 1])
    by_radar = np.isin(ev[:, 1], (1, 7, 8, 9))  # a radar: track, refused, dropped, ARM
    by_unit = np.isin(ev[:, 1], (2, 3, 4))  # a fire unit: launch, kill, miss
    n_s = len(p.sensors.name)
    who = np.where(by_radar, ev[:, 3], np.where(by_unit, n_s + ev[:, 3], -1))
    return arrow.table(
        {
            "replication": np.full(len(ev), replication, dtype=np.int64),
            "time_s": ev[:, 0] * p.dt_s,
            "event": arrow.coded_strings(kind, [EVENT_NAMES[k] for k in kinds]),
            "threat": ev[:, 2].astype(np.int32),
            "by": arrow.coded_strings(who, [*p.sensors.name, *p.fire_units.name]),
            "shots": ev[:, 4].astype(np.int32),
        }
    )


def tables(p: Prepared, raw: RawChunk):
    """(threats, fire_units) Arrow tables of a chunk's raw outputs."""
    return threat_table(p, raw), fire_unit_table(p, raw)


def chunk_tables(p: Prepared, root_seed: int, start: int, stop: int):
    """(threats, fire_units) Arrow tables of replications ``start .. stop - 1``."""
    return tables(p, run_chunk(p, root_seed, start, stop))
