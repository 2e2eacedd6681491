"""The command line stays light: importing it (as `iadsim --help` and `iadsim validate` do)
loads neither the engine nor pandas, DuckDB or numba; the package's API loads on first use; and
a run loads neither pandas nor scipy.stats (together ~1 s of a small run's start-up)."""

from __future__ import annotations

import json
import subprocess
import sys


def _loaded(code: str) -> dict:
    probe = code + "\nimport json, sys\nprint(json.dumps({m: m in sys.modules for m in "
    probe += "('numba', 'pandas', 'duckdb', 'scipy.stats', 'iadsim.engine.kernel')}))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_cli_import_is_light():
    assert not any(_loaded("import iadsim.cli").values())


def test_api_loads_on_first_use():
    loaded = _loaded("import iadsim\nassert callable(iadsim.run)")
    assert loaded["iadsim.engine.kernel"] and loaded["duckdb"]


def test_a_run_loads_neither_pandas_nor_scipy_stats(tmp_path):
    code = (
        "import iadsim\n"
        f"s = iadsim.load_scenario('examples/iraq-2020-al-asad.yaml')\n"
        "r = iadsim.run(s, replications=20, workers=1, "
        f"variants=['s400-tor'], out_dir={str(tmp_path)!r})\n"
        "assert r['s400-tor'].summary['replications'] == 20"
    )
    loaded = _loaded(code)
    assert loaded["iadsim.engine.kernel"]
    assert not loaded["pandas"] and not loaded["scipy.stats"]
