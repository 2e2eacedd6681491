"""The ``iadsim`` command line (typer). Heavy imports happen inside the commands.

Bad input never shows a traceback: it is printed as ``FILE:LINE:COL: field: message`` on
stderr and the exit status is 2.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from iadsim.errors import EXIT_INPUT_ERROR, InputError

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

out = Console()
err = Console(stderr=True)


def _input_errors(fn):
    """Turn InputError into one message per problem on stderr and exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            for problem in exc.problems:
                err.print(problem.format(), markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_INPUT_ERROR) from None

    return wrapper


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
    from iadsim.scenario import load_scenario

    s = load_scenario(scenario)
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
    altitudes: Annotated[str, typer.Option(help="Altitude bands above ground [m].")] = (
        "30,100,300,1000"
    ),
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Default out/<scenario>/coverage.")
    ] = None,
) -> None:
    """Terrain coverage maps: per radar and for their union, a minimum-detectable-height raster
    (GeoTIFF, GDAL GROUND convention), polygons per altitude band (GeoJSON) and a PNG."""
    from iadsim.atomic import AtomicDir
    from iadsim.catalog import load_catalog
    from iadsim.engine.prepare import radar_sites, site_table
    from iadsim.report.coverage import coverage_polygons, coverage_raster, quicklook_png
    from iadsim.scenario import load_scenario
    from iadsim.scenario.loader import resolve_terrain
    from iadsim.terrain import Dem

    try:
        bands = [float(a) for a in altitudes.split(",") if a.strip()]
    except ValueError:
        raise InputError.single(f"--altitudes must be numbers in metres: {altitudes!r}") from None
    s = load_scenario(scenario)
    dem = resolve_terrain(s)
    if dem is None:
        dem = Dem.default()
        if not all(bool(dem.contains(f.lat, f.lon)) for f in [*s.fire_units, *s.sensors]):
            raise InputError.single(
                "coverage maps need terrain: the radars lie outside the packaged DEM; "
                "give one with terrain.dem",
                scenario,
                field_path="terrain.dem",
            )
    sites = radar_sites(s.fire_units, s.sensors, load_catalog())
    if not sites:
        raise InputError.single("the scenario has no radars (fire units or sensors)", scenario)
    k = s.propagation.k_factor
    tables = [
        site_table(dem, site, k, s.terrain.az_step_deg, s.terrain.range_step_m) for site in sites
    ]
    target = out_dir or Path("out") / s.name / "coverage"
    written = []
    with AtomicDir(target) as tmp:
        groups = [(site.name.replace("/", "_"), [t]) for site, t in zip(sites, tables, strict=True)]
        groups.append(("union", tables))
        for name, group in groups:
            raster = coverage_raster(group, tmp / f"{name}.tif", dem=dem)
            coverage_polygons(raster, bands, tmp / f"{name}.geojson")
            quicklook_png(raster, tmp / f"{name}.png", group, title=f"{s.name}: {name}")
            written.append(name)
    out.print(
        f"Coverage maps for {', '.join(written)} (bands {altitudes} m AGL) in {target}",
        highlight=False,
    )


