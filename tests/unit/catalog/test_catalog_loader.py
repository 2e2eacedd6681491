"""The packaged catalog loads, and every bad file is reported at FILE:LINE:COL with its field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from iadsim.catalog import SystemEntry, ThreatEntry, load_catalog, load_directory, load_entry
from iadsim.catalog.schema import JammerEntry
from iadsim.errors import InputError

SYSTEMS = {"s-400", "tor-m2", "patriot-pac3"}
THREATS = {"fateh-313", "qiam-1", "soumar", "shahed-136", "f-16c"}

THREAT = """\
schema_version: 1
kind: threat
name: {name}
display_name: Test missile
origin: Nowhere
threat_class: ballistic
summary: A test entry.
rcs_m2: {{value: 0.1, unit: m^2, claim: assumption, note: guess}}
unit_cost_usd: {{value: 1000, unit: USD, claim: assumption, note: guess}}
reliability: {{value: 0.9, unit: "1", claim: assumption, note: guess}}
cep_m: {{value: 10, unit: m, claim: assumption, note: guess}}
max_range_km:
  value: 300
  unit: km
  claim: manufacturer
  sources: [https://example.org/a]
boost_time_s: {{value: 30, unit: s, claim: assumption, note: guess}}
"""


def _write(tmp_path: Path, text: str, name: str = "test-missile") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(InputError) as info:
        load_entry(path)
    return str(info.value)


def _where(message: str, path: Path) -> tuple[int, int]:
    m = re.match(rf"{re.escape(str(path))}:(\d+):(\d+): ", message)
    assert m, f"no FILE:LINE:COL prefix in {message!r}"
    return int(m.group(1)), int(m.group(2))


def test_every_packaged_file_validates_and_the_v1_entries_are_found():
    cat = load_catalog()
    assert SYSTEMS <= set(cat.systems)
    assert THREATS <= set(cat.threats)
    assert {"alq-99", "mald-j"} <= set(cat.jammers)
    assert len(cat) == len(cat.systems) + len(cat.threats) + len(cat.jammers) >= 8
    assert cat.names() == [*sorted(cat.systems), *sorted(cat.threats), *sorted(cat.jammers)]
    for name, file in cat.files.items():
        entry = load_entry(file)
        assert entry.name == name == Path(file).stem
        kind = (
            SystemEntry
            if name in cat.systems
            else JammerEntry
            if name in cat.jammers
            else ThreatEntry
        )
        assert isinstance(entry, kind)


def test_load_catalog_is_cached():
    assert load_catalog() is load_catalog()


def test_the_good_template_loads(tmp_path):
    entry = load_entry(_write(tmp_path, THREAT.format(name="test-missile")))
    assert isinstance(entry, ThreatEntry)
    assert entry.max_range_km.si() == 300_000.0


def test_non_assumption_without_source(tmp_path):
    text = THREAT.format(name="test-missile").replace("  sources: [https://example.org/a]\n", "")
    path = _write(tmp_path, text)
    msg = _error(path)
    line, _ = _where(msg, path)
    assert line == 12  # the max_range_km mapping
    assert "max_range_km.sources" in msg
    assert "needs at least one source" in msg


def test_source_must_be_a_url(tmp_path):
    text = THREAT.format(name="test-missile").replace("https://example.org/a", "Jane's 2019")
    msg = _error(_write(tmp_path, text))
    assert "max_range_km.sources" in msg and "http(s) URLs" in msg


def test_assumption_without_note(tmp_path):
    text = THREAT.format(name="test-missile").replace(
        "cep_m: {value: 10, unit: m, claim: assumption, note: guess}",
        "cep_m: {value: 10, unit: m, claim: assumption}",
    )
    path = _write(tmp_path, text)
    msg = _error(path)
    line, _ = _where(msg, path)
    assert line == 11
    assert "cep_m.note" in msg and "reasoning" in msg


def test_unit_must_match_the_suffix(tmp_path):
    text = THREAT.format(name="test-missile").replace("  unit: km\n", "  unit: m\n")
    path = _write(tmp_path, text)
    msg = _error(path)
    assert _where(msg, path) == (14, 9)  # the value of max_range_km.unit
    assert "max_range_km.unit" in msg and "expected 'km'" in msg


def test_unknown_claim(tmp_path):
    text = THREAT.format(name="test-missile").replace("claim: manufacturer", "claim: rumour")
    path = _write(tmp_path, text)
    msg = _error(path)
    assert _where(msg, path) == (15, 10)
    assert "max_range_km.claim" in msg and "manufacturer" in msg


def test_range_must_contain_the_value(tmp_path):
    text = THREAT.format(name="test-missile").replace(
        "  claim: manufacturer\n", "  claim: manufacturer\n  range: [400, 500]\n"
    )
    msg = _error(_write(tmp_path, text))
    assert "max_range_km.value" in msg and "outside range" in msg


def test_ballistic_threat_needs_boost_time(tmp_path):
    lines = THREAT.format(name="test-missile").splitlines(keepends=True)
    path = _write(tmp_path, "".join(line for line in lines if "boost_time_s" not in line))
    msg = _error(path)
    _where(msg, path)
    assert "boost_time_s" in msg and "required for threat_class 'ballistic'" in msg


def test_class_field_that_does_not_apply(tmp_path):
    text = THREAT.format(name="test-missile") + (
        "speed_mps: {value: 200, unit: m/s, claim: assumption, note: guess}\n"
    )
    msg = _error(_write(tmp_path, text))
    assert "speed_mps" in msg and "not used for threat_class 'ballistic'" in msg


def test_name_must_equal_the_file_stem(tmp_path):
    path = _write(tmp_path, THREAT.format(name="other-missile"))
    msg = _error(path)
    assert _where(msg, path) == (3, 7)
    assert "name" in msg and "file name stem 'test-missile'" in msg


def test_unknown_kind(tmp_path):
    text = THREAT.format(name="test-missile").replace("kind: threat", "kind: sensor")
    path = _write(tmp_path, text)
    msg = _error(path)
    assert _where(msg, path) == (2, 7)
    assert "unknown kind 'sensor'" in msg


def test_bad_cross_reference(tmp_path):
    s400 = Path(load_catalog().files["s-400"]).read_text(encoding="utf-8")
    text = s400.replace("default_interceptor: 48n6e3", "default_interceptor: 48n6e9")
    text = text.replace("name: s-400", "name: bad-system")
    path = _write(tmp_path, text, "bad-system")
    msg = _error(path)
    line, _ = _where(msg, path)
    assert path.read_text().splitlines()[line - 1].strip() == "default_interceptor: 48n6e9"
    assert "fire_unit.default_interceptor" in msg
    assert "unknown interceptor '48n6e9'; known: 40n6e, 48n6e3, 9m96e2" in msg


def test_nested_figure_path_in_a_system(tmp_path):
    s400 = Path(load_catalog().files["s-400"]).read_text(encoding="utf-8")
    text = s400.replace("name: s-400", "name: bad-system").replace(
        "      value: 2000\n      unit: m/s\n", "      value: 2000\n      unit: km/s\n"
    )
    msg = _error(_write(tmp_path, text, "bad-system"))
    assert "interceptors.48n6e3.max_speed_mps.unit" in msg


def test_duplicate_names_across_directories(tmp_path):
    (tmp_path / "systems").mkdir()
    (tmp_path / "threats").mkdir()
    _write(tmp_path / "threats", THREAT.format(name="test-missile"))
    s400 = Path(load_catalog().files["s-400"]).read_text(encoding="utf-8")
    _write(tmp_path / "systems", s400.replace("name: s-400", "name: test-missile"))
    with pytest.raises(InputError) as info:
        load_directory(tmp_path)
    assert "duplicate name 'test-missile'" in str(info.value)


def test_threat_file_in_the_systems_directory(tmp_path):
    (tmp_path / "systems").mkdir()
    _write(tmp_path / "systems", THREAT.format(name="test-missile"))
    with pytest.raises(InputError) as info:
        load_directory(tmp_path)
    assert "kind" in str(info.value) and "'system'" in str(info.value)


def test_unknown_names_list_the_known_ones():
    cat = load_catalog()
    with pytest.raises(InputError) as info:
        cat.system("s-300")
    assert str(info.value) == f"unknown system 's-300'; known: {', '.join(sorted(cat.systems))}"
    assert "patriot-pac3, " in str(info.value)
    with pytest.raises(InputError) as info:
        cat.threat("scud-b")
    assert str(info.value) == f"unknown threat 'scud-b'; known: {', '.join(sorted(cat.threats))}"
    assert "f-16c, " in str(info.value) and "fateh-313" in str(info.value)
    assert cat.system("s-400").name == "s-400"
    assert cat.threat("fateh-313").threat_class == "ballistic"


# Sources, reliabilities and Pk are rules of the schema, so every packaged file obeys them once
# it loads (test_every_packaged_file_validates_...); these tests show that a file breaking them
# does not load, and where the loader points.


def test_reliability_outside_zero_one_is_rejected_at_its_line(tmp_path):
    text = THREAT.format(name="test-missile").replace(
        'reliability: {value: 0.9, unit: "1"', 'reliability: {value: 1.5, unit: "1"'
    )
    path = _write(tmp_path, text)
    msg = _error(path)
    assert _where(msg, path)[0] == 10
    assert "reliability.value" in msg and "must be in (0, 1]" in msg


def _without_uncertainty(lines: list[str]) -> list[str]:
    """Drop every figure's ``uncertainty:`` block, so the rule under test is the only one hit."""
    out, skip = [], None
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if skip is not None and indent > skip:
            continue
        skip = indent if line.strip() == "uncertainty:" else None
        if skip is None:
            out.append(line)
    return out


def test_pk_outside_zero_one_is_rejected_at_its_line(tmp_path):
    s400 = Path(load_catalog().files["s-400"]).read_text(encoding="utf-8")
    lines = _without_uncertainty(s400.splitlines(keepends=True))
    pk = next(i for i, line in enumerate(lines) if line.strip() == "pk:")
    assert lines[pk + 2].strip() == "value: 0.5"
    lines[pk + 2] = lines[pk + 2].replace("0.5", "1.2")
    text = "".join(lines).replace("name: s-400", "name: bad-system")
    path = _write(tmp_path, text, "bad-system")
    msg = _error(path)
    assert "pk.ballistic.value" in msg and "must be in [0, 1]" in msg
    assert _where(msg, path)[0] == pk + 3  # the edited value's line (1-based)
