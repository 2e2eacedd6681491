"""The numba cache is used: a second process loads the compiled kernels instead of compiling
(the chunk kernel, run_replications, which the engine calls from Python, and the intercept
breakpoints).

The kernels are probed in the cache the rest of the suite fills (compiling them afresh in an
empty folder costs a minute or more); that the probe's counters do see a compile is shown on a
small cached function of its own, in an empty folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, iadsim
from iadsim.engagement.intercept import intercept_breakpoints
from iadsim.engine.kernel import run_replications
s = iadsim.load_scenario("examples/depot-drone-raid.yaml")
iadsim.run(s, ["tor-m2"], replications=20, workers=1)
print(json.dumps({
    "hits": sum(run_replications.stats.cache_hits.values())
            + sum(intercept_breakpoints.stats.cache_hits.values()),
    "misses": sum(run_replications.stats.cache_misses.values())
              + sum(intercept_breakpoints.stats.cache_misses.values()),
}))
"""

SMALL = """
import numba
@numba.njit(cache=True)
def twice(x):
    return 2 * x
"""

SMALL_PROBE = """
import json, small
assert small.twice(21) == 42
print(json.dumps({"hits": sum(small.twice.stats.cache_hits.values()),
                  "misses": sum(small.twice.stats.cache_misses.values())}))
"""


def _probe(code: str, env: dict, cwd=None) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env, cwd=cwd
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_second_process_hits_the_cache():
    _probe(PROBE, dict(os.environ))  # compiles and caches, unless the suite already has
    second = _probe(PROBE, dict(os.environ))
    assert second["misses"] == 0 and second["hits"] >= 2, second


def test_the_probe_sees_a_compile(tmp_path):
    (tmp_path / "small.py").write_text(SMALL)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(tmp_path)}
    first = _probe(SMALL_PROBE, env, cwd=tmp_path)
    second = _probe(SMALL_PROBE, env, cwd=tmp_path)
    assert first == {"hits": 0, "misses": 1}, first
    assert second == {"hits": 1, "misses": 0}, second
