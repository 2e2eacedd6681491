"""Entries added for the 2019-2025 raids (issue 13): threats, THAAD, Iron Dome, Arrows, Sling.

Envelopes are checked with the engine's own intercept solver against the published ranges
(within 5%), and the exo-atmospheric floor is checked both on the envelope and in an engine run:
an Arrow 3 engages a ballistic arc only where the arc climbs above 100 km.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import iadsim
from iadsim.catalog import load_catalog
from iadsim.engagement.envelope import Envelope, inside, max_intercept_range_m
from iadsim.scenario import parse_scenario
from iadsim.threats.ballistic import arc_state, minimum_energy_arc
from iadsim.yamlio import read_yaml

CATALOG = load_catalog()

#: Published figures (see each entry's sources): name -> (threat_class, max range km).
THREATS = {
    "emad": ("ballistic", 1700),  # CSIS via the Wisconsin Project
    "ghadr": ("ballistic", 1900),  # Reuters via Iran Watch
    "kheibar-shekan": ("ballistic", 1450),  # Sepah News
    "fattah-1": ("ballistic", 1400),  # Iranian state TV via AP
    "shahed-131": ("drone", 900),  # Wirtualna Polska
    "paveh": ("cruise", 1650),  # IRGC via Reuters
    "iskander-m": ("ballistic", 500),  # Sputnik; AFP
    "kinzhal": ("ballistic", 2000),  # Russian MoD via Reuters
    "kh-101": ("cruise", 5500),  # Ukrainian Air Force via Ukrinform
    "kalibr": ("cruise", 1500),  # Duma defence committee via Sputnik
}


@pytest.mark.parametrize(("name", "spec"), THREATS.items())
def test_new_threat_has_its_published_range_and_class(name, spec):
    threat = CATALOG.threat(name)
    threat_class, range_km = spec
    assert threat.threat_class == threat_class
    assert threat.max_range_km.value == pytest.approx(range_km, rel=0.05)
    assert threat.max_range_km.claim != "assumption" and threat.max_range_km.sources


@pytest.mark.parametrize(
    "name", [n for n, s in THREATS.items() if s[0] == "ballistic" and s[1] > 1000]
)
def test_new_ballistic_threats_are_inside_the_mrbm_defences_speed_limits(name):
    # A minimum-energy arc at the threat's full range: its peak speed must be engageable by the
    # exo and upper-tier systems that were built against it.
    arc = minimum_energy_arc(CATALOG.threat(name).max_range_km.si())
    assert 3000.0 < arc.burnout_speed_mps < 5000.0
    for system in ("thaad", "arrow-3"):
        icp = CATALOG.system(system).interceptors[
            CATALOG.system(system).fire_unit.default_interceptor
        ]
        assert arc.burnout_speed_mps <= icp.max_target_speed_mps.si()


def _env(system: str, threat_class: str) -> Envelope:
    """Envelope of a system's default interceptor, or of ``system/interceptor``."""
    system, _, key = system.partition("/")
    entry = CATALOG.system(system)
    icp = entry.interceptors[key or entry.fire_unit.default_interceptor]
    return Envelope.from_catalog(icp, threat_class)


@pytest.mark.parametrize(
    ("system", "threat_class", "altitude_m", "speed_mps", "published_km"),
    [
        ("thaad", "ballistic", 100_000.0, 3000.0, 200.0),  # Lockheed via TRT World: 200 km
        ("iron-dome", "drone", 1_000.0, 51.4, 70.0),  # AFP via WION: 4-70 km
        ("iron-dome", "cruise", 100.0, 240.0, 70.0),
        ("aegis-bmd/sm-2", "aircraft", 10_000.0, 250.0, 167.0),  # Raytheon via Reuters: 90 nm
    ],
)
def test_envelope_reaches_the_published_range(
    system, threat_class, altitude_m, speed_mps, published_km
):
    got_km = max_intercept_range_m(_env(system, threat_class), altitude_m, speed_mps) / 1e3
    assert got_km == pytest.approx(published_km, rel=0.05)


def test_thaad_and_arrow3_are_not_credited_below_their_floor():
    for system, floor_m in (("thaad", 40_000.0), ("arrow-3", 100_000.0)):
        entry = CATALOG.system(system)
        icp = entry.interceptors[entry.fire_unit.default_interceptor]
        assert icp.min_altitude_m.si() == floor_m
        for c in ("cruise", "drone", "aircraft"):
            assert icp.pk[c].value == 0.0
        # no air-breathing threat in the catalog flies anywhere near the floor
        for threat in CATALOG.threats.values():
            if threat.threat_class != "ballistic":
                height = threat.cruise_altitude_m or threat.cruise_height_agl_m
                assert height.si() < floor_m


