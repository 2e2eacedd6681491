"""From a scenario variant to the arrays the replication kernel reads.

Everything that does not depend on chance is computed once here: the time grid, every threat's
sampled trajectory, each radar's per-step detection probability against each threat (range
equation, horizon, sector and elevation limits), and each fire unit's earliest intercept for a
launch at every step (envelope, fly-out, its own radar's line of sight to the intercept point).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields

import numpy as np

from iadsim.catalog import Catalog, load_catalog
from iadsim.engagement.intercept import intercept_breakpoints
from iadsim.engine import prepare_cap
from iadsim.engine.heap import release_free_heap
from iadsim.engine.jamming import prepare_jamming
from iadsim.engine.prepare_radar import (  # noqa: F401  (names other modules import from here)
    COVERAGE_RADIUS_M,
    Flights,
    SamplePositions,
    _in_sector,
    _RadarSite,
    _sensor_tables,
    build_site_table,
    radar_coverage,
    radar_sites,
    site_table,
)
from iadsim.engine.release import expand_releases
from iadsim.engine.sead import prepare_sead
from iadsim.engine.sparse import PairSteps, Ragged
from iadsim.engine.timegrid import steps as _steps
from iadsim.scenario import Scenario
from iadsim.scenario.loader import resolve_terrain
from iadsim.terrain.coverage import DEFAULT_ALTITUDE_BANDS_M, DiskCoverage
from iadsim.threats import Track, ballistic_track, route_track

THREAT_CLASSES = ("ballistic", "cruise", "drone", "aircraft")
#: Weapon-assignment rules, as the kernel codes them.
GREEDY, OPTIMAL = 0, 1
#: CEP to the standard deviation of a circular normal miss: CEP = sqrt(2 ln 2)·sigma ≈ 1.1774·sigma.
CEP_TO_SIGMA = 1.0 / np.sqrt(2.0 * np.log(2.0))

GroundFn = Callable[[np.ndarray, np.ndarray], np.ndarray]
_UNSET = object()


def smooth_earth(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Ground elevation of a smooth earth: 0 m everywhere (terrain plugs in here)."""
    return np.zeros(np.broadcast(lat_deg, lon_deg).shape)


@dataclass
class Threats:
    """Per-threat arrays (N threats) and their sampled tracks, each a :class:`Ragged` table
    (one sample per step of the threat's own flight; ``lat[j]`` gives a dense row)."""

    raid: list[str]
    threat_type: list[str]
    threat_class: list[str]
    launch_step: np.ndarray
    impact_step: np.ndarray
    reliability: np.ndarray
    cep_sigma_m: np.ndarray
    value: np.ndarray
    is_ballistic: np.ndarray
    unit_cost_usd: np.ndarray
    rcs_m2: np.ndarray
    speed_mps: Ragged
    aim_lat: np.ndarray
    aim_lon: np.ndarray
    aim_asset: list[str | None]
    lat: Ragged
    lon: Ragged
    alt: Ragged
    height_agl: Ragged
    # issue 11: threat, platform (an aircraft releasing weapons) or weapon; a weapon's platform
    role: list[str] = field(default_factory=list)
    parent: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: the fire unit or sensor an anti-radiation missile homes on (None: not an ARM)
    arm_target: list = field(default_factory=list)
    #: planned routes, per raid: expected detections planned and direct, and waypoints
    routes: dict = field(default_factory=dict)


@dataclass
class Sensors:
    """Per-radar arrays (S radars); fire-unit radars first, in fire-unit order.

    ``pd`` holds, per (radar, threat), the steps at which the radar sees the threat and the
    single-scan Pd there; ``scan`` the same restricted to the radar's scan steps (what the
    kernel draws on). ``pd[s, j]`` and ``visible[s, j]`` are dense views of one pair.
    """

    name: list[str]
    owner: np.ndarray
    networked: np.ndarray
    scan_steps: np.ndarray
    track_capacity: np.ndarray
    pd: PairSteps  # (S, N, T) view; float32 values
    scan: PairSteps  # entries on scan steps only
    lat: np.ndarray
    lon: np.ndarray
    instrumented_range_m: np.ndarray
    sector_center_deg: np.ndarray
    sector_width_deg: np.ndarray

    @property
    def visible(self) -> PairSteps:
        """Geometric line of sight and coverage, per (radar, threat, step) (a view)."""
        return self.pd.as_visible()


