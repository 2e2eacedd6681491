"""On real terrain (the shipped GLOBE DEM), a low cruise missile that the terrain hides from a
radar is not detected by it: the engine's detection probability is zero wherever an independent
path-profile line-of-sight check says the terrain blocks the view, and no replication confirms
a track before the missile first comes into view."""

from __future__ import annotations

import textwrap

import numpy as np

import iadsim
from iadsim import geo
from iadsim.engine.prepare import prepare
from iadsim.engine.runner import replay
from iadsim.terrain import Dem

SCENARIO = textwrap.dedent(
    """\
    schema_version: 1
    name: zagros-low-flier
    assets: [{name: erbil, lat: 36.2375, lon: 43.9631, value: 5}]
    sensors: [{name: ew, system: s-400, radar: 96l6e, lat: 36.2375, lon: 43.9631}]
    raids:
      - name: cm
        threat: soumar
        launch_points: [{lat: 36.55, lon: 45.35}]
        aim: erbil
        height_agl_m: 60
    monte_carlo: {replications: 300, seed: 3}
    """
)


def blocked_margin_m(dem, lat_r, lon_r, h_r_msl, lat_t, lon_t, h_t_msl, k, n=400):
    """Largest amount by which the terrain (plus the k-earth bulge) rises above the straight
    radar-target line along the path profile [m]; > 0 means the view is blocked."""
    _, _, dist = geo.inverse(lat_r, lon_r, lat_t, lon_t)
    d = np.linspace(0.0, float(dist), n)[1:-1]
    lat, lon = geo.points_along(lat_r, lon_r, lat_t, lon_t, d)
    terrain = np.nan_to_num(dem.elevation_m(lat, lon), nan=0.0)
    bulge = d * (float(dist) - d) / (2.0 * k * 6_371_008.8)
    line = h_r_msl + (h_t_msl - h_r_msl) * d / float(dist)
    return float(np.max(terrain + bulge - line))


def test_terrain_hides_low_cruise_missile(tmp_path):
    path = tmp_path / "z.yaml"
    path.write_text(SCENARIO)
    scenario = iadsim.load_scenario(path)
    p = prepare(scenario)
    assert p.terrain != "smooth earth"
    catalog = iadsim.load_catalog()
    radar = catalog.systems["s-400"].radars["96l6e"]
    dem = Dem.default()
    k = scenario.propagation.k_factor
    h_r = float(dem.elevation_m(36.2375, 43.9631)) + radar.antenna_height_m.si()
    in_range = np.zeros(p.t_s.size, dtype=bool)
    flying = ~np.isnan(p.threats.lat[0])
    _, _, rng = geo.inverse(36.2375, 43.9631, p.threats.lat[0, flying], p.threats.lon[0, flying])
    near = (rng > 3_000.0) & (rng < 0.9 * radar.instrumented_range_km.si())
    in_range[np.flatnonzero(flying)[near]] = True

    pd = p.sensors.pd[0, 0]
    checked_hidden = checked_clear = 0
    for t in np.flatnonzero(in_range)[::5]:
        margin = blocked_margin_m(
            dem,
            36.2375,
            43.9631,
            h_r,
            p.threats.lat[0, t],
            p.threats.lon[0, t],
            p.threats.alt[0, t],
            k,
        )
        if margin > 30.0:  # clearly blocked: the engine must not be able to detect it
            assert pd[t] == 0.0, (t, margin)
            checked_hidden += 1
        elif margin < -3.0:  # the 6 m mast bounds how clear a low flier can be
            assert p.sensors.visible[0, 0, t], (t, margin)
            checked_clear += 1
    assert checked_hidden >= 5, "the route must have hidden stretches to test"
    assert checked_clear >= 1, "and stretches in view"

    # on a smooth earth the same samples in range would have been seen much earlier
    smooth = prepare(scenario, dem=None)
    first_terrain = int(np.argmax(p.sensors.visible[0, 0]))
    first_smooth = int(np.argmax(smooth.sensors.visible[0, 0]))
    assert first_smooth < first_terrain

    # no replication confirms a track while the missile is still hidden
    for r in range(20):
        events = replay(p, scenario.monte_carlo.seed, r).to_pandas()
        tracks = events[events.event == "track"]
        assert (tracks.time_s >= p.t_s[first_terrain]).all()
