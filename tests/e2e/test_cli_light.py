"""The command line stays light: importing it (as `iadsim --help` and `iadsim validate` do)
loads neither the engine nor pandas, DuckDB or numba; the package's API loads on first use."""

from __future__ import annotations

import json
import subprocess
import sys


def _loaded(code: str) -> dict:
    probe = code + "\nimport json, sys\nprint(json.dumps({m: m in sys.modules for m in "
    probe += "('numba', 'pandas', 'duckdb', 'iadsim.engine.kernel')}))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_cli_import_is_light():
    assert not any(_loaded("import iadsim.cli").values())


def test_api_loads_on_first_use():
    loaded = _loaded("import iadsim\nassert callable(iadsim.run)")
    assert loaded["pandas"] and loaded["iadsim.engine.kernel"]
