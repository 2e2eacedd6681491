"""Geodesy on WGS84, through pyproj. No geodesic formula is written by hand here.

Interfaces take latitude and longitude in degrees, altitudes in metres above mean sea level
(treated as ellipsoidal height: the geoid-ellipsoid separation over the region is under 20 m,
which is ignored), azimuths in degrees clockwise from true north. Every function accepts scalars
or numpy arrays (broadcast together) and returns numpy arrays (0-d for scalar input).

References
----------
Karney, C. F. F. (2013). Algorithms for geodesics. J. Geodesy 87, 43-55 (pyproj.Geod).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyproj

__all__ = [
    "GEOD",
    "ecef_to_geodetic",
    "forward",
    "geodetic_to_ecef",
    "inverse",
    "points_along",
]

#: The WGS84 ellipsoid, for ranges and bearings.
GEOD = pyproj.Geod(ellps="WGS84")


@lru_cache(maxsize=1)
def _to_ecef() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)


def _arrays(*xs):
    arrs = np.broadcast_arrays(*[np.asarray(x, dtype=float) for x in xs])
    return [np.array(a, dtype=float) for a in arrs]


def _shaped(shape, *outs):
    return tuple(np.asarray(o, dtype=float).reshape(shape) for o in outs)


def inverse(lat1_deg, lon1_deg, lat2_deg, lon2_deg):
    """Forward azimuth at point 1, back azimuth at point 2 [deg] and geodesic distance [m]."""
    lat1, lon1, lat2, lon2 = _arrays(lat1_deg, lon1_deg, lat2_deg, lon2_deg)
    az12, az21, dist = GEOD.inv(lon1, lat1, lon2, lat2)
    return _shaped(lat1.shape, az12, az21, dist)


def forward(lat_deg, lon_deg, azimuth_deg, distance_m):
    """Point reached from (lat, lon) along ``azimuth`` after ``distance`` [m]: (lat, lon) [deg]."""
    lat, lon, az, dist = _arrays(lat_deg, lon_deg, azimuth_deg, distance_m)
    lon2, lat2, _ = GEOD.fwd(lon, lat, az, dist)
    return _shaped(lat.shape, lat2, lon2)


def points_along(lat1_deg, lon1_deg, lat2_deg, lon2_deg, distance_m):
    """Points on the geodesic from point 1 towards point 2 at the given distances [m]."""
    az12, _, _ = inverse(lat1_deg, lon1_deg, lat2_deg, lon2_deg)
    return forward(lat1_deg, lon1_deg, az12, distance_m)


#: Mean earth radius for the cheap pre-filter of :func:`near` only (geometry uses WGS84).
_R_FILTER_M = 6_371_008.8


def spherical_m(site_lat: float, site_lon: float, lat, lon) -> np.ndarray:
    """Haversine distance [m] from a site on the sphere of the mean radius: within 1% of the
    WGS84 geodesic (the ellipsoid's radii of curvature lie within -0.6% and +0.5% of the
    mean), so only for bounds, never for geometry."""
    p1, p2 = np.radians(site_lat), np.radians(lat)
    dphi = p2 - p1
    dlmb = np.radians(lon - site_lon)
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * _R_FILTER_M * np.arcsin(np.sqrt(np.minimum(h, 1.0)))


def near(site_lat: float, site_lon: float, lat, lon, range_m: float) -> np.ndarray:
    """Points possibly within ``range_m`` of a site: a spherical (haversine) distance with a
    margin for the ellipsoid and the slant geometry (1% and 1 km). A conservative mask, so the
    WGS84 geodesics (and a radar model) run only where the answer can be yes."""
    return spherical_m(site_lat, site_lon, lat, lon) <= range_m * 1.01 + 1000.0


def geodetic_to_ecef(lat_deg, lon_deg, alt_m):
    """WGS84 geodetic coordinates to earth-centred earth-fixed x, y, z [m]."""
    lat, lon, alt = _arrays(lat_deg, lon_deg, alt_m)
    x, y, z = _to_ecef().transform(lon, lat, alt)
    return _shaped(lat.shape, x, y, z)


def ecef_to_geodetic(x_m, y_m, z_m):
    """Earth-centred earth-fixed x, y, z [m] to WGS84 latitude, longitude [deg], height [m]."""
    x, y, z = _arrays(x_m, y_m, z_m)
    lon, lat, alt = _to_ecef().transform(x, y, z, direction=pyproj.enums.TransformDirection.INVERSE)
    return _shaped(x.shape, lat, lon, alt)
