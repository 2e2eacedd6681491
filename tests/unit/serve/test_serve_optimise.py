"""The Optimise button of iadsim serve: the planner's suggestion for the variant's fire units is
the best layout a brute-force enumeration finds, covers at least what the current layout
covers, is applied by moving the units, and is a fixed point (optimising the suggested layout
suggests nothing better)."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

#: A coarse candidate grid keeps the coverage matrix small (a few dozen units).
SPACING_KM = 150.0
FAR = (33.0, 40.8)  # the S-400 dragged 175 km west-south-west of Al Asad
HOME = (33.77, 42.46)


def _optimise(client, **body) -> dict:
    r = client.post("/api/optimise", json={"spacing_km": SPACING_KM} | body)
    assert r.status_code == 200, r.text
    job = r.json()["id"]
    deadline = time.time() + 300
    while (status := client.get(f"/api/optimise/{job}").json())["state"] == "running":
        assert time.time() < deadline
        time.sleep(0.1)
    return status


def test_suggestion_is_the_brute_force_optimum(session, tmp_path):
    from iadsim.serve.optimise import build_plan, stage1, suggestion

    session.move("fire_units", "s400-al-asad", *FAR)
    try:
        plan, fus, groups, region = build_plan(
            session.scenario, "s400-tor", "fateh-313", tmp_path, SPACING_KM, 150.0
        )
        result = stage1(plan)
        shown = suggestion(result, plan, fus, groups)
    finally:
        session.move("fire_units", "s400-al-asad", *HOME)
    assert region == "Iraq"
    assert [(m.system, m.max_count) for m in plan.menu] == [("s-400", 1), ("tor-m2", 1)]
    problem, item, site = result.problem, result.item_of, result.site_of
    # every layout of at most one unit per menu item and per site (the budget is two units)
    best = 0.0
    units = range(len(item))
    for n in (1, 2):
        for chosen in itertools.combinations(units, n):
            if len({item[k] for k in chosen}) == n and len({site[k] for k in chosen}) == n:
                best = max(best, problem.value(list(chosen)))
    assert shown["suggested_value"] == pytest.approx(best, abs=1e-9)
    assert shown["current_value"] < shown["suggested_value"]
    # the current layout is the two units on their own "now" sites
    now = [k for k in units if result.candidates[site[k]].name.startswith("now")]
    here = [k for k in now if result.candidates[site[k]].name == f"now{item[k]}"]
    assert shown["current_value"] == pytest.approx(problem.value(here), abs=1e-12)
    # a unit left out adds nothing anywhere: its every column covers no cell
    for name in shown["unused"]:
        m = next(i for i, f in enumerate(fus) if f.name == name)
        cols = np.flatnonzero(item == list(groups).index((fus[m].system, fus[m].interceptor)))
        assert all(problem.value([k]) == 0 for k in cols)


def test_optimise_apply_and_fixed_point(client, session):
    session.move("fire_units", "s400-al-asad", *FAR)
    try:
        status = _optimise(client, variant="s400-tor")
        assert status["state"] == "done", status
        res = status["result"]
        assert res["threat"] == "fateh-313"  # the raids' most numerous threat
        assert res["suggested_value"] > res["current_value"]
        moved = {u["name"]: u for u in res["units"]}
        assert "s400-al-asad" in moved and moved["s400-al-asad"]["distance_km"] > 50
        r = client.post(f"/api/optimise/{status['id']}/apply")
        assert r.status_code == 200, r.text
        s400 = next(f for f in session.scenario.fire_units if f.name == "s400-al-asad")
        assert [s400.lat, s400.lon] == pytest.approx(moved["s400-al-asad"]["to"], abs=1e-5)
        # the suggested layout is optimal: optimising it again finds nothing better
        again = _optimise(client, variant="s400-tor")["result"]
        assert again["current_value"] == pytest.approx(res["suggested_value"], abs=1e-9)
        assert again["suggested_value"] == pytest.approx(res["suggested_value"], abs=1e-9)
        # a suggestion made for an older layout is refused
        session.move("fire_units", "s400-al-asad", *FAR)
        r = client.post(f"/api/optimise/{status['id']}/apply")
        assert r.status_code == 409
    finally:
        session.move("fire_units", "s400-al-asad", *HOME)


def test_sector_units_are_faced_as_the_plan_faced_them(client, session):
    status = _optimise(client, variant="patriot")
    assert status["state"] == "done", status
    (unit,) = status["result"]["units"]
    assert unit["name"] == "patriot-al-asad" and unit["sector_width_deg"] < 360
    try:
        assert client.post(f"/api/optimise/{status['id']}/apply").status_code == 200
        p = next(f for f in session.scenario.fire_units if f.name == "patriot-al-asad")
        assert p.sector_center_deg == pytest.approx(unit["sector_center_deg"])
        assert [p.lat, p.lon] == pytest.approx(unit["to"], abs=1e-5)
    finally:
        session.apply_moves(
            [{"name": "patriot-al-asad", "lat": 33.79, "lon": 42.45, "sector_center_deg": 80,
              "sector_width_deg": 120}]
        )  # fmt: skip


def test_optimise_refusals(client):
    r = client.post("/api/optimise", json={"variant": "patriot", "threat": "shahed-136"})
    assert r.status_code == 422
    assert "threat of the raids" in r.json()["errors"][0]["message"]
    r = client.post("/api/optimise", json={"variant": "nope"})
    assert r.status_code == 422
    r = client.post("/api/optimise", json={"variant": "patriot", "spacing_km": 0.1})
    assert r.status_code == 422
    status = _optimise(client, variant="patriot", spacing_km=5.0)  # thousands of sites
    assert status["state"] == "failed" and "give a wider candidate grid" in status["error"]
    status = _optimise(client, variant="undefended")
    assert status["state"] == "failed" and "no fire units" in status["error"]
    assert "Traceback" not in status["error"]
    assert client.get("/api/optimise/doesnotexist").status_code == 404
    assert client.post("/api/optimise/doesnotexist/apply").status_code == 404


def test_default_target_is_the_most_numerous_threat():
    from types import SimpleNamespace as R

    from iadsim.serve.optimise import default_threat

    pts = [None, None, None]
    # a raid's count is its total, however many launch points share it
    raids = [R(threat="a", count=3, launch_points=pts), R(threat="b", count=4, launch_points=[])]
    assert default_threat(R(raids=raids)) == "b"
    raids.append(R(threat="a", count=1, launch_points=pts))
    assert default_threat(R(raids=raids)) == "a"  # 4 each: the first raid's threat
