"""On a flat synthetic DEM the covered area of one radar is the horizon-formula disk."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from iadsim.catalog import load_catalog
from iadsim.planning.coverage import summarize
from iadsim.planning.matrix import build_matrix
from iadsim.planning.region import grid_cells, load_region
from iadsim.planning.rules import Target
from iadsim.scenario.schema import Sensor
from iadsim.sensors.radar import horizon_range_m
from iadsim.terrain.synthetic import flat, synthetic_dem

LAT0, LON0 = 30.0, 45.0


def test_flat_dem_covered_area_equals_horizon_disk(tmp_path):
    dem = synthetic_dem(flat(401, 401, 0.0), 1000.0, LAT0, LON0)  # +-200 km
    half = 1.75  # deg: a square region well beyond the 1 km-band horizon
    square = {
        "type": "Polygon",
        "coordinates": [
            [
                [LON0 - half, LAT0 - half],
                [LON0 + half, LAT0 - half],
                [LON0 + half, LAT0 + half],
                [LON0 - half, LAT0 + half],
                [LON0 - half, LAT0 - half],
            ]
        ],
    }
    (tmp_path / "sq.geojson").write_text(json.dumps(square))
    region = load_region(str(tmp_path / "sq.geojson"))
    cells = grid_cells(region, 1500.0)
    cat = load_catalog()
    unit = Sensor(name="ew", system="s-400", radar="91n6e", lat=LAT0, lon=LON0)
    antenna = cat.systems["s-400"].radars["91n6e"].antenna_height_m.si()
    bands = (30.0, 100.0, 300.0, 1000.0)
    # a very large RCS: the horizon, not the radar equation, limits the coverage
    m, _ = build_matrix(
        [unit], cells, bands, Target("big", 1e6), cat, dem, az_step_deg=0.25, range_step_m=500.0
    )
    cov = summarize(m, region)
    cell_km2 = (cells.cell_m / 1e3) ** 2
    for b, h in enumerate(bands):
        area = cov.share("detection", b) * cells.n_region * cell_km2
        d_km = horizon_range_m(antenna, h) / 1e3
        disk = math.pi * d_km**2
        assert area == pytest.approx(disk, rel=0.01), (h, area, disk)
    # and the disk lies inside the square (otherwise the test would prove nothing)
    assert horizon_range_m(antenna, 1000.0) < half * 111e3 * math.cos(math.radians(LAT0 + half))
    assert np.all(np.diff([cov.share("detection", b) for b in range(len(bands))]) > 0)
