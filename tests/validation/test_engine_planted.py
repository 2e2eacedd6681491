"""Tests that catch the engine mistakes planted in issue 9 (each passed the v1 suite).

- the kill-assessment delay dropped after a miss;
- a fire unit with an empty launcher still "launching" zero rounds;
- Pd computed from the ground range instead of the slant range;
- the optimal rule's profit ignoring value or salvo, or mapping rows to the wrong threats;
- seeds taken from the chunk-local index instead of the replication index;
- a wrong gravitational parameter (the oracle's constants are written here, with their source,
  instead of being imported from the code under test).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import textwrap

import numpy as np
import pytest
from pyproj import Geod

from iadsim.catalog import load_catalog
from iadsim.engine.prepare import prepare
from iadsim.engine.runner import replay, run_chunk
from iadsim.scenario import parse_scenario
from iadsim.threats import minimum_energy_arc
from iadsim.yamlio import read_yaml

#: Earth's gravitational parameter GM. IERS Conventions (2010), Technical Note 36, Table 1.1.
MU_IERS_M3_S2 = 3.986004418e14
#: Mean earth radius R1 = (2a + b)/3 of WGS 84. NIMA TR8350.2 (3rd ed., 2000), Table 3.5.
R1_WGS84_M = 6_371_008.8
#: Effective-earth factor of standard refraction. Skolnik, Introduction to Radar Systems,
#: 3rd ed. (2001), sec. 8.2.
K_STANDARD = 4.0 / 3.0


def _figure(fig, value):
    return fig.model_copy(update={"value": value, "range": None})


def catalog_fire_channels(system: str, channels: int, reliability: dict | None = None):
    """The packaged catalog with one system's fire channels (and threat reliabilities) set."""
    cat = load_catalog()
    entry = cat.systems[system]
    unit = entry.fire_unit.model_copy(
        update={"fire_channels": _figure(entry.fire_unit.fire_channels, channels)}
    )
    systems = {**cat.systems, system: entry.model_copy(update={"fire_unit": unit})}
    threats = dict(cat.threats)
    for name, value in (reliability or {}).items():
        threats[name] = threats[name].model_copy(
            update={"reliability": _figure(threats[name].reliability, value)}
        )
    return dataclasses.replace(cat, systems=systems, threats=threats)


def scenario_from(tmp_path, text: str, catalog):
    path = tmp_path / "s.yaml"
    path.write_text(textwrap.dedent(text))
    return parse_scenario(read_yaml(path), path, catalog)


def events_of(table) -> list[dict]:
    return table.to_pylist()


# ---------------------------------------------------------------------------------------------
# kill assessment between a miss and the next launch
# ---------------------------------------------------------------------------------------------

SLS_DUEL = """\
schema_version: 1
name: sls
terrain: {dem: none}
assets: [{name: depot, lat: 33.95, lon: 44.35, value: 5, radius_m: 300}]
fire_units:
  - {name: tor, system: tor-m2, lat: 33.955, lon: 44.355, pk: {drone: 0.3}}
raids:
  - {name: d, threat: shahed-136, launch_points: [{lat: 33.95, lon: 43.95}], aim: depot}
doctrine: {salvo_size: 1, shoot_look_shoot: true, engagements_per_threat: 4}
"""


def test_relaunch_waits_for_kill_assessment(tmp_path):
    catalog = load_catalog()
    p = prepare(scenario_from(tmp_path, SLS_DUEL, catalog), catalog=catalog)
    assess_s = catalog.systems["tor-m2"].fire_unit.kill_assessment_s.si()
    assert assess_s >= 2 * p.dt_s  # a delay the step could not hide
    gaps = []
    for r in range(60):
        ev = events_of(replay(p, 3, r))
        for a, b in itertools.pairwise(e for e in ev if e["event"] in ("launch", "miss")):
            if a["event"] == "miss" and b["event"] == "launch":
                gaps.append(b["time_s"] - a["time_s"])
    assert len(gaps) > 20
    # the drone stays in the launch window, so the relaunch comes exactly when the look ends
    assert min(gaps) == pytest.approx(math.ceil(assess_s / p.dt_s) * p.dt_s)


# ---------------------------------------------------------------------------------------------
# no launch of zero rounds
# ---------------------------------------------------------------------------------------------

PATRIOT_8 = """\
schema_version: 1
name: patriot8
terrain: {dem: none}
assets: [{name: al-asad, lat: 33.80, lon: 42.4333, value: 10, radius_m: 2500}]
fire_units:
  - {name: pac3, system: patriot-pac3, lat: 33.79, lon: 42.45, sector_center_deg: 80,
     sector_width_deg: 120, interceptors_loaded: 3, pk: {ballistic: 0.05}}
raids:
  - {name: v, threat: fateh-313, launch_points: [{lat: 34.40, lon: 46.95}], aim: al-asad,
     count: 8, spacing_s: 10}
doctrine: {salvo_size: 2}
"""


