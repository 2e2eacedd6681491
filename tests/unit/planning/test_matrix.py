"""Coverage matrices: the disk cache returns what was computed, keyed by what matters; the
columns do not depend on the number of worker processes."""

from __future__ import annotations

import numpy as np

from iadsim.catalog import load_catalog
from iadsim.planning.matrix import build_matrix
from iadsim.planning.region import grid_cells, load_region
from iadsim.planning.rules import Target
from iadsim.scenario.schema import FireUnit, Sensor
from iadsim.terrain import Dem


def _setup(tmp_path):
    from tests.unit.planning.tiny_plan import write_tiny

    write_tiny(tmp_path)
    region = load_region(str(tmp_path / "square.geojson"))
    cells = grid_cells(region, 8000.0, [("baghdad", 33.2625, 44.2344)], 20_000.0)
    units = [
        FireUnit(name="a", system="tor-m2", lat=33.3, lon=44.3),
        FireUnit(name="b", system="buk-m3", lat=33.3, lon=44.3),
        FireUnit(name="c", system="buk-m3", lat=33.8, lon=44.5),
        Sensor(name="d", system="buk-m3", radar="9s36m", lat=33.5, lon=44.0),
    ]
    return cells, units


def test_cache_hits_are_identical_and_keys_change_with_inputs(tmp_path):
    cells, units = _setup(tmp_path)
    cat, dem = load_catalog(), Dem.default()
    target = Target.from_catalog(cat.threats["soumar"])
    kw = dict(az_step_deg=1.0, range_step_m=2000.0, cache_dir=tmp_path / "cache")
    m1, s1 = build_matrix(units, cells, (100.0, 1000.0), target, cat, dem, **kw)
    assert s1 == {"computed": 4, "cached": 0}
    assert m1.engage[:3].any() and not m1.engage[3].any()  # a sensor engages nothing
    m2, s2 = build_matrix(units, cells, (100.0, 1000.0), target, cat, dem, **kw)
    assert s2 == {"computed": 0, "cached": 4}
    assert np.array_equal(m1.detect, m2.detect) and np.array_equal(m1.engage, m2.engage)
    # another table resolution, band set or target misses the cache
    kw2 = {**kw, "range_step_m": 1000.0}
    _, s3 = build_matrix(units, cells, (100.0, 1000.0), target, cat, dem, **kw2)
    assert s3["computed"] == 4
    _, s4 = build_matrix(units, cells, (100.0,), target, cat, dem, **kw)
    assert s4["computed"] == 4
    _, s5 = build_matrix(units, cells, (100.0, 1000.0), Target("x", 5.0), cat, dem, **kw)
    assert s5["computed"] == 4
    # a renamed unit at the same place is the same column
    renamed = [units[0].model_copy(update={"name": "zz"})]
    _, s6 = build_matrix(renamed, cells, (100.0, 1000.0), target, cat, dem, **kw)
    assert s6 == {"computed": 0, "cached": 1}


def test_workers_do_not_change_the_columns(tmp_path):
    cells, units = _setup(tmp_path)
    cat, dem = load_catalog(), Dem.default()
    target = Target.from_catalog(cat.threats["soumar"])
    kw = dict(az_step_deg=1.0, range_step_m=2000.0)
    m1, _ = build_matrix(units, cells, (100.0, 1000.0), target, cat, dem, **kw)
    m2, _ = build_matrix(units, cells, (100.0, 1000.0), target, cat, dem, workers=2, **kw)
    assert np.array_equal(m1.detect, m2.detect) and np.array_equal(m1.engage, m2.engage)
