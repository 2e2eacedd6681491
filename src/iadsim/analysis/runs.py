"""One call from a scenario to results: ``iadsim.run(scenario)``.

Wires the chain (prepare -> replications -> Parquet -> summary) for every variant of a scenario.
The variants of one run share the root seed, so they face the same threat failures and misses
(common random numbers).
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruamel.yaml import YAML

from iadsim.analysis.summary import summarize
from iadsim.atomic import atomic_path
from iadsim.catalog import Catalog, load_catalog
from iadsim.engine.preflight import check_run
from iadsim.engine.prepare import Prepared, prepare
from iadsim.engine.runner import run_prepared
from iadsim.errors import InputError
from iadsim.scenario import Scenario

if TYPE_CHECKING:  # pandas costs ~0.4 s to import, and a run needs it only on request
    import pandas as pd


@dataclass
class VariantResult:
    """Results of one variant: its directory of Parquet files and its summary."""

    name: str
    directory: Path
    summary: dict
    prepared: Prepared | None = field(default=None, repr=False)
    _keep: object = field(default=None, repr=False, compare=False)

    def threats(self) -> pd.DataFrame:
        """One row per replication x threat (see docs/results.md)."""
        import pandas as pd

        return pd.read_parquet(self.directory / "threats.parquet")

    def fire_units(self) -> pd.DataFrame:
        """One row per replication x fire unit."""
        import pandas as pd

        return pd.read_parquet(self.directory / "fire_units.parquet")


@dataclass
class Results:
    """Results of every variant run, keyed by variant name."""

    scenario: str
    directory: Path
    variants: dict[str, VariantResult]
    _keep: object = field(default=None, repr=False, compare=False)

    def __getitem__(self, name: str) -> VariantResult:
        return self.variants[name]

    def summary_frame(self) -> pd.DataFrame:
        """P(leak), leakers and kills per threat type and variant, with 95% intervals."""
        import pandas as pd

        rows = []
        for name, v in self.variants.items():
            for row in v.summary["by_threat"]:
                rows.append({"variant": name, **row})
        return pd.DataFrame(rows)


def scenario_as_run(scenario: Scenario) -> str:
    """The scenario's YAML: its file as written when it is unchanged, else (a scenario changed in
    memory, e.g. by ``compare --options`` or a sweep point) the model itself, in full."""
    if scenario.source_text is not None and not scenario.changed_since_load:
        return scenario.source_text
    buf = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]  # stub says None
    yaml.dump(scenario.model_dump(mode="json"), buf)
    note = f" (changed in memory from {scenario.source_path})" if scenario.source_path else ""
    return f"# The scenario as run, written by iadsim{note}.\n" + buf.getvalue()


def doctrine_as_run(scenario: Scenario, variant: str) -> dict:
    """The doctrine a variant runs with (the scenario's, with the variant's changes), every
    field spelled out, defaults included, so a summary can say what the engine did."""
    doctrine = scenario.doctrine_for(scenario.variant(variant))
    return {**doctrine.model_dump(mode="json"), "engagements_per_threat": doctrine.max_engagements}


class TemporaryResults:
    """Owns a temporary results directory: removed when no result object refers to it any
    more, or at interpreter exit (``weakref.finalize``), so ``iadsim.run()`` without
    ``out_dir`` leaves no ``iadsim-*`` folder behind."""

    def __init__(self, prefix: str = "iadsim-"):
        self.path = Path(tempfile.mkdtemp(prefix=prefix))
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.path), True)

    def cleanup(self) -> None:
        self._finalizer()


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def run(
    scenario: Scenario,
    variants: Sequence[str] | None = None,
    *,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    chunk_size: int | None = None,
    out_dir: str | Path | None = None,
    catalog: Catalog | None = None,
    progress: Callable[[str, int], Callable[[int], None]] | None = None,
    scheduler: Any = None,
    resume: bool = False,
) -> Results:
    """Run every (or the named) variant of ``scenario``; write results under ``out_dir``.

    Parameters
    ----------
    scenario : the validated scenario (``iadsim.load_scenario(path)``).
    variants : variant names to run; default all.
    replications, seed, chunk_size : override the scenario's ``monte_carlo`` block.
    workers : processes; default the number of cores. Results do not depend on it.
    out_dir : results directory; default a temporary directory, removed once the returned
        results are no longer referenced (or at exit): give ``out_dir`` to keep them.
    progress : ``progress(variant, total)`` returns a callback advanced by replications done.
    scheduler : None (local process pool), ``"local"`` (a Dask LocalCluster of ``workers``), a
        Dask scheduler address such as ``"tcp://host:8786"``, or a ``distributed.Client``.
        Results are identical for every choice.
    resume : continue an interrupted run from the chunks it already wrote.
    """
    catalog = catalog or scenario.effective_catalog or load_catalog()
    mc = scenario.monte_carlo
    reps = replications if replications is not None else mc.replications
    root_seed = seed if seed is not None else mc.seed
    chunk = chunk_size if chunk_size is not None else mc.chunk_size
    n_workers = workers if workers is not None else default_workers()
    names = list(variants) if variants else scenario.variant_names()
    for name in names:
        try:
            scenario.variant(name)
        except KeyError:
            known = ", ".join(scenario.variant_names())
            raise InputError.single(
                f"unknown variant '{name}'; known: {known}",
                scenario.source_path,
                field_path="variants",
            ) from None
    check_run(scenario, catalog, replications=replications, chunk_size=chunk_size)
    # without out_dir the results live in a temporary directory that the returned objects
    # keep alive; it goes when they do (or when the interpreter exits)
    keep = TemporaryResults() if out_dir is None else None
    base = keep.path if keep is not None else Path(str(out_dir))
    base.mkdir(parents=True, exist_ok=True)
    # the scenario as run, beside its results (atomic: temp file, then rename)
    with atomic_path(base / "scenario.yaml", ".yaml") as tmp:
        tmp.write_text(scenario_as_run(scenario), encoding="utf-8")
    results = {}
    for name in names:
        prepared = prepare(scenario, name, catalog)
        tick = progress(name, reps) if progress else None
        directory = base / name
        run_prepared(
            prepared,
            directory,
            reps,
            root_seed,
            chunk,
            n_workers,
            tick,
            meta={"source": scenario.source_path, "doctrine": doctrine_as_run(scenario, name)},
            scheduler=scheduler,
            resume=resume,
        )
        results[name] = VariantResult(name, directory, summarize(directory), prepared, keep)
    return Results(scenario.name, base, results, keep)
