"""iadsim serve benchmark: drag release -> redrawn coverage, Optimise, and a 1,000-replication
run from the page's API (issue 15 goals: median <= 1 s and <= 2 s on 2 cores).

Run with the project's environment::

    PYTHONPATH=src .venv/bin/python bench/bench_serve.py            # 7 drags, 2 runs
    PYTHONPATH=src .venv/bin/python bench/bench_serve.py --quick    # 3 drags, 1 run of 200

Everything goes through the page's HTTP API (FastAPI TestClient, in process: the server's own
code path, without the socket): a drag release is ``POST /api/edit`` (move) followed by
``GET /api/coverage`` (what the page does on ``dragend``). Each drag moves the S-400 fire unit
(its 92N6E fire-control radar, 400 km instrumented range) to a new place, so its coverage
table is computed every time; side by side, the same redraw with every table recomputed (no
cache, as a report build does it) gives the ratio the in-process cache brings.

The run is ``POST /api/run`` then polling ``GET /api/run/ID`` until done: first ("cold": numba
cache loaded, the engine's full-resolution coverage tables computed), again on the same layout
(tables cached in the process), and after a drag: at once (the moved site's engine table is
computed by the run, racing the background warming the redraw started) and once the warming
is done; ``iadsim.run`` on the same scenario in the same process is the baseline.

Optimise is ``POST /api/optimise`` (variant s400-tor, the page's 50 km candidate grid) then
polling until done: the first press (every coverage-matrix column and its terrain table
computed) and a second (the matrix from the cache); the MILP's share is printed beside each.

The bench runs with its own empty ``IADSIM_CACHE_DIR`` (terrain tables and coverage matrices
are computed as on a first use); the numba cache is the user's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "iraq-2020-al-asad.yaml"
S400_ONLY = """
  - name: s400-only
    description: The S-400 fire unit alone (its 92N6E, 400 km), for the benchmark.
    fire_units: [s400-al-asad]
    sensors: []