def test_no_launch_of_zero_rounds(tmp_path):
    catalog = load_catalog()
    p = prepare(scenario_from(tmp_path, PATRIOT_8, catalog), catalog=catalog)
    raw = run_chunk(p, 5, 0, 40)
    assert (raw.fu_shots.sum(axis=1) <= 3).all()
    launches = 0
    for r in range(40):
        ev = [e for e in events_of(replay(p, 5, r)) if e["event"] == "launch"]
        assert all(e["shots"] >= 1 for e in ev), ev
        assert sum(e["shots"] for e in ev) == raw.fu_shots[r, 0]
        # 3 rounds in salvos of 2: one full salvo, then the last round alone, then nothing
        assert len(ev) <= 2
        launches += len(ev)
    assert launches > 40  # most replications engage twice: the test is not vacuous


# ---------------------------------------------------------------------------------------------
# Pd at the slant range
# ---------------------------------------------------------------------------------------------

BALLISTIC_SEEN = """\
schema_version: 1
name: slant
terrain: {dem: none}
assets: [{name: base, lat: 33.8, lon: 42.43}]
sensors: [{name: ew, system: s-400, radar: 91n6e, lat: 33.8, lon: 42.43}]
raids:
  - {name: m, threat: fateh-313, launch_points: [{lat: 34.4, lon: 46.95}], aim: base}
"""


def _pd_swerling1(range_m, rcs_m2, ref_range_m, ref_rcs_m2, ref_pd, pfa):
    """Swerling 1 single-scan Pd, Pd = Pfa^(1/(1+SNR)) (Skolnik 2001, sec. 2.8), with the SNR
    scaled from the reference point by the radar equation, SNR ~ rcs / R^4."""
    ref_snr = math.log(pfa) / math.log(ref_pd) - 1.0
    snr = ref_snr * (rcs_m2 / ref_rcs_m2) * (ref_range_m / range_m) ** 4
    return pfa ** (1.0 / (1.0 + snr))


def test_pd_uses_slant_range(tmp_path):
    catalog = load_catalog()
    scenario = scenario_from(tmp_path, BALLISTIC_SEEN, catalog)
    assert scenario.propagation.k_factor == pytest.approx(K_STANDARD)
    p = prepare(scenario, catalog=catalog)
    spec = catalog.systems["s-400"].radars["91n6e"]
    h_r = spec.antenna_height_m.si()
    rcs = catalog.threats["fateh-313"].rcs_m2.si()
    re = K_STANDARD * R1_WGS84_M
    geod = Geod(ellps="WGS84")
    pd = p.sensors.pd[0, 0]
    steps = np.flatnonzero(pd > 0)
    assert steps.size > 10
    checked_high = 0
    for t in steps:
        lat, lon, alt = p.threats.lat[0, t], p.threats.lon[0, t], p.threats.alt[0, t]
        _, _, ground = geod.inv(42.43, 33.8, lon, lat)
        psi = ground / re
        slant = math.sqrt(
            (re + h_r) ** 2 + (re + alt) ** 2 - 2 * (re + h_r) * (re + alt) * math.cos(psi)
        )
        expected = _pd_swerling1(
            slant,
            rcs,
            spec.reference_range_km.si(),
            spec.reference_rcs_m2.si(),
            spec.reference_pd.si(),
            spec.reference_pfa.si(),
        )
        assert pd[t] == pytest.approx(expected, abs=2e-5), (int(t), float(alt), slant)
        if alt > 30e3 and 0.05 < expected < 0.95:
            checked_high += 1
    assert checked_high > 5  # high on its arc, where slant and ground ranges differ most


# ---------------------------------------------------------------------------------------------
# the optimal rule against brute force, inside the engine
# ---------------------------------------------------------------------------------------------

# Two drones fly the same line at the same time, so both enter the fire units' launch window on
# the same step, long after a networked early-warning radar has tracked them. "far" aims at an
# asset of value 3 far behind the fire units, "near" at an asset of value 1 beside them: the
# near one is more urgent (value over time to impact: 1/1050 s against 3/4670 s when both are
# first tracked), so the ranking order differs from the launch order and from the value order.
TWO_DRONES = """\
schema_version: 1
name: brute
terrain: {dem: none}
assets:
  - {name: far, lat: 33.0, lon: 46.0, value: 3, radius_m: 300}
  - {name: near, lat: 33.0, lon: 44.01, value: 1, radius_m: 300}
sensors: [{name: ew, system: s-400, radar: 91n6e, lat: 33.0, lon: 44.0}]
fire_units:
FIRE_UNITS
raids:
  - {name: a, threat: shahed-136, launch_points: [{lat: 33.0, lon: 43.3}], aim: far}
  - {name: b, threat: shahed-136, launch_points: [{lat: 33.0, lon: 43.3}], aim: near}
doctrine: {salvo_size: 2, assignment: optimal}
"""


def _first_volley(p, reps):
    """(threat, fire unit, shots) of the launches on the first launch step, per replication."""
    out = []
    for r in range(reps):
        ev = [e for e in events_of(replay(p, 11, r)) if e["event"] == "launch"]
        t0 = ev[0]["time_s"]
        out.append(sorted((e["threat"], e["by"], e["shots"]) for e in ev if e["time_s"] == t0))
    return out


