"""Refused pairs parked off the queue (``stages.park``) against the engine that visits a refused
pair at each of its detections (``Static.park_on`` off): the same law.

Parking draws a parked pair's detections when it is due, not scan by scan, so the two engines
draw differently; what must agree is the distribution of every output. The oracle is the
engine with parking off, the way every refusal was simulated before (one visit of the pair and
one call of the capacity rule per detection). A radar of capacity 2 and eight drones on two
assets of different value keep it full for minutes, so pairs are refused, parked, outranked
(crossing) and freed (a kill or a leak) many times in every replication.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from iadsim.engine.chunks import replay, run_chunk
from iadsim.engine.prepare import Prepared, prepare
from iadsim.engine.state import make_static
from iadsim.scenario import parse_scenario
from iadsim.yamlio import read_yaml
from tests.validation.test_engine_track_capacity import tor_catalog

TEXT = """\
schema_version: 1
name: parking
terrain: {dem: none}
assets:
  - {name: cheap, lat: 33.0, lon: 44.02, value: 1, radius_m: 300}
  - {name: dear, lat: 33.0, lon: 44.03, value: 10, radius_m: 300}
fire_units:
  - {name: tor, system: tor-m2, lat: 33.0, lon: 44.0, pk: {drone: 0.3}}
raids:
  - {name: a, threat: shahed-136, launch_points: [{lat: 33.0, lon: 43.7}], aim: cheap,
     count: 4, spacing_s: 20}
  - {name: b, threat: shahed-136, launch_points: [{lat: 33.05, lon: 43.72}], aim: dear,
     count: 4, spacing_s: 25, launch_time_s: 30}
"""
REPS = 3000


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    cat = tor_catalog(2)
    path = tmp_path_factory.mktemp("parking") / "p.yaml"
    path.write_text(textwrap.dedent(TEXT))
    return prepare(parse_scenario(read_yaml(path), path, cat), catalog=cat)


def _without_parking(monkeypatch):
    monkeypatch.setattr(Prepared, "static", lambda self: make_static(self)._replace(park_on=False))


def _z(a: np.ndarray, b: np.ndarray) -> float:
    se = np.sqrt(a.var(ddof=1) / a.shape[0] + b.var(ddof=1) / b.shape[0])
    return 0.0 if se == 0 else float((a.mean() - b.mean()) / se)


def test_parking_is_on_and_exercised(prepared):
    assert bool(prepared.static().park_on)
    raw = run_chunk(prepared, 5, 0, 200)
    # refusals are frequent (so parking is exercised), and every threat is decided
    assert raw.tracks_refused.sum(axis=1).mean() > 20
    assert (raw.fate > 0).all()


def test_parked_refusals_have_the_law_of_refusals_visited_scan_by_scan(prepared, monkeypatch):
    parked = run_chunk(prepared, 5, 0, REPS)
    _without_parking(monkeypatch)
    visited = run_chunk(prepared, 5, 0, REPS)
    assert not np.array_equal(parked.tracks_refused, visited.tracks_refused)  # drawn otherwise
    figures = {
        "refused": (parked.tracks_refused, visited.tracks_refused),
        "killed": (parked.fate == 1, visited.fate == 1),
        "shots": (parked.shots_at, visited.shots_at),
        "end": (parked.end_step, visited.end_step),
    }
    for name, (a, b) in figures.items():
        for j in range(a.shape[1]):
            z = _z(a[:, j].astype(float), b[:, j].astype(float))
            assert abs(z) < 4.0, (name, j, z, a[:, j].mean(), b[:, j].mean())
    z = _z(parked.tracks_refused.sum(axis=1) * 1.0, visited.tracks_refused.sum(axis=1) * 1.0)
    assert abs(z) < 4.0, z


def test_logged_refusals_match_the_counts_and_keep_time_order(prepared):
    raw = run_chunk(prepared, 9, 0, 6)
    for r in range(6):
        ev = replay(prepared, 9, r).to_pylist()
        times = [e["time_s"] for e in ev]
        assert times == sorted(times)
        refused = np.zeros(raw.tracks_refused.shape[1], dtype=int)
        for e in ev:
            if e["event"] == "refused" and e["shots"] == 0:
                refused[e["threat"]] += 1
        # a parked pair's refusals are logged when it is resumed, each at its own step
        np.testing.assert_array_equal(refused, raw.tracks_refused[r])


def test_without_refusals_parking_changes_nothing(prepared, monkeypatch):
    """With room for every track no pair is refused, so none is parked: the draws, and every
    output, are the same bit for bit with parking on or off."""
    p = prepared
    big = make_static(p).track_capacity.copy()
    big[:] = 100
    monkeypatch.setattr(
        Prepared, "static", lambda self: make_static(self)._replace(track_capacity=big)
    )
    on = run_chunk(p, 4, 0, 300)
    assert on.tracks_refused.sum() == 0
    monkeypatch.setattr(
        Prepared,
        "static",
        lambda self: make_static(self)._replace(track_capacity=big, park_on=False),
    )
    off = run_chunk(p, 4, 0, 300)
    for name in ("fate", "killer", "intercept_step", "end_step", "shots_at", "fu_shots"):
        np.testing.assert_array_equal(getattr(on, name), getattr(off, name))
