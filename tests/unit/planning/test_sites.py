"""Candidate sites and units: exclusions, and sector radars facing the threat axis."""

from __future__ import annotations

import pytest
import shapely

from iadsim.planning.region import load_region
from iadsim.planning.schema import load_plan
from iadsim.planning.sites import (
    Candidate,
    candidate_sites,
    make_units,
    on_water,
    threat_axis_deg,
)
from iadsim.terrain import Dem


def test_sector_radars_face_the_raids(tiny_plan):
    plan = load_plan(tiny_plan)
    # the raid is launched from 33.6 N 46.3 E: east of every site
    assert threat_axis_deg(plan, 33.6, 44.3) == pytest.approx(90.0, abs=2.0)
    data = tiny_plan.read_text().replace(
        "  - {name: buk, system: buk-m3, max_count: 2}",
        "  - {name: buk, system: buk-m3, max_count: 2}\n  - {name: s300, system: s-300pmu2}",
    )
    p = tiny_plan.with_name("s300.yaml")
    p.write_text(data)
    plan = load_plan(p)
    units, _, _, cost = make_units(plan, [Candidate("x", 33.6, 44.3)], plan.catalog)
    s300 = units[[m.name for m in plan.menu].index("s300")]
    assert s300.sector_width_deg == 90.0  # the 30N6E2's sector
    assert s300.sector_center_deg == pytest.approx(90.0, abs=2.0)
    tor = units[0]
    assert tor.sector_width_deg == 360.0
    assert cost[0] == plan.catalog.systems["tor-m2"].fire_unit.acquisition_cost_usd.si()


def test_grid_sites_respect_the_border_buffer(tiny_plan):
    text = tiny_plan.read_text().replace(
        "candidates:\n", "candidates:\n  grid: {spacing_km: 20, border_buffer_km: 30}\n"
    )
    p = tiny_plan.with_name("grid.yaml")
    p.write_text(text)
    plan = load_plan(p)
    region = load_region(str(tiny_plan.with_name("square.geojson")))
    sites, stats = candidate_sites(plan, region, Dem.default())
    grid = [s for s in sites if s.name.startswith("g")]
    assert stats["border"] > 0 and grid
    inner = region.projected.buffer(-30_000.0)
    x, y = region.to_xy([s.lon for s in grid], [s.lat for s in grid])
    assert shapely.contains_xy(inner, x, y).all()
    assert len(grid) == stats["grid"] - stats["border"] - stats["water"] - stats["slope"]


def test_lakes_and_sea_are_water_and_plains_are_not():
    dem = Dem.default()
    water = {
        "tharthar": (33.98, 43.18),  # GLOBE: 36 m over the whole lake
        "tharthar-south": (33.76, 43.313),  # a 40 km-lattice site the sky plan once used
        "razzaza": (32.70, 43.60),
        "dukan": (36.12, 44.94),
        "gulf": (29.6, 49.6),  # sea: no-data
    }
    land = {
        "baghdad": (33.2625, 44.2344),
        "al-asad": (33.80, 42.4333),
        "erbil": (36.2375, 43.9631),
        "basra": (30.5491, 47.6621),
        "alluvial-plain": (32.50, 45.00),  # the flattest land in Iraq
        "western-desert": (32.0, 40.5),
    }
    lat = [p[0] for p in (*water.values(), *land.values())]
    lon = [p[1] for p in (*water.values(), *land.values())]
    flags = on_water(dem, lat, lon)
    assert flags[: len(water)].all(), dict(zip(water, flags[: len(water)], strict=True))
    assert not flags[len(water) :].any(), dict(zip(land, flags[len(water) :], strict=True))


def test_a_level_patch_of_a_synthetic_dem_is_water():
    import numpy as np

    from iadsim.terrain.synthetic import synthetic_dem

    z = np.add.outer(np.arange(60.0), np.arange(60.0)) * 0.5  # a gentle incline: 0.5 m a pixel
    z[20:40, 20:40] = 7.0  # a lake
    dem = synthetic_dem(z, 900.0, 33.0, 44.0)
    lat, lon = 33.0, 44.0  # the centre of the DEM, inside the level patch
    assert on_water(dem, [lat], [lon])[0]
    assert not on_water(dem, [lat + 0.15], [lon + 0.15])[0]  # on the incline
