"""``iadsim uncertainty``: the band of the answer over the assumptions, and which decide it.

Also :func:`compare_uncertainty`, the part of ``iadsim compare --uncertainty N`` that runs the
study over the compared options. Registered in :mod:`iadsim.cli` with a few lines; heavy
imports happen inside the functions.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from iadsim.errors import InputError

out = Console()
err = Console(stderr=True)

__all__ = [
    "band_lines",
    "compare_uncertainty",
    "print_study",
    "run_uncertainty",
    "uncertainty_command",
]


def run_uncertainty(
    s,
    variants: list[str],
    *,
    samples: int,
    method: str = "sobol",
    figures: list[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    scheduler=None,
    out_dir: Path,
    resume: bool = False,
    baseline: str | None = None,
    quiet: bool = False,
    output: str = "p_leak",
) -> dict:
    """Run the study of scenario ``s`` over ``variants``; write it to ``out_dir``; return the
    ``uncertainty.json`` document (with ``ranking`` when there are several variants)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from iadsim.analysis.runs import default_workers
    from iadsim.analysis.uncertainty import scenario_factors
    from iadsim.analysis.uncertainty_report import ranking, summarize_study, write_study
    from iadsim.analysis.uncertainty_study import DEFAULT_REPLICATIONS, EngineModel, run_study

    if method not in ("sobol", "morris"):
        raise InputError.single(f"--method {method!r}: use sobol or morris", field_path="--method")
    known = s.variant_names()
    for v in variants:
        if v not in known:
            raise InputError.single(
                f"unknown variant '{v}'; known: {', '.join(known)}", field_path="--variant"
            )
    if baseline is not None and baseline not in variants:
        raise InputError.single(
            f"unknown baseline '{baseline}'; options: {', '.join(variants)}",
            field_path="--baseline",
        )
    cat = s.effective_catalog
    outputs = ["p_leak", "leakers", "interceptors"]
    outputs += [
        f"p_leak_{c}" for c in sorted({cat.threats[r.threat].threat_class for r in s.raids})
    ]
    outputs += [f"hits_{a.name}" for a in s.assets]
    if output not in outputs:
        raise InputError.single(
            f"--output {output!r}: use one of {', '.join(outputs)}", field_path="--output"
        )
    factors = scenario_factors(s, variants, figures)
    root = seed if seed is not None else s.monte_carlo.seed
    model = EngineModel(s, factors, root, replications or DEFAULT_REPLICATIONS)
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=quiet,
        transient=True,
    )
    task = []

    def progress(done: int, total: int) -> None:
        if not task:
            task.append(bar.add_task(f"{len(factors)} figures, runs", total=total))
        bar.update(task[0], completed=done)

    out_dir = Path(out_dir)
    with bar:
        study = run_study(
            model,
            factors,
            variants,
            samples=samples,
            method=method,
            seed=root,
            workers=workers or default_workers(),
            scheduler=scheduler,
            parts_dir=out_dir.parent / f".partial-{out_dir.name}",
            resume=resume,
            progress=progress,
        )
    doc = summarize_study(study, s.name)
    if len(variants) > 1:
        doc["ranking"] = ranking(study, baseline or variants[0])
    write_study(study, doc, out_dir, tornado_output=output)
    import shutil

    shutil.rmtree(out_dir.parent / f".partial-{out_dir.name}", ignore_errors=True)
    return json.loads((out_dir / "uncertainty.json").read_text(encoding="utf-8"))


def _interval(lo, hi) -> str:
    return "" if lo is None or hi is None else f" [{lo:.3g}, {hi:.3g}]"


