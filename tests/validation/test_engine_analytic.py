"""The engine against closed forms: salvo and shoot-look-shoot kill probabilities, expected
shots, magazine exhaustion, and the smooth-earth radar horizon.

Each Monte Carlo figure is checked within 4 standard errors of the analytic value, so a correct
engine fails with probability ~6e-5 per check, and a biased one (e.g. shots not independent,
a missing re-engagement) fails for sure at these sample sizes.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest

import iadsim
from iadsim import geo
from iadsim.engagement.kill import (
    max_engagements_from_magazine,
    salvo_kill_probability,
    shoot_look_shoot_expected_shots,
    shoot_look_shoot_kill_probability,
)
from iadsim.engine.prepare import prepare
from iadsim.scenario import parse_scenario
from iadsim.sensors.radar import horizon_range_m
from iadsim.yamlio import read_yaml
from tests.helpers import catalog_with

DRONE_DUEL = textwrap.dedent(
    """\
    schema_version: 1
    name: duel
    assets: [{name: depot, lat: 33.95, lon: 44.35, value: 5, radius_m: 300}]
    fire_units:
      - {name: tor, system: tor-m2, lat: 33.955, lon: 44.355, pk: {drone: PK}, interceptors_loaded: LOADED}
    raids:
      - name: drones
        threat: shahed-136
        launch_points: [{lat: 33.95, lon: 43.95}]
        aim: depot
        count: COUNT
        spacing_s: 90
    doctrine: {salvo_size: SALVO, shoot_look_shoot: SLS, assignment: ASSIGN}
    monte_carlo: {replications: REPS, seed: 7, chunk_size: 5000}
    """
)


def duel(tmp_path, pk=0.7, salvo=1, sls=False, count=1, reps=20000, loaded=16, assign="greedy"):
    text = (
        DRONE_DUEL.replace("PK", str(pk))
        .replace("SALVO", str(salvo))
        .replace("SLS", "true" if sls else "false")
        .replace("COUNT", str(count))
        .replace("REPS", str(reps))
        .replace("ASSIGN", assign)
        .replace("LOADED", str(loaded))
    )
    path = tmp_path / "duel.yaml"
    path.write_text(text)
    catalog = catalog_with(threat_reliability={"shahed-136": 1.0})
    scenario = parse_scenario(read_yaml(path), path, catalog)
    results = iadsim.run(scenario, workers=1, out_dir=tmp_path / "out", catalog=catalog)
    return results["base"].threats(), results["base"].fire_units()


def within(estimate: float, expected: float, n: int, sd: float | None = None) -> bool:
    if sd is None:
        sd = math.sqrt(expected * (1 - expected))
    return abs(estimate - expected) <= 4 * sd / math.sqrt(n)


@pytest.mark.parametrize("assign", ["greedy", "optimal"])
def test_salvo_of_two(tmp_path, assign):
    threats, _ = duel(tmp_path, pk=0.7, salvo=2, assign=assign)
    assert (threats.shots_at == 2).all(), "every replication must engage once with 2 shots"
    p = (threats.fate == "killed").mean()
    expected = salvo_kill_probability(0.7, 2)
    assert expected == pytest.approx(0.91)
    assert within(p, expected, len(threats)), (p, expected)


def test_shoot_look_shoot(tmp_path):
    threats, _ = duel(tmp_path, pk=0.7, salvo=1, sls=True)
    shots = threats.shots_at.to_numpy()
    expected_shots = shoot_look_shoot_expected_shots(0.7, 1, 2)
    assert expected_shots == pytest.approx(1.3)
    # shots is 1 w.p. p and 2 w.p. 1 - p: sd = sqrt(p (1 - p))
    assert within(shots.mean(), expected_shots, len(shots), sd=math.sqrt(0.7 * 0.3))
    p_kill = (threats.fate == "killed").mean()
    assert within(p_kill, shoot_look_shoot_kill_probability(0.7, 1, 2), len(threats))
    # a second shot only ever follows a miss
    second = threats[threats.shots_at == 2]
    assert len(second) > 0


def test_magazine_exhaustion(tmp_path):
    # a Pk too small ever to kill (Pk 0 would not be engaged at all): every drone stays a target
    threats, fus = duel(tmp_path, pk=1e-9, salvo=2, count=10, reps=200, loaded=8)
    per_rep = threats.groupby("replication").shots_at.apply(lambda s: int((s > 0).sum()))
    limit = max_engagements_from_magazine(8, 2)
    assert limit == 4
    assert (per_rep == limit).all(), per_rep.value_counts()
    assert (fus.shots == 8).all() and (fus.interceptors_left == 0).all()
    assert (threats.fate == "leaked").all()


def test_smooth_earth_horizon_in_engine(tmp_path):
    """A cruise missile at 200 m flying straight at a radar is first seen at the 4/3-earth
    horizon sqrt(2kR h_r) + sqrt(2kR h_t) ~ 4.12 (sqrt(h_r) + sqrt(h_t)) km."""
    text = textwrap.dedent(
        """\
        schema_version: 1
        name: horizon
        terrain: {dem: none}
        assets: [{name: base, lat: 33.0, lon: 44.0}]
        sensors: [{name: ew, system: s-400, radar: 91n6e, lat: 33.0, lon: 44.0}]
        raids:
          - {name: cm, threat: soumar, launch_points: [{lat: 33.0, lon: 41.5}], aim: base,
             height_agl_m: 200}
        """
    )
    path = tmp_path / "h.yaml"
    path.write_text(text)
    # elevation limit opened so that only the earth's curvature bounds the view
    catalog = catalog_with(radar_min_elevation_deg={("s-400", "91n6e"): -5.0})
    scenario = parse_scenario(read_yaml(path), path, catalog)
    p = prepare(scenario, catalog=catalog)
    radar = catalog.systems["s-400"].radars["91n6e"]
    h_r = radar.antenna_height_m.si()
    visible = p.sensors.visible[0, 0]
    first = int(np.argmax(visible))
    assert visible[first] and not visible[:first].any()
    _, _, d_first = geo.inverse(33.0, 44.0, p.threats.lat[0, first], p.threats.lon[0, first])
    expected = horizon_range_m(h_r, 200.0, scenario.propagation.k_factor)
    assert expected == pytest.approx(4120 * (math.sqrt(h_r) + math.sqrt(200.0)), rel=0.005)
    step_m = float(np.nanmax(p.threats.speed_mps[0])) * scenario.time_step_s
    assert expected - step_m - 1.0 <= float(d_first) <= expected + 1.0, (float(d_first), expected)


def test_optimal_assignment_against_brute_force():
    """The optimal rule's assignment (scipy linear_sum_assignment, called from the kernel)
    maximises the total expected value killed: checked against every assignment of small
    random threat x channel matrices."""
    import itertools

    from iadsim.engine.kernel import _assign_optimal

    rng = np.random.default_rng(11)
    for _ in range(200):
        n_threats, n_slots = (int(x) for x in rng.integers(1, 5, size=2))
        profit = rng.random((n_threats, n_slots)) * (rng.random((n_threats, n_slots)) > 0.3)
        rows, cols = _assign_optimal(profit)
        best = 0.0
        k = min(n_threats, n_slots)
        for threats in itertools.permutations(range(n_threats), k):
            for slots in itertools.permutations(range(n_slots), k):
                best = max(best, profit[list(threats), list(slots)].sum())
        assert len(set(rows)) == len(rows) and len(set(cols)) == len(cols)
        assert profit[rows, cols].sum() == pytest.approx(best)