@dataclass
class FireUnits:
    """Per-fire-unit arrays (F fire units).

    The intercept solution per (fire unit, threat) is sparse and threat-major: row
    ``j * F + f`` of ``ic_offsets`` indexes records ``(ic_last_launch, ic_step)``; a launch at
    step ``t`` inside ``window[f, j]`` meets the threat at the ``ic_step`` of the first record
    whose last launch step is >= ``t`` (see :func:`intercept_at`).
    """

    name: list[str]
    system: list[str]
    interceptor: list[str]
    lat: np.ndarray
    lon: np.ndarray
    networked: np.ndarray
    reaction_steps: np.ndarray
    assess_steps: np.ndarray
    channels: np.ndarray
    max_in_flight: np.ndarray
    capacity: np.ndarray
    ready0: np.ndarray
    reserve0: np.ndarray
    per_launcher: np.ndarray
    reload_steps: np.ndarray
    interceptor_cost_usd: np.ndarray
    acquisition_cost_usd: np.ndarray
    pk: np.ndarray  # (F, N)
    ic_offsets: np.ndarray  # (N * F + 1,) int64
    ic_last_launch: np.ndarray  # (K,) int64
    ic_step: np.ndarray  # (K,) int64
    window: np.ndarray  # (F, N, 2) int64: first and last launch step with an intercept
    max_range_m: np.ndarray
    sector_center_deg: np.ndarray
    sector_width_deg: np.ndarray
    # rows are magazines: row f belongs to fire unit unit[f] (the scenario's order); a mixed
    # load has one row per interceptor type, side by side, all with the unit's name
    unit: np.ndarray

    def intercept_at(self, f: int, j: int, t: int) -> int:
        """Intercept step of a launch by fire unit ``f`` at threat ``j`` at step ``t``, or -1."""
        if t < self.window[f, j, 0] or t > self.window[f, j, 1]:
            return -1
        r = j * len(self.name) + f
        lo, hi = int(self.ic_offsets[r]), int(self.ic_offsets[r + 1])
        k = lo + int(np.searchsorted(self.ic_last_launch[lo:hi], t))
        return int(self.ic_step[k])


@dataclass
class Doctrine:
    salvo: int
    max_engagements: int
    assignment: int
    hold_value: float
    reserve_ballistic: int
    choice: int = 0  # interceptor of a mixed load: 0 cheapest feasible, 1 earliest intercept


@dataclass
class Prepared:
    """All the deterministic inputs of one scenario variant."""

    scenario: str
    variant: str
    dt_s: float
    t_s: np.ndarray
    active_steps: np.ndarray
    threats: Threats
    sensors: Sensors
    fire_units: FireUnits
    doctrine: Doctrine
    confirm_m: int
    confirm_n: int
    assets: list = field(default_factory=list)
    terrain: str = "smooth earth"
    # per asset, the share of a 50 km disk in some radar's view per altitude band (AGL) [m]
    coverage_share: dict = field(default_factory=dict, repr=False)
    tracking: object = None  # issue 12: TrackingInputs (engine/prepare_track.py)
    #: Electronic attack (issue 11): :class:`iadsim.engine.jamming.Jamming`, None if none.
    jamming: object = field(default=None, repr=False)
    #: Suppression of air defences (issue 11): :class:`iadsim.engine.sead.Sead`, None if none.
    sead: object = field(default=None, repr=False)
    #: This process's memo of values derived from the fields above: the kernel's bundle
    #: (:meth:`static`) and what results are tabled with (:mod:`iadsim.engine.results`);
    #: never an input, so left out of comparisons and pickles
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    def memoized(self, key: str, inputs: tuple, make):
        """``make()``, kept in ``memo[key]`` while ``inputs`` are the very objects it was made
        from (a test that swaps one of them gets a fresh value)."""
        held = self.memo.get(key)
        if (
            held is None
            or len(held[0]) != len(inputs)
            or any(a is not b for a, b in zip(held[0], inputs, strict=True))
        ):
            held = (inputs, make())
            self.memo[key] = held
        return held[1]

    def static(self):
        """The kernel's read-only inputs as one bundle (:class:`iadsim.engine.state.Static`),
        made once per process while no field of this object is replaced (an array edited in
        place after the first call is not seen: replace the field, or edit before running). A
        chunk, the replay and the resume fingerprint share it: day-1500's is 108 MB and took
        28 ms to make, once per chunk in each worker before."""
        from iadsim.engine.state import make_static

        inputs = tuple(getattr(self, f.name) for f in fields(self) if f.name != "memo")
        return self.memoized("static", inputs, lambda: make_static(self))

    def __getstate__(self) -> dict:
        # the memo is this process's: a Dask worker makes its own (the static bundle would
        # double the bytes sent)
        return {**self.__dict__, "memo": {}}


