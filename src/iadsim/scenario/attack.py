"""Cross-checks of the attacker's scenario fields (issue 11): jammers carried by raids.

Each problem is ``(loc, message)`` with the location of the field that is wrong, so the loader
reports it as ``FILE:LINE:COL: raids.N.jammer: message``.
"""

from __future__ import annotations

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
