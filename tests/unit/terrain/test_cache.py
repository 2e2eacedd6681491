"""The on-disk cache of coverage tables: a hit returns exactly the marched table, any change
of input misses, and a broken or disabled cache only costs time."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.terrain import cache, coverage_table
from iadsim.terrain import synthetic as syn


@pytest.fixture
def dem():
    return syn.synthetic_dem(syn.smooth_random(201, 201, seed=4), 200.0, 33.0, 44.0)


def _table(dem, height=10.0):
    return coverage_table(dem, 33.0, 44.0, height, 15e3, az_step_deg=2.0)


def test_hit_is_the_marched_table(dem, tmp_path, monkeypatch):
    monkeypatch.setenv("IADSIM_CACHE_DIR", str(tmp_path))
    first = _table(dem)
    assert len(cache.entries(tmp_path / "coverage")) == 1
    marched = []
    monkeypatch.setattr("iadsim.terrain.coverage._march", lambda *a: marched.append(a))
    second = _table(dem)  # from the cache: marching would fail here
    assert not marched
    for name in ("ground_grid_m", "min_visible_agl_grid_m", "off_dem"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))


def test_changed_inputs_miss(dem, tmp_path, monkeypatch):
    monkeypatch.setenv("IADSIM_CACHE_DIR", str(tmp_path))
    a = _table(dem, 10.0)
    b = _table(dem, 30.0)  # another antenna height: another table
    other = syn.synthetic_dem(syn.smooth_random(201, 201, seed=5), 200.0, 33.0, 44.0)
    c = _table(other, 10.0)  # another DEM: another table
    assert len(cache.entries(tmp_path / "coverage")) == 3
    assert not np.array_equal(a.min_visible_agl_grid_m, b.min_visible_agl_grid_m)
    assert not np.array_equal(a.ground_grid_m, c.ground_grid_m)


def test_corrupt_entry_is_marched_again(dem, tmp_path, monkeypatch):
    monkeypatch.setenv("IADSIM_CACHE_DIR", str(tmp_path))
    good = _table(dem)
    (entry,) = cache.entries(tmp_path / "coverage")
    (entry / "min_agl.npy").write_bytes(b"not an npy")
    again = _table(dem)
    np.testing.assert_array_equal(good.min_visible_agl_grid_m, again.min_visible_agl_grid_m)


def test_off_writes_nothing(dem, tmp_path, monkeypatch):
    monkeypatch.setenv("IADSIM_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    _table(dem)
    assert cache.cache_dir() is None and not any(tmp_path.rglob("*.npy"))


def test_eviction_keeps_the_newest(dem, tmp_path, monkeypatch):
    monkeypatch.setenv("IADSIM_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("IADSIM_CACHE_MAX_GB", "1e-9")  # room for one entry only
    _table(dem, 10.0)
    _table(dem, 20.0)
    assert len(cache.entries(tmp_path / "coverage")) == 1


def test_hit_is_mapped_copy_on_write(dem, tmp_path, monkeypatch):
    monkeypatch.setenv("IADSIM_CACHE_DIR", str(tmp_path))
    _table(dem)
    hit = _table(dem)
    assert isinstance(hit.min_visible_agl_grid_m, np.memmap)  # pages read on demand
    saved = hit.min_visible_agl_grid_m[3, 5]
    hit.min_visible_agl_grid_m[3, 5] = -1.0  # a caller writing to its table...
    np.testing.assert_equal(_table(dem).min_visible_agl_grid_m[3, 5], saved)  # ...never reaches it


def test_the_key_holds_the_code_that_builds_the_table(dem):
    """An edit of the ray march must miss: its source is part of the key."""
    from iadsim.terrain import coverage

    params = {"lat": 33.0, "lon": 44.0}
    key = cache.table_key(dem, coverage._TABLE_CODE, **params)
    assert key == cache.table_key(dem, coverage._TABLE_CODE, **params)
    assert key != cache.table_key(dem, (coverage.coverage_table,), **params)
    assert key != cache.table_key(dem, (coverage.coverage_table, _table), **params)
