"""A sweep gives identical results on one worker, on a process pool (points side by side, after
the parallel terrain kernels have run in the parent) and on a Dask LocalCluster."""

from __future__ import annotations

import pandas as pd

import iadsim
from iadsim.analysis.sweep import sweep

VARY = {"raids[0].count": [2, 4, 6], "doctrine.salvo_size": [1, 2]}


def _sweep(tmp_path, name, **kw):
    scenario = iadsim.load_scenario("examples/depot-drone-raid.yaml")
    frame = sweep(scenario, VARY, replications=60, seed=4, out_dir=tmp_path / name, **kw)
    return frame.drop(columns=["directory"]).reset_index(drop=True)


def test_sweep_identical_on_every_executor(tmp_path):
    one = _sweep(tmp_path, "one", workers=1)
    assert len(one) == 6 * 2 * 2  # points x variants x (class + all)
    pd.testing.assert_frame_equal(one, _sweep(tmp_path, "pool", workers=2))
    pd.testing.assert_frame_equal(one, _sweep(tmp_path, "dask", workers=2, scheduler="local"))
