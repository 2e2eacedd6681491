"""Running an uncertainty study: the engine (or a test function) as a model of the factors,
the executors that run the samples, and resuming.

Each sample is run with the *same* root seed (common random numbers), so between samples only
the assumptions change. Samples go in fixed batches of :data:`BATCH` through this machine's
process pool or a Dask cluster, each batch written as a part file as it finishes: the results
are identical for any number of workers, and an interrupted study resumes from its parts.

The engine is reached only through ``prepare`` and the runner's ``chunk_tables``, whose tables
are those of docs/results.md.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing as mp
import shutil
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from iadsim.analysis.summary import mean_ci, wilson
from iadsim.analysis.uncertainty import Factor, catalog_with, design, used_parts
from iadsim.atomic import atomic_path
from iadsim.catalog import Catalog

__all__ = ["BATCH", "DEFAULT_REPLICATIONS", "EngineModel", "FunctionModel", "Study", "run_study"]

#: Replications per sample unless told otherwise (common random numbers make them go far).
DEFAULT_REPLICATIONS = 500
#: Samples per task and per part file; fixed so parts are the same whatever the workers.
BATCH = 16


# ----------------------------------------------------------------------------- models


def _tally(threats, fus, classes: Sequence[str], assets: Sequence[str], start: int, n: int):
    """Counts and per-replication sums of squares behind every output of one chunk."""
    th = threats.select(["replication", "threat_class", "fate", "asset_hit"]).to_pandas()
    rep = th["replication"].to_numpy() - start
    leaked = (th["fate"] == "leaked").to_numpy()
    out: dict[str, np.ndarray] = {}
    cls = th["threat_class"].astype(str).to_numpy()
    for c in classes:
        sel = cls == c
        out[f"p_leak_{c}"] = np.array([leaked[sel].sum(), sel.sum()], dtype=float)
    out["p_leak"] = np.array([leaked.sum(), leaked.size], dtype=float)

    def per_rep(name: str, counts: np.ndarray) -> None:
        out[name] = np.array([counts.sum(), (counts * counts).sum()], dtype=float)

    per_rep("leakers", np.bincount(rep[leaked], minlength=n).astype(float))
    hit = th["asset_hit"].astype(object).to_numpy()
    for a in assets:
        per_rep(f"hits_{a}", np.bincount(rep[hit == a], minlength=n).astype(float))
    f = fus.select(["replication", "shots"]).to_pandas()
    shots = np.bincount(
        f["replication"].to_numpy() - start, weights=f["shots"].to_numpy(), minlength=n
    )
    per_rep("interceptors", shots.astype(float))
    return out


def _finish(total: dict[str, np.ndarray], reps: int, intervals: bool = False) -> dict:
    """Output values (and, for the nominal run, their Monte Carlo 95% intervals)."""
    values, cis = {}, {}
    for name, (a, b) in total.items():
        if name.startswith("p_leak"):
            values[name] = a / b if b else float("nan")
            if intervals:
                cis[name] = wilson(int(a), int(b))
        else:
            m, lo, hi = mean_ci(a, b, reps, floor=0.0)
            values[name] = m
            cis[name] = (lo, hi)
    return {"values": values, "intervals": cis} if intervals else values


@dataclass
class EngineModel:
    """The engine as a function of the factors: one variant, ``replications`` with one seed.

    Uses only ``prepare`` and the runner's ``chunk_tables`` (the tables of docs/results.md).
    """

    scenario: Any
    factors: list[Factor]
    seed: int
    replications: int
    chunk: int = 1000

    def _classes_assets(self):
        cat = self.scenario.effective_catalog
        classes = sorted({cat.threats[r.threat].threat_class for r in self.scenario.raids})
        return classes, [a.name for a in self.scenario.assets]

    def _tally(self, variant: str, catalog: Catalog) -> dict[str, np.ndarray]:
        from iadsim.engine.prepare import prepare
        from iadsim.engine.runner import chunk_tables

        # the asset-coverage shares are for the run summary; no output of the study uses them
        p = prepare(self.scenario, variant, catalog, coverage_share=False)
        classes, assets = self._classes_assets()
        total: dict[str, np.ndarray] = {}
        for start in range(0, self.replications, self.chunk):
            stop = min(start + self.chunk, self.replications)
            threats, fus = chunk_tables(p, self.seed, start, stop)
            for k, v in _tally(threats, fus, classes, assets, start, stop - start).items():
                total[k] = total.get(k, 0.0) + v
        return total

    def evaluate(self, variant: str, values: np.ndarray) -> dict[str, float]:
        cat = catalog_with(self.scenario.effective_catalog, self.factors, values)
        return _finish(self._tally(variant, cat), self.replications)

    def nominal(self, variant: str) -> dict:
        """Outputs at the catalog's values with their Monte Carlo intervals."""
        return _finish(
            self._tally(variant, self.scenario.effective_catalog), self.replications, True
        )

    def fingerprint(self) -> str:
        cat = self.scenario.effective_catalog
        entries = sorted(
            {f.entry for f in self.factors}
            | set(used_parts(self.scenario, self.scenario.variant_names()))
        )
        text = self.scenario.model_dump_json() + "".join(
            cat.entry(e).model_dump_json() for e in entries
        )
        return hashlib.sha256(f"{text}|{self.seed}|{self.replications}".encode()).hexdigest()


