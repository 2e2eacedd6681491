"""Parameter sweeps: a full grid over scenario fields, every point run with the same root seed.

A field is addressed by a dotted path with list indices, as in the error messages of
``iadsim validate``: ``raids[0].count``, ``doctrine.salvo_size``, ``fire_units[1].lat``.
Each point applies its values to ``scenario.model_dump()`` and validates the result again
(schema and cross-references), so a value the schema rejects never reaches the engine.
The Monte Carlo block (seed, replications, chunk size) cannot be swept: every point keeps the
root seed, so neighbouring points differ by the parameter, not by the dice (common random
numbers across the grid as well as across variants).

Outputs under ``out_dir``:

- ``points/point-00000/`` ... : the results of each point (``iadsim run`` layout) and
  ``point.json`` with its values (``scenario.yaml`` there is the point's scenario as run).
- ``sweep.parquet``: one row per point x variant x threat class (``all`` included), the grid
  values as columns named by their paths.
- ``sweep.duckdb``: views ``sweep`` (over sweep.parquet) and ``threats`` (every point's
  threats.parquet, with ``point`` and ``variant`` columns). The views hold absolute paths.
- ``saturation.png``: leakers per replication vs the first varied field, one line per variant.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing as mp
import os
import re
import weakref
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from iadsim.analysis.runs import TemporaryResults, default_workers, run
from iadsim.atomic import atomic_path
from iadsim.errors import InputError
from iadsim.scenario import Scenario
from iadsim.scenario.loader import cross_check
from iadsim.yamlio import dotted

#: Top-level fields a sweep may not change (seeds stay fixed; names and catalog are identity).
FORBIDDEN = {
    "monte_carlo": "the Monte Carlo block cannot be swept (seeds stay fixed; use -n for "
    "replications)",
    "schema_version": "the schema version cannot be swept",
    "name": "the scenario name cannot be swept",
    "catalog": "catalog figures are swept as catalog.ENTRY.FIGURE (the figure's dotted path in "
    "the entry, as in catalog.overrides), e.g. catalog.s-400.interceptors.48n6e3.pk.drone or "
    "catalog.shahed-136.rcs_m2; the entries and overrides lists themselves cannot be swept",
}


def catalog_target(path: str) -> tuple[str, str] | None:
    """``catalog.s-400.interceptors.48n6e3.pk.drone`` -> ``('s-400', 'interceptors.48n6e3.pk.drone')``
    (a catalog figure to sweep), or None when the path is not of that form."""
    parts = path.split(".")
    if len(parts) < 3 or parts[0] != "catalog" or parts[1] in ("entries", "overrides"):
        return None
    if not all(parts):
        return None
    return parts[1], ".".join(parts[2:])


def _figure_override(scenario: Scenario, entry: str, fig_path: str, value: Any) -> dict:
    """A catalog override setting one figure's value for a sweep point: the unit kept, the
    claim an assumption (a sweep value is a hypothesis), the catalog's value in the note."""
    catalog = scenario.effective_catalog
    if catalog is None:
        from iadsim.catalog import load_catalog

        catalog = load_catalog()
    target = catalog.systems.get(entry) or catalog.threats.get(entry)
    if target is None:
        known = ", ".join(sorted([*catalog.systems, *catalog.threats]))
        raise KeyError(f"unknown catalog entry '{entry}'; known: {known}")
    node: Any = target.model_dump()
    for part in fig_path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if not (isinstance(node, dict) and "claim" in node):
        raise KeyError(f"'{fig_path}' is not a figure of '{entry}'")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise KeyError(f"a catalog figure takes a number, not {value!r}")
    return {
        "entry": entry,
        "path": fig_path,
        "figure": {
            "value": float(value),
            "unit": node["unit"],
            "claim": "assumption",
            "note": f"sweep value (the catalog gives {node['value']:g} {node['unit']})",
        },
    }


_SEGMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$")
_RANGE = re.compile(r"^\s*(-?\d+)\s*:\s*(-?\d+)\s*(?::\s*(\d+)\s*)?$")


def parse_path(path: str) -> tuple[str | int, ...]:
    """``raids[0].count`` -> ``('raids', 0, 'count')``; ValueError if malformed."""
    loc: list[str | int] = []
    if not path or path.strip() != path:
        raise ValueError(f"malformed path {path!r}")
    for seg in path.split("."):
        m = _SEGMENT.match(seg)
        if not m:
            raise ValueError(f"malformed path {path!r} (expected e.g. raids[0].count)")
        loc.append(m.group(1))
        loc.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
    return tuple(loc)


def _scalar(text: str) -> Any:
    t = text.strip()
    low = t.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("null", "none"):
        return None
    try:
        return int(t)
    except ValueError:
        pass
    try:
        return float(t)
    except ValueError:
        return t


def parse_values(text: str) -> list[Any]:
    """``2:6:2`` -> [2, 4, 6] (inclusive integer range, step default 1);
    ``1,2.5,true,greedy`` -> [1, 2.5, True, 'greedy']."""
    m = _RANGE.match(text)
    if m:
        start, stop = int(m.group(1)), int(m.group(2))
        step = int(m.group(3)) if m.group(3) is not None else 1
        if step <= 0:
            raise ValueError(f"the step of {text!r} must be a positive integer")
        if stop < start:
            raise ValueError(f"the range {text!r} is empty (stop below start)")
        return list(range(start, stop + 1, step))
    values = [_scalar(v) for v in text.split(",")]
    if not text.strip() or any(isinstance(v, str) and not v for v in values):
        raise ValueError(f"empty value in {text!r}")
    return values


def parse_vary(arg: str) -> tuple[str, list[Any]]:
    """Parse one ``--vary PATH=VALUES`` argument; InputError naming it if malformed."""
    path, sep, values = arg.partition("=")
    path = path.strip()
    if not sep:
        raise InputError.single(
            f"--vary {arg!r}: expected PATH=VALUES, e.g. raids[0].count=2:12:2 (an inclusive "
            "integer range and its step) or doctrine.salvo_size=1,2"
        )
    try:
        if catalog_target(path) is None:
            parse_path(path)
        return path, parse_values(values)
    except ValueError as exc:
        raise InputError.single(f"--vary {arg!r}: {exc}") from None


def _set(data: Any, loc: Sequence[str | int], value: Any) -> None:
    node = data
    free = False  # inside a block created here: the schema, not the dump, knows its fields
    for depth, part in enumerate(loc):
        here = dotted(loc[: depth + 1])
        last = depth == len(loc) - 1
        if isinstance(part, int):
            if not isinstance(node, list):
                raise KeyError(f"{dotted(loc[:depth]) or 'the scenario'} is not a list")
            if not 0 <= part < len(node):
                raise KeyError(f"{here}: index out of range (the list has {len(node)} items)")
            current = node[part]
        else:
            if not isinstance(node, dict):
                raise KeyError(f"{dotted(loc[:depth])} is not a mapping")
            if part not in node and not free:
                known = ", ".join(sorted(node)) or "(none)"
                raise KeyError(f"unknown field '{here}'; known here: {known}")
            current = node.get(part)
        if last:
            if isinstance(current, (dict, list)):
                kind = "list" if isinstance(current, list) else "mapping"
                raise KeyError(f"{here} is a {kind}; address one of its fields")
            node[part] = value
        elif current is None:
            # an unset optional block (e.g. a variant's doctrine): create it so its fields can
            # be addressed; validation then decides whether the field exists
            node[part] = {}
            node = node[part]
            free = True
        else:
            node = current


def _set_given(data: dict, loc: Sequence[str | int], value: Any) -> None:
    """Set a field in the dump of the fields as given, creating the blocks left to their
    defaults (the path was already checked on the full dump by :func:`_set`)."""
    node: Any = data
    for part, nxt in itertools.pairwise(loc):
        if isinstance(part, int):
            node = node[part]
        else:
            if node.get(part) is None:
                node[part] = [] if isinstance(nxt, int) else {}
            node = node[part]
    node[loc[-1]] = value


