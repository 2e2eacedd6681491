"""`iadsim coverage` uses the scenario's catalog (overrides and entries, as the engine does),
maps one variant with --variant, honours sectors, and fits its colour scale to the data."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import rasterio
from ruamel.yaml import YAML
from typer.testing import CliRunner

from iadsim.catalog import load_catalog
from iadsim.cli import app
from iadsim.report.coverage import colour_limit_m

SCENARIO = textwrap.dedent(
    """\
    schema_version: 1
    name: cov
    terrain: {az_step_deg: 1.0, range_step_m: 1000.0}
    assets: [{name: depot, lat: 33.95, lon: 44.35}]
    fire_units:
      - {name: tor, system: tor-m2, lat: 33.955, lon: 44.355}
      - {name: pac, system: patriot-pac3, lat: 33.90, lon: 44.30, sector_center_deg: 90}
    raids:
      - {name: d, threat: shahed-136, launch_points: [{lat: 33.95, lon: 43.95}], aim: depot}
    variants:
      - {name: tor-only, fire_units: [tor]}
      - {name: patriot, fire_units: [pac]}
    CATALOG
    """
)


def _run(tmp_path, catalog_block: str, *args):
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "cov.yaml"
    path.write_text(SCENARIO.replace("CATALOG\n", catalog_block))
    out = tmp_path / "maps"
    result = CliRunner().invoke(app, ["coverage", str(path), "--out", str(out), *args])
    return result, out


def _grid(path):
    with rasterio.open(path) as ds:
        return ds.read(1)


def test_override_raising_the_mast_changes_the_map(tmp_path):
    base, out0 = _run(tmp_path / "a", "", "--variant", "tor-only", "--altitudes", "30")
    override = textwrap.dedent(
        """\
        catalog:
          overrides:
            - entry: tor-m2
              path: radars.tor-m2-radar.antenna_height_m
              figure: {value: 30, unit: m, claim: assumption, note: a mast (test)}
        """
    )
    raised, out1 = _run(tmp_path / "b", override, "--variant", "tor-only", "--altitudes", "30")
    assert base.exit_code == 0 and raised.exit_code == 0, base.output + raised.output
    meta = json.loads((out1 / "coverage.json").read_text())
    assert [r["antenna_height_m"] for r in meta["radars"]] == [30.0]
    # a Tor's map is drawn on a scale fitted to its heights (tens of metres), not 0-2,000 m:
    # the picture shows many colours, not one
    assert meta["maps"]["union"]["colour_scale_max_m"] <= 200.0
    import matplotlib.image

    image = matplotlib.image.imread(out0 / "union.png")[..., :3]
    h, w, _ = image.shape
    inner = image[int(0.3 * h) : int(0.7 * h), int(0.2 * w) : int(0.6 * w)].reshape(-1, 3)
    # inside the map (away from text and colour bar): on 0-2,000 m this was 2 colours
    assert len(np.unique(np.round(inner, 1), axis=0)) >= 8
    assert inner.std(axis=0).sum() > 0.2
    g0, g1 = _grid(out0 / "union.tif"), _grid(out1 / "union.tif")
    seen = np.isfinite(g0) & np.isfinite(g1)
    # a higher antenna sees lower everywhere, and much lower at the edge of its range
    assert (g1[seen] <= g0[seen] + 1e-3).all()
    assert np.nanmean(g0[seen]) - np.nanmean(g1[seen]) > 5.0


def test_entry_defined_system_is_mapped(tmp_path):
    entry = load_catalog().systems["tor-m2"].model_dump(mode="json", exclude_none=True)
    entry.pop("schema_version", None)
    entry["name"] = "tor-local"
    import io

    buf = io.StringIO()
    YAML(typ="safe", pure=True).dump({"catalog": {"entries": [entry]}}, buf)
    text = SCENARIO.replace("system: tor-m2", "system: tor-local")
    path = tmp_path / "cov.yaml"
    path.write_text(text.replace("CATALOG\n", buf.getvalue()))
    out = tmp_path / "maps"
    result = CliRunner().invoke(
        app, ["coverage", str(path), "--out", str(out), "-v", "tor-only", "--altitudes", "30"]
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    meta = json.loads((out / "coverage.json").read_text())
    assert [r["name"] for r in meta["radars"]] == ["tor/tor-m2-radar"]


def test_variant_maps_only_its_radars_and_the_sector(tmp_path):
    result, out = _run(tmp_path, "", "--variant", "patriot", "--altitudes", "300")
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "coverage.json").read_text())
    (radar,) = meta["radars"]
    assert radar["name"] == "pac/an/mpq-65"
    assert (radar["sector_center_deg"], radar["sector_width_deg"]) == (90.0, 120.0)
    grid = _grid(out / "union.tif")
    # west of the site (outside the 30-150 deg sector) nothing is seen; east, much is
    with rasterio.open(out / "union.tif") as ds:
        row, col = ds.index(44.30, 33.90)
    assert np.isfinite(grid[row, col + 20 :]).mean() > 0.5
    assert not np.isfinite(grid[row, : max(col - 3, 1)]).any()


def test_unknown_variant_is_refused(tmp_path):
    result, _ = _run(tmp_path, "", "--variant", "nope")
    assert result.exit_code == 2
    assert "unknown variant 'nope'" in result.output


def test_colour_scale_is_fitted_to_the_data():
    tor_like = np.linspace(0.0, 37.0, 1000)
    assert colour_limit_m(tor_like) == 40.0
    assert colour_limit_m(np.linspace(0.0, 2400.0, 1000)) == 2500.0
    # a few deep shadows do not set the scale
    assert colour_limit_m(np.r_[np.linspace(0, 90, 990), np.full(10, 5000.0)]) == 100.0
    assert colour_limit_m(np.array([np.nan])) == 10.0
