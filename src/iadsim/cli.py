"""The ``iadsim`` command line (typer). Heavy imports happen inside the commands.

Bad input never shows a traceback: it is printed as ``FILE:LINE:COL: field: message`` on
stderr and the exit status is 2. A failed write (read-only directory, full disk) is one line
and status 1; Ctrl-C is one line and status 130 (``run --resume`` continues a run).
"""

from __future__ import annotations

import functools
import gc
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from iadsim.errors import EXIT_INPUT_ERROR, InputError
from iadsim.report.console import stdout_console, write_csv

app = typer.Typer(
    name="iadsim",
    help="Simulate and plan layered air defence on public-source data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
catalog_app = typer.Typer(
    help="List catalog entries or show one with its sources.", invoke_without_command=True
)
app.add_typer(catalog_app, name="catalog")

out = stdout_console()  # whole tables when piped; COLUMNS decides if set
err = Console(stderr=True)


def _print_version(value: bool) -> None:
    if value:
        from iadsim import __version__

        out.print(f"iadsim {__version__}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Simulate and plan layered air defence on public-source data."""


EXIT_OUTPUT_ERROR = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, the shell's convention


def _say(text: str) -> None:
    from iadsim.errors import one_line

    err.print(one_line(text), markup=False, emoji=False, highlight=False, soft_wrap=True)


def _input_errors(fn):
    """Turn InputError into one message per problem on stderr and exit status 2; an output
    fault (read-only or full disk) into one line and status 1; Ctrl-C into one line and 130.

    ``IADSIM_DEBUG=1`` shows the traceback of an output fault instead."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            for problem in exc.problems:
                # no emoji codes: rich would print "x.yaml:100:3" as "x.yaml💯3"
                err.print(
                    problem.format(), markup=False, emoji=False, highlight=False, soft_wrap=True
                )
            raise typer.Exit(EXIT_INPUT_ERROR) from None
        except OSError as exc:
            if os.environ.get("IADSIM_DEBUG"):
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            what = exc.strerror if exc.filename and exc.strerror else str(exc)
            _say(
                f"cannot write output: {where}{what} (outputs are written atomically: "
                "results already there are unchanged)"
            )
            raise typer.Exit(EXIT_OUTPUT_ERROR) from None
        except KeyboardInterrupt:
            _say(_interrupted(fn.__name__, kwargs))
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return wrapper


def _interrupted(command: str, kwargs: dict) -> str:
    """The line printed on Ctrl-C: what stopped and how to go on."""
    target = kwargs.get("scenario") or kwargs.get("results_dir") or ""
    command = command.removesuffix("_command")  # uncertainty_command (cli_uncertainty.py)
    what = f"iadsim {command.replace('_', ' ')} {target}".rstrip()
    if command in ("run", "uncertainty"):  # both keep their finished parts for --resume
        return (
            f"interrupted: {what}; the chunks finished so far are kept, and the same command "
            "with --resume continues it"
        )
    return f"interrupted: {what}; nothing was written (outputs appear only when complete)"


def _check_point(point, label: str, replications: int | None) -> None:
    """A sweep point that validates must also be possible to run (checked before any runs)."""
    import dataclasses

    from iadsim.engine.preflight import check_run

    try:
        check_run(point, replications=replications)
    except InputError as exc:
        problems = [dataclasses.replace(p, message=f"{label}: {p.message}") for p in exc.problems]
        raise InputError(problems) from None


def _check_out_dir(path: Path, option: str = "--out") -> None:
    """Refuse, before any work, an output directory that is a file, lies under a file, or
    cannot be written (exit 2 at the option)."""
    path = Path(path)
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            return
        probe = probe.parent
    if not probe.is_dir():
        where = "is a file" if probe == path else f"is under {probe}, which is a file"
        raise InputError.single(f"{path} {where}; give a directory", field_path=option)
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputError.single(
            f"{path}: cannot write in {probe} (permission denied)", field_path=option
        )


DaskOpt = Annotated[
    str | None, typer.Option("--dask", help="'local': run the chunks on a Dask LocalCluster.")
]
SchedulerOpt = Annotated[
    str | None, typer.Option(help="Run the chunks on a Dask scheduler, tcp://HOST:PORT.")
]


def _scheduler(dask: str | None, scheduler: str | None) -> str | None:
    """The Dask scheduler chosen by --dask local or --scheduler ADDRESS (None: local pool)."""
    if dask not in (None, "local"):
        raise InputError.single(
            f"--dask takes 'local', not {dask!r} (use --scheduler ADDRESS)", field_path="--dask"
        )
    if dask and scheduler:
        raise InputError.single(
            "give --dask local or --scheduler, not both", field_path="--scheduler"
        )
    return scheduler or dask


ScenarioArg = Annotated[Path, typer.Argument(help="Scenario file (YAML).", show_default=False)]


@app.command()
@_input_errors
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario file; report every problem as FILE:LINE:COL: field: message."""
    from iadsim.engine.preflight import check_run
    from iadsim.scenario import load_scenario

    s = load_scenario(scenario)
    check_run(s)  # valid field by field is not enough: the run must be possible too
    out.print(
        f"{scenario}: valid ({len(s.raids)} raids, {len(s.fire_units)} fire units, "
        f"variants: {', '.join(s.variant_names())})",
        highlight=False,
    )


@app.command()
@_input_errors
def run(
    scenario: ScenarioArg,
    variant: Annotated[
        list[str] | None,
        typer.Option("--variant", "-v", help="Variant to run (repeatable); default all."),
    ] = None,
    replications: Annotated[int | None, typer.Option("--replications", "-n", min=1)] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Root seed.")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes; default all cores.")
    ] = None,
    chunk_size: Annotated[int | None, typer.Option(min=1)] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Results directory; default out/<scenario>.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    report: Annotated[bool, typer.Option("--report", help="Also write the HTML report.")] = False,
    dask: DaskOpt = None,
    scheduler: SchedulerOpt = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue an interrupted run from its chunks.")
    ] = False,
) -> None:
    """Run a scenario's Monte Carlo replications; print the summary; write Parquet results."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    import iadsim
    from iadsim.report.console import summary_tables

    executor = _scheduler(dask, scheduler)
    s = iadsim.load_scenario(scenario)
    target = out_dir or Path("out") / s.name
    _check_out_dir(target)
    show = not quiet and not as_json
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not show,
        transient=False,
    )

    def progress(name: str, total: int):
        task = bar.add_task(name, total=total)
        return lambda n: bar.advance(task, n)

    with bar:
        results = iadsim.run(
            s,
            variant,
            replications=replications,
            seed=seed,
            workers=workers,
            chunk_size=chunk_size,
            out_dir=target,
            progress=progress,
            scheduler=executor,
            resume=resume,
        )
    report_path = None
    if report:
        from iadsim.report.html import build_report

        report_path = build_report(results.directory)
    if as_json:
        payload = {
            "scenario": s.name,
            "directory": str(results.directory),
            "variants": {k: v.summary for k, v in results.variants.items()},
            "report": str(report_path) if report_path else None,
        }
        sys.stdout.write(json.dumps(payload, indent=2, default=float) + "\n")
        return
    for v in results.variants.values():
        for table in summary_tables(v.summary):
            out.print(table)
        out.print()
    out.print(
        f"Results: {results.directory}/<variant>/threats.parquet, fire_units.parquet",
        highlight=False,
    )
    if report_path:
        out.print(f"Report: {report_path}", highlight=False)


ResultsArg = Annotated[
    Path, typer.Argument(help="Results directory of `iadsim run` (or one variant's).")
]


def _results_dir(path: Path) -> Path:
    if not path.is_dir():
        raise InputError.single("not a results directory (run `iadsim run` first)", path)
    if not (path / "run.json").exists() and not any(path.glob("*/run.json")):
        raise InputError.single("no run.json here or in its sub-directories", path)
    return path


@app.command()
@_input_errors
def report(
    results_dir: ResultsArg,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Default RESULTS_DIR/report.html.")
    ] = None,
    hillshade: Annotated[bool, typer.Option(help="Include the DEM hillshade layer.")] = True,
    coverage: Annotated[bool, typer.Option(help="Include radar coverage layers.")] = True,
) -> None:
    """One self-contained HTML report (map, plots, tables, sources) that opens with no network."""
    from iadsim.report.html import build_report

    path = build_report(_results_dir(results_dir), out_file, hillshade=hillshade, coverage=coverage)
    out.print(f"Report: {path}", highlight=False)


@app.command()
@_input_errors
def export(
    results_dir: ResultsArg,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Default RESULTS_DIR/exports.")
    ] = None,
    figures: Annotated[bool, typer.Option(help="Also PNG and SVG publication figures.")] = True,
) -> None:
    """GeoJSON, KML/KMZ (Google Earth) and CZML (CesiumJS replay), plus PNG/SVG figures."""
    from iadsim.report.exports import write_exports

    paths = write_exports(_results_dir(results_dir), out_dir, figures=figures)
    for p in paths:
        out.print(str(p), highlight=False)


@app.command()
@_input_errors
def coverage(
    scenario: ScenarioArg,
    region: Annotated[
        str | None,
        typer.Option(help="Share of a region's area covered: a country or a GeoJSON polygon."),
    ] = None,
    rcs_m2: Annotated[float | None, typer.Option("--rcs-m2", help="--region: RCS [m²].")] = None,
    threat: Annotated[str | None, typer.Option(help="--region: catalog threat.")] = None,
    cell_km: Annotated[float, typer.Option(help="--region: cell size [km].")] = 2.0,
    asset_radius_km: Annotated[float, typer.Option(help="--region: asset disk [km].")] = 50.0,
    altitudes: Annotated[str, typer.Option(help="Altitude bands above ground [m].")] = (
        "30,100,300,1000"
    ),
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Default out/<scenario>/coverage[/<variant>]."),
    ] = None,
    variant: Annotated[
        str | None,
        typer.Option("--variant", "-v", help="Map only this variant's radars; default all."),
    ] = None,
) -> None:
    """Terrain coverage maps: per radar and for their union, a minimum-detectable-height raster
    (GeoTIFF, GDAL GROUND convention), polygons per altitude band (GeoJSON), a PNG and
    coverage.json (each radar's site, antenna height and sector as used).
    With --region: the share of the region and of each asset's surroundings covered."""
    if region is not None:
        from iadsim.cli_plan import coverage_region

        return coverage_region(
            scenario,
            region,
            altitudes=altitudes,
            rcs_m2=rcs_m2,
            threat=threat,
            cell_km=cell_km,
            asset_radius_km=asset_radius_km,
            out_dir=out_dir,
            variant=variant,
            console=out,
        )
    from iadsim.report.coverage import coverage_maps
    from iadsim.scenario import load_scenario

    try:
        bands = [float(a) for a in altitudes.split(",") if a.strip()]
    except ValueError:
        raise InputError.single(f"--altitudes must be numbers in metres: {altitudes!r}") from None
    s = load_scenario(scenario)
    if variant is not None and variant not in s.variant_names():
        raise InputError.single(
            f"unknown variant '{variant}'; known: {', '.join(s.variant_names())}",
            field_path="--variant",
        )
    target = out_dir or Path("out") / s.name / "coverage" / (variant or "")
    summary = coverage_maps(s, target, bands, variant)
    which = f"variant '{variant}'" if variant else "every radar of the scenario (all variants)"
    out.print(
        f"Coverage maps of {which}: {', '.join(summary['maps'])} (bands {altitudes} m AGL) "
        f"in {target}",
        highlight=False,
    )


@app.command()
@_input_errors
def compare(
    scenario: ScenarioArg,
    options: Annotated[
        Path | None,
        typer.Option(
            "--options", help="YAML list of options (variant schema) replacing the variants."
        ),
    ] = None,
    replications: Annotated[int | None, typer.Option("--replications", "-n", min=1)] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Root seed.")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes; default all cores.")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Default out/<scenario>/compare.")
    ] = None,
    baseline: Annotated[
        str | None, typer.Option(help="Option compared with; default the first.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
    uncertainty: Annotated[
        int | None, typer.Option(min=2, help="Also rank under uncertainty: N base samples.")
    ] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print one CSV row per option.")] = False,
) -> None:
    """Compare defence options (the scenario's variants, or --options) with paired
    differences against a baseline; write compare.json and compare.png."""
    import iadsim
    from iadsim.analysis.compare import compare as compare_options
    from iadsim.analysis.compare import options_scenario, plot_p_leak, to_json
    from iadsim.atomic import atomic_path

    s = iadsim.load_scenario(scenario)
    if options is not None:
        s = options_scenario(s, options)
    names = s.variant_names()
    if baseline is not None and baseline not in names:
        raise InputError.single(
            f"unknown baseline '{baseline}'; options: {', '.join(names)}",
            field_path="--baseline",
        )
    target = out_dir or Path("out") / s.name / "compare"
    _check_out_dir(target)
    results = iadsim.run(s, replications=replications, seed=seed, workers=workers, out_dir=target)
    result = compare_options(results, baseline)
    if uncertainty:  # iadsim uncertainty over the options (cli_uncertainty.py)
        from iadsim.cli_uncertainty import compare_uncertainty

        result["uncertainty"] = compare_uncertainty(s, result, uncertainty, workers, seed, target)
    text = to_json(result)
    with atomic_path(target / "compare.json", ".json") as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
    plot_p_leak(result, target / "compare.png")
    if as_json:
        sys.stdout.write(text + "\n")
        return
    if as_csv:
        from iadsim.report.console import compare_rows

        write_csv(compare_rows(result), sys.stdout)
        return
    from iadsim.report.console import compare_class_cost_table, compare_table

    base = result["baseline"]
    table = compare_table(result, s.name)
    out.print(table)
    out.print(compare_class_cost_table(result))
    out.print(
        f"Δ leakers: option - {base} per replication, paired (common random numbers); "
        "* significant at 0.05. Cost per kill: interceptor cost / threats killed; "
        "cost-exchange: interceptor cost / unit cost of the threats killed (percentile "
        "bootstrap intervals).",
        highlight=False,
    )
    out.print(f"Wrote {target / 'compare.json'} and {target / 'compare.png'}", highlight=False)
    if uncertainty:
        out.print(result["uncertainty"]["text"], highlight=False, soft_wrap=True)


@app.command()
@_input_errors
def sweep(
    scenario: ScenarioArg,
    vary: Annotated[
        list[str],
        typer.Option(
            "--vary",
            help="PATH=VALUES, repeatable: an inclusive integer range with its step "
            "(raids[0].count=2:12:2) or a list (doctrine.salvo_size=1,2).",
        ),
    ],
    replications: Annotated[int | None, typer.Option("--replications", "-n", min=1)] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes; default all cores.")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Default out/<scenario>/sweep.")
    ] = None,
    variant: Annotated[
        list[str] | None,
        typer.Option("--variant", "-v", help="Variant to run (repeatable); default all."),
    ] = None,
    dask: DaskOpt = None,
    scheduler: SchedulerOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the sweep as JSON.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the sweep as CSV.")] = False,
) -> None:
    """Run the scenario over a grid of field values (same root seed at every point); write
    sweep.parquet, sweep.duckdb (views sweep, threats) and saturation.png."""
    import iadsim
    from iadsim.analysis.sweep import apply_values, parse_vary
    from iadsim.analysis.sweep import sweep as run_sweep

    grid: dict[str, list] = {}
    s = iadsim.load_scenario(scenario)
    for arg in vary:
        path, values = parse_vary(arg)
        if path in grid:
            raise InputError.single(f"--vary {arg!r}: {path} is given twice")
        for value in values:  # each value alone, before anything runs
            label = f"--vary {arg!r} ({path}={value!r})"
            _check_point(apply_values(s, {path: value}, label=label), label, replications)
        grid[path] = values
    if variant:
        known = s.variant_names()
        for v in variant:
            if v not in known:
                raise InputError.single(
                    f"unknown variant '{v}'; known: {', '.join(known)}", field_path="--variant"
                )
    target = out_dir or Path("out") / s.name / "sweep"
    _check_out_dir(target)

    def progress(i: int, n: int, values: dict) -> None:
        shown = ", ".join(f"{k}={v}" for k, v in values.items())
        err.print(f"point {i + 1}/{n}: {shown}", highlight=False)

    frame = run_sweep(
        s,
        grid,
        variant,
        replications=replications,
        workers=workers,
        out_dir=target,
        progress=progress,
        scheduler=_scheduler(dask, scheduler),
    )
    if as_json or as_csv:
        # one row per point, variant and threat class, as in sweep.parquet
        if as_json:
            sys.stdout.write(frame.to_json(orient="records", indent=2) + "\n")
        else:
            frame.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    from iadsim.report.console import sweep_table

    table = sweep_table(frame, grid, s.name)
    out.print(table)
    out.print(
        f"Wrote {target / 'sweep.parquet'}, {target / 'sweep.duckdb'} (views sweep, threats), "
        f"{target / 'saturation.png'}",
        highlight=False,
    )