def print_study(doc: dict, out_dir: Path) -> None:
    """The band and indices of each variant as rich tables, then the ranking sentences."""
    from rich.table import Table

    from iadsim.analysis.uncertainty_report import repeats_p_leak

    # into a file or a pipe, rich would wrap the tables at 80 columns, one word a line
    con = out if out.is_terminal else Console(width=max(out.width, 140))
    key = doc["index"]
    for v, outs in doc["variants"].items():
        t = Table(
            title=f"{doc['scenario']} / {v}: over {doc['runs_per_variant']} assumption "
            f"samples x {doc['replications']} replications (one seed)"
            + (
                "; Morris grid of 4 levels: the band overweights the spans' ends, quote a "
                "Sobol' study's; 'decided by' is mu*, in the output's unit"
                if key != "ST"
                else ""
            )
        )
        for col in ("output", "nominal [MC 95%]", "5%", "50%", "95%", "decided by"):
            t.add_column(
                col,
                justify="left" if col in ("output", "decided by") else "right",
                no_wrap=col != "decided by",
            )
        for name, r in outs.items():
            if repeats_p_leak(outs, name):
                continue
            n, b = r["nominal"], r["band"]
            top = ", ".join(f"{i['label']} {i[key]:.2f}" for i in r["indices"][:3] if i[key] > 0.01)
            t.add_row(
                name,
                f"{n['value']:.3g}{_interval(n['lo'], n['hi'])}",
                *(f"{b[k]:.3g}" for k in ("p5", "p50", "p95")),
                top or "-",
            )
        con.print(t)
        main = doc.get("tornado_output", "p_leak")
        if main in outs:
            ti = Table(title=f"{v}: indices of {main}, top ten (95% intervals)")
            cols = ("figure", "S1", "ST") if key == "ST" else ("figure", "mu*", "sigma")
            for col in cols:
                ti.add_column(col, justify="left" if col == "figure" else "right")
            for i in outs[main]["indices"][:10]:
                if key == "ST":
                    ti.add_row(
                        i["label"],
                        f"{i['S1']:.3f} ± {i['S1_conf']:.3f}",
                        f"{i['ST']:.3f} ± {i['ST_conf']:.3f}",
                    )
                else:
                    ti.add_row(
                        i["label"],
                        f"{i['mu_star']:.3g} ± {i['mu_star_conf']:.3g}",
                        f"{i['sigma']:.3g}",
                    )
            con.print(ti)
    rank = doc.get("ranking")
    if rank:
        for p in rank["versus_baseline"].values():
            con.print(p["sentence"], highlight=False, soft_wrap=True)
        con.print(rank["summary"], highlight=False, soft_wrap=True)
    con.print(f"Wrote {out_dir}/samples.parquet, uncertainty.json, tornado-*.png", highlight=False)


def band_lines(doc: dict, rank: dict) -> list[str]:
    """Leakers per replication of each option: nominal with its Monte Carlo interval, the
    5-50-95% band over the assumptions, and the share of samples beating the baseline."""
    base = rank["baseline"]
    head = ("option", "nominal [MC 95%]", "5%", "50%", "95%", f"P(fewer than {base})")
    rows = []
    for v, outs in doc["variants"].items():
        n, b = outs["leakers"]["nominal"], outs["leakers"]["band"]
        vs = rank["versus_baseline"].get(v)
        rows.append(
            (
                v,
                f"{n['value']:.2f} [{n['lo']:.2f}, {n['hi']:.2f}]",
                *(f"{b[k]:.2f}" for k in ("p5", "p50", "p95")),
                "-" if vs is None else f"{vs['p_fewer_leakers']:.0%}",
            )
        )
    widths = [max(len(r[k]) for r in (head, *rows)) for k in range(len(head))]

    def fmt(r):
        return "  ".join(
            c.ljust(w) if k == 0 else c.rjust(w)
            for k, (c, w) in enumerate(zip(r, widths, strict=True))
        )

    return [
        f"Leakers per raid over the assumptions ({doc['runs_per_variant']} samples x "
        f"{doc['replications']} replications, one seed; {len(doc['figures'])} uncertain figures):",
        fmt(head),
        *map(fmt, rows),
    ]


