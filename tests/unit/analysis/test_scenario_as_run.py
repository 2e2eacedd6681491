"""The results directory records the scenario as run: its file when unchanged, else the model
changed in memory (compare --options, sweep points), which loads back to the same scenario."""

from __future__ import annotations

import iadsim
from iadsim.scenario import Variant


def test_unchanged_scenario_is_copied_verbatim(tmp_path):
    scenario = iadsim.load_scenario("examples/depot-drone-raid.yaml")
    iadsim.run(scenario, replications=10, workers=1, out_dir=tmp_path)
    assert (tmp_path / "scenario.yaml").read_bytes() == open(
        "examples/depot-drone-raid.yaml", "rb"
    ).read()


def test_changed_scenario_is_written_and_loads_back(tmp_path):
    scenario = iadsim.load_scenario("examples/depot-drone-raid.yaml")
    changed = scenario.model_copy(
        update={"variants": [Variant(name="only-tor", fire_units=["tor-depot"])]}
    )
    changed._source_path, changed._catalog = scenario.source_path, scenario.effective_catalog
    iadsim.run(changed, replications=10, workers=1, out_dir=tmp_path)
    text = (tmp_path / "scenario.yaml").read_text()
    assert text.startswith("# The scenario as run, written by iadsim")
    back = iadsim.load_scenario(tmp_path / "scenario.yaml")
    assert back.variant_names() == ["only-tor"]
    assert back.model_dump() == changed.model_dump()
