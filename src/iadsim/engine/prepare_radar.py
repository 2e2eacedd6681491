"""Per-radar preparation: where each radar stands, its terrain table, and which threat samples
it sees with what detection probability (range equation, horizon or terrain, sector and
elevation limits, instrumented range), gathered into the kernel's sparse (radar, threat)
tables. Part of :func:`iadsim.engine.prepare.prepare`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iadsim import geo
from iadsim.catalog import Catalog
from iadsim.engine.sparse import PairSteps
from iadsim.scenario.loader import effective_sector_width_deg
from iadsim.sensors.radar import (
    detection_probability,
    elevation_angle_deg,
    min_visible_height_m,
    slant_range_m,
)


def _in_sector(az_deg, center_deg: float, width_deg: float) -> np.ndarray:
    if width_deg >= 360.0:
        return np.ones(np.shape(az_deg), dtype=bool)
    diff = (az_deg - center_deg + 180.0) % 360.0 - 180.0
    return np.abs(diff) <= width_deg / 2.0


@dataclass
class _RadarSite:
    name: str
    lat: float
    lon: float
    spec: object
    owner: int
    networked: bool
    sector_center_deg: float
    sector_width_deg: float


def radar_sites(fire_units, sensors, catalog: Catalog) -> list[_RadarSite]:
    """Every radar of a defence: each fire unit's fire-control radar (in fire-unit order),
    then the stand-alone sensors."""
    sites = []
    for i, fu in enumerate(fire_units):
        system = catalog.systems[fu.system]
        radar = system.fire_unit.fire_control_radar
        spec = system.radars[radar]
        width = effective_sector_width_deg(spec, fu.sector_width_deg)
        sites.append(
            _RadarSite(
                f"{fu.name}/{radar}",
                fu.lat,
                fu.lon,
                spec,
                i,
                fu.networked,
                fu.sector_center_deg,
                width,
            )
        )
    for s in sensors:
        spec = catalog.systems[s.system].radars[s.radar]
        width = effective_sector_width_deg(spec, s.sector_width_deg)
        sites.append(
            _RadarSite(s.name, s.lat, s.lon, spec, -1, s.networked, s.sector_center_deg, width)
        )
    return sites


_TABLES: dict = {}


def build_site_table(
    dem, site: _RadarSite, k_factor: float, az_step_deg: float, range_step_m: float
):
    """The terrain table of a radar site, uncached (:func:`site_table` keeps it per process;
    the planner, which builds thousands, does not)."""
    from iadsim.terrain import coverage_table

    spec = site.spec
    return coverage_table(
        dem,
        site.lat,
        site.lon,
        spec.antenna_height_m.si(),
        spec.instrumented_range_km.si(),
        az_step_deg,
        range_step_m,
        k_factor,
        site_name=site.name,
    )


def line_of_sight(site, table, k_factor: float, az_deg, ground_range_m, h_agl_m, alt_m):
    """Whether a radar site sees targets at these azimuths and ground ranges, and the radar's
    height [m] to measure their slant range from (``slant_range_m``).

    Without a terrain ``table`` the earth is smooth: a target at altitude ``alt_m`` is seen
    above ``min_visible_height_m`` (the refracted horizon). With one, a target ``h_agl_m``
    above its ground is seen above the table's minimum visible height there, and the radar
    stands on its own ground (``table.radar_alt_m``). The engine, the route planner and the
    jamming geometry all use this one rule."""
    if table is None:
        h_r = site.spec.antenna_height_m.si()
        return alt_m >= min_visible_height_m(ground_range_m, h_r, k_factor), h_r
    return h_agl_m >= table.min_visible_agl_m(az_deg, ground_range_m), table.radar_alt_m


#: Radius of the disc around each asset of the coverage shares (run.json). [m]
COVERAGE_RADIUS_M = 50_000.0


def site_table(dem, site: _RadarSite, k_factor: float, az_step_deg: float, range_step_m: float):
    """The terrain coverage table of a radar site (cached per process: variants share them)."""
    spec = site.spec
    key = (
        dem.name,
        site.lat,
        site.lon,
        spec.antenna_height_m.si(),
        spec.instrumented_range_km.si(),
        k_factor,
        az_step_deg,
        range_step_m,
    )
    table = _TABLES.get(key)
    if table is None:
        table = build_site_table(dem, site, k_factor, az_step_deg, range_step_m)
        # a few in memory (variants of one scenario share sites); the disk cache has the rest
        if len(_TABLES) >= 4:
            _TABLES.pop(next(iter(_TABLES)))
        _TABLES[key] = table
    return table


@dataclass(frozen=True)
class SamplePositions:
    """The distinct (lat, lon) of the threat samples, and each sample's among them.

    The threats of a raid fly one path at different times, so the samples repeat few positions
    (April-2024-scale: 2.07 million samples at 47,650 distinct positions). The geodesics and
    the range filter are functions of the position alone, so computing them once per distinct
    position gives every sample the very same numbers."""

    lat: np.ndarray
    lon: np.ndarray
    index: np.ndarray  # per sample (flat), its position

    @classmethod
    def of(cls, lat: np.ndarray, lon: np.ndarray) -> SamplePositions:
        """The positions in (lat, lon) order, as ``np.unique`` of the pairs gives them. One
        indirect sort by both keys: six times faster than sorting them as one complex key."""
        lat, lon = lat.ravel(), lon.ravel()
        order = np.lexsort((lon, lat))
        lat_s, lon_s = lat[order], lon[order]
        first = np.ones(lat.size, dtype=bool)  # where a new position starts in the sort
        first[1:] = (lat_s[1:] != lat_s[:-1]) | (lon_s[1:] != lon_s[:-1])
        index = np.empty(lat.size, dtype=np.int64)
        index[order] = np.cumsum(first) - 1
        return cls(lat_s[first], lon_s[first], index)


@dataclass(frozen=True)
class Flights:
    """The distinct flights of the threats: a threat's samples are its flight's, at its own
    steps. What a radar sees of a sample (line of sight, slant range, azimuth) depends on the
    sample alone, so it is found once per flight sample and spread to the threats that fly it
    (April-2024-scale: 331 threats on 16 flights)."""

    offsets: np.ndarray  # (F + 1,) each flight's samples in the arrays below
    row: np.ndarray  # (N,) each threat's flight
    row_offsets: np.ndarray  # (N + 1,) each threat's samples among all (Ragged offsets)
    positions: SamplePositions  # of the flight samples (``index``: per flight sample)
    alt: np.ndarray  # per flight sample [m]
    height_agl: np.ndarray  # per flight sample [m]

    @classmethod
    def each_threat(cls, threats) -> Flights:
        """Every threat its own flight."""
        offsets = threats.lat.offsets
        row = np.arange(offsets.shape[0] - 1, dtype=np.int64)
        positions = SamplePositions.of(threats.lat.values, threats.lon.values)
        return cls(offsets, row, offsets, positions, threats.alt.values, threats.height_agl.values)

    def spread(self, fl_sample: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For the (ascending) flight samples ``fl_sample``, the same samples of every threat:
        (flat sample index, ascending; its threat; its place in ``fl_sample``)."""
        n_fl = self.offsets.shape[0] - 1
        flight = np.searchsorted(self.offsets, fl_sample, side="right") - 1
        count = np.bincount(flight, minlength=n_fl)
        first = np.cumsum(count) - count  # a flight's first place in fl_sample
        per_row = count[self.row]
        row = np.repeat(np.arange(self.row.shape[0]), per_row)
        k = np.arange(row.shape[0]) - np.repeat(np.cumsum(per_row) - per_row, per_row)
        src = first[self.row[row]] + k
        sample = self.row_offsets[row] + (fl_sample[src] - self.offsets[self.row[row]])
        return sample, row, src


