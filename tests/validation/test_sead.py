"""Suppression of air defences (issue 11): an anti-radiation missile against an always-on radar
destroys it with the catalog Pk, and against a radar that goes dark when it tracks the ARM with
the catalog memory Pk, within 4 standard errors; a destroyed radar detects nothing more and its
fire unit fires no more."""

from __future__ import annotations

import math
import textwrap

import numpy as np

from iadsim.catalog import load_catalog
from iadsim.engine.chunks import _outputs, replication_generators
from iadsim.engine.kernel import simulate_replication
from iadsim.engine.prepare import prepare
from iadsim.engine.state import EV_ARM, EV_LAUNCH, EV_TRACK
from iadsim.scenario import parse_scenario
from iadsim.yamlio import read_yaml
from tests.helpers import catalog_with

SCENARIO = textwrap.dedent(
    """\
    schema_version: 1
    name: sead
    terrain: {dem: none}
    assets: [{name: depot, lat: 33.0, lon: 44.0, value: 5}]
    fire_units:
      - {name: sam, system: s-400, lat: 33.0, lon: 44.05, emcon: EMCON,
         pk: {cruise: 0.0, aircraft: 0.0}}
    raids:
      - name: sead
        threat: f-15e
        launch_points: [{lat: 33.0, lon: 42.0}]
        aim: depot
        weapons: [{weapon: agm-88, count: 1, release_range_m: 110000, target: sam}]
      - name: drones
        threat: shahed-136
        launch_points: [{lat: 33.0, lon: 43.3}]
        aim: depot
        launch_time_s: 200
    tracking: {confirm_m: 2, confirm_n: 3}
    """
)


def simulate(tmp_path, emcon, reps=2000):
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.replace("EMCON", emcon))
    cat = catalog_with(threat_reliability={"f-15e": 1.0, "agm-88": 1.0, "shahed-136": 1.0})
    sc = parse_scenario(read_yaml(path), path, cat)
    p = prepare(sc, catalog=cat)
    sx = p.static()
    log = np.zeros((256, 5), dtype=np.int64)
    n_log = np.zeros(1, dtype=np.int64)
    events = []
    for i in range(reps):
        g_t, g_e = replication_generators(9, i)
        out = _outputs(1, len(p.threats.role), len(p.fire_units.name))
        n_log[0] = 0
        simulate_replication(g_t, g_e, sx, tuple(a[0] for a in out), log, n_log)
        events.append(log[: n_log[0]].copy())
    return p, events


def hits(events):
    return np.array([int(((ev[:, 1] == EV_ARM) & (ev[:, 4] == 1)).any()) for ev in events])


def within(share, p, n):
    return abs(share - p) < 4 * math.sqrt(p * (1 - p) / n)


def test_arm_against_an_always_on_radar_kills_with_the_catalog_pk(tmp_path):
    p, events = simulate(tmp_path, "always")
    arm = load_catalog().threats["agm-88"]
    assert all((ev[:, 1] == EV_ARM).sum() == 1 for ev in events)  # every ARM arrived
    h = hits(events)
    assert within(h.mean(), arm.arm_pk.si(), len(h)), h.mean()
    # a destroyed radar tracks nothing more, and its fire unit launches nothing more
    drone = p.threats.role.index("threat")
    n_after = 0
    for ev in events:
        hit = ev[(ev[:, 1] == EV_ARM) & (ev[:, 4] == 1)]
        if not len(hit):
            continue
        t_hit = hit[0, 0]
        later = ev[ev[:, 0] > t_hit]
        assert not ((later[:, 1] == EV_TRACK) & (later[:, 3] == 0)).any()
        assert not (later[:, 1] == EV_LAUNCH).any()
        n_after += 1
    # while a surviving radar does track and engage the drone that comes later
    survived = [ev for ev, x in zip(events, h, strict=True) if not x]
    assert any(((ev[:, 1] == EV_LAUNCH) & (ev[:, 2] == drone)).any() for ev in survived)
    assert n_after > 100


def test_arm_against_a_radar_that_goes_dark_kills_with_the_memory_pk(tmp_path):
    _, events = simulate(tmp_path, "dark_on_arm")
    arm = load_catalog().threats["agm-88"]
    h = hits(events)
    assert within(h.mean(), arm.arm_memory_pk.si(), len(h)), h.mean()
