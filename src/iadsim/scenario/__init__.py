"""Scenario format (versioned schema), loading with line-numbered errors."""

from iadsim.scenario.loader import load_scenario, parse_scenario
from iadsim.scenario.schema import (
    SCHEMA_VERSION,
    Asset,
    Doctrine,
    FireUnit,
    MonteCarlo,
    Point,
    Raid,
    Scenario,
    Sensor,
    Variant,
)

__all__ = [
    "SCHEMA_VERSION",
    "Asset",
    "Doctrine",
    "FireUnit",
    "MonteCarlo",
    "Point",
    "Raid",
    "Scenario",
    "Sensor",
    "Variant",
    "load_scenario",
    "parse_scenario",
]
