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
    per = _per_threat(p)
    rep = np.repeat(np.arange(raw.start, raw.start + n_rep, dtype=np.int64), n_thr)
    threat = np.tile(np.arange(n_thr, dtype=np.int32), n_rep)
    fate = raw.fate.ravel().astype(np.int32)
    end = raw.end_step.ravel().astype(np.int64)
    killed = fate == 1
    leaked = fate == 2
    failed = fate == 3

    # where killed: the intercept's time and point on the track (NaN elsewhere)
    ic_time, ic_lat, ic_lon, ic_alt = (np.full(fate.shape, np.nan) for _ in range(4))
    rows = np.flatnonzero(killed)
    ic_step = raw.intercept_step.ravel()[rows].astype(np.int64)
    ic_time[rows] = ic_step * p.dt_s
    ic_lat[rows], ic_lon[rows] = th.lat.at(threat[rows], ic_step), th.lon.at(threat[rows], ic_step)
    ic_alt[rows] = th.alt.at(threat[rows], ic_step)

    # impact point: leakers miss their aim point by the CEP draw; failed missiles fall where
    # they failed (the ground under the track at the failure step); killed ones do not land
    role_code = per["role"][threat]
    # a platform's arrival is its return to its launch point, and a decoy does no damage:
    # neither is an impact (issue 11)
    lands = (role_code != 1) & (role_code != 3)

    # geodesics only for the rows that land (most threats of a defended raid do not)
    impact_lat, impact_lon = np.full(fate.shape, np.nan), np.full(fate.shape, np.nan)
    miss_distance = np.full(fate.shape, np.nan)
    hit_code = np.full(fate.shape, -1, dtype=np.int32)
    if leaked.any():
        rows = np.flatnonzero(leaked)
        east, north = raw.miss_east_m.ravel()[rows], raw.miss_north_m.ravel()[rows]
        miss = np.hypot(east, north)
        az = np.degrees(np.arctan2(east, north))
        miss_distance[rows] = miss
        j = threat[rows]
        impact_lat[rows], impact_lon[rows] = geo.forward(th.aim_lat[j], th.aim_lon[j], az, miss)
        rows = rows[lands[rows]]
        hit_code[rows] = _asset_hit(p, impact_lat[rows], impact_lon[rows])
    if failed.any():
        rows = np.flatnonzero(failed)
        lat, lon, d, code = _fall_points(p, threat[rows], end[rows])
        impact_lat[rows], impact_lon[rows], miss_distance[rows] = lat, lon, d
        hit_code[rows] = np.where(lands[rows], code, -1)

    return arrow.table(
        {
            "replication": rep,
            "threat": threat,
            "raid": arrow.dictionary(per["raid"][threat], per["raid_names"]),
            "threat_type": arrow.dictionary(per["type"][threat], per["type_names"]),
            "threat_class": arrow.dictionary(per["class"][threat], per["class_names"]),
            "fate": arrow.dictionary(fate, list(FATES)),
            "killer": arrow.dictionary(raw.killer.ravel(), p.fire_units.name),
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
            "role": arrow.dictionary(role_code, ROLES),
            "parent": per["parent"][threat],
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


ROLES = ["threat", "platform", "weapon", "decoy"]


def _per_threat(p: Prepared) -> dict:
    """Per-threat codes of the string columns (sorted names) and the parent column."""
    th = p.threats

    def make() -> dict:
        n = th.launch_step.shape[0]
        out = {}
        for key, values in (
            ("raid", th.raid),
            ("type", th.threat_type),
            ("class", th.threat_class),
        ):
            names = sorted(set(values))
            out[key + "_names"] = names
            out[key] = np.array([names.index(v) for v in values], dtype=np.int32)
        out["role"] = np.array([ROLES.index(r) for r in th.role or ["threat"] * n], dtype=np.int32)
        out["parent"] = (
            th.parent.astype(np.int32)
            if th.parent.shape[0] == n
            else np.full(n, -1, dtype=np.int32)
        )
        return out

    inputs = (th, th.raid, th.threat_type, th.threat_class, th.role, th.parent)
    return p.memoized("per_threat", inputs, make)


class _Falls:
    """Where failed threats fall, per (threat, step) key: the point under the track, its
    geodesic distance from the aim point and the asset it hits. A failure's (threat, step)
    recurs over the replications, so each key is computed once a process, not once a chunk.
    The keys are held sorted, with their values beside them."""

    def __init__(self) -> None:
        self.keys = np.zeros(0, dtype=np.int64)
        self.d = np.zeros(0)
        self.code = np.zeros(0, dtype=np.int32)

    def get(self, p: Prepared, keys: np.ndarray):
        """(distance, asset code) of the sorted unique ``keys`` (threat x n_steps + step)."""
        th = p.threats
        pos = np.minimum(np.searchsorted(self.keys, keys), max(self.keys.shape[0] - 1, 0))
        known = (self.keys[pos] == keys) if self.keys.shape[0] else np.zeros(keys.shape, bool)
        new = keys[~known]
        if new.shape[0]:
            n_steps = np.int64(th.lat.shape[1])
            j, k = new // n_steps, new % n_steps
            lat, lon = th.lat.at(j, k), th.lon.at(j, k)
            _, _, d = geo.inverse(th.aim_lat[j], th.aim_lon[j], lat, lon)
            order = np.argsort(np.concatenate([self.keys, new]), kind="stable")
            self.keys = np.concatenate([self.keys, new])[order]
            self.d = np.concatenate([self.d, d])[order]
            self.code = np.concatenate([self.code, _asset_hit(p, lat, lon)])[order]
        at = np.searchsorted(self.keys, keys)
        return self.d[at], self.code[at]


def _fall_points(p: Prepared, threat: np.ndarray, end: np.ndarray):
    """(lat, lon, distance from the aim point, asset hit) of failed threats ``threat`` whose
    flights ended at steps ``end``: the ground under the track at its last step."""
    th = p.threats
    n_steps = np.int64(th.lat.shape[1])
    pair, at_pair = np.unique(
        threat.astype(np.int64) * n_steps + np.clip(end, 0, n_steps - 1), return_inverse=True
    )
    j, k = pair // n_steps, pair % n_steps
    lat_u, lon_u = th.lat.at(j, k), th.lon.at(j, k)
    inputs = (th, th.lat, th.lon, th.aim_lat, th.aim_lon, *p.assets)
    d_u, code_u = p.memoized("falls", inputs, _Falls).get(p, pair)
    return lat_u[at_pair], lon_u[at_pair], d_u[at_pair], code_u[at_pair]


def _asset_hit(p: Prepared, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """The defended asset each impact point hits (the nearest within its radius), or -1.

    WGS84 geodesics only where a spherical bound leaves the answer open: the haversine
    distance is within 1% of the geodesic (:func:`iadsim.geo.spherical_m`), so a point whose
    spherical distance is past ``1.01 R + 1 km`` is outside an asset of radius R (the margin of
    :func:`iadsim.geo.near`), and one within ``(R - 1 m) / 1.01`` is inside. A point inside
    one asset for sure and possibly inside no other hits that one, geodesic or not."""
    code = np.full(lat.shape, -1, dtype=np.int32)
    if not (lat.size and p.assets):
        return code
    sphere = np.stack([geo.spherical_m(a.lat, a.lon, lat, lon) for a in p.assets])
    radius = np.array([a.radius_m for a in p.assets])[:, None]
    maybe = sphere <= radius * 1.01 + 1000.0
    alone = (sphere * 1.01 <= radius - 1.0) & (maybe.sum(axis=0) == 1)
    settled = alone.any(axis=0)
    code[settled] = np.argmax(alone[:, settled], axis=0)
    best = np.full(lat.shape, np.inf)
    for a_idx, asset in enumerate(p.assets):
        idx = np.flatnonzero(maybe[a_idx] & ~settled)
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


#: Columns whose values are mostly distinct from row to row (written without a dictionary).
_OWN_VALUES = ("impact_lat", "impact_lon", "miss_distance_m")


class ParquetSink:
    """Streams chunk tables into two Parquet files (one row group per chunk)."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._writers: dict[str, pq.ParquetWriter] = {}

    def write(self, name: str, table: pa.Table) -> None:
        writer = self._writers.get(name)
        if writer is None:
            # min/max statistics only where they can skip a row group: a row group is a
            # chunk, a range of replications, and holds every threat and (over its thousand
            # or so replications) nearly every category of a string column, so only the
            # replication's range tells row groups apart. The others' took an eighth of the
            # writer's time (Al Asad, 2,000 replications a chunk), the floating-point
            # columns' a quarter.
            writer = pq.ParquetWriter(
                self.directory / f"{name}.parquet",
                table.schema,
                compression="zstd",
                write_statistics=["replication"],
                # a leaker's impact point and miss are its own: a dictionary of them only
                # costs time (a fifth of April-2024-scale's writing) and bytes
                use_dictionary=[f.name for f in table.schema if f.name not in _OWN_VALUES],
            )
            self._writers[name] = writer
        writer.write_table(table)

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