from iadsim.cli_catalog import register as _register_catalog  # noqa: E402 (its own module)

_register_catalog(catalog_app, _input_errors, out)

from iadsim.cli_uncertainty import uncertainty_command  # noqa: E402 (its own module)

app.command("uncertainty")(_input_errors(uncertainty_command))

from iadsim.cli_plan import register as _register_plan  # noqa: E402

_register_plan(app, _input_errors, out, err)

from iadsim.cli_serve import register as _register_serve  # noqa: E402

_register_serve(app, _input_errors, out, err)


#: Allocations between two collections of the youngest generation (CPython's default: 700).
GC_THRESHOLD = 50_000


def main() -> None:
    """Console entry point."""
    # The imports of a run (numba, SciPy, Arrow, pydantic...) make some 100,000 long-lived
    # objects, and at the default threshold of 700 allocations the collector walked them in
    # 390 collections, 0.2 s of a 3 s run. At 50,000 it takes five. Cyclic garbage can wait
    # that long: it is at most a few megabytes.
    gc.set_threshold(GC_THRESHOLD, 20, 20)
    try:
        app()
    finally:
        # At exit the interpreter's last collections walk every object the imports made:
        # 0.3-0.5 s more. Frozen objects are not walked; they are still finalised, and the
        # atexit handlers still run.
        gc.freeze()


if __name__ == "__main__":
    main()
