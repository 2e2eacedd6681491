from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.report._results import al_asad_report, al_asad_results


@pytest.fixture(scope="session")
def results_dir(tmp_path_factory) -> Path:
    return al_asad_results(tmp_path_factory)


@pytest.fixture(scope="session")
def report_path(tmp_path_factory) -> Path:
    return al_asad_report(tmp_path_factory)


@pytest.fixture(scope="session")
def exports_dir(results_dir, tmp_path_factory) -> tuple[Path, list[Path]]:
    from iadsim.report.exports import write_exports

    out = tmp_path_factory.mktemp("exports")
    return out, write_exports(results_dir, out, formats=("png", "svg"))
