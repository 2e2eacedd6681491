"""Turn a chunk of raw kernel outputs into Arrow tables (one row per replication x threat, one per
replication x fire unit), and write them atomically as Parquet.

Column meanings are documented in docs/results.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from iadsim import geo
from iadsim.engine import arrow
from iadsim.engine.prepare import Prepared

FATES = ("pending", "killed", "leaked", "failed", "not_released")


@dataclass
class RawChunk:
    """Kernel outputs for replications ``start .. start + n - 1``."""

    start: int
    fate: np.ndarray  # (n, N) int8
    killer: np.ndarray  # (n, N) int16
    intercept_step: np.ndarray  # (n, N) int32
    end_step: np.ndarray  # (n, N) int32
    shots_at: np.ndarray  # (n, N) int16
    cost_at_usd: np.ndarray  # (n, N) float: cost of the interceptors fired at each threat
    miss_east_m: np.ndarray  # (n, N)
    miss_north_m: np.ndarray  # (n, N)
    fu_shots: np.ndarray  # (n, F) int32
    fu_left: np.ndarray  # (n, F) int32
    tracks_refused: np.ndarray | None = None  # (n, N) int32
    # issue 12: never engaged because predicted to miss every asset
    held_predicted_miss: np.ndarray | None = None  # (n, N) bool


def threat_table(p: Prepared, raw: RawChunk) -> pa.Table:
    """One row per replication x threat."""
    th = p.threats
    n_rep, n_thr = raw.fate.shape
    rep = np.repeat(np.arange(raw.start, raw.start + n_rep, dtype=np.int64), n_thr)
    threat = np.tile(np.arange(n_thr, dtype=np.int32), n_rep)
    fate = raw.fate.ravel().astype(np.int32)
    killer = raw.killer.ravel().astype(np.int32)
    ic_step = raw.intercept_step.ravel().astype(np.int64)
    end = raw.end_step.ravel().astype(np.int64)
    killed = fate == 1
    leaked = fate == 2
    failed = fate == 3

    ic_time = np.where(killed, ic_step * p.dt_s, np.nan)
    safe_ic = np.where(killed, ic_step, 0)
    ic_lat = np.where(killed, th.lat.at(threat, safe_ic), np.nan)
    ic_lon = np.where(killed, th.lon.at(threat, safe_ic), np.nan)
    ic_alt = np.where(killed, th.alt.at(threat, safe_ic), np.nan)

    # impact point: leakers miss their aim point by the CEP draw; failed missiles fall where
    # they failed (the ground under the track at the failure step); killed ones do not land
    east = raw.miss_east_m.ravel()
    north = raw.miss_north_m.ravel()
    miss = np.hypot(east, north)
    az = np.degrees(np.arctan2(east, north))
    aim_lat = th.aim_lat[threat]
    aim_lon = th.aim_lon[threat]
    roles = th.role or ["threat"] * n_thr
    role_names = ["threat", "platform", "weapon", "decoy"]
    role_code = np.array([role_names.index(r) for r in roles], dtype=np.int32)[threat]
    # a platform's arrival is its return to its launch point, and a decoy does no damage:
    # neither is an impact (issue 11)
    lands = (role_code != 1) & (role_code != 3)

    # geodesics only for the rows that land (most threats of a defended raid do not)
    impact_lat, impact_lon = np.full(fate.shape, np.nan), np.full(fate.shape, np.nan)
    miss_distance = np.where(leaked, miss, np.nan)
    hit_code = np.full(fate.shape, -1, dtype=np.int32)
    if leaked.any():
        impact_lat[leaked], impact_lon[leaked] = geo.forward(
            aim_lat[leaked], aim_lon[leaked], az[leaked], miss[leaked]
        )
        rows = np.flatnonzero(leaked & lands)
        hit_code[rows] = _asset_hit(p, impact_lat[rows], impact_lon[rows])
    if failed.any():
        # a failed missile falls under its track at its last step: a function of (threat,
        # step), which repeat over the replications, so each pair's point is computed once
        rows = np.flatnonzero(failed)
        n_steps = np.int64(th.lat.shape[1])
        pair, at_pair = np.unique(
            threat[rows] * n_steps + np.clip(end[rows], 0, n_steps - 1), return_inverse=True
        )
        j, k = pair // n_steps, pair % n_steps
        lat_u, lon_u = th.lat.at(j, k), th.lon.at(j, k)
        _, _, d_u = geo.inverse(th.aim_lat[j], th.aim_lon[j], lat_u, lon_u)
        impact_lat[rows], impact_lon[rows] = lat_u[at_pair], lon_u[at_pair]
        miss_distance[rows] = d_u[at_pair]
        code_u = _asset_hit(p, lat_u, lon_u)
        hit_code[rows] = np.where(lands[rows], code_u[at_pair], -1)

    raid_names = sorted(set(th.raid))
    type_names = sorted(set(th.threat_type))
    class_names = sorted(set(th.threat_class))
    raid_code = np.array([raid_names.index(r) for r in th.raid], dtype=np.int32)[threat]
    type_code = np.array([type_names.index(r) for r in th.threat_type], dtype=np.int32)[threat]
    class_code = np.array([class_names.index(r) for r in th.threat_class], dtype=np.int32)[threat]
    return arrow.table(
        {
            "replication": rep,
            "threat": threat,
            "raid": arrow.dictionary(raid_code, raid_names),
            "threat_type": arrow.dictionary(type_code, type_names),
            "threat_class": arrow.dictionary(class_code, class_names),
            "fate": arrow.dictionary(fate, list(FATES)),
            "killer": arrow.dictionary(killer, p.fire_units.name),
            "shots_at": raw.shots_at.ravel().astype(np.int16),
            "interceptor_cost_usd": raw.cost_at_usd.ravel(),
            "intercept_time_s": ic_time,
            "intercept_lat": ic_lat,
            "intercept_lon": ic_lon,
            "intercept_alt_m": ic_alt,
            "end_time_s": np.where(end >= 0, end * p.dt_s, np.nan),
            "impact_lat": impact_lat,
            "impact_lon": impact_lon,
            "miss_distance_m": miss_distance,
            "asset_hit": arrow.dictionary(hit_code, [a.name for a in p.assets]),
            # issue 11: threat, platform (an aircraft that releases weapons) or weapon, and a
            # weapon's platform (its threat number)
            "role": arrow.dictionary(role_code, role_names),
            "parent": (
                th.parent[threat].astype(np.int32)
                if th.parent.shape[0] == n_thr
                else np.full(fate.shape, -1, dtype=np.int32)
            ),
            # issue 13: fired at and not failed in flight (the per-engaged leakage denominator)
            "engaged": (raw.shots_at.ravel() > 0) & ~failed,
            # confirmations a full radar refused (issue 10 A6; docs/models/engine.md)
            "tracks_refused": (
                raw.tracks_refused.ravel().astype(np.int16)
                if raw.tracks_refused is not None
                else np.zeros(fate.shape, dtype=np.int16)
            ),
            # issue 12: held fire because predicted to miss (docs/models/tracking.md)
            "held_predicted_miss": (
                raw.held_predicted_miss.ravel()
                if raw.held_predicted_miss is not None
                else np.zeros(fate.shape, dtype=bool)
            ),
        }
    )


def _asset_hit(p: Prepared, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """The defended asset each impact point hits (the nearest within its radius), or -1."""
    code = np.full(lat.shape, -1, dtype=np.int32)
    best = np.full(lat.shape, np.inf)
    for a_idx, asset in enumerate(p.assets if lat.size else []):
        # geodesics only for impacts a conservative spherical bound leaves near the asset
        idx = np.flatnonzero(geo.near(asset.lat, asset.lon, lat, lon, asset.radius_m))
        _, _, d = geo.inverse(asset.lat, asset.lon, lat[idx], lon[idx])
        inside = (d <= asset.radius_m) & (d < best[idx])
        code[idx[inside]] = a_idx
        best[idx[inside]] = d[inside]
    return code


def fire_unit_table(p: Prepared, raw: RawChunk) -> pa.Table:
    """One row per replication x fire unit."""
    fu = p.fire_units
    n_rep, n_fu = raw.fu_shots.shape
    rep = np.repeat(np.arange(raw.start, raw.start + n_rep, dtype=np.int64), n_fu)
    idx = np.tile(np.arange(n_fu, dtype=np.int32), n_rep)
    shots = raw.fu_shots.ravel().astype(np.int32)
    return arrow.table(
        {
            "replication": rep,
            "fire_unit": arrow.dictionary(idx, fu.name),
            "system": arrow.dictionary(idx, fu.system),
            "interceptor": arrow.dictionary(idx, fu.interceptor),
            "shots": shots,
            "interceptors_left": raw.fu_left.ravel().astype(np.int32),
            "interceptor_cost_usd": shots * fu.interceptor_cost_usd[idx] if n_fu else np.zeros(0),
        }
    )


class ParquetSink:
    """Streams chunk tables into two Parquet files (one row group per chunk)."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._writers: dict[str, pq.ParquetWriter] = {}

    def write(self, name: str, table: pa.Table) -> None:
        writer = self._writers.get(name)
        if writer is None:
            # min/max statistics only where a filter may use them: the floating-point columns'
            # (coordinates, times, costs) took a quarter of the writer's time
            keyed = [f.name for f in table.schema if not pa.types.is_floating(f.type)]
            writer = pq.ParquetWriter(
                self.directory / f"{name}.parquet",
                table.schema,
                compression="zstd",
                write_statistics=keyed,
            )
            self._writers[name] = writer
        writer.write_table(table)

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
