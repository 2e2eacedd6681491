"""``iadsim plan`` and ``iadsim coverage --region``: the planning commands.

Registered on the main app by :func:`register`; every heavy import happens inside the
commands, so ``iadsim --help`` stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from iadsim.errors import InputError

DEFAULT_REGION_BANDS = "30,100,300,1000,5000,10000"


def parse_bands(text: str, option: str = "--altitudes") -> list[float]:
    try:
        bands = [float(a) for a in text.split(",") if a.strip()]
    except ValueError:
        raise InputError.single(f"{option} must be numbers in metres: {text!r}") from None
    if not bands or any(not (b > 0) for b in bands):
        raise InputError.single(f"{option} must be positive heights in metres", field_path=option)
    return bands


def resolve_target(catalog, threat: str | None, rcs_m2: float | None, field: str = "--threat"):
    """The coverage target: a catalog threat (its RCS, class and speed), or a bare RCS."""
    from iadsim.planning.rules import Target

    if threat is None and rcs_m2 is None:
        raise InputError.single(
            "region coverage needs a target: give --rcs-m2 or --threat", field_path=field
        )
    if threat is not None:
        entry = catalog.threats.get(threat)
        if entry is None:
            known = ", ".join(sorted(catalog.threats))
            raise InputError.single(f"unknown threat '{threat}'; known: {known}", field_path=field)
        t = Target.from_catalog(entry)
        if rcs_m2 is not None:
            t = Target(f"{t.name}@{rcs_m2:g}m2", float(rcs_m2), t.threat_class, t.speed_mps)
        return t
    if not (rcs_m2 > 0):
        raise InputError.single("--rcs-m2 must be positive", field_path="--rcs-m2")
    return Target(f"rcs-{rcs_m2:g}m2", float(rcs_m2))


def coverage_table(cov, title: str):
    """A rich table: share of the region and of each asset's surroundings per band."""
    from rich.table import Table

    table = Table(title=title)
    table.add_column("kind")
    table.add_column("band [m AGL]", justify="right")
    table.add_column("region covered", justify="right")
    table.add_column("area [km²]", justify="right")
    for name in cov.cells.asset_names:
        table.add_column(name, justify="right")
    for row in cov.table():
        table.add_row(
            row["kind"],
            f"{row['band_m']:g}",
            f"{100 * row['share']:.1f}%",
            f"{row['area_km2']:,.0f}",
            *[f"{100 * v:.1f}%" for v in row["assets"].values()],
        )
    return table


def write_coverage_outputs(cov, target_dir: Path, stem: str, assets) -> list[Path]:
    """coverage.json, and per kind a GeoTIFF, a GeoJSON and a map PNG."""
    import json

    from iadsim.atomic import atomic_path
    from iadsim.planning.maps import coverage_geojson, coverage_map_png, coverage_tif

    paths = []
    target_dir.mkdir(parents=True, exist_ok=True)
    payload = {
        "region": cov.region.name,
        "region_area_km2": cov.region.area_km2,
        "cell_m": cov.cells.cell_m,
        "cells_in_region": cov.cells.n_region,
        "target": {
            "name": cov.target.name,
            "rcs_m2": cov.target.rcs_m2,
            "threat_class": cov.target.threat_class,
        },
        "units": [u.name for u in cov.units],
        "rows": cov.table(),
    }
    p = target_dir / f"{stem}.json"
    with atomic_path(p, ".json") as tmp:
        tmp.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    paths.append(p)
    for kind in cov.counts:
        paths.append(coverage_tif(cov, kind, target_dir / f"{stem}-{kind}.tif"))
        coverage_geojson(cov, kind, target_dir / f"{stem}-{kind}.geojson")
        paths.append(target_dir / f"{stem}-{kind}.geojson")
        paths.append(coverage_map_png(cov, kind, target_dir / f"{stem}-{kind}.png", assets=assets))
    return paths


