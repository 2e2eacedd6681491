"""The tracker in the engine (issue 12): estimated tracks, the aim point from the estimate,
track drops, and the doctrine that lets predicted misses fall.

- with perfect tracks the new fields change nothing (the same draws, bit for bit);
- with estimated tracks of (nearly) perfect plots the engine reproduces the perfect-track
  results within sampling error;
- an interceptor with no divert never kills (every aim point is off by more than 0 m) and
  draws no kill;
- the launch solution follows the estimate: with kilometres of range error the fire unit
  launches on other steps, and salvos planned on the believed path can fail without a draw;
- ``engage_only_predicted_hits``: a raid aimed 5 km beside an asset spends almost no
  interceptors, a raid aimed at it as many as before.
"""

from __future__ import annotations

import collections
import re
import textwrap

import numpy as np
import pytest

from iadsim.engine.chunks import replay
from iadsim.engine.prepare import prepare
from iadsim.engine.runner import run_chunk
from iadsim.errors import InputError
from iadsim.scenario import load_scenario

SCENARIO = textwrap.dedent(
    """\
    schema_version: 1
    name: beside
    terrain: {dem: none}
    assets: [{name: base, lat: 33.8, lon: 42.4333, value: 10, radius_m: 500}]
    fire_units:
      - {name: patriot, system: patriot-pac3, lat: 33.79, lon: 42.45,
         sector_center_deg: 80, sector_width_deg: 120}
    raids:
      - name: r1
        threat: fateh-313
        launch_points: [{lat: 34.40, lon: 46.95}, {lat: 34.10, lon: 47.25}]
        aim: AIM
        count: 8
        spacing_s: 15
    DOCTRINE
    """
)
AT = "base"
BESIDE = "{lat: 33.8, lon: 42.4873}"  # 5.0 km east of the asset
REPS = 300


def _scenario(tmp_path, aim: str, doctrine: str = ""):
    text = SCENARIO.replace("AIM", aim).replace("DOCTRINE\n", doctrine)
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return load_scenario(path)


def _run(sc, reps=REPS, seed=7, tweak=None):
    p = prepare(sc)
    if tweak:
        tweak(p)
    return run_chunk(p, seed, 0, reps)


def _shots(raw) -> float:
    return float(raw.fu_shots.sum(axis=1).mean())


def test_predicted_hits_doctrine_spares_a_raid_beside_the_asset(tmp_path):
    base_at = _run(_scenario(tmp_path, AT))
    base_beside = _run(_scenario(tmp_path, BESIDE))
    assert _shots(base_beside) > 4.0  # today every threat is engaged, aimed anywhere
    doctrine = "doctrine: {tracking: estimated, engage_only_predicted_hits: true}\n"
    est_at = _run(_scenario(tmp_path, AT, doctrine))
    est_beside = _run(_scenario(tmp_path, BESIDE, doctrine))
    # almost no interceptors on the raid beside, as many as before on the raid at the asset
    assert _shots(est_beside) <= 0.1 * _shots(base_beside), (
        _shots(est_beside),
        _shots(base_beside),
    )
    assert _shots(est_at) == pytest.approx(_shots(base_at), rel=0.1)
    # the summary's columns: threats held because predicted to miss, none of which hit
    held = est_beside.held_predicted_miss
    assert held.sum(axis=1).mean() > 4.0
    assert not held[est_beside.fate == 1].any()  # a held threat was never engaged
    assert est_at.held_predicted_miss.sum() <= 0.02 * est_at.held_predicted_miss.size


def test_predicted_hits_with_perfect_tracks_uses_the_true_impact(tmp_path):
    base_at = _run(_scenario(tmp_path, AT))
    doctrine = "doctrine: {engage_only_predicted_hits: true}\n"
    at = _run(_scenario(tmp_path, AT, doctrine))
    beside = _run(_scenario(tmp_path, BESIDE, doctrine))
    assert beside.fu_shots.sum() == 0
    # CEP 10 m on a 500 m footprint: every threat at the asset is engaged, with the same draws
    np.testing.assert_array_equal(at.fu_shots, base_at.fu_shots)
    np.testing.assert_array_equal(at.fate, base_at.fate)


def test_perfect_tracking_fields_change_nothing(tmp_path):
    base = _run(_scenario(tmp_path, AT))
    same = _run(_scenario(tmp_path, AT, "doctrine: {tracking: perfect}\n"))
    for a, b in ((base.fate, same.fate), (base.fu_shots, same.fu_shots)):
        np.testing.assert_array_equal(a, b)
    assert not same.held_predicted_miss.any()