@dataclass
class FunctionModel:
    """A plain function of the factor values as the model (test functions such as Ishigami's).

    ``fn`` maps an (n, D) array to n outputs; it must be picklable (a module-level function).
    """

    fn: Callable[[np.ndarray], np.ndarray]
    output: str = "y"

    def evaluate(self, variant: str, values: np.ndarray) -> dict[str, float]:
        return {self.output: float(np.asarray(self.fn(np.atleast_2d(values)))[0])}

    def nominal(self, variant: str, values: np.ndarray | None = None) -> dict:
        return {"values": {}, "intervals": {}}

    def fingerprint(self) -> str:
        return f"{self.fn.__module__}.{self.fn.__qualname__}"


# ----------------------------------------------------------------------------- executors

_STATE: dict = {}


def _init(model, values) -> None:
    _STATE["model"], _STATE["values"] = model, values


def _rows(model, values, variant: str, start: int, stop: int) -> list[dict]:
    return [
        {"sample": i, "variant": variant, **model.evaluate(variant, values[i])}
        for i in range(start, stop)
    ]


def _pool_task(variant: str, start: int, stop: int) -> list[dict]:
    return _rows(_STATE["model"], _STATE["values"], variant, start, stop)


def _map(model, values, tasks, workers: int, scheduler) -> Iterator[list[dict]]:
    """Each task's rows, in task order, with a bounded number of tasks in flight."""
    if scheduler is not None:
        from iadsim.engine.executors import dask_client

        client, cluster = dask_client(scheduler, workers)
        try:
            # sent as a task, not scattered: a task lost with a killed worker is recomputed
            shared = client.submit(_identity, (model, values), pure=False, retries=3)
            n = max(len(client.scheduler_info().get("workers", {})), 1)
            queue, pending = list(tasks), []
            while queue or pending:
                while queue and len(pending) < 2 * n:
                    pending.append(
                        client.submit(_shared_task, shared, *queue.pop(0), pure=False, retries=3)
                    )
                future = pending.pop(0)
                yield future.result()
                future.release()
        finally:
            if cluster is not None:
                client.close()
                cluster.close()
        return
    if workers <= 1 or len(tasks) <= 1:
        for t in tasks:
            yield _rows(model, values, *t)
        return
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_init, initargs=(model, values)
    ) as pool:
        queue, fs = list(tasks), []
        while queue or fs:
            while queue and len(fs) < 2 * workers:
                fs.append(pool.submit(_pool_task, *queue.pop(0)))
            yield fs.pop(0).result()


def _identity(x):
    return x


