"""Catalog schema v1: every number is a sourced :class:`Figure`.

A catalog file describes one air-defence system (fire unit, radars, interceptors), one threat
type or one jammer. Each numeric parameter is a :class:`Figure` that carries its value, unit,
claim type, source URLs and a note; the rules every figure obeys (a source unless an
assumption, a note if derived or assumed, the unit its field name's suffix names, ranges and
uncertainties that hold the value) are listed in :mod:`iadsim.catalog.figures`, which enforces
them while a file is validated, so an unsourced or mislabelled number never reaches the
engine. Errors keep their place in the file (``FILE:LINE:COL: path.to.field: message``).

The field names are an interface: the engine reads them (``entry.boost_time_s.si()``).

The models live in three modules, by role: :mod:`iadsim.catalog.figures` (the figure and its
rules), :mod:`iadsim.catalog.systems` (fire unit, radars, interceptors) and
:mod:`iadsim.catalog.threats` (threats and jammers). This module gathers their public names,
the import path the rest of the package and its users know.
"""

from __future__ import annotations

from iadsim.catalog.figures import (
    CLAIMS,
    DISTRIBUTIONS,
    NAME_PATTERN,
    NO_UNCERTAINTY_CHECK,
    SCHEMA_VERSION,
    THREAT_CLASSES,
    UNIT_BY_SUFFIX,
    Claim,
    Figure,
    Uncertainty,
    expected_unit,
)
from iadsim.catalog.systems import FireUnit, Interceptor, PkTable, Radar, SystemEntry
from iadsim.catalog.threats import JammerEntry, ThreatEntry

__all__ = [
    "CLAIMS",
    "DISTRIBUTIONS",
    "NAME_PATTERN",
    "NO_UNCERTAINTY_CHECK",
    "SCHEMA_VERSION",
    "THREAT_CLASSES",
    "UNIT_BY_SUFFIX",
    "Claim",
    "Figure",
    "FireUnit",
    "Interceptor",
    "JammerEntry",
    "PkTable",
    "Radar",
    "SystemEntry",
    "ThreatEntry",
    "Uncertainty",
    "expected_unit",
]
