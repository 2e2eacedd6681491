"""Decoys (issue 11): indistinguishable decoys draw their share of interceptors, N/(N + M), and
a radar that recognises a decoy with probability p passes it on with probability 1 - p, so the
share falls to N(1 - p)/(N(1 - p) + M); decoys do no damage."""

from __future__ import annotations

import math
import textwrap

import duckdb

import iadsim
from iadsim.scenario import parse_scenario
from iadsim.yamlio import read_yaml
from tests.helpers import catalog_with

SCENARIO = textwrap.dedent(
    """\
    schema_version: 1
    name: decoys
    terrain: {dem: none}
    assets: [{name: depot, lat: 33.0, lon: 44.0, value: 5}]
    fire_units:
      - {name: sam, system: s-400, lat: 33.0, lon: 44.0, pk: {cruise: 0.5, aircraft: 0.0},
         reserve_interceptors: 200, decoy_discrimination: {adm-160: DISC}}
    raids:
      - name: strike
        threat: f-15e
        launch_points: [{lat: 33.0, lon: 40.8}]
        aim: depot
        count: 3
        spacing_s: 40
        speed_mps: 250
        weapons:
          - {weapon: adm-160, count: 2, release_range_m: 200000}
          - {weapon: agm-158, count: 1, release_range_m: 200000}
    doctrine: {shoot_look_shoot: true, engagements_per_threat: 3}
    monte_carlo: {replications: 1500, seed: 21}
    """
)


def shares(tmp_path, disc):
    path = tmp_path / "d.yaml"
    path.write_text(SCENARIO.replace("DISC", str(disc)))
    # the decoy mimics the cruise missile exactly: same RCS, speed, height, reliability
    cat = catalog_with(threat_reliability={"f-15e": 1.0, "agm-158": 1.0, "adm-160": 1.0})
    jassm = cat.threats["agm-158"]
    mald = cat.threats["adm-160"].model_copy(
        update={k: getattr(jassm, k) for k in ("rcs_m2", "speed_mps", "cruise_height_agl_m")}
    )
    cat.threats["adm-160"] = mald
    sc = parse_scenario(read_yaml(path), path, cat)
    iadsim.run(sc, workers=1, out_dir=tmp_path / f"out{disc}", catalog=cat)
    table = str(next((tmp_path / f"out{disc}").glob("*/threats.parquet")))
    per_rep = duckdb.sql(
        f"""SELECT replication, sum(shots_at) FILTER (WHERE role = 'decoy') AS d,
                   sum(shots_at) FILTER (WHERE role = 'weapon') AS w,
                   count(*) FILTER (WHERE role = 'decoy' AND asset_hit IS NOT NULL) AS hits
            FROM read_parquet('{table}') GROUP BY replication"""
    ).fetchall()
    return per_rep


def ratio_and_se(per_rep):
    """Ratio of sums (interceptors on decoys / all) and its delta-method standard error."""
    d = [float(r[1] or 0) for r in per_rep]
    a = [float((r[1] or 0) + (r[2] or 0)) for r in per_rep]
    n = len(d)
    rd, ra = sum(d) / n, sum(a) / n
    q = rd / ra
    var = sum((x - q * y) ** 2 for x, y in zip(d, a, strict=True)) / (n - 1)
    return q, math.sqrt(var / n) / ra


def test_indistinguishable_decoys_take_their_share(tmp_path):
    per_rep = shares(tmp_path, 0.0)
    q, se = ratio_and_se(per_rep)
    assert abs(q - 6 / 9) < 4 * se, (q, se)
    assert all(r[3] == 0 for r in per_rep)  # decoys that arrive hit nothing


def test_discrimination_lowers_the_share(tmp_path):
    p = 0.5
    q, se = ratio_and_se(shares(tmp_path, p))
    want = 6 * (1 - p) / (6 * (1 - p) + 3)
    assert abs(q - want) < 4 * se, (q, want, se)
