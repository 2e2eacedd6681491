"""iadsim: an open simulator and planner for layered (integrated) air defence.

Typical use::

    import iadsim
    scenario = iadsim.load_scenario("examples/iraq-2020-al-asad.yaml")
    results = iadsim.run(scenario)
    results.summary_frame()
"""

from iadsim.analysis.runs import Results, VariantResult, run
from iadsim.catalog import load_catalog
from iadsim.errors import InputError
from iadsim.scenario import Scenario, load_scenario

__version__ = "0.1.0"

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