def radar_coverage(
    site: _RadarSite,
    threats,
    k_factor: float,
    table=None,
    flights: Flights | None = None,
) -> dict:
    """Detection probability of every threat sample one radar can see.

    Without a terrain ``table`` the earth is smooth: a target is in line of sight above
    ``min_visible_height_m`` (the 4/3-earth horizon). With one, above the table's minimum
    visible height over the terrain at that azimuth and range. Pd is that of the slant range.
    ``flights`` (:class:`Flights`, shared by the radars of a variant, with the distinct
    positions of their samples) is made here when not given, every threat its own flight.

    Returns a dict of arrays over the seen samples only: ``sample`` (flat sample index of
    ``threats.lat.values``), ``pd`` (float32), ``slant_m`` and ``az_deg``.
    """
    spec = site.spec
    if flights is None:
        flights = Flights.each_threat(threats)
    positions = flights.positions
    max_range = spec.instrumented_range_km.si()
    near = np.flatnonzero(geo.near(site.lat, site.lon, positions.lat, positions.lon, max_range))
    at = np.full(positions.lat.size, -1, dtype=np.int64)  # a near position's place in `near`
    at[near] = np.arange(near.size)
    cand = np.flatnonzero(at[positions.index] >= 0)  # flight samples near enough
    az_u, _, ground_u = geo.inverse(site.lat, site.lon, positions.lat[near], positions.lon[near])
    az_u, ground_u = np.asarray(az_u).reshape(-1), np.asarray(ground_u).reshape(-1)
    # in blocks of samples: a long-range radar's candidates are millions, and a dozen
    # temporaries of their size made the peak memory of a large raid's prepare
    blocks = []
    for c in np.array_split(cand, max(1, -(-cand.size // COVERAGE_BLOCK))):
        u = at[positions.index[c]]  # each candidate's place among the near positions
        h_agl, h_target = flights.height_agl[c], flights.alt[c]
        seen, rng, az = _seen_block(site, table, k_factor, h_agl, h_target, az_u[u], ground_u[u])
        blocks.append((c[seen], rng, az))
    fl_seen = np.concatenate([b[0] for b in blocks])
    sample, row, src = flights.spread(fl_seen)
    rng_seen = np.concatenate([b[1] for b in blocks])[src]
    az_seen = np.concatenate([b[2] for b in blocks])[src]
    rcs = threats.rcs_m2[row] if sample.size else np.zeros(0)
    p = detection_probability(
        rng_seen,
        rcs,
        spec.reference_range_km.si(),
        spec.reference_rcs_m2.si(),
        spec.reference_pd.si(),
        spec.reference_pfa.si(),
    )
    return {
        "sample": sample,
        "pd": np.asarray(p, dtype=np.float32),
        "slant_m": rng_seen,
        "az_deg": az_seen,
    }


#: Candidate samples per block of :func:`radar_coverage`.
COVERAGE_BLOCK = 1 << 18


def _seen_block(site, table, k_factor, h_agl, h_target, az_f, ground_range):
    """Of candidate samples at heights ``h_agl`` (above ground) and ``h_target`` (above MSL):
    which the radar sees (in line of sight, inside its elevation limits, sector and
    instrumented range), and the slant range and azimuth of those."""
    spec = site.spec
    in_view, h_r = line_of_sight(site, table, k_factor, az_f, ground_range, h_agl, h_target)
    elev = elevation_angle_deg(ground_range, h_r, h_target, k_factor)
    rng = slant_range_m(ground_range, h_r, h_target, k_factor)
    seen = (
        in_view
        & (elev >= spec.min_elevation_deg.si())
        & (elev <= spec.max_elevation_deg.si())
        & _in_sector(az_f, site.sector_center_deg, site.sector_width_deg)
        & (rng <= spec.instrumented_range_km.si())
    )
    return seen, rng[seen], az_f[seen]


def _sensor_tables(sites, coverage, threats, scan_steps, n_steps):
    """(pd, scan) PairSteps over every radar, from the per-radar coverages."""
    sample_threat = threats.lat.flat_threat()
    sample_step = threats.lat.flat_steps()
    outer = [np.full(c["sample"].shape, s, dtype=np.int64) for s, c in enumerate(coverage)]
    samples = np.concatenate([c["sample"] for c in coverage]) if coverage else np.zeros(0, int)
    n_thr = threats.launch_step.shape[0]
    pd = PairSteps.build(
        np.concatenate(outer) if outer else np.zeros(0, int),
        sample_threat[samples],
        sample_step[samples],
        np.concatenate([c["pd"] for c in coverage]) if coverage else np.zeros(0, np.float32),
        len(sites),
        n_thr,
        n_steps,
    )
    row = np.repeat(np.arange(pd.offsets.shape[0] - 1), np.diff(pd.offsets))
    on_scan = pd.step % scan_steps[row % max(len(sites), 1)] == 0 if pd.step.size else pd.step > 0
    return pd, pd.select(on_scan)