def _build_tracks(scenario: Scenario, catalog: Catalog, ground: GroundFn):
    """Every threat's track relative to its own launch, with its launch time and raid."""
    rows = []
    for raid in scenario.raids:
        entry = catalog.threats[raid.threat]
        if isinstance(raid.aim, str):
            asset = scenario.asset(raid.aim)
            aim_lat, aim_lon, aim_name, value = asset.lat, asset.lon, asset.name, asset.value
        else:
            aim_lat, aim_lon, aim_name, value = raid.aim.lat, raid.aim.lon, None, 1.0
        for k in range(raid.count):
            launch = raid.launch_points[k % len(raid.launch_points)]
            rows.append(
                dict(
                    raid=raid,
                    entry=entry,
                    launch=launch,
                    t0=raid.launch_time_s + k * raid.spacing_s,
                    aim_lat=aim_lat,
                    aim_lon=aim_lon,
                    aim_name=aim_name,
                    value=value,
                )
            )
    return rows


def _track_call(row, ground: GroundFn) -> tuple[Callable[..., Track], dict]:
    """The track function of a scenario row and its arguments, all but the sample times."""
    raid, entry, launch = row["raid"], row["entry"], row["launch"]
    if entry.threat_class == "ballistic":
        return ballistic_track, dict(
            launch_lat_deg=launch.lat,
            launch_lon_deg=launch.lon,
            aim_lat_deg=row["aim_lat"],
            aim_lon_deg=row["aim_lon"],
            boost_time_s=entry.boost_time_s.si(),
            apogee_alt_m=raid.apogee_alt_m,
        )
    lats = (launch.lat, *[w.lat for w in raid.waypoints], row["aim_lat"])
    lons = (launch.lon, *[w.lon for w in raid.waypoints], row["aim_lon"])
    speed = raid.speed_mps or entry.speed_mps.si()
    if entry.threat_class == "aircraft" and raid.height_agl_m is None:
        height = entry.cruise_altitude_m.si()
        return route_track, dict(
            lat_deg=lats, lon_deg=lons, speed_mps=speed, height_m=height, reference="msl"
        )
    # cruise and drone at their height above ground; an aircraft given height_agl_m flies a
    # terrain-following ingress at that height instead of its cruise altitude
    height = raid.height_agl_m or entry.cruise_height_agl_m.si()
    return route_track, dict(
        lat_deg=lats,
        lon_deg=lons,
        speed_mps=speed,
        height_m=height,
        reference="agl",
        ground_elevation_m=ground,
    )


class _Tracks:
    """The tracks of scenario rows, each made once per distinct flight.

    The threats of a raid fly one path, and with a spacing on the time grid their samples fall
    at the same times after launch: April-2024-scale's 331 tracks are 16 distinct flights,
    day-1500's 1,550 are 72. A track is a function of its arguments and sample times alone, so
    a row whose (function, arguments, times) were seen gets the very same arrays. The last
    :data:`KEEP` flights are kept (a raid's rows are consecutive)."""

    KEEP = 16

    def __init__(self, ground: GroundFn):
        self.ground = ground
        self._seen: dict = {}
        self.flights = 0  # flights made so far: each one's number

    def __call__(self, row, t_rel: np.ndarray) -> Track:
        return self.flight(row, t_rel)[0]

    def flight(self, row, t_rel: np.ndarray) -> tuple[Track, int]:
        """The row's track at times ``t_rel`` and its flight's number (the same for every
        row given the very same track)."""
        if "track" in row:  # a platform's out-and-back route or a released weapon (engine/release)
            self.flights += 1
            return row["track"](t_rel), self.flights - 1
        fn, kwargs = _track_call(row, self.ground)
        key = (fn.__name__, *sorted((k, v) for k, v in kwargs.items() if k != "ground_elevation_m"))
        key += (t_rel.shape, t_rel.tobytes())
        made = self._seen.get(key)
        if made is None:
            made = fn(t_s=t_rel, **kwargs), self.flights
            self.flights += 1
            if len(self._seen) >= self.KEEP:
                self._seen.pop(next(iter(self._seen)))
            self._seen[key] = made
        return made


