"""Fighters on combat air patrol (issue 13): one fighter against N drones crossing its orbit
kills at most its load, never engages outside its radar's range nor beyond its weapon's reach
(checked against independent pyproj geometry), stops at the end of its time on station, and
kills as many as the salvo formula (load / salvo) x (1 - (1 - Pk)^salvo) says, within Monte
Carlo error."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
import pytest
from pyproj import Geod

import iadsim
from iadsim import geo
from iadsim.engagement import cap as capm
from iadsim.engine.prepare import prepare
from iadsim.engine.runner import run_chunk

CENTRE = (32.0, 40.0)
N_DRONES = 12
LOAD = 4


def _scenario(tmp_path, salvo=1, weapon="aim-9x", on_station_s=0.0, offset_km=0.0, reps=400):
    west = geo.forward(*CENTRE, 270.0, 150_000.0)
    east = geo.forward(*CENTRE, 90.0, 150_000.0)
    if offset_km:  # the drones' line moved north, away from the orbit
        west = geo.forward(float(west[0]), float(west[1]), 0.0, offset_km * 1e3)
        east = geo.forward(float(east[0]), float(east[1]), 0.0, offset_km * 1e3)
    text = textwrap.dedent(
        f"""\
        schema_version: 1
        name: cap-test
        time_step_s: 2.0
        terrain: {{dem: none}}
        assets: [{{name: base, lat: {float(east[0]):.6f}, lon: {float(east[1]):.6f}}}]
        raids:
          - {{name: drones, threat: shahed-136, aim: base, count: {N_DRONES}, spacing_s: 90,
             launch_points: [{{lat: {float(west[0]):.6f}, lon: {float(west[1]):.6f}}}]}}
        combat_air_patrols:
          - {{name: cap, lat: {CENTRE[0]}, lon: {CENTRE[1]}, orbit_radius_m: 20000,
             altitude_m: 6000, weapon: {weapon}, load: {LOAD}, on_station_s: {on_station_s},
             time_on_station_s: 20000}}
        doctrine: {{salvo_size: {salvo}, shoot_look_shoot: false}}
        catalog:
          overrides:
            - {{entry: shahed-136, path: reliability,
               figure: {{value: 1.0, unit: '1', claim: assumption, note: test}}}}
        monte_carlo: {{replications: {reps}, seed: 3}}
        """
    )
    path = tmp_path / "cap.yaml"
    path.write_text(text)
    return iadsim.load_scenario(path)


@pytest.mark.parametrize("salvo", [1, 2])
def test_kills_at_most_the_load_and_match_the_salvo_formula(tmp_path, salvo):
    s = _scenario(tmp_path, salvo=salvo)
    p = prepare(s)
    raw = run_chunk(p, 3, 0, 400)
    kills = (raw.fate == 1).sum(axis=1)
    assert kills.max() <= LOAD
    # the whole load is fired (12 drones for 4 rounds), each salvo at a new drone
    np.testing.assert_array_equal(raw.fu_shots[:, 0], LOAD)
    assert (raw.shots_at <= salvo).all()
    pk = capm.WEAPONS["aim-9x"]["pk"]["drone"]
    want = capm.salvo_kills(LOAD, salvo, pk)
    assert want == pytest.approx((LOAD / salvo) * (1 - (1 - pk) ** salvo))
    se = kills.std(ddof=1) / math.sqrt(kills.shape[0])
    assert abs(kills.mean() - want) <= 4 * se + 1e-9, (kills.mean(), want, se)


def test_never_engages_outside_radar_or_weapon_range(tmp_path):
    s = _scenario(tmp_path, reps=50)
    res = iadsim.run(s, workers=1, out_dir=tmp_path / "out")
    v = res["base"]
    events = pd.read_parquet(v.directory / "timeline.parquet")
    threats = pd.read_parquet(v.directory / "threats.parquet")
    launches = events[events.event.astype(str) == "launch"]
    assert len(launches) == LOAD
    p = prepare(s)
    orbit = capm.Orbit(*CENTRE, 20_000.0, 6_000.0, 200.0, 0.0, 20_000.0)
    g = Geod(ellps="WGS84")
    weapon = capm.WEAPONS["aim-9x"]
    rep0 = threats[threats.replication == 0].set_index("threat")
    for _, e in launches.iterrows():
        j, t = int(e.threat), float(e.time_s)
        step = round(t / p.dt_s)
        f_lat, f_lon, f_alt = (float(x[0]) for x in orbit.position(np.array([t])))
        lat, lon, alt = (
            float(a.at(j, step)) for a in (p.threats.lat, p.threats.lon, p.threats.alt)
        )
        _, _, ground = g.inv(f_lon, f_lat, lon, lat)
        # the fighter's own radar holds it: inside the instrumented range
        assert math.hypot(ground, f_alt - alt) <= capm.FIGHTER_RADAR["instrumented_range_m"]
        ic = p.fire_units.intercept_at(0, j, step)
        assert ic > step
        x_lat, x_lon, x_alt = (
            float(a.at(j, ic)) for a in (p.threats.lat, p.threats.lon, p.threats.alt)
        )
        _, _, reach = g.inv(f_lon, f_lat, x_lon, x_lat)
        d = math.hypot(reach, f_alt - x_alt)
        # the intercept point is within the weapon's range once the fighter has dashed
        dash_s = (ic - step) * p.dt_s - capm.REACTION_S
        assert weapon["min_range_m"] * 0.99 <= d
        assert d <= weapon["max_range_m"] + 300.0 * max(dash_s, 0.0) + 1.0
        row = rep0.loc[j]
        if str(row.fate) == "killed":
            assert row.intercept_time_s == pytest.approx(ic * p.dt_s)


def test_no_engagement_beyond_reach_or_off_station(tmp_path):
    # drones 400 km north of the orbit: beyond radar range and the dash
    far = prepare(_scenario(tmp_path, offset_km=400.0))
    assert (far.fire_units.window[0, :, 1] < far.fire_units.window[0, :, 0]).all()
    raw = run_chunk(far, 3, 0, 20)
    assert (raw.fu_shots == 0).all()
    # on station only after the last drone has passed: nothing to engage
    late = prepare(_scenario(tmp_path, on_station_s=20_000.0))
    assert (late.fire_units.window[0, :, 1] < late.fire_units.window[0, :, 0]).all()


def test_orbit_is_a_circle_flown_at_its_speed():
    orbit = capm.Orbit(*CENTRE, 25_000.0, 8_000.0, 200.0, 100.0, 3_600.0)
    t = np.array([100.0, 110.0, 500.0, 2_000.0])
    lat, lon, alt = orbit.position(t)
    g = Geod(ellps="WGS84")
    _, _, r = g.inv(np.full(4, CENTRE[1]), np.full(4, CENTRE[0]), lon, lat)
    np.testing.assert_allclose(r, 25_000.0, atol=0.01)
    np.testing.assert_array_equal(alt, 8_000.0)
    # 10 s at 200 m/s: a 2,000 m arc, whose chord is 2 R sin(s / 2R)
    _, _, chord = g.inv(lon[0], lat[0], lon[1], lat[1])
    assert chord == pytest.approx(2 * 25_000.0 * math.sin(2_000.0 / 50_000.0), rel=1e-3)
    np.testing.assert_array_equal(
        orbit.on_station(np.array([99.0, 100.0, 3_700.0, 3_701.0])), [False, True, True, False]
    )
