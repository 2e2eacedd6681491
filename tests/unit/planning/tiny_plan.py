"""A tiny plan around Baghdad: a 1.2 deg square region, coarse cells, four explicit sites."""

from __future__ import annotations

import json
from pathlib import Path

PLAN = """\
schema_version: 1
name: tiny
region: square.geojson
cell_km: 6
asset_radius_km: 20
terrain: {az_step_deg: 1.0, range_step_m: 2000}
target: {threat: soumar}
assets:
  - {name: baghdad, lat: 33.2625, lon: 44.2344, value: 10}
  - {name: balad, lat: 33.9333, lon: 44.3667, value: 5}
candidates:
  sites:
    - {name: s1, lat: 33.30, lon: 44.30}
    - {name: s2, lat: 33.90, lon: 44.30}
    - {name: s3, lat: 33.60, lon: 44.50}
    - {name: s4, lat: 33.40, lon: 44.00}
menu:
  - {name: tor, system: tor-m2, max_count: 3}
  - {name: buk, system: buk-m3, max_count: 2}
mixes:
  - {name: tor-only, items: [tor]}
  - {name: buk-tor, items: [buk, tor]}
budgets_usd: [50000000, 100000000]
objective: {kind: assets, coverage: engagement, bands_m: [100, 1000], layer_weights: [1.0, 0.5]}
raids:
  - name: cm
    threat: soumar
    launch_points: [{lat: 33.6, lon: 46.3}]
    aim: baghdad
    count: 4
    spacing_s: 30
refine: {replications: 40, evaluations: 2, seed: 3}
select: {mix: buk-tor, budget_usd: 100000000}
"""


def write_tiny(directory: Path, text: str = PLAN) -> Path:
    """Write the square region and the plan into ``directory``; return the plan's path."""
    lo, la, h = 44.25, 33.6, 0.6
    square = {
        "type": "Polygon",
        "coordinates": [
            [
                [lo - h, la - h],
                [lo + h, la - h],
                [lo + h, la + h],
                [lo - h, la + h],
                [lo - h, la - h],
            ]
        ],
    }
    (directory / "square.geojson").write_text(json.dumps(square))
    path = directory / "plan.yaml"
    path.write_text(text)
    return path
