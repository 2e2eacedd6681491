"""Ballistic arcs against closed forms, an independent integration and published figures.

Closed form for the minimum-energy arc over a sphere of radius R, range angle Ψ, s = sin(Ψ/2)
(Bate, Mueller & White, Fundamentals of Astrodynamics, 1971, sec. 6.2; Zarchan, Tactical and
Strategic Missile Guidance): v² = (μ/R)·2s/(1+s), γ = π/4 − Ψ/4. Derived from the ellipse's
geometry: launch and impact lie on a circle of radius R about the occupied focus; for minimum
energy the empty focus is the midpoint of the chord (length 2R·s), so
    2a = R + R·s                                → a = R(1 + s)/2
    2c = R cos(Ψ/2)  (centre to chord midpoint)  → e = cos(Ψ/2)/(1 + s) = √((1 − s)/(1 + s))
    apogee altitude = a(1 + e) − R = R(s + cos(Ψ/2) − 1)/2
At launch r = R = a(1 − e cos E₀) gives cos E₀ = −e, so E₀ = π − arccos(e), and the flight
time 2(π − M₀)/n with M₀ = E₀ − e sin E₀ is
    t_f = 2√(a³/μ)·(arccos e + e√(1 − e²)).
"""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from iadsim.constants import MU_EARTH_M3_S2 as MU
from iadsim.constants import R_EARTH_M as R
from iadsim.threats import arc_state, arc_through_apogee, minimum_energy_arc

RANGES_M = [300e3, 430e3, 500e3, 800e3, 1500e3]


def closed_form(range_m):
    psi = range_m / R
    s = np.sin(psi / 2)
    a = R * (1 + s) / 2
    e = np.sqrt((1 - s) / (1 + s))
    return {
        "v": np.sqrt(MU / R * 2 * s / (1 + s)),
        "gamma": np.pi / 4 - psi / 4,
        "a": a,
        "e": e,
        "apogee": R * (s + np.cos(psi / 2) - 1) / 2,
        "tof": 2 * np.sqrt(a**3 / MU) * (np.arccos(e) + e * np.sqrt(1 - e * e)),
    }


@pytest.mark.parametrize("range_m", RANGES_M)
def test_minimum_energy_matches_closed_form(range_m):
    arc = minimum_energy_arc(range_m)
    ref = closed_form(range_m)
    assert arc.burnout_speed_mps == pytest.approx(ref["v"], abs=1e-6)
    assert arc.flight_path_angle_rad == pytest.approx(ref["gamma"], abs=1e-10)
    assert arc.semi_major_axis_m == pytest.approx(ref["a"], abs=1e-3)
    assert arc.eccentricity == pytest.approx(ref["e"], abs=1e-12)
    assert arc.apogee_alt_m == pytest.approx(ref["apogee"], abs=1e-3)
    assert arc.time_of_flight_s == pytest.approx(ref["tof"], abs=1e-6)
    assert arc.central_angle_rad == pytest.approx(range_m / R, rel=1e-15)


def integrate_two_body(speed_mps, gamma_rad, t_max_s):
    """Planar two-body motion from burnout at r = R until r returns to R (solve_ivp)."""

    def rhs(_t, y):
        x, z, vx, vz = y
        k = -MU / np.hypot(x, z) ** 3
        return [vx, vz, k * x, k * z]

    def impact(_t, y):
        return np.hypot(y[0], y[1]) - R

    impact.terminal, impact.direction = True, -1.0

    def apogee(_t, y):
        return y[0] * y[2] + y[1] * y[3]  # radial velocity x r

    apogee.direction = -1.0
    # Launch at (R, 0): radial component along x, horizontal along z (downrange).
    y0 = [R, 0.0, speed_mps * np.sin(gamma_rad), speed_mps * np.cos(gamma_rad)]
    return solve_ivp(
        rhs,
        (0.0, t_max_s),
        y0,
        method="DOP853",
        rtol=1e-10,
        atol=1e-6,
        events=[impact, apogee],
        dense_output=True,
    )


@pytest.mark.parametrize("range_m", RANGES_M)
def test_minimum_energy_matches_numerical_integration(range_m):
    arc = minimum_energy_arc(range_m)
    sol = integrate_two_body(arc.burnout_speed_mps, arc.flight_path_angle_rad, 2000.0)
    t_impact = sol.t_events[0][0]
    x, z = sol.y_events[0][0][:2]
    xa, za = sol.y_events[1][0][:2]
    assert R * np.arctan2(z, x) == pytest.approx(range_m, abs=10.0)
    assert np.hypot(xa, za) - R == pytest.approx(arc.apogee_alt_m, abs=1.0)
    assert t_impact == pytest.approx(arc.time_of_flight_s, abs=0.05)

    # The analytic (Kepler) state along the way agrees with the integration too.
    t = np.linspace(0.0, arc.time_of_flight_s, 9)
    angle, alt, speed = arc_state(arc, t)
    xs, zs, vxs, vzs = sol.sol(t)
    np.testing.assert_allclose(R * angle, R * np.arctan2(zs, xs), atol=10.0)
    np.testing.assert_allclose(alt, np.hypot(xs, zs) - R, atol=1.0)
    np.testing.assert_allclose(speed, np.hypot(vxs, vzs), atol=0.01)