def compare_uncertainty(s, result: dict, samples: int, workers, seed, out_dir: Path) -> dict:
    """For ``compare --uncertainty N``: the study over every option of ``s``, written to
    ``out_dir/uncertainty``; returns its ranking against the comparison's baseline, with
    ``text``, the sentences to print."""
    from iadsim.analysis.uncertainty_study import DEFAULT_REPLICATIONS

    # per sample, the comparison's own replications up to the study's default: a quick
    # `compare -n 100` is not followed by a study of 500 replications a sample
    reps = result["options"][result["baseline"]].get("replications") or DEFAULT_REPLICATIONS
    doc = run_uncertainty(
        s,
        s.variant_names(),
        samples=samples,
        replications=min(int(reps), DEFAULT_REPLICATIONS),
        seed=seed,
        workers=workers,
        out_dir=Path(out_dir) / "uncertainty",
        baseline=result["baseline"],
        quiet=not err.is_terminal,
    )
    rank = doc["ranking"]
    lines = band_lines(doc, rank)
    lines += [p["sentence"] for p in rank["versus_baseline"].values()] + [rank["summary"]]
    lines.append(f"Wrote {Path(out_dir) / 'uncertainty'}/uncertainty.json (iadsim uncertainty)")
    return {**rank, "text": "\n".join(lines)}


def uncertainty_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML).", show_default=False)],
    variant: Annotated[
        list[str] | None,
        typer.Option("--variant", "-v", help="Variant to study (repeatable); default all."),
    ] = None,
    samples: Annotated[
        int,
        typer.Option(
            min=2,
            help="Base samples N: Sobol runs N(D+2) per variant for D figures "
            "(a power of two); Morris N trajectories of D+1 runs.",
        ),
    ] = 64,
    method: Annotated[str, typer.Option(help="sobol (indices) or morris (screening).")] = "sobol",
    figures: Annotated[
        str | None,
        typer.Option(help="Comma-separated globs of figure ids or labels, e.g. '*:*pk*'."),
    ] = None,
    options: Annotated[
        Path | None, typer.Option("--options", help="YAML list of options (variant schema).")
    ] = None,
    baseline: Annotated[
        str | None, typer.Option(help="Option the others are ranked against; default first.")
    ] = None,
    replications: Annotated[
        int | None, typer.Option("--replications", "-n", min=1, help="Per sample; default 500.")
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Root seed (all samples).")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes.")] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Default out/<scenario>/uncertainty.")
    ] = None,
    dask: Annotated[
        str | None, typer.Option("--dask", help="'local': a Dask LocalCluster.")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="A Dask scheduler, tcp://HOST:PORT.")
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue an interrupted study.")
    ] = False,
    output: Annotated[
        str,
        typer.Option(
            help="Output whose indices are tabled and drawn in the tornado plot: p_leak, "
            "leakers, interceptors, p_leak_<class> or hits_<asset>.",
        ),
    ] = "p_leak",
    as_json: Annotated[bool, typer.Option("--json", help="Print uncertainty.json.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Sample the uncertain catalog figures (SALib), run the engine once per sample with one
    seed, and report each output's 5-50-95% band, Sobol' indices and a tornado plot."""
    import iadsim
    from iadsim.cli import _scheduler

    executor = _scheduler(dask, scheduler)
    s = iadsim.load_scenario(scenario)
    if options is not None:
        from iadsim.analysis.compare import options_scenario

        s = options_scenario(s, options)
    target = out_dir or Path("out") / s.name / "uncertainty"
    patterns = [p.strip() for p in figures.split(",") if p.strip()] if figures else None
    doc = run_uncertainty(
        s,
        list(variant) if variant else s.variant_names(),
        samples=samples,
        method=method,
        figures=patterns,
        replications=replications,
        seed=seed,
        workers=workers,
        scheduler=executor,
        out_dir=target,
        resume=resume,
        baseline=baseline,
        quiet=quiet or as_json,
        output=output,
    )
    if as_json:
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return
    print_study(doc, target)
