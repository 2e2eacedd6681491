"""iadsim: an open simulator and planner for layered (integrated) air defence.

Typical use::

    import iadsim
    scenario = iadsim.load_scenario("examples/iraq-2020-al-asad.yaml")
    results = iadsim.run(scenario)
    results.summary_frame()

The names below are imported on first use, so importing a light module (``iadsim.errors``,
the command line's ``--help``) does not load the engine, pandas and DuckDB.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from iadsim import numba_cache

__version__ = "0.1.0"

# before any kernel is compiled or loaded: a cache keyed by the numba code (numba_cache)
numba_cache.configure()

_LAZY = {
    "InputError": "iadsim.errors",
    "Results": "iadsim.analysis.runs",
    "VariantResult": "iadsim.analysis.runs",
    "run": "iadsim.analysis.runs",
    "load_catalog": "iadsim.catalog",
    "Scenario": "iadsim.scenario",
    "load_scenario": "iadsim.scenario",
}

__all__ = [
    "InputError",
    "Results",
    "Scenario",
    "VariantResult",
    "__version__",
    "load_catalog",
    "load_scenario",
    "run",
]

if TYPE_CHECKING:
    from iadsim.analysis.runs import Results, VariantResult, run
    from iadsim.catalog import load_catalog
    from iadsim.errors import InputError
    from iadsim.scenario import Scenario, load_scenario


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'iadsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
