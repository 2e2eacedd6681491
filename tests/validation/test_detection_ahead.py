"""Detections drawn ahead (``stages.next_detection``) against one Bernoulli draw per scan.

The engine draws each pair's next detection at once, by inversion of the pair's survival
function, instead of one Swerling 1 draw per scan. Two oracles check that the law is the same:

- brute force: for a given Exp(1) draw ``e``, the entry found is the first whose survival
  ``prod (1 - Pd)``, a running product, falls below ``exp(-e)``;
- the exact law of M-of-N confirmation: for one drone approaching a Tor-M2, the scan of its
  track's confirmation, computed by dynamic programming over the M-of-N history from the
  pair's Pd on each scan (a Markov chain on the last N outcomes), against the engine's, with
  and without drawing ahead (chi-square goodness of fit);
- the per-scan model itself (``draw_ahead`` off, as with jammers or SEAD): on the Al Asad
  example, the step at which each radar first confirms each threat has the same distribution
  either way (chi-square, Bonferroni over the pairs).
"""

from __future__ import annotations

from collections import namedtuple
from pathlib import Path

import numba
import numpy as np
import pytest
from scipy import stats

import iadsim
from iadsim.engine import stages
from iadsim.engine.chunks import _outputs, _simulate
from iadsim.engine.prepare import prepare
from iadsim.engine.state import EV_TRACK, MAX_SCAN_HAZARD, pair_hazard
from iadsim.scenario import parse_scenario
from iadsim.yamlio import read_yaml
from tests.helpers import catalog_with

ROOT = Path(__file__).resolve().parents[2]
Pairs = namedtuple("Pairs", ["scan_off", "scan_hz"])


@numba.njit
def _next(sx, r, c, rng):
    return stages.next_detection(sx, r, c, rng)


def test_next_detection_inverts_the_survival_function():
    rng = np.random.default_rng(3)
    pd = np.concatenate([rng.uniform(0.0, 0.3, 40), [1.0], rng.uniform(0.0, 1.0, 20)])
    pd = pd.astype(np.float32)  # the kernel's Pd, a float32
    off = np.array([0, 30, pd.shape[0]], dtype=np.int64)  # two pairs; the second holds Pd 1
    sx = Pairs(off, pair_hazard(pd, off))
    mismatches = 0
    for seed in range(3000):
        r = seed % 2
        c = int(off[r] + seed % 25)
        k = _next(sx, r, c, np.random.default_rng(seed))
        e = np.random.default_rng(seed).standard_exponential()  # the draw next_detection made
        survival = np.cumprod(1.0 - pd[c : off[r + 1]].astype(np.float64))
        below = np.nonzero(survival < np.exp(-e))[0]  # P(no detection) < P(Exp(1) > e)
        expected = c + below[0] if below.size else int(off[r + 1])
        mismatches += k != expected
    assert mismatches == 0


def test_pair_hazard_restarts_at_each_pair_and_caps_a_certain_scan():
    pd = np.array([0.5, 0.5, 1.0, 0.25], dtype=np.float32)
    hz = pair_hazard(pd, np.array([0, 2, 4], dtype=np.int64))
    ln2 = np.log(2.0)
    assert hz == pytest.approx([ln2, 2 * ln2, MAX_SCAN_HAZARD, MAX_SCAN_HAZARD - np.log(0.75)])


def _first_tracks(p, sx, seed: int, n: int) -> list[dict]:
    """Per replication, the step at which each (threat, radar) pair was first confirmed."""
    p.static = lambda: sx
    n_thr, n_fu = p.threats.launch_step.shape[0], len(p.fire_units.name)
    log = np.zeros((5000, 5), dtype=np.int64)
    n_log = np.zeros(1, dtype=np.int64)
    rows = []
    for i in range(n):
        n_log[0] = 0
        _simulate(p, seed, i, _outputs(1, n_thr, n_fu), log, n_log)
        first: dict = {}
        for t, kind, j, s, _ in log[: n_log[0]]:
            if kind == EV_TRACK:
                first.setdefault((int(j), int(s)), int(t))
        rows.append(first)
    return rows


