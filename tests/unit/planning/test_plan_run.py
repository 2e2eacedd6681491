"""Stage 1 end to end on the tiny plan: greedy's certified bound, budgets, emitted variants."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from iadsim.cli import app
from iadsim.scenario import load_scenario


def _run(path, tmp_path, method):
    text = path.read_text().replace("budgets_usd:", f"solver: {{method: {method}}}\nbudgets_usd:")
    p = path.with_name(f"plan-{method}.yaml")
    p.write_text(text)
    out = tmp_path / f"out-{method}"
    r = CliRunner().invoke(
        app, ["plan", str(p), "--no-refine", "--out", str(out), "--cache-dir", str(tmp_path / "c")]
    )
    assert r.exit_code == 0, r.output
    return json.loads((out / "plan.json").read_text()), out


@pytest.mark.slow
def test_greedy_bound_brackets_the_milp_optimum(tiny_plan, tmp_path):
    g, _ = _run(tiny_plan, tmp_path, "greedy")
    m, out = _run(tiny_plan, tmp_path, "milp")
    for lg, lm in zip(g["layouts"], m["layouts"], strict=True):
        assert lg["variant"] == lm["variant"]
        assert lg["objective"] <= lm["objective"] + 1e-12 <= lg["greedy_upper_bound"] + 1e-9
        assert lm["cost_usd"] <= lm["budget_usd"]
    # a larger budget never covers less
    by_mix: dict[str, list[float]] = {}
    for lay in m["layouts"]:
        by_mix.setdefault(lay["mix"], []).append(lay["objective"])
    assert all(v == sorted(v) for v in by_mix.values())
    s = load_scenario(out / "scenario.yaml")
    assert s.variant_names()[0] == "undefended"
    assert len(s.variant_names()) == 1 + len(m["layouts"])
    assert s.terrain.az_step_deg == 1.0 and s.terrain.range_step_m == 2000.0