@pytest.mark.parametrize(("ground_range_km", "reaches"), [(300.0, False), (1400.0, True)])
def test_exo_floor_needs_the_arc_to_climb_above_it(ground_range_km, reaches):
    # Defender at the aim point: the arc's descending leg is inside Arrow 3's envelope only where
    # its altitude is above 100 km. A 300 km SRBM's minimum-energy apogee (~75 km) never is.
    env = _env("arrow-3", "ballistic")
    arc = minimum_energy_arc(ground_range_km * 1e3)
    t = np.linspace(0.0, arc.time_of_flight_s, 2001)
    state = arc_state(arc, t)
    to_go_m = arc.ground_range_m - state.downrange_m
    slant = np.hypot(to_go_m, state.altitude_m)
    ok = inside(env, slant, state.altitude_m, state.speed_mps)
    assert bool(ok.any()) is reaches
    assert (arc.apogee_alt_m > env.min_altitude_m) is reaches


SCENARIO = textwrap.dedent(
    """\
    schema_version: 1
    name: exo
    assets: [{name: base, lat: 31.21, lon: 35.01, value: 10, radius_m: 2000}]
    fire_units:
      - {name: a3, system: arrow-3, lat: 31.25, lon: 35.05, sector_center_deg: AZ}
    raids:
      - name: r
        threat: THREAT
        launch_points: [{lat: LAT, lon: LON}]
        aim: base
        count: 1
    monte_carlo: {replications: 50, seed: 3, chunk_size: 50}
    """
)


@pytest.mark.parametrize(
    ("threat", "lat", "lon", "az", "engaged"),
    [
        ("fattah-1", 33.0, 47.0, 70, True),  # ~1,170 km from the east: apogee ~290 km
        ("fateh-313", 31.3, 38.2, 90, False),  # ~300 km: apogee ~75 km, below the floor
    ],
)
def test_engine_engages_with_arrow3_only_above_the_floor(tmp_path, threat, lat, lon, az, engaged):
    text = (
        SCENARIO.replace("THREAT", threat)
        .replace("LAT", str(lat))
        .replace("LON", str(lon))
        .replace("AZ", str(az))
    )
    path = tmp_path / "exo.yaml"
    path.write_text(text)
    scenario = parse_scenario(read_yaml(path), path, CATALOG)
    results = iadsim.run(scenario, workers=1, out_dir=tmp_path / "out", catalog=CATALOG)
    shots = results["base"].threats().shots_at
    assert bool((shots > 0).any()) is engaged


def test_israeli_tiers_stack_in_altitude():
    # Iron Dome below David's Sling below Arrow 2, whose ceiling is under Arrow 3's floor: the
    # entries' summaries describe these as layers, and the envelopes must not contradict them.
    def icp(system):
        entry = CATALOG.system(system)
        return entry.interceptors[entry.fire_unit.default_interceptor]

    ceiling = {
        s: (icp(s).max_altitude_ballistic_m or icp(s).max_altitude_m).si()
        for s in ("iron-dome", "davids-sling", "arrow-2")
    }
    assert ceiling["iron-dome"] < ceiling["davids-sling"] < ceiling["arrow-2"]
    assert ceiling["arrow-2"] <= icp("arrow-3").min_altitude_m.si()
    assert icp("arrow-2").pk["ballistic"].value > 0 and icp("davids-sling").pk["cruise"].value > 0


def test_aegis_sm3_shares_the_exo_floor_and_sm6_covers_the_terminal_layer():
    aegis = CATALOG.system("aegis-bmd")
    assert aegis.fire_unit.default_interceptor == "sm-3-ib"
    for key in ("sm-3-ib", "sm-3-iia"):
        icp = aegis.interceptors[key]
        assert icp.min_altitude_m.si() == 100_000.0
        assert icp.pk["drone"].value == 0.0 and icp.pk["ballistic"].value > 0.0
    sm6 = aegis.interceptors["sm-6"]
    assert sm6.max_altitude_ballistic_m.si() < aegis.interceptors["sm-3-ib"].min_altitude_m.si()
    assert sm6.pk["ballistic"].value > 0.0 and sm6.pk["cruise"].value > 0.0
    assert aegis.interceptors["sm-2"].pk["ballistic"].value == 0.0
