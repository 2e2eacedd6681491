"""A named tuple passed by reference (engine/bundle.py): the kernel's two bundles."""

from __future__ import annotations

import sys
from collections import namedtuple

import numba
import numpy as np

from iadsim.engine.bundle import by_ref, call

Pair = namedtuple("Pair", ["scale", "on", "xs", "grid"])


@numba.njit(_nrt=False)
def _weighted(b, i):
    # a callee of its own: the reference must reach it intact
    return b.scale * b.xs[i] + b.grid[i, 1] if b.on else -1.0


@numba.njit
def _through_ref(p, i):
    r = by_ref(p)
    r.xs[i] += 1.0  # the arrays are the tuple's: a write through the reference reaches them
    return _weighted(r, i)


@numba.njit
def _read_many(p, n):
    r = by_ref(p)
    total = 0.0
    for k in range(n):
        xs = r.xs  # a read of an array field, in a function with reference counting
        total += xs[k % xs.shape[0]]
    return total


def _pair():
    return Pair(2.0, True, np.arange(4.0), np.arange(8.0).reshape(4, 2))


def test_fields_read_through_the_reference_are_the_tuples():
    p = _pair()
    assert _through_ref(p, 2) == 2.0 * 3.0 + 5.0
    assert p.xs[2] == 3.0
    assert _through_ref(p._replace(on=False), 1) == -1.0


def test_reading_an_array_field_keeps_its_reference_count():
    # a read must hand numba a new reference: without one, each read's release would free the
    # array under its owner (the count would fall, then the memory be reused)
    p = _pair()
    before = sys.getrefcount(p.xs)
    total = _read_many(p, 1000)
    after = sys.getrefcount(p.xs)  # outside the assert, whose rewriting holds a reference
    assert total == 1500.0 and after == before


def test_call_runs_a_stage_with_both_bundles_by_reference():
    @numba.njit(_nrt=False)
    def stage(st, sx, i):
        st.xs[i] = sx.scale * sx.grid[i, 0]
        return st.on and sx.on

    st, sx = _pair(), _pair()._replace(scale=3.0)
    assert call(stage, st, sx, 3)
    assert st.xs[3] == 18.0
