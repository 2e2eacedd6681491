"""Scenario-defined catalog entries and figure overrides: same schema, same errors."""

from __future__ import annotations

import textwrap

import pytest

import iadsim
from iadsim.errors import InputError
from iadsim.scenario import load_scenario

BASE = textwrap.dedent(
    """\
    schema_version: 1
    name: inline
    terrain: {dem: none}
    assets: [{name: depot, lat: 33.95, lon: 44.35, value: 5, radius_m: 300}]
    fire_units:
      - {name: tor, system: tor-m2, lat: 33.955, lon: 44.355}
    raids:
      - name: drones
        threat: THREAT
        launch_points: [{lat: 33.95, lon: 43.95}]
        aim: depot
        count: 4
        spacing_s: 60
    monte_carlo: {replications: 400, seed: 5}
    catalog:
    """
)

NEW_THREAT = """\
  entries:
    - kind: threat
      name: fast-drone
      display_name: Hypothetical jet-powered one-way drone
      origin: hypothetical
      threat_class: drone
      summary: A what-if entry defined in the scenario.
      rcs_m2: {value: 0.05, unit: m^2, claim: assumption, note: analyst's hypothesis}
      unit_cost_usd: {value: 200000, unit: USD, claim: assumption, note: analyst's hypothesis}
      reliability: {value: 1.0, unit: "1", claim: assumption, note: analyst's hypothesis}
      cep_m: {value: 5, unit: m, claim: assumption, note: analyst's hypothesis}
      max_range_km: {value: 1000, unit: km, claim: assumption, note: analyst's hypothesis}
      speed_mps: {value: 250, unit: m/s, claim: assumption, note: analyst's hypothesis}
      cruise_height_agl_m: {value: 50, unit: m, claim: assumption, note: analyst's hypothesis}
"""

PK_OVERRIDE = """\
  overrides:
    - entry: tor-m2
      path: interceptors.9m338.pk.drone
      figure: {value: PK, unit: "1", claim: assumption, note: what-if Pk}
"""


def write(tmp_path, text):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


def test_inline_threat_is_used(tmp_path):
    path = write(tmp_path, BASE.replace("THREAT", "fast-drone") + NEW_THREAT)
    scenario = load_scenario(path)
    assert "fast-drone" in scenario.effective_catalog.threats
    assert "fast-drone" not in iadsim.load_catalog().threats  # the packaged catalog is untouched
    results = iadsim.run(scenario, replications=50, workers=1, out_dir=tmp_path / "out")
    threats = results["base"].threats()
    assert set(threats.threat_type.astype(str)) == {"fast-drone"}
    assert (threats.fate != "failed").all()  # its reliability of 1 was used


@pytest.mark.parametrize("pk", [0.0001, 1.0])
def test_pk_override_changes_the_outcome(tmp_path, pk):
    text = BASE.replace("THREAT", "shahed-136") + PK_OVERRIDE.replace("PK", str(pk))
    scenario = load_scenario(write(tmp_path, text))
    tor = scenario.effective_catalog.systems["tor-m2"].interceptors["9m338"]
    assert tor.pk.drone.value == pk
    results = iadsim.run(scenario, workers=1, out_dir=tmp_path / "out")
    threats = results["base"].threats()
    # engaged and not failed in flight before the interceptor arrived
    engaged = threats[(threats.shots_at > 0) & (threats.fate != "failed")]
    assert len(engaged) > 0
    killed = (engaged.fate == "killed").mean()
    assert (killed == 1.0) if pk == 1.0 else (killed < 0.01)


@pytest.mark.parametrize(
    ("block", "where", "message"),
    [
        (
            PK_OVERRIDE.replace("tor-m2", "tor-m9").replace("PK", "0.5"),
            ":17:14: catalog.overrides[0].entry",
            "unknown catalog entry 'tor-m9'",
        ),
        (
            PK_OVERRIDE.replace(".pk.drone", ".pk.boat").replace("PK", "0.5"),
            ":18:13: catalog.overrides[0].path",
            "is not a figure of 'tor-m2'",
        ),
        (
            PK_OVERRIDE.replace("PK", "1.5"),
            ":19:7: catalog.overrides[0].figure",
            "must be in [0, 1]",
        ),
        (
            PK_OVERRIDE.replace(
                "claim: assumption, note: what-if Pk", "claim: manufacturer"
            ).replace("PK", "0.5"),
            ":19:7: catalog.overrides[0].figure",
            "source",
        ),
        (
            NEW_THREAT.replace(
                "      speed_mps: {value: 250, unit: m/s, claim: assumption, "
                "note: analyst's hypothesis}\n",
                "",
            ),
            ":17:7: catalog.entries[0]",
            "speed_mps",
        ),
        (
            NEW_THREAT.replace("name: fast-drone", "name: shahed-136"),
            ":18:13: catalog.entries[0].name",
            "already in the catalog",
        ),
    ],
    ids=[
        "unknown-entry",
        "bad-path",
        "pk-out-of-range",
        "no-source",
        "missing-field",
        "name-clash",
    ],
)
def test_bad_inline_catalog_gives_file_line_col(tmp_path, block, where, message):
    path = write(tmp_path, BASE.replace("THREAT", "shahed-136") + block)
    with pytest.raises(InputError) as info:
        load_scenario(path)
    text = str(info.value)
    assert f"{path}{where}" in text, text
    assert message in text, text
