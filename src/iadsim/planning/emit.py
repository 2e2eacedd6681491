"""Layouts as ready-to-run scenarios: the plan's assets, raids, terrain and doctrine, and the
chosen fire units and sensors with their sectors facing the threat axis.

The emitted terrain block carries the plan's table resolution, so ``iadsim run`` and
``iadsim coverage --region`` of the emitted file build exactly the tables the plan used.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from ruamel.yaml import YAML

from iadsim.atomic import atomic_path
from iadsim.scenario.schema import FireUnit

__all__ = ["scenario_dict", "write_scenario"]


def _dem_field(plan) -> str:
    dem = plan.terrain.dem
    if dem in ("default", "none"):
        return dem
    p = Path(dem)
    if not p.is_absolute() and plan.source_path:
        p = Path(plan.source_path).resolve().parent / p
    return str(p)


def _unit(u) -> dict:
    d = u.model_dump(exclude_none=True, exclude_defaults=True)
    d["name"], d["system"], d["lat"], d["lon"] = u.name, u.system, u.lat, u.lon
    if isinstance(u, FireUnit):
        d["sector_center_deg"] = u.sector_center_deg
        d["sector_width_deg"] = u.sector_width_deg
    else:
        d["radar"] = u.radar
        d["sector_center_deg"] = u.sector_center_deg
        d["sector_width_deg"] = u.sector_width_deg
    return d


def scenario_dict(
    plan,
    units: Sequence,
    variants: Sequence[dict] | None = None,
    name: str | None = None,
    replications: int | None = None,
    seed: int | None = None,
) -> dict:
    """A scenario (as plain data) holding ``units``; ``variants`` as in the scenario format."""
    fus = [u for u in units if isinstance(u, FireUnit)]
    sensors = [u for u in units if not isinstance(u, FireUnit)]
    d = {
        "schema_version": 1,
        "name": name or f"plan-{plan.name}",
        "description": f"Layout from iadsim plan {plan.name} ({plan.region}). "
        + (plan.description or ""),
        "terrain": {
            "dem": _dem_field(plan),
            "az_step_deg": plan.terrain.az_step_deg,
            "range_step_m": plan.terrain.range_step_m,
        },
        "propagation": {"k_factor": plan.propagation.k_factor},
        "assets": [a.model_dump(exclude_none=True) for a in plan.assets],
        "fire_units": [_unit(u) for u in fus],
        "sensors": [_unit(u) for u in sensors],
        "raids": [r.model_dump(exclude_none=True, exclude_defaults=False) for r in plan.raids],
        "doctrine": plan.doctrine.model_dump(exclude_none=True),
        "monte_carlo": {
            "replications": replications or plan.refine.replications,
            "seed": plan.refine.seed if seed is None else seed,
        },
    }
    for r in d["raids"]:
        if not r.get("waypoints"):
            r.pop("waypoints", None)
    if variants:
        d["variants"] = list(variants)
    return d


def dump_yaml(data: dict, header: str = "") -> str:
    yaml = YAML()
    yaml.default_flow_style = None
    yaml.width = 100
    buf = io.StringIO()
    yaml.dump(data, buf)
    lines = "".join(f"# {h}\n" if h else "#\n" for h in header.splitlines())
    return lines + buf.getvalue()


def write_scenario(path: str | Path, data: dict, header: str = "") -> Path:
    """Write a scenario dict as YAML (atomic)."""
    with atomic_path(path, ".yaml") as tmp:
        tmp.write_text(dump_yaml(data, header), encoding="utf-8")
    return Path(path)