@pytest.mark.parametrize("apogee_m", [40e3, 150e3, 400e3])
def test_lofted_and_depressed_match_numerical_integration(apogee_m):
    arc = arc_through_apogee(500e3, apogee_m)
    sol = integrate_two_body(arc.burnout_speed_mps, arc.flight_path_angle_rad, 5000.0)
    x, z = sol.y_events[0][0][:2]
    xa, za = sol.y_events[1][0][:2]
    assert R * np.arctan2(z, x) == pytest.approx(500e3, abs=10.0)
    assert np.hypot(xa, za) - R == pytest.approx(apogee_m, abs=1.0)
    assert sol.t_events[0][0] == pytest.approx(arc.time_of_flight_s, abs=0.05)


# public-figures.md, section B1 [DER]: "400 km needs ≈1.95 km/s burnout, ≈100 km apogee,
# ≈5 min ballistic time; 500 km: 2.17 km/s, ≈125 km, ≈5.3 min; 800 km: 2.7 km/s, ≈200 km,
# ≈6.7 min". Speeds are quoted to 3 significant figures (±0.5 unit in the last place, plus a
# margin for the constants used); "≈" apogees and times come from flat-earth rules of thumb
# (apogee ≈ range/4), so they get 5 % and 10 % respectively.
@pytest.mark.parametrize(
    ("range_m", "speed_mps", "speed_tol", "apogee_m", "tof_s"),
    [
        (400e3, 1950.0, 10.0, 100e3, 5.0 * 60),
        (500e3, 2170.0, 10.0, 125e3, 5.3 * 60),
        (800e3, 2700.0, 50.0, 200e3, 6.7 * 60),
    ],
)
def test_public_figures_b1(range_m, speed_mps, speed_tol, apogee_m, tof_s):
    arc = minimum_energy_arc(range_m)
    assert arc.burnout_speed_mps == pytest.approx(speed_mps, abs=speed_tol)
    assert arc.apogee_alt_m == pytest.approx(apogee_m, rel=0.05)
    assert arc.time_of_flight_s == pytest.approx(tof_s, rel=0.10)


@pytest.mark.parametrize("range_m", RANGES_M)
def test_arc_through_minimum_energy_apogee_is_the_minimum_energy_arc(range_m):
    me = minimum_energy_arc(range_m)
    arc = arc_through_apogee(range_m, me.apogee_alt_m)
    assert arc.burnout_speed_mps == pytest.approx(me.burnout_speed_mps, abs=1e-6)
    assert arc.flight_path_angle_rad == pytest.approx(me.flight_path_angle_rad, abs=1e-9)
    assert arc.time_of_flight_s == pytest.approx(me.time_of_flight_s, abs=1e-6)
    assert arc.eccentricity == pytest.approx(me.eccentricity, abs=1e-12)
    assert arc.semi_major_axis_m == pytest.approx(me.semi_major_axis_m, abs=1e-3)


@pytest.mark.parametrize("range_m", RANGES_M)
def test_apogee_orders_flight_time_and_needs_more_speed_off_minimum(range_m):
    me = minimum_energy_arc(range_m)
    apogees = me.apogee_alt_m * np.array([0.3, 0.6, 1.0, 1.5, 3.0])
    arcs = [arc_through_apogee(range_m, h) for h in apogees]
    tofs = [a.time_of_flight_s for a in arcs]
    assert np.all(np.diff(tofs) > 1.0)  # higher apogee: longer flight
    speeds = np.array([a.burnout_speed_mps for a in arcs])
    assert np.argmin(speeds) == 2  # minimum energy is the slowest burnout
    assert np.all(speeds[[0, 1, 3, 4]] > me.burnout_speed_mps + 1.0)


@pytest.mark.parametrize("apogee_m", [30e3, 150e3, 600e3])
def test_lofted_and_depressed_obey_free_flight_range_equation(apogee_m):
    # BMW sec. 6.2: cos(Ψ/2) = (1 − Q cos²γ) / √(1 + Q(Q − 2) cos²γ), Q = v²R/μ.
    arc = arc_through_apogee(800e3, apogee_m)
    q = arc.burnout_speed_mps**2 * R / MU
    c2 = np.cos(arc.flight_path_angle_rad) ** 2
    psi = 2 * np.arccos((1 - q * c2) / np.sqrt(1 + q * (q - 2) * c2))
    assert R * psi == pytest.approx(800e3, abs=1.0)
