"""Accepted means it has an effect: sector radars must be faced, and fields the engine would
ignore are refused at validate with FILE:LINE:COL and what to do instead."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

from iadsim.engine.prepare import prepare
from iadsim.errors import InputError
from iadsim.scenario import load_scenario

BASE = textwrap.dedent(
    """\
    schema_version: 1
    name: effect
    terrain: {dem: none}
    assets: [{name: base, lat: 33.8, lon: 42.43, value: 10}]
    fire_units:
      - name: fu
        system: SYSTEM
        lat: 33.79
        lon: 42.45
    EXTRA_FU
    sensors: SENSORS
    raids:
      - name: r1
        threat: THREAT
        launch_points: [{lat: 33.5, lon: 43.3}]
        aim: base
        count: 2
    RAID
    doctrine: DOCTRINE
    """
)


def write(
    tmp_path, system="s-400", extra_fu="", sensors="[]", threat="shahed-136", raid="", doctrine="{}"
):
    text = (
        BASE.replace("SYSTEM", system)
        .replace("EXTRA_FU\n", extra_fu)
        .replace("SENSORS", sensors)
        .replace("THREAT", threat)
        .replace("RAID\n", raid)
        .replace("DOCTRINE", doctrine)
    )
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


def error(path) -> str:
    with pytest.raises(InputError) as info:
        load_scenario(path)
    return str(info.value)


def test_sector_radar_without_a_centre_is_refused(tmp_path):
    msg = error(write(tmp_path, system="s-300pmu2"))
    # FILE:LINE:COL at the fire unit, naming the radar and its sector, saying what to add
    assert re.search(r"s\.yaml:6:5: fire_units\[0\]\.sector_center_deg: ", msg), msg
    assert "30N6E2" in msg and "90 deg sector" in msg and "add sector_center_deg" in msg


def test_sector_radar_with_a_centre_loads_and_records_the_sector_used(tmp_path):
    s = load_scenario(write(tmp_path, system="s-300pmu2", extra_fu="    sector_center_deg: 120\n"))
    p = prepare(s)
    # the catalog radar's 90 deg, not the scenario field's default 360 deg
    assert p.fire_units.sector_width_deg.tolist() == [90.0]
    assert p.fire_units.sector_center_deg.tolist() == [120.0]
    assert p.sensors.sector_width_deg.tolist() == [90.0]


def test_the_s300_example_without_its_sector_is_refused(tmp_path):
    text = Path("examples/iraq-2019-al-qaim-f15e.yaml").read_text()
    text = re.sub(r"\n    sector_center_deg: 230[^\n]*", "", text)
    path = tmp_path / "al-qaim.yaml"
    path.write_text(text)
    msg = error(path)
    assert "fire_units[3].sector_center_deg" in msg and "90 deg sector" in msg, msg


def test_wider_sector_than_the_radar_is_refused(tmp_path):
    path = write(
        tmp_path,
        system="patriot-pac3",
        extra_fu="    sector_center_deg: 80\n    sector_width_deg: 200\n",
    )
    msg = error(path)
    assert "fire_units[0].sector_width_deg" in msg and "at most 120" in msg, msg


def test_sector_centre_on_an_all_round_radar_is_refused(tmp_path):
    msg = error(write(tmp_path, system="s-400", extra_fu="    sector_center_deg: 80\n"))
    assert "fire_units[0].sector_center_deg: has no effect" in msg and "360 deg" in msg, msg
    # with a limited width the centre matters, so it is accepted
    load_scenario(
        write(
            tmp_path,
            system="s-400",
            extra_fu="    sector_center_deg: 80\n    sector_width_deg: 90\n",
        )
    )


def test_sensor_sector_rules(tmp_path):
    sensors = "[{name: ew, system: s-300pmu2, radar: 30n6e2, lat: 33.7, lon: 42.4}]"
    msg = error(write(tmp_path, sensors=sensors))
    assert "sensors[0].sector_center_deg" in msg and "90 deg sector" in msg, msg
    faced = (
        "[{name: ew, system: s-300pmu2, radar: 30n6e2, lat: 33.7, lon: 42.4, "
        "sector_center_deg: 100}]"
    )
    p = prepare(load_scenario(write(tmp_path, sensors=faced)))
    assert p.sensors.sector_width_deg.tolist() == [360.0, 90.0]


def test_isolated_sensor_is_refused(tmp_path):
    sensors = "[{name: ew, system: s-400, radar: 91n6e, lat: 33.7, lon: 42.4, networked: false}]"
    msg = error(write(tmp_path, sensors=sensors))
    assert "sensors[0].networked" in msg and "feeds no fire unit" in msg, msg


def test_speed_on_a_ballistic_raid_is_refused(tmp_path):
    msg = error(write(tmp_path, threat="fateh-313", raid="    speed_mps: 900\n"))
    assert "raids[0].speed_mps" in msg and "apogee_alt_m" in msg, msg


@pytest.mark.parametrize(
    ("doctrine", "fragment"),
    [
        ("{shoot_look_shoot: true, engagements_per_threat: 1}", "no second look"),
        ("{engagements_per_threat: 3}", "set shoot_look_shoot: true"),
    ],
)
def test_contradictory_shoot_look_shoot_is_refused(tmp_path, doctrine, fragment):
    msg = error(write(tmp_path, doctrine=doctrine))
    assert "doctrine.engagements_per_threat" in msg and fragment in msg, msg


def test_aircraft_height_agl_is_honoured(tmp_path):
    """A2: height_agl_m on an aircraft raid flies the route that high above the ground (a
    terrain-following ingress) instead of the catalog's cruise altitude."""
    plain = prepare(load_scenario(write(tmp_path, threat="f-35a")))
    low = prepare(load_scenario(write(tmp_path, threat="f-35a", raid="    height_agl_m: 150\n")))
    flying = ~np.isnan(plain.threats.lat.dense())
    assert abs(float(plain.threats.alt.dense()[flying].max()) - 9000.0) < 1.0
    flying = ~np.isnan(low.threats.lat.dense())
    # every sample but the arrival on the ground is 150 m above the (smooth) earth
    heights = low.threats.height_agl.dense()[flying]
    assert (heights <= 150.0 + 1e-6).all() and (heights == 150.0).mean() > 0.9


