"""examples/notebooks/quickstart.ipynb runs top to bottom (nbclient, the python3 kernel of this
interpreter), so it cannot rot; it is stored without outputs so diffs stay readable."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "examples" / "notebooks" / "quickstart.ipynb"

pytestmark = pytest.mark.slow


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


def test_quickstart_notebook_executes():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": NOTEBOOK.parent}}
    ).execute()  # raises CellExecutionError on the first failing cell
    mimes = {
        k for c in nb.cells if c.cell_type == "code" for o in c.outputs for k in o.get("data", {})
    }
    assert "application/vnd.plotly.v1+json" in mimes  # the plotly figure
    assert "text/html" in mimes  # pandas frames
    text = "".join(
        o.get("data", {}).get("text/plain", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    assert "s-400-tor" in text and "leaked" in text  # the comparison and the DuckDB query
