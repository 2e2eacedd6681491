"""Test helpers: a catalog with chosen figures changed (analytic tests need, e.g., a threat that
never fails in flight). Figures keep their claim type; the note says the test changed them."""

from __future__ import annotations

import dataclasses

from iadsim.catalog import Catalog, load_catalog


def _figure(fig, value: float):
    return fig.model_copy(update={"value": value, "range": None})


def catalog_with(
    threat_reliability: dict[str, float] | None = None,
    radar_min_elevation_deg: dict[tuple[str, str], float] | None = None,
) -> Catalog:
    """A copy of the packaged catalog with the given figures replaced."""
    cat = load_catalog()
    threats = dict(cat.threats)
    for name, value in (threat_reliability or {}).items():
        entry = threats[name]
        threats[name] = entry.model_copy(update={"reliability": _figure(entry.reliability, value)})
    systems = dict(cat.systems)
    for (system, radar), value in (radar_min_elevation_deg or {}).items():
        entry = systems[system]
        spec = entry.radars[radar]
        new = spec.model_copy(update={"min_elevation_deg": _figure(spec.min_elevation_deg, value)})
        systems[system] = entry.model_copy(update={"radars": {**entry.radars, radar: new}})
    return dataclasses.replace(cat, systems=systems, threats=threats)
