"""Can this run be done? Checks made before anything runs, naming the field that forbids it.

A scenario can be valid field by field and still impossible to run: a launch point on its aim
(no route to fly), a ballistic launch closer to its aim than its boost allows, or launch times,
spacings and speeds that make the engine's time grid, which every threat shares, too large to
hold in memory. :func:`check_run` finds these before a run starts and raises
:class:`~iadsim.errors.InputError` at the field to change (``FILE:LINE:COL`` when the scenario
came from a file), so ``iadsim validate`` refuses what ``iadsim run`` could not do.

The limits below are documented in docs/scenario-format.md ("Bounds").
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from iadsim import geo
from iadsim.errors import InputError, Problem
from iadsim.threats import ballistic_track, route_track

#: Most steps of the time grid (55 h at the default 1 s step).
MAX_STEPS = 200_000
#: Most threat-steps flown (each holds a sampled position; the sparse layout stores no others).
MAX_GRID_CELLS = 20_000_000
#: Largest estimate of the prepared arrays: threat tracks, per-radar detection and per-fire-unit
#: intercept tables, all threats x steps. [bytes]
MAX_GRID_BYTES = 4 * 2**30
#: Largest estimate of one chunk's result arrays, replications x threats. [bytes]
MAX_CHUNK_BYTES = 2 * 2**30
#: Most replications of one run (the scenario's own bound, for --replications).
MAX_REPLICATIONS = 10_000_000
#: A route shorter than this has no flight to simulate. [m]
MIN_ROUTE_M = 1.0

# Bytes per threat-step flown: 8 float64 track arrays and temporaries in prepare; per radar an
# int32 step and a float32 Pd (at most, where it sees); per fire unit an intercept record.
_TRACK_BYTES, _RADAR_BYTES, _FIRE_UNIT_BYTES = 8 * 8, 4 + 4, 2
# Bytes per replication x threat of a chunk: ten int64/float64 result arrays.
_RESULT_BYTES = 10 * 8


@dataclass
class _Raid:
    index: int
    durations_s: np.ndarray  # flight time from each launch point
    t0_s: np.ndarray  # launch time of each threat
    end_s: np.ndarray  # arrival time of each threat


def _problems(path: str | None, data, found) -> list[Problem]:
    """Problems at their place in the scenario file; the file is read again only now (when
    there is something to report), unless its parsed ``data`` was given."""
    from iadsim.yamlio import dotted, locate, read_yaml

    if data is None and path and Path(path).is_file():
        try:
            data = read_yaml(path)
        except InputError:
            data = None
    problems = []
    for loc, message in found:
        if str(loc[0]).startswith("--"):  # a command-line option: no place in the file
            problems.append(Problem(message, field_path=str(loc[0])))
            continue
        line, col = locate(data, loc) if data is not None else (None, None)
        problems.append(Problem(message, path, line, col, dotted(loc)))
    return problems


def _flight_s(raid, entry, launch, aim) -> float:
    """Flight time from ``launch`` to ``aim``; ValueError when the flight is impossible."""
    if entry.threat_class == "ballistic":
        track = ballistic_track(
            launch.lat,
            launch.lon,
            aim.lat,
            aim.lon,
            np.array([0.0]),
            boost_time_s=entry.boost_time_s.si(),
            apogee_alt_m=raid.apogee_alt_m,
        )
        return float(track.duration_s)
    route = [launch, *raid.waypoints, aim]
    speed = raid.speed_mps or entry.speed_mps.si()
    if entry.threat_class == "aircraft":
        height, reference = entry.cruise_altitude_m.si(), "msl"
    else:
        height, reference = raid.height_agl_m or entry.cruise_height_agl_m.si(), "agl"
    track = route_track(
        [p.lat for p in route], [p.lon for p in route], speed, height, np.array([0.0]), reference
    )
    return float(track.duration_s)


def _route_m(points) -> float:
    return sum(
        float(geo.inverse(a.lat, a.lon, b.lat, b.lon)[2]) for a, b in itertools.pairwise(points)
    )


def _grid_field(raid, r: _Raid, entry) -> tuple[tuple, str]:
    """The field of ``raid`` that makes its last arrival late, and why."""
    j = int(np.argmax(r.end_s))
    k = j % len(raid.launch_points)
    parts = {
        "launch_time_s": raid.launch_time_s,
        "spacing_s": r.t0_s[j] - raid.launch_time_s,
        "flight": r.durations_s[k],
    }
    biggest = max(parts, key=parts.get)
    if biggest == "launch_time_s":
        return ("launch_time_s",), f"its first launch is at {raid.launch_time_s / 3600:.1f} h"
    if biggest == "spacing_s":
        return (
            ("spacing_s",),
            f"{raid.count} launches {raid.spacing_s:g} s apart span "
            f"{parts['spacing_s'] / 3600:.1f} h",
        )
    flight = f"its flight lasts {parts['flight'] / 3600:.1f} h"
    if entry.threat_class == "ballistic" and raid.apogee_alt_m is not None:
        return ("apogee_alt_m",), f"{flight} with this apogee"
    if entry.threat_class != "ballistic" and raid.speed_mps is not None:
        return ("speed_mps",), f"{flight} at {raid.speed_mps:g} m/s"
    return ("launch_points", k), f"{flight} from this launch point"


def check_run(
    scenario,
    catalog=None,
    *,
    replications: int | None = None,
    chunk_size: int | None = None,
    data=None,
) -> None:
    """Raise :class:`InputError` if ``scenario`` cannot be run, naming the field to change.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (its catalog resolved, see :func:`iadsim.load_scenario`).
    catalog : Catalog, optional
        Default: the scenario's own catalog.
    replications, chunk_size : int, optional
        Overrides of ``monte_carlo`` given on the command line or to :func:`iadsim.run`.
    data : optional
        The parsed YAML, for positions; default: its file, read again if there is a problem.
    """
    catalog = catalog or scenario.effective_catalog
    if catalog is None:
        from iadsim.catalog import load_catalog

        catalog = load_catalog()
    found: list[tuple[Sequence[str | int], str]] = []

    def add(loc: Sequence[str | int], message: str) -> None:
        found.append((loc, message))

    def fail() -> None:
        raise InputError(_problems(scenario.source_path, data, found))

    raids: list[_Raid] = []
    for i, raid in enumerate(scenario.raids):
        entry = catalog.threats[raid.threat]
        aim = scenario.asset(raid.aim) if isinstance(raid.aim, str) else raid.aim
        durations = []
        for k, launch in enumerate(raid.launch_points):
            loc = ("raids", i, "launch_points", k)
            route_m = _route_m([launch, *raid.waypoints, aim])
            if route_m < MIN_ROUTE_M:
                add(loc, f"the launch point is on the aim ({route_m:.1f} m): there is no flight")
                continue
            try:
                durations.append(_flight_s(raid, entry, launch, aim))
            except ValueError as exc:
                add(
                    loc, f"a {raid.threat} cannot fly from here to the aim, {route_m:,.0f} m: {exc}"
                )
        if len(durations) != len(raid.launch_points):
            continue
        dur = np.asarray(durations)
        n = np.arange(raid.count)
        t0 = raid.launch_time_s + n * raid.spacing_s
        raids.append(_Raid(i, dur, t0, t0 + dur[n % dur.size]))
    if found:
        fail()

    dt = scenario.time_step_s
    t_end = max(float(r.end_s.max()) for r in raids)
    steps = int(np.ceil(t_end / dt)) + 2
    n_threats = sum(scenario.raids[r.index].count for r in raids)
    n_caps = len(scenario.combat_air_patrols)  # issue 13: each a fire unit with its own radar
    n_radars = len(scenario.fire_units) + len(scenario.sensors) + n_caps
    n_fu = len(scenario.fire_units) + n_caps
    # the sparse engine stores each threat's own flight only (threat-steps flown), and per radar
    # at most one (step, Pd) entry per flown step it sees (the bound: it sees them all)
    cells = int(sum(float(np.sum(r.end_s - r.t0_s)) for r in raids) / dt) + 2 * n_threats
    grid_bytes = cells * (_TRACK_BYTES + _RADAR_BYTES * n_radars + _FIRE_UNIT_BYTES * n_fu)
    limits = (
        f"(limits: {MAX_STEPS:,} steps, {MAX_GRID_CELLS:,} threat-steps, "
        f"{MAX_GRID_BYTES / 2**30:.0f} GiB; docs/scenario-format.md, Bounds)"
    )
    if steps > MAX_STEPS:
        late = max(raids, key=lambda r: float(r.end_s.max()))
        raid = scenario.raids[late.index]
        loc, why = _grid_field(raid, late, catalog.threats[raid.threat])
        add(
            ("raids", late.index, *loc),
            f"the run would need {steps:,} time steps of {dt:g} s (to {t_end / 3600:.1f} h), "
            f"more than {MAX_STEPS:,}: {why} {limits}",
        )
    elif cells > MAX_GRID_CELLS or grid_bytes > MAX_GRID_BYTES:
        big = max(raids, key=lambda r: scenario.raids[r.index].count)
        add(
            ("raids", big.index, "count"),
            f"{n_threats:,} threats x {steps:,} time steps need about "
            f"{grid_bytes / 2**30:.1f} GiB for tracks, detections and intercepts {limits}; "
            "use fewer threats, a shorter raid or a longer time_step_s",
        )
    reps = replications if replications is not None else scenario.monte_carlo.replications
    if replications is not None and replications > MAX_REPLICATIONS:
        add(("--replications",), f"at most {MAX_REPLICATIONS:,} replications in one run")
    chunk = chunk_size if chunk_size is not None else scenario.monte_carlo.chunk_size
    chunk_bytes = min(chunk, reps) * n_threats * _RESULT_BYTES
    if chunk_bytes > MAX_CHUNK_BYTES:
        loc = ("--chunk-size",) if chunk_size is not None else ("monte_carlo", "chunk_size")
        add(
            loc,
            f"a chunk of {min(chunk, reps):,} replications x {n_threats:,} threats needs "
            f"about {chunk_bytes / 2**30:.1f} GiB (limit {MAX_CHUNK_BYTES / 2**30:.0f} GiB); "
            "use a smaller chunk size",
        )
    if found:
        fail()
