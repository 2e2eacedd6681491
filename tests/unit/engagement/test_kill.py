import itertools

import numpy as np
import pytest

from iadsim.engagement.kill import (
    max_engagements_from_magazine,
    salvo_kill_probability,
    shoot_look_shoot_expected_shots,
    shoot_look_shoot_kill_probability,
)


def test_design_analytic_checks():
    # Przemieniecki (2000), ch. 4: p = 0.7, two shots -> 0.91; shoot-look-shoot expected shots 1 + (1 - p) = 1.3.
    assert salvo_kill_probability(0.7, 2) == pytest.approx(0.91, abs=1e-12)
    assert shoot_look_shoot_expected_shots(0.7, 1, 2) == pytest.approx(1.3, abs=1e-12)
    assert shoot_look_shoot_kill_probability(0.7, 1, 2) == pytest.approx(0.91, abs=1e-12)
    assert max_engagements_from_magazine(8, 2) == 4


def test_edges():
    assert salvo_kill_probability(0.7, 0) == 0.0
    assert salvo_kill_probability(1.0, 0) == 0.0
    assert salvo_kill_probability(1.0, 3) == 1.0
    assert salvo_kill_probability(0.0, 3) == 0.0
    assert shoot_look_shoot_expected_shots(0.0, 2, 3) == pytest.approx(6.0)
    assert shoot_look_shoot_expected_shots(1.0, 2, 3) == pytest.approx(2.0)
    assert shoot_look_shoot_expected_shots(1.0, 2, 0) == 0.0
    assert shoot_look_shoot_expected_shots(0.5, 2, 0) == 0.0
    assert shoot_look_shoot_expected_shots(1e-12, 1, 4) == pytest.approx(4.0, rel=1e-9)
    assert max_engagements_from_magazine(7, 2) == 3
    assert max_engagements_from_magazine(1, 2) == 0


def _enumerated(pk, salvo, engagements):
    """Kill probability and expected shots by enumerating every shot outcome."""
    p_kill = 0.0
    shots = 0.0
    for outcome in itertools.product([True, False], repeat=salvo * engagements):
        prob = np.prod([pk if hit else 1 - pk for hit in outcome])
        fired = 0
        for e in range(engagements):
            fired += salvo
            if any(outcome[e * salvo : (e + 1) * salvo]):
                p_kill += prob
                break
        shots += prob * fired
    return p_kill, shots


@pytest.mark.parametrize(
    ("pk", "salvo", "engagements"), [(0.7, 1, 2), (0.6, 2, 2), (0.3, 2, 3), (0.85, 3, 1)]
)
def test_against_enumeration(pk, salvo, engagements):
    p_kill, shots = _enumerated(pk, salvo, engagements)
    assert shoot_look_shoot_kill_probability(pk, salvo, engagements) == pytest.approx(
        p_kill, abs=1e-12
    )
    assert shoot_look_shoot_expected_shots(pk, salvo, engagements) == pytest.approx(
        shots, abs=1e-12
    )


def test_arrays_broadcast():
    pk = np.array([0.5, 0.7, 0.9])[:, None]
    n = np.array([1, 2, 3, 4])[None, :]
    out = salvo_kill_probability(pk, n)
    assert out.shape == (3, 4)
    assert np.all(np.diff(out, axis=1) > 0)
    shots = shoot_look_shoot_expected_shots(pk, 1, n)
    expected = np.array([[sum((1 - p) ** i for i in range(e)) for e in n[0]] for p in pk[:, 0]])
    np.testing.assert_allclose(shots, expected, rtol=1e-12)
    assert np.ndim(shoot_look_shoot_expected_shots(0.7, 1, 2)) == 0
    np.testing.assert_array_equal(
        max_engagements_from_magazine(np.array([8, 9, 3]), np.array([2, 2, 4])), [4, 4, 0]
    )


def test_look_saves_shots_without_losing_kills():
    # Two engagements of one shot kill as often as a salvo of two, and spend fewer shots.
    pk = np.linspace(0.05, 0.95, 19)
    np.testing.assert_allclose(
        shoot_look_shoot_kill_probability(pk, 1, 2), salvo_kill_probability(pk, 2)
    )
    assert np.all(shoot_look_shoot_expected_shots(pk, 1, 2) < 2.0)
