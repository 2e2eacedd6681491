"""Costs per threat class and in total: cost per threat stopped and cost-exchange ratio, in the
summary and in compare, checked against a closed form and a brute-force pandas oracle."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

import iadsim
from iadsim import geo
from iadsim.analysis.compare import compare

SITE = (33.0, 44.0)


def _scenario(tmp_path, certain: bool):
    lat_d, lon_d = geo.forward(*SITE, 90.0, 60_000.0)
    lat_a, lon_a = geo.forward(*SITE, 80.0, 150_000.0)
    overrides = ""
    pk = ""
    if certain:
        # every threat flies and every shot kills: the costs have a closed form
        overrides = textwrap.dedent(
            """\
            catalog:
              overrides:
                - {entry: shahed-136, path: reliability,
                   figure: {value: 1.0, unit: '1', claim: assumption, note: test}}
                - {entry: f-16c, path: reliability,
                   figure: {value: 1.0, unit: '1', claim: assumption, note: test}}
            """
        )
        pk = ", pk: {drone: 1.0, aircraft: 1.0}"
    text = (
        textwrap.dedent(
            f"""\
        schema_version: 1
        name: costs
        terrain: {{dem: none}}
        assets: [{{name: site, lat: {SITE[0]}, lon: {SITE[1]}}}]
        fire_units:
          - {{name: s400, system: s-400, lat: {SITE[0]}, lon: {SITE[1]}{pk}}}
        raids:
          - name: drones
            threat: shahed-136
            launch_points: [{{lat: {float(lat_d):.5f}, lon: {float(lon_d):.5f}}}]
            aim: site
            count: 4
            spacing_s: 30
          - name: jet
            threat: f-16c
            launch_points: [{{lat: {float(lat_a):.5f}, lon: {float(lon_a):.5f}}}]
            aim: site
        variants:
          - {{name: none, fire_units: []}}
          - {{name: s400, fire_units: [s400]}}
        monte_carlo: {{replications: 300, seed: 11}}
        """
        )
        + overrides
    )
    path = tmp_path / "costs.yaml"
    path.write_text(text)
    return iadsim.load_scenario(path)


def test_closed_form_when_every_shot_kills(tmp_path):
    s = _scenario(tmp_path, certain=True)
    res = iadsim.run(s, workers=1, out_dir=tmp_path / "out")
    summary = res["s400"].summary
    cat = s.effective_catalog
    round_usd = cat.systems["s-400"].interceptors["48n6e3"].unit_cost_usd.si()
    drone_usd = cat.threats["shahed-136"].unit_cost_usd.si()
    jet_usd = cat.threats["f-16c"].unit_cost_usd.si()
    by = {r["threat_class"]: r for r in summary["costs_by_class"]}
    assert set(by) == {"aircraft", "drone"}
    for cls, unit in (("drone", drone_usd), ("aircraft", jet_usd)):
        assert by[cls]["cost_per_threat_stopped_usd"] == pytest.approx(round_usd)
        assert by[cls]["cost_exchange_ratio"] == pytest.approx(round_usd / unit)
    total = summary["by_threat"][-1]
    assert total["threat_class"] == "all"
    # in total the F-16's price hides the drones' ratio: 5 rounds against 4 drones and a jet
    assert total["cost_exchange_ratio"] == pytest.approx(5 * round_usd / (4 * drone_usd + jet_usd))
    assert summary["cost_exchange_ratio"] == pytest.approx(total["cost_exchange_ratio"])
    assert by["drone"]["cost_exchange_ratio"] > 10 * total["cost_exchange_ratio"]


def test_matches_a_brute_force_oracle_and_compare(tmp_path):
    s = _scenario(tmp_path, certain=False)
    res = iadsim.run(s, workers=1, out_dir=tmp_path / "out")
    v = res["s400"]
    thr, fus = v.threats(), v.fire_units()
    # every dollar fired is attributed to exactly one threat
    per_rep_t = thr.groupby("replication")["interceptor_cost_usd"].sum()
    per_rep_f = fus.groupby("replication")["interceptor_cost_usd"].sum()
    np.testing.assert_allclose(per_rep_t.to_numpy(), per_rep_f.to_numpy())
    unit = pd.Series(
        [s.effective_catalog.threats[t].unit_cost_usd.si() for t in thr["threat_type"].astype(str)],
        index=thr.index,
    )
    by = {r["threat_class"]: r for r in v.summary["costs_by_class"]}
    c = compare(res, baseline="none")["options"]["s400"]
    c_by = {r["threat_class"]: r for r in c["by_class"]}
    for cls in ("drone", "aircraft"):
        sel = thr["threat_class"].astype(str) == cls
        killed = sel & (thr["fate"].astype(str) == "killed")
        cost = thr.loc[sel, "interceptor_cost_usd"].sum()
        assert by[cls]["interceptor_cost_mean_usd"] == pytest.approx(cost / 300)
        if killed.sum():
            assert by[cls]["cost_per_threat_stopped_usd"] == pytest.approx(cost / killed.sum())
            ratio = cost / unit[killed].sum()
            assert by[cls]["cost_exchange_ratio"] == pytest.approx(ratio)
            cer = c_by[cls]["cost_exchange_ratio"]
            assert cer["value"] == pytest.approx(ratio)
            assert cer["lo"] <= ratio <= cer["hi"]
    # the undefended option spends nothing and stops nothing: undefined, not zero
    none = compare(res, baseline="none")["options"]["none"]
    assert all(r["cost_per_threat_stopped_usd"]["value"] is None for r in none["by_class"])
