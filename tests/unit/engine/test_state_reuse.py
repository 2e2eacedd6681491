"""A chunk's replications share one state, reset before each by ``copy_state`` from a fresh
one: the reset must reach every array, and a chunk's rows must be those of replications each
run on a state of its own (a chunk of one)."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

import iadsim
from iadsim.engine.bundle import call
from iadsim.engine.chunks import run_chunk
from iadsim.engine.prepare import prepare
from iadsim.engine.state import KILLED, State, copy_state
from tests.unit.engine._kernel import fresh

ROOT = Path(__file__).resolve().parents[3]
AL_ASAD = ROOT / "examples" / "iraq-2020-al-asad.yaml"
SHARED = ("log", "n_log")  # the event log and its count are the caller's, never reset


def _garbage(a: np.ndarray) -> None:
    if a.dtype == np.bool_:
        a[...] = True
    else:
        a[...] = 7


def test_copy_state_overwrites_every_array_but_the_log():
    p = prepare(iadsim.load_scenario(AL_ASAD), "s400-tor")
    used, _ = fresh(p)
    clean, _ = fresh(p)
    for name in State._fields:
        _garbage(getattr(used, name))
    call(copy_state, used, clean)
    for name in State._fields:
        a, b = getattr(used, name), getattr(clean, name)
        if name in SHARED:
            assert not np.array_equal(a, b), name  # left as it was
        else:
            assert a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), name


def _doctrine(scenario, **update):
    return scenario.model_copy(update={"doctrine": scenario.doctrine.model_copy(update=update)})


CASES = {
    "perfect tracks": {},
    "estimated tracks, predicted hits only": {
        "tracking": "estimated",
        "engage_only_predicted_hits": True,
    },
    "optimal assignment": {"assignment": "optimal"},
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_chunk_gives_the_rows_of_replications_run_alone(case):
    scenario = _doctrine(iadsim.load_scenario(AL_ASAD), **CASES[case])
    p = prepare(scenario, "s400-tor")
    n = 24
    chunk = run_chunk(p, 5, 0, n)
    alone = [run_chunk(p, 5, i, i + 1) for i in range(n)]
    for f in fields(chunk):
        if f.name == "start":
            continue
        whole = getattr(chunk, f.name)
        rows = np.concatenate([getattr(a, f.name) for a in alone])
        assert np.array_equal(whole, rows, equal_nan=whole.dtype.kind == "f"), f.name
    assert (chunk.fate == KILLED).any() or (chunk.shots_at > 0).any(), (
        "engagements must be compared"
    )
