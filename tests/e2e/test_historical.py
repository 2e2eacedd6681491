"""Consistency checks of the historical scenarios in examples/ against their public record.

Each validates and runs; its undefended baseline reproduces what happened (nothing is shot
down, every threat reaches its target unless it fails in flight) and the record's outcome is
not an unlikely one under the model: for each struck asset, the share of replications with at
least the recorded number of hits has a 95% Wilson interval reaching 5% or more. These are
consistency checks, not validations: the threat counts, aim points and reliabilities were set
from the same record (see each file's header). The defended what-if variants engage and
reduce the leakers.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import iadsim
from iadsim.analysis.summary import wilson
from iadsim.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# file -> (hits per struck asset in the public record, defended variants); each file's header
# quotes the record (the F-15E sites: "every site was hit", so at least 1)
HISTORICAL = {
    "iraq-2019-depot-strikes.yaml": (
        {"amerli-depot": 2, "balad-depot": 1, "al-qaim-vehicles": 2},
        ["pantsir", "tor-m2", "buk-m3-tor"],
    ),
    "iraq-2019-al-qaim-f15e.yaml": (
        {"kh-site-west": 1, "kh-site-town": 1, "kh-site-south": 1},
        ["pantsir", "s-300pmu2", "s-400"],
    ),
    "iraq-2020-baghdad-mq9.yaml": (
        {"biap-access-road": 2},
        ["pantsir", "tor-m2", "buk-m3"],
    ),
    "iraq-2020-al-asad.yaml": (
        {"al-asad": 11, "erbil": 1},
        ["s400-tor", "patriot"],
    ),
}


@pytest.mark.parametrize("filename", sorted(HISTORICAL), ids=lambda f: Path(f).stem)
def test_historical_scenario_is_consistent_with_its_record(tmp_path, filename):
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
    per_rep = (
        results["undefended"]
        .threats()
        .dropna(subset=["asset_hit"])
        .groupby(["replication", "asset_hit"])
        .size()
        .unstack(fill_value=0)
        .reindex(range(200), fill_value=0)
    )
    for asset, recorded in struck.items():
        hits = per_rep[asset] if asset in per_rep else pd.Series(0, index=per_rep.index)
        at_least = int((hits >= recorded).sum())
        lo, hi = wilson(at_least, len(hits))
        assert hi >= 0.05, (asset, recorded, at_least, lo, hi)

    # Every defended variant engages; at least one lets through fewer leakers than happened.
    leakers = {}
    for name in defended:
        summary = results[name].summary
        assert summary["interceptors_used_mean"] > 0, name
        row = summary["by_threat"][-1]
        assert row["launched_per_rep"] == overall["launched_per_rep"], name
        leakers[name] = row["leakers_mean"]
    assert min(leakers.values()) < overall["leakers_mean"], leakers
