"""Background runs of ``iadsim serve``: replications in a thread, progress, cancellation and
the paired comparison with the previous run of the same variant.

A run uses the scenario's root seed, so two layouts run with the same seed face the same
threat failures and misses replication by replication (common random numbers); the paired
difference in leakers per replication (:func:`iadsim.analysis.compare.compare`) is then the
effect of the layout change alone.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from iadsim.errors import InputError

#: Most replications one page run may ask for.
MAX_REPLICATIONS = 100_000


class Cancelled(Exception):
    """Raised from the progress callback to stop a run."""


@contextlib.contextmanager
def outcome(job, what: str):
    """How a background job (a run, an optimisation) ended, for the page: an InputError's
    ``FILE:LINE:COL: field: message``, any other failure as one line naming it (never a
    traceback); then its elapsed time, and ``finished`` set."""
    try:
        yield
    except InputError as exc:
        job.state, job.error = "failed", exc.format()
    except Exception as exc:  # the page gets one line, never a traceback
        job.state, job.error = "failed", f"{what} failed: {type(exc).__name__}"
    finally:
        job.elapsed_s = time.perf_counter() - job.started
        job.finished.set()


@dataclass
class Job:
    id: str
    variant: str
    replications: int
    seed: int
    directory: Path
    layout_revision: int
    done: int = 0
    state: str = "running"  # running, done, cancelled, failed
    error: str | None = None
    result: dict | None = None
    started: float = field(default_factory=time.perf_counter)
    elapsed_s: float | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)

    def status(self) -> dict:
        return {
            "id": self.id,
            "state": self.state,
            "done": self.done,
            "replications": self.replications,
            "variant": self.variant,
            "error": self.error,
            "elapsed_s": self.elapsed_s
            if self.elapsed_s is not None
            else time.perf_counter() - self.started,
        }


def _class_rows(summary: dict) -> list[dict]:
    """P(leak) per threat class (pooled over the class's types), with Wilson intervals."""
    from iadsim.analysis.summary import wilson

    reps = summary["replications"]
    classes: dict[str, list[float]] = {}
    for row in summary["by_threat"]:
        if row["threat_class"] == "all":
            continue
        n = row["launched_per_rep"] * reps
        acc = classes.setdefault(row["threat_class"], [0.0, 0.0])
        acc[0] += row["p_leak"] * n
        acc[1] += n
    out = []
    for cls, (leaked, n) in classes.items():
        lo, hi = wilson(round(leaked), round(n))
        out.append(
            {
                "threat_class": cls,
                "p_leak": leaked / n,
                "lo": lo,
                "hi": hi,
                "launched_per_rep": n / reps,
            }
        )
    overall = next(r for r in summary["by_threat"] if r["threat_class"] == "all")
    out.append(
        {
            "threat_class": "all",
            "p_leak": overall["p_leak"],
            "lo": overall["p_leak_lo"],
            "hi": overall["p_leak_hi"],
            "launched_per_rep": overall["launched_per_rep"],
        }
    )
    return out


def digest(summary: dict) -> dict:
    """What the page shows of a variant's summary."""
    return {
        "replications": summary["replications"],
        "seed": summary["seed"],
        "p_leak": _class_rows(summary),
        "assets": [
            {k: a[k] for k in ("asset", "hits_mean", "hits_lo", "hits_hi", "p_hit")}
            for a in summary["assets"]
        ],
        "fire_units": [
            {k: f[k] for k in ("fire_unit", "shots_mean", "interceptor_cost_mean_usd")}
            for f in summary["fire_units"]
        ],
        "interceptors": [
            summary["interceptors_used_mean"],
            summary["interceptors_used_lo"],
            summary["interceptors_used_hi"],
        ],
        "cost_usd": [
            summary["interceptor_cost_mean_usd"],
            summary["interceptor_cost_lo_usd"],
            summary["interceptor_cost_hi_usd"],
        ],
    }


def paired_leakers(previous: Path, current: Path) -> dict:
    """Current minus previous leakers per replication, paired by replication index, with the
    t interval and test of :func:`iadsim.analysis.compare.paired_difference` (the pairing of
    ``iadsim compare``, without its bootstrap ratios, which the page does not show)."""
    import duckdb

    from iadsim.analysis.compare import paired_difference

    def per_rep(d: Path) -> str:
        path = str(d / "threats.parquet").replace("'", "''")
        return (
            "SELECT replication, count(*) FILTER (WHERE fate = 'leaked') AS l "
            f"FROM read_parquet('{path}') GROUP BY replication"
        )

    con = duckdb.connect()
    try:
        diff = con.execute(
            f"WITH o AS ({per_rep(current)}), b AS ({per_rep(previous)}) "
            "SELECT (o.l - b.l)::DOUBLE FROM o JOIN b USING (replication) ORDER BY replication"
        ).fetchnumpy()
    finally:
        con.close()
    values = next(iter(diff.values()))
    prev_seed = json.loads((previous / "run.json").read_text(encoding="utf-8"))["seed"]
    cur_seed = json.loads((current / "run.json").read_text(encoding="utf-8"))["seed"]
    return {**paired_difference(values), "common_random_numbers": prev_seed == cur_seed}


class Runner:
    """Runs one job at a time in a background thread; keeps the last finished run per variant
    (its results directory) for the paired comparison."""

    def __init__(self, session, workers: int | None = None):
        self.session = session
        self.workers = workers
        self.jobs: dict[str, Job] = {}
        self.previous: dict[str, Job] = {}
        self._root: Path | None = None
        self._root_lock = threading.Lock()
        self._lock = threading.Lock()

    @property
    def root(self) -> Path:
        """The temporary folder of this server's results, made at the first run (a server
        that never runs, or is killed, leaves nothing behind)."""
        with self._root_lock:  # a run and an optimisation may start together
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="iadsim-serve-"))
            return self._root

    def close(self) -> None:
        for job in self.jobs.values():
            job.cancel.set()
        for job in self.jobs.values():
            job.finished.wait(timeout=30)
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)

    def busy(self) -> bool:
        return any(j.state == "running" for j in self.jobs.values())

    def start(self, variant: str | None, replications: int) -> Job:
        s = self.session
        with self._lock:
            if self.busy():
                raise InputError.single(
                    "a run is already going; cancel it or wait", field_path="run"
                )
            if not isinstance(replications, int) or not 1 <= replications <= MAX_REPLICATIONS:
                raise InputError.single(
                    f"replications must be a whole number from 1 to {MAX_REPLICATIONS:,}",
                    field_path="replications",
                )
            with s.lock:
                scenario = s.scenario
                revision = s.revision
            name = variant or scenario.variant_names()[0]
            if name not in scenario.variant_names():
                raise InputError.single(
                    f"unknown variant '{name}'; known: {', '.join(scenario.variant_names())}",
                    field_path="variant",
                )
            job_id = uuid.uuid4().hex[:12]
            job = Job(
                job_id, name, replications, scenario.monte_carlo.seed, self.root / job_id, revision
            )
            self.jobs[job_id] = job
        threading.Thread(target=self._run, args=(job, scenario), daemon=True).start()
        return job

    def _run(self, job: Job, scenario) -> None:
        import iadsim

        def progress(_variant: str, _total: int):
            def tick(n: int) -> None:
                job.done += n
                if job.cancel.is_set():
                    raise Cancelled

            return tick

        with outcome(job, "run"):
            try:
                if job.cancel.is_set():
                    raise Cancelled
                from iadsim.serve.session import TERRAIN

                with TERRAIN:  # prepare and the coverage shares use numba's parallel kernels
                    results = iadsim.run(
                        scenario,
                        [job.variant],
                        replications=job.replications,
                        seed=job.seed,
                        # the scenario's chunks (progress and cancellation act between chunks);
                        # smaller ones cost more than they show (1,000 reps: one chunk ~1.7 s,
                        # four ~2.9 s)
                        chunk_size=min(scenario.monte_carlo.chunk_size, job.replications),
                        workers=self.workers,
                        out_dir=job.directory,
                        progress=progress,
                    )
                summary = results[job.variant].summary
                out = {"variant": job.variant, "summary": digest(summary), "vs_previous": None}
                prev = self.previous.get(job.variant)
                if prev is not None and prev.replications != job.replications:
                    # pairs are replication by replication: different counts do not pair
                    out["unpaired"] = (
                        f"no paired difference: the previous run of {job.variant} had "
                        f"{prev.replications:,} replications, this one {job.replications:,} "
                        "(pairs need the same count)"
                    )
                elif prev is not None:
                    vs = paired_leakers(prev.directory / job.variant, job.directory / job.variant)
                    out["vs_previous"] = {
                        **vs,
                        "previous_job": prev.id,
                        "previous_revision": prev.layout_revision,
                    }
                job.result = out
                job.state = "done"
                old = self.previous.get(job.variant)
                self.previous[job.variant] = job
                if old is not None and old is not job:
                    shutil.rmtree(old.directory, ignore_errors=True)
            except Cancelled:
                job.state = "cancelled"
        if job.state != "done":
            shutil.rmtree(job.directory, ignore_errors=True)