def _pinned(tr: Track) -> dict:
    """A flight's samples (copies), the last one pinned to the arrival: the aim point (on the
    ground: its altitude is set by the caller), at the speed of the sample before it (every
    flight has at least two samples)."""
    f = {
        "lat": np.array(tr.lat_deg, dtype=float),
        "lon": np.array(tr.lon_deg, dtype=float),
        "alt": np.array(tr.alt_m, dtype=float),
        "speed": np.array(tr.speed_mps, dtype=float),
    }
    f["lat"][-1], f["lon"][-1] = tr.impact_lat_deg, tr.impact_lon_deg
    f["speed"][-1] = f["speed"][-2]
    return f


def prepare_threats(scenario: Scenario, catalog: Catalog, ground: GroundFn, plan=None):
    """Sample every threat on the engine's time grid, over its own flight only.

    Returns (t_s, Threats, Flights); the tracks are :class:`Ragged` tables. Each distinct
    flight is sampled, pinned, placed among the distinct positions and looked up on the ground
    once, and its rows share the results. ``plan`` (rows -> (rows, report)) plans the routes
    of raids that avoid the defences (issue 11, engine/routes_plan.py).
    """
    dt = scenario.time_step_s
    rows = _build_tracks(scenario, catalog, ground)
    routes: dict = {}
    if plan is not None:
        rows, routes = plan(rows)
    rows = expand_releases(rows, catalog, ground, scenario)
    track = _Tracks(ground)
    # first pass at a coarse grid only to learn each flight's duration
    durations = []
    for row in rows:
        probe = track(row, np.array([0.0]))
        durations.append(probe.duration_s)
    t_end = max(r["t0"] + d for r, d in zip(rows, durations, strict=True))
    n_steps = _steps(t_end, dt) + 2
    t_s = np.arange(n_steps) * dt
    n = len(rows)
    launch_step = np.zeros(n, dtype=np.int64)
    impact_step = np.zeros(n, dtype=np.int64)
    # the distinct flights (numbered by _Tracks.flight), each pinned once, and each row's one
    flights: list[dict] = []
    flight_of: dict[int, int] = {}  # by the flight's number (_Tracks.flight)
    row_flight = np.zeros(n, dtype=np.int64)
    for j, (row, dur) in enumerate(zip(rows, durations, strict=True)):
        s0 = _steps(row["t0"], dt) if row["t0"] > 0 else 0
        s1 = min(int(np.floor((row["t0"] + dur) / dt)), n_steps - 1)
        s1 = max(s1, s0 + 1)
        launch_step[j], impact_step[j] = s0, s1
        tr, number = track.flight(row, t_s[s0 : s1 + 1] - row["t0"])
        if number not in flight_of:
            flight_of[number] = len(flights)
            flights.append(_pinned(tr))
        row_flight[j] = flight_of[number]
    # the arrival samples on the ground, in one lookup
    ground_arrival = ground(*(np.array([f[k][-1] for f in flights]) for k in ("lat", "lon")))
    for f, g in zip(flights, ground_arrival, strict=True):
        f["alt"][-1] = g
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(impact_step - launch_step + 1, out=offsets[1:])

    # what depends on the position alone, once per flight's sample: its place among the
    # distinct positions and the ground under it
    fl_off = np.zeros(len(flights) + 1, dtype=np.int64)
    np.cumsum([f["lat"].size for f in flights], out=fl_off[1:])
    fl = {k: np.concatenate([f[k] for f in flights]) for k in flights[0]}
    fl_positions = SamplePositions.of(fl["lat"], fl["lon"])
    fl_height = np.maximum(fl["alt"] - ground(fl["lat"], fl["lon"]), 0.0)

    def per_row(flight_values: np.ndarray) -> np.ndarray:
        return np.concatenate([flight_values[fl_off[f] : fl_off[f + 1]] for f in row_flight])

    values = {k: per_row(v) for k, v in fl.items()}

    def ragged(key):
        return Ragged(offsets, launch_step, values[key], n_steps)

    lat, lon, alt = ragged("lat"), ragged("lon"), ragged("alt")
    height = Ragged(offsets, launch_step, per_row(fl_height), n_steps)
    by_flight = Flights(fl_off, row_flight, offsets, fl_positions, fl["alt"], fl_height)
    entries = [r["entry"] for r in rows]
    threats = Threats(
        raid=[r["raid"].name for r in rows],
        threat_type=[e.name for e in entries],
        threat_class=[e.threat_class for e in entries],
        launch_step=launch_step,
        impact_step=impact_step,
        reliability=np.array([e.reliability.si() for e in entries]),
        cep_sigma_m=np.array([e.cep_m.si() for e in entries]) * CEP_TO_SIGMA,
        value=np.array([r["value"] for r in rows], dtype=float),
        is_ballistic=np.array([e.threat_class == "ballistic" for e in entries]),
        unit_cost_usd=np.array([e.unit_cost_usd.si() for e in entries]),
        rcs_m2=np.array([e.rcs_m2.si() for e in entries]),
        speed_mps=ragged("speed"),
        aim_lat=np.array([r["aim_lat"] for r in rows]),
        aim_lon=np.array([r["aim_lon"] for r in rows]),
        aim_asset=[r["aim_name"] for r in rows],
        lat=lat,
        lon=lon,
        alt=alt,
        height_agl=height,
        role=[r["role"] for r in rows],
        parent=np.array([r["parent"] for r in rows], dtype=np.int64),
        arm_target=[r["arm_target"] for r in rows],
        routes=routes,
    )
    return t_s, threats, by_flight


