"""The kernel's read-only inputs (``Prepared.static()``) are made once per process and shared
by every chunk, the replay and the resume fingerprint: they must be remade when a field of the
prepared variant is replaced, never travel in a pickle, and never be written by the kernel
(a chunk's writes would reach the next chunk)."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import numpy as np

import iadsim
from iadsim.engine.chunks import run_chunk
from iadsim.engine.prepare import prepare

ROOT = Path(__file__).resolve().parents[3]
AL_ASAD = ROOT / "examples" / "iraq-2020-al-asad.yaml"


def _al_asad():
    return prepare(iadsim.load_scenario(AL_ASAD), "s400-tor")


def test_static_is_made_once_and_remade_when_a_field_is_replaced():
    p = _al_asad()
    sx = p.static()
    assert p.static() is sx
    p.fire_units = dataclasses.replace(p.fire_units, pk=p.fire_units.pk * 0.5)
    again = p.static()
    assert again is not sx
    np.testing.assert_array_equal(again.pk, sx.pk * 0.5)
    p.doctrine = dataclasses.replace(p.doctrine, salvo=p.doctrine.salvo + 1)
    assert p.static() is not again
    assert p.static().salvo == sx.salvo + 1


def test_the_memo_stays_in_its_process():
    p = _al_asad()
    p.static()
    q = pickle.loads(pickle.dumps(p))
    assert q.memo == {}
    assert "static" in p.memo
    for a, b in zip(q.static(), p.static(), strict=True):
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)
        else:
            assert a == b


def test_the_kernel_never_writes_its_static_inputs():
    p = _al_asad()
    before = [a.copy() if isinstance(a, np.ndarray) else a for a in p.static()]
    first = run_chunk(p, 3, 0, 300)
    for name, a, b in zip(p.static()._fields, before, p.static(), strict=True):
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=name)
    # and a chunk run after it on the same inputs is the one a fresh process would run
    again = run_chunk(prepare(iadsim.load_scenario(AL_ASAD), "s400-tor"), 3, 0, 300)
    np.testing.assert_array_equal(first.fate, again.fate)
    np.testing.assert_array_equal(first.fu_shots, again.fu_shots)
