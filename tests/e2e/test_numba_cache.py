"""The numba cache is used: a second process loads the compiled kernels instead of compiling
(the chunk kernel, run_replications, which the engine calls from Python, and the intercept
breakpoints)."""

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


def _probe(cache_dir) -> dict:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, env=env
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_second_process_hits_the_cache(tmp_path):
    first = _probe(tmp_path)
    second = _probe(tmp_path)
    assert first["misses"] >= 2, first  # compiled (and cached) the first time
    assert second["misses"] == 0 and second["hits"] >= 2, second