#: Points per block of a DEM lookup: the bilinear lookup's temporaries (a dozen arrays the
#: size of its input) stay a few MB instead of hundreds for a raid's millions of samples.
GROUND_BLOCK = 1 << 17


def dem_ground(dem) -> GroundFn:
    """Ground elevation from a DEM (sea level where the DEM has no data)."""

    def ground(lat_deg, lon_deg):
        lat, lon = np.broadcast_arrays(np.asarray(lat_deg, float), np.asarray(lon_deg, float))
        if lat.size <= GROUND_BLOCK:
            return np.nan_to_num(dem.elevation_m(lat, lon), nan=0.0)
        shape, lat, lon = lat.shape, lat.ravel(), lon.ravel()
        out = np.empty(lat.shape[0])
        for i in range(0, lat.shape[0], GROUND_BLOCK):
            block = slice(i, i + GROUND_BLOCK)
            out[block] = np.nan_to_num(dem.elevation_m(lat[block], lon[block]), nan=0.0)
        return out.reshape(shape)

    return ground


def fire_unit_loads(fu, system) -> list[tuple[str, int | None, int]]:
    """A fire unit's magazines, (interceptor, ready rounds or None for full launchers,
    reserve): one for a single load, one per type for a mixed load (``loads``)."""
    if fu.loads:
        return [(ld.interceptor, ld.loaded, ld.reserve) for ld in fu.loads]
    name = fu.interceptor or system.fire_unit.default_interceptor
    return [(name, fu.interceptors_loaded, fu.reserve_interceptors)]


def _fire_unit_columns(system, load, first: bool, mixed: bool, dt):
    """The engine columns of one magazine (a row) of a fire unit. Rows of one fire unit share
    its radar, fire channels and missiles-in-flight limit; each type of a mixed load has its
    own launchers (the ones that carry it) and reserve; the acquisition cost is on the first."""
    unit = system.fire_unit
    name, loaded, reserve = load
    icp = system.interceptors[name]
    per_launcher = int(unit.missiles_per_launcher.si())
    capacity = int(unit.launchers.si()) * per_launcher
    ready = capacity if loaded is None else loaded
    return icp, {
        "reserve": reserve,
        "reaction": _steps(unit.reaction_time_s.si(), dt),
        "assess": _steps(unit.kill_assessment_s.si(), dt),
        "channels": int(unit.fire_channels.si()),
        "in_flight": int(unit.max_missiles_in_flight.si()),
        # a type of a mixed load reloads only the launchers that carry it: its loaded rounds
        "capacity": ready if mixed else max(capacity, ready),
        "ready": ready,
        "per_launcher": max(per_launcher, 1),
        "reload": _steps(unit.reload_time_s.si(), dt),
        "cost": icp.unit_cost_usd.si(),
        "acq": unit.acquisition_cost_usd.si() if first else 0.0,
        "interceptor": name,
        "max_range": icp.max_range_km.si(),
    }


