"""Every catalog interceptor against its published envelope, through the engine's own intercept
solver and fly-out model: the farthest intercept of a non-manoeuvring target at the reference
altitude is within 5% of the published maximum range, and the altitude and target-speed limits
hold (just inside: engaged; just outside: not)."""

from __future__ import annotations

import pytest

import iadsim
from iadsim.engagement.envelope import Envelope, max_intercept_range_m

CATALOG = iadsim.load_catalog()
CASES = [
    (system.name, name, cls, speed)
    for system in CATALOG.systems.values()
    for name in system.interceptors
    for cls, speed in (("aircraft", 250.0), ("ballistic", 2000.0))
]


def reference_altitude(env: Envelope) -> float:
    """10 km, or mid-envelope for systems whose ceiling is lower or whose floor is higher
    (exo-atmospheric and upper-tier interceptors such as arrow-3 and thaad)."""
    if env.min_altitude_m <= 10_000.0 <= env.max_altitude_m:
        return min(10_000.0, 0.5 * (env.min_altitude_m + env.max_altitude_m))
    return 0.5 * (env.min_altitude_m + env.max_altitude_m)


@pytest.mark.parametrize(
    ("system", "interceptor", "cls", "speed"), CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES]
)
def test_envelope_matches_published_figures(system, interceptor, cls, speed):
    icp = CATALOG.systems[system].interceptors[interceptor]
    env = Envelope.from_catalog(icp, cls)
    h = reference_altitude(env)
    if speed > env.max_target_speed_mps:
        # the speed limit holds: a faster target is never intercepted
        assert max_intercept_range_m(env, h, speed) != max_intercept_range_m(env, h, speed)
        slow = 0.9 * env.max_target_speed_mps
        assert max_intercept_range_m(env, h, slow) > 0
        return
    r = max_intercept_range_m(env, h, speed)
    assert r == pytest.approx(env.max_range_m, rel=0.05), (r, env.max_range_m)
    assert r <= env.max_range_m * 1.0001
    # altitude limits: above the ceiling and below the floor nothing is intercepted
    above = max_intercept_range_m(env, env.max_altitude_m * 1.02 + 10.0, speed)
    assert above != above  # NaN: no intercept
    if env.min_altitude_m > 1.0:
        below = max_intercept_range_m(env, 0.5 * env.min_altitude_m, speed)
        assert below != below
    inside_top = max_intercept_range_m(env, env.max_altitude_m * 0.98, speed)
    assert inside_top > 0
    # a target faster than the limit is never intercepted
    too_fast = max_intercept_range_m(env, h, env.max_target_speed_mps * 1.05)
    assert too_fast != too_fast


def test_every_system_has_cases():
    assert {c[0] for c in CASES} == set(CATALOG.systems)


def test_envelope_command_writes_png_and_svg(tmp_path):
    import xml.etree.ElementTree as ET

    from typer.testing import CliRunner

    from iadsim.cli import app

    result = CliRunner().invoke(
        app, ["catalog", "envelope", "s-400", "--threat", "fateh-313", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "published 60.0 km" in result.output
    png = tmp_path / "s-400_48n6e3_vs_fateh-313.png"
    svg = tmp_path / "s-400_48n6e3_vs_fateh-313.svg"
    assert png.read_bytes()[:4] == b"\x89PNG"
    ET.parse(svg)  # well-formed SVG
    bad = CliRunner().invoke(app, ["catalog", "envelope", "s-400", "--threat", "scud-z"])
    assert bad.exit_code == 2 and "unknown threat 'scud-z'" in bad.output
