"""Prepare computes what repeats once: each distinct flight's track (``_Tracks``) and each
distinct sample position's geodesics (``SamplePositions``). Both must give every threat and
every sample exactly what computing it on its own gives."""

from __future__ import annotations

import numpy as np
import pytest

import iadsim
from iadsim.catalog import load_catalog
from iadsim.engine import prepare as prepare_mod
from iadsim.engine.prepare import SamplePositions, prepare

# drones on routes (6 threats, 2 raids), and ballistic missiles (16 threats, 2 raids)
EXAMPLES = ["examples/depot-drone-raid.yaml", "examples/iraq-2020-al-asad.yaml"]


def test_sample_positions_match_numpy_unique_of_the_pairs():
    rng = np.random.default_rng(7)
    # few distinct positions, repeated in random order, with 0.0 and -0.0 among them
    base_lat = np.r_[rng.uniform(-60, 60, 40), 0.0, -0.0]
    base_lon = np.r_[rng.uniform(-180, 180, 40), -0.0, 0.0]
    pick = rng.integers(0, base_lat.size, 5000)
    lat = base_lat[pick]
    lon = np.where(rng.random(5000) < 0.3, base_lon[pick[::-1]], base_lon[pick])
    positions = SamplePositions.of(lat.reshape(50, 100), lon.reshape(50, 100))

    key = lat + 1j * lon  # the oracle: numpy's unique of the pairs as one complex key
    unique, inverse = np.unique(key, return_inverse=True)
    np.testing.assert_array_equal(positions.lat, unique.real)
    np.testing.assert_array_equal(positions.lon, unique.imag)
    np.testing.assert_array_equal(positions.index, inverse.ravel())
    # and each sample's position is its own, bit for bit
    assert np.array_equal(positions.lat[positions.index], lat)
    assert np.array_equal(positions.lon[positions.index], lon)


class _EveryTrack(prepare_mod._Tracks):
    """The oracle: every row's track computed on its own, none reused, each its own flight."""

    calls = 0

    def flight(self, row, t_rel):
        self.flights += 1
        if "track" in row:
            return row["track"](t_rel), self.flights
        fn, kwargs = prepare_mod._track_call(row, self.ground)
        _EveryTrack.calls += 1
        return fn(t_s=t_rel, **kwargs), self.flights


@pytest.mark.parametrize("path", EXAMPLES)
def test_each_threat_gets_the_track_computed_on_its_own(monkeypatch, path):
    scenario = iadsim.load_scenario(path)
    made = []
    for name in ("route_track", "ballistic_track"):
        original = getattr(prepare_mod, name)

        def counted(*args, _original=original, **kwargs):
            made.append(1)
            return _original(*args, **kwargs)

        monkeypatch.setattr(prepare_mod, name, counted)
    reused = prepare(scenario, None)
    reused_calls = len(made)
    monkeypatch.setattr(prepare_mod, "_Tracks", _EveryTrack)
    _EveryTrack.calls = 0
    fresh = prepare(scenario, None)
    n = len(fresh.threats.raid)
    assert _EveryTrack.calls == 2 * n  # a probe for the duration, then the samples
    assert reused_calls < n  # the raids' threats share their flights
    for name in ("lat", "lon", "alt", "height_agl", "speed_mps"):
        a, b = getattr(reused.threats, name), getattr(fresh.threats, name)
        np.testing.assert_array_equal(a.offsets, b.offsets, err_msg=name)
        np.testing.assert_array_equal(a.values, b.values, err_msg=name)
    np.testing.assert_array_equal(reused.threats.launch_step, fresh.threats.launch_step)
    np.testing.assert_array_equal(reused.threats.impact_step, fresh.threats.impact_step)


@pytest.mark.parametrize("path", EXAMPLES)
@pytest.mark.parametrize("field", ["aim_lat", "t0"])
def test_a_flight_differing_in_one_argument_is_not_reused(path, field):
    scenario = iadsim.load_scenario(path)

    def flat(lat, lon):
        return np.zeros(np.shape(lat))

    rows = prepare_mod._build_tracks(scenario, load_catalog(), flat)
    tracks = prepare_mod._Tracks(flat)
    t = np.arange(0.0, 300.0, 5.0)
    first = tracks(rows[0], t)
    other = dict(rows[0])
    if field == "t0":
        again = tracks(other, t + 2.5)  # the same flight sampled half a step later
        assert not np.array_equal(again.lat_deg, first.lat_deg, equal_nan=True)
    else:
        other[field] = rows[0][field] + 0.01
        again = tracks(other, t)
        assert again.impact_lat_deg != first.impact_lat_deg
    assert tracks(dict(rows[0]), t) is first  # the same arguments and times: reused


