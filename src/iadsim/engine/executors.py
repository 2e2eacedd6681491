"""Where chunks of replications run: this process, a local process pool, or dask.distributed.

Every executor yields the chunks' tables in chunk order, with a bounded number of chunks in
flight (memory stays flat however many replications). A chunk's result depends only on the
root seed and its replication indices, so every executor gives identical results; on Dask a
chunk lost with a killed worker is simply computed again elsewhere (and retried on error).
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
from iadsim.engine.chunks import chunk_tables
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


def write_parts(parts, start: int, tables) -> None:
    """Keep a finished chunk's tables as part files (atomically; threats last, so a threats
    part means the chunk is whole), for ``--resume``. Arrow IPC with LZ4: written and read
    several times faster than Parquet, and read back exactly."""
    import pyarrow.ipc as ipc  # not pyarrow.feather: its writer imports pandas (~0.4 s)

    threats, fus = tables
    options = ipc.IpcWriteOptions(compression="lz4")
    for kind, table in (("fire_units", fus), ("threats", threats)):
        with atomic_path(part_path(parts, kind, start), ".arrow") as tmp:
            with ipc.new_file(str(tmp), table.schema, options=options) as writer:
                writer.write_table(table)


def read_parts(parts, start: int):
    """The (threats, fire_units) tables of a chunk written by :func:`write_parts`."""
    import pyarrow.ipc as ipc

    return tuple(
        ipc.open_file(str(part_path(parts, kind, start))).read_all()
        for kind in ("threats", "fire_units")
    )


def _init_worker(p, root_seed: int) -> None:
    # Ctrl-C reaches the whole process group: the parent stops the run; a worker printing
    # its own KeyboardInterrupt traceback would only bury the parent's one line
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER["p"] = p
    _WORKER["seed"] = root_seed


def _chunk(p, root_seed: int, start: int, stop: int, parts):
    tables = chunk_tables(p, root_seed, start, stop)
    if parts is not None:  # written where the chunk ran: the workers share the writing
        write_parts(parts, start, tables)
    return tables


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
            return client.submit(
                chunk_tables, shared, root_seed, start, stop, pure=False, retries=3
            )

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
                    table = future.result(timeout=stall_s)
                    break
                except TimeoutError:
                    _LOG.warning(
                        "chunk %d-%d stalled %.0f s: submitted again", start, stop, stall_s
                    )
                    future.cancel()
                    future = submit(start, stop)
            else:
                table = future.result()
            slowest_s = max(slowest_s, time.monotonic() - t0)
            yield table
            future.release()
    finally:
        if cluster is not None:
            client.close()
            cluster.close()


def iter_chunk_tables(
    p, root_seed: int, bounds, workers: int, scheduler=None, parts=None, started=None
) -> Iterator:
    """(threats, fire_units) tables of each chunk in ``bounds``, in order; with ``parts`` (a
    directory) each chunk is also kept there as part files (:func:`write_parts`).

    ``started`` (no arguments) is called once the chunks are under way, before the first
    table is waited for: a thread it starts runs beside them, and is never copied into a
    forked worker half-way through (the pool's workers are forked by then)."""
    started = started or (lambda: None)
    if scheduler is None:
        yield from _local(p, root_seed, bounds, workers, parts, started)
        return
    started()
    # a Dask worker may not share this file system: the parts are written here
    for (start, _), tables in zip(
        bounds, _dask(p, root_seed, bounds, workers, scheduler), strict=True
    ):
        if parts is not None:
            write_parts(parts, start, tables)
        yield tables
