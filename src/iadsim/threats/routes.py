"""Threats on routes: cruise missiles, drones and aircraft flying waypoints.

The threat flies the WGS84 geodesic between successive waypoints at constant speed, at a set
height above the ground (``reference="agl"``) or above mean sea level (``reference="msl"``).
Turns are instantaneous and there is no climb or descent model: the altitude follows the ground
profile exactly in AGL mode. The ground comes from a vectorised callable; the default is a
smooth earth at 0 m, and the terrain model plugs in here.

References
----------
.. [1] Karney, C. F. F. (2013). Algorithms for geodesics. J. Geodesy 87, 43-55 (geodesic legs
   through :mod:`iadsim.geo`, i.e. pyproj.Geod).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from iadsim import geo
from iadsim.threats.track import Track

__all__ = ["route_track"]

GroundElevation = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""Vectorised ground elevation above mean sea level: ``f(lat_deg, lon_deg) -> elevation_m``."""


def _flat_ground(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    return np.zeros(np.broadcast(lat_deg, lon_deg).shape)


def _check_route(lat_deg: Sequence[float], lon_deg: Sequence[float]) -> tuple[np.ndarray, ...]:
    lat = np.asarray(lat_deg, dtype=float)
    lon = np.asarray(lon_deg, dtype=float)
    if lat.ndim != 1 or lon.ndim != 1 or lat.shape != lon.shape:
        raise ValueError(
            f"lat_deg and lon_deg must be 1-D sequences of equal length [deg], "
            f"got shapes {lat.shape} and {lon.shape}"
        )
    if lat.size < 2:
        raise ValueError(f"a route needs at least 2 waypoints (lat_deg, lon_deg), got {lat.size}")
    if not (np.all(np.isfinite(lat)) and np.all(np.isfinite(lon))):
        raise ValueError("lat_deg and lon_deg must be finite [deg]")
    if np.any(np.abs(lat) > 90.0):
        raise ValueError(f"lat_deg must be within [-90, 90] deg, got {lat[np.abs(lat) > 90.0]}")
    return lat, lon


def route_track(
    lat_deg: Sequence[float],
    lon_deg: Sequence[float],
    speed_mps: float,
    height_m: float,
    t_s: np.ndarray,
    reference: str = "agl",
    ground_elevation_m: GroundElevation | None = None,
) -> Track:
    """Sampled flight along geodesic legs between waypoints, at constant speed and height.

    At time t the threat has flown s = speed_mps·t along the route; it is on leg i with
    L₀ + … + L_{i−1} <= s < L₀ + … + L_i (L_k the geodesic length of leg k) at distance
    s − ΣL from waypoint i along that leg's geodesic. Duration = ΣL / speed_mps.

    Parameters
    ----------
    lat_deg, lon_deg : sequence of float
        Waypoints from launch to the target (the last one is the arrival point), WGS84. [deg]
    speed_mps : float
        Constant ground speed, > 0. [m/s]
    height_m : float
        Flight height: above the ground for ``reference="agl"`` (>= 0), above mean sea level for
        ``reference="msl"``. [m]
    t_s : array_like
        Sample times relative to launch. [s]
    reference : {"agl", "msl"}
        What ``height_m`` is measured from.
    ground_elevation_m : callable, optional
        Vectorised ``f(lat_deg, lon_deg) -> ground elevation above MSL [m]``, used with
        ``reference="agl"``; default a smooth earth at 0 m.

    Returns
    -------
    Track
        Altitude above MSL; NaN outside 0 <= t_s <= duration_s; impact point = last waypoint.

    Raises
    ------
    ValueError
        Fewer than 2 waypoints, bad coordinates, zero route length, non-positive speed,
        negative AGL height, or an unknown reference.

    References
    ----------
    .. [1] Karney (2013), Algorithms for geodesics, J. Geodesy 87 (via :mod:`iadsim.geo`).
    """
    lat, lon = _check_route(lat_deg, lon_deg)
    speed_mps = float(speed_mps)
    if not np.isfinite(speed_mps) or speed_mps <= 0.0:
        raise ValueError(f"speed_mps must be a positive speed [m/s], got {speed_mps!r}")
    height_m = float(height_m)
    if reference not in ("agl", "msl"):
        raise ValueError(f"reference must be 'agl' or 'msl', got {reference!r}")
    if not np.isfinite(height_m) or (reference == "agl" and height_m < 0.0):
        raise ValueError(
            f"height_m must be a finite height [m] (>= 0 m above ground for 'agl'), got {height_m!r}"
        )

    az12, _, leg_m = geo.inverse(lat[:-1], lon[:-1], lat[1:], lon[1:])
    total_m = float(np.sum(leg_m))
    if not total_m > 0.0:
        raise ValueError("route length must be positive [m]: all waypoints coincide")
    leg_start_m = np.concatenate(([0.0], np.cumsum(leg_m)[:-1]))
    duration = total_m / speed_mps

    t = np.asarray(t_s, dtype=float)
    inside = (t >= 0.0) & (t <= duration)
    flown_m = np.clip(t[inside] * speed_mps, 0.0, total_m)
    # side="right": a point exactly on a waypoint starts the next leg (zero-length legs skipped).
    leg = np.clip(np.searchsorted(leg_start_m, flown_m, side="right") - 1, 0, leg_m.size - 1)
    lat_in, lon_in = geo.forward(lat[leg], lon[leg], az12[leg], flown_m - leg_start_m[leg])

    if reference == "agl":
        ground = ground_elevation_m if ground_elevation_m is not None else _flat_ground
        alt_in = np.asarray(ground(lat_in, lon_in), dtype=float) + height_m
    else:
        alt_in = np.full(lat_in.shape, height_m)

    lat_out, lon_out, alt_out = (np.full(t.shape, np.nan) for _ in range(3))
    lat_out[inside], lon_out[inside], alt_out[inside] = lat_in, lon_in, alt_in
    return Track(
        t_s=t,
        lat_deg=lat_out,
        lon_deg=lon_out,
        alt_m=alt_out,
        speed_mps=np.where(inside, speed_mps, np.nan),
        duration_s=duration,
        impact_lat_deg=float(lat[-1]),
        impact_lon_deg=float(lon[-1]),
    )
