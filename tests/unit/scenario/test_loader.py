"""Malformed scenarios: each gives FILE:LINE:COL, the field path and a clear message."""

from __future__ import annotations

import textwrap

import pytest

from iadsim.errors import InputError
from iadsim.scenario import load_scenario

GOOD = textwrap.dedent(
    """\
    schema_version: 1
    name: test
    assets:
      - name: base
        lat: 33.8
        lon: 42.43
        value: 10
    fire_units:
      - name: fu1
        system: s-400
        lat: 33.79
        lon: 42.45
    raids:
      - name: r1
        threat: fateh-313
        launch_points: [{lat: 34.4, lon: 46.95}]
        aim: base
        count: 4
    doctrine:
      salvo_size: 2
    tracking: {confirm_m: 2, confirm_n: 3}
    variants:
      - name: defended
        fire_units: [fu1]
    """
)


def write(tmp_path, text):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


def error_of(tmp_path, text) -> str:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_scenario(path)
    return str(info.value)


def test_good_scenario_loads(tmp_path):
    s = load_scenario(write(tmp_path, GOOD))
    assert s.raids[0].count == 4
    assert s.doctrine.max_engagements == 1
    assert s.variant_names() == ["defended"]


CASES = [
    # (description, replace old, new, expected "LINE:COL: field" fragment, message fragment)
    ("wrong type", "count: 4", "count: many", "18:12: raids[0].count", "integer"),
    ("latitude out of range", "lat: 33.8\n", "lat: 95\n", "5:10: assets[0].lat", "less than"),
    (
        "unknown field",
        "salvo_size: 2",
        "salvo_sise: 2",
        "20:3: doctrine.salvo_sise",
        "unknown field",
    ),
    ("missing field", "    aim: base\n", "", "14:5: raids[0].aim", "required"),
    (
        "unknown system",
        "system: s-400",
        "system: s-401",
        "10:13: fire_units[0].system",
        "unknown system 's-401'; known:",
    ),
    (
        "unknown asset",
        "aim: base",
        "aim: baghdad",
        "17:10: raids[0].aim",
        "unknown asset 'baghdad'",
    ),
    (
        "unknown threat",
        "threat: fateh-313",
        "threat: scud-z",
        "15:13: raids[0].threat",
        "unknown threat 'scud-z'",
    ),
    (
        "variant names unknown fire unit",
        "fire_units: [fu1]",
        "fire_units: [fu9]",
        "24:18: variants[0].fire_units[0]",
        "unknown fire unit 'fu9'",
    ),
    (
        "schema version",
        "schema_version: 1",
        "schema_version: 2",
        "1:17: schema_version",
        "not supported",
    ),
    ("m of n", "confirm_m: 2", "confirm_m: 5", "21:1: tracking", "confirm_m must not exceed"),
    (
        "beyond the threat's range",
        "launch_points: [{lat: 34.4, lon: 46.95}]",
        "launch_points: [{lat: 29.0, lon: 52.0}]",
        "16:21: raids[0].launch_points[0]",
        "beyond the fateh-313 maximum range of 500 km",
    ),
    ("negative count", "count: 4", "count: -3", "18:12: raids[0].count", "greater than or equal"),
]


@pytest.mark.parametrize(
    ("old", "new", "where", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_malformed_gives_file_line_col(tmp_path, old, new, where, message):
    assert old in GOOD
    msg = error_of(tmp_path, GOOD.replace(old, new, 1))
    assert f"{tmp_path / 's.yaml'}:{where}" in msg, msg
    assert message in msg, msg


def test_duplicate_name_points_at_second(tmp_path):
    text = GOOD.replace(
        "raids:",
        "  - name: fu1\n    system: tor-m2\n    lat: 33.8\n    lon: 42.4\nraids:",
    )
    msg = error_of(tmp_path, text)
    assert ":13:11: fire_units[1].name: duplicate name 'fu1'" in msg, msg


def test_yaml_syntax_error_has_position(tmp_path):
    msg = error_of(tmp_path, GOOD.replace("  - name: base", "  - name: base\n   bad: [", 1))
    assert msg.startswith(f"{tmp_path / 's.yaml'}:5:"), msg


def test_duplicate_key(tmp_path):
    msg = error_of(tmp_path, GOOD.replace("name: test", "name: test\nname: again", 1))
    assert f"{tmp_path / 's.yaml'}:3:" in msg and "duplicate" in msg.lower(), msg


def test_empty_and_missing_file(tmp_path):
    assert "empty" in error_of(tmp_path, "")
    with pytest.raises(InputError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")


def test_several_problems_reported_together(tmp_path):
    text = GOOD.replace("count: 4", "count: many").replace("lat: 33.8\n", "lat: 95\n")
    msg = error_of(tmp_path, text)
    assert "raids[0].count" in msg and "assets[0].lat" in msg