def _brute_force(values, pk, shots, n_slots):
    """Best assignment of threats to single-channel slots: max sum value (1 - (1 - pk)^shots)."""
    best, best_pairs = -1.0, None
    n = len(values)
    for k in range(min(n, n_slots) + 1):
        for threats in itertools.permutations(range(n), k):
            for slots in itertools.permutations(range(n_slots), k):
                gain = sum(
                    values[j] * (1 - (1 - pk[s]) ** shots[s])
                    for j, s in zip(threats, slots, strict=True)
                )
                if gain > best + 1e-12:
                    best, best_pairs = gain, sorted(zip(threats, slots, strict=True))
    return best_pairs


def _check_precondition(p, t_s=240.0):
    """Both drones can be engaged from the same step on, and "near" ranks first at ``t_s``."""
    win = p.fire_units.window
    assert (win[:, 0, 0] == win[:, 1, 0]).all(), "both drones must open the window together"
    value = p.threats.value
    to_go = p.threats.impact_step * p.dt_s - t_s
    assert value[1] / to_go[1] > value[0] / to_go[0] and value[0] > value[1]


def test_optimal_rule_one_channel_takes_the_valuable_threat(tmp_path):
    fus = "  - {name: tor, system: tor-m2, lat: 33.0, lon: 44.0, pk: {drone: 0.6}}"
    catalog = catalog_fire_channels("tor-m2", 1, {"shahed-136": 1.0})
    p = prepare(
        scenario_from(tmp_path, TWO_DRONES.replace("FIRE_UNITS", fus), catalog), catalog=catalog
    )
    _check_precondition(p)
    expected = _brute_force([3.0, 1.0], [0.6], [2], 1)
    assert expected == [(0, 0)]
    for volley in _first_volley(p, 10):
        assert [(j, 0) for j, _, _ in volley] == expected, volley


def test_optimal_rule_salvo_and_value_against_brute_force(tmp_path):
    # tor-1 has one round left (a salvo of 1, P = 0.5); tor-2 fires full salvos of 2 (P = 0.64)
    fus = textwrap.indent(
        textwrap.dedent(
            """\
            - {name: tor-1, system: tor-m2, lat: 33.0, lon: 44.0, pk: {drone: 0.5},
               interceptors_loaded: 1}
            - {name: tor-2, system: tor-m2, lat: 33.0, lon: 44.0, pk: {drone: 0.4}}
            """
        ),
        "  ",
    )
    catalog = catalog_fire_channels("tor-m2", 1, {"shahed-136": 1.0})
    p = prepare(
        scenario_from(tmp_path, TWO_DRONES.replace("FIRE_UNITS", fus), catalog), catalog=catalog
    )
    _check_precondition(p)
    expected = _brute_force([3.0, 1.0], [0.5, 0.4], [1, 2], 2)
    assert expected == [(0, 1), (1, 0)]  # the valuable drone gets the full salvo
    names = p.fire_units.name
    for volley in _first_volley(p, 10):
        assert [(j, names.index(by)) for j, by, _ in volley] == expected, volley
        assert [s for _, _, s in volley] == [2, 1]


# ---------------------------------------------------------------------------------------------
# seeds from the replication index, whatever the chunk
# ---------------------------------------------------------------------------------------------


def test_chunk_offset_uses_replication_index(tmp_path):
    catalog = load_catalog()
    p = prepare(scenario_from(tmp_path, PATRIOT_8, catalog), catalog=catalog)
    whole = run_chunk(p, 9, 0, 12)
    part = run_chunk(p, 9, 7, 12)
    assert np.array_equal(part.miss_east_m, whole.miss_east_m[7:12])
    assert np.array_equal(part.fate, whole.fate[7:12])
    assert len({float(x) for x in whole.miss_east_m[:, 0]}) == 12  # draws differ per replication


# ---------------------------------------------------------------------------------------------
# published constants
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("range_m", [300e3, 500e3, 1500e3])
def test_minimum_energy_arc_with_published_constants(range_m):
    """Closed-form minimum-energy arc (Bate, Mueller & White 1971, sec. 6.2) with mu and R
    written here from their sources, not imported from the code."""
    psi = range_m / R1_WGS84_M
    s = math.sin(psi / 2)
    a = R1_WGS84_M * (1 + s) / 2
    e = math.sqrt((1 - s) / (1 + s))
    tof = 2 * math.sqrt(a**3 / MU_IERS_M3_S2) * (math.acos(e) + e * math.sqrt(1 - e * e))
    v = math.sqrt(MU_IERS_M3_S2 / R1_WGS84_M * 2 * s / (1 + s))
    arc = minimum_energy_arc(range_m)
    assert arc.time_of_flight_s == pytest.approx(tof, rel=1e-9)
    assert arc.burnout_speed_mps == pytest.approx(v, rel=1e-9)
    assert arc.apogee_alt_m == pytest.approx(R1_WGS84_M * (s + math.cos(psi / 2) - 1) / 2, abs=1e-3)
