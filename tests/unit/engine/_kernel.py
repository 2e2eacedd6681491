"""Shared by the stage tests: a small scenario prepared, and a fresh replication state of it."""

from __future__ import annotations

import textwrap

import numpy as np

from iadsim.catalog import load_catalog
from iadsim.engine.chunks import _outputs
from iadsim.engine.prepare import prepare
from iadsim.engine.state import new_state
from iadsim.scenario import parse_scenario
from iadsim.yamlio import read_yaml


def prepared_from(text: str, folder):
    """The scenario ``text`` (YAML) prepared with the shipped catalog."""
    path = folder / "s.yaml"
    path.write_text(textwrap.dedent(text))
    catalog = load_catalog()
    return prepare(parse_scenario(read_yaml(path), path, catalog), catalog=catalog)


def fresh(p):
    """A new replication state of ``p`` (outputs, a 100-event log) and its Static."""
    sx = p.static()
    out = tuple(a[0] for a in _outputs(1, len(p.threats.raid), len(p.fire_units.name)))
    log = np.zeros((100, 5), dtype=np.int64)
    return new_state(sx, out, log, np.zeros(1, dtype=np.int64)), sx
