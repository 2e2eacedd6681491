"""Where the threat table puts impacts: a failed missile under its track at its last step, a
leaker at its aim point plus its miss, and which asset each impact hits. The table computes a
failure's point once per (threat, step) and keeps it for the process's later chunks; the
oracle here computes each row on its own."""

from __future__ import annotations

import numpy as np
import pytest

import iadsim
from iadsim import geo
from iadsim.engine.prepare import prepare
from iadsim.engine.results import RawChunk, threat_table

# platforms (aircraft), the weapons they release, and decoys, all over one depot
EXAMPLE = "examples/iraq-2019-pmu-depot-strike.yaml"


@pytest.fixture(scope="module")
def prepared():
    return prepare(iadsim.load_scenario(EXAMPLE), "undefended")


def _raw(p, fate, end, east, north, start=0):
    n_rep, n = fate.shape
    zeros = np.zeros((n_rep, n))
    return RawChunk(
        start=start,
        fate=fate.astype(np.int8),
        killer=np.full((n_rep, n), -1, dtype=np.int16),
        intercept_step=np.full((n_rep, n), -1, dtype=np.int32),
        end_step=end.astype(np.int32),
        shots_at=np.zeros((n_rep, n), dtype=np.int16),
        cost_at_usd=zeros,
        miss_east_m=east,
        miss_north_m=north,
        fu_shots=np.zeros((n_rep, len(p.fire_units.name)), dtype=np.int32),
        fu_left=np.zeros((n_rep, len(p.fire_units.name)), dtype=np.int32),
    )


def _hit(p, lat, lon):
    """The asset a point hits, by the definition: the nearest within its radius."""
    best, name = np.inf, None
    for asset in p.assets:
        _, _, d = geo.inverse(asset.lat, asset.lon, lat, lon)
        if float(d) <= asset.radius_m and float(d) < best:
            best, name = float(d), asset.name
    return name


def test_failures_and_leakers_land_where_each_row_says(prepared):
    p = prepared
    th = p.threats
    n = len(th.raid)
    rng = np.random.default_rng(3)
    n_rep = 40
    # failures at random steps of each flight, repeated over replications, and some at the
    # arrival step (over the depot); the rest leak with a random miss
    launch, impact = th.launch_step[None, :], th.impact_step[None, :]
    end = rng.integers(launch, impact + 1, size=(n_rep, n))
    end[::3] = impact[0]
    fate = np.where(rng.random((n_rep, n)) < 0.6, 3, 2)
    east = np.where(fate == 2, rng.normal(0, 400, (n_rep, n)), 0.0)
    north = np.where(fate == 2, rng.normal(0, 400, (n_rep, n)), 0.0)
    # in two chunks: the second meets (threat, step) keys the first computed, and new ones
    half = n_rep // 2
    p.memo.clear()
    table = {
        key: first + second
        for (key, first), second in zip(
            threat_table(p, _raw(p, fate[:half], end[:half], east[:half], north[:half]))
            .to_pydict()
            .items(),
            threat_table(p, _raw(p, fate[half:], end[half:], east[half:], north[half:], start=half))
            .to_pydict()
            .values(),
            strict=True,
        )
    }

    hits_of = {"decoy": 0, "platform": 0, "weapon": 0}
    for i in range(n_rep * n):
        r, j = divmod(i, n)
        role = th.role[j]
        if fate[r, j] == 3:
            lat = th.lat.at(np.array([j]), np.array([end[r, j]]))[0]
            lon = th.lon.at(np.array([j]), np.array([end[r, j]]))[0]
            _, _, d = geo.inverse(th.aim_lat[j], th.aim_lon[j], lat, lon)
        else:
            az = np.degrees(np.arctan2(east[r, j], north[r, j]))
            d = np.hypot(east[r, j], north[r, j])
            lat, lon = geo.forward(th.aim_lat[j], th.aim_lon[j], az, d)
        assert table["impact_lat"][i] == float(lat) and table["impact_lon"][i] == float(lon)
        assert table["miss_distance_m"][i] == float(d)
        # a platform's arrival is its return home and a decoy does no damage: never a hit
        expected = None if role in ("platform", "decoy") else _hit(p, lat, lon)
        assert table["asset_hit"][i] == expected, (r, j, role)
        if _hit(p, lat, lon) is not None:
            hits_of[role] += 1
    # the test reaches the rules: weapons and decoys land on the depot (a platform's flight
    # ends back at its base)
    assert hits_of["weapon"] > 0 and hits_of["decoy"] > 0, hits_of


