"""Load a scenario file: parse (ruamel.yaml), validate (pydantic), check cross-references.

Every problem is reported as ``FILE:LINE:COL: path.to.field: message`` (exit status 2 in the
CLI). Cross-reference checks (catalog names, asset names, unique names) point at the field that
is wrong, not at the top of the file.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from iadsim import geo
from iadsim.catalog import Catalog, load_catalog
from iadsim.errors import InputError, Problem
from iadsim.scenario.attack import attack_problems
from iadsim.scenario.schema import Doctrine, DoctrinePatch, Scenario
from iadsim.yamlio import dotted, locate, read_text, read_yaml, validate


def _known(names: Iterable[str]) -> str:
    return ", ".join(sorted(names)) or "(none)"


def system_problems(
    catalog: Catalog,
    loc: tuple,
    system_name: str,
    interceptor: str | None = None,
    radar: str | None = None,
) -> tuple[Any, list[tuple[tuple, str]]]:
    """(the catalog system or None, problems) for a reference to ``system_name`` and optionally
    one of its interceptors and radars, at ``loc`` (scenarios and plans share these checks)."""
    system = catalog.systems.get(system_name)
    if system is None:
        msg = f"unknown system '{system_name}'; known: {_known(catalog.systems)}"
        return None, [((*loc, "system"), msg)]
    out: list[tuple[tuple, str]] = []
    for field, name, names in (
        ("interceptor", interceptor, system.interceptors),
        ("radar", radar, system.radars),
    ):
        if name is not None and name not in names:
            out.append(
                (
                    (*loc, field),
                    f"system '{system_name}' has no {field} '{name}'; known: {_known(names)}",
                )
            )
    return system, out


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
    # issue 13: a combat air patrol is a fire unit, so it shares their names
    taken = {f.name for f in scenario.fire_units}
    for i, cap in enumerate(scenario.combat_air_patrols):
        if cap.name in taken:
            out.append((("combat_air_patrols", i, "name"), f"duplicate name '{cap.name}'"))
        taken.add(cap.name)

    for i, fu in enumerate(scenario.fire_units):
        system, problems = system_problems(catalog, ("fire_units", i), fu.system, fu.interceptor)
        out += problems
        if system is None:
            continue
        for k, load in enumerate(fu.loads or []):
            out += system_problems(
                catalog, ("fire_units", i, "loads", k), fu.system, load.interceptor
            )[1]
        radar = system.fire_unit.fire_control_radar
        out += _sector_problems(
            ("fire_units", i), fu, radar, system.radars[radar], fu.sector_width_deg
        )
        if fu.at_sea and _on_land(fu.lat, fu.lon):  # issue 13: a ship is at sea
            out.append(
                (
                    ("fire_units", i, "lat"),
                    f"fire unit '{fu.name}' is at_sea but ({fu.lat}, {fu.lon}) is on land "
                    "(packaged Natural Earth borders)",
                )
            )
    for i, sensor in enumerate(scenario.sensors):
        system, problems = system_problems(
            catalog, ("sensors", i), sensor.system, radar=sensor.radar
        )
        out += problems
        if system is not None and not problems:
            out += _sector_problems(
                ("sensors", i),
                sensor,
                sensor.radar,
                system.radars[sensor.radar],
                sensor.sector_width_deg,
            )
        if not sensor.networked:
            # a stand-alone sensor reaches the fire units only through the network
            out.append(
                (
                    ("sensors", i, "networked"),
                    "a stand-alone sensor with networked: false feeds no fire unit, so it "
                    "would change nothing; remove it or set networked: true",
                )
            )
    assets = {a.name for a in scenario.assets}
    for i, raid in enumerate(scenario.raids):
        threat = catalog.threats.get(raid.threat)
        if threat is None:
            out.append(
                (
                    ("raids", i, "threat"),
                    f"unknown threat '{raid.threat}'; known: {_known(catalog.threats)}",
                )
            )
        else:
            ballistic = threat.threat_class == "ballistic"
            if ballistic and raid.waypoints:
                out.append((("raids", i, "waypoints"), "a ballistic threat takes no waypoints"))
            if not ballistic and raid.apogee_alt_m is not None:
                out.append((("raids", i, "apogee_alt_m"), "only ballistic threats have an apogee"))
            if ballistic and raid.height_agl_m is not None:
                out.append(
                    (("raids", i, "height_agl_m"), "a ballistic threat has no cruise height")
                )
            if ballistic and raid.speed_mps is not None:
                out.append(
                    (
                        ("raids", i, "speed_mps"),
                        "a ballistic threat's speed follows from its arc (set apogee_alt_m "
                        "to change the arc); speed_mps applies to cruise, drone and aircraft",
                    )
                )
        if isinstance(raid.aim, str) and raid.aim not in assets:
            out.append(
                (("raids", i, "aim"), f"unknown asset '{raid.aim}'; known: {_known(assets)}")
            )
        elif threat is not None:
            aim = scenario.asset(raid.aim) if isinstance(raid.aim, str) else raid.aim
            reach_m = threat.max_range_km.si()
            for k, lp in enumerate(raid.launch_points):
                route = [lp, *raid.waypoints, aim]
                length = sum(
                    float(geo.inverse(a.lat, a.lon, b.lat, b.lon)[2])
                    for a, b in itertools.pairwise(route)
                )
                if length > reach_m:
                    out.append(
                        (
                            ("raids", i, "launch_points", k),
                            f"the route to the aim is {length / 1000:.0f} km, beyond the "
                            f"{raid.threat} maximum range of {reach_m / 1000:.0f} km",
                        )
                    )
    out += attack_problems(scenario, catalog)
    out += _doctrine_problems(("doctrine",), scenario.doctrine)
    for i, variant in enumerate(scenario.variants):
        if variant.doctrine is not None:
            out += _doctrine_problems(
                ("variants", i, "doctrine"), scenario.doctrine_for(variant), variant.doctrine
            )
    out += _tracking_problems(scenario, catalog)  # issue 12
    fu_names = {f.name for f in scenario.fire_units}
    fu_names |= {c.name for c in scenario.combat_air_patrols}  # issue 13: CAPs are fire units
    sensor_names = {s.name for s in scenario.sensors}
    for i, variant in enumerate(scenario.variants):
        for field, known in (("fire_units", fu_names), ("sensors", sensor_names)):
            for k, name in enumerate(getattr(variant, field) or []):
                if name not in known:
                    out.append(
                        (
                            ("variants", i, field, k),
                            f"unknown {field[:-1].replace('_', ' ')} '{name}'; known: {_known(known)}",
                        )
                    )
    return out


_LAND: list = []


def _on_land(lat: float, lon: float) -> bool:
    """Whether a point lies on the land of the packaged Natural Earth admin-0 borders (the
    Middle East crop: outside it every point counts as sea)."""
    if not _LAND:
        import json
        from importlib import resources

        import shapely
        from shapely.geometry import shape

        ref = resources.files("iadsim.terrain").joinpath("data", "ne10m_admin0_middle_east.geojson")
        feats = json.loads(ref.read_text(encoding="utf-8"))["features"]
        land = shapely.union_all([shape(f["geometry"]) for f in feats])
        shapely.prepare(land)
        _LAND.append(land)
    import shapely

    return bool(shapely.contains_xy(_LAND[0], lon, lat))


def effective_sector_width_deg(radar_spec, requested_deg: float | None) -> float:
    """The sector a radar covers as placed: the scenario's width, never wider than the
    catalog radar's own sector. [deg]"""
    own = radar_spec.sector_width_deg.si()
    return own if requested_deg is None else min(own, requested_deg)


