"""Routes around coverage (issue 11): a raid with route: avoid-defences flies a path whose
exposure (expected detections) is lower than the direct route's, and the engine confirms it:
its own scan tables hold less Pd and its replications track the threat less often."""

from __future__ import annotations

import textwrap

import numpy as np

from iadsim.engine.chunks import _outputs, replication_generators
from iadsim.engine.kernel import simulate_replication
from iadsim.engine.prepare import prepare
from iadsim.engine.state import EV_TRACK
from iadsim.scenario import parse_scenario
from iadsim.yamlio import read_yaml
from tests.helpers import catalog_with

SCENARIO = textwrap.dedent(
    """\
    schema_version: 1
    name: route
    terrain: {dem: none}
    assets: [{name: depot, lat: 33.0, lon: 44.0}]
    sensors: [{name: ew, system: s-400, radar: 96l6e, lat: 33.12, lon: 43.0}]
    raids:
      - {name: cm, threat: soumar, launch_points: [{lat: 33.0, lon: 42.0}], aim: depot,
         height_agl_m: 30, route: ROUTE}
    """
)


def prepared(tmp_path, route):
    path = tmp_path / f"{route}.yaml"
    path.write_text(SCENARIO.replace("ROUTE", route))
    cat = catalog_with(threat_reliability={"soumar": 1.0})
    return prepare(parse_scenario(read_yaml(path), path, cat), catalog=cat)


def tracked_share(p, reps=400):
    sx = p.static()
    log = np.zeros((64, 5), dtype=np.int64)
    n_log = np.zeros(1, dtype=np.int64)
    n = 0
    for i in range(reps):
        g_t, g_e = replication_generators(4, i)
        out = _outputs(1, 1, 0)
        n_log[0] = 0
        simulate_replication(g_t, g_e, sx, tuple(a[0] for a in out), log, n_log)
        n += bool((log[: n_log[0], 1] == EV_TRACK).any())
    return n / reps


def test_planned_route_has_lower_exposure_and_fewer_detections(tmp_path):
    direct = prepared(tmp_path, "direct")
    planned = prepared(tmp_path, "avoid-defences")
    report = planned.threats.routes["cm"]
    assert report["waypoints"] > 0
    assert report["planned"] < 0.2 * report["direct"], report
    assert report["direct"] > 1.0  # the direct route passes 13 km from the radar
    # the engine's own detection tables: expected detections (sum of Pd over scans)
    assert planned.sensors.scan.value.sum() < 0.2 * direct.sensors.scan.value.sum()
    share_direct, share_planned = tracked_share(direct), tracked_share(planned)
    assert share_direct > 0.9 and share_planned < share_direct - 0.5, (
        share_direct,
        share_planned,
    )
    # a longer path, within the threat's reach
    assert planned.threats.impact_step[0] > direct.threats.impact_step[0]