def test_estimated_tracks_of_exact_plots_reproduce_perfect_tracks(tmp_path):
    reps = 1500
    base = _run(_scenario(tmp_path, AT), reps=reps)
    doctrine = "doctrine: {tracking: estimated}\ntracking: {drop_after_missed_scans: 30}\n"

    def exact(p):
        p.tracking.radar_R[:] *= 1e-10  # plots with 1e-5 of the catalog noise

    est = _run(_scenario(tmp_path, AT, doctrine), reps=reps, seed=7, tweak=exact)
    for fate in (1, 2):
        a = (base.fate == fate).sum(axis=1)
        b = (est.fate == fate).sum(axis=1)
        se = np.sqrt(a.var() / reps + b.var() / reps)
        assert abs(a.mean() - b.mean()) <= 4 * se + 1e-9, (fate, a.mean(), b.mean())
    a, b = base.fu_shots.sum(axis=1), est.fu_shots.sum(axis=1)
    assert abs(a.mean() - b.mean()) <= 4 * np.sqrt(a.var() / reps + b.var() / reps) + 1e-9


def test_an_interceptor_without_divert_never_kills(tmp_path):
    sc = _scenario(tmp_path, AT, "doctrine: {tracking: estimated}\n")

    def no_divert(p):
        p.tracking.divert_m[:] = 0.0

    raw = _run(sc, tweak=no_divert)
    assert raw.fu_shots.sum() > 0
    assert (raw.fate == 1).sum() == 0
    ok = _run(sc)
    assert (ok.fate == 1).sum() > 0


def _events(p, reps=12, seed=5):
    launches, misses = [], 0
    for r in range(reps):
        ev = replay(p, seed, r)
        kinds = ev.column("event").to_pylist()
        steps = ev.column("time_s").to_pylist()
        launches.append([t for k, t in zip(kinds, steps, strict=True) if k == "launch"])
        misses += kinds.count("miss")
    return launches, misses


def test_the_launch_solution_follows_the_estimate(tmp_path):
    """Kilometres of range error put the estimate steps ahead of or behind the threat along its
    path: the fire unit reads its solution there, so it launches on other steps than the true
    solution would, and with Pk 1 and unlimited divert the only salvos that fail are those
    planned on a believed point the true threat cannot be met from."""
    sc = _scenario(tmp_path, AT, "doctrine: {tracking: estimated}\n")

    def prepared(timing):
        p = prepare(sc)
        p.tracking.radar_R[:, 0, 0] = 3000.0**2  # range sigma 3 km
        p.tracking.divert_m[:] = 1e12
        p.fire_units.pk[:] = 1.0
        p.tracking.timing = timing
        return p

    truth_launches, truth_misses = _events(prepared(False))
    est_launches, est_misses = _events(prepared(True))
    assert sum(map(len, truth_launches)) > 20
    assert truth_misses == 0  # Pk 1, no divert limit: the true solution always kills
    assert est_misses > 0  # the believed solution sometimes cannot meet the threat
    assert est_launches != truth_launches  # and it launches on other steps


def test_tracks_drop_after_missed_scans(tmp_path):
    counts = {}
    for k in (1, 10):
        doctrine = (
            f"doctrine: {{tracking: estimated}}\ntracking: {{drop_after_missed_scans: {k}}}\n"
        )
        p = prepare(_scenario(tmp_path, AT, doctrine))
        ev = collections.Counter()
        for r in range(20):
            ev.update(replay(p, 3, r).column("event").to_pylist())
        counts[k] = ev
    assert counts[1]["dropped"] > 0
    assert counts[1]["dropped"] > counts[10]["dropped"]
    # a dropped track is confirmed again when the radar sees the threat again
    assert counts[1]["track"] > counts[10]["track"]


@pytest.mark.parametrize(
    ("doctrine", "where", "says"),
    [
        ("doctrine: {tracking: fuzzy}\n", r"s\.yaml:15:22: doctrine\.tracking: ", "perfect"),
        (
            "doctrine: {predicted_hit_confidence: 0.9}\n",
            r"s\.yaml:15:\d+: doctrine\.predicted_hit_confidence: ",
            "no effect",
        ),
        (
            "tracking: {drop_after_missed_scans: 4}\n",
            r"s\.yaml:15:\d+: tracking\.drop_after_missed_scans: ",
            "no effect",
        ),
    ],
)
def test_tracking_fields_are_checked_at_their_line(tmp_path, doctrine, where, says):
    with pytest.raises(InputError) as info:
        _scenario(tmp_path, AT, doctrine)
    msg = str(info.value)
    assert re.search(where, msg) and says in msg, msg