def _sector_problems(loc, item, radar: str, spec, requested_deg) -> list[tuple[tuple, str]]:
    """A sector radar must be faced (no silent north), and sector fields must have an effect."""
    out = []
    own = spec.sector_width_deg.si()
    given = item.model_fields_set
    # 360 (the field's default, also what a full dump of a scenario writes) means "all the
    # radar covers"; a narrower limit that is still wider than the radar would be ignored
    if "sector_width_deg" in given and requested_deg is not None and own < requested_deg < 360:
        out.append(
            (
                (*loc, "sector_width_deg"),
                f"{requested_deg:g} deg is wider than the {own:g} deg sector the radar "
                f"'{radar}' ({spec.display_name}) covers; give at most {own:g}",
            )
        )
    width = effective_sector_width_deg(spec, requested_deg)
    if width < 360.0 and "sector_center_deg" not in given:
        out.append(
            (
                (*loc, "sector_center_deg"),
                f"the radar '{radar}' ({spec.display_name}) covers a {width:g} deg sector: add "
                "sector_center_deg, the azimuth it faces (degrees clockwise from north), "
                "normally towards the threat axis",
            )
        )
    if width >= 360.0 and "sector_center_deg" in given and item.sector_center_deg % 360 != 0:
        out.append(
            (
                (*loc, "sector_center_deg"),
                f"has no effect: the radar '{radar}' ({spec.display_name}) covers 360 deg; "
                "remove it, or give sector_width_deg to limit the sector",
            )
        )
    return out


