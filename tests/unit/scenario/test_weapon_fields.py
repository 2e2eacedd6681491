"""Weapon fields of a raid (issue 11): each mistake at FILE:LINE:COL."""

from __future__ import annotations

import textwrap

import pytest

from iadsim.errors import InputError
from iadsim.scenario import load_scenario

BASE = textwrap.dedent(
    """\
    schema_version: 1
    name: w
    terrain: {dem: none}
    assets: [{name: base, lat: 33.8, lon: 42.43}]
    raids:
      - name: r1
        threat: THREAT
        launch_points: [{lat: 33.0, lon: 40.0}]
        aim: base
        weapons:
          - {weapon: WEAPON, count: 2, release_range_m: RANGE}
    """
)


def error(tmp_path, threat="f-15e", weapon="gbu-39", range_m=50_000) -> str:
    path = tmp_path / "s.yaml"
    path.write_text(
        BASE.replace("THREAT", threat).replace("WEAPON", weapon).replace("RANGE", str(range_m))
    )
    with pytest.raises(InputError) as info:
        load_scenario(path)
    return str(info.value)


def test_good_weapons_load(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        BASE.replace("THREAT", "f-15e").replace("WEAPON", "gbu-39").replace("RANGE", "50000")
    )
    assert load_scenario(path).raids[0].weapons[0].count == 2


@pytest.mark.parametrize(
    ("kw", "where", "message"),
    [
        (dict(weapon="gbu-99"), "11:18: raids[0].weapons[0].weapon", "unknown weapon 'gbu-99'"),
        (
            dict(weapon="tomahawk"),
            "11:18: raids[0].weapons[0].weapon",
            "an aircraft cannot carry 'tomahawk'",
        ),
        (
            dict(range_m=150_000),
            "11:53: raids[0].weapons[0].release_range_m",
            "150 km is beyond the gbu-39 maximum range of 110 km",
        ),
        (dict(threat="soumar"), "10:5: raids[0].weapons", "only aircraft release weapons"),
    ],
)
def test_weapon_errors(tmp_path, kw, where, message):
    msg = error(tmp_path, **kw)
    assert f"{tmp_path / 's.yaml'}:{where}" in msg, msg
    assert message in msg, msg


def test_a_glide_bomb_is_not_a_raid_threat(tmp_path):
    msg = error(tmp_path, threat="gbu-31")
    assert "raids[0].threat: 'gbu-31' is a glide weapon" in msg


ARM = BASE.replace(
    "assets: [{name: base, lat: 33.8, lon: 42.43}]",
    "assets: [{name: base, lat: 33.8, lon: 42.43}]\n"
    "fire_units: [{name: sam, system: s-400, lat: 33.8, lon: 42.5, emcon: EMCON}]",
)


def arm_error(tmp_path, weapon="agm-88", target=", target: sam", emcon="always") -> str:
    path = tmp_path / "s.yaml"
    text = ARM.replace("THREAT", "f-15e").replace("WEAPON", weapon).replace("EMCON", emcon)
    path.write_text(text.replace("RANGE", "50000}").replace("50000}}", "50000" + target + "}"))
    with pytest.raises(InputError) as info:
        load_scenario(path)
    return str(info.value)


def test_arm_fields(tmp_path):
    assert "give the fire unit or sensor whose radar it homes on" in arm_error(tmp_path, target="")
    msg = arm_error(tmp_path, target=", target: nowhere")
    assert "raids[0].weapons[0].target: unknown fire unit or sensor 'nowhere'; known: sam" in msg
    msg = arm_error(tmp_path, weapon="gbu-39")
    assert "'gbu-39' does not home on radars; remove target" in msg
    assert "fire_units[0].emcon" in arm_error(tmp_path, emcon="sometimes")


def test_route_errors(tmp_path):
    path = tmp_path / "s.yaml"
    text = BASE.replace("THREAT", "f-15e").replace("WEAPON", "gbu-39").replace("RANGE", "50000")
    path.write_text(text.replace("    aim: base\n", "    aim: base\n    route: avoid-defences\n"))
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert "raids[0].route: avoid-defences: a planned route with stand-off weapons" in str(
        info.value
    )