def test_parquet_keeps_the_statistics_a_filter_uses(prepared, tmp_path):
    """Row groups (one per chunk) can be skipped by replication, the one column whose range
    tells them apart; the others carry no statistics (they cost the writer time and skip
    nothing), and impact points are written without a dictionary."""
    import pyarrow.parquet as pq

    from iadsim.engine.results import ParquetSink

    p = prepared
    n = len(p.threats.raid)
    shape = (3, n)
    raw = _raw(p, np.full(shape, 2), np.zeros(shape), np.zeros(shape), np.zeros(shape))
    sink = ParquetSink(tmp_path)
    sink.write("threats", threat_table(p, raw))
    sink.close()
    group = pq.ParquetFile(tmp_path / "threats.parquet").metadata.row_group(0)
    stats = {group.column(i).path_in_schema: group.column(i) for i in range(group.num_columns)}
    assert stats["replication"].is_stats_set and stats["replication"].statistics.max == 2
    unkeyed = [k for k, c in stats.items() if k != "replication" and c.is_stats_set]
    assert unkeyed == []
    assert "RLE_DICTIONARY" not in stats["impact_lat"].encodings
    assert "RLE_DICTIONARY" in stats["intercept_lat"].encodings


def test_the_kept_fall_points_follow_the_assets(prepared):
    """A copy of the prepared inputs shares their memo (dataclasses.replace passes it on);
    with other assets, a failure over the depot hits nothing, though the memo knew it as a hit."""
    import dataclasses

    p = prepared
    th = p.threats
    n = len(th.raid)
    fate, end = np.full((2, n), 3), np.tile(th.impact_step, (2, 1))
    zeros = np.zeros((2, n))
    hits = threat_table(p, _raw(p, fate, end, zeros, zeros)).column("asset_hit").to_pylist()
    assert any(h is not None for h in hits)
    moved = dataclasses.replace(p, assets=[])
    assert moved.memo is p.memo
    none = threat_table(moved, _raw(moved, fate, end, zeros, zeros)).column("asset_hit")
    assert none.null_count == len(none)


def test_asset_hits_equal_the_nearest_asset_by_geodesic(prepared):
    """The spherical bounds only spare geodesics: against the definition (the nearest asset
    by WGS84 geodesic within its radius), on assets that overlap and points placed just
    inside and just outside their edges, north-south and east-west, near and far."""
    import dataclasses

    from iadsim.engine.results import _asset_hit

    rng = np.random.default_rng(11)
    base = prepared.assets[0]
    centres = [(33.0, 44.0), (33.004, 44.0), (33.0, 44.03), (60.0, 10.0), (0.5, -70.0)]
    assets = [
        base.model_copy(update={"name": f"a{i}", "lat": la, "lon": lo, "radius_m": r})
        for i, ((la, lo), r) in enumerate(
            zip(centres, [600.0, 900.0, 50.0, 2000.0, 1.0], strict=True)
        )
    ]
    p = dataclasses.replace(prepared, assets=assets, memo={})
    lats, lons = [], []
    for a in assets:
        az = rng.uniform(0, 360, 400)
        az[:4] = [0.0, 90.0, 180.0, 270.0]
        # at the edge to within millimetres, well inside, just outside, and far out
        d = a.radius_m * np.concatenate(
            [
                1 + rng.normal(0, 1e-9, 100),
                rng.uniform(0, 1, 100),
                1 + rng.uniform(0, 0.02, 100),
                rng.uniform(1, 40, 100),
            ]
        )
        la, lo = geo.forward(np.full(400, a.lat), np.full(400, a.lon), az, d)
        lats.append(la)
        lons.append(lo)
    lat, lon = np.concatenate(lats), np.concatenate(lons)
    got = _asset_hit(p, lat, lon)
    want = [_hit(p, la, lo) for la, lo in zip(lat, lon, strict=True)]
    names = [a.name for a in assets]
    assert [names[c] if c >= 0 else None for c in got] == want
    assert {w for w in want if w} == set(names)  # every asset hit somewhere
