"""The edited scenario of iadsim serve: coverage recomputed for the moved site only, edits that
act on the model, and Save as: atomic, no silent overwrite, and the saved file runs with
``iadsim run`` to the numbers the page showed."""

from __future__ import annotations

import json
import time

import pytest
from typer.testing import CliRunner

from iadsim.cli import app
from iadsim.scenario import load_scenario
from iadsim.serve.session import SaveExists


def _area(fc) -> float:
    return fc["features"][0]["properties"]["area_km2"] if fc["features"] else 0.0


def test_moving_a_site_recomputes_only_its_table(session):
    first = session.coverage("s400-tor", 100.0)
    assert first["radars"] == 3  # two fire-control radars and the acquisition radar
    again = session.coverage("s400-tor", 100.0)
    assert again["tables_computed"] == 0  # all cached
    assert again["features"] == first["features"]
    s = next(x for x in session.scenario.sensors if x.name == "s400-acquisition")
    session.move("sensors", "s400-acquisition", s.lat - 0.5, s.lon - 0.6)
    moved = session.coverage("s400-tor", 100.0)
    assert moved["tables_computed"] == 1
    assert moved["features"] != first["features"]
    assert _area(moved) != pytest.approx(_area(first), rel=1e-3)
    session.move("sensors", "s400-acquisition", s.lat, s.lon)
    back = session.coverage("s400-tor", 100.0)
    assert back["tables_computed"] == 0  # the old site's table is still cached
    assert _area(back) == pytest.approx(_area(first))


def test_sector_edit_changes_coverage(session):
    full = session.coverage("patriot", 300.0)
    session.set_field("fire_units", "patriot-al-asad", "sector_width_deg", 30)
    narrow = session.coverage("patriot", 300.0)
    assert narrow["tables_computed"] == 0  # same site: the sector masks the cached table
    assert _area(narrow) < 0.5 * _area(full)
    session.set_field("fire_units", "patriot-al-asad", "sector_width_deg", 120)
    assert _area(session.coverage("patriot", 300.0)) == pytest.approx(_area(full))


def test_system_change_add_and_remove(session):
    session.set_field("fire_units", "tor-al-asad", "system", "pantsir-s1")
    tor = next(f for f in session.scenario.fire_units if f.name == "tor-al-asad")
    assert tor.system == "pantsir-s1" and tor.interceptor is None
    session.set_field("fire_units", "tor-al-asad", "system", "tor-m2")
    name = session.add("fire_units", "patriot-pac3", 33.9, 42.6, "s400-tor")
    assert name in session.scenario.variant("s400-tor").fire_units
    assert name not in session.scenario.variant("patriot").fire_units
    assert len(session.radars("s400-tor")) == 4
    sensor = session.add("sensors", "s-400", 33.7, 42.3, "s400-tor")
    added = next(x for x in session.scenario.sensors if x.name == sensor)
    assert added.radar == "91n6e"  # not the fire-control radar
    session.remove("fire_units", name)
    session.remove("sensors", sensor)
    assert name not in session.scenario.variant("s400-tor").fire_units
    assert len(session.radars("s400-tor")) == 3


def test_save_never_overwrites_without_confirmation(session, folder):
    path = session.save("layout-a")
    assert path == folder / "layout-a.yaml"
    first = path.read_text(encoding="utf-8")
    with pytest.raises(SaveExists):
        session.save("layout-a")
    with pytest.raises(SaveExists):
        session.save("al-asad.yaml")  # the original too
    session.set_field("fire_units", "patriot-al-asad", "sector_center_deg", 70)
    try:
        with pytest.raises(SaveExists):
            session.save("layout-a.yaml")
        assert path.read_text(encoding="utf-8") == first
        session.save("layout-a", overwrite=True)
        assert "sector_center_deg: 70" in path.read_text(encoding="utf-8")
        assert not list(folder.glob("*.tmp")) and not list(folder.glob(".*"))
    finally:
        session.set_field("fire_units", "patriot-al-asad", "sector_center_deg", 80)


@pytest.mark.slow
def test_saved_file_runs_with_iadsim_run_to_the_same_numbers(client, session, folder):
    session.move("fire_units", "patriot-al-asad", 33.85, 42.55)
    try:
        r = client.post("/api/run", json={"variant": "patriot", "replications": 40})
        assert r.status_code == 200, r.text
        job = r.json()["id"]
        deadline = time.time() + 300
        while client.get(f"/api/run/{job}").json()["state"] == "running":
            assert time.time() < deadline
            time.sleep(0.2)
        page = client.get(f"/api/run/{job}").json()
        assert page["state"] == "done", page
        r = client.post("/api/save", json={"name": "moved-patriot"})
        assert r.status_code == 200
        saved = folder / r.json()["saved"]
        reloaded = load_scenario(saved)
        assert reloaded.model_dump() == session.scenario.model_dump()
        # the command itself, in this process (its kernels are compiled already)
        out = CliRunner().invoke(
            app,
            ["run", str(saved), "-v", "patriot", "-n", "40", "--workers", "1",
             "--out", str(folder / "cli-run"), "--json", "-q"],
        )  # fmt: skip
        assert out.exit_code == 0, out.output
        summary = json.loads(out.stdout)["variants"]["patriot"]
        by_class = {r["threat_type"]: r["p_leak"] for r in summary["by_threat"]}
        shown = page["result"]["summary"]
        assert shown["seed"] == summary["seed"] and shown["replications"] == 40
        assert shown["p_leak"][-1]["p_leak"] == pytest.approx(by_class["all"], abs=0)
        assert [a["hits_mean"] for a in shown["assets"]] == [
            a["hits_mean"] for a in summary["assets"]
        ]
        assert shown["interceptors"][0] == summary["interceptors_used_mean"]
    finally:
        session.move("fire_units", "patriot-al-asad", 33.79, 42.45)


