"""The figure model, presentation of every figure, and physical consistency of the data."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from iadsim.catalog import Figure, load_catalog
from iadsim.catalog.present import catalog_table, entry_as_dict, entry_tables, iter_figures
from iadsim.catalog.schema import expected_unit

CATALOG = load_catalog()
ENTRIES = list(CATALOG)
IDS = [e.name for e in ENTRIES]
INTERCEPTORS = [(s.name, k, i) for s in CATALOG.systems.values() for k, i in s.interceptors.items()]


def _render(tables) -> str:
    console = Console(record=True, width=200)
    for t in tables:
        console.print(t)
    return console.export_text()


def test_si_converts_km_only():
    fig = Figure(value=2.5, unit="km", claim="assumption", note="x")
    assert fig.si() == 2500.0
    assert Figure(value=30, unit="deg", claim="assumption", note="x").si() == 30
    assert Figure(value=7, unit="s", claim="assumption", note="x").si() == 7


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("max_range_km", "km"),
        ("cep_m", "m"),
        ("rcs_m2", "m^2"),
        ("speed_mps", "m/s"),
        ("reload_time_s", "s"),
        ("unit_cost_usd", "USD"),
        ("sector_width_deg", "deg"),
        ("warhead_kg", "kg"),
        ("reliability", "1"),
        ("track_capacity", "1"),
        ("ballistic", "1"),
    ],
)
def test_expected_unit(name, unit):
    assert expected_unit(name) == unit


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_every_figure_and_source_is_printed(entry):
    text = _render(entry_tables(entry))
    figures = list(iter_figures(entry))
    assert figures
    for path, fig in figures:
        assert path.split(".")[-1] in text, path
        for url in fig.sources:
            assert url in text, (path, url)
        if fig.note:
            assert fig.note.split()[0] in text, path


def test_iter_figures_paths():
    paths = dict(iter_figures(CATALOG.system("s-400")))
    assert (
        paths["interceptors.48n6e3.pk.ballistic"]
        is CATALOG.system("s-400").interceptors["48n6e3"].pk["ballistic"]
    )
    assert "radars.92n6e.reference_range_km" in paths
    assert "fire_unit.launchers" in paths


def test_catalog_table_has_one_row_per_entry():
    table = catalog_table(CATALOG)
    assert table.row_count == len(CATALOG.systems) + len(CATALOG.threats) + len(CATALOG.jammers)
    text = _render([table])
    for entry in ENTRIES:
        assert entry.name in text
    n_assumed = sum(f.claim == "assumption" for _, f in iter_figures(CATALOG.system("tor-m2")))
    assert n_assumed > 0


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_entry_as_dict_is_json(entry):
    data = json.loads(json.dumps(entry_as_dict(entry)))
    assert data["name"] == entry.name
    assert data["kind"] in ("system", "threat", "jammer")


@pytest.mark.parametrize(
    ("system", "key", "icp"), INTERCEPTORS, ids=[f"{s}/{k}" for s, k, _ in INTERCEPTORS]
)
def test_interceptor_flyout_reaches_its_envelope(system, key, icp):
    v = icp.max_speed_mps.si()
    reach_m = 0.5 * v * icp.boost_time_s.si() + v * icp.speed_decay_time_s.si()
    assert reach_m == pytest.approx(icp.kinematic_reach_m())
    ranges = [icp.max_range_km.si()]
    if icp.max_range_ballistic_km is not None:
        ranges.append(icp.max_range_ballistic_km.si())
    assert reach_m >= 1.2 * max(ranges)


@pytest.mark.parametrize("name", ["48n6e3", "pac-3-mse"])
def test_fateh_313_re_entry_is_inside_the_ballistic_envelope(name):
    """Al Asad 2020: a ~430 km minimum-energy Fateh-313 re-enters at ~2 km/s from ~110 km."""
    icp = {k: i for _, k, i in INTERCEPTORS}[name]
    assert icp.max_target_speed_mps.si() >= 2000.0
    assert icp.max_altitude_ballistic_m is not None
    assert icp.max_altitude_ballistic_m.si() >= 15_000.0
    assert icp.max_range_ballistic_km is not None


def test_2020_raid_reliabilities_are_derived_from_the_record():
    fateh, qiam = CATALOG.threat("fateh-313"), CATALOG.threat("qiam-1")
    assert fateh.reliability.claim == qiam.reliability.claim == "derived"
    assert fateh.reliability.value == pytest.approx(11 / 13, abs=1e-3)
    assert qiam.reliability.value == pytest.approx(1 / 3, abs=1e-3)
    # 13 x 11/13 + 3 x 1/3 = 12 expected arrivals of 16 launched: the record's 11 + 1 hits
    assert 13 * fateh.reliability.value + 3 * qiam.reliability.value == pytest.approx(12, abs=0.01)


def test_radar_reference_probabilities():
    for system in CATALOG.systems.values():
        for radar in system.radars.values():
            assert 0.0 < radar.reference_pfa.si() < radar.reference_pd.si() < 1.0
