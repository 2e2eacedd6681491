"""A scenario adds or narrows a figure's uncertainty under catalog.overrides; widening, bad spans
and ambiguous overrides are reported at FILE:LINE:COL."""

from __future__ import annotations

import pytest

from iadsim.errors import InputError
from iadsim.scenario import load_scenario
from tests.unit.scenario.test_inline_catalog import BASE, NEW_THREAT, write

# The inline threat's RCS carries an uncertainty that the overrides below narrow or widen.
UNCERTAIN = NEW_THREAT.replace(
    "rcs_m2: {value: 0.05, unit: m^2, claim: assumption, note: analyst's hypothesis}",
    "rcs_m2: {value: 0.05, unit: m^2, claim: assumption, note: analyst's hypothesis,\n"
    "        uncertainty: {low: 0.01, high: 0.5, distribution: loguniform, reasoning: unknown}}",
)

OVERRIDE = """\
  overrides:
    - entry: ENTRY
      path: PATH
      uncertainty: {low: LOW, high: HIGH, distribution: DIST, reasoning: analyst's span}
"""


def _scenario(tmp_path, entry, path, low, high, dist="uniform"):
    block = (
        OVERRIDE.replace("ENTRY", entry)
        .replace("PATH", path)
        .replace("LOW", str(low))
        .replace("HIGH", str(high))
        .replace("DIST", dist)
    )
    return write(tmp_path, BASE.replace("THREAT", "fast-drone") + UNCERTAIN + block)


def test_override_adds_an_uncertainty_and_keeps_the_figure(tmp_path):
    # the inline threat's CEP has no uncertainty of its own
    path = _scenario(tmp_path, "fast-drone", "cep_m", 2, 10)
    scenario = load_scenario(path)
    cep = scenario.effective_catalog.threats["fast-drone"].cep_m
    assert (cep.uncertainty.low, cep.uncertainty.high) == (2, 10)
    assert cep.uncertainty.reasoning == "analyst's span"
    assert cep.value == 5


def test_override_narrows_an_existing_uncertainty(tmp_path):
    path = _scenario(tmp_path, "fast-drone", "rcs_m2", 0.02, 0.1, "loguniform")
    rcs = load_scenario(path).effective_catalog.threats["fast-drone"].rcs_m2
    assert (rcs.uncertainty.low, rcs.uncertainty.high) == (0.02, 0.1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("fast-drone", "rcs_m2", 0.005, 0.1, "loguniform"), "widens the catalog's uncertainty"),
        (("fast-drone", "cep_m", 6, 9), "outside the uncertainty"),
        (("fast-drone", "reliability", 0.5, 1.2), "at high = 1.2"),
        (("fast-drone", "cep_m", 2, 9, "gaussian"), "distribution"),
    ],
    ids=["widen", "value-outside", "end-invalid", "bad-distribution"],
)
def test_bad_uncertainty_override_is_located(tmp_path, args, message):
    path = _scenario(tmp_path, *args)
    lines = path.read_text().splitlines()
    # the override's own uncertainty key, the last one in the file (1-based line and column)
    line = max(i for i, s in enumerate(lines, 1) if s.strip().startswith("uncertainty: {low"))
    col = lines[line - 1].index("uncertainty:") + 1
    with pytest.raises(InputError) as info:
        load_scenario(path)
    text = str(info.value)
    assert f"{path}:{line}:{col}: catalog.overrides[0].uncertainty: " in text, text
    assert message in text, text


def test_figure_and_uncertainty_together_is_an_error(tmp_path):
    path = _scenario(tmp_path, "fast-drone", "cep_m", 2, 9)
    head, tail = path.read_text().rsplit("\n      uncertainty: {low", 1)
    figure = "\n      figure: {value: 0.8, unit: '1', claim: assumption, note: x}"
    text = head + figure + "\n      uncertainty: {low" + tail
    path.write_text(text)
    with pytest.raises(InputError, match=r"catalog\.overrides\[0\]: .*either 'figure'"):
        load_scenario(path)