def _doctrine_problems(loc, doctrine, patch=None) -> list[tuple[tuple, str]]:
    """Shoot-look-shoot is re-engaging after a miss: the two fields must agree (either alone
    would otherwise be accepted and do nothing, or something else than it says)."""
    where = patch if patch is not None else doctrine
    given = where.model_fields_set
    n = doctrine.engagements_per_threat
    if n is None or not given & {"engagements_per_threat", "shoot_look_shoot"}:
        return []
    field = "engagements_per_threat" if "engagements_per_threat" in given else "shoot_look_shoot"
    if doctrine.shoot_look_shoot and n < 2:
        return [
            (
                (*loc, field),
                "shoot_look_shoot needs engagements_per_threat of 2 or more (with 1 there is "
                "no second look, so it would have no effect)",
            )
        ]
    if not doctrine.shoot_look_shoot and n > 1:
        return [
            (
                (*loc, field),
                f"engagements_per_threat {n} re-engages a threat after a miss, which is "
                "shoot-look-shoot: set shoot_look_shoot: true",
            )
        ]
    return []


def _tracking_problems(scenario: Scenario, catalog: Catalog) -> list[tuple[tuple, str]]:
    """Tracker fields must have an effect (issue 12): a confidence without the doctrine that
    reads it, the doctrine with no ballistic raid, a drop rule with no estimated tracks."""
    out: list[tuple[tuple, str]] = []
    ballistic = any(
        catalog.threats[r.threat].threat_class == "ballistic"
        for r in scenario.raids
        if r.threat in catalog.threats
    )
    doctrines: list[tuple[tuple, Doctrine, Doctrine | DoctrinePatch]] = [
        (("doctrine",), scenario.doctrine, scenario.doctrine)
    ]
    for i, v in enumerate(scenario.variants):
        if v.doctrine is not None:
            doctrines.append((("variants", i, "doctrine"), scenario.doctrine_for(v), v.doctrine))
    for loc, doctrine, where in doctrines:
        given = where.model_fields_set
        # a default value is what a full dump of a scenario writes: only a changed one is a claim
        changed = "predicted_hit_confidence" in given and doctrine.predicted_hit_confidence != 0.95
        if changed and not doctrine.engage_only_predicted_hits:
            out.append(
                (
                    (*loc, "predicted_hit_confidence"),
                    "has no effect without engage_only_predicted_hits: true",
                )
            )
        if "engage_only_predicted_hits" in given and doctrine.engage_only_predicted_hits:
            if not ballistic:
                out.append(
                    (
                        (*loc, "engage_only_predicted_hits"),
                        "has no effect: no raid is of a ballistic threat (only ballistic "
                        "impact points are predicted)",
                    )
                )
    estimated = any(d.tracking == "estimated" for _, d, _ in doctrines)
    drop = scenario.tracking.drop_after_missed_scans
    if (
        "drop_after_missed_scans" in scenario.tracking.model_fields_set
        and drop != 3
        and not estimated
    ):
        out.append(
            (
                ("tracking", "drop_after_missed_scans"),
                "has no effect with perfect tracks: set doctrine.tracking: estimated",
            )
        )
    return out