def _intercepts(fu, icp, pk_row, cov, threats: Threats, dt: float):
    """Sparse intercept solution of one fire unit (see :func:`intercept_breakpoints`):
    feasible intercept points are the samples its own radar sees inside the envelope."""
    sample = cov["sample"]
    j = threats.lat.flat_threat()[sample]
    step = threats.lat.flat_steps()[sample]
    h = threats.height_agl.values[sample]
    speed = np.nan_to_num(threats.speed_mps.values[sample], nan=np.inf)
    ball = threats.is_ballistic[j]
    max_range = np.full(sample.shape, icp.max_range_km.si())
    max_alt = np.full(sample.shape, icp.max_altitude_m.si())
    if getattr(icp, "max_range_ballistic_km", None) is not None:
        max_range[ball] = icp.max_range_ballistic_km.si()
    if getattr(icp, "max_altitude_ballistic_m", None) is not None:
        max_alt[ball] = icp.max_altitude_ballistic_m.si()
    slant = cov["slant_m"]
    ok = (
        (slant >= icp.min_range_km.si())
        & (slant <= max_range)
        & (h >= icp.min_altitude_m.si())
        & (h <= max_alt)
        & (speed <= icp.max_target_speed_mps.si())
        & _in_sector(cov["az_deg"], fu.sector_center_deg, fu.sector_width_deg)
        # a fire unit never engages what its interceptor cannot kill (Pk 0)
        & (pk_row[j] > 0.0)
    )
    order = np.lexsort((step[ok], j[ok]))
    return intercept_breakpoints(
        dt,
        j[ok][order].astype(np.int64),
        step[ok][order].astype(np.int64),
        np.ascontiguousarray(slant[ok][order]),
        threats.launch_step,
        threats.impact_step,
        icp.max_speed_mps.si(),
        icp.boost_time_s.si(),
        icp.speed_decay_time_s.si(),
    )


