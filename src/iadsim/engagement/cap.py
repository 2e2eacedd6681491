"""Fighters on combat air patrol (CAP): a moving shooter's intercept solution (issue 13).

A CAP is a fire unit on an orbit: a circle of ``orbit_radius_m`` about a centre at a constant
altitude, flown at ``orbit_speed_mps`` while on station. To engage, the fighter commits at step
``t`` from its orbit position ``F(t)`` against a threat its own radar holds (inside the radar's
range and line of sight at ``t``), dashes towards the intercept point at ``dash_speed_mps`` until
it is within weapon range, and fires; the missile flies at its mean speed. A launch at ``t``
meets the threat at the earliest step ``tau`` whose point ``X(tau)`` satisfies

    reaction + max(0, |X(tau) - F(t)| - R_w) / v_dash + min(|X(tau) - F(t)|, R_w) / v_w
        <= tau - t,

with ``|X(tau) - F(t)| >= R_min`` and the dash no longer than ``max_dash_m`` (fuel). Distances
are straight lines in ECEF (exact 3-D chords; the fighter's path is taken as straight).

Assumptions (docs/models/cap.md): after an engagement the fighter is back on its orbit for the
next one (the orbit position is used for every commit), so closely spaced engagements are
optimistic in geometry and pessimistic in nothing; one target at a time per weapon (one fire
channel); no look-down clutter model; a CAP takes the network's tracks but its radar feeds only itself
(see :func:`iadsim.engine.prepare_cap.cap_site`).

The solution is stored in the engine's sparse record format (see
:func:`iadsim.engagement.intercept.intercept_breakpoints`): per threat, records
``(last launch step, intercept step)``, one per run of launch steps with the same intercept
step, ``-1`` where a launch inside the window meets nothing.

References
----------
Shaw, R. L. (1985). Fighter Combat: Tactics and Maneuvering. Naval Institute Press, ch. 1
(pursuit geometry, weapon employment envelopes).
Washburn, A. R., & Kress, M. (2009). Combat Modeling. Springer, ch. 2 (salvo equations).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from iadsim import geo

#: Weapon classes a CAP can carry: figures and what they rest on. Every figure here is an
#: assumption unless it says otherwise; a scenario may replace range and Pk per CAP.
WEAPONS: dict[str, dict] = {
    "aim-120": dict(
        max_range_m=50_000.0,
        min_range_m=2_000.0,
        speed_mps=1_200.0,
        cost_usd=1_100_000.0,
        pk={"drone": 0.8, "cruise": 0.75, "aircraft": 0.7},
        note="AIM-120C/D AMRAAM class, radar guided. Range: against a slow, low target in "
        "look-down, taken as half of the ~100 km quoted for head-on engagements at altitude "
        "(assumption); speed Mach 4 class (assumption; USAF fact sheet says 'supersonic', "
        "https://www.af.mil/About-Us/Fact-Sheets/Display/Article/104576/aim-120-amraam/); "
        "cost: ~$1.1M per round, order of recent US procurement (assumption); Pk assumed.",
    ),
    "aim-9x": dict(
        max_range_m=15_000.0,
        min_range_m=1_000.0,
        speed_mps=900.0,
        cost_usd=450_000.0,
        pk={"drone": 0.8, "cruise": 0.7, "aircraft": 0.7},
        note="AIM-9X Sidewinder class, infrared. Range against a small low target 15 km, "
        "speed Mach 2.5 class, cost ~$0.45M (all assumptions; USAF fact sheet "
        "https://www.af.mil/About-Us/Fact-Sheets/Display/Article/104557/aim-9-sidewinder/); "
        "Pk assumed.",
    ),
    "apkws": dict(
        max_range_m=5_000.0,
        min_range_m=1_000.0,
        speed_mps=600.0,
        cost_usd=25_000.0,
        pk={"drone": 0.6, "cruise": 0.5, "aircraft": 0.0},
        note="APKWS laser-guided 70 mm rocket class, used by US fighters against drones from "
        "2024. Range 5 km, speed 600 m/s, cost ~$25k (assumptions; BAE Systems product page "
        "https://www.baesystems.com/en-us/product/apkws-laser-guided-rocket); Pk assumed; "
        "not used against aircraft.",
    ),
}

#: The fighter's own radar (an AESA of the APG-63(V)3 / APG-83 class): assumptions.
FIGHTER_RADAR = dict(
    reference_range_m=110_000.0,
    reference_rcs_m2=1.0,
    reference_pd=0.5,
    reference_pfa=1e-6,
    instrumented_range_m=200_000.0,
    scan_period_s=2.0,
    track_capacity=20,
    note="Open literature quotes fighter-radar detection of a 5 m^2 fighter at ~150 km, "
    "which the R^4 law gives as ~100-110 km for 1 m^2 (assumption); scan period 2 s and 20 "
    "tracks assumed; no look-down clutter (a slow drone can sit in a Doppler notch: "
    "optimistic).",
)

#: Reaction (identify, commit) and kill-assessment times of a fighter: assumptions. [s]
REACTION_S = 10.0
ASSESS_S = 5.0
#: Highest target speed a CAP engages: excludes ballistic missiles. [m/s]
MAX_TARGET_SPEED_MPS = 1_000.0


@dataclass(frozen=True)
class Orbit:
    """A racetrack simplified to a circle: centre, radius, altitude, speed, time on station."""

    lat_deg: float
    lon_deg: float
    radius_m: float
    altitude_m: float
    speed_mps: float
    on_station_s: float
    time_on_station_s: float

    @property
    def off_station_s(self) -> float:
        return self.on_station_s + self.time_on_station_s

    def on_station(self, t_s: np.ndarray) -> np.ndarray:
        """Whether the fighter is on station at times ``t_s``. [bool]"""
        t_s = np.asarray(t_s, dtype=float)
        return (t_s >= self.on_station_s) & (t_s <= self.off_station_s)

    def position(self, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(lat [deg], lon [deg], alt [m]) on the orbit at times ``t_s`` (clockwise from north
        at ``on_station_s``; before it the fighter is taken at its start point)."""
        t_s = np.asarray(t_s, dtype=float)
        rate = self.speed_mps / self.radius_m  # [rad/s]
        az = np.degrees(rate * np.maximum(t_s - self.on_station_s, 0.0)) % 360.0
        lat, lon = geo.forward(
            np.full(t_s.shape, self.lat_deg), np.full(t_s.shape, self.lon_deg), az, self.radius_m
        )
        return np.asarray(lat), np.asarray(lon), np.full(t_s.shape, self.altitude_m)


