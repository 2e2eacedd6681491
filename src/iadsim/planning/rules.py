"""Static coverage rules: the engine's detection and intercept tests applied to map cells.

A target "at a cell" hovers ``h`` metres above the cell's ground. Every test below is the one
:mod:`iadsim.engine.prepare` applies to a threat sample, in the same order and with the same
functions, so a place the planner counts as covered is a place the engine can detect or
engage a threat:

- *line of sight*: ``h >= `` the radar's terrain table (:func:`iadsim.terrain.coverage_table`,
  built with the same arguments as the engine's ``site_table``), or the smooth-earth horizon
  without a DEM;
- *radar limits*: elevation between the radar's minimum and maximum, inside its sector, slant
  range within the instrumented range;
- *detection*: single-scan Swerling 1 Pd (:func:`iadsim.sensors.radar.detection_probability`)
  at least ``pd_min`` (0.5) against the target's RCS;
- *engagement*: seen by the fire unit's own fire-control radar, inside the interceptor's
  envelope for the threat class (slant range, height, target speed), inside the fire unit's
  sector, within the fly-out's kinematic reach, and a kill probability above zero.

What a static map cannot hold, and the engine does model: the time to confirm a track and to
react, the fly-out time against a moving threat, magazines and channels. Those are what
stage 2 (simulation) of ``iadsim plan`` measures.

References
----------
Skolnik, M. I. (2001). Introduction to Radar Systems, 3rd ed., ch. 2 and sec. 8.2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iadsim import geo
from iadsim.constants import R_EARTH_M
from iadsim.engagement.flyout import FlyoutProfile, time_to_distance_s
from iadsim.engine.prepare import _in_sector, _RadarSite, build_site_table
from iadsim.sensors.radar import (
    detection_probability,
    elevation_angle_deg,
    min_visible_height_m,
    slant_range_m,
)

__all__ = [
    "PD_MIN",
    "Geometry",
    "Target",
    "coverage_masks",
    "radar_table",
    "site_geometry",
]

#: Single-scan detection probability that counts a place as covered by a radar. [1]
PD_MIN = 0.5


@dataclass(frozen=True)
class Target:
    """What is to be detected or engaged: an RCS, and for engagement a threat class and speed.

    Attributes
    ----------
    name : str
        Catalog threat name, or ``rcs-<value>`` for a bare RCS.
    rcs_m2 : float
        Mean radar cross section. [m^2]
    threat_class : str or None
        'ballistic', 'cruise', 'drone' or 'aircraft' (None: detection only).
    speed_mps : float or None
        Speed checked against the interceptor's maximum target speed (None: not checked,
        e.g. a ballistic threat whose speed changes along its arc). [m/s]
    """

    name: str
    rcs_m2: float
    threat_class: str | None = None
    speed_mps: float | None = None

    @classmethod
    def from_catalog(cls, entry) -> Target:
        speed = entry.speed_mps.si() if getattr(entry, "speed_mps", None) is not None else None
        if entry.threat_class == "ballistic":
            speed = None
        return cls(entry.name, entry.rcs_m2.si(), entry.threat_class, speed)


def radar_table(dem, site: _RadarSite, k_factor: float, az_step_deg: float, range_step_m: float):
    """The terrain table of a radar site, with exactly the engine's arguments, but not kept in
    the engine's per-process cache (a plan builds thousands)."""
    return build_site_table(dem, site, k_factor, az_step_deg, range_step_m)


@dataclass(frozen=True, eq=False)
class Geometry:
    """Cells within reach of a site: their indices, azimuth and geodesic ground range."""

    index: np.ndarray
    az_deg: np.ndarray
    ground_range_m: np.ndarray

    def within(self, range_m: float) -> Geometry:
        keep = self.ground_range_m <= range_m
        return Geometry(self.index[keep], self.az_deg[keep], self.ground_range_m[keep])


def site_geometry(lat_deg: float, lon_deg: float, cell_lat, cell_lon, max_range_m: float):
    """Azimuth and geodesic range (pyproj, as the engine) to the cells within ``max_range_m``.

    A spherical pre-filter with a 1 % + 2 km margin keeps the exact geodesic computation to
    the cells that may be in reach (the sphere and WGS84 differ by under 0.6 %)."""
    la1, lo1 = np.radians(lat_deg), np.radians(lon_deg)
    la2, lo2 = np.radians(cell_lat), np.radians(cell_lon)
    hav = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    approx = 2 * R_EARTH_M * np.arcsin(np.sqrt(np.minimum(hav, 1.0)))
    idx = np.flatnonzero(approx <= max_range_m * 1.01 + 2_000.0)
    az, _, dist = geo.inverse(lat_deg, lon_deg, cell_lat[idx], cell_lon[idx])
    keep = dist <= max_range_m
    return Geometry(idx[keep], np.asarray(az)[keep], np.asarray(dist)[keep])


