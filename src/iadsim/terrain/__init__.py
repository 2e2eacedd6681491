"""Terrain: DEM io, per-radar polar coverage tables and GROUND viewshed rasters.

The lowest height above ground at which a target is in a radar's line of sight, for every
radar and every place, on an earth of effective radius k·R. See ``docs/models/terrain.md``.
"""

from iadsim.terrain.coverage import (
    DEFAULT_ALTITUDE_BANDS_M,
    CoverageTable,
    combined_min_visible_agl_at,
    coverage_table,
    disk_coverage_share,
)
from iadsim.terrain.dem import Dem, aeqd_crs
from iadsim.terrain.viewshed import WGS84_SEMI_MAJOR_M, viewshed_ground

__all__ = [
    "DEFAULT_ALTITUDE_BANDS_M",
    "WGS84_SEMI_MAJOR_M",
    "CoverageTable",
    "Dem",
    "aeqd_crs",
    "combined_min_visible_agl_at",
    "coverage_table",
    "disk_coverage_share",
    "viewshed_ground",
]
