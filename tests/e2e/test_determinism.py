"""Identical results whatever the number of workers or the chunk size."""

from __future__ import annotations

import pandas as pd

import iadsim


def _run(tmp_path, name, workers, chunk):
    scenario = iadsim.load_scenario("examples/iraq-2020-al-asad.yaml")
    out = tmp_path / name
    iadsim.run(
        scenario,
        ["s400-tor"],
        replications=300,
        seed=11,
        workers=workers,
        chunk_size=chunk,
        out_dir=out,
    )
    return out / "s400-tor"


def test_one_and_two_workers_write_identical_parquet(tmp_path):
    one = _run(tmp_path, "w1", 1, 100)
    two = _run(tmp_path, "w2", 2, 100)
    for name in ("threats.parquet", "fire_units.parquet", "run.json"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


def test_chunk_size_does_not_change_rows(tmp_path):
    a = pd.read_parquet(_run(tmp_path, "c100", 2, 100) / "threats.parquet")
    b = pd.read_parquet(_run(tmp_path, "c37", 2, 37) / "threats.parquet")
    pd.testing.assert_frame_equal(a, b)
    assert (a.fate == "killed").any(), "the comparison must include engagements"


def test_different_seed_differs(tmp_path):
    scenario = iadsim.load_scenario("examples/iraq-2020-al-asad.yaml")
    r1 = iadsim.run(
        scenario, ["s400-tor"], replications=200, seed=1, workers=1, out_dir=tmp_path / "s1"
    )
    r2 = iadsim.run(
        scenario, ["s400-tor"], replications=200, seed=2, workers=1, out_dir=tmp_path / "s2"
    )
    a, b = r1["s400-tor"].threats(), r2["s400-tor"].threats()
    assert not a.fate.equals(b.fate)
