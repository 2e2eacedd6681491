"""Load a scenario file: parse (ruamel.yaml), validate (pydantic), check cross-references.

Every problem is reported as ``FILE:LINE:COL: path.to.field: message`` (exit status 2 in the
CLI). Cross-reference checks (catalog names, asset names, unique names) point at the field that
is wrong, not at the top of the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from iadsim.catalog import Catalog, load_catalog
from iadsim.errors import InputError, Problem
from iadsim.scenario.schema import Scenario
from iadsim.yamlio import dotted, locate, read_yaml, validate


def _known(names: Iterable[str]) -> str:
    return ", ".join(sorted(names)) or "(none)"


def cross_check(scenario: Scenario, catalog: Catalog) -> list[tuple[tuple, str]]:
    """Problems that a schema cannot see: unknown or duplicate names. Returns (loc, message)."""
    out: list[tuple[tuple, str]] = []

    def unique(items, field: str) -> None:
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.name in seen:
                out.append(((field, i, "name"), f"duplicate name '{item.name}'"))
            seen.add(item.name)

    unique(scenario.assets, "assets")
    unique(scenario.fire_units, "fire_units")
    unique(scenario.sensors, "sensors")
    unique(scenario.raids, "raids")
    unique(scenario.variants, "variants")

    for i, fu in enumerate(scenario.fire_units):
        system = catalog.systems.get(fu.system)
        if system is None:
            out.append(
                (("fire_units", i, "system"),
                 f"unknown system '{fu.system}'; known: {_known(catalog.systems)}")
            )
            continue
        if fu.interceptor is not None and fu.interceptor not in system.interceptors:
            out.append(
                (("fire_units", i, "interceptor"),
                 f"system '{fu.system}' has no interceptor '{fu.interceptor}'; "
                 f"known: {_known(system.interceptors)}")
            )
    for i, sensor in enumerate(scenario.sensors):
        system = catalog.systems.get(sensor.system)
        if system is None:
            out.append(
                (("sensors", i, "system"),
                 f"unknown system '{sensor.system}'; known: {_known(catalog.systems)}")
            )
        elif sensor.radar not in system.radars:
            out.append(
                (("sensors", i, "radar"),
                 f"system '{sensor.system}' has no radar '{sensor.radar}'; "
                 f"known: {_known(system.radars)}")
            )
    assets = {a.name for a in scenario.assets}
    for i, raid in enumerate(scenario.raids):
        threat = catalog.threats.get(raid.threat)
        if threat is None:
            out.append(
                (("raids", i, "threat"),
                 f"unknown threat '{raid.threat}'; known: {_known(catalog.threats)}")
            )
        else:
            ballistic = threat.threat_class == "ballistic"
            if ballistic and raid.waypoints:
                out.append((("raids", i, "waypoints"), "a ballistic threat takes no waypoints"))
            if not ballistic and raid.apogee_alt_m is not None:
                out.append((("raids", i, "apogee_alt_m"), "only ballistic threats have an apogee"))
            if ballistic and raid.height_agl_m is not None:
                out.append((("raids", i, "height_agl_m"), "a ballistic threat has no cruise height"))
        if isinstance(raid.aim, str) and raid.aim not in assets:
            out.append(
                (("raids", i, "aim"), f"unknown asset '{raid.aim}'; known: {_known(assets)}")
            )
    fu_names = {f.name for f in scenario.fire_units}
    sensor_names = {s.name for s in scenario.sensors}
    for i, variant in enumerate(scenario.variants):
        for field, known in (("fire_units", fu_names), ("sensors", sensor_names)):
            for k, name in enumerate(getattr(variant, field) or []):
                if name not in known:
                    out.append(
                        (("variants", i, field, k),
                         f"unknown {field[:-1].replace('_', ' ')} '{name}'; known: {_known(known)}")
                    )
    return out


def parse_scenario(
    data: Any, path: str | Path, catalog: Catalog | None = None
) -> Scenario:
    """Validate already-parsed YAML ``data`` from ``path`` into a :class:`Scenario`."""
    if not hasattr(data, "get"):
        raise InputError.single("a scenario file must be a mapping of fields", path, 1, 1)
    version = data.get("schema_version")
    if version is not None and version != 1:
        line, col = locate(data, ("schema_version",))
        raise InputError.single(
            f"schema_version {version!r} is not supported; this iadsim reads version 1",
            path, line, col, "schema_version",
        )
    scenario = validate(Scenario, data, path)
    catalog = catalog or load_catalog()
    problems = []
    for loc, msg in cross_check(scenario, catalog):
        line, col = locate(data, loc)
        problems.append(Problem(msg, str(path), line, col, dotted(loc)))
    if problems:
        raise InputError(problems)
    scenario._source_path = str(path)
    return scenario


def load_scenario(path: str | Path, catalog: Catalog | None = None) -> Scenario:
    """Read and validate a scenario file; raise :class:`InputError` with FILE:LINE:COL."""
    return parse_scenario(read_yaml(path), path, catalog)