def _shared_task(shared, variant: str, start: int, stop: int) -> list[dict]:
    model, values = shared
    return _rows(model, values, variant, start, stop)


# ----------------------------------------------------------------------------- the study


@dataclass
class Study:
    """A finished study: the design, one row per (sample, variant) and the nominal runs."""

    factors: list[Factor]
    variants: list[str]
    method: str
    samples: int
    seed: int
    replications: int | None
    unit: np.ndarray
    values: np.ndarray
    frame: pd.DataFrame
    nominal: dict[str, dict]

    def outputs(self) -> list[str]:
        fixed = {"sample", "variant"}
        return [c for c in self.frame.columns if c not in fixed]

    def y(self, variant: str, output: str) -> np.ndarray:
        f = self.frame[self.frame["variant"] == variant].sort_values("sample")
        return f[output].to_numpy(dtype=float)

    def table(self) -> pd.DataFrame:
        """One row per (sample, variant): the figure values, then the outputs."""
        figs = pd.DataFrame(self.values, columns=[f.id for f in self.factors])
        figs.insert(0, "sample", np.arange(len(figs), dtype=np.int64))
        return figs.merge(self.frame, on="sample").sort_values(["variant", "sample"], kind="stable")


def run_study(
    model,
    factors: Sequence[Factor],
    variants: Sequence[str],
    *,
    samples: int = 64,
    method: str = "sobol",
    seed: int = 0,
    workers: int = 1,
    scheduler=None,
    parts_dir: Path | None = None,
    resume: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Study:
    """Run ``model`` on every design row for every variant; return the :class:`Study`.

    With ``parts_dir`` each batch of :data:`BATCH` samples is written there as it finishes; with
    ``resume`` the batches already written (for the same model, design and seed) are read back
    instead of run again. ``progress(done, total)`` is called after each batch.
    """
    factors = list(factors)
    unit, values = design(factors, samples, method, seed)
    n = len(values)
    tasks = [(v, s, min(s + BATCH, n)) for v in variants for s in range(0, n, BATCH)]
    digest = hashlib.sha256(
        f"{model.fingerprint()}|{[dataclasses.astuple(f) for f in factors]}|{method}|{samples}|{seed}|{BATCH}".encode()
        + np.ascontiguousarray(values).tobytes()
    ).hexdigest()

    def part(t) -> Path | None:
        return (
            None
            if parts_dir is None
            else parts_dir / f"part-{variants.index(t[0]):03d}-{t[1]:08d}.parquet"
        )

    if parts_dir is not None:
        manifest = parts_dir / "manifest.json"
        same = manifest.exists() and json.loads(manifest.read_text())["fingerprint"] == digest
        if parts_dir.exists() and not (resume and same):
            shutil.rmtree(parts_dir)
        parts_dir.mkdir(parents=True, exist_ok=True)
        if not manifest.exists():
            with atomic_path(manifest, ".json") as tmp:
                tmp.write_text(json.dumps({"fingerprint": digest}) + "\n", encoding="utf-8")
    done = {t: pd.read_parquet(part(t)) for t in tasks if part(t) is not None and part(t).exists()}  # type: ignore[union-attr]
    todo = [t for t in tasks if t not in done]
    nominal = {v: model.nominal(v) for v in variants}  # in the parent: forked workers share caches
    count = sum(len(f) for f in done.values())
    if progress is not None:
        progress(count, n * len(variants))
    for t, rows in zip(todo, _map(model, values, todo, workers, scheduler), strict=True):
        frame = pd.DataFrame(rows)
        target = part(t)
        if target is not None:
            with atomic_path(target, ".parquet") as tmp:
                frame.to_parquet(tmp, index=False)
        done[t] = frame
        count += len(frame)
        if progress is not None:
            progress(count, n * len(variants))
    frame = pd.concat([done[t] for t in tasks], ignore_index=True)
    return Study(
        factors,
        list(variants),
        method,
        samples,
        seed,
        getattr(model, "replications", None),
        unit,
        values,
        frame,
        nominal,
    )