@catalog_app.callback()
@_input_errors
def catalog_list(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """List every system and threat in the catalog."""
    if ctx.invoked_subcommand is not None:
        return
    from iadsim.catalog import load_catalog
    from iadsim.catalog.present import catalog_table, entry_as_dict

    cat = load_catalog()
    if as_json:
        entries = [*cat.systems.values(), *cat.threats.values()]
        sys.stdout.write(json.dumps([entry_as_dict(e) for e in entries], indent=2) + "\n")
        return
    out.print(catalog_table(cat))


@catalog_app.command("show")
@_input_errors
def catalog_show(
    name: Annotated[str, typer.Argument(help="System or threat name.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show every figure of one entry with its value, unit, claim type and sources."""
    from iadsim.catalog import load_catalog
    from iadsim.catalog.present import entry_as_dict, entry_tables

    cat = load_catalog()
    entry = cat.systems.get(name) or cat.threats.get(name)
    if entry is None:
        known = ", ".join(sorted([*cat.systems, *cat.threats]))
        raise InputError.single(
            f"unknown catalog entry '{name}'; known: {known}", field_path="name"
        )
    if as_json:
        sys.stdout.write(json.dumps(entry_as_dict(entry), indent=2) + "\n")
        return
    for table in entry_tables(entry):
        out.print(table)


@catalog_app.command("docs")
@_input_errors
def catalog_docs(
    out_file: Annotated[Path, typer.Option("--out", help="Markdown file to write.")] = Path(
        "docs/catalog.md"
    ),
) -> None:
    """Write the catalog documentation page (one table per entry, sources linked)."""
    from iadsim.atomic import atomic_path
    from iadsim.catalog import load_catalog
    from iadsim.catalog.docs import render_markdown

    with atomic_path(out_file, ".md") as tmp:
        tmp.write_text(render_markdown(load_catalog()), encoding="utf-8")
    out.print(f"Wrote {out_file}", highlight=False)


@catalog_app.command("envelope")
@_input_errors
def catalog_envelope(
    system: Annotated[str, typer.Argument(help="Catalog system, e.g. s-400.")],
    threat: Annotated[str, typer.Option("--threat", help="Catalog threat, e.g. fateh-313.")],
    interceptor: Annotated[str | None, typer.Option(help="Default: the system's.")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Output directory.")] = Path(
        "out/envelopes"
    ),
) -> None:
    """Engagement zone (range-altitude diagram) and launch window from the engine's own
    intercept solver and fly-out model, as PNG and SVG, with the published figures marked."""
    from iadsim.catalog import load_catalog
    from iadsim.engagement.envelope import Envelope, launch_window_m, max_intercept_range_m
    from iadsim.report.envelope import envelope_figure, threat_profile

    cat = load_catalog()
    entry = cat.system(system)
    target = cat.threat(threat)
    name = interceptor or entry.fire_unit.default_interceptor
    if name not in entry.interceptors:
        known = ", ".join(sorted(entry.interceptors))
        raise InputError.single(
            f"system '{system}' has no interceptor '{name}'; known: {known}",
            field_path="interceptor",
        )
    env = Envelope.from_catalog(entry.interceptors[name], target.threat_class)
    altitude, speed = threat_profile(target)
    r = max_intercept_range_m(env, altitude, speed)
    first, last = launch_window_m(env, altitude, speed)
    out.print(
        f"{system} / {name} vs {threat} ({target.threat_class}, {speed:.0f} m/s at "
        f"{altitude:.0f} m): max intercept range {r / 1e3:.1f} km "
        f"(published {env.max_range_m / 1e3:.1f} km); launch window "
        f"{first / 1e3:.1f}-{last / 1e3:.1f} km",
        highlight=False,
    )
    for path in envelope_figure(entry, name, target, out_dir):
        out.print(str(path), highlight=False)


def _money(x) -> str:
    if x is None:
        return "-"
    x = float(x)
    if x != x:  # NaN
        return "-"
    if abs(x) >= 1e6:
        return f"${x / 1e6:,.2f}M"
    if abs(x) >= 1e4:
        return f"${x / 1e3:,.0f}k"
    return f"${x:,.0f}"


def _ci(m, lo, hi, fmt: str = "{:.2f}") -> str:
    if m is None:
        return "-"
    if lo is None or hi is None or lo != lo or hi != hi:
        return fmt.format(m)
    return f"{fmt.format(m)}\n[{fmt.format(lo)}, {fmt.format(hi)}]"


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
) -> None:
    """Compare defence options (the scenario's variants, or --options) with paired
    differences against a baseline; write compare.json and compare.png."""
    from rich.table import Table

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
    base = result["baseline"]
    table = Table(title=f"{s.name}: options vs baseline '{base}' (95% intervals)")
    for col in (
        "option",
        "P(leak)",
        "leakers/rep",
        "Δ leakers",
        "p",
        "shots/rep",
        "acquisition",
        "cost per kill",
        "cost-exchange",
    ):
        table.add_column(col, justify="left" if col == "option" else "right")
    for name, o in result["options"].items():
        vs = o["vs_baseline"]
        cpts = o["cost_per_threat_stopped_usd"]
        cer = o["cost_exchange_ratio"]
        table.add_row(
            name,
            _ci(o["p_leak"], o["p_leak_lo"], o["p_leak_hi"], "{:.3f}"),
            _ci(o["leakers_mean"], o["leakers_lo"], o["leakers_hi"]),
            "-" if name == base else _ci(vs["mean"], vs["lo"], vs["hi"], "{:+.2f}"),
            "-" if name == base else f"{vs['p_value']:.2g}{' *' if vs['significant'] else ''}",
            _ci(o["interceptors_mean"], o["interceptors_lo"], o["interceptors_hi"], "{:.1f}"),
            _money(o["acquisition_cost_usd"]),
            "-"
            if cpts["value"] is None
            else f"{_money(cpts['value'])}\n[{_money(cpts['lo'])}, {_money(cpts['hi'])}]",
            _ci(cer["value"], cer["lo"], cer["hi"], "{:.1f}"),
        )
    out.print(table)
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
            apply_values(s, {path: value}, label=f"--vary {arg!r} ({path}={value!r})")
        grid[path] = values
    if variant:
        known = s.variant_names()
        for v in variant:
            if v not in known:
                raise InputError.single(
                    f"unknown variant '{v}'; known: {', '.join(known)}", field_path="--variant"
                )
    target = out_dir or Path("out") / s.name / "sweep"
    n_points = 1
    for values in grid.values():
        n_points *= len(values)

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
    from rich.table import Table

    table = Table(title=f"{s.name}: sweep of {', '.join(grid)} ({n_points} points)")
    for col in [*grid, "variant", "P(leak)", "leakers/rep", "interceptors/rep"]:
        table.add_column(col, justify="right")
    for _, r in frame[frame["threat_class"] == "all"].iterrows():
        table.add_row(
            *[str(r[p]) for p in grid],
            str(r["variant"]),
            _ci(r["p_leak"], r["p_leak_lo"], r["p_leak_hi"], "{:.3f}"),
            _ci(r["leakers_mean"], r["leakers_lo"], r["leakers_hi"]),
            _ci(r["interceptors_mean"], r["interceptors_lo"], r["interceptors_hi"], "{:.1f}"),
        )
    out.print(table)
    out.print(
        f"Wrote {target / 'sweep.parquet'}, {target / 'sweep.duckdb'} (views sweep, threats), "
        f"{target / 'saturation.png'}",
        highlight=False,
    )


from iadsim.cli_uncertainty import uncertainty_command  # noqa: E402 (its own module)

app.command("uncertainty")(_input_errors(uncertainty_command))


def main() -> None:
    """Console entry point."""
    app()


if __name__ == "__main__":
    main()
