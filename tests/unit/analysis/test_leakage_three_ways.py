"""Leakage counted three ways (per launched, per arriving, per engaged), per class, in the
summary: checked against a pandas count over threats.parquet (an independent oracle) and the
closed forms of an undefended raid and of a defence whose every shot kills."""

from __future__ import annotations

import math
import textwrap

import pandas as pd
import pytest

import iadsim
from iadsim import geo

SITE = (33.0, 44.0)


def _scenario(tmp_path, reliability: float, pk: str = ""):
    lat_d, lon_d = geo.forward(*SITE, 90.0, 60_000.0)
    lat_b, lon_b = geo.forward(*SITE, 270.0, 300_000.0)
    text = textwrap.dedent(
        f"""\
        schema_version: 1
        name: leak3
        terrain: {{dem: none}}
        assets: [{{name: site, lat: {SITE[0]}, lon: {SITE[1]}}}]
        fire_units:
          - {{name: s400, system: s-400, lat: {SITE[0]}, lon: {SITE[1]}{pk}}}
        raids:
          - name: drones
            threat: shahed-136
            launch_points: [{{lat: {float(lat_d):.5f}, lon: {float(lon_d):.5f}}}]
            aim: site
            count: 6
            spacing_s: 20
          - name: missiles
            threat: fateh-313
            launch_points: [{{lat: {float(lat_b):.5f}, lon: {float(lon_b):.5f}}}]
            aim: site
            count: 4
            spacing_s: 5
        variants:
          - {{name: none, fire_units: []}}
          - {{name: s400, fire_units: [s400]}}
        monte_carlo: {{replications: 200, seed: 5}}
        catalog:
          overrides:
            - {{entry: shahed-136, path: reliability,
               figure: {{value: {reliability}, unit: '1', claim: assumption, note: test}}}}
            - {{entry: fateh-313, path: reliability,
               figure: {{value: {reliability}, unit: '1', claim: assumption, note: test}}}}
        """
    )
    path = tmp_path / "leak3.yaml"
    path.write_text(text)
    return iadsim.load_scenario(path)


def _oracle(df: pd.DataFrame) -> dict:
    arrived = df[df.fate != "failed"]
    engaged = arrived[arrived.shots_at > 0]
    return dict(
        launched=(df.fate == "leaked").mean(),
        arriving=(arrived.fate == "leaked").mean() if len(arrived) else math.nan,
        engaged=(engaged.fate == "leaked").mean() if len(engaged) else math.nan,
        unengaged=int(((arrived.fate == "leaked") & (arrived.shots_at == 0)).sum()),
        failed=(df.fate == "failed").mean(),
    )


def _same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=1e-12)


def test_three_denominators_match_a_pandas_count(tmp_path):
    s = _scenario(tmp_path, reliability=0.7)
    res = iadsim.run(s, workers=1, out_dir=tmp_path / "out")
    for name in ("none", "s400"):
        v = res[name]
        df = pd.read_parquet(v.directory / "threats.parquet")
        df["threat_class"] = df.threat_class.astype(str)
        df["fate"] = df.fate.astype(str)
        # the results' own column says the same as the oracle's rule
        assert (df.engaged == ((df.shots_at > 0) & (df.fate != "failed"))).all()
        rows = {r["threat_class"]: r for r in v.summary["leakage_by_class"]}
        assert set(rows) == {"ballistic", "drone", "all"}
        for cls, row in rows.items():
            sub = df if cls == "all" else df[df.threat_class == cls]
            want = _oracle(sub)
            assert _same(row["p_leak_launched"], want["launched"])
            assert _same(row["p_leak_arriving"], want["arriving"])
            assert _same(row["p_leak_engaged"], want["engaged"])
            assert row["leaked_unengaged_total"] == want["unengaged"]
            assert _same(row["failed_share"], want["failed"])
            if not math.isnan(row["p_leak_arriving"]):
                assert row["p_leak_arriving_lo"] <= row["p_leak_arriving"]
                assert row["p_leak_arriving"] <= row["p_leak_arriving_hi"]
        overall = v.summary["by_threat"][-1]
        assert overall["p_leak_arriving"] == rows["all"]["p_leak_arriving"]
    # with no defence every arriving threat leaks and none is engaged
    none = {r["threat_class"]: r for r in res["none"].summary["leakage_by_class"]}
    assert none["all"]["p_leak_arriving"] == 1.0
    assert math.isnan(none["all"]["p_leak_engaged"])
    # failures come out of the arriving denominator: launched-leakage = (1 - failed) x arriving
    for r in none.values():
        assert r["p_leak_launched"] == pytest.approx((1 - r["failed_share"]) * r["p_leak_arriving"])
    assert 0.2 < none["all"]["failed_share"] < 0.4  # reliability 0.7 kept apart from Pk


def test_per_engaged_is_zero_when_every_shot_kills(tmp_path):
    s = _scenario(tmp_path, reliability=1.0, pk=", pk: {drone: 1.0, ballistic: 1.0}")
    res = iadsim.run(s, workers=1, out_dir=tmp_path / "out")
    rows = {r["threat_class"]: r for r in res["s400"].summary["leakage_by_class"]}
    assert rows["all"]["engaged_total"] > 0
    assert rows["all"]["p_leak_engaged"] == 0.0
    # what leaks was never fired at
    leaked = rows["all"]["p_leak_launched"] * rows["all"]["launched_total"]
    assert rows["all"]["leaked_unengaged_total"] == pytest.approx(leaked)
