"""Preparation of fighters on combat air patrol (issue 13): each CAP becomes one fire unit
(one weapon class, its load, one fire channel, no reload) owning one radar that flies its
orbit; its intercept solution is :func:`iadsim.engagement.cap.cap_intercepts`.

Called by :func:`iadsim.engine.prepare.prepare`; with no CAP in the variant nothing here runs,
so every other scenario's inputs are unchanged.
"""

from __future__ import annotations

import numpy as np

from iadsim import geo
from iadsim.engagement import cap as capm
from iadsim.engine.prepare_radar import _RadarSite
from iadsim.sensors.radar import detection_probability, min_visible_height_m, slant_range_m


class _Fig:
    """A figure-like constant (``.si()``) for the spec of a CAP's radar."""

    def __init__(self, value: float):
        self.value = float(value)

    def si(self) -> float:
        return self.value


class _CapRadarSpec:
    def __init__(self):
        r = capm.FIGHTER_RADAR
        self.scan_period_s = _Fig(r["scan_period_s"])
        self.track_capacity = _Fig(r["track_capacity"])
        self.instrumented_range_km = _Fig(r["instrumented_range_m"])  # .si() is metres
        self.sector_width_deg = _Fig(360.0)


class _CapWeapon:
    """What the tracker asks of a fire unit's interceptor: a CAP's weapon has no catalog
    divert figure, so the tracker's default applies."""

    divert_m = None


CAP_INTERCEPTOR = _CapWeapon()


def selected(scenario, variant) -> list:
    """The CAPs a variant uses (named among its ``fire_units``, or all when it names none)."""
    caps = getattr(scenario, "combat_air_patrols", [])
    return [c for c in caps if variant.fire_units is None or c.name in variant.fire_units]


def orbit_of(cap) -> capm.Orbit:
    return capm.Orbit(
        cap.lat,
        cap.lon,
        cap.orbit_radius_m,
        cap.altitude_m,
        cap.orbit_speed_mps,
        cap.on_station_s,
        cap.time_on_station_s,
    )


def cap_coverage(cap, threats, t_s: np.ndarray, k_factor: float) -> dict:
    """What the CAP's radar sees while on station: every threat sample in its line of sight
    (4/3 earth from the fighter's altitude) and instrumented range, with its Swerling 1 Pd
    from the slant range (the same radar model as the ground radars)."""
    r = capm.FIGHTER_RADAR
    orbit = orbit_of(cap)

    steps = threats.lat.flat_steps()
    lat_f, lon_f, _ = orbit.position(t_s)
    on = orbit.on_station(t_s)
    # only samples on station and near enough to the orbit go to the geodesics (a conservative
    # spherical pre-filter, as for the ground radars)
    reach = orbit.radius_m + r["instrumented_range_m"]
    near = geo.near(orbit.lat_deg, orbit.lon_deg, threats.lat.values, threats.lon.values, reach)
    cand = np.flatnonzero(on[steps] & near)
    _, _, ground = geo.inverse(
        lat_f[steps[cand]], lon_f[steps[cand]], threats.lat.values[cand], threats.lon.values[cand]
    )
    h_t = threats.alt.values[cand]
    rng = slant_range_m(ground, orbit.altitude_m, h_t, k_factor)
    seen = (h_t >= min_visible_height_m(ground, orbit.altitude_m, k_factor)) & (
        rng <= r["instrumented_range_m"]
    )
    sample = cand[seen]
    rcs = threats.rcs_m2[threats.lat.flat_threat()[sample]]
    pd = detection_probability(
        rng[seen],
        rcs,
        r["reference_range_m"],
        r["reference_rcs_m2"],
        r["reference_pd"],
        r["reference_pfa"],
    )
    return {
        "sample": sample,
        "pd": np.asarray(pd, dtype=np.float32),
        "slant_m": rng[seen],
        "az_deg": np.zeros(sample.shape),
    }


def cap_site(cap, owner: int) -> _RadarSite:
    """The CAP's radar, feeding its own fire unit only. Not networked: the engine's network is
    delay-free and a ground fire unit holding a track may launch at once for an intercept
    hours later (its launch window opens at the threat's launch), so a fighter's track over
    Iraq would tie up an Iron Dome battery's channels for hours. The CAP itself still takes
    the ground network's tracks."""
    return _RadarSite(
        f"{cap.name}/radar", cap.lat, cap.lon, _CapRadarSpec(), owner, False, 0.0, 360.0
    )


def cap_pk_row(cap, threat_class: list[str]) -> np.ndarray:
    """Single-shot Pk of the CAP's weapon against every threat (0: never engaged)."""
    table = capm.WEAPONS[cap.weapon]["pk"]
    over = cap.pk or {}
    return np.array([float(over.get(c, table.get(c, 0.0))) for c in threat_class])


_ECEF: list = []  # (values array, ECEF) of the last threats seen: CAPs of a variant share it


def _threat_ecef(threats):
    """ECEF of every threat sample, computed once per prepared variant."""
    if _ECEF and _ECEF[0][0] is threats.lat.values:
        return _ECEF[0][1]
    xyz = geo.geodetic_to_ecef(threats.lat.values, threats.lon.values, threats.alt.values)
    _ECEF[:] = [(threats.lat.values, xyz)]
    return xyz


def cap_fire_unit(cap, threats, t_s: np.ndarray, dt: float, coverage: dict, pk_row: np.ndarray):
    """(columns, sparse intercept records) of one CAP: the commit steps are those its radar
    holds the threat (``coverage``), on station, against a threat its weapon can kill."""
    weapon = capm.WEAPONS[cap.weapon]
    n = threats.lat.values.shape[0]
    orbit = orbit_of(cap)
    j_of = threats.lat.flat_threat()
    speed = np.nan_to_num(threats.speed_mps.values, nan=np.inf)
    reach = (pk_row[j_of] > 0.0) & (speed <= capm.MAX_TARGET_SPEED_MPS)
    commit = np.zeros(n, dtype=bool)
    commit[coverage["sample"]] = True
    commit &= reach
    threat_xyz = _threat_ecef(threats)
    fighter_xyz = geo.geodetic_to_ecef(*orbit.position(t_s))
    records = capm.cap_intercepts(
        dt,
        threats.lat.offsets,
        threats.launch_step,
        threats.impact_step,
        threat_xyz,
        reach,
        commit,
        fighter_xyz,
        capm.REACTION_S,
        cap.dash_speed_mps,
        weapon,
        cap.max_dash_m,
    )
    from iadsim.engine.timegrid import steps as _steps

    columns = {
        "reserve": 0,
        "reaction": 0,  # the commit delay is inside the intercept solution
        "assess": _steps(capm.ASSESS_S, dt),
        "channels": 1,
        "in_flight": 2,
        "capacity": cap.load,
        "ready": cap.load,
        "per_launcher": 1,
        "reload": _steps(1e9, dt),  # no reload on patrol: it returns when empty
        "cost": weapon["cost_usd"],
        "acq": 0.0,
        "interceptor": cap.weapon,
        "max_range": weapon["max_range_m"],
    }
    return columns, records
