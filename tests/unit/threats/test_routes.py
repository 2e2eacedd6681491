import numpy as np
import pytest

from iadsim import geo
from iadsim.threats import Track, route_track

# A three-leg route ending at Al Asad AB (public-figures.md C6).
LAT = [33.30, 33.55, 34.10, 33.80]
LON = [45.20, 44.40, 43.30, 42.4333]
SPEED = 220.0  # [m/s]


def leg_lengths():
    _, _, d = geo.inverse(LAT[:-1], LON[:-1], LAT[1:], LON[1:])
    return d


def test_duration_is_length_over_speed():
    tr = route_track(LAT, LON, SPEED, 30.0, np.array([0.0]))
    assert isinstance(tr, Track)
    assert tr.duration_s == pytest.approx(leg_lengths().sum() / SPEED, rel=1e-12)
    assert (tr.impact_lat_deg, tr.impact_lon_deg) == (LAT[-1], LON[-1])


def test_passes_each_waypoint_on_time():
    legs = leg_lengths()
    t_way = np.concatenate(([0.0], np.cumsum(legs))) / SPEED
    tr = route_track(LAT, LON, SPEED, 30.0, t_way)
    _, _, err = geo.inverse(tr.lat_deg, tr.lon_deg, LAT, LON)
    assert np.all(err < 1e-3)


def test_distance_flown_matches_time_times_speed():
    legs = leg_lengths()
    # Mid-leg samples: the distance from the leg's start waypoint is t·v minus earlier legs.
    start = np.concatenate(([0.0], np.cumsum(legs)[:-1]))
    frac = np.array([0.25, 0.5, 0.8])
    t = (start + frac * legs) / SPEED
    tr = route_track(LAT, LON, SPEED, 30.0, t)
    _, _, from_start = geo.inverse(LAT[:-1], LON[:-1], tr.lat_deg, tr.lon_deg)
    _, _, to_end = geo.inverse(tr.lat_deg, tr.lon_deg, LAT[1:], LON[1:])
    np.testing.assert_allclose(from_start, frac * legs, atol=1e-3)
    np.testing.assert_allclose(to_end, (1 - frac) * legs, atol=1e-3)


def test_height_agl_follows_fake_ground():
    def ground(lat, lon):
        return 100.0 * (lat - 33.0) + 10.0 * lon

    t = np.linspace(0.0, 2000.0, 41)
    tr = route_track(LAT, LON, SPEED, 50.0, t, reference="agl", ground_elevation_m=ground)
    inside = tr.in_flight
    np.testing.assert_allclose(
        tr.alt_m[inside], ground(tr.lat_deg[inside], tr.lon_deg[inside]) + 50.0, atol=1e-9
    )
    assert np.ptp(tr.alt_m[inside]) > 50.0  # the ground really varies


def test_default_ground_is_smooth_earth_and_msl_ignores_ground():
    t = np.linspace(0.0, 1000.0, 11)
    assert np.all(route_track(LAT, LON, SPEED, 30.0, t).alt_m == 30.0)
    tr = route_track(
        LAT, LON, SPEED, 3000.0, t, reference="msl", ground_elevation_m=lambda la, lo: la * 0 + 500
    )
    assert np.all(tr.alt_m == 3000.0)


def test_nan_outside_flight():
    tr0 = route_track(LAT, LON, SPEED, 30.0, np.array([0.0]))
    t = np.array([-10.0, -1e-9, 0.0, tr0.duration_s / 2, tr0.duration_s, tr0.duration_s + 1e-6])
    tr = route_track(LAT, LON, SPEED, 30.0, t)
    out = np.array([True, True, False, False, False, True])
    for arr in (tr.lat_deg, tr.lon_deg, tr.alt_m, tr.speed_mps):
        assert np.all(np.isnan(arr[out])) and np.all(np.isfinite(arr[~out]))
    assert np.all(tr.speed_mps[~out] == SPEED)


def test_repeated_waypoint_is_harmless():
    lat = [LAT[0], LAT[1], LAT[1], LAT[2]]
    lon = [LON[0], LON[1], LON[1], LON[2]]
    t = np.linspace(0.0, 3000.0, 31)
    a = route_track(lat, lon, SPEED, 30.0, t)
    b = route_track(LAT[:3], LON[:3], SPEED, 30.0, t)
    assert a.duration_s == pytest.approx(b.duration_s)
    np.testing.assert_allclose(a.lat_deg, b.lat_deg, atol=1e-12)
    np.testing.assert_allclose(a.lon_deg, b.lon_deg, atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lat_deg": [33.0], "lon_deg": [44.0]}, "at least 2 waypoints"),
        ({"lat_deg": [33.0, 34.0], "lon_deg": [44.0]}, "equal length"),
        ({"lat_deg": [33.0, 95.0], "lon_deg": [44.0, 44.0]}, r"lat_deg.*\[-90, 90\] deg"),
        ({"lat_deg": [33.0, np.nan], "lon_deg": [44.0, 44.0]}, "finite"),
        ({"lat_deg": [33.0, 33.0], "lon_deg": [44.0, 44.0]}, "route length.*positive"),
        ({"speed_mps": 0.0}, r"speed_mps.*positive.*\[m/s\]"),
        ({"speed_mps": -5.0}, "speed_mps"),
        ({"height_m": -1.0}, "height_m.*>= 0 m"),
        ({"reference": "amsl"}, "reference must be 'agl' or 'msl'"),
    ],
)
def test_bad_input_raises(kwargs, match):
    args = {"lat_deg": LAT, "lon_deg": LON, "speed_mps": SPEED, "height_m": 30.0}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        route_track(t_s=np.zeros(2), **args)
