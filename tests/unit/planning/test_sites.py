"""Candidate sites and units: exclusions, and sector radars facing the threat axis."""

from __future__ import annotations

import pytest
import shapely

from iadsim.planning.region import load_region
from iadsim.planning.schema import load_plan
from iadsim.planning.sites import Candidate, candidate_sites, make_units, threat_axis_deg
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
