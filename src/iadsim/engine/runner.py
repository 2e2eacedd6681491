"""Run replications in chunks, in this process or a process pool, streaming results to Parquet.

Seeds: one root seed; replication ``r`` draws from two streams of numpy's SeedSequence tree,
``SeedSequence(root, spawn_key=(r, 0))`` for the threats (failures, CEP misses) and
``(r, 1)`` for the engagement (detections, kills) — exactly the children that
``SeedSequence(root).spawn(R)[r].spawn(2)`` gives. A replication's draws therefore depend only
on the root seed and its index, never on the number of workers or the chunk size.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from iadsim.atomic import AtomicDir, atomic_path
from iadsim.engine import arrow
from iadsim.engine.chunks import (  # noqa: F401  (the runner's public names)
    EVENT_NAMES,
    chunk_tables,
    replay,
    replication_generators,
    run_chunk,
    tables,
)
from iadsim.engine.executors import iter_chunk_tables, part_path, read_parts
from iadsim.engine.prepare import Prepared
from iadsim.engine.results import ParquetSink

Progress = Callable[[int], None]


def track_samples(launch: np.ndarray, impact: np.ndarray, max_points: int = 400):
    """(threat, step) of every threat's sampled track: launch to impact every
    ``max(1, flight // max_points)`` steps, and the impact step itself, in order."""
    launch, impact = np.asarray(launch, dtype=np.int64), np.asarray(impact, dtype=np.int64)
    stride = np.maximum(1, (impact - launch) // max_points)
    n_regular = (impact - launch) // stride + 1
    # the impact step is added where the regular samples stop short of it
    extra = (launch + (n_regular - 1) * stride != impact).astype(np.int64)
    count = n_regular + extra
    threat = np.repeat(np.arange(launch.shape[0], dtype=np.int64), count)
    first = np.cumsum(count) - count
    k = np.arange(threat.shape[0], dtype=np.int64) - first[threat]
    step = np.where(k < n_regular[threat], launch[threat] + k * stride[threat], impact[threat])
    return threat, step


def track_table(p: Prepared, max_points: int = 400):
    """Every threat's sampled track as an Arrow table: ``max_points`` to ``2 max_points + 1``
    samples a threat (the stride is the flight's steps over ``max_points``, rounded down)."""

    th = p.threats
    threat, step = track_samples(th.launch_step, th.impact_step, max_points)
    return arrow.table(
        {
            "threat": threat.astype(np.int32),
            "raid": arrow.coded_strings(threat, list(th.raid)),
            "threat_type": arrow.coded_strings(threat, list(th.threat_type)),
            "time_s": p.t_s[step],
            "lat": th.lat.at(threat, step),
            "lon": th.lon.at(threat, step),
            "alt_m": th.alt.at(threat, step),
        }
    )


def asset_coverage(p: Prepared) -> dict:
    """Per defended asset, the share of a disk around it seen at each altitude band (AGL)."""
    return {
        name: {str(int(k)): v for k, v in share.items()} for name, share in p.coverage_share.items()
    }


def sites(p: Prepared) -> dict:
    """Fire units and radars with their positions, ranges and sectors (for maps)."""
    fu, se = p.fire_units, p.sensors
    return {
        "fire_units": [
            dict(
                name=fu.name[i],
                system=fu.system[i],
                interceptor=fu.interceptor[i],
                lat=float(fu.lat[i]),
                lon=float(fu.lon[i]),
                max_range_m=float(fu.max_range_m[i]),
                sector_center_deg=float(fu.sector_center_deg[i]),
                sector_width_deg=float(fu.sector_width_deg[i]),
                networked=bool(fu.networked[i]),
            )
            for i in range(len(fu.name))
        ],
        "radars": [
            dict(
                name=se.name[i],
                lat=float(se.lat[i]),
                lon=float(se.lon[i]),
                owner=fu.name[int(se.owner[i])] if se.owner[i] >= 0 else None,
                instrumented_range_m=float(se.instrumented_range_m[i]),
                sector_center_deg=float(se.sector_center_deg[i]),
                sector_width_deg=float(se.sector_width_deg[i]),
                networked=bool(se.networked[i]),
            )
            for i in range(len(se.name))
        ],
    }


def chunks(replications: int, chunk_size: int) -> list[tuple[int, int]]:
    return [(s, min(s + chunk_size, replications)) for s in range(0, replications, chunk_size)]


def fingerprint(p: Prepared, seed: int, chunk_size: int) -> str:
    """A digest of the inputs a chunk's part depends on (for --resume): the kernel's inputs,
    the seed and the chunk size. A part holds the chunk's raw kernel outputs, and a resumed
    chunk's tables are made from them with the inputs of the run that resumes it, so what
    only the tables read (the sampled tracks: a 24 h raid's are a few hundred MB) is not
    hashed. The assets are hashed too (a few bytes)."""
    h = hashlib.sha256()
    for arg in (
        *p.static(),
        seed,
        chunk_size,
        p.scenario,
        p.variant,
        [a.model_dump_json() for a in p.assets],
    ):
        if isinstance(arg, np.ndarray):
            h.update(f"{arg.dtype}{arg.shape}".encode())
            # the buffer itself, not a copy (a 24 h raid's kernel inputs are ~100 MB)
            h.update(np.ascontiguousarray(arg))
        else:
            h.update(repr(arg).encode())
    return h.hexdigest()


def _write_manifest(manifest: Path, digest: str) -> None:
    with atomic_path(manifest) as tmp:
        tmp.write_text(json.dumps({"fingerprint": digest}) + "\n", encoding="utf-8")


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
    scheduler=None,
    resume: bool = False,
) -> RunInfo:
    """Run ``replications`` of ``p`` and write ``threats.parquet``, ``fire_units.parquet``,
    ``tracks.parquet``, ``timeline.parquet`` and ``run.json`` into ``out_dir``.

    Each finished chunk is first kept as a part file in a hidden ``.partial-<name>`` sibling
    (written atomically); the result directory appears only when every chunk is done, and the
    parts are then removed. With ``resume`` an interrupted run continues from the parts already
    written, if they were made from the same inputs, seed and chunk size. ``scheduler``: None
    (this machine's process pool), ``"local"`` (a Dask LocalCluster), a scheduler address, or a
    ``distributed.Client``.
    """
    import pyarrow.parquet as pq

    out_dir = Path(out_dir)
    bounds = chunks(replications, chunk_size)
    info = RunInfo(p.scenario, p.variant, replications, seed, chunk_size, workers, str(out_dir))
    partial = out_dir.parent / f".partial-{out_dir.name}"
    manifest = partial / "manifest.json"
    digest = None
    if partial.exists():
        digest = fingerprint(p, seed, chunk_size)
        same = manifest.exists() and json.loads(manifest.read_text())["fingerprint"] == digest
        if not (resume and same):
            shutil.rmtree(partial)
    partial.mkdir(parents=True, exist_ok=True)
    if not manifest.exists() and digest is not None:
        _write_manifest(manifest, digest)

    done = {
        b
        for b in bounds
        if part_path(partial, "threats", b[0]).exists()
        and part_path(partial, "fire_units", b[0]).exists()
    }
    todo = [b for b in bounds if b not in done]
    # replication 0's event log first: it loads the compiled kernel in this process, and the
    # pool's workers, forked below, inherit it instead of each loading it from the cache
    timeline = replay(p, seed, 0)
    if progress is not None and done:
        progress(sum(stop - start for start, stop in done))
    # a fresh run hashes its inputs (a 24 h raid's: ~100 MB) in a thread while its
    # chunks run, started once they are under way (after the pool's fork); a part found with
    # no manifest is never resumed from, so an interruption before it is written only costs
    # the parts. The same thread then writes the track and timeline tables, while the main
    # thread makes and writes the chunks' tables: a run's tail is shorter by their time.
    helper = ThreadPoolExecutor(max_workers=1)
    writing = []

    def write_tables(tmp: Path) -> None:
        pq.write_table(track_table(p), tmp / "tracks.parquet", compression="zstd")
        pq.write_table(timeline, tmp / "timeline.parquet", compression="zstd")

    def beside_chunks(tmp: Path) -> None:
        if not manifest.exists():
            writing.append(
                helper.submit(lambda: _write_manifest(manifest, fingerprint(p, seed, chunk_size)))
            )
        writing.append(helper.submit(write_tables, tmp))

    with AtomicDir(out_dir) as tmp:
        sink = ParquetSink(tmp)
        fresh = iter_chunk_tables(
            p, seed, todo, workers, scheduler, parts=partial, started=lambda: beside_chunks(tmp)
        )
        try:
            # in chunk order, one chunk in memory at a time: a chunk done before an
            # interruption from its parts, the others as they come (their parts written where
            # they ran, for a later --resume)
            for bound in bounds:
                threats, fus = (
                    tables(p, read_parts(partial, bound[0])) if bound in done else next(fresh)
                )
                sink.write("threats", threats)
                sink.write("fire_units", fus)
                if progress is not None and bound not in done:
                    progress(bound[1] - bound[0])
        finally:
            fresh.close()  # stops the pool if the run stops early
            sink.close()
            helper.shutdown()
            for written in writing:
                written.result()  # its error, if any, is the run's
        if not (tmp / "tracks.parquet").exists():  # no chunk ran (all resumed from parts)
            write_tables(tmp)

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
            "time_step_s": p.dt_s,
            "terrain": p.terrain,
            "coverage_radius_m": 50_000.0,
            "coverage_share": asset_coverage(p),
            # issue 11: planned routes' exposure (expected detections), planned and direct
            **({"routes": p.threats.routes} if getattr(p.threats, "routes", None) else {}),
            **sites(p),
            **(meta or {}),
        }
        (tmp / "run.json").write_text(json.dumps(run_meta, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(partial, ignore_errors=True)
    return info
