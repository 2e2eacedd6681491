"""Track capacity (issue 10 A6): a full radar drops its lowest-priority track for a threat of
higher priority (value over time to impact), and refuses one of lower priority, counting it."""

from __future__ import annotations

import dataclasses
import textwrap

import numpy as np

from iadsim.catalog import load_catalog
from iadsim.engine.chunks import replay, run_chunk
from iadsim.engine.prepare import prepare
from iadsim.scenario import parse_scenario
from iadsim.yamlio import read_yaml

TEXT = """\
schema_version: 1
name: capacity
terrain: {dem: none}
assets:
  - {name: cheap, lat: 33.0, lon: 44.02, value: 1, radius_m: 300}
  - {name: dear, lat: 33.0, lon: 44.03, value: 10, radius_m: 300}
fire_units:
  - {name: tor, system: tor-m2, lat: 33.0, lon: 44.0, pk: {drone: 1.0e-9}}
raids:
  - {name: first, threat: shahed-136, launch_points: [{lat: 33.0, lon: 43.7}], aim: FIRST}
  - {name: second, threat: shahed-136, launch_points: [{lat: 33.0, lon: 43.7}], aim: SECOND,
     launch_time_s: 60}
"""


def tor_catalog(capacity: int):
    """The shipped catalog with the Tor-M2 radar's track capacity set to ``capacity``."""
    cat = load_catalog()
    tor = cat.systems["tor-m2"]
    radar = tor.radars["tor-m2-radar"]
    cap = radar.track_capacity.model_copy(update={"value": capacity, "range": None})
    radars = {**tor.radars, "tor-m2-radar": radar.model_copy(update={"track_capacity": cap})}
    return dataclasses.replace(
        cat, systems={**cat.systems, "tor-m2": tor.model_copy(update={"radars": radars})}
    )


def _prepared(tmp_path, first, second):
    cat = tor_catalog(1)
    path = tmp_path / "c.yaml"
    path.write_text(textwrap.dedent(TEXT).replace("FIRST", first).replace("SECOND", second))
    return prepare(parse_scenario(read_yaml(path), path, cat), catalog=cat)


def test_higher_priority_threat_takes_the_track(tmp_path):
    p = _prepared(tmp_path, "cheap", "dear")
    drops = 0
    for r in range(8):
        ev = replay(p, 2, r).to_pylist()
        first = {}
        for e in ev:
            if e["event"] == "track":
                first.setdefault(e["threat"], e["time_s"])
        # a full radar (capacity 1) still tracks the valuable drone, long before the cheap one
        # lands (only then does the cheap one's value over time to impact rank higher)
        assert first[1] < 400.0, ev
        early = [e for e in ev if e["event"] == "refused" and e["shots"] == 1 and e["time_s"] < 400]
        assert all(e["threat"] == 0 for e in early)  # only the cheap one ever yields early
        drops += len(early)
    assert drops > 0


def test_lower_priority_threat_is_refused_and_counted(tmp_path):
    p = _prepared(tmp_path, "dear", "cheap")
    raw = run_chunk(p, 2, 0, 5)
    assert (raw.tracks_refused[:, 1] > 0).all()  # the cheap drone never gets the track
    assert (raw.tracks_refused[:, 0] == 0).all()
    for r in range(5):
        ev = replay(p, 2, r).to_pylist()
        # the cheap drone may hold the free track first, but yields it to the valuable one
        tracked = [e["threat"] for e in ev if e["event"] == "track" and e["time_s"] < 400]
        assert 0 in tracked
        early = [e for e in ev if e["event"] == "refused" and e["shots"] == 1 and e["time_s"] < 400]
        assert all(e["threat"] == 1 for e in early)
    assert np.isfinite(raw.miss_east_m).all()
