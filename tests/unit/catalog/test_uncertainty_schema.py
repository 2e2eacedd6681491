"""Figure uncertainties: low <= value <= high, a distribution, reasoning, and both ends valid;
each bad one reported at FILE:LINE:COL of the offending key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from iadsim.catalog import load_entry
from iadsim.errors import InputError

THREAT = """\
schema_version: 1
kind: threat
name: test-missile
display_name: Test missile
origin: Nowhere
threat_class: ballistic
summary: A test entry.
rcs_m2:
  value: 0.1
  unit: m^2
  claim: assumption
  note: guess
  uncertainty: {low: LOW, high: HIGH, distribution: DIST, reasoning: REASON}
unit_cost_usd: {value: 1000, unit: USD, claim: assumption, note: guess}
reliability:
  value: 0.9
  unit: "1"
  claim: assumption
  note: guess
  uncertainty: {low: RELMIN, high: RELMAX, distribution: uniform, reasoning: test}
cep_m: {value: 10, unit: m, claim: assumption, note: guess}
max_range_km: {value: 300, unit: km, claim: assumption, note: guess}
boost_time_s: {value: 30, unit: s, claim: assumption, note: guess}
"""
GOOD = {
    "LOW": "0.01",
    "HIGH": "1.0",
    "DIST": "loguniform",
    "REASON": "RCS of a re-entry vehicle",
    "RELMIN": "0.8",
    "RELMAX": "1.0",
}


def _write(tmp_path: Path, **changes: str) -> Path:
    text = THREAT
    for key, value in {**GOOD, **changes}.items():
        text = text.replace(key, value)
    path = tmp_path / "test-missile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_uncertainty_loads_with_its_fields(tmp_path):
    entry = load_entry(_write(tmp_path))
    u = entry.rcs_m2.uncertainty
    assert (u.low, u.high, u.distribution) == (0.01, 1.0, "loguniform")
    assert u.reasoning == "RCS of a re-entry vehicle"
    assert entry.unit_cost_usd.uncertainty is None


@pytest.mark.parametrize(
    ("changes", "line", "key", "field", "message"),
    [
        ({"LOW": "0.2"}, 13, "low", "rcs_m2.uncertainty.low", "outside the uncertainty"),
        ({"HIGH": "0.05"}, 13, "high", "rcs_m2.uncertainty.high", "outside"),
        ({"LOW": "0.5", "HIGH": "0.2"}, 13, "high", "rcs_m2.uncertainty.high", "low 0.5 > high"),
        ({"LOW": "0"}, 13, "low", "rcs_m2.uncertainty.low", "low > 0"),
        ({"DIST": "normal"}, 13, "distribution", "rcs_m2.uncertainty.distribution", "uniform"),
        ({"REASON": "''"}, 13, "reasoning", "rcs_m2.uncertainty.reasoning", "at least 1"),
        # reliability must stay in (0, 1]: a span reaching 1.1 would sample invalid entries
        ({"RELMAX": "1.1"}, 20, "high", "reliability.uncertainty.high", "at high = 1.1"),
    ],
    ids=[
        "value-below",
        "value-above",
        "reversed",
        "loguniform-zero",
        "bad-dist",
        "no-reason",
        "end-breaks-rule",
    ],
)
def test_bad_uncertainty_is_located(tmp_path, changes, line, key, field, message):
    path = _write(tmp_path, **changes)
    # the error points at the value of the offending key on its line (1-based columns)
    col = path.read_text().splitlines()[line - 1].index(f"{key}: ") + len(key) + 3
    with pytest.raises(InputError) as info:
        load_entry(path)
    text = str(info.value)
    m = re.search(rf"{re.escape(str(path))}:(\d+):(\d+): {re.escape(field)}: (.*)", text)
    assert m, text
    assert (int(m.group(1)), int(m.group(2))) == (line, col), text
    assert message in m.group(3), text


def test_reasoning_is_required(tmp_path):
    path = _write(tmp_path)
    path.write_text(path.read_text().replace(", reasoning: RCS of a re-entry vehicle", ""))
    with pytest.raises(InputError, match=r"rcs_m2\.uncertainty\.reasoning: required"):
        load_entry(path)


def test_collapsed_span_is_allowed(tmp_path):
    entry = load_entry(_write(tmp_path, LOW="0.1", HIGH="0.1", DIST="triangular"))
    assert entry.rcs_m2.uncertainty.low == entry.rcs_m2.uncertainty.high == 0.1
