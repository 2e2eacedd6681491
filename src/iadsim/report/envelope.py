"""Engagement-zone figures (range-altitude diagram) and the text of ``iadsim catalog envelope``.

The zone and the threat's own approach are solved with the engine's intercept solver and its
line-of-sight rule (:mod:`iadsim.engagement.envelope`): the fire-control radar's antenna height
and 4/3-earth horizon, elevation limits and instrumented range; the threat flies its own
profile (cruise height or altitude; a minimum-energy arc from its maximum range if ballistic).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from iadsim.atomic import atomic_path
from iadsim.engagement.envelope import (
    Approach,
    Envelope,
    RadarView,
    ballistic_path,
    engagement,
    level_path,
    zone,
)
from iadsim.sensors.radar import min_visible_height_m


def threat_profile(threat) -> tuple[float, float]:
    """(altitude [m], speed [m/s]) at which a catalog threat approaches: its cruise height or
    altitude, and for a ballistic missile 10 km at the burnout speed of a minimum-energy arc
    over its maximum range (a lower bound on its re-entry speed)."""
    from iadsim.threats import minimum_energy_arc

    if threat.threat_class == "ballistic":
        return 10_000.0, minimum_energy_arc(threat.max_range_km.si()).burnout_speed_mps
    if threat.threat_class == "aircraft":
        return threat.cruise_altitude_m.si(), threat.speed_mps.si()
    return threat.cruise_height_agl_m.si(), threat.speed_mps.si()


def threat_path(env: Envelope, threat) -> Approach:
    """The threat's own approach to the fire unit: level at its cruise height or altitude, or
    a minimum-energy ballistic arc from its maximum range."""
    if threat.threat_class == "ballistic":
        return ballistic_path(threat.max_range_km.si(), threat.boost_time_s.si())
    altitude, speed = threat_profile(threat)
    return level_path(env, altitude, speed)


def _setup(system, interceptor_name: str, threat):
    icp = system.interceptors[interceptor_name]
    env = Envelope.from_catalog(icp, threat.threat_class)
    radar_key = system.fire_unit.fire_control_radar
    radar = RadarView.from_catalog(system.radars[radar_key])
    return icp, env, radar, threat_path(env, threat)


def envelope_text(system, interceptor_name: str, threat) -> list[str]:
    """The lines ``iadsim catalog envelope`` prints: the farthest intercept and what limits it,
    the launch window explained, or "no intercept possible: REASON"."""
    _, env, radar, path = _setup(system, interceptor_name, threat)
    result = engagement(env, path, radar)
    if path.kind == "ballistic":
        profile = (
            f"minimum-energy arc from {threat.max_range_km.si() / 1e3:.0f} km, apogee "
            f"{np.nanmax(path.altitude_m) / 1e3:.0f} km"
        )
    else:
        profile = f"{path.speed_mps[0]:.0f} m/s at {path.altitude_m[0]:.0f} m"
    lines = [
        f"{system.name} / {interceptor_name} vs {threat.name} ({threat.threat_class}, {profile}); "
        f"fire-control radar {radar.name}, antenna {radar.antenna_height_m:g} m, smooth 4/3 earth"
    ]
    if result.reason is not None:
        lines.append(f"no intercept possible: {result.reason}")
        return lines
    limit = "the published maximum range"
    if result.max_intercept_m < 0.98 * env.max_range_m:
        if path.kind == "ballistic":
            limit = (
                "the arc: the missile is inside the interceptor's altitude "
                f"(<= {env.max_altitude_m:,.0f} m) and speed limits only late in its descent"
            )
        else:
            low = float(path.altitude_m[0])
            horizon = radar.horizon_m(low)
            limit = (
                f"the radar horizon ({horizon / 1e3:.1f} km for a target at {low:.0f} m)"
                if horizon < env.max_range_m
                else "the radar's coverage and the fly-out"
            )
    lines.append(
        f"max intercept range {result.max_intercept_m / 1e3:.1f} km "
        f"(published {env.max_range_m / 1e3:.1f} km; limited by {limit})"
    )
    lines.append(
        f"launch window {result.launch_first_m / 1e3:.1f}-{result.launch_last_m / 1e3:.1f} km: "
        "the target's ground range from the fire unit at the launches that can meet it while "
        "the radar sees it. The "
        f"first launch meets it {result.meet_first_m / 1e3:.1f} km out, the last "
        f"{result.meet_last_m / 1e3:.1f} km out (minimum range {env.min_range_m / 1e3:.1f} km)."
    )
    spec = system.radars[system.fire_unit.fire_control_radar]
    rcs = threat.rcs_m2.si()
    detect = spec.reference_range_km.si() * (rcs / spec.reference_rcs_m2.si()) ** 0.25
    lines.append(
        f"In a run a launch also needs a confirmed track: {radar.name} detects its "
        f"{rcs:g} m^2 with single-scan Pd {spec.reference_pd.si():g} at "
        f"{min(detect, radar.instrumented_range_m) / 1e3:.0f} km when in line of sight, then "
        f"the reaction time is {system.fire_unit.reaction_time_s.si():g} s."
    )
    return lines


def envelope_figure(system, interceptor_name: str, threat, out_dir: str | Path) -> list[Path]:
    """Write ``<system>_<interceptor>_vs_<threat>.png`` and ``.svg``; return the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    icp, env, radar, path = _setup(system, interceptor_name, threat)
    result = engagement(env, path, radar)
    speed = float(np.nanmedian(path.speed_mps))
    flying = path.ground_range_m > 0
    top = float(np.nanmax(path.altitude_m[flying]))
    r_max = 1.15 * max(env.max_range_m, 1.0)
    if path.kind == "ballistic":
        h_max = 1.15 * max(env.max_altitude_m, 1.0)
    else:
        # a level threat flies at one height: show the zone up to a few times that height, not
        # the interceptor's ceiling, which this threat never reaches
        h_max = max(4.0 * top, 2_000.0)
    ranges = np.linspace(0.0, r_max, 400)
    heights = np.linspace(0.0, h_max, 300)
    zone_speed = speed
    if speed > env.max_target_speed_mps:  # this threat is too fast: show the zone it misses
        zone_speed = env.max_target_speed_mps
    ok, tof = zone(env, ranges, heights, zone_speed, radar)

    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    shown = np.where(ok, tof, np.nan)
    mesh = ax.pcolormesh(ranges / 1e3, heights / 1e3, shown, shading="auto", cmap="viridis")
    label = "interceptor time of flight [s]"
    if zone_speed != speed:
        label += f"\n(zone for a target at its {zone_speed:.0f} m/s limit)"
    fig.colorbar(mesh, ax=ax, label=label)
    theta = np.linspace(0, np.pi / 2, 200)
    for radius, style, label in (
        (env.max_range_m, "-", f"published max range {env.max_range_m / 1e3:.0f} km"),
        (env.min_range_m, ":", f"min range {env.min_range_m / 1e3:.1f} km"),
    ):
        ax.plot(
            radius * np.cos(theta) / 1e3,
            radius * np.sin(theta) / 1e3,
            "k" + style,
            lw=1.2,
            label=label,
        )
    ax.plot(
        ranges / 1e3,
        min_visible_height_m(ranges, radar.antenna_height_m, radar.k_factor) / 1e3,
        color="darkorange",
        lw=1.2,
        label=f"radar horizon ({radar.name}, antenna {radar.antenna_height_m:g} m)",
    )
    for value, style, what in ((env.max_altitude_m, "--", "max"), (env.min_altitude_m, ":", "min")):
        if value <= h_max:
            ax.axhline(
                value / 1e3,
                color="crimson",
                ls=style,
                lw=1.0,
                label=f"{what} altitude {value:,.0f} m",
            )
    ax.plot(
        path.ground_range_m[flying] / 1e3,
        path.altitude_m[flying] / 1e3,
        color="deeppink",
        ls="--",
        lw=1.0,
        label=f"{threat.display_name} approach",
    )
    if result.reason is None:
        sel = (path.ground_range_m <= result.launch_first_m) & (
            path.ground_range_m >= result.launch_last_m
        )
        ax.plot(
            path.ground_range_m[sel] / 1e3,
            path.altitude_m[sel] / 1e3,
            color="red",
            lw=2.5,
            label="target position at a launch that can meet it (launch window)",
        )
        sub = (
            f"max intercept {result.max_intercept_m / 1e3:.0f} km; launch window "
            f"{result.launch_first_m / 1e3:.0f}-{result.launch_last_m / 1e3:.0f} km"
        )
    else:
        sub = "no intercept possible: " + result.reason
    title = (
        f"{system.display_name}: {icp.display_name} vs {threat.display_name}\n"
        f"target {threat.threat_class}, {speed:.0f} m/s; {sub}"
    )
    ax.set_title(title, fontsize=8, wrap=True)
    ax.set_xlabel("ground range from the fire unit [km]")
    ax.set_ylabel("target altitude [km]")
    ax.set_xlim(0, r_max / 1e3)
    ax.set_ylim(0, h_max / 1e3)
    ax.legend(loc="upper right", fontsize=6, framealpha=0.9)
    stem = f"{system.name}_{interceptor_name}_vs_{threat.name}".replace("/", "-")
    paths = []
    for ext in ("png", "svg"):
        out = Path(out_dir) / f"{stem}.{ext}"
        with atomic_path(out, f".{ext}") as tmp:
            fig.savefig(tmp, format=ext, bbox_inches="tight")
        paths.append(out)
    plt.close(fig)
    return paths
