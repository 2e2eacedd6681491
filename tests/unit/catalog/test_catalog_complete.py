"""The entries added for the 2019-2020 Iraqi procurement debate, and catalog-wide consistency.

Every interceptor's published maximum range must be reachable within the fly-out model, and each
new threat must carry positive figures for the fields its class requires (listed here from
docs/catalog-format.md, independently of the schema, so a schema change is noticed). Rules the
schema enforces on load (sources, probabilities, references inside a system) are not checked
again here: tests/unit/catalog/test_catalog_loader.py shows that a file breaking them is
rejected at its line.
"""

from __future__ import annotations

import math

import pytest

from iadsim.catalog import load_catalog
from iadsim.engagement.flyout import FlyoutProfile, time_to_distance_s

CATALOG = load_catalog()

NEW_SYSTEMS = ["s-300pmu2", "buk-m3", "pantsir-s1", "bavar-373", "patriot-pac2", "s-500"]
NEW_THREATS = {
    "tomahawk": "cruise",
    "quadcopter": "drone",
    "mq-9": "aircraft",
    "f-15e": "aircraft",
}
#: Ballistic-capable systems added here: their default interceptor has a ballistic envelope.
BALLISTIC_CAPABLE = ["s-300pmu2", "buk-m3", "bavar-373", "patriot-pac2", "s-500"]

#: Fields each threat class requires, as stated in docs/catalog-format.md ("Threat file").
REQUIRED_BY_CLASS = {
    "ballistic": ("boost_time_s",),
    "cruise": ("speed_mps", "cruise_height_agl_m"),
    "drone": ("speed_mps", "cruise_height_agl_m"),
    "aircraft": ("speed_mps", "cruise_altitude_m"),
}

INTERCEPTORS = [(s.name, k, i) for s in CATALOG.systems.values() for k, i in s.interceptors.items()]
FLYOUT_LIMIT_S = 400.0


@pytest.mark.parametrize("name", NEW_SYSTEMS)
def test_new_system_loads(name):
    system = CATALOG.system(name)
    assert system.name == name
    fu = system.fire_unit  # the schema checks the key exists; its role is not a schema rule
    assert system.radars[fu.fire_control_radar].role == "fire_control"


@pytest.mark.parametrize(("name", "threat_class"), NEW_THREATS.items())
def test_new_threat_loads_with_its_class(name, threat_class):
    threat = CATALOG.threat(name)
    assert threat.name == name
    assert threat.threat_class == threat_class


@pytest.mark.parametrize(("name", "threat_class"), NEW_THREATS.items())
def test_new_threat_has_its_class_fields(name, threat_class):
    threat = CATALOG.threat(name)
    for field in REQUIRED_BY_CLASS[threat_class]:
        fig = getattr(threat, field)
        assert fig is not None, f"{name}.{field}"
        assert fig.value > 0.0, f"{name}.{field}"
    assert threat.rcs_m2.si() > 0.0 and threat.unit_cost_usd.si() > 0.0


@pytest.mark.parametrize(
    ("system", "key", "icp"), INTERCEPTORS, ids=[f"{s}/{k}" for s, k, _ in INTERCEPTORS]
)
def test_published_max_range_is_reachable_in_the_flyout(system, key, icp):
    profile = FlyoutProfile(
        max_speed_mps=icp.max_speed_mps.si(),
        boost_time_s=icp.boost_time_s.si(),
        speed_decay_time_s=icp.speed_decay_time_s.si(),
    )
    ranges_m = [icp.max_range_km.si()]
    if icp.max_range_ballistic_km is not None:
        ranges_m.append(icp.max_range_ballistic_km.si())
    for r in ranges_m:
        t = float(time_to_distance_s(profile, r))
        assert math.isfinite(t), (system, key, r)
        assert 0.0 < t < FLYOUT_LIMIT_S, (system, key, r, t)


@pytest.mark.parametrize("name", BALLISTIC_CAPABLE)
def test_ballistic_capable_systems_have_a_ballistic_envelope(name):
    system = CATALOG.system(name)
    icp = system.interceptors[system.fire_unit.default_interceptor]
    assert icp.max_range_ballistic_km is not None
    assert icp.max_altitude_ballistic_m is not None
    assert icp.max_range_ballistic_km.value <= icp.max_range_km.value
    assert icp.max_altitude_ballistic_m.value <= icp.max_altitude_m.value
    # A Fateh-313-class re-entry (~2 km/s, public-figures.md B1) must be inside the speed limit.
    assert icp.max_target_speed_mps.si() >= 2000.0
    assert icp.pk["ballistic"].si() > 0.0


def test_point_defence_is_not_credited_against_ballistic_missiles():
    pantsir = CATALOG.system("pantsir-s1")
    icp = pantsir.interceptors[pantsir.fire_unit.default_interceptor]
    assert icp.pk["ballistic"].value == 0.0
    assert icp.max_range_ballistic_km is None


def test_s500_target_speed_and_range_claims():
    """Russian claims: 7 km/s targets, 400-600 km; the 400 km ballistic figure is an assumption."""
    icp = CATALOG.system("s-500").interceptors["77n6"]
    assert icp.max_target_speed_mps.value == 7000
    assert icp.max_range_km.range == (400, 600)
    assert icp.max_range_ballistic_km.claim == "assumption"
    assert CATALOG.system("s-500").fire_unit.acquisition_cost_usd.claim == "assumption"