def coverage_region(
    scenario_path: Path,
    region: str,
    *,
    altitudes: str,
    rcs_m2: float | None,
    threat: str | None,
    cell_km: float,
    asset_radius_km: float,
    out_dir: Path | None,
    variant: str | None = None,
    console=None,
) -> None:
    """``iadsim coverage SCENARIO --region R``: shares of the region's area covered."""
    from rich.console import Console

    from iadsim.planning.coverage import scenario_coverage
    from iadsim.planning.region import load_region
    from iadsim.scenario import load_scenario
    from iadsim.scenario.loader import resolve_terrain
    from iadsim.terrain import Dem

    out = console or Console()
    bands = parse_bands(DEFAULT_REGION_BANDS if altitudes == "30,100,300,1000" else altitudes)
    if not (cell_km > 0) or not (asset_radius_km > 0):
        raise InputError.single("--cell-km and --asset-radius-km must be positive")
    s = load_scenario(scenario_path)
    if variant is not None and variant not in s.variant_names():
        raise InputError.single(
            f"unknown variant '{variant}'; known: {', '.join(s.variant_names())}",
            field_path="--variant",
        )
    reg = load_region(region, field_path="--region")
    target = resolve_target(s.effective_catalog, threat, rcs_m2)
    dem = resolve_terrain(s)
    if dem is None and s.terrain.dem != "none":
        dem = Dem.default()
    cov = scenario_coverage(
        s,
        reg,
        target,
        variant=variant,
        cell_m=cell_km * 1000.0,
        bands_m=bands,
        asset_radius_m=asset_radius_km * 1000.0,
        dem=dem,
    )
    stem = f"region-{reg.name.lower().replace(' ', '-')}"
    target_dir = out_dir or Path("out") / s.name / "coverage" / (variant or "all")
    out.print(
        coverage_table(
            cov,
            f"{s.name}{' / ' + variant if variant else ''}: {reg.name} "
            f"({reg.area_km2:,.0f} km², {cov.cells.n_region:,} cells of {cell_km:g} km), "
            f"target {target.name}",
        )
    )
    assets = [(a.name, a.lat, a.lon) for a in s.assets]
    paths = write_coverage_outputs(cov, target_dir, stem, assets)
    out.print(
        "Detection: some radar sees the target with Pd >= 0.5 per scan. Engagement: some fire "
        "unit has an intercept solution on its own radar's track. Asset columns: share of the "
        f"{asset_radius_km:g} km disk around each asset.",
        highlight=False,
    )
    out.print(f"Wrote {', '.join(str(p) for p in paths if p)}", highlight=False)


def register(app: typer.Typer, input_errors, out, err) -> None:
    """Add ``iadsim plan`` to the app."""

    @app.command("plan")
    @input_errors
    def plan_cmd(
        plan_file: Annotated[Path, typer.Argument(help="Planning file (YAML).")],
        out_dir: Annotated[
            Path | None, typer.Option("--out", help="Default out/plan-<name>.")
        ] = None,
        cache_dir: Annotated[
            Path | None,
            typer.Option(help="Coverage cache; default $IADSIM_CACHE_DIR or ~/.cache/iadsim."),
        ] = None,
        workers: Annotated[
            int | None, typer.Option(min=1, help="Processes for the coverage matrix and stage 2.")
        ] = None,
        no_refine: Annotated[
            bool, typer.Option("--no-refine", help="Stage 1 only (no simulation).")
        ] = False,
    ) -> None:
        """Site air defence for a region: budget-coverage table, scenario, plot and map."""
        from iadsim.planning.plan import print_plan, run_plan
        from iadsim.planning.schema import load_plan

        plan = load_plan(plan_file)
        result = run_plan(
            plan,
            out_dir=out_dir,
            cache_dir=cache_dir,
            workers=workers,
            refine=not no_refine,
            log=lambda msg: err.print(msg, highlight=False),
        )
        print_plan(result, out)