"""


def _wait(client, job_id: str) -> dict:
    while True:
        status = client.get(f"/api/run/{job_id}").json()
        if status["state"] != "running":
            return status
        time.sleep(0.02)


def _cpu_s() -> float:
    """CPU time of this process (all its threads) and of its finished children (a run's
    process pool). [s]"""
    import resource

    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def _optimise(client, spacing_km: float) -> tuple[float, dict]:
    t0 = time.perf_counter()
    job = client.post(
        "/api/optimise", json={"variant": "s400-tor", "spacing_km": spacing_km}
    ).json()
    while (status := client.get(f"/api/optimise/{job['id']}").json())["state"] == "running":
        time.sleep(0.02)
    assert status["state"] == "done", status
    return time.perf_counter() - t0, status["result"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    drags = 3 if args.quick else 7
    reps = 200 if args.quick else 1000

    from fastapi.testclient import TestClient

    import iadsim
    from iadsim.serve.app import create_app
    from iadsim.serve.session import Session

    folder = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    # a first-time user's figures: terrain tables and coverage matrices all computed here
    # (the numba cache is left alone: compiling is not what this measures)
    os.environ["IADSIM_CACHE_DIR"] = str(folder / "cache")
    try:
        path = folder / "al-asad.yaml"
        path.write_text(EXAMPLE.read_text(encoding="utf-8") + S400_ONLY, encoding="utf-8")
        t0 = time.perf_counter()
        session = Session(path)
        print(f"session (scenario, catalog, DEM): {time.perf_counter() - t0:.2f} s")
        app = create_app(session, "t", ["testserver"])  # no background warming for the drags
        with TestClient(app) as c:
            c.headers["X-Iadsim-Token"] = "t"
            print(f"cores: {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")
            for variant in ("s400-only", "s400-tor"):
                t0 = time.perf_counter()
                c.get("/api/coverage", params={"variant": variant, "altitude_m": 100})
                print(f"{variant}: first coverage (all tables): {time.perf_counter() - t0:.2f} s")
                cached, cold, edits = [], [], []
                for i in range(drags):
                    lat, lon = 33.77 + 0.05 * (i + 1), 42.46 - 0.07 * (i + 1)
                    t0 = time.perf_counter()
                    r = c.post(
                        "/api/edit",
                        json={"op": "move", "kind": "fire_units", "name": "s400-al-asad",
                              "lat": lat, "lon": lon},
                    )  # fmt: skip
                    edits.append(time.perf_counter() - t0)
                    cov = c.get("/api/coverage", params={"variant": variant, "altitude_m": 100})
                    cached.append(time.perf_counter() - t0)
                    assert r.status_code == 200 and cov.json()["tables_computed"] == 1
                    session._tables.clear()  # the baseline: every table and raster recomputed
                    session._rasters.clear()
                    t0 = time.perf_counter()
                    cov = c.get("/api/coverage", params={"variant": variant, "altitude_m": 100})
                    cold.append(time.perf_counter() - t0)
                # the baseline pays the same validated edit, then recomputes every site
                base_runs = [e + c for e, c in zip(edits, cold, strict=True)]
                med, base = statistics.median(cached), statistics.median(base_runs)
                print(
                    f"{variant}: drag release -> coverage, median {med:.3f} s "
                    f"(min {min(cached):.3f}, max {max(cached):.3f}, n={drags}; of which the "
                    f"validated edit {statistics.median(edits):.3f} s); edit + every site recomputed: "
                    f"median {base:.3f} s; ratio {base / med:.1f}x; goal <= 1 s"
                )
            c.post("/api/edit", json={"op": "move", "kind": "fire_units", "name": "s400-al-asad",
                                      "lat": 33.77, "lon": 42.46})  # fmt: skip
            for label in ("first press", "matrix cached"):
                cpu = _cpu_s()
                wall, res = _optimise(c, 50.0)
                cpu = _cpu_s() - cpu
                t = res["timings"]
                print(
                    f"Optimise s400-tor, 50 km grid ({label}): {wall:.2f} s wall, {cpu:.2f} s CPU "
                    f"({res['candidates']} candidate sites; matrix {t['matrix_s']:.2f} s, "
                    f"MILP + greedy {t['solve_s']:.2f} s); covered now "
                    f"{res['current_value']:.3f}, suggested {res['suggested_value']:.3f}"
                )

            app.app.state.warm_engine = True  # as iadsim serve --warm, for the runs
            labels = ("first run", "same layout again", "after a drag, Run at once",
                      "after a drag, Run once the tables are warmed")  # fmt: skip
            for label in labels:
                if label.startswith("after a drag"):
                    lat = 33.80 if label.endswith("at once") else 33.83
                    c.post("/api/edit", json={"op": "move", "kind": "fire_units",
                                              "name": "s400-al-asad", "lat": lat,
                                              "lon": 42.40})  # fmt: skip
                    c.get("/api/coverage", params={"variant": "s400-tor", "altitude_m": 100})
                    t0 = time.perf_counter()
                    while label.endswith("warmed") and (session.warming or time.perf_counter()
                                                        - t0 < 0.2):  # fmt: skip
                        time.sleep(0.05)
                    if label.endswith("warmed"):
                        print(f"background engine tables after the redraw: "
                              f"{time.perf_counter() - t0:.2f} s")  # fmt: skip
                t0, cpu = time.perf_counter(), _cpu_s()
                job = c.post("/api/run", json={"variant": "s400-tor", "replications": reps}).json()
                status = _wait(c, job["id"])
                wall, cpu = time.perf_counter() - t0, _cpu_s() - cpu
                assert status["state"] == "done", status
                print(
                    f"page run s400-tor x {reps} ({label}): {wall:.2f} s wall, {cpu:.2f} s CPU "
                    f"(job {status['elapsed_s']:.2f} s); goal <= 2 s for 1,000"
                )
            t0 = time.perf_counter()
            iadsim.run(session.scenario, ["s400-tor"], replications=reps)
            print(
                f"baseline iadsim.run (same process, tables cached): "
                f"{time.perf_counter() - t0:.2f} s"
            )
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
