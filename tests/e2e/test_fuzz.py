"""Fuzzing the scenario reader and the engine with hypothesis (issue 10, B9).

Malformed and extreme scenarios are generated from the examples and a small scenario using
every block of the schema: values set to extremes and wrong types, keys deleted, renamed,
added or duplicated, whole blocks replaced, and bytes flipped, inserted or deleted. For every
case ``iadsim validate`` must either refuse it with exit 2 and ``FILE:LINE:COL:`` on every
line, with no traceback, or accept it, and then every variant must run (the engine's prepare
and one replication). A second, smaller test runs whole ``iadsim run`` commands.

Deterministic (``derandomize``, no example database), and fast: the CLI is called in-process.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from typer.testing import CliRunner

from iadsim.cli import app

SMALL = """\
schema_version: 1
name: fuzz
description: every block of the schema, small
time_step_s: 2.0
terrain: {dem: none}
propagation: {k_factor: 1.33}
catalog:
  overrides:
    - {entry: shahed-136, path: speed_mps,
       figure: {value: 50, unit: m/s, claim: assumption, note: fuzz base}}
    - {entry: fateh-313, path: boost_time_s,
       figure: {value: 30, unit: s, claim: assumption, note: fuzz base}}
assets:
  - {name: a, lat: 33.80, lon: 42.44, value: 2, radius_m: 400}
fire_units:
  - {name: f, system: tor-m2, lat: 33.81, lon: 42.45, reserve_interceptors: 4,
     sector_center_deg: 90, sector_width_deg: 180, pk: {drone: 0.8}}
sensors:
  - {name: s, system: s-400, radar: 91n6e, lat: 33.85, lon: 42.50}
raids:
  - {name: d, threat: shahed-136, launch_points: [{lat: 33.95, lon: 42.60}],
     waypoints: [{lat: 33.90, lon: 42.55}], aim: a, count: 3, launch_time_s: 10,
     spacing_s: 20, height_agl_m: 50, speed_mps: 50}
  - {name: b, threat: fateh-313, launch_points: [{lat: 34.40, lon: 46.95}],
     aim: {lat: 33.80, lon: 42.44}, count: 1, apogee_alt_m: 90000}
tracking: {confirm_m: 1, confirm_n: 2}
doctrine: {salvo_size: 2, shoot_look_shoot: true, engagements_per_threat: 2,
           assignment: optimal, hold_fire_below_value: 0.5, reserve_for_ballistic: 1}
monte_carlo: {replications: 3, seed: 7, chunk_size: 2}
variants:
  - {name: v1, description: one, fire_units: [f], sensors: [], doctrine: {salvo_size: 1}}
  - {name: v2, fire_units: []}
"""
# The small scenario most often: it touches every block and parses fastest. The example is the
# smallest shipped one (on the packaged DEM); the larger ones would spend the time budget on
# building coverage tables for each of their radars, not on finding faults.
EXAMPLE = Path("examples/depot-drone-raid.yaml")
BASES = [SMALL, SMALL, SMALL, EXAMPLE.read_text(encoding="utf-8")]
BASE_DATA = [YAML(typ="safe", pure=True).load(text) for text in BASES]
# extremes and wrong types; "__X__" markers become YAML that JSON cannot write
EXTREMES = [
    0,
    -1,
    1,
    2,
    7,
    10**30,
    -(10**30),
    2**63,
    2**64,
    1e308,
    -1e308,
    1e-308,
    5e-324,
    0.5,
    -0.0,
    86_400,
    86_401,
    100_001,
    10_001,
    1e9,
    1e12,
    1e-3,
    360,
    361,
    -361,
    90.0001,
    -180.5,
    "__INF__",
    "__NINF__",
    "__NAN__",
    "__DIGITS__",
    None,
    True,
    False,
    "",
    "x" * 70,
    "a b",
    "s-999",
    "tor-m2",
    "a",
    [],
    {},
    [1, 2],
    {"lat": 0, "lon": 0},
    [{"lat": 33.8, "lon": 42.44}],
]
MARKERS = {
    '"__INF__"': ".inf",
    '"__NINF__"': "-.inf",
    '"__NAN__"': ".nan",
    '"__DIGITS__"': "9" * 4301,
}
JUNK = [
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\x1b",
    b"\t",
    b"\n",
    b"[",
    b"{",
    b"]",
    b":",
    b"&a",
    b"*a",
    b"- ",
    b"'",
    b'"',
    b"#",
    b"\xef\xbb\xbf",
    b"\r",
    b"!!python/object:os.system",
    b"<<: ",
]

CALLS = {"validate": 0, "engine": 0, "refused": 0}


def _paths(node, prefix=()):
    """Every path to a value in plain YAML data (containers too)."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


BASE_PATHS = [[p for p in _paths(d) if p] for d in BASE_DATA]


def _to_text(data) -> str:
    text = json.dumps(data, indent=1, default=str)
    for marker, yaml in MARKERS.items():
        text = text.replace(marker, yaml)
    return text


