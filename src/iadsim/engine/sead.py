"""Preparation of suppression of air defences (issue 11): anti-radiation missiles and emission
control, as the kernel's arrays.

- ``arm_target[j]``: the radar (sensor index) an ARM homes on, -1 for any other threat;
  ``arm_pk[j]`` and ``arm_memory_pk[j]`` its catalog kill probabilities against that radar,
  emitting or dark at the ARM's arrival.
- ``emcon[s]``: 0 always emits, 1 silent until a networked radar holds a track (cued),
  2 goes dark while an ARM aimed at it is tracked (and comes back on when it has arrived).

See :mod:`iadsim.engine.stages_attack` for what the kernel does with them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EMCON_CODES = {"always": 0, "cued": 1, "dark_on_arm": 2}


@dataclass
class Sead:
    """SEAD inputs of one variant."""

    on: bool
    arm_target: np.ndarray  # (N,) int64
    arm_pk: np.ndarray  # (N,)
    arm_memory_pk: np.ndarray  # (N,)
    emcon: np.ndarray  # (S,) int64
    decoy_on: bool = False
    #: (S, N): probability that radar s recognises threat j as a decoy (0 for real threats)
    discrimination: np.ndarray = None


def no_sead(n_threats: int, n_sensors: int) -> Sead:
    return Sead(
        False,
        np.full(n_threats, -1, np.int64),
        np.zeros(n_threats),
        np.zeros(n_threats),
        np.zeros(n_sensors, np.int64),
        False,
        np.zeros((n_sensors, n_threats)),
    )


def prepare_sead(scenario, catalog, threats, fire_units, sensors, n_radars=None) -> Sead:
    """The :class:`Sead` of a variant whose radars are ``fire_units`` (their fire-control
    radars, in order) then ``sensors``."""
    n = threats.launch_step.shape[0]
    index = {f.name: i for i, f in enumerate(fire_units)}
    index.update({x.name: len(fire_units) + i for i, x in enumerate(sensors)})
    # radars appended after the ground ones (fighters on patrol, issue 13) always emit
    n_radars = max(n_radars or 0, len(fire_units) + len(sensors))
    codes = [EMCON_CODES[x.emcon] for x in [*fire_units, *sensors]]
    emcon = np.array(codes + [0] * (n_radars - len(codes)), dtype=np.int64)
    targets = threats.arm_target or [None] * n
    arm_target = np.array([index.get(t, -1) if t else -1 for t in targets], dtype=np.int64)
    arm_pk, arm_mem = np.zeros(n), np.zeros(n)
    for j in np.flatnonzero(arm_target >= 0):
        entry = catalog.threats[threats.threat_type[j]]
        arm_pk[j], arm_mem[j] = entry.arm_pk.si(), entry.arm_memory_pk.si()
    on = bool((arm_target >= 0).any() or (emcon != 0).any())
    radars = [*fire_units, *sensors]
    disc = np.zeros((n_radars, n))
    for j, typ in enumerate(threats.threat_type):
        entry = catalog.threats[typ]
        if entry.decoy:
            for s, item in enumerate(radars):
                own = (item.decoy_discrimination or {}).get(typ)
                disc[s, j] = entry.discrimination_p.si() if own is None else own
    decoy_on = bool(any(catalog.threats[t].decoy for t in threats.threat_type))
    return Sead(on, arm_target, arm_pk, arm_mem, emcon, decoy_on, disc)
