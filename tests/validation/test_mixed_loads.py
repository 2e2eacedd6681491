"""Mixed interceptor loads (issue 10 A5): a fire unit carries several interceptors of its
system, each with its own rounds; the doctrine's interceptor choice decides which it fires.
The choice changes what an engagement costs, never whether one is possible."""

from __future__ import annotations

import textwrap

import numba
import numpy as np
import pytest

from iadsim.catalog import load_catalog
from iadsim.engine import stages_assign
from iadsim.engine.bundle import by_ref
from iadsim.engine.chunks import _outputs, run_chunk
from iadsim.engine.prepare import prepare
from iadsim.engine.state import new_state
from iadsim.errors import InputError
from iadsim.scenario import parse_scenario
from iadsim.yamlio import read_yaml

LOADS = {
    "mixed": "loads: [{interceptor: 48n6e3, loaded: 8}, {interceptor: 9m96e2, loaded: 16}]",
    "single": "interceptor: 48n6e3, interceptors_loaded: 24",
}


def _scenario(tmp_path, load: str, choice: str = "cheapest_feasible", extra: str = ""):
    text = textwrap.dedent(
        f"""\
        schema_version: 1
        name: mixed
        terrain: {{dem: none}}
        doctrine: {{interceptor_choice: {choice}}}
        assets: [{{name: base, lat: 33.0, lon: 44.0, value: 5, radius_m: 300}}]
        fire_units:
          - {{name: s400, system: s-400, lat: 33.0, lon: 44.01, {load}{extra}}}
        raids:
          - {{name: d, threat: shahed-136, launch_points: [{{lat: 33.0, lon: 43.3}}],
             aim: base, count: 12, spacing_s: 20}}
        """
    )
    path = tmp_path / f"{abs(hash((load, choice, extra)))}.yaml"
    path.write_text(text)
    catalog = load_catalog()
    return path, parse_scenario(read_yaml(path), path, catalog), catalog


def _prepared(tmp_path, load, choice="cheapest_feasible"):
    _, scenario, catalog = _scenario(tmp_path, load, choice)
    return prepare(scenario, catalog=catalog)


@numba.njit
def _rows(st, sx):
    """The row ``choose_row`` picks for fire unit 0, for every threat and step of its flight
    (one compiled loop: a call from Python per step would unbox both bundles each time)."""
    n = sx.launch_step.shape[0]
    total = 0
    for j in range(n):
        total += sx.impact_step[j] - sx.launch_step[j]
    rows = np.empty(total, dtype=np.int64)
    st_r, sx_r = by_ref(st), by_ref(sx)
    k = 0
    for j in range(n):
        for t in range(sx.launch_step[j], sx.impact_step[j]):
            rows[k] = stages_assign.choose_row(st_r, sx_r, 0, j, t)[2]
            k += 1
    return rows


def _options(p):
    """(feasible, chosen row cost) for every threat and step of the raid, every track held."""
    sx = p.static()
    out = tuple(a[0] for a in _outputs(1, len(p.threats.raid), len(p.fire_units.name)))
    st = new_state(sx, out, np.zeros((0, 5), dtype=np.int64), np.zeros(1, dtype=np.int64))
    st.avail[:] = 0
    rows = _rows(st, sx)
    return rows >= 0, np.where(rows >= 0, sx.round_cost_usd[np.maximum(rows, 0)], 0.0)


def test_choice_changes_cost_not_feasibility(tmp_path):
    cheap_feas, cheap_cost = _options(_prepared(tmp_path, LOADS["mixed"], "cheapest_feasible"))
    first_feas, first_cost = _options(_prepared(tmp_path, LOADS["mixed"], "earliest_intercept"))
    assert cheap_feas.any()
    assert (cheap_feas == first_feas).all()
    assert (cheap_cost <= first_cost).all()
    assert (cheap_cost < first_cost).any()  # the cheaper 9M96E2 where both reach the drone


def test_mixed_load_rows_magazines_and_costs(tmp_path):
    p = _prepared(tmp_path, LOADS["mixed"])
    fu = p.fire_units
    assert fu.name == ["s400", "s400"] and fu.interceptor == ["48n6e3", "9m96e2"]
    assert fu.ready0.tolist() == [8, 16] and fu.unit.tolist() == [0, 0]
    # the unit's acquisition is counted once, each magazine has its own round cost
    assert fu.acquisition_cost_usd[1] == 0.0 and fu.acquisition_cost_usd[0] > 0
    assert fu.interceptor_cost_usd.tolist() == [2.0e6, 1.0e6]
    raw = run_chunk(p, 4, 0, 60)
    spent = raw.fu_shots @ fu.interceptor_cost_usd
    assert np.allclose(raw.cost_at_usd.sum(axis=1), spent)  # every threat's cost is a round's
    assert (raw.fu_shots[:, 1] > 0).any()  # the cheaper interceptor is fired
    # the two magazines share the unit's fire channels: never more in the air than allowed
    assert (raw.fu_shots.sum(axis=1) <= 24).all() and (raw.fu_left >= 0).all()


def test_mixed_load_is_cheaper_per_threat_stopped(tmp_path):
    def per_kill(load):
        raw = run_chunk(_prepared(tmp_path, load), 4, 0, 200)
        return raw.cost_at_usd.sum() / max((raw.fate == 1).sum(), 1), (raw.fate == 1).mean()

    mixed, mixed_kill = per_kill(LOADS["mixed"])
    single, single_kill = per_kill(LOADS["single"])
    assert mixed < 0.75 * single
    assert mixed_kill > 0.3 and single_kill > 0.3


@pytest.mark.parametrize(
    ("extra_load", "message"),
    [
        ("loads: [{interceptor: pac-3-mse, loaded: 4}]", "has no interceptor 'pac-3-mse'"),
        (
            "interceptor: 48n6e3, loads: [{interceptor: 9m96e2, loaded: 4}]",
            "loads replaces interceptor",
        ),
        (
            "loads: [{interceptor: 9m96e2, loaded: 4}, {interceptor: 9m96e2, loaded: 2}]",
            "names an interceptor twice",
        ),
    ],
)
def test_bad_loads_name_file_line_column(tmp_path, extra_load, message):
    with pytest.raises(InputError) as err:
        _scenario(tmp_path, extra_load)
    text = str(err.value)
    assert message in text and ".yaml:7:" in text, text
