"""Where chunks of replications run: this process, a local process pool, or dask.distributed.

Every executor yields the chunks' raw kernel outputs in chunk order, with a bounded number of
chunks in flight (memory stays flat however many replications), and :func:`iter_chunk_tables`
makes their tables in this process. A chunk's result depends only on the root seed and its
replication indices, so every executor gives identical results; on Dask a chunk lost with a
killed worker is simply computed again elsewhere (and retried on error).

The tables are made where they are written, not where the chunk ran: sending a chunk's Arrow
tables from a pool worker (pickled, through a pipe) cost more than making them from the raw
outputs, a fifth of their bytes. On 2 cores the Al Asad example ran about 10% faster so
(~58,800 -> ~64,900 replications/s at 100,000), with the same files.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing as mp
import signal
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from iadsim.atomic import atomic_path
from iadsim.engine import arrow
from iadsim.engine.chunks import run_chunk, tables
from iadsim.engine.results import RawChunk
from iadsim.errors import InputError

# Per-process state of pool workers: the prepared inputs are sent once per worker.
_WORKER: dict = {}
_LOG = logging.getLogger(__name__)
#: A Dask chunk is submitted again after max(_MIN_STALL_S, _STALL_FACTOR x the slowest chunk so far)
#: with no result,
#: at most _RESUBMITS times (then waited for without limit).
_MIN_STALL_S = 120.0
_RESUBMITS = 3
_STALL_FACTOR = 20.0


def part_path(parts, kind: str, start: int):
    """The part file of a chunk's ``kind`` table ('threats' or 'fire_units') in ``parts``."""
    return parts / f"{kind}-{start:012d}.arrow"


def write_parts(parts, raw) -> None:
    """Keep a finished chunk's kernel outputs (a :class:`~iadsim.engine.results.RawChunk`) as
    part files, for ``--resume``: atomically, threats last, so a threats part means the chunk
    is whole. Arrow IPC with LZ4, read back exactly. The raw outputs, not the result tables:
    a fifth of the tables' bytes before compression (no coordinates, no strings) and about
    the same on disk, written in half the time; a resumed chunk's tables are made again from
    them by the same code."""
    import pyarrow.ipc as ipc  # not pyarrow.feather: its writer imports pandas (~0.4 s)

    n_rep = raw.fate.shape[0]
    meta = {"start": str(raw.start), "replications": str(n_rep)}
    options = ipc.IpcWriteOptions(compression="lz4")
    for kind, names in (("fire_units", _RAW_FIRE_UNIT), ("threats", _RAW_THREAT)):
        columns = {k: getattr(raw, k).ravel() for k in names if getattr(raw, k) is not None}
        table = arrow.table(columns).replace_schema_metadata(meta)
        with atomic_path(part_path(parts, kind, raw.start), ".arrow") as tmp:
            with ipc.new_file(str(tmp), table.schema, options=options) as writer:
                writer.write_table(table)


def read_parts(parts, start: int):
    """The :class:`~iadsim.engine.results.RawChunk` of a chunk written by :func:`write_parts`."""
    import pyarrow.ipc as ipc

    fields = {}
    for kind, names in (("threats", _RAW_THREAT), ("fire_units", _RAW_FIRE_UNIT)):
        table = ipc.open_file(str(part_path(parts, kind, start))).read_all()
        n_rep = int(table.schema.metadata[b"replications"])
        for k in names:
            if k in table.column_names:
                values = table.column(k).to_numpy()
                fields[k] = values.reshape(n_rep, values.shape[0] // max(n_rep, 1))
    return RawChunk(start=start, **fields)


#: The raw outputs kept in each part file: one value per replication x threat, and per
#: replication x fire unit.
_RAW_THREAT = (
    "fate",
    "killer",
    "intercept_step",
    "end_step",
    "shots_at",
    "cost_at_usd",
    "miss_east_m",
    "miss_north_m",
    "tracks_refused",
    "held_predicted_miss",
)
_RAW_FIRE_UNIT = ("fu_shots", "fu_left")


def _init_worker(p, root_seed: int) -> None:
    # Ctrl-C reaches the whole process group: the parent stops the run; a worker printing
    # its own KeyboardInterrupt traceback would only bury the parent's one line
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER["p"] = p
    _WORKER["seed"] = root_seed


def _chunk(p, root_seed: int, start: int, stop: int, parts) -> RawChunk:
    raw = run_chunk(p, root_seed, start, stop)
    if parts is not None:  # written where the chunk ran: the workers share the writing
        write_parts(parts, raw)
    return raw


def _dask_chunk(p, root_seed: int, start: int, stop: int) -> RawChunk:
    """A chunk's raw outputs: a Dask worker may not share this file system, so the parts are
    written where the run is, from them."""
    return run_chunk(p, root_seed, start, stop)


def _worker_chunk(start: int, stop: int, parts):
    return _chunk(_WORKER["p"], _WORKER["seed"], start, stop, parts)


def _local(p, root_seed: int, bounds, workers: int, parts, started) -> Iterator:
    if workers <= 1 or len(bounds) <= 1:
        started()
        for start, stop in bounds:
            yield _chunk(p, root_seed, start, stop, parts)
        return
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    # a forked worker's collections would walk, and so copy page by page, every object the
    # parent made; frozen, they are left alone (the gc module's advice for a pre-fork server)
    gc.freeze()
    try:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(p, root_seed)
        ) as pool:
            pending: list[Future] = []
            queue = list(bounds)
            while queue or pending:
                while queue and len(pending) < 2 * workers:
                    start, stop = queue.pop(0)
                    pending.append(pool.submit(_worker_chunk, start, stop, parts))
                if started is not None:
                    # a pool on fork forks all its workers at the first submit
                    started()
                    started = None
                yield pending.pop(0).result()
    finally:
        gc.unfreeze()


