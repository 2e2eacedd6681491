"""Engagement-zone figures (range-altitude diagram) with the published figures marked."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from iadsim.atomic import atomic_path
from iadsim.engagement.envelope import Envelope, launch_window_m, zone
from iadsim.threats import minimum_energy_arc


def threat_profile(threat) -> tuple[float, float]:
    """(altitude [m], speed [m/s]) at which a catalog threat approaches: its cruise height or
    altitude, and for a ballistic missile 10 km at the burnout speed of a minimum-energy arc
    over its maximum range (a lower bound on its re-entry speed)."""
    if threat.threat_class == "ballistic":
        return 10_000.0, minimum_energy_arc(threat.max_range_km.si()).burnout_speed_mps
    if threat.threat_class == "aircraft":
        return threat.cruise_altitude_m.si(), threat.speed_mps.si()
    return threat.cruise_height_agl_m.si(), threat.speed_mps.si()


def envelope_figure(system, interceptor_name: str, threat, out_dir: str | Path) -> list[Path]:
    """Write ``<system>_<interceptor>_vs_<threat>.png`` and ``.svg``; return the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    icp = system.interceptors[interceptor_name]
    env = Envelope.from_catalog(icp, threat.threat_class)
    altitude, speed = threat_profile(threat)
    r_max = 1.15 * max(env.max_range_m, 1.0)
    h_max = 1.15 * max(env.max_altitude_m, altitude, 1.0)
    ranges = np.linspace(0.0, r_max, 400)
    heights = np.linspace(0.0, h_max, 300)
    ok, tof = zone(env, ranges, heights, speed)

    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    shown = np.where(ok, tof, np.nan)
    mesh = ax.pcolormesh(ranges / 1e3, heights / 1e3, shown, shading="auto", cmap="viridis")
    fig.colorbar(mesh, ax=ax, label="interceptor time of flight [s]")
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
    ax.axhline(
        env.max_altitude_m / 1e3,
        color="crimson",
        ls="--",
        lw=1.2,
        label=f"max altitude {env.max_altitude_m / 1e3:.1f} km",
    )
    ax.axhline(
        env.min_altitude_m / 1e3,
        color="crimson",
        ls=":",
        lw=1.0,
        label=f"min altitude {env.min_altitude_m:.0f} m",
    )
    first, last = launch_window_m(env, altitude, speed)
    can = speed <= env.max_target_speed_mps and np.isfinite(first)
    title = (
        f"{system.display_name}: {icp.display_name} vs {threat.display_name}\n"
        f"target {threat.threat_class}, {speed:.0f} m/s at {altitude / 1e3:.1f} km; "
        + (
            f"launch window {first / 1e3:.0f}-{last / 1e3:.0f} km"
            if can
            else "not engageable (speed or altitude outside the envelope)"
        )
    )
    ax.axhline(altitude / 1e3, color="white", lw=0.8, alpha=0.8)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("ground range from the fire unit [km]")
    ax.set_ylabel("target altitude [km]")
    ax.set_xlim(0, r_max / 1e3)
    ax.set_ylim(0, h_max / 1e3)
    ax.legend(loc="upper right", fontsize=7, framealpha=0.9)
    stem = f"{system.name}_{interceptor_name}_vs_{threat.name}".replace("/", "-")
    paths = []
    for ext in ("png", "svg"):
        path = Path(out_dir) / f"{stem}.{ext}"
        with atomic_path(path, f".{ext}") as tmp:
            fig.savefig(tmp, format=ext, bbox_inches="tight")
        paths.append(path)
    plt.close(fig)
    return paths