@pytest.mark.parametrize(
    "path",
    # routes, ballistic arcs, and weapons released by aircraft (each its own flight)
    [*EXAMPLES, "examples/iraq-2019-al-qaim-f15e-jassm.yaml"],
)
def test_positions_and_ground_per_flight_are_those_of_every_sample(path):
    from iadsim.scenario.loader import resolve_terrain

    scenario = iadsim.load_scenario(path)
    dem = resolve_terrain(scenario)
    ground = prepare_mod.smooth_earth if dem is None else prepare_mod.dem_ground(dem)
    _, threats, flights = prepare_mod.prepare_threats(scenario, load_catalog(), ground)
    lat, lon, alt = threats.lat.values, threats.lon.values, threats.alt.values
    oracle = SamplePositions.of(lat, lon)  # every sample, none shared
    positions = flights.positions  # of the flights' samples
    np.testing.assert_array_equal(positions.lat, oracle.lat)
    np.testing.assert_array_equal(positions.lon, oracle.lon)
    every = np.arange(flights.offsets[-1])
    sample, _, src = flights.spread(every)  # each threat's samples, from its flight's
    np.testing.assert_array_equal(sample, np.arange(lat.size))
    np.testing.assert_array_equal(positions.index[every[src]], oracle.index)
    np.testing.assert_array_equal(
        threats.height_agl.values, np.maximum(alt - ground(lat, lon), 0.0)
    )
    # every flight ends on its aim point, on the ground
    last = threats.lat.offsets[1:] - 1
    np.testing.assert_array_equal(alt[last], ground(lat[last], lon[last]))


def test_flights_spread_matches_brute_force():
    rng = np.random.default_rng(11)
    lengths = rng.integers(2, 9, 5)  # five flights
    fl_off = np.r_[0, np.cumsum(lengths)]
    row = rng.integers(0, 5, 12)  # twelve threats on them
    row_off = np.r_[0, np.cumsum(lengths[row])]
    zeros = np.zeros(fl_off[-1])
    flights = prepare_mod.Flights(fl_off, row, row_off, None, zeros, zeros)
    fl_sample = np.flatnonzero(rng.random(fl_off[-1]) < 0.4)
    sample, threat, src = flights.spread(fl_sample)
    expected = [
        (row_off[j] + i - fl_off[row[j]], j, int(np.flatnonzero(fl_sample == i)[0]))
        for j in range(row.size)
        for i in fl_sample
        if fl_off[row[j]] <= i < fl_off[row[j] + 1]
    ]
    assert list(zip(sample, threat, src, strict=True)) == expected
    assert np.all(np.diff(sample) > 0)  # ascending, as every sample's coverage is


@pytest.mark.parametrize("path", [*EXAMPLES, "examples/iraq-2019-al-qaim-f15e-jassm.yaml"])
def test_coverage_per_flight_is_coverage_per_threat(path):
    from iadsim.engine.prepare_radar import radar_coverage, radar_sites
    from iadsim.scenario.loader import resolve_terrain

    scenario = iadsim.load_scenario(path)
    catalog = load_catalog()
    dem = resolve_terrain(scenario)
    ground = prepare_mod.smooth_earth if dem is None else prepare_mod.dem_ground(dem)
    _, threats, flights = prepare_mod.prepare_threats(scenario, catalog, ground)
    assert flights.offsets.shape[0] - 1 <= len(threats.raid)
    sites = radar_sites(scenario.fire_units, scenario.sensors, catalog)
    assert sites
    seen = 0
    for site in sites:
        table = None if dem is None else prepare_mod.site_table(dem, site, 4 / 3, 1.0, 500.0)
        shared = radar_coverage(site, threats, 4 / 3, table, flights)
        alone = radar_coverage(site, threats, 4 / 3, table)  # every threat its own flight
        assert shared.keys() == alone.keys()
        for key in alone:
            np.testing.assert_array_equal(shared[key], alone[key], err_msg=key)
        seen += alone["sample"].size
    assert seen > 0
