"""The april-2024-scale scenario (331 threats, 10 fire units, 15 radars) runs, and every
replication conserves threats and interceptors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import iadsim
from iadsim.engine.chunks import run_chunk
from iadsim.engine.prepare import prepare

SCENARIO = Path(__file__).resolve().parents[2] / "bench" / "scenarios" / "april-2024-scale.yaml"


@pytest.mark.slow
def test_april_2024_scale_conserves_threats_and_rounds():
    p = prepare(iadsim.load_scenario(SCENARIO))
    n_thr = len(p.threats.raid)
    assert n_thr == 185 + 36 + 110
    assert len(p.fire_units.name) == 10 and len(p.sensors.name) == 15
    raw = run_chunk(p, 20240413, 0, 24)
    killed = (raw.fate == 1).sum(axis=1)
    leaked = (raw.fate == 2).sum(axis=1)
    failed = (raw.fate == 3).sum(axis=1)
    # every launched threat ends killed, leaked or failed, in every replication
    assert np.array_equal(killed + leaked + failed, np.full(24, n_thr))
    # rounds fired at threats are the rounds the fire units fired, and none are made up
    assert np.array_equal(raw.shots_at.sum(axis=1), raw.fu_shots.sum(axis=1))
    start = p.fire_units.ready0 + p.fire_units.reserve0
    assert (raw.fu_shots + raw.fu_left == start).all()
    assert killed.min() > 0 and leaked.max() > 0  # the defence engages, and is saturated
