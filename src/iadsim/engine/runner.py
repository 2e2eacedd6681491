"""Run replications in chunks, in this process or a process pool, streaming results to Parquet.

Seeds: one root seed; replication ``r`` draws from two streams of numpy's SeedSequence tree,
``SeedSequence(root, spawn_key=(r, 0))`` for the threats (failures, CEP misses) and
``(r, 1)`` for the engagement (detections, kills) — exactly the children that
``SeedSequence(root).spawn(R)[r].spawn(2)`` gives. A replication's draws therefore depend only
on the root seed and its index, never on the number of workers or the chunk size.
"""

from __future__ import annotations

import json
import multiprocessing as mp
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from iadsim.engine.kernel import simulate_replication
from iadsim.engine.prepare import Prepared
from iadsim.engine.results import AtomicDir, ParquetSink, RawChunk, fire_unit_table, threat_table

Progress = Callable[[int], None]


def replication_generators(root_seed: int, replication: int):
    """The (threat, engagement) generators of one replication."""
    threat = np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(root_seed, spawn_key=(replication, 0))))
    engage = np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(root_seed, spawn_key=(replication, 1))))
    return threat, engage


def run_chunk(p: Prepared, root_seed: int, start: int, stop: int) -> RawChunk:
    """Simulate replications ``start .. stop - 1`` of ``p``."""
    n = stop - start
    n_thr = p.threats.launch_step.shape[0]
    n_fu = p.fire_units.intercept.shape[0]
    fate = np.zeros((n, n_thr), dtype=np.int64)
    killer = np.zeros((n, n_thr), dtype=np.int64)
    ic = np.zeros((n, n_thr), dtype=np.int64)
    end = np.zeros((n, n_thr), dtype=np.int64)
    shots_at = np.zeros((n, n_thr), dtype=np.int64)
    east = np.zeros((n, n_thr))
    north = np.zeros((n, n_thr))
    fu_shots = np.zeros((n, n_fu), dtype=np.int64)
    fu_left = np.zeros((n, n_fu), dtype=np.int64)
    args = p.kernel_args()
    for i in range(n):
        g_threat, g_engage = replication_generators(root_seed, start + i)
        simulate_replication(
            g_threat, g_engage, *args,
            fate[i], killer[i], ic[i], shots_at[i], east[i], north[i], end[i],
            fu_shots[i], fu_left[i],
        )
    return RawChunk(
        start=start,
        fate=fate.astype(np.int8),
        killer=killer.astype(np.int16),
        intercept_step=ic.astype(np.int32),
        end_step=end.astype(np.int32),
        shots_at=shots_at.astype(np.int16),
        miss_east_m=east,
        miss_north_m=north,
        fu_shots=fu_shots.astype(np.int32),
        fu_left=fu_left.astype(np.int32),
    )


# Per-process state of pool workers: the prepared inputs are sent once per worker.
_WORKER: dict = {}


def _init_worker(p: Prepared, root_seed: int) -> None:
    _WORKER["p"] = p
    _WORKER["seed"] = root_seed


def _tables_for(p: Prepared, root_seed: int, start: int, stop: int):
    raw = run_chunk(p, root_seed, start, stop)
    return threat_table(p, raw), fire_unit_table(p, raw)


def _worker_chunk(start: int, stop: int):
    return _tables_for(_WORKER["p"], _WORKER["seed"], start, stop)


def chunks(replications: int, chunk_size: int) -> list[tuple[int, int]]:
    return [(s, min(s + chunk_size, replications)) for s in range(0, replications, chunk_size)]


def _iter_tables(p: Prepared, root_seed: int, bounds, workers: int) -> Iterator:
    """Chunk tables in chunk order; at most 2 x workers chunks in flight (bounded memory)."""
    if workers <= 1 or len(bounds) <= 1:
        for start, stop in bounds:
            yield _tables_for(p, root_seed, start, stop)
        return
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(p, root_seed)) as pool:
        pending: list[Future] = []
        queue = list(bounds)
        while queue or pending:
            while queue and len(pending) < 2 * workers:
                start, stop = queue.pop(0)
                pending.append(pool.submit(_worker_chunk, start, stop))
            yield pending.pop(0).result()


@dataclass
class RunInfo:
    scenario: str
    variant: str
    replications: int
    seed: int
    chunk_size: int
    workers: int
    directory: str


def run_prepared(
    p: Prepared,
    out_dir: Path,
    replications: int,
    seed: int,
    chunk_size: int = 1000,
    workers: int = 1,
    progress: Progress | None = None,
    meta: dict | None = None,
) -> RunInfo:
    """Run ``replications`` of ``p`` and write ``threats.parquet``, ``fire_units.parquet`` and
    ``run.json`` into ``out_dir`` (atomically: the directory appears only when complete)."""
    bounds = chunks(replications, chunk_size)
    info = RunInfo(p.scenario, p.variant, replications, seed, chunk_size, workers, str(out_dir))
    with AtomicDir(Path(out_dir)) as tmp:
        sink = ParquetSink(tmp)
        try:
            for threats, fus in _iter_tables(p, seed, bounds, workers):
                sink.write("threats", threats)
                sink.write("fire_units", fus)
                if progress is not None:
                    progress(threats.num_rows // max(len(p.threats.raid), 1))
        finally:
            sink.close()
        run_meta = {
            "scenario": p.scenario,
            "variant": p.variant,
            "replications": replications,
            "seed": seed,
            "chunk_size": chunk_size,
            "threats_per_replication": len(p.threats.raid),
            "fire_units": p.fire_units.name,
            "fire_unit_systems": p.fire_units.system,
            "interceptor_cost_usd": p.fire_units.interceptor_cost_usd.tolist(),
            "acquisition_cost_usd": p.fire_units.acquisition_cost_usd.tolist(),
            "threat_unit_cost_usd": p.threats.unit_cost_usd.tolist(),
            "assets": [a.model_dump() for a in p.assets],
            **(meta or {}),
        }
        (tmp / "run.json").write_text(json.dumps(run_meta, indent=2) + "\n", encoding="utf-8")
    return info
