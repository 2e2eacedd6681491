"""Plan files: line-numbered errors, exit status 2, cross-checks against the catalog."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from iadsim.cli import app
from iadsim.errors import InputError
from iadsim.planning.schema import load_plan


def _write(tmp_path, text):
    p = tmp_path / "p.yaml"
    p.write_text(text)
    return p


def test_tiny_plan_is_valid(tiny_plan):
    plan = load_plan(tiny_plan)
    assert [m.name for m in plan.all_mixes()] == ["tor-only", "buk-tor"]
    assert plan.terrain.az_step_deg == 1.0


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("system: tor-m2,", "system: tor-m9,", "menu[0].system: unknown system 'tor-m9'"),
        ("cell_km: 6", "cell_km: -6", "cell_km:"),
        ("items: [tor]}", "items: [tro]}", "mixes[0].items[0]: unknown menu item 'tro'"),
        ("aim: baghdad", "aim: basra", "raids[0].aim: unknown asset 'basra'"),
        ("target: {threat: soumar}", "target: {threat: soumar, colour: red}", "target.colour"),
        ("layer_weights: [1.0, 0.5]", "layer_weights: [0.5, 1.0]", "objective"),
    ],
)
def test_errors_point_at_the_field(tiny_plan, old, new, where):
    text = tiny_plan.read_text()
    assert old in text
    bad = tiny_plan.with_name("bad.yaml")
    bad.write_text(text.replace(old, new))
    with pytest.raises(InputError) as exc:
        load_plan(bad)
    msg = str(exc.value)
    assert where in msg
    line = next(i for i, t in enumerate(bad.read_text().splitlines(), 1) if new.split(":")[0] in t)
    assert f"bad.yaml:{line}:" in msg or "objective" in where


def test_cli_bad_plan_exits_2_without_traceback(tiny_plan):
    bad = tiny_plan.with_name("bad.yaml")
    bad.write_text(tiny_plan.read_text().replace("budgets_usd:", "budgets:"))
    r = CliRunner().invoke(app, ["plan", str(bad)])
    assert r.exit_code == 2
    assert "Traceback" not in r.output
    assert "bad.yaml:" in r.output and "budgets" in r.output


def test_plan_unknown_region_points_at_its_line(tiny_plan):
    bad = tiny_plan.with_name("bad-region.yaml")
    bad.write_text(tiny_plan.read_text().replace("region: square.geojson", "region: atlantis"))
    r = CliRunner().invoke(app, ["plan", str(bad)])
    assert r.exit_code == 2
    assert f"{bad}:3:9: region: unknown region 'atlantis'" in r.output, r.output
    assert "Traceback" not in r.output


def test_cli_unknown_region_exits_2(tiny_plan, tmp_path):
    r = CliRunner().invoke(
        app,
        [
            "coverage",
            "examples/iraq-2020-al-asad.yaml",
            "--region",
            "atlantis",
            "--rcs-m2",
            "1",
            "--out",
            str(tmp_path / "c"),
        ],
    )
    assert r.exit_code == 2
    assert "unknown region 'atlantis'" in r.output and "Iraq" in r.output


@pytest.mark.parametrize("name", ["plan-iraq.yaml", "plan-iraq-sky.yaml"])
def test_example_plans_validate(name):
    plan = load_plan(f"examples/{name}")
    assert plan.region == "iraq"
    assert {a.name for a in plan.assets} >= {"baghdad", "balad", "al-asad", "erbil", "basra"}
    r = CliRunner().invoke(app, ["validate", f"examples/{name}"])
    assert r.exit_code == 2  # a plan is not a scenario: the scenario validator says so
