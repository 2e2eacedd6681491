"""`iadsim coverage` writes its maps; outputs are atomic and readable by others."""

from __future__ import annotations

import json
import stat

import pytest
import rasterio
from shapely.geometry import shape
from typer.testing import CliRunner

import iadsim
from iadsim.cli import app


def test_coverage_on_al_asad_example(tmp_path):
    out = tmp_path / "cov"
    result = CliRunner().invoke(
        app,
        [
            "coverage",
            "examples/iraq-2020-al-asad.yaml",
            "--altitudes",
            "100,1000",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    for name in ("union", "s400-al-asad_92n6e", "s400-acquisition"):
        with rasterio.open(out / f"{name}.tif") as ds:
            grid = ds.read(1)
            assert ds.crs.to_epsg() == 4326
        seen = grid[grid == grid]  # not NaN
        assert seen.size > 0 and (seen >= 0).all()
        polygons = json.loads((out / f"{name}.geojson").read_text())
        bands = {f["properties"]["altitude_m"]: shape(f["geometry"]) for f in polygons["features"]}
        assert set(bands) == {100.0, 1000.0}
        assert all(g.is_valid for g in bands.values())
        # a higher band is seen wherever a lower one is
        assert bands[1000.0].buffer(1e-6).contains(bands[100.0])
        assert (out / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        mode = stat.S_IMODE((out / f"{name}.tif").stat().st_mode)
        assert mode & stat.S_IRGRP, oct(mode)


def test_interrupted_run_leaves_nothing(tmp_path):
    scenario = iadsim.load_scenario("examples/depot-drone-raid.yaml")

    def progress(name, total):
        def tick(n):
            raise KeyboardInterrupt

        return tick

    with pytest.raises(KeyboardInterrupt):
        iadsim.run(
            scenario,
            ["tor-m2"],
            replications=300,
            chunk_size=100,
            workers=1,
            out_dir=tmp_path,
            progress=progress,
        )
    assert not (tmp_path / "tor-m2").exists()
    assert not list(tmp_path.glob(".tmp-*")), list(tmp_path.iterdir())