def _threat_major(per_fu: list, n_threats: int):
    """Interleave per-fire-unit CSR records into one threat-major CSR (row j * F + f)."""
    n_f = len(per_fu)
    counts = np.zeros(n_threats * n_f, dtype=np.int64)
    for f, (off, _, _, _) in enumerate(per_fu):
        counts[f::n_f] = np.diff(off)
    offsets = np.zeros(n_threats * n_f + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    total = int(offsets[-1])
    last = np.empty(total, dtype=np.int64)
    ic = np.empty(total, dtype=np.int64)
    for f, (off, lst, stp, _) in enumerate(per_fu):
        n = np.diff(off)
        dest = np.repeat(offsets[np.arange(n_threats) * n_f + f] - off[:-1], n)
        dest = dest + np.arange(lst.shape[0])
        last[dest] = lst
        ic[dest] = stp
    window = np.empty((n_f, n_threats, 2), dtype=np.int64)
    window[..., 0], window[..., 1] = 1, 0
    for f, (_, _, _, win) in enumerate(per_fu):
        window[f] = win
    return offsets, last, ic, window


def route_planner(scenario: Scenario, sites, dem, ground):
    """The route planner of a variant (None when no raid avoids the defences): it plans over
    the variant's own radar sites and their full terrain tables (engine/routes_plan.py)."""
    if not any(getattr(r, "route", "direct") == "avoid-defences" for r in scenario.raids):
        return None
    from iadsim.engine.routes_plan import plan_routes

    k = scenario.propagation.k_factor
    tables = [
        None
        if dem is None
        else site_table(dem, s, k, scenario.terrain.az_step_deg, scenario.terrain.range_step_m)
        for s in sites
    ]
    return lambda rows: plan_routes(rows, sites, tables, k, ground)


def prepare(
    scenario: Scenario,
    variant: str | None = None,
    catalog: Catalog | None = None,
    dem=_UNSET,
    *,
    coverage_share: bool = True,
) -> Prepared:
    """Compute every deterministic input of one variant of ``scenario``.

    ``dem`` defaults to the scenario's terrain (``resolve_terrain``); None means a smooth earth.
    ``coverage_share=False`` skips the summary's share of each asset's surroundings in view
    (``Prepared.coverage_share`` is then empty): it changes no replication, and an uncertainty
    study that prepares a variant once per sample would spend most of its time on it.
    """
    prepared = _prepare(scenario, variant, catalog, dem, coverage_share=coverage_share)
    release_free_heap()  # its temporaries are gone with _prepare's frame (engine/heap.py)
    return prepared


def _prepare(
    scenario: Scenario,
    variant: str | None,
    catalog: Catalog | None,
    dem,
    *,
    coverage_share: bool,
) -> Prepared:
    """:func:`prepare`'s work."""
    catalog = catalog or scenario.effective_catalog or load_catalog()
    if dem is _UNSET:
        dem = resolve_terrain(scenario)
    ground = smooth_earth if dem is None else dem_ground(dem)
    var = scenario.variant(variant)
    doctrine = scenario.doctrine_for(var)
    dt = scenario.time_step_s
    k = scenario.propagation.k_factor
    fus = [f for f in scenario.fire_units if var.fire_units is None or f.name in var.fire_units]
    sensors = [s for s in scenario.sensors if var.sensors is None or s.name in var.sensors]
    sites = radar_sites(fus, sensors, catalog)
    t_s, threats, flights = prepare_threats(
        scenario, catalog, ground, plan=route_planner(scenario, sites, dem, ground)
    )
    n_threats, n_steps = threats.lat.shape

    coverage = []
    # the shares of each asset's surroundings in view, one table at a time (never all at once)
    shares = (
        DiskCoverage(
            [(a.name, a.lat, a.lon) for a in scenario.assets],
            COVERAGE_RADIUS_M,
            DEFAULT_ALTITUDE_BANDS_M,
        )
        if coverage_share
        else None
    )
    # issue 11: jamming needs each radar's full table for the jammers' line of sight; kept
    # only when a raid carries a jammer
    jammed = any(r.jammer for r in scenario.raids)
    full_tables = []
    for site in sites:
        table = None
        if dem is not None:
            table = site_table(
                dem, site, k, scenario.terrain.az_step_deg, scenario.terrain.range_step_m
            )
            # limited to the sector the radar covers as placed
            if shares is not None:
                shares.add(table.with_sector(site.sector_center_deg, site.sector_width_deg))
        full_tables.append(table if jammed else None)
        coverage.append(radar_coverage(site, threats, k, table, flights))
    # issue 13 (record): fighters on combat air patrol, radars on their orbits (prepare_cap.py)
    caps = prepare_cap.selected(scenario, var)
    for i, c in enumerate(caps):
        sites.append(prepare_cap.cap_site(c, len(fus) + i))
        coverage.append(prepare_cap.cap_coverage(c, threats, t_s, k))
    scan_steps = np.array([_steps(s.spec.scan_period_s.si(), dt) for s in sites], dtype=np.int64)
    pd, scan = _sensor_tables(sites, coverage, threats, scan_steps, n_steps)
    sensor_arrays = Sensors(
        name=[s.name for s in sites],
        owner=np.array([s.owner for s in sites], dtype=np.int64),
        networked=np.array([s.networked for s in sites], dtype=np.bool_),
        scan_steps=scan_steps,
        track_capacity=np.array([int(s.spec.track_capacity.si()) for s in sites], dtype=np.int64),
        pd=pd,
        scan=scan,
        lat=np.array([s.lat for s in sites]),
        lon=np.array([s.lon for s in sites]),
        instrumented_range_m=np.array([s.spec.instrumented_range_km.si() for s in sites]),
        sector_center_deg=np.array([s.sector_center_deg for s in sites]),
        sector_width_deg=np.array([s.sector_width_deg for s in sites]),
    )

    units = fus  # the fire units themselves (their radars are sensors 0 .. units - 1)
    # engine rows: one per magazine (interceptor type) of each fire unit, a unit's rows together
    rows = [
        (u, fu, load, k == 0)
        for u, fu in enumerate(fus)
        for k, load in enumerate(fire_unit_loads(fu, catalog.systems[fu.system]))
    ]
    n_f = len(rows) + len(caps)  # issue 13: a CAP is one more fire unit of one row
    pk = np.zeros((n_f, n_threats))
    cols: dict[str, list] = {}
    classes = np.array(threats.threat_class)
    per_fu = []
    for i, (u, fu, load, first) in enumerate(rows):
        icp, col = _fire_unit_columns(catalog.systems[fu.system], load, first, bool(fu.loads), dt)
        for key, value in col.items():
            cols.setdefault(key, []).append(value)
        for c in THREAT_CLASSES:
            sel = classes == c
            if not sel.any():
                continue
            value = fu.pk.get(c) if fu.pk else None
            pk[i, sel] = icp.pk[c].si() if value is None else value
        per_fu.append(_intercepts(fu, icp, pk[i], coverage[u], threats, dt))
    for i, c in enumerate(caps):  # issue 13: each CAP's moving-shooter intercept solution
        f = len(rows) + i
        pk[f] = prepare_cap.cap_pk_row(c, threats.threat_class)
        cov = coverage[len(sites) - len(caps) + i]
        col_c, records = prepare_cap.cap_fire_unit(c, threats, t_s, dt, cov, pk[f])
        for key, value in col_c.items():
            cols.setdefault(key, []).append(value)
        per_fu.append(records)
    ic_off, ic_last, ic_step, window = _threat_major(per_fu, n_threats)
    unit = np.array([r[0] for r in rows] + [len(fus) + i for i in range(len(caps))], dtype=np.int64)
    fu_sector = [s.sector_width_deg for s in sites if s.owner >= 0]
    fus = [r[1] for r in rows] + caps

    def col(key, dtype):
        return np.array(cols.get(key, []), dtype=dtype)

    fire_units = FireUnits(
        name=[f.name for f in fus],
        system=[getattr(f, "system", "cap") for f in fus],
        interceptor=list(cols.get("interceptor", [])),
        lat=np.array([f.lat for f in fus]),
        lon=np.array([f.lon for f in fus]),
        networked=np.array([getattr(f, "networked", True) for f in fus], dtype=np.bool_),
        reaction_steps=col("reaction", np.int64),
        assess_steps=col("assess", np.int64),
        channels=col("channels", np.int64),
        max_in_flight=col("in_flight", np.int64),
        capacity=col("capacity", np.int64),
        ready0=col("ready", np.int64),
        reserve0=col("reserve", np.int64),
        per_launcher=col("per_launcher", np.int64),
        reload_steps=col("reload", np.int64),
        interceptor_cost_usd=col("cost", float),
        acquisition_cost_usd=col("acq", float),
        pk=pk,
        ic_offsets=ic_off,
        ic_last_launch=ic_last,
        ic_step=ic_step,
        window=window,
        max_range_m=col("max_range", float),
        sector_center_deg=np.array(
            [getattr(f, "sector_center_deg", 0.0) for f in fus], dtype=float
        ),
        # the sector as used: the fire-control radar's own sector caps the scenario's
        sector_width_deg=np.array([fu_sector[u] for u in unit], dtype=float),
        unit=unit,
    )

    from iadsim.engine.prepare_track import prepare_tracking  # issue 12

    interceptors = [
        catalog.systems[f.system].interceptors[n]
        if hasattr(f, "system")
        else prepare_cap.CAP_INTERCEPTOR  # issue 13: a CAP's weapon is not a catalog entry
        for f, n in zip(fus, fire_units.interceptor, strict=True)
    ]
    tracking = prepare_tracking(
        doctrine, scenario.tracking, threats, sites, interceptors, scenario.assets, ground
    )
    jamming = prepare_jamming(scenario, catalog, threats, sites, sensor_arrays, k, full_tables)
    sead = prepare_sead(scenario, catalog, threats, units, sensors, len(sites))
    in_flight = np.zeros(n_steps + 1, dtype=np.int64)
    np.add.at(in_flight, threats.launch_step, 1)
    np.add.at(in_flight, threats.impact_step + 1, -1)
    return Prepared(
        scenario=scenario.name,
        variant=var.name,
        dt_s=dt,
        t_s=t_s,
        active_steps=np.flatnonzero(np.cumsum(in_flight)[:n_steps] > 0).astype(np.int64),
        threats=threats,
        sensors=sensor_arrays,
        fire_units=fire_units,
        doctrine=Doctrine(
            salvo=doctrine.salvo_size,
            max_engagements=doctrine.max_engagements,
            assignment=GREEDY if doctrine.assignment == "greedy" else OPTIMAL,
            hold_value=doctrine.hold_fire_below_value,
            reserve_ballistic=doctrine.reserve_for_ballistic,
            choice=0 if doctrine.interceptor_choice == "cheapest_feasible" else 1,
        ),
        confirm_m=scenario.tracking.confirm_m,
        confirm_n=scenario.tracking.confirm_n,
        assets=list(scenario.assets),
        terrain="smooth earth" if dem is None else dem.name,
        coverage_share={} if dem is None or shares is None else shares.shares(),
        tracking=tracking,
        jamming=jamming,
        sead=sead,
    )