def _sites(scenario: Scenario):
    """(loc of the site's lat field, name, lat, lon) of every placed object."""
    for field in ("assets", "fire_units", "sensors"):
        for i, item in enumerate(getattr(scenario, field)):
            yield (
                (field, i, "lat"),
                f"{field[:-1].replace('_', ' ')} '{item.name}'",
                item.lat,
                item.lon,
            )


def resolve_terrain(scenario: Scenario, data: Any = None, path: str | Path | None = None):
    """The DEM a scenario uses: a :class:`iadsim.terrain.Dem`, or None for a smooth earth.

    A user DEM that cannot be read, or a site outside it, is an InputError pointing at the
    scenario field and naming the DEM file. The packaged DEM is used only when every site lies
    on it; otherwise the earth is smooth (recorded in the results).
    """
    from iadsim.terrain import Dem

    choice = scenario.terrain.dem
    if choice == "none":
        return None
    if choice == "default":
        dem = Dem.default()
        for _loc, _name, lat, lon in _sites(scenario):
            if not bool(dem.contains(lat, lon)):
                return None
        return dem
    source = Path(path or scenario.source_path or ".")
    dem_path = Path(choice)
    if not dem_path.is_absolute():
        dem_path = source.parent / dem_path
    line, col = locate(data, ("terrain", "dem")) if data is not None else (None, None)
    try:
        dem = Dem.open(dem_path)
    except InputError as exc:
        raise InputError(
            [
                Problem(
                    f"cannot use DEM {dem_path}: {p.message}", str(path), line, col, "terrain.dem"
                )
                for p in exc.problems
            ]
        ) from None
    problems = []
    for loc, name, lat, lon in _sites(scenario):
        if not bool(dem.contains(lat, lon)):
            sl, sc = locate(data, loc) if data is not None else (None, None)
            problems.append(
                Problem(
                    f"{name} at {lat:.4f} N {lon:.4f} E is outside the DEM {dem_path}",
                    str(path),
                    sl,
                    sc,
                    dotted(loc),
                )
            )
    if problems:
        raise InputError(problems)
    return dem


def _figure_paths(node, prefix="") -> list[str]:
    """Dotted paths of every figure in a dumped catalog entry."""
    out = []
    if isinstance(node, dict):
        if "value" in node and "claim" in node:
            return [prefix]
        for key, child in node.items():
            out += _figure_paths(child, f"{prefix}.{key}" if prefix else str(key))
    return out


def _narrowed(existing: dict, uncertainty: dict | None) -> dict | str:
    """The dumped figure ``existing`` with ``uncertainty`` added, or narrowing the one it has;
    a message if it is invalid or would widen the catalog's span (widening a reasoned span is
    a catalog change, made where its reasoning lives)."""
    from pydantic import ValidationError

    from iadsim.catalog.schema import Uncertainty

    try:
        new = Uncertainty.model_validate(uncertainty)
    except ValidationError as exc:
        return "; ".join(
            f"{dotted(list(e['loc'])) or 'uncertainty'}: {e['msg']}"
            for e in exc.errors(include_url=False)
        )
    old = existing.get("uncertainty")
    if old is not None and not Uncertainty.model_validate(old).contains(new):
        return (
            f"[{new.low:g}, {new.high:g}] widens the catalog's uncertainty "
            f"[{old['low']:g}, {old['high']:g}]; a scenario may only add or narrow one"
        )
    return {**existing, "uncertainty": new.model_dump()}


