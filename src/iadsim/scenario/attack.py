"""Cross-checks of the attacker's scenario fields (issue 11): jammers carried by raids.

Each problem is ``(loc, message)`` with the location of the field that is wrong, so the loader
reports it as ``FILE:LINE:COL: raids.N.jammer: message``.
"""

from __future__ import annotations

import itertools

from iadsim import geo
from iadsim.catalog import Catalog
from iadsim.scenario.schema import Scenario


def _known(names) -> str:
    return ", ".join(sorted(names)) or "(none)"


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _radars_without_ew(scenario: Scenario, catalog: Catalog) -> list[str]:
    """Radars of the defence (fire-control and stand-alone) that lack the EW figures."""
    missing = []
    for fu in scenario.fire_units:
        system = catalog.systems.get(fu.system)
        if system is None:
            continue
        key = system.fire_unit.fire_control_radar
        if not system.radars[key].has_ew:
            missing.append(f"{fu.name} ({fu.system} {key})")
    for sensor in scenario.sensors:
        system = catalog.systems.get(sensor.system)
        if system is None or sensor.radar not in system.radars:
            continue
        if not system.radars[sensor.radar].has_ew:
            missing.append(f"{sensor.name} ({sensor.system} {sensor.radar})")
    return missing


def attack_problems(scenario: Scenario, catalog: Catalog) -> list[tuple[tuple, str]]:
    """Problems of the raids' jammers: unknown names, a carrier class that cannot carry the
    jammer, and radars the jamming model cannot treat (no EW figures in the catalog)."""
    out: list[tuple[tuple, str]] = []
    out += weapon_problems(scenario, catalog)
    for field in ("fire_units", "sensors"):
        for i, item in enumerate(getattr(scenario, field)):
            for name in item.decoy_discrimination or {}:
                entry = catalog.threats.get(name)
                if entry is None or not entry.decoy:
                    known = sorted(n for n, t in catalog.threats.items() if t.decoy)
                    out.append(
                        (
                            (field, i, "decoy_discrimination", name),
                            f"'{name}' is not a catalog decoy; known: {_known(known)}",
                        )
                    )
    jammed = False
    for i, raid in enumerate(scenario.raids):
        if raid.jammer is None:
            continue
        loc = ("raids", i, "jammer")
        jammer = catalog.jammers.get(raid.jammer)
        if jammer is None:
            out.append((loc, f"unknown jammer '{raid.jammer}'; known: {_known(catalog.jammers)}"))
            continue
        threat = catalog.threats.get(raid.threat)
        if threat is not None and threat.threat_class not in jammer.carriers:
            out.append(
                (
                    loc,
                    f"{_article(threat.threat_class)} {threat.threat_class} threat "
                    f"({raid.threat}) cannot carry the "
                    f"'{raid.jammer}' jammer; it is carried by: {', '.join(jammer.carriers)}",
                )
            )
            continue
        if not jammed:
            jammed = True
            missing = _radars_without_ew(scenario, catalog)
            if missing:
                out.append(
                    (
                        loc,
                        "jamming needs each radar's peak_power_w, antenna_gain_db, "
                        "sidelobe_level_db, bandwidth_hz and processing_gain_db, which the "
                        "catalog lacks for: " + ", ".join(missing) + " (add them with "
                        "catalog.overrides)",
                    )
                )
    return out


def route_length_m(points) -> float:
    """Geodesic length of a route through ``points`` (objects with lat, lon). [m]"""
    return sum(
        float(geo.inverse(a.lat, a.lon, b.lat, b.lon)[2]) for a, b in itertools.pairwise(points)
    )


def weapon_problems(scenario: Scenario, catalog: Catalog) -> list[tuple[tuple, str]]:
    """Problems of the raids' weapons: only aircraft release weapons, only weapons an aircraft
    can carry, within the weapon's range and after the aircraft's launch; a glide weapon is
    released from an aircraft, never launched from the ground."""
    out: list[tuple[tuple, str]] = []
    for i, raid in enumerate(scenario.raids):
        threat = catalog.threats.get(raid.threat)
        if threat is not None and threat.profile == "glide":
            out.append(
                (
                    ("raids", i, "threat"),
                    f"'{raid.threat}' is a glide weapon: release it from an aircraft raid "
                    "(raids[].weapons)",
                )
            )
        if raid.route == "avoid-defences":
            why = None
            if threat is not None and threat.threat_class == "ballistic":
                why = "a ballistic arc cannot be routed"
            elif raid.waypoints:
                why = "the planner sets the waypoints: remove them"
            elif raid.weapons:
                why = "a planned route with stand-off weapons is not modelled yet"
            if why:
                out.append((("raids", i, "route"), f"avoid-defences: {why}"))
        if not raid.weapons:
            continue
        if threat is not None and threat.threat_class != "aircraft":
            out.append(
                (
                    ("raids", i, "weapons"),
                    f"only aircraft release weapons; '{raid.threat}' is a "
                    f"{threat.threat_class} threat",
                )
            )
            continue
        aim = None
        if isinstance(raid.aim, str):
            aim = next((a for a in scenario.assets if a.name == raid.aim), None)
        else:
            aim = raid.aim
        for k, w in enumerate(raid.weapons):
            loc = ("raids", i, "weapons", k)
            entry = catalog.threats.get(w.weapon)
            if entry is None:
                known = sorted(n for n, t in catalog.threats.items() if t.carriers)
                out.append(
                    ((*loc, "weapon"), f"unknown weapon '{w.weapon}'; known: {_known(known)}")
                )
                continue
            if "aircraft" not in (entry.carriers or []):
                out.append(
                    (
                        (*loc, "weapon"),
                        f"an aircraft cannot carry '{w.weapon}' (a {entry.threat_class} "
                        "threat launched from the ground)",
                    )
                )
                continue
            radars = {f.name for f in scenario.fire_units} | {x.name for x in scenario.sensors}
            if entry.arm_pk is not None and w.target is None:
                out.append(
                    (
                        (*loc, "weapon"),
                        f"'{w.weapon}' is an anti-radiation missile: give the fire unit or "
                        "sensor whose radar it homes on (target)",
                    )
                )
            elif entry.arm_pk is None and w.target is not None:
                out.append(
                    ((*loc, "target"), f"'{w.weapon}' does not home on radars; remove target")
                )
            elif w.target is not None and w.target not in radars:
                out.append(
                    (
                        (*loc, "target"),
                        f"unknown fire unit or sensor '{w.target}'; known: {_known(radars)}",
                    )
                )
            reach = entry.max_range_km.si()
            if w.release_range_m > reach:
                out.append(
                    (
                        (*loc, "release_range_m"),
                        f"{w.release_range_m / 1000:.0f} km is beyond the {w.weapon} maximum "
                        f"range of {reach / 1000:.0f} km",
                    )
                )
            if aim is None:
                continue
            for lp in raid.launch_points:
                last = raid.waypoints[-1] if raid.waypoints else lp
                leg = float(geo.inverse(last.lat, last.lon, aim.lat, aim.lon)[2])
                if w.release_range_m >= leg:
                    out.append(
                        (
                            (*loc, "release_range_m"),
                            f"the release point must lie on the last leg to the aim, which is "
                            f"{leg / 1000:.1f} km long; {w.release_range_m / 1000:.1f} km is "
                            "beyond it",
                        )
                    )
                    break
    return out
