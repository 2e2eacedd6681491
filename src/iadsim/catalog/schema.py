"""Catalog schema v1: every number is a sourced :class:`Figure`.

A catalog file describes one air-defence system (fire unit, radars, interceptors) or one threat
type. Each numeric parameter is a :class:`Figure` that carries its value, unit, claim type, source
URLs and a note. The rules below are enforced while a file is validated, so an unsourced or
mislabelled number never reaches the engine:

* ``claim`` is one of :data:`CLAIMS`;
* every claim except ``assumption`` cites at least one http(s) URL;
* ``derived`` and ``assumption`` explain themselves in ``note``;
* ``range`` (where sources disagree) has ``lo <= value <= hi``;
* ``uncertainty`` (the span of plausible values an uncertainty study samples, see
  docs/uncertainty.md) has ``low <= value <= high``, a distribution, its reasoning, ``low > 0``
  if log-uniform, and both ends keep the entry valid (a Pk range cannot reach 1.2);
* the unit matches the field-name suffix (:data:`UNIT_BY_SUFFIX`); fields without a suffix
  (counts, probabilities) use unit ``1``.

Errors raised here keep their place in the file (``FILE:LINE:COL: path.to.field: message``): a
check that spans several fields raises a :class:`pydantic.ValidationError` whose locations are
relative to the model, which pydantic prefixes with the model's own location.

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
