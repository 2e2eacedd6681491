"""Fire units at sea (issue 13): a ship's position must be at sea, its launch cells hold every
interceptor type of its load together, and they cannot be reloaded at sea; a valid ship fires
each type from its own share of the cells, never more than it carries."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import iadsim
from iadsim.engine.prepare import prepare
from iadsim.engine.runner import run_chunk
from iadsim.errors import InputError

SEA = (32.40, 34.30)  # off Israel's coast
LAND = (31.21, 35.01)  # Nevatim


def _text(
    pos=SEA, loads="[{interceptor: sm-3-ib, loaded: 4}, {interceptor: sm-6, loaded: 4}]", cells=8
):
    return textwrap.dedent(
        f"""\
        schema_version: 1
        name: ship
        time_step_s: 2.0
        terrain: {{dem: none}}
        assets: [{{name: city, lat: 32.08, lon: 34.78, radius_m: 5000}}]
        fire_units:
          - {{name: ddg, system: aegis-bmd, lat: {pos[0]}, lon: {pos[1]}, at_sea: true,
             vls_cells: {cells}, loads: {loads}}}
        sensors:  # the ship's own SPY-1 sees a small RV too late for SM-3: cued, as in 2024
          - {{name: tpy2, system: thaad, radar: an/tpy-2, lat: 30.97, lon: 34.77,
             sector_center_deg: 75}}
        raids:
          - {{name: bm, threat: emad, aim: city, count: 6, spacing_s: 30,
             launch_points: [{{lat: 34.35, lon: 47.05}}]}}
        monte_carlo: {{replications: 50, seed: 1}}
        """
    )


def _load(tmp_path, text):
    path = tmp_path / "ship.yaml"
    path.write_text(text)
    return iadsim.load_scenario(path)


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        (dict(pos=LAND), "fire_units[0].lat", "on land"),
        (dict(cells=6), "fire_units[0]", "need 8 cells and the ship has 6"),
        (
            dict(loads="[{interceptor: sm-3-ib, loaded: 4, reserve: 2}]"),
            "fire_units[0]",
            "cannot reload",
        ),
    ],
)
def test_an_impossible_ship_is_refused_at_its_field(tmp_path, kwargs, field, words):
    with pytest.raises(InputError) as err:
        _load(tmp_path, _text(**kwargs))
    text = str(err.value)
    assert "ship.yaml:" in text and field in text and words in text, text


def test_a_ship_fires_each_type_from_its_share_of_the_cells(tmp_path):
    s = _load(tmp_path, _text())
    p = prepare(s)
    assert p.fire_units.interceptor == ["sm-3-ib", "sm-6"]
    assert (p.fire_units.unit == 0).all()  # one ship, one magazine row per type
    raw = run_chunk(p, 1, 0, 50)
    assert (raw.fu_shots <= np.array([4, 4])).all()
    assert (raw.fu_shots.sum(axis=1) <= 8).all()
    np.testing.assert_array_equal(
        raw.fu_shots + raw.fu_left, np.broadcast_to([4, 4], raw.fu_shots.shape)
    )
    assert raw.fu_shots.sum() > 0
