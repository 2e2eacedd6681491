"""The historical scenarios in examples/: each validates and runs, its undefended baseline
matches what happened (every threat reaches its target unless it fails in flight, and the
struck assets are hit), and its defended what-if variants engage and reduce the leakers."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import iadsim
from iadsim.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# file -> (assets struck in the public record, defended variants)
HISTORICAL = {
    "iraq-2019-depot-strikes.yaml": (
        ["amerli-depot", "balad-depot", "al-qaim-vehicles"],
        ["pantsir", "tor-m2", "buk-m3-tor"],
    ),
    "iraq-2019-al-qaim-f15e.yaml": (
        ["kh-site-west", "kh-site-town", "kh-site-south"],
        ["pantsir", "s-300pmu2", "s-400"],
    ),
    "iraq-2020-baghdad-mq9.yaml": (
        ["biap-access-road"],
        ["pantsir", "tor-m2", "buk-m3"],
    ),
    "iraq-2020-al-asad.yaml": (
        ["al-asad", "erbil"],
        ["s400-tor", "patriot"],
    ),
}


@pytest.mark.parametrize("filename", sorted(HISTORICAL), ids=lambda f: Path(f).stem)
def test_historical_scenario(tmp_path, filename):
    path = EXAMPLES / filename
    struck, defended = HISTORICAL[filename]

    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output

    scenario = iadsim.load_scenario(path)
    results = iadsim.run(scenario, replications=200, workers=2, out_dir=tmp_path)
    assert set(results.variants) == {"undefended", *defended}

    # The undefended baseline is what happened: nothing is shot down, every threat either
    # reaches its aim point or fails in flight, and every struck asset is hit.
    base = results["undefended"].summary
    overall = base["by_threat"][-1]
    assert overall["threat_class"] == "all"
    assert overall["killed_mean"] == 0
    assert base["interceptors_used_mean"] == 0
    assert overall["leakers_mean"] > 0
    assert overall["leakers_mean"] + overall["failed_mean"] == pytest.approx(
        overall["launched_per_rep"]
    )
    hits = {a["asset"]: a["hits_mean"] for a in base["assets"]}
    for asset in struck:
        assert hits[asset] > 0, asset

    # Every defended variant engages; at least one lets through fewer leakers than happened.
    leakers = {}
    for name in defended:
        summary = results[name].summary
        assert summary["interceptors_used_mean"] > 0, name
        row = summary["by_threat"][-1]
        assert row["launched_per_rep"] == overall["launched_per_rep"], name
        leakers[name] = row["leakers_mean"]
    assert min(leakers.values()) < overall["leakers_mean"], leakers