def _identity(x):
    return x


def dask_client(scheduler, workers: int):
    """(client, owned cluster or None) for ``scheduler``: 'local' starts a LocalCluster of
    ``workers`` single-threaded processes; a 'tcp://host:port' address connects; a
    ``distributed.Client`` is used as it is."""
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        return scheduler, None
    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=max(workers, 1),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        return Client(cluster), cluster
    try:
        return Client(scheduler, timeout="10s"), None
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError.single(
            f"cannot reach the Dask scheduler at {scheduler!r}: {exc}", field_path="--scheduler"
        ) from None


def _dask(p, root_seed: int, bounds, workers: int, scheduler) -> Iterator:
    client, cluster = dask_client(scheduler, workers)
    try:
        n_workers = max(len(client.scheduler_info().get("workers", {})), 1)
        # The prepared inputs travel as a task, not as scattered data: scattered data lost with
        # a killed worker cannot be recomputed, and the scheduler then cancels every chunk that
        # needs it ("already forgotten"); a task is simply run again elsewhere.
        shared = client.submit(_identity, p, pure=False, retries=3)

        def submit(start: int, stop: int):
            return client.submit(_dask_chunk, shared, root_seed, start, stop, pure=False, retries=3)

        pending: list = []
        queue = list(bounds)
        slowest_s = 0.0
        while queue or pending:
            while queue and len(pending) < 2 * n_workers:
                start, stop = queue.pop(0)
                pending.append((start, stop, submit(start, stop)))
            start, stop, future = pending.pop(0)
            t0 = time.monotonic()
            for _ in range(_RESUBMITS):
                # a chunk whose worker was killed is recomputed by the scheduler; under heavy
                # load a transfer from the dead worker has been seen to stall for good, so a
                # chunk that takes far longer than any before it is submitted again (same
                # inputs, same seed: the same result, whichever copy finishes first)
                stall_s = max(_MIN_STALL_S, _STALL_FACTOR * slowest_s)
                try:
                    raw = future.result(timeout=stall_s)
                    break
                except TimeoutError:
                    _LOG.warning(
                        "chunk %d-%d stalled %.0f s: submitted again", start, stop, stall_s
                    )
                    future.cancel()
                    future = submit(start, stop)
            else:
                raw = future.result()
            slowest_s = max(slowest_s, time.monotonic() - t0)
            yield raw
            future.release()
    finally:
        if cluster is not None:
            client.close()
            cluster.close()


def iter_chunk_tables(
    p, root_seed: int, bounds, workers: int, scheduler=None, parts=None, started=None
) -> Iterator:
    """(threats, fire_units) tables of each chunk in ``bounds``, in order, made here from the
    chunk's raw outputs; with ``parts`` (a directory) each chunk is also kept there as part
    files (:func:`write_parts`).

    ``started`` (no arguments) is called once the chunks are under way, before the first
    table is waited for: a thread it starts runs beside them, and is never copied into a
    forked worker half-way through (the pool's workers are forked by then)."""
    started = started or (lambda: None)
    if scheduler is None:
        raws = _local(p, root_seed, bounds, workers, parts, started)
    else:
        started()
        raws = _dask(p, root_seed, bounds, workers, scheduler)
    try:
        for raw in raws:
            if scheduler is not None and parts is not None:
                # a Dask worker may not share this file system: the parts are written here
                write_parts(parts, raw)
            yield tables(p, raw)
    finally:
        raws.close()  # stops the pool or the cluster at once if the run stops early
