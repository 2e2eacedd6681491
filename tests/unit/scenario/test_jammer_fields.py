"""Jammer fields of a raid (issue 11): errors at FILE:LINE:COL, and an accepted jammer changes
the prepared detection model."""

from __future__ import annotations

import textwrap

import pytest

from iadsim.engine.prepare import prepare
from iadsim.errors import InputError
from iadsim.scenario import load_scenario

BASE = textwrap.dedent(
    """\
    schema_version: 1
    name: jam
    terrain: {dem: none}
    assets: [{name: base, lat: 33.8, lon: 42.43}]
    fire_units:
      - {name: fu1, system: s-400, lat: 33.79, lon: 42.45}
    raids:
      - name: r1
        threat: THREAT
        launch_points: [{lat: 33.0, lon: 41.0}]
        aim: base
        jammer: JAMMER
    """
)


def load(tmp_path, threat="f-15e", jammer="alq-99", system="s-400"):
    path = tmp_path / "s.yaml"
    text = BASE.replace("THREAT", threat).replace("JAMMER", jammer).replace("s-400", system)
    path.write_text(text)
    return path, load_scenario(path)


def error(tmp_path, **kw) -> str:
    with pytest.raises(InputError) as info:
        load(tmp_path, **kw)
    return str(info.value)


def test_unknown_jammer(tmp_path):
    msg = error(tmp_path, jammer="alq-999")
    assert f"{tmp_path / 's.yaml'}:12:13: raids[0].jammer: unknown jammer 'alq-999'" in msg
    assert "alq-99, mald-j" in msg


def test_threat_class_that_cannot_carry_it(tmp_path):
    msg = error(tmp_path, threat="fateh-313")
    assert f"{tmp_path / 's.yaml'}:12:13: raids[0].jammer:" in msg
    assert "a ballistic threat (fateh-313) cannot carry the 'alq-99' jammer" in msg
    msg = error(tmp_path, threat="f-15e", jammer="mald-j")
    assert (
        "an aircraft threat (f-15e) cannot carry the 'mald-j' jammer; it is carried by: cruise, drone"
        in msg
    )


def test_radar_without_ew_figures(tmp_path):
    msg = error(tmp_path, system="patriot-pac3")
    assert "raids[0].jammer: jamming needs each radar's peak_power_w" in msg
    assert "fu1 (patriot-pac3" in msg


def test_accepted_jammer_changes_the_model(tmp_path):
    _, sc = load(tmp_path)
    p = prepare(sc)
    assert p.jamming.on and list(p.jamming.carrier) == [0]
    assert p.jamming.jammer == ["alq-99"]
    assert (p.jamming.w > 0).any()
    clear = sc.model_copy(update={"raids": [sc.raids[0].model_copy(update={"jammer": None})]})
    assert not prepare(clear).jamming.on
