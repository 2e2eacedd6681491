import numpy as np
import pytest

from iadsim import geo
from iadsim.constants import R_EARTH_M
from iadsim.threats import (
    Track,
    arc_state,
    arc_through_apogee,
    ballistic_track,
    minimum_energy_arc,
)

# Kermanshah province (approx.) to Al Asad AB (public-figures.md C6).
LAUNCH = (34.31, 47.06)
AIM = (33.8000, 42.4333)
BOOST_S = 40.0


@pytest.fixture(scope="module")
def track():
    t = np.arange(-5.0, 600.0, 0.5)
    return ballistic_track(*LAUNCH, *AIM, t, BOOST_S)


def _arc():
    _, _, dist = geo.inverse(*LAUNCH, *AIM)
    return minimum_energy_arc(float(dist))


def test_duration_is_free_flight_plus_half_boost(track):
    assert isinstance(track, Track)
    assert track.duration_s == pytest.approx(_arc().time_of_flight_s + BOOST_S / 2, abs=1e-9)


def test_starts_on_launch_and_ends_on_aim_point():
    arc = _arc()
    t = np.array([0.0, arc.time_of_flight_s + BOOST_S / 2])
    tr = ballistic_track(*LAUNCH, *AIM, t, BOOST_S)
    _, _, start_err = geo.inverse(*LAUNCH, tr.lat_deg[0], tr.lon_deg[0])
    _, _, end_err = geo.inverse(*AIM, tr.lat_deg[1], tr.lon_deg[1])
    assert start_err < 1.0
    assert end_err < 1.0
    assert tr.alt_m[0] == pytest.approx(0.0, abs=1e-3)
    assert tr.alt_m[1] == pytest.approx(0.0, abs=1e-3)
    assert (tr.impact_lat_deg, tr.impact_lon_deg) == AIM


def test_nan_outside_flight_and_finite_inside(track):
    outside = (track.t_s < 0) | (track.t_s > track.duration_s)
    assert outside.sum() > 10 and (~outside).sum() > 100
    for arr in (track.lat_deg, track.lon_deg, track.alt_m, track.speed_mps):
        assert np.all(np.isnan(arr[outside]))
        assert np.all(np.isfinite(arr[~outside]))
    np.testing.assert_array_equal(track.in_flight, ~outside)


def test_altitude_non_negative_and_peaks_at_apogee(track):
    alt = track.alt_m[track.in_flight]
    assert np.all(alt >= 0.0)
    assert alt.max() == pytest.approx(_arc().apogee_alt_m, abs=50.0)  # 0.5 s sampling


def test_ground_track_moves_monotonically_towards_aim(track):
    lat, lon = track.lat_deg[track.in_flight], track.lon_deg[track.in_flight]
    _, _, to_aim = geo.inverse(lat, lon, *AIM)
    assert np.all(np.diff(to_aim) < 0.0)


def test_speed_continuous_at_end_of_boost():
    arc = _arc()
    eps = 1e-6
    tr = ballistic_track(*LAUNCH, *AIM, np.array([BOOST_S - eps, BOOST_S, BOOST_S + eps]), BOOST_S)
    assert np.ptp(tr.speed_mps) < 1e-3
    assert np.ptp(tr.alt_m) < 1e-2
    # At burnout the missile is at arc time t_b/2, with the arc's speed there.
    _, alt, speed = arc_state(arc, np.array([BOOST_S / 2]))
    assert tr.speed_mps[1] == pytest.approx(speed[0], rel=1e-12)
    assert tr.alt_m[1] == pytest.approx(alt[0], rel=1e-12)


def test_boost_speed_ramps_from_rest():
    tr = ballistic_track(*LAUNCH, *AIM, np.array([0.0, BOOST_S / 4, BOOST_S / 2]), BOOST_S)
    assert tr.speed_mps[0] == 0.0
    assert np.all(np.diff(tr.speed_mps) > 0.0)