def scenario_catalog(scenario: Scenario, data: Any, path, base: Catalog) -> Catalog:
    """``base`` with the scenario's inline entries added and its figure overrides applied.

    Entries and overrides obey the catalog's own schema and rules (a figure needs a claim type,
    sources unless an assumption, a unit matching its name); problems point at the scenario.
    """
    import dataclasses

    from pydantic import ValidationError

    from iadsim.catalog.schema import SystemEntry, ThreatEntry
    from iadsim.yamlio import problems_from_validation

    block = scenario.catalog
    if not block.entries and not block.overrides:
        return base
    # Any: a slot may hold either kind until the loop below has checked it
    systems: dict[str, Any] = dict(base.systems)
    threats: dict[str, Any] = dict(base.threats)
    problems: list[Problem] = []

    def add(loc, msg):
        line, col = locate(data, loc)
        problems.append(Problem(msg, str(path), line, col, dotted(loc)))

    models: dict[Any, type[SystemEntry] | type[ThreatEntry]] = {
        "system": SystemEntry,
        "threat": ThreatEntry,
    }
    for i, raw in enumerate(block.entries):
        loc = ("catalog", "entries", i)
        model = models.get(raw.get("kind"))
        if model is None:
            add((*loc, "kind"), "kind must be 'system' or 'threat'")
            continue
        try:
            entry = model.model_validate({"schema_version": 1, **raw})
        except ValidationError as exc:
            problems += problems_from_validation(exc, data, path, prefix=loc)
            continue
        if entry.name in systems or entry.name in threats:
            add(
                (*loc, "name"),
                f"'{entry.name}' is already in the catalog; change its figures "
                "with catalog.overrides, or give the new entry another name",
            )
            continue
        (systems if entry.kind == "system" else threats)[entry.name] = entry

    for k, override in enumerate(block.overrides):
        loc = ("catalog", "overrides", k)
        book = systems if override.entry in systems else threats
        target = book.get(override.entry)
        if target is None:
            add(
                (*loc, "entry"),
                f"unknown catalog entry '{override.entry}'; known: {_known([*systems, *threats])}",
            )
            continue
        dumped = target.model_dump()
        node: Any = dumped
        parts = override.path.split(".")
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        existing = node.get(parts[-1]) if isinstance(node, dict) else None
        if not (isinstance(existing, dict) and "claim" in existing):
            some = ", ".join(_figure_paths(dumped)[:6])
            add(
                (*loc, "path"),
                f"'{override.path}' is not a figure of '{override.entry}' "
                f"(figures are e.g. {some}, ...)",
            )
            continue
        if override.figure is not None:
            node[parts[-1]] = override.figure
            where = (*loc, "figure")
        else:
            where = (*loc, "uncertainty")
            narrowed = _narrowed(existing, override.uncertainty)
            if isinstance(narrowed, str):
                add(where, narrowed)
                continue
            node[parts[-1]] = narrowed
        try:
            book[override.entry] = type(target).model_validate(dumped)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                inner = dotted(list(err["loc"]))
                add(where, f"{inner}: {err['msg']}")
    if problems:
        raise InputError(problems)
    return dataclasses.replace(base, systems=systems, threats=threats)


def parse_scenario(data: Any, path: str | Path, catalog: Catalog | None = None) -> Scenario:
    """Validate already-parsed YAML ``data`` from ``path`` into a :class:`Scenario`."""
    if not hasattr(data, "get"):
        raise InputError.single("a scenario file must be a mapping of fields", path, 1, 1)
    version = data.get("schema_version")
    if version is not None and version != 1:
        line, col = locate(data, ("schema_version",))
        raise InputError.single(
            f"schema_version {version!r} is not supported; this iadsim reads version 1",
            path,
            line,
            col,
            "schema_version",
        )
    scenario = validate(Scenario, data, path)
    catalog = scenario_catalog(scenario, data, path, catalog or load_catalog())
    problems = []
    for loc, msg in cross_check(scenario, catalog):
        line, col = locate(data, loc)
        problems.append(Problem(msg, str(path), line, col, dotted(loc)))
    if problems:
        raise InputError(problems)
    scenario._source_path = str(path)
    scenario._catalog = catalog
    if scenario.terrain.dem not in ("default", "none"):
        resolve_terrain(scenario, data, path)
    return scenario


def load_scenario(path: str | Path, catalog: Catalog | None = None) -> Scenario:
    """Read and validate a scenario file; raise :class:`InputError` with FILE:LINE:COL."""
    text = read_text(path)
    scenario = parse_scenario(read_yaml(path, text), path, catalog)
    scenario._remember_source(text)  # so the run records the file without parsing it again
    return scenario
