"""Routes around coverage (issue 11): ``raids[].route: avoid-defences`` plans a least-exposure
path from launch to aim over the defence's own radar coverage, once per variant.

Exposure is the expected number of detections: along a path flown at speed ``v``, a radar of
scan period ``T`` that sees the threat with single-scan ``Pd(x)`` makes ``Pd(x) ds / (v T)``
expected detections per length ``ds``. The planner sums that over the variant's radars on a
latitude-longitude grid at the raid's cruise height (the same visibility rules as the engine:
terrain table or 4/3-earth horizon, instrumented range, sector, the engine's Pd model), adds a
length cost of one expected detection per threat range flown (so the route stays within reach
and prefers the shorter of two equally hidden paths), and finds the cheapest 8-connected path
with :class:`skimage.graph.MCP_Geometric`. The grid is planar in degrees scaled by the cosine
of the mid latitude: a planning approximation; the engine then flies the planned waypoints on
the ellipsoid like any route.

The attacker is assumed to know the defence's layout and radar coverage (a documented
assumption: the planned route is a best case for the attacker).
"""

from __future__ import annotations

import numpy as np
from skimage.graph import MCP_Geometric

from iadsim import geo
from iadsim.engine.prepare_radar import _in_sector, line_of_sight
from iadsim.sensors.radar import (
    detection_probability,
    slant_range_m,
)
from iadsim.threats import route_track

#: Grid cell of the planner. [m]
CELL_M = 2_000.0
#: Margin of the planning box around launch and aim, as a share of their distance.
MARGIN = 0.6
#: Most waypoints of a planned route (the path is thinned to them).
MAX_WAYPOINTS = 60
_M_PER_DEG = 111_320.0


def rate_per_m(sites, tables, lat, lon, height_m, reference, rcs_m2, speed_mps, k, ground):
    """Expected detections per metre flown at each point (arrays of lat, lon). [1/m]"""
    g = ground(lat, lon)
    h_agl = height_m if reference == "agl" else np.maximum(height_m - g, 0.0)
    alt = g + h_agl
    out = np.zeros(np.shape(lat))
    for site, table in zip(sites, tables, strict=True):
        spec = site.spec
        az, _, gr = geo.inverse(site.lat, site.lon, lat, lon)
        seen, h_r = line_of_sight(site, table, k, az, gr, h_agl, alt)
        rng = slant_range_m(gr, h_r, alt, k)
        seen &= (rng <= spec.instrumented_range_km.si()) & _in_sector(
            az, site.sector_center_deg, site.sector_width_deg
        )
        pd = detection_probability(
            rng,
            rcs_m2,
            spec.reference_range_km.si(),
            spec.reference_rcs_m2.si(),
            spec.reference_pd.si(),
            spec.reference_pfa.si(),
        )
        out += np.where(seen, pd, 0.0) / (spec.scan_period_s.si() * speed_mps)
    return out


def path_exposure(lats, lons, rate_fn, step_m=500.0) -> float:
    """Expected detections along a polyline (rate integrated every ``step_m``)."""
    pts_lat, pts_lon, seg = [], [], []
    for i in range(len(lats) - 1):
        d = float(geo.inverse(lats[i], lons[i], lats[i + 1], lons[i + 1])[2])
        n = max(int(np.ceil(d / step_m)), 1)
        f = (np.arange(n) + 0.5) / n
        pts_lat.append(lats[i] + f * (lats[i + 1] - lats[i]))
        pts_lon.append(lons[i] + f * (lons[i + 1] - lons[i]))
        seg.append(np.full(n, d / n))
    lat, lon, ds = np.concatenate(pts_lat), np.concatenate(pts_lon), np.concatenate(seg)
    return float(np.sum(rate_fn(lat, lon) * ds))


def plan(launch, aim, rate_fn, reach_m):
    """Least-exposure waypoints from ``launch`` to ``aim`` ((lat, lon) pairs)."""
    lat0, lon0 = launch
    lat1, lon1 = aim
    mid = np.radians((lat0 + lat1) / 2.0)
    dist = float(geo.inverse(lat0, lon0, lat1, lon1)[2])
    pad_m = MARGIN * dist + 20_000.0
    dlat = CELL_M / _M_PER_DEG
    dlon = CELL_M / (_M_PER_DEG * np.cos(mid))
    lat_lo = min(lat0, lat1) - pad_m / _M_PER_DEG
    lat_hi = max(lat0, lat1) + pad_m / _M_PER_DEG
    lon_lo = min(lon0, lon1) - pad_m / (_M_PER_DEG * np.cos(mid))
    lon_hi = max(lon0, lon1) + pad_m / (_M_PER_DEG * np.cos(mid))
    lat_ax = np.arange(lat_lo, lat_hi + dlat, dlat)
    lon_ax = np.arange(lon_lo, lon_hi + dlon, dlon)
    glon, glat = np.meshgrid(lon_ax, lat_ax)
    cost = rate_fn(glat, glon) + 1.0 / reach_m  # per metre: exposure plus the length cost
    mcp = MCP_Geometric(cost, sampling=(CELL_M, CELL_M))
    start = (round((lat0 - lat_lo) / dlat), round((lon0 - lon_lo) / dlon))
    end = (round((lat1 - lat_lo) / dlat), round((lon1 - lon_lo) / dlon))
    mcp.find_costs([start], [end])
    path = np.array(mcp.traceback(end))
    keep = np.unique(np.linspace(0, len(path) - 1, min(len(path), MAX_WAYPOINTS)).astype(int))
    inner = path[keep][1:-1]
    return [(float(lat_ax[i]), float(lon_ax[j])) for i, j in inner]


def plan_routes(rows, sites, tables, k_factor, ground) -> tuple[list, dict]:
    """Rows of raids with ``route: avoid-defences`` get planned waypoints (a ``track``
    callable); returns (rows, {raid: {planned, direct, waypoints}}), exposures in expected
    detections per threat by the planner's model."""
    report: dict = {}
    cache: dict = {}
    for row in rows:
        raid, entry = row["raid"], row["entry"]
        if getattr(raid, "route", "direct") != "avoid-defences":
            continue
        speed = raid.speed_mps or entry.speed_mps.si()
        if entry.threat_class == "aircraft" and raid.height_agl_m is None:
            height, ref = entry.cruise_altitude_m.si(), "msl"
        else:
            height, ref = raid.height_agl_m or entry.cruise_height_agl_m.si(), "agl"
        rcs = entry.rcs_m2.si()

        def rate(lat, lon, h=height, ref=ref, rcs=rcs, v=speed):
            return rate_per_m(sites, tables, lat, lon, h, ref, rcs, v, k_factor, ground)

        launch = (row["launch"].lat, row["launch"].lon)
        aim = (row["aim_lat"], row["aim_lon"])
        key = (raid.name, launch, aim)
        if key not in cache:
            wps = plan(launch, aim, rate, entry.max_range_km.si())
            lats = [launch[0], *[p[0] for p in wps], aim[0]]
            lons = [launch[1], *[p[1] for p in wps], aim[1]]
            cache[key] = (lats, lons)
            report[raid.name] = dict(
                planned=path_exposure(lats, lons, rate),
                direct=path_exposure([launch[0], aim[0]], [launch[1], aim[1]], rate),
                waypoints=len(wps),
            )
        lats, lons = cache[key]

        def track(t, lats=lats, lons=lons, v=speed, h=height, ref=ref):
            return route_track(lats, lons, v, h, t, ref, ground)

        row["track"] = track
    return rows, report