def test_run_json_and_coverage_share_carry_the_sector_used(tmp_path):
    """run.json records the width the radar covers (not the field's 360), and the coverage
    share around an asset counts only the sector."""
    import json

    import iadsim

    def run(extra: str, system: str, name: str):
        path = write(tmp_path, system=system, extra_fu=extra)
        text = path.read_text().replace(
            "terrain: {dem: none}", "terrain: {az_step_deg: 1.0, range_step_m: 1000}"
        )
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        res = iadsim.run(
            iadsim.load_scenario(path), replications=5, workers=1, out_dir=tmp_path / name
        )
        return json.loads((res.directory / "base" / "run.json").read_text())

    wedge = run("    sector_center_deg: 60\n", "patriot-pac3", "wedge")
    (fu,) = wedge["fire_units"]
    assert (fu["sector_center_deg"], fu["sector_width_deg"]) == (60.0, 120.0)
    assert [r["sector_width_deg"] for r in wedge["radars"]] == [120.0]
    # the same radar all round (a wider catalog sector through an override of the figure)
    wide = (
        "catalog:\n  overrides:\n    - {entry: patriot-pac3, path: radars.an/mpq-65."
        "sector_width_deg, figure: {value: 360, unit: deg, claim: assumption, note: test}}\n"
    )
    ring = run(wide, "patriot-pac3", "ring")
    # the asset sits 2 km from the radar: a 120 deg wedge covers about a third of its disk
    share_wedge = wedge["coverage_share"]["base"]["1000"]
    share_ring = ring["coverage_share"]["base"]["1000"]
    assert share_ring > 0.95
    assert 0.25 < share_wedge < 0.45, share_wedge
