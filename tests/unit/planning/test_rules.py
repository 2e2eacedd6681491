"""The planner's coverage rules are the engine's: same tables, same detection and visibility."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from iadsim.catalog import load_catalog
from iadsim.engine.prepare import Threats, dem_ground, radar_coverage, radar_sites, site_table
from iadsim.engine.sparse import Ragged
from iadsim.planning.rules import Target, coverage_masks, radar_table, site_geometry
from iadsim.scenario.schema import FireUnit, Sensor
from iadsim.terrain import Dem


def _fake_threats(lat, lon, ground, h_agl, rcs):
    fields = {f.name: None for f in dataclasses.fields(Threats)}
    n = lat.size

    def one_flight(values):  # one threat flying every sample, as the engine stores tracks
        return Ragged(np.array([0, n]), np.array([0]), np.asarray(values, dtype=float), n)

    fields.update(
        lat=one_flight(lat),
        lon=one_flight(lon),
        alt=one_flight(ground + h_agl),
        height_agl=one_flight(np.full(n, h_agl)),
        rcs_m2=np.array([rcs]),
    )
    return Threats(**fields)


@pytest.mark.parametrize(
    "unit",
    [
        FireUnit(
            name="s300",
            system="s-300pmu2",
            lat=33.3,
            lon=44.3,
            sector_center_deg=80,
            sector_width_deg=90,
        ),
        Sensor(name="acq", system="s-400", radar="91n6e", lat=35.5, lon=44.2),
        FireUnit(name="buk", system="buk-m3", lat=36.2, lon=43.9),
    ],
)
def test_detection_mask_equals_engine_radar_coverage(unit):
    cat = load_catalog()
    dem = Dem.default()
    site = radar_sites(*(([unit], []) if isinstance(unit, FireUnit) else ([], [unit])), cat)[0]
    rng = np.random.default_rng(3)
    r = site.spec.instrumented_range_km.si()
    lat = site.lat + rng.uniform(-1, 1, 4000) * r / 111e3
    lon = site.lon + rng.uniform(-1, 1, 4000) * r / 90e3
    ok = np.isfinite(dem.elevation_m(lat, lon))
    lat, lon = lat[ok], lon[ok]
    ground = dem_ground(dem)(lat, lon)
    table = radar_table(dem, site, 4 / 3, 0.5, 1000.0)
    g = site_geometry(site.lat, site.lon, lat, lon, r)
    target = Target("t", 0.1)
    bands = (30.0, 300.0, 3000.0)
    det, _ = coverage_masks(site, table, g, ground[g.index], bands, target, 4 / 3)
    assert det.any() and not det.all()
    for b, h in enumerate(bands):
        seen = radar_coverage(site, _fake_threats(lat, lon, ground, h, 0.1), 4 / 3, table)
        engine = np.zeros(lat.size, dtype=bool)
        engine[seen["sample"]] = seen["pd"] >= 0.5
        mine = np.zeros(lat.size, dtype=bool)
        mine[g.index] = det[b]
        # cells beyond the instrumented range are left out by the planner and unseen by the engine
        assert np.array_equal(mine, engine)


def test_table_is_the_engines_site_table():
    cat = load_catalog()
    dem = Dem.default()
    fu = FireUnit(name="tor", system="tor-m2", lat=33.8, lon=42.4)
    site = radar_sites([fu], [], cat)[0]
    a = radar_table(dem, site, 4 / 3, 0.5, 500.0)
    b = site_table(dem, site, 4 / 3, 0.5, 500.0)
    assert np.array_equal(a.min_visible_agl_grid_m, b.min_visible_agl_grid_m)
    assert a.radar_alt_m == b.radar_alt_m


def test_engagement_needs_pk_and_envelope():
    cat = load_catalog()
    dem = Dem.default()
    fu = FireUnit(name="tor", system="tor-m2", lat=33.8, lon=42.4)
    site = radar_sites([fu], [], cat)[0]
    lat = 33.8 + np.linspace(0.01, 0.3, 50)
    lon = np.full(50, 42.4)
    ground = dem_ground(dem)(lat, lon)
    g = site_geometry(site.lat, site.lon, lat, lon, 40_000.0)
    table = radar_table(dem, site, 4 / 3, 0.5, 500.0)
    icp = cat.systems["tor-m2"].interceptors["9m338"]
    eng = {"interceptor": icp, "sector_center_deg": 0.0, "sector_width_deg": 360.0, "pk": None}
    bands = (300.0, 12_000.0)
    det, e = coverage_masks(
        site, table, g, ground[g.index], bands, Target("c", 1.0, "cruise", 250.0), 4 / 3, eng
    )
    assert e[0].any()
    assert not e[1].any()  # above the 9M338's 10 km ceiling
    assert not (e[0] & ~det[0]).any()  # engaged only where its own radar detects
    assert (g.ground_range_m[e[0]] <= 15_000.0 + 1).all()  # the 15 km interceptor range
    _, e_bal = coverage_masks(
        site, table, g, ground[g.index], bands, Target("b", 1.0, "ballistic"), 4 / 3, eng
    )
    assert not e_bal.any()  # Tor's Pk against ballistic missiles is 0