@numba.njit(cache=True)
def _dense_solution(
    dt_s,
    offsets,
    launch_step,
    impact_step,
    tx,
    ty,
    tz,
    reach_ok,
    commit,
    fx,
    fy,
    fz,
    reaction_s,
    dash_mps,
    range_m,
    min_range_m,
    weapon_mps,
    max_dash_m,
    out,
):
    """``out[k]``: the intercept step of a commit at the step of threat sample ``k``, or -1."""
    horizon_s = reaction_s + max_dash_m / dash_mps + range_m / weapon_mps
    for j in range(launch_step.shape[0]):
        lo = launch_step[j]
        hi = impact_step[j]
        base = offsets[j]
        for t in range(lo, hi + 1):
            k = base + t - lo
            out[k] = -1
            if not commit[k]:
                continue
            for tau in range(t + 1, hi + 1):
                wait = (tau - t) * dt_s
                if wait > horizon_s:
                    break
                q = base + tau - lo
                if not reach_ok[q]:
                    continue
                d = np.sqrt((tx[q] - fx[t]) ** 2 + (ty[q] - fy[t]) ** 2 + (tz[q] - fz[t]) ** 2)
                if d < min_range_m:
                    continue
                dash = max(0.0, d - range_m)
                if dash > max_dash_m:
                    continue
                need = reaction_s + dash / dash_mps + min(d, range_m) / weapon_mps
                if need <= wait:
                    out[k] = tau
                    break