@st.composite
def value(draw):
    return draw(
        st.one_of(
            st.sampled_from(EXTREMES),
            st.integers(min_value=-(2**70), max_value=2**70),
            st.floats(allow_nan=False, allow_infinity=False),
            st.text(max_size=12),
        )
    )


@st.composite
def structured(draw) -> bytes:
    """A base scenario with one to three changes to its data, written as JSON (which YAML
    reads): a value replaced, a key deleted, renamed or added, a list item duplicated."""
    b = draw(st.integers(0, len(BASES) - 1))
    data = copy.deepcopy(BASE_DATA[b])
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(BASE_PATHS[b]))
        parent = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue
        action = draw(st.sampled_from(["set", "set", "set", "delete", "rename", "add", "dup"]))
        key = path[-1]
        if action == "set":
            parent[key] = draw(value())
        elif action == "delete":
            del parent[key]
        elif action == "rename" and isinstance(parent, dict):
            parent[str(key) + "x"] = parent.pop(key)
        elif action == "add" and isinstance(parent[key], dict):
            parent[key][draw(st.sampled_from(["extra", "lat", "name", "count"]))] = draw(value())
        elif action == "dup" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
    return _to_text(data).encode("utf-8")


@st.composite
def textual(draw) -> bytes:
    """A base scenario's bytes with lines duplicated (duplicate keys) or bytes corrupted."""
    raw = BASES[draw(st.integers(0, len(BASES) - 1))].encode("utf-8")
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["dup-line", "flip", "insert", "delete", "truncate"]))
        if kind == "dup-line":
            lines = raw.split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i])
            raw = b"\n".join(lines)
            continue
        at = draw(st.integers(0, max(len(raw) - 1, 0)))
        if kind == "flip" and raw:
            raw = raw[:at] + bytes([raw[at] ^ (1 << draw(st.integers(0, 7)))]) + raw[at + 1 :]
        elif kind == "insert":
            raw = raw[:at] + draw(st.sampled_from(JUNK)) + raw[at:]
        elif kind == "delete":
            raw = raw[:at] + raw[at + draw(st.integers(1, 20)) :]
        else:
            raw = raw[:at]
    return raw


def _runner(monkeypatch) -> CliRunner:
    """typer's runner, building the click command once (it rebuilds it on every call, half the
    time of a small case)."""
    import typer.testing

    if hasattr(typer.testing, "_get_command"):
        command = typer.testing._get_command(app)
        monkeypatch.setattr(typer.testing, "_get_command", lambda _app: command)
    return CliRunner()


def _check_refusal(path: Path, output: str) -> None:
    assert "Traceback" not in output, output
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert lines, "exit 2 with no message"
    where = re.compile(re.escape(str(path)) + r":\d+:\d+: \S")
    for line in lines:
        assert where.match(line), f"no FILE:LINE:COL in {line!r}"


def _run_engine(path: Path) -> None:
    """Every variant of an accepted scenario: the engine's inputs and one replication."""
    import iadsim
    from iadsim.engine.prepare import prepare
    from iadsim.engine.runner import chunk_tables

    s = iadsim.load_scenario(path)
    for name in s.variant_names():
        p = prepare(s, name, s.effective_catalog)
        chunk_tables(p, s.monte_carlo.seed, 0, 1)
    CALLS["engine"] += 1


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.mark.slow
def test_fuzz_validate_then_engine(workdir, monkeypatch):
    runner = _runner(monkeypatch)
    path = workdir / "case.yaml"

    @settings(
        max_examples=1000,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.one_of(structured(), textual()))
    def case(raw: bytes) -> None:
        CALLS["validate"] += 1
        path.write_bytes(raw)
        result = runner.invoke(app, ["validate", str(path)])
        if result.exit_code == 2:
            CALLS["refused"] += 1
            _check_refusal(path, result.output)
            return
        assert result.exit_code == 0, (result.output, result.exception)
        _run_engine(path)

    case()
    assert CALLS["validate"] >= 1000, CALLS
    # both outcomes occur often: the generator is neither all noise nor all harmless
    assert CALLS["refused"] >= 200 and CALLS["engine"] >= 100, CALLS


@pytest.mark.slow
def test_fuzz_whole_runs(workdir, monkeypatch):
    """Fewer cases, the whole command: `iadsim run` with a tiny replication count."""
    runner = _runner(monkeypatch)
    path = workdir / "run.yaml"
    seen = {"ran": 0, "refused": 0}

    @settings(
        max_examples=25,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(structured())
    def case(raw: bytes) -> None:
        path.write_bytes(raw)
        out = workdir / "out"
        args = ["run", str(path), "-n", "2", "--workers", "1", "-q", "--out", str(out)]
        result = runner.invoke(app, args)
        if result.exit_code == 2:
            seen["refused"] += 1
            _check_refusal(path, result.output)
            return
        assert result.exit_code == 0, (result.output, result.exception)
        assert list(out.glob("*/run.json"))
        seen["ran"] += 1

    case()
    assert seen["ran"] >= 3 and seen["refused"] >= 3, seen