@pytest.mark.slow
def test_paired_difference_on_common_random_numbers(client, session):
    def run(n: int = 30) -> dict:
        job = client.post("/api/run", json={"variant": "patriot", "replications": n}).json()
        while client.get(f"/api/run/{job['id']}").json()["state"] == "running":
            time.sleep(0.2)
        return client.get(f"/api/run/{job['id']}").json()["result"]

    run()
    same = run()["vs_previous"]
    assert same["mean"] == 0 and same["common_random_numbers"]  # same layout, same draws
    # move the Patriot far from Al Asad: fewer kills, more leakers in every replication pairing
    session.move("fire_units", "patriot-al-asad", 35.5, 40.0)
    try:
        far = run()["vs_previous"]
        assert far["mean"] > 0 and far["replications"] == 30
        other = run(20)  # replication counts that differ do not pair
        assert other["vs_previous"] is None and "30 replications, this one 20" in other["unpaired"]
    finally:
        session.move("fire_units", "patriot-al-asad", 33.79, 42.45)


@pytest.mark.slow
def test_cancel_stops_a_run(client):
    r = client.post("/api/run", json={"variant": "patriot", "replications": 20_000})
    job = r.json()["id"]
    assert client.post(f"/api/run/{job}/cancel").status_code == 200
    deadline = time.time() + 300
    while client.get(f"/api/run/{job}").json()["state"] == "running":
        assert time.time() < deadline
        time.sleep(0.2)
    status = client.get(f"/api/run/{job}").json()
    assert status["state"] == "cancelled" and status["done"] < 20_000
    assert status["result"] is None


@pytest.mark.slow
def test_paired_leakers_agrees_with_iadsim_compare(session, tmp_path):
    """The page's paired difference is iadsim compare's (the oracle), on two layouts."""
    import iadsim
    from iadsim.analysis.compare import compare
    from iadsim.serve.jobs import paired_leakers

    a = iadsim.run(session.scenario, ["patriot"], replications=30, out_dir=tmp_path / "a")
    session.move("fire_units", "patriot-al-asad", 34.2, 41.6)
    try:
        b = iadsim.run(session.scenario, ["patriot"], replications=30, out_dir=tmp_path / "b")
    finally:
        session.move("fire_units", "patriot-al-asad", 33.79, 42.45)
    mine = paired_leakers(a["patriot"].directory, b["patriot"].directory)
    oracle = compare(
        {"previous": a["patriot"].directory, "current": b["patriot"].directory},
        baseline="previous",
    )["options"]["current"]["vs_baseline"]
    assert mine["mean"] > 0  # the moved battery lets more through
    for key in ("mean", "lo", "hi", "p_value", "test", "replications", "common_random_numbers"):
        assert mine[key] == oracle[key], key


@pytest.mark.slow
def test_warm_engine_fills_the_engines_table_cache(session, monkeypatch):
    """After a redraw the engine's tables are computed in the background; the run that
    follows finds them in the process cache instead of computing them."""
    from iadsim.engine import prepare as engine_prepare
    from iadsim.engine import prepare_radar

    session.move("fire_units", "patriot-al-asad", 33.7, 42.5)  # a site no table exists for
    try:
        session.warm_engine("patriot")
        calls = []
        real = engine_prepare.site_table

        def counted(dem, site, *a, **k):
            before = len(prepare_radar._TABLES)
            out = real(dem, site, *a, **k)
            calls.append(len(prepare_radar._TABLES) - before)
            return out

        monkeypatch.setattr(engine_prepare, "site_table", counted)
        engine_prepare.prepare(session.scenario, "patriot", session.catalog)
        assert calls == [0]  # one radar, taken from the cache
    finally:
        session.move("fire_units", "patriot-al-asad", 33.79, 42.45)


@pytest.mark.slow
def test_redraws_during_a_run_do_not_crash_numba(session):
    """Redraws in several request threads while a run prepares: numba's workqueue layer
    aborts the whole process when two threads enter its parallel kernels at once, so every
    terrain computation of the server takes one lock (this test process would die without)."""
    import threading

    from iadsim.serve.jobs import Runner

    runner = Runner(session, workers=1)
    errors = []

    def redraw(i: int) -> None:
        try:
            for j in range(3):
                lat = 33.0 + 0.13 * i + 0.05 * j  # new sites: tables are computed each time
                session.move("sensors", "s400-acquisition", lat, 42.0 + 0.1 * j)
                session.coverage("s400-tor", 100.0)
        except Exception as exc:  # reported below
            errors.append(exc)

    try:
        job = runner.start("patriot", 20)
        threads = [threading.Thread(target=redraw, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        job.finished.wait(timeout=300)
        assert job.state == "done", job.error
        assert not errors, errors
    finally:
        runner.close()
        session.move("sensors", "s400-acquisition", 33.76, 42.48)


def test_temporary_results_are_made_at_the_first_run_and_removed(session, monkeypatch, tmp_path):
    """A server that never runs leaves no folder behind (it may be killed); one that ran
    removes its results when it stops."""
    import tempfile

    from iadsim.serve.jobs import Runner

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    idle = Runner(session, workers=1)
    idle.close()
    assert not list(tmp_path.iterdir())
    runner = Runner(session, workers=1)
    job = runner.start("patriot", 5)
    assert job.finished.wait(timeout=300) and job.state == "done", job.error
    assert [p.name for p in tmp_path.iterdir()] == [runner.root.name]
    assert (runner.root / job.id / "patriot" / "threats.parquet").exists()
    runner.close()
    assert not list(tmp_path.iterdir())
