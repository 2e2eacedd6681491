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


def test_the_loaded_text_is_recorded_without_reading_the_file_again(tmp_path):
    """The scenario carries its source text: the file may be gone (or edited) by run time."""
    src = tmp_path / "in.yaml"
    text = open("examples/depot-drone-raid.yaml", encoding="utf-8").read()
    src.write_text(text, encoding="utf-8")
    scenario = iadsim.load_scenario(src)
    assert scenario.source_text == text and not scenario.changed_since_load
    src.unlink()
    iadsim.run(scenario, replications=5, workers=1, out_dir=tmp_path / "out")
    assert (tmp_path / "out" / "scenario.yaml").read_text(encoding="utf-8") == text


def test_changed_since_load_sees_copies_and_is_true_without_a_file():
    scenario = iadsim.load_scenario("examples/depot-drone-raid.yaml")
    same = scenario.model_copy()
    assert not same.changed_since_load
    changed = scenario.model_copy(update={"description": "edited in memory"})
    assert changed.changed_since_load
    fresh = iadsim.Scenario.model_validate(scenario.model_dump())
    assert fresh.source_text is None and fresh.changed_since_load
