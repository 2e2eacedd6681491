"""Issue 10 C4: temporary folders are cleaned, catalog figures can be swept (Pk and RCS
sensitivity), bad compare options are refused before any work, and the run summary prints
the doctrine in use."""

from __future__ import annotations

import gc
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import iadsim
from iadsim.analysis import compare as compare_mod
from iadsim.analysis.sweep import apply_values, sweep
from iadsim.cli import app
from iadsim.engine.prepare import prepare
from iadsim.errors import InputError

DEPOT = "examples/depot-drone-raid.yaml"


def _ours() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("iadsim-*"))


def test_run_without_out_dir_leaves_no_temporary_folder():
    before = _ours()
    s = iadsim.load_scenario(DEPOT)
    results = iadsim.run(s, ["tor-m2"], replications=20, workers=1)
    directory = results.directory
    variant = results["tor-m2"]
    del results
    gc.collect()
    # a variant's result still in use keeps its files
    assert (variant.directory / "threats.parquet").exists()
    assert len(variant.threats()) == 20 * variant.summary["threats_per_replication"]
    del variant
    gc.collect()
    assert not directory.exists()
    assert _ours() <= before


def test_sweep_without_out_dir_leaves_no_temporary_folder():
    before = _ours()
    frame = sweep(
        iadsim.load_scenario(DEPOT), {"raids[0].count": [2]}, ["tor-m2"], replications=10, workers=1
    )
    directory = Path(frame.attrs["directory"])
    assert (directory / "sweep.parquet").exists()
    del frame
    gc.collect()
    assert not directory.exists()
    assert _ours() <= before


def test_catalog_pk_and_rcs_can_be_swept(tmp_path):
    base = iadsim.load_scenario(DEPOT)
    pk_path = "catalog.tor-m2.interceptors.9m338.pk.drone"
    zero = apply_values(base, {pk_path: 0.0})
    assert zero.effective_catalog.systems["tor-m2"].interceptors["9m338"].pk.drone.value == 0.0
    # the base scenario's catalog is untouched
    assert base.effective_catalog.systems["tor-m2"].interceptors["9m338"].pk.drone.value > 0
    frame = sweep(
        base, {pk_path: [0.0, 1.0]}, ["tor-m2"], replications=40, workers=1, out_dir=tmp_path / "pk"
    )
    killed = frame[frame["threat_class"] == "all"].set_index(pk_path)["killed_mean"]
    assert killed[0.0] == 0.0 and killed[1.0] > 1.0
    # RCS: a smaller drone is detected with a lower probability by the same radar
    small = prepare(apply_values(base, {"catalog.shahed-136.rcs_m2": 0.001}), "tor-m2")
    large = prepare(apply_values(base, {"catalog.shahed-136.rcs_m2": 1.0}), "tor-m2")
    small_pd, large_pd = small.sensors.pd.dense(), large.sensors.pd.dense()
    seen = large_pd > 0
    assert seen.any() and (small_pd[seen] < large_pd[seen]).all()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("catalog.tor-m3.rcs_m2", "unknown catalog entry 'tor-m3'"),
        ("catalog.tor-m2.interceptors.9m338.pk", "is not a figure of 'tor-m2'"),
        ("catalog.overrides", "catalog figures are swept as catalog.ENTRY.FIGURE"),
    ],
)
def test_bad_catalog_sweep_paths(path, message):
    with pytest.raises(InputError) as info:
        apply_values(iadsim.load_scenario(DEPOT), {path: 0.5})
    assert message in str(info.value)


def test_sweeping_a_sector_scenario_keeps_its_defaults(tmp_path):
    """A point is validated from the fields as given: defaults stay defaults, so the sector
    checks (which look at what the file gave) neither fire wrongly nor get skipped."""
    s = iadsim.load_scenario("examples/iraq-2020-al-asad.yaml")
    point = apply_values(s, {"raids[0].count": 5, "fire_units[2].sector_center_deg": 90})
    assert point.fire_units[2].sector_center_deg == 90
    assert "sector_center_deg" not in point.fire_units[0].model_fields_set


OPTIONS = [
    ("- name: a\n  fire_units: [nope]\n", "unknown fire unit 'nope'"),
    ("- name: 'a b'\n", "String should match pattern"),
    ("- name: a\n- name: a\n", "duplicate name 'a'"),
    (
        "- name: a\n  doctrine: {shoot_look_shoot: true, engagements_per_threat: 1}\n",
        "no second look",
    ),
]


@pytest.mark.parametrize(("text", "message"), OPTIONS)
def test_bad_compare_options_fail_before_any_run(tmp_path, monkeypatch, text, message):
    def no_run(*args, **kwargs):
        raise AssertionError("a run started before the options were checked")

    monkeypatch.setattr(iadsim, "run", no_run)
    monkeypatch.setattr(compare_mod, "compare", no_run)
    options = tmp_path / "options.yaml"
    options.write_text(text)
    result = CliRunner().invoke(
        app, ["compare", DEPOT, "--options", str(options), "--out", str(tmp_path / "c")]
    )
    assert result.exit_code == 2, result.output
    assert message in result.output and str(options) in result.output
    assert not (tmp_path / "c").exists()


def test_run_summary_prints_the_doctrine_in_use(tmp_path):
    text = textwrap.dedent(
        """\
        schema_version: 1
        name: plain
        terrain: {dem: none}
        assets: [{name: depot, lat: 33.95, lon: 44.35}]
        fire_units: [{name: tor, system: tor-m2, lat: 33.955, lon: 44.355}]
        raids:
          - {name: d, threat: shahed-136, launch_points: [{lat: 33.95, lon: 44.1}], aim: depot}
        """
    )
    path = tmp_path / "plain.yaml"
    path.write_text(text)
    result = CliRunner().invoke(
        app,
        ["run", str(path), "-n", "10", "-q", "--out", str(tmp_path / "o")],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    # no doctrine block: the defaults are said, not left to guess
    assert "Doctrine in use" in result.output
    assert "salvo 1, no shoot-look-shoot, up to 1 engagement(s) per threat" in result.output
    summary = iadsim.analysis.summary.summarize(tmp_path / "o" / "base")
    assert summary["doctrine"]["salvo_size"] == 1
    assert np.isfinite(summary["interceptors_used_mean"])


def test_full_dump_of_a_sector_scenario_loads_back(tmp_path):
    """The scenario as run (every field written, defaults included) passes the sector rules."""
    from iadsim.analysis.runs import scenario_as_run

    for example in ("examples/iraq-2020-al-asad.yaml", DEPOT):
        changed = apply_values(iadsim.load_scenario(example), {"raids[0].count": 3})
        path = tmp_path / Path(example).name
        path.write_text(scenario_as_run(changed))
        again = iadsim.load_scenario(path)
        assert again.model_dump() == changed.model_dump()