@numba.njit(cache=True)
def _records(offsets, launch_step, impact_step, dense):
    """Runs of equal intercept steps over each threat's window, as sparse records."""
    n_threats = launch_step.shape[0]
    n = dense.shape[0]
    last = np.empty(n, dtype=np.int64)
    ic = np.empty(n, dtype=np.int64)
    counts = np.zeros(n_threats, dtype=np.int64)
    window = np.empty((n_threats, 2), dtype=np.int64)
    window[:, 0] = 1
    window[:, 1] = 0
    k = 0
    for j in range(n_threats):
        lo = launch_step[j]
        hi = impact_step[j]
        base = offsets[j]
        first = -1
        final = -1
        for t in range(lo, hi + 1):
            if dense[base + t - lo] >= 0:
                if first < 0:
                    first = t
                final = t
        if first < 0:
            continue
        start = k
        for t in range(first, final + 1):
            v = dense[base + t - lo]
            if k > start and ic[k - 1] == v:
                last[k - 1] = t
            else:
                last[k] = t
                ic[k] = v
                k += 1
        counts[j] = k - start
        window[j, 0] = first
        window[j, 1] = final
    out_off = np.zeros(n_threats + 1, dtype=np.int64)
    for j in range(n_threats):
        out_off[j + 1] = out_off[j] + counts[j]
    return out_off, last[:k].copy(), ic[:k].copy(), window


def cap_intercepts(
    dt_s: float,
    offsets: np.ndarray,
    launch_step: np.ndarray,
    impact_step: np.ndarray,
    threat_ecef: tuple[np.ndarray, np.ndarray, np.ndarray],
    reach_ok: np.ndarray,
    commit: np.ndarray,
    fighter_ecef: tuple[np.ndarray, np.ndarray, np.ndarray],
    reaction_s: float,
    dash_mps: float,
    weapon: dict,
    max_dash_m: float,
):
    """The sparse intercept solution of one CAP against every threat.

    Parameters
    ----------
    dt_s : float
        Engine time step. [s]
    offsets, launch_step, impact_step : numpy.ndarray
        The threats' ragged layout (sample ``offsets[j] + t - launch_step[j]`` is threat ``j``
        at step ``t``). [1]
    threat_ecef : tuple of numpy.ndarray
        ECEF coordinates of every threat sample. [m]
    reach_ok : numpy.ndarray
        Per sample: the threat is a target the weapon can meet there (class, altitude, speed). [bool]
    commit : numpy.ndarray
        Per sample: the fighter may commit then (on station, its radar holds the threat). [bool]
    fighter_ecef : tuple of numpy.ndarray
        ECEF coordinates of the fighter on its orbit at every step of the grid. [m]
    reaction_s, dash_mps, max_dash_m : float
        Commit delay [s], dash speed [m/s], longest dash [m].
    weapon : dict
        ``max_range_m``, ``min_range_m``, ``speed_mps`` of the weapon (:data:`WEAPONS`).

    Returns
    -------
    (offsets (N+1), last_launch (K), intercept (K), window (N, 2)), as
    :func:`iadsim.engagement.intercept.intercept_breakpoints`.
    """
    dense = np.empty(reach_ok.shape[0], dtype=np.int64)
    _dense_solution(
        float(dt_s),
        offsets,
        launch_step,
        impact_step,
        *[np.ascontiguousarray(a, dtype=float) for a in threat_ecef],
        reach_ok.astype(np.bool_),
        commit.astype(np.bool_),
        *[np.ascontiguousarray(a, dtype=float) for a in fighter_ecef],
        float(reaction_s),
        float(dash_mps),
        float(weapon["max_range_m"]),
        float(weapon["min_range_m"]),
        float(weapon["speed_mps"]),
        float(max_dash_m),
        dense,
    )
    return _records(offsets, launch_step, impact_step, dense)


def salvo_kills(load: int, salvo: int, pk: float) -> float:
    """Expected kills of a CAP that fires its whole load in salvos of ``salvo`` at distinct
    targets: (load / salvo) x (1 - (1 - pk)^salvo) (Washburn & Kress 2009, ch. 2)."""
    return (load // salvo) * (1.0 - (1.0 - pk) ** salvo) + (
        (1.0 - (1.0 - pk) ** (load % salvo)) if load % salvo else 0.0
    )
