"""Preparation of aircraft as launch platforms (issue 11): release points, the return leg and
the released weapons' own trajectories.

An aircraft raid with ``weapons`` flies its route to the innermost release point (the point of
the last leg at the smallest ``release_range_m`` from the aim), then turns back along the same
waypoints to its launch point. Each weapon becomes a threat of its own, appended after every
other threat (so the draws of the others do not move), launched at the step its aircraft passes
its release point, on its own trajectory to the aim:

- ``profile: route`` (cruise missiles, ARMs): at the weapon's speed and cruise height above the
  ground from the release point (the drop from the aircraft's altitude is not modelled);
- ``profile: glide`` (JDAM, SDB): at the weapon's mean speed, descending evenly from the
  aircraft's height above the ground at release to the ground at the aim.

The kernel admits a weapon only if its aircraft is still flying at the release step
(:func:`iadsim.engine.stages_attack.released`); the aircraft's own "arrival" is its return.
"""

from __future__ import annotations

import itertools

import numpy as np

from iadsim import geo
from iadsim.threats import Track, route_track

ROLE_THREAT, ROLE_PLATFORM, ROLE_WEAPON, ROLE_DECOY = "threat", "platform", "weapon", "decoy"


def _aircraft_height(raid, entry):
    """(height, reference) the aircraft flies at, as the engine's route model does."""
    if raid.height_agl_m is not None:
        return raid.height_agl_m, "agl"
    return entry.cruise_altitude_m.si(), "msl"


def _glide_track(lat0, lon0, lat1, lon1, speed, h_agl0, t_rel, ground) -> Track:
    flat = route_track([lat0, lat1], [lon0, lon1], speed, 0.0, t_rel, "agl", ground)
    frac = np.clip(np.asarray(t_rel, float) / flat.duration_s, 0.0, 1.0)
    alt = np.asarray(flat.alt_m) + h_agl0 * (1.0 - frac)
    return Track(
        flat.t_s,
        flat.lat_deg,
        flat.lon_deg,
        alt,
        flat.speed_mps,
        flat.duration_s,
        flat.impact_lat_deg,
        flat.impact_lon_deg,
    )


def _radar_positions(scenario) -> dict:
    """Where each fire unit's and sensor's radar stands (an ARM's aim)."""
    if scenario is None:
        return {}
    out = {f.name: (f.lat, f.lon) for f in scenario.fire_units}
    out.update({x.name: (x.lat, x.lon) for x in scenario.sensors})
    return out


def expand_releases(rows: list[dict], catalog, ground, scenario=None) -> list[dict]:
    """The prepared track rows with each weapon-carrying aircraft turned into a platform (out,
    release, back) and its weapons appended as rows of their own.

    Every row gains ``role`` and ``parent`` (the platform's row index, -1 for none); a row with
    a ``track`` callable is sampled by it instead of the raid's route.
    """
    out = [
        dict(
            row, role=ROLE_DECOY if row["entry"].decoy else ROLE_THREAT, parent=-1, arm_target=None
        )
        for row in rows
    ]
    weapons: list[dict] = []
    radar_at = _radar_positions(scenario)
    for idx, row in enumerate(out):
        raid = row["raid"]
        if not raid.weapons:
            continue
        entry, launch = row["entry"], row["launch"]
        aim_lat, aim_lon = row["aim_lat"], row["aim_lon"]
        last = raid.waypoints[-1] if raid.waypoints else launch
        az_back = float(geo.inverse(aim_lat, aim_lon, last.lat, last.lon)[0])
        inner = min(w.release_range_m for w in raid.weapons)
        r_lat, r_lon = (float(x) for x in geo.forward(aim_lat, aim_lon, az_back, inner)[:2])
        wps = [(p.lat, p.lon) for p in raid.waypoints]
        route = [
            (launch.lat, launch.lon),
            *wps,
            (r_lat, r_lon),
            *wps[::-1],
            (launch.lat, launch.lon),
        ]
        lats, lons = [p[0] for p in route], [p[1] for p in route]
        speed = raid.speed_mps or entry.speed_mps.si()
        height, ref = _aircraft_height(raid, entry)

        def platform(t_rel, lats=lats, lons=lons, speed=speed, height=height, ref=ref):
            return route_track(lats, lons, speed, height, t_rel, ref, ground)

        # distance flown to the start of the last leg, then along it to each release point
        outbound = [(launch.lat, launch.lon), *wps]
        to_last = sum(
            float(geo.inverse(a[0], a[1], b[0], b[1])[2]) for a, b in itertools.pairwise(outbound)
        )
        leg = float(geo.inverse(last.lat, last.lon, aim_lat, aim_lon)[2])
        row.update(
            role=ROLE_PLATFORM,
            track=platform,
            aim_lat=launch.lat,
            aim_lon=launch.lon,
            aim_name=None,
        )
        for w in raid.weapons:
            went = catalog.threats[w.weapon]
            w_lat, w_lon = (
                float(x) for x in geo.forward(aim_lat, aim_lon, az_back, w.release_range_m)[:2]
            )
            t_rel = (to_last + leg - w.release_range_m) / speed
            g_rel = float(np.asarray(ground(np.array(w_lat), np.array(w_lon))))
            h_rel = height if ref == "agl" else max(height - g_rel, 0.0)
            v = went.speed_mps.si()
            # an anti-radiation missile flies at the radar it homes on, not the raid's aim
            t_lat, t_lon = radar_at.get(w.target, (aim_lat, aim_lon))
            if went.profile == "glide":

                def track(t, a=w_lat, b=w_lon, v=v, h=h_rel, lat=t_lat, lon=t_lon):
                    return _glide_track(a, b, lat, lon, v, h, t, ground)
            else:
                hc = went.cruise_height_agl_m.si()

                def track(t, a=w_lat, b=w_lon, v=v, hc=hc, lat=t_lat, lon=t_lon):
                    return route_track([a, lat], [b, lon], v, hc, t, "agl", ground)

            for _ in range(w.count):
                weapons.append(
                    dict(
                        raid=raid,
                        entry=went,
                        launch=None,
                        t0=row["t0"] + t_rel,
                        aim_lat=t_lat,
                        aim_lon=t_lon,
                        aim_name=row["aim_name"] if w.target is None else None,
                        value=row["value"],
                        role=ROLE_DECOY if went.decoy else ROLE_WEAPON,
                        parent=idx,
                        track=track,
                        arm_target=w.target,
                    )
                )
    return out + weapons