def apply_values(
    scenario: Scenario, values: Mapping[str, Any], label: str | None = None
) -> Scenario:
    """A copy of ``scenario`` with the fields at the dotted paths set; validated again.

    Raises InputError (its message starts with ``label``, default ``--vary PATH=VALUE``) for
    unknown paths, forbidden fields or values the schema or the cross-reference checks reject.
    """
    if label is None:
        label = "--vary " + ", ".join(f"{k}={v!r}" for k, v in values.items())
    data = scenario.model_dump()
    # the fields as given, to validate the point: a default stays a default (checks such as
    # "a sector radar needs sector_center_deg" depend on what the file gave)
    given = scenario.model_dump(exclude_unset=True)
    swept_figures = False
    for path, value in values.items():
        figure = catalog_target(path)
        if figure is not None:
            try:
                override = _figure_override(scenario, *figure, value)
            except KeyError as exc:
                raise InputError.single(f"{label}: {exc.args[0]}") from None
            data["catalog"]["overrides"].append(override)
            given.setdefault("catalog", {}).setdefault("overrides", []).append(override)
            swept_figures = True
            continue
        try:
            loc = parse_path(path)
        except ValueError as exc:
            raise InputError.single(f"{label}: {exc}") from None
        if loc[0] in FORBIDDEN:
            raise InputError.single(f"{label}: {FORBIDDEN[str(loc[0])]}")
        try:
            _set(data, loc, value)
        except KeyError as exc:
            raise InputError.single(f"{label}: {exc.args[0]}") from None
        _set_given(given, loc, value)
    try:
        new = Scenario.model_validate(given)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            field = dotted(err["loc"])
            msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(f"{field}: {msg}")
        raise InputError.single(
            f"{label}: the scenario is invalid: " + "; ".join(problems)
        ) from None
    new._source_path = scenario._source_path
    new._catalog = scenario._catalog
    if swept_figures:
        # the scenario's catalog again, from the packaged one, with the point's overrides last
        from iadsim.catalog import load_catalog
        from iadsim.scenario.loader import scenario_catalog

        try:
            new._catalog = scenario_catalog(new, None, scenario.source_path, load_catalog())
        except InputError as exc:
            raise InputError.single(
                f"{label}: " + "; ".join(p.message for p in exc.problems)
            ) from None
    if new._catalog is not None:
        bad = cross_check(new, new._catalog)
        if bad:
            raise InputError.single(
                f"{label}: " + "; ".join(f"{dotted(loc)}: {msg}" for loc, msg in bad)
            )
    return new