def _pd(spec, slant_m, rcs_m2: float):
    """Single-scan Pd of the engine (``radar_coverage``) at slant ranges."""
    return detection_probability(
        slant_m,
        rcs_m2,
        spec.reference_range_km.si(),
        spec.reference_rcs_m2.si(),
        spec.reference_pd.si(),
        spec.reference_pfa.si(),
    )


def coverage_masks(
    site: _RadarSite,
    table,
    g: Geometry,
    ground_m: np.ndarray,
    bands_m,
    target: Target,
    k_factor: float,
    engagement: dict | None = None,
    pd_min: float = PD_MIN,
) -> tuple[np.ndarray, np.ndarray]:
    """Detection and engagement masks, each (n_bands, len(g.index)) bool.

    Detection: the radar ``site`` sees a target hovering ``band`` metres above each cell
    (the engine's ``radar_coverage`` tests) and detects its RCS with Pd >= ``pd_min``.

    Engagement (``engagement`` given, for a fire unit whose fire-control radar is ``site``):
    also inside the interceptor's envelope for the target's class (slant range, height, target
    speed), inside the fire unit's sector, within the fly-out's kinematic reach (the engine's
    ``earliest_intercepts`` finds no solution beyond it) and with a non-zero kill probability
    -- the tests of ``prepare``'s ``feasible``. It is credited on the fire unit's own track
    (its radar's detection), not on cueing by another radar of the network.

    ``ground_m`` is the cells' ground (the engine's: DEM, sea level off the DEM) indexed like
    ``g.index``; ``engagement`` holds ``interceptor`` (catalog entry), ``sector_center_deg``,
    ``sector_width_deg`` and ``pk`` (override or None).
    """
    spec = site.spec
    n_b = len(bands_m)
    det = np.zeros((n_b, g.index.size), dtype=bool)
    eng = np.zeros_like(det)
    if g.index.size == 0:
        return det, eng
    if table is None:
        h_r = spec.antenna_height_m.si()
        min_view = None
    else:
        h_r = table.radar_alt_m
        min_view = table.min_visible_agl_m(g.az_deg, g.ground_range_m)
    in_sector = _in_sector(g.az_deg, site.sector_center_deg, site.sector_width_deg)
    env = _envelope(engagement, target, g) if engagement is not None else None
    for b, h in enumerate(bands_m):
        h = float(h)
        h_target = ground_m + h
        if min_view is None:
            in_view = h_target >= min_visible_height_m(g.ground_range_m, h_r, k_factor)
        else:
            in_view = h >= min_view
        elev = elevation_angle_deg(g.ground_range_m, h_r, h_target, k_factor)
        rng = slant_range_m(g.ground_range_m, h_r, h_target, k_factor)
        seen = (
            in_view
            & (elev >= spec.min_elevation_deg.si())
            & (elev <= spec.max_elevation_deg.si())
            & in_sector
            & (rng <= spec.instrumented_range_km.si())
        )
        det[b] = seen & (_pd(spec, rng, target.rcs_m2) >= pd_min)
        if env is not None and env["min_alt"] <= h <= env["max_alt"]:
            eng[b] = (
                det[b]
                & (rng >= env["min_range"])
                & (rng <= env["max_range"])
                & env["in_sector"]
                & np.isfinite(time_to_distance_s(env["flyout"], rng))
            )
    return det, eng


def _envelope(engagement: dict, target: Target, g: Geometry) -> dict | None:
    """The interceptor's limits against the target's class, or None if it cannot engage it."""
    icp = engagement["interceptor"]
    c = target.threat_class
    if c is None:
        return None
    pk = engagement.get("pk")
    pk = icp.pk[c].si() if pk is None else pk
    if pk <= 0.0:
        return None
    if target.speed_mps is not None and target.speed_mps > icp.max_target_speed_mps.si():
        return None
    max_range = icp.max_range_km.si()
    max_alt = icp.max_altitude_m.si()
    if c == "ballistic":
        if getattr(icp, "max_range_ballistic_km", None) is not None:
            max_range = icp.max_range_ballistic_km.si()
        if getattr(icp, "max_altitude_ballistic_m", None) is not None:
            max_alt = icp.max_altitude_ballistic_m.si()
    return {
        "min_range": icp.min_range_km.si(),
        "max_range": max_range,
        "min_alt": icp.min_altitude_m.si(),
        "max_alt": max_alt,
        "in_sector": _in_sector(
            g.az_deg, engagement["sector_center_deg"], engagement["sector_width_deg"]
        ),
        "flyout": FlyoutProfile(
            icp.max_speed_mps.si(), icp.boost_time_s.si(), icp.speed_decay_time_s.si()
        ),
    }