def test_confirmation_steps_match_the_per_scan_draws():
    p = prepare(iadsim.load_scenario(ROOT / "examples/iraq-2020-al-asad.yaml"), "s400-tor")
    sx = p.static()
    assert sx.draw_ahead  # no jammer, no SEAD: the engine draws ahead here
    ahead = _first_tracks(p, sx, 5, 3000)
    per_scan = _first_tracks(p, sx._replace(draw_ahead=False), 6, 3000)
    pairs = sorted(set().union(*ahead, *per_scan))
    p_values = []
    for key in pairs:
        x = np.array([r.get(key, -1) for r in ahead])  # -1: never confirmed
        y = np.array([r.get(key, -1) for r in per_scan])
        edges = np.unique(np.quantile(np.concatenate([x, y]), np.linspace(0, 1, 9)))[1:-1]
        bx, by = np.digitize(x, edges), np.digitize(y, edges)
        cats = np.union1d(bx, by)
        table = np.array([[np.sum(bx == k) for k in cats], [np.sum(by == k) for k in cats]])
        if table.shape[1] > 1:
            p_values.append(stats.chi2_contingency(table)[1])
    assert len(p_values) >= 30  # most of the 48 pairs confirm tracks
    assert min(p_values) * len(p_values) > 1e-3  # Bonferroni: a correct engine fails 1 in 1000


ONE_DRONE = """\
schema_version: 1
name: m-of-n
terrain: {dem: none}
assets: [{name: depot, lat: 33.95, lon: 44.35, value: 5, radius_m: 300}]
fire_units:
  - {name: tor, system: tor-m2, lat: 33.955, lon: 44.355, interceptors_loaded: 4}
raids:
  - {name: d, threat: shahed-136, launch_points: [{lat: 33.95, lon: 43.95}], aim: depot,
     count: 1}
"""


def confirmation_law(steps, pd, scan: int, m: int, n: int) -> np.ndarray:
    """P(the track is confirmed on entry i) for each scan entry of a pair, and last the
    probability of no confirmation: a Markov chain over the M-of-N history (the last N
    outcomes as bits; a scan without an entry is a miss, so the history shifts by the scans
    since the previous entry)."""
    mask = (1 << n) - 1
    law = np.zeros(len(steps) + 1)
    alive = {0: 1.0}  # history -> probability, not yet confirmed
    last = None
    for i, (t, p) in enumerate(zip(steps, pd.astype(np.float64), strict=True)):
        gap = n if last is None else (t - last) // scan
        step: dict = {}
        for h, q in alive.items():
            h = 0 if gap >= n else (h << gap) & mask
            step[h] = step.get(h, 0.0) + q * (1.0 - p)
            hit = (h | 1) & mask
            if bin(hit).count("1") >= m:
                law[i] += q * p
            else:
                step[hit] = step.get(hit, 0.0) + q * p
        alive, last = step, t
    law[-1] = sum(alive.values())
    return law


@pytest.mark.parametrize("ahead", [True, False])
def test_confirmation_scan_follows_the_m_of_n_law(tmp_path, ahead):
    path = tmp_path / "m-of-n.yaml"
    path.write_text(ONE_DRONE)
    catalog = catalog_with(threat_reliability={"shahed-136": 1.0})  # no failure in flight
    p = prepare(parse_scenario(read_yaml(path), path, catalog), catalog=catalog)
    sx = p.static()
    lo, hi = int(sx.scan_off[0]), int(sx.scan_off[1])  # threat 0 on radar 0
    steps = sx.scan_step[lo:hi]
    law = confirmation_law(steps, sx.scan_pd[lo:hi], int(sx.scan_steps[0]), 2, 3)
    assert (int(sx.confirm_m), int(sx.confirm_n)) == (2, 3)
    assert law.max() < 0.05 and law[-1] < 1e-9  # spread over many scans: a test with power
    n = 20_000
    tracks = _first_tracks(p, sx._replace(draw_ahead=ahead), 21, n)
    index = {int(t): i for i, t in enumerate(steps)}
    counts = np.zeros(law.shape[0])
    for first in tracks:
        counts[index[first[(0, 0)]] if (0, 0) in first else -1] += 1
    # bins of consecutive entries holding >= 20 expected confirmations each
    edges, acc = [0], 0.0
    for i, q in enumerate(law * n):
        acc += q
        if acc >= 20:
            edges.append(i + 1)
            acc = 0.0
    edges[-1] = law.shape[0]
    observed = np.add.reduceat(counts, edges[:-1])
    expected = np.add.reduceat(law * n, edges[:-1])
    assert len(observed) > 30
    assert stats.chisquare(observed, expected * observed.sum() / expected.sum())[1] > 1e-3