def grid(vary: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the values, the first path varying slowest."""
    paths = list(vary)
    return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*vary.values())]


def _column(values: list[Any]) -> list[Any]:
    kinds = {type(v) for v in values if v is not None}
    if len(kinds) > 1 and not kinds <= {int, float}:
        return [None if v is None else str(v) for v in values]
    return values


def _run_point(job, workers: int = 1, scheduler=None) -> tuple[list[dict], list[str]]:
    """Run one grid point; return its summary rows and threats files."""
    i, values, sc, variants, replications, seed, pdir = job
    res = run(
        sc,
        variants,
        replications=replications,
        seed=seed,
        workers=workers,
        out_dir=pdir,
        scheduler=scheduler,
    )
    with atomic_path(pdir / "point.json", ".json") as tmp:
        tmp.write_text(json.dumps({"point": i, "values": values}, indent=2), encoding="utf-8")
    rows: list[dict] = []
    threat_files: list[str] = []
    for vname, vres in res.variants.items():
        s = vres.summary
        meta = json.loads((vres.directory / "run.json").read_text(encoding="utf-8"))
        threat_files.append(str((vres.directory / "threats.parquet").resolve()))
        for row in s["by_threat"]:
            rows.append(
                {
                    "point": i,
                    **values,
                    "variant": vname,
                    "threat_class": row["threat_class"],
                    "threat_type": row["threat_type"],
                    "launched_per_rep": row["launched_per_rep"],
                    "p_leak": row["p_leak"],
                    "p_leak_lo": row["p_leak_lo"],
                    "p_leak_hi": row["p_leak_hi"],
                    "leakers_mean": row["leakers_mean"],
                    "leakers_lo": row["leakers_lo"],
                    "leakers_hi": row["leakers_hi"],
                    "killed_mean": row["killed_mean"],
                    "killed_lo": row["killed_lo"],
                    "killed_hi": row["killed_hi"],
                    # defence-wide figures, repeated on each threat-class row of a variant
                    "interceptors_mean": s["interceptors_used_mean"],
                    "interceptors_lo": s["interceptors_used_lo"],
                    "interceptors_hi": s["interceptors_used_hi"],
                    "interceptor_cost_mean_usd": s["interceptor_cost_mean_usd"],
                    "interceptor_cost_lo_usd": s["interceptor_cost_lo_usd"],
                    "interceptor_cost_hi_usd": s["interceptor_cost_hi_usd"],
                    "cost_per_threat_stopped_usd": s["cost_per_threat_stopped_usd"],
                    "acquisition_cost_usd": float(sum(meta.get("acquisition_cost_usd", []))),
                    "replications": s["replications"],
                    "seed": s["seed"],
                    "directory": str(vres.directory),
                }
            )
    return rows, threat_files


def _run_points(jobs, workers: int | None, scheduler):
    """Each point's (rows, files) in point order. Points are independent runs with the same
    seed, so they run side by side in a process pool (one worker each) with identical results;
    with a Dask scheduler the points run in turn and their chunks go to the cluster."""
    if scheduler is not None:
        from iadsim.engine.executors import dask_client

        client, cluster = dask_client(scheduler, workers or 1)
        try:
            for job in jobs:
                yield _run_point(job, workers or 1, client)
        finally:
            if cluster is not None:
                client.close()
                cluster.close()
        return
    n = workers if workers is not None else default_workers()
    if n <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield _run_point(job)
        return
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as pool:
        yield from pool.map(_run_point, jobs, chunksize=1)


def sweep(
    scenario: Scenario,
    vary: Mapping[str, Sequence[Any]],
    variants: Sequence[str] | None = None,
    *,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    out_dir: str | Path | None = None,
    progress: Callable[[int, int, dict], None] | None = None,
    scheduler=None,
) -> pd.DataFrame:
    """Run ``scenario`` at every point of the grid ``vary`` (path -> values).

    Parameters
    ----------
    scenario : a validated scenario (``iadsim.load_scenario``).
    vary : dotted field path -> list of values, e.g. ``{"raids[0].count": [2, 4, 6]}``.
    variants : variant names to run at each point; default all.
    replications, seed : as :func:`iadsim.run` (the seed is the same at every point).
    workers : processes running grid points side by side (results do not depend on it).
    scheduler : ``"local"`` or a Dask scheduler address: each point's chunks run on the cluster.
    out_dir : directory for the points, ``sweep.parquet``, ``sweep.duckdb``, ``saturation.png``;
        default a temporary directory, removed with the returned table (or at exit).
    progress : called as ``progress(i, n_points, values)`` before each point.

    Returns
    -------
    The ``sweep.parquet`` table: one row per point x variant x threat class.
    """
    if not vary:
        raise InputError.single("nothing to sweep: give at least one --vary PATH=VALUES")
    for path, values in vary.items():
        if not values:
            raise InputError.single(f"--vary {path}: no values")
        for v in values:  # each value alone first: the clearest message
            apply_values(scenario, {path: v})
    points = grid(vary)
    scenarios = [apply_values(scenario, values) for values in points]
    keep = TemporaryResults("iadsim-sweep-") if out_dir is None else None
    base = Path(out_dir) if out_dir is not None else keep.path
    base.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    threat_files: list[str] = []
    jobs = [
        (i, values, sc, variants, replications, seed, base / "points" / f"point-{i:05d}")
        for i, (values, sc) in enumerate(zip(points, scenarios, strict=True))
    ]
    for i, (point_rows, files) in enumerate(_run_points(jobs, workers, scheduler)):
        if progress:
            progress(i, len(points), points[i])
        rows += point_rows
        threat_files += files
    frame = pd.DataFrame(rows)
    for path in vary:
        frame[path] = _column(frame[path].tolist())
    frame["cost_per_threat_stopped_usd"] = frame["cost_per_threat_stopped_usd"].astype(float)
    parquet = base / "sweep.parquet"
    with atomic_path(parquet, ".parquet") as tmp:
        frame.to_parquet(tmp, index=False)
    write_duckdb(base / "sweep.duckdb", parquet, threat_files)
    saturation_plot(frame, list(vary), base / "saturation.png")
    if keep is not None:  # a temporary sweep directory lives as long as the returned table
        frame.attrs["directory"] = str(base)
        weakref.finalize(frame, keep.cleanup)
    return frame


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def write_duckdb(path: Path, parquet: Path, threat_files: Sequence[str]) -> Path:
    """A DuckDB database with views ``sweep`` and ``threats`` over the Parquet files."""
    import duckdb

    with atomic_path(path, ".duckdb") as tmp:
        os.unlink(tmp)  # DuckDB creates its own file; an empty file is not a database
        con = duckdb.connect(str(tmp))
        try:
            con.execute(
                f"CREATE VIEW sweep AS SELECT * FROM read_parquet({_sql_str(str(parquet.resolve()))})"
            )
            files = "[" + ", ".join(_sql_str(f) for f in threat_files) + "]"
            con.execute(
                f"""
                CREATE VIEW threats AS
                SELECT regexp_extract(filename, 'point-(\\d+)', 1)::INTEGER AS point,
                       regexp_extract(filename, '([^/\\\\]+)[/\\\\]threats\\.parquet$', 1)
                         AS variant,
                       * EXCLUDE (filename), filename
                FROM read_parquet({files}, union_by_name = true, filename = true)
                """
            )
        finally:
            con.close()
    return path


def saturation_plot(frame: pd.DataFrame, paths: Sequence[str], out: Path) -> Path:
    """Leakers per replication (all threats) vs the first varied field, one line per variant
    (and per combination of the other fields), with the 95% t band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x_name = paths[0]
    others = list(paths[1:])
    allrows = frame[frame["threat_class"] == "all"]
    fig, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in allrows[x_name])
    cats = list(dict.fromkeys(allrows[x_name].tolist()))
    keys = ["variant", *others]
    for key, g in allrows.groupby(keys, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        g = g.sort_values(x_name) if numeric else g
        x = g[x_name].to_numpy() if numeric else [cats.index(v) for v in g[x_name]]
        label = key[0] + "".join(f", {p}={v}" for p, v in zip(others, key[1:], strict=True))
        (line,) = ax.plot(x, g["leakers_mean"], marker="o", label=label)
        lo = g["leakers_lo"].to_numpy(dtype=float)
        hi = g["leakers_hi"].to_numpy(dtype=float)
        if not (pd.isna(lo).all() or pd.isna(hi).all()):
            ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0)
    if not numeric:
        ax.set_xticks(range(len(cats)), [str(c) for c in cats])
    ax.set_xlabel(x_name)
    ax.set_ylabel("leakers per replication")
    ax.set_ylim(bottom=0)
    ax.set_title("Saturation: leakers vs " + x_name + " (95% t band)")
    ax.legend(fontsize="small")
    with atomic_path(out, ".png") as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return out


__all__ = [
    "apply_values",
    "grid",
    "parse_path",
    "parse_values",
    "parse_vary",
    "sweep",
]
