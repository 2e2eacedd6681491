"""Parameter sweeps on the depot example: raid size x salvo size."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

import iadsim
from iadsim.analysis.sweep import apply_values, grid, parse_path, parse_values, sweep
from iadsim.cli import app

EXAMPLE = "examples/depot-drone-raid.yaml"
REPS = 60


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep")
    frame = sweep(
        iadsim.load_scenario(EXAMPLE),
        {"raids[0].count": parse_values("2:6:2"), "doctrine.salvo_size": parse_values("1,2")},
        replications=REPS,
        workers=2,
        out_dir=out,
    )
    return out, frame


def test_parse_values_and_paths():
    assert parse_values("2:6:2") == [2, 4, 6]
    assert parse_values("1:3") == [1, 2, 3]
    assert parse_values("1,2.5,true,greedy") == [1, 2.5, True, "greedy"]
    assert parse_path("raids[0].launch_points[1].lat") == ("raids", 0, "launch_points", 1, "lat")
    with pytest.raises(ValueError):
        parse_values("6:2")
    with pytest.raises(ValueError):
        parse_path("raids[x].count")
    assert grid({"a": [1, 2], "b": [3]}) == [{"a": 1, "b": 3}, {"a": 2, "b": 3}]


def test_apply_values_keeps_private_attrs():
    base = iadsim.load_scenario(EXAMPLE)
    s = apply_values(base, {"raids[0].count": 3, "variants[1].doctrine.salvo_size": 2})
    assert s.raids[0].count == 3
    assert s.doctrine_for(s.variant("tor-m2")).salvo_size == 2
    assert s.source_path == base.source_path
    assert s.effective_catalog is base.effective_catalog
    assert base.raids[0].count == 6  # the original is untouched


def test_six_points_rows_and_columns(swept):
    out, frame = swept
    assert len(frame) == 24
    assert sorted(p.name for p in (out / "points").iterdir()) == [
        f"point-{i:05d}" for i in range(6)
    ]
    table = pd.read_parquet(out / "sweep.parquet")
    # 6 points x 2 variants x (drone + all)
    assert len(table) == 24
    for col in (
        "point",
        "raids[0].count",
        "doctrine.salvo_size",
        "variant",
        "threat_class",
        "p_leak",
        "p_leak_lo",
        "p_leak_hi",
        "leakers_mean",
        "leakers_lo",
        "leakers_hi",
        "interceptors_mean",
        "interceptor_cost_mean_usd",
        "acquisition_cost_usd",
    ):
        assert col in table.columns, col
    assert set(table["threat_class"]) == {"drone", "all"}
    assert set(zip(table["raids[0].count"], table["doctrine.salvo_size"], strict=True)) == {
        (c, s) for c in (2, 4, 6) for s in (1, 2)
    }
    assert (
        table["launched_per_rep"][table["threat_class"] == "all"]
        == table["raids[0].count"][table["threat_class"] == "all"]
    ).all()
    assert (out / "saturation.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "points" / "point-00005" / "point.json").exists()


def test_duckdb_views_answer_group_by(swept):
    out, _ = swept
    con = duckdb.connect(str(out / "sweep.duckdb"), read_only=True)
    rows = con.execute(
        """
        SELECT variant, "raids[0].count" AS n, max(leakers_mean)
        FROM sweep WHERE threat_class = 'all' GROUP BY ALL ORDER BY variant, n
        """
    ).fetchall()
    assert [(v, n) for v, n, _ in rows] == [
        (v, n) for v in ("tor-m2", "undefended") for n in (2, 4, 6)
    ]
    per_point = con.execute(
        """
        SELECT point, variant, count(*) / count(DISTINCT replication) AS threats
        FROM threats GROUP BY ALL ORDER BY point, variant
        """
    ).fetchall()
    con.close()
    assert len(per_point) == 12
    assert [t for p, _, t in per_point if p in (0, 1)] == [2, 2, 2, 2]
    assert [t for p, _, t in per_point if p in (4, 5)] == [6, 6, 6, 6]


def test_leakers_grow_with_raid_size_undefended(swept):
    _, frame = swept
    und = frame[
        (frame["variant"] == "undefended")
        & (frame["threat_class"] == "all")
        & (frame["doctrine.salvo_size"] == 1)
    ].sort_values("raids[0].count")
    assert und["raids[0].count"].tolist() == [2, 4, 6]
    lo = und["leakers_lo"].to_numpy()
    hi = und["leakers_hi"].to_numpy()
    # monotone beyond the noise: each interval lies above the previous one
    assert (lo[1:] > hi[:-1]).all(), und[["leakers_lo", "leakers_mean", "leakers_hi"]]
    # salvo size does not matter without a defence (same seed, same draws)
    und2 = frame[
        (frame["variant"] == "undefended")
        & (frame["threat_class"] == "all")
        & (frame["doctrine.salvo_size"] == 2)
    ].sort_values("raids[0].count")
    assert und2["leakers_mean"].tolist() == und["leakers_mean"].tolist()


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("raids[0].cout=2:6:2", "unknown field 'raids[0].cout'"),
        ("raids[5].count=2", "index out of range"),
        ("monte_carlo.seed=1,2", "cannot be swept"),
        ("doctrine.salvo_size=0,1", "greater than or equal to 1"),
        ("doctrine.salvo_size", "expected PATH=VALUES"),
        ("fire_units[0].system=foo", "unknown system 'foo'"),
    ],
)
def test_bad_vary_exits_2(tmp_path, arg, message):
    result = CliRunner().invoke(
        app, ["sweep", EXAMPLE, "--vary", arg, "-n", "5", "--out", str(tmp_path / "s")]
    )
    assert result.exit_code == 2, result.output
    assert f"--vary '{arg}'" in result.output
    assert message in result.output
    assert not (tmp_path / "s").exists()  # nothing ran


def test_cli_sweep_runs(tmp_path):
    out = tmp_path / "s"
    result = CliRunner().invoke(
        app,
        [
            "sweep",
            EXAMPLE,
            "--vary",
            "raids[0].count=1,3",
            "-n",
            "10",
            "--workers",
            "1",
            "--variant",
            "tor-m2",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out / "sweep.parquet")
    assert set(table["variant"]) == {"tor-m2"}
    assert sorted(set(table["raids[0].count"])) == [1, 3]
