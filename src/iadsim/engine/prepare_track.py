"""The tracker's inputs of a prepared variant (issue 12; docs/models/tracking.md).

The tracker works in the non-rotating earth-centred frame of the model sphere
(:data:`~iadsim.constants.R_EARTH_M`), the frame of the threats' Keplerian arcs: a point at
latitude φ, longitude λ and altitude h is ``(R + h)(cos φ cos λ, cos φ sin λ, sin φ)``. Each
radar measures in its local frame, whose rows are north, east and up at its site (azimuth
clockwise from north, elevation above the local horizontal).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iadsim.constants import R_EARTH_M
from iadsim.tracking.footprint import ellipse_k2

#: Process noise density of the constant-velocity filter (air-breathing threats): waypoint
#: turns of a few m/s² over a few seconds. [m²/s³] (assumption; docs/models/tracking.md)
Q_CV_M2_S3 = 10.0
#: Process noise density of the ballistic filter: drag and the boost model's departure from a
#: Kepler arc. [m²/s³] (assumption)
Q_BALLISTIC_M2_S3 = 1.0
#: Standard deviation of a new track's velocity per axis (one-point initiation). [m/s]
INIT_SIGMA_V_MPS = 1500.0
#: Longest span of a radar's batch of plots of a threat, applied to its track as one
#: equivalent measurement (docs/models/tracking.md). [s] (assumption)
BATCH_S = 10.0
#: Divert of an interceptor with no catalog figure: half its lateral acceleration, 20 g
#: assumed, times the square of 3 s of terminal homing, ½·20·9.81·3² ≈ 880 m. [m] (assumption)
DEFAULT_DIVERT_M = 880.0


@dataclass
class TrackingInputs:
    """Arrays the tracking stage reads (all empty when the tracker is off and no doctrine
    needs the impact points)."""

    on: bool
    hits_only: bool
    k2: float
    drop_k: int
    sample_off: np.ndarray  # (N + 1,) first flat sample of each threat
    xyz: np.ndarray  # (samples, 3) true positions [m]
    aim_xyz: np.ndarray  # (N, 3) aim points [m]
    aim_en: np.ndarray  # (N, 2, 3) east and north unit vectors at the aim
    r_ground: np.ndarray  # (N,) radius of the ground at the aim [m]
    radar_pos: np.ndarray  # (S, 3) [m]
    radar_rot: np.ndarray  # (S, 3, 3) rows north, east, up
    radar_R: np.ndarray  # (S, 3, 3) plot noise covariance (range m, azimuth rad, elev. rad)
    divert_m: np.ndarray  # (F,) [m]
    asset_xyz: np.ndarray  # (A, 3) [m]
    asset_en: np.ndarray  # (A, 2, 3)
    asset_r: np.ndarray  # (A,) footprint radius [m]
    #: the fire unit's launch solution (window, intercept step) read at the estimate's
    #: believed point of the path (on with the tracker; tests switch it off to compare)
    timing: bool = True


def sphere_xyz(lat_deg, lon_deg, alt_m) -> np.ndarray:
    """Positions in the model sphere's frame, (..., 3). [m]"""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    r = R_EARTH_M + np.asarray(alt_m, dtype=float)
    return np.stack(
        [r * np.cos(lat) * np.cos(lon), r * np.cos(lat) * np.sin(lon), r * np.sin(lat)], axis=-1
    )


def local_axes(lat_deg, lon_deg) -> np.ndarray:
    """North, east and up unit vectors at each point, (..., 3, 3) with rows n, e, u."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    z = np.zeros_like(sl)
    north = np.stack([-sl * co, -sl * so, cl], axis=-1)
    east = np.stack([-so, co, z], axis=-1)
    up = np.stack([cl * co, cl * so, sl], axis=-1)
    return np.stack([north, east, up], axis=-2)


def _radar_sigmas(site) -> tuple[float, float, float]:
    spec = site.spec
    figs = (spec.range_sigma_m, spec.azimuth_sigma_deg, spec.elevation_sigma_deg)
    if any(f is None for f in figs):
        raise ValueError(
            f"radar {site.name}: doctrine.tracking 'estimated' needs range_sigma_m, "
            "azimuth_sigma_deg and elevation_sigma_deg in its catalog entry"
        )
    return figs[0].si(), np.radians(figs[1].si()), np.radians(figs[2].si())


def prepare_tracking(doctrine, tracking, threats, sites, interceptors, assets, ground):
    """The :class:`TrackingInputs` of a variant; ``interceptors`` are the fire units'
    catalog interceptors in fire-unit order, ``sites`` the radar sites in sensor order."""
    on = doctrine.tracking == "estimated"
    hits_only = bool(doctrine.engage_only_predicted_hits)
    n = threats.launch_step.shape[0]
    n_steps = threats.impact_step - threats.launch_step + 1
    sample_off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(n_steps, out=sample_off[1:])
    need_points = on or hits_only
    if on:
        xyz = sphere_xyz(threats.lat.values, threats.lon.values, threats.alt.values)
    else:
        xyz = np.zeros((0, 3))
    if need_points:
        aim_alt = ground(threats.aim_lat, threats.aim_lon)
        aim_xyz = sphere_xyz(threats.aim_lat, threats.aim_lon, aim_alt)
        axes = local_axes(threats.aim_lat, threats.aim_lon)
        aim_en = np.ascontiguousarray(axes[:, [1, 0], :])
        r_ground = R_EARTH_M + np.asarray(aim_alt, dtype=float)
        a_lat = np.array([a.lat for a in assets], dtype=float)
        a_lon = np.array([a.lon for a in assets], dtype=float)
        asset_xyz = sphere_xyz(a_lat, a_lon, ground(a_lat, a_lon))
        asset_en = np.ascontiguousarray(local_axes(a_lat, a_lon)[:, [1, 0], :])
        asset_r = np.array([a.radius_m for a in assets], dtype=float)
    else:
        aim_xyz, aim_en, r_ground = np.zeros((0, 3)), np.zeros((0, 2, 3)), np.zeros(0)
        asset_xyz, asset_en, asset_r = np.zeros((0, 3)), np.zeros((0, 2, 3)), np.zeros(0)
    n_s = len(sites)
    radar_pos = np.zeros((n_s if on else 0, 3))
    radar_rot = np.zeros((n_s if on else 0, 3, 3))
    radar_R = np.zeros((n_s if on else 0, 3, 3))
    if on:
        for s, site in enumerate(sites):
            alt = float(ground(np.array(site.lat), np.array(site.lon)))
            alt += site.spec.antenna_height_m.si()
            radar_pos[s] = sphere_xyz(site.lat, site.lon, alt)
            radar_rot[s] = local_axes(site.lat, site.lon)
            radar_R[s] = np.diag(np.square(_radar_sigmas(site)))
    divert = np.array(
        [DEFAULT_DIVERT_M if i.divert_m is None else i.divert_m.si() for i in interceptors],
        dtype=float,
    )
    return TrackingInputs(
        on=on,
        hits_only=hits_only,
        k2=float(ellipse_k2(doctrine.predicted_hit_confidence)),
        drop_k=int(tracking.drop_after_missed_scans),
        sample_off=sample_off,
        xyz=np.ascontiguousarray(xyz),
        aim_xyz=aim_xyz,
        aim_en=aim_en,
        r_ground=r_ground,
        radar_pos=radar_pos,
        radar_rot=radar_rot,
        radar_R=radar_R,
        divert_m=divert,
        asset_xyz=asset_xyz,
        asset_en=asset_en,
        asset_r=asset_r,
        timing=on,
    )