def test_no_boost_follows_the_arc_exactly():
    arc = _arc()
    t = np.linspace(0.0, arc.time_of_flight_s, 7)
    tr = ballistic_track(*LAUNCH, *AIM, t, 0.0)
    angle, alt, speed = arc_state(arc, t)
    np.testing.assert_allclose(tr.alt_m, alt)
    np.testing.assert_allclose(tr.speed_mps, speed)
    assert tr.duration_s == pytest.approx(arc.time_of_flight_s)
    # Ground position: central angle φ laid on the geodesic at (φ/Ψ)·D from launch.
    _, _, flown = geo.inverse(*LAUNCH, tr.lat_deg, tr.lon_deg)
    np.testing.assert_allclose(flown, angle / arc.central_angle_rad * arc.ground_range_m, atol=1e-3)


def test_lofted_track_reaches_requested_apogee():
    t = np.arange(0.0, 900.0, 0.25)
    tr = ballistic_track(*LAUNCH, *AIM, t, BOOST_S, apogee_alt_m=250e3)
    assert np.nanmax(tr.alt_m) == pytest.approx(250e3, abs=20.0)
    assert tr.duration_s > _arc().time_of_flight_s + BOOST_S / 2 + 30.0


def test_arc_state_nan_outside_and_downrange():
    arc = minimum_energy_arc(500e3)
    state = arc_state(arc, np.array([-1.0, 0.0, arc.time_of_flight_s, arc.time_of_flight_s + 1]))
    assert np.isnan(state.altitude_m[[0, 3]]).all() and np.isnan(state.speed_mps[[0, 3]]).all()
    assert state.downrange_m[1] == 0.0
    assert state.downrange_m[2] == pytest.approx(500e3, abs=1e-6)
    assert state.central_angle_rad[2] * R_EARTH_M == pytest.approx(500e3, abs=1e-6)


def test_arc_state_symmetric_about_apogee():
    arc = minimum_energy_arc(800e3)
    t = np.array([60.0, arc.time_of_flight_s - 60.0])
    angle, alt, speed = arc_state(arc, t)
    assert alt[0] == pytest.approx(alt[1], abs=1e-4)
    assert speed[0] == pytest.approx(speed[1], abs=1e-6)
    assert angle[0] + angle[1] == pytest.approx(arc.central_angle_rad, abs=1e-12)


def test_scalar_time_works():
    tr = ballistic_track(*LAUNCH, *AIM, 100.0, BOOST_S)
    assert tr.alt_m.shape == () and np.isfinite(tr.alt_m)


def test_near_antipodal_aim_point_still_lands_on_it():
    # WGS84 geodesics never exceed πR, so the half-globe check cannot fire here; the nearly
    # circular arc (e ≈ 0.001) must still be computed cleanly.
    aim = (0.5, 179.9)
    tr0 = ballistic_track(0.0, 0.0, *aim, np.array([0.0]), 0.0)
    tr = ballistic_track(0.0, 0.0, *aim, np.linspace(0.0, tr0.duration_s, 50), 0.0)
    assert np.all(np.isfinite(tr.alt_m)) and np.all(tr.alt_m >= 0.0)
    _, _, end_err = geo.inverse(*aim, tr.lat_deg[-1], tr.lon_deg[-1])
    assert end_err < 1.0


def test_track_is_read_only(track):
    with pytest.raises(ValueError):
        track.alt_m[0] = 1.0
    with pytest.raises(AttributeError):
        track.duration_s = 1.0


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: minimum_energy_arc(0.0), "ground_range_m.*positive.*m"),
        (lambda: minimum_energy_arc(-5e3), "ground_range_m.*positive.*m"),
        (lambda: minimum_energy_arc(np.nan), "ground_range_m"),
        (lambda: minimum_energy_arc(21_000e3), "ground_range_m.*half the globe"),
        (lambda: arc_through_apogee(500e3, 0.0), "apogee_alt_m.*> 0 m"),
        (lambda: arc_through_apogee(500e3, -1e3), "apogee_alt_m"),
        (lambda: arc_through_apogee(25_000e3, 100e3), "ground_range_m.*half the globe"),
        (lambda: ballistic_track(*LAUNCH, *LAUNCH, np.zeros(3), 10.0), "ground range.*positive"),
        (lambda: ballistic_track(*LAUNCH, *AIM, np.zeros(3), -1.0), "boost_time_s.*>= 0 s"),
        (lambda: ballistic_track(*LAUNCH, *AIM, np.zeros(3), 1e4), "boost_time_s.*twice"),
    ],
)
def test_bad_input_raises(call, match):
    with pytest.raises(ValueError, match=match):
        call()
