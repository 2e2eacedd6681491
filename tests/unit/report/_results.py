"""Small results directories for the report tests, made once per test session.

Shared by ``tests/unit/report`` (through its conftest) and ``tests/e2e/test_report_browser.py``:
both ask for the same directory under pytest's session base temp, so the run happens once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import iadsim

EXAMPLE = Path("examples/iraq-2020-al-asad.yaml")
REPLICATIONS = 150


def al_asad_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Al Asad example (three variants), 150 replications, one worker."""
    out = tmp_path_factory.getbasetemp() / "report-results" / "iraq-2020-al-asad"
    if not (out / "scenario.yaml").exists():
        scenario = iadsim.load_scenario(EXAMPLE)
        iadsim.run(scenario, replications=REPLICATIONS, workers=1, out_dir=out)
    return out


def al_asad_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML report of :func:`al_asad_results`, built once."""
    from iadsim.report.html import build_report

    results = al_asad_results(tmp_path_factory)
    path = results / "report.html"
    if not path.exists():
        build_report(results, path)
    return path
