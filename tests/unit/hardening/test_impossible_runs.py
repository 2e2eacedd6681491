"""Valid-looking scenarios that crashed the engine are refused by ``validate`` and ``run`` with
exit 2 at the field that makes them impossible (issue 10, B5)."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

import iadsim
from iadsim.cli import app
from iadsim.engine import preflight

TEMPLATE = """\
schema_version: 1
name: hardening
assets:
  - {{name: al-asad, lat: 33.80, lon: 42.44}}
raids:
  - name: r
    threat: {threat}
    launch_points: [{launch}]
    aim: al-asad
    count: {count}
    launch_time_s: {launch_time}
    spacing_s: {spacing}
{extra}monte_carlo: {{replications: 2, seed: 1, chunk_size: 2}}
"""
DRONE = "{lat: 33.95, lon: 42.60}"
BALLISTIC = "{lat: 34.40, lon: 46.95}"
ON_AIM = "{lat: 33.80, lon: 42.44}"
ONE_METRE = "{lat: 33.80001, lon: 42.44}"  # 1.1 m north of the aim


def scenario(tmp_path, **kw) -> tuple:
    values = dict(threat="shahed-136", launch=DRONE, count=1, launch_time=0, spacing=0, extra="")
    values.update(kw)
    text = TEMPLATE.format(**values)
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text


def position(text: str, token: str) -> tuple[int, int]:
    """1-based line and column of the first ``token`` in ``text`` (of its value, for a
    ``key: value`` token: errors point at the value)."""
    at = text.index(token)
    if ": " in token and not token.startswith("{"):
        at += token.index(": ") + 2
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


def refuse(path, text, field: str, token: str, command: str = "validate", *extra) -> str:
    result = CliRunner().invoke(app, [command, str(path), *extra])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    line, col = position(text, token)
    m = re.search(re.escape(f"{path}:{line}:{col}: {field}: ") + "(.*)", result.output)
    assert m, result.output
    return m.group(1)


@pytest.mark.parametrize(("threat", "word"), [("shahed-136", "drone"), ("fateh-313", "ballistic")])
def test_launch_point_on_the_aim(tmp_path, threat, word):
    path, text = scenario(tmp_path, threat=threat, launch=ON_AIM)
    msg = refuse(path, text, "raids[0].launch_points[0]", ON_AIM)
    assert "on the aim" in msg and "no flight" in msg
    refuse(path, text, "raids[0].launch_points[0]", ON_AIM, "run", "--out", str(tmp_path / "o"))


def test_ballistic_launch_one_metre_from_the_aim(tmp_path):
    path, text = scenario(tmp_path, threat="fateh-313", launch=ONE_METRE)
    msg = refuse(path, text, "raids[0].launch_points[0]", ONE_METRE)
    assert "fateh-313 cannot fly from here to the aim, 1 m" in msg and "boost_time_s" in msg


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("spacing_s", ".inf", "finite number"),
        ("spacing_s", "1e308", "less than or equal to 86400"),
        ("launch_time_s", ".inf", "finite number"),
        ("launch_time_s", "1e9", "less than or equal to 86400"),
        ("launch_time_s", ".nan", "finite number"),
    ],
)
def test_times_beyond_a_day_or_not_finite(tmp_path, field, value, words):
    kw = {"launch_time": 0, "spacing": 0}
    kw["launch_time" if field == "launch_time_s" else "spacing"] = value
    path, text = scenario(tmp_path, **kw)
    msg = refuse(path, text, f"raids[0].{field}", f"{field}: {value}")
    assert words in msg
    refuse(path, text, f"raids[0].{field}", f"{field}: {value}", "run")


ROUNDS = "1000000000000000000000000000000"  # 10**30


@pytest.mark.parametrize(
    ("block", "field", "token"),
    [
        (
            "fire_units:\n  - {{name: f, system: tor-m2, lat: 33.8, lon: 42.4, "
            "interceptors_loaded: {v}}}\n",
            "fire_units[0].interceptors_loaded",
            "interceptors_loaded: ",
        ),
        (
            "fire_units:\n  - {{name: f, system: tor-m2, lat: 33.8, lon: 42.4, "
            "reserve_interceptors: {v}}}\n",
            "fire_units[0].reserve_interceptors",
            "reserve_interceptors: ",
        ),
        (
            "doctrine: {{reserve_for_ballistic: {v}}}\n",
            "doctrine.reserve_for_ballistic",
            "reserve_for_ballistic: ",
        ),
    ],
)
@pytest.mark.parametrize("value", [ROUNDS, "1.0e30", "20000"])
def test_round_counts_of_10_to_the_30(tmp_path, block, field, token, value):
    path, text = scenario(tmp_path, extra=block.format(v=value))
    msg = refuse(path, text, field, f"{token}{value}")
    # pydantic refuses an integer beyond 64 bits outright, and anything above the bound
    assert "less than or equal to 10000" in msg or "exceeded maximum size" in msg


def test_apogee_of_a_million_km(tmp_path):
    path, text = scenario(tmp_path, threat="fateh-313", launch=BALLISTIC)
    text = text.replace("    spacing_s: 0\n", "    spacing_s: 0\n    apogee_alt_m: 1.0e12\n")
    path.write_text(text, encoding="utf-8")
    msg = refuse(path, text, "raids[0].apogee_alt_m", "1.0e12")
    assert "less than or equal to 6371000" in msg


def test_a_crawling_drone(tmp_path):
    path, text = scenario(tmp_path)
    text = text.replace("    spacing_s: 0\n", "    spacing_s: 0\n    speed_mps: 1e-3\n")
    path.write_text(text, encoding="utf-8")
    msg = refuse(path, text, "raids[0].speed_mps", "1e-3")
    assert "greater than or equal to 1" in msg


# Within every field's bounds, but the time grid is too long or too large.


def test_a_slow_drone_over_a_long_route_names_speed(tmp_path):
    # 16 km at 1 m/s is 4.5 h: fine at 1 s, over the step limit at 0.1 s
    path, text = scenario(tmp_path)
    text = text.replace("    spacing_s: 0\n", "    spacing_s: 0\n    speed_mps: 1\n")
    path.write_text(text, encoding="utf-8")
    assert CliRunner().invoke(app, ["validate", str(path)]).exit_code == 0
    text = text.replace("name: hardening\n", "name: hardening\ntime_step_s: 0.1\n")
    path.write_text(text, encoding="utf-8")
    msg = refuse(path, text, "raids[0].speed_mps", "speed_mps: 1\n")
    assert f"more than {preflight.MAX_STEPS:,}" in msg and "at 1 m/s" in msg


def test_launches_spread_over_days_name_spacing(tmp_path):
    path, text = scenario(tmp_path, count=10, spacing=86400)
    msg = refuse(path, text, "raids[0].spacing_s", "spacing_s: 86400")
    assert "10 launches 86400 s apart span" in msg and "docs/scenario-format.md" in msg


def test_a_late_launch_at_a_fine_step_names_launch_time(tmp_path):
    path, text = scenario(tmp_path, launch_time=86400)
    text = text.replace("name: hardening\n", "name: hardening\ntime_step_s: 0.1\n")
    path.write_text(text, encoding="utf-8")
    msg = refuse(path, text, "raids[0].launch_time_s", "launch_time_s: 86400")
    assert "first launch is at 24.0 h" in msg


def test_a_huge_raid_names_count(tmp_path):
    path, text = scenario(tmp_path, count=100000, spacing=0.1)
    msg = refuse(path, text, "raids[0].count", "count: 100000")
    assert "100,000 threats x" in msg and "GiB" in msg


def test_replications_on_the_command_line_are_bounded(tmp_path):
    path, _ = scenario(tmp_path)
    result = CliRunner().invoke(app, ["run", str(path), "-n", "100000000000"])
    assert result.exit_code == 2
    assert "--replications: at most 10,000,000 replications" in result.output


def test_a_chunk_too_large_for_memory_names_chunk_size(tmp_path):
    path, text = scenario(tmp_path, count=50000, spacing=0.1)
    text = text.replace("replications: 2, seed: 1, chunk_size: 2", "replications: 10000")
    text = text.replace("name: hardening\n", "name: hardening\ntime_step_s: 10\n")
    path.write_text(text, encoding="utf-8")
    msg = refuse(path, text, "monte_carlo.chunk_size", "monte_carlo")
    assert "a chunk of 1,000 replications x 50,000 threats" in msg


def test_the_api_refuses_too(tmp_path):
    path, _ = scenario(tmp_path, threat="fateh-313", launch=ONE_METRE)
    s = iadsim.load_scenario(path)
    with pytest.raises(iadsim.InputError, match="launch_points"):
        iadsim.run(s, out_dir=tmp_path / "out", workers=1)
    assert not (tmp_path / "out").exists()


def test_a_possible_run_still_runs(tmp_path):
    path, _ = scenario(tmp_path, count=3, spacing=30)
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "o"), "-q"])
    assert result.exit_code == 0, result.output
