"""From a scenario variant to the arrays the replication kernel reads.

Everything that does not depend on chance is computed once here: the time grid, every threat's
sampled trajectory, each radar's per-step detection probability against each threat (range
equation, horizon, sector and elevation limits), and each fire unit's earliest intercept for a
launch at every step (envelope, fly-out, its own radar's line of sight to the intercept point).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from iadsim import geo
from iadsim.catalog import Catalog, load_catalog
from iadsim.engagement.intercept import earliest_intercepts
from iadsim.engine.kernel import GREEDY, OPTIMAL
from iadsim.scenario import Scenario
from iadsim.scenario.loader import effective_sector_width_deg, resolve_terrain
from iadsim.sensors.radar import (
    detection_probability,
    elevation_angle_deg,
    min_visible_height_m,
    slant_range_m,
)
from iadsim.threats import Track, ballistic_track, route_track

THREAT_CLASSES = ("ballistic", "cruise", "drone", "aircraft")
#: CEP to the standard deviation of a circular normal miss: CEP = sqrt(2 ln 2)·sigma ≈ 1.1774·sigma.
CEP_TO_SIGMA = 1.0 / np.sqrt(2.0 * np.log(2.0))

GroundFn = Callable[[np.ndarray, np.ndarray], np.ndarray]
_UNSET = object()


def smooth_earth(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Ground elevation of a smooth earth: 0 m everywhere (terrain plugs in here)."""
    return np.zeros(np.broadcast(lat_deg, lon_deg).shape)


@dataclass
class Threats:
    """Per-threat arrays (N threats) and sampled tracks (N x T)."""

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
    speed_mps: np.ndarray
    aim_lat: np.ndarray
    aim_lon: np.ndarray
    aim_asset: list[str | None]
    lat: np.ndarray
    lon: np.ndarray
    alt: np.ndarray
    height_agl: np.ndarray


@dataclass
class Sensors:
    """Per-radar arrays (S radars); fire-unit radars first, in fire-unit order."""

    name: list[str]
    owner: np.ndarray
    networked: np.ndarray
    scan_steps: np.ndarray
    track_capacity: np.ndarray
    pd: np.ndarray  # (S, N, T) float32
    visible: np.ndarray  # (S, N, T) bool: geometric line of sight and coverage
    lat: np.ndarray
    lon: np.ndarray
    instrumented_range_m: np.ndarray
    sector_center_deg: np.ndarray
    sector_width_deg: np.ndarray


@dataclass
class FireUnits:
    """Per-fire-unit arrays (F fire units)."""

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
    intercept: np.ndarray  # (F, N, T) int32
    window: np.ndarray  # (F, N, 2) int64: first and last launch step with an intercept
    max_range_m: np.ndarray
    sector_center_deg: np.ndarray
    sector_width_deg: np.ndarray


@dataclass
class Doctrine:
    salvo: int
    max_engagements: int
    assignment: int
    hold_value: float
    reserve_ballistic: int


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
    tables: list = field(default_factory=list, repr=False)

    def kernel_args(self) -> tuple:
        """Static arguments of :func:`simulate_replication`, in its order."""
        th, se, fu, d = self.threats, self.sensors, self.fire_units, self.doctrine
        return (
            self.active_steps,
            self.dt_s,
            th.launch_step,
            th.impact_step,
            th.reliability,
            th.cep_sigma_m,
            th.value,
            th.is_ballistic,
            se.pd,
            se.scan_steps,
            se.owner,
            se.networked,
            se.track_capacity,
            self.confirm_m,
            self.confirm_n,
            fu.networked,
            fu.reaction_steps,
            fu.assess_steps,
            fu.channels,
            fu.max_in_flight,
            fu.capacity,
            fu.ready0,
            fu.reserve0,
            fu.per_launcher,
            fu.reload_steps,
            fu.intercept,
            fu.window,
            fu.pk,
            d.salvo,
            d.max_engagements,
            d.assignment,
            d.hold_value,
            d.reserve_ballistic,
            fu.interceptor_cost_usd,
        )


def _steps(seconds: float, dt_s: float) -> int:
    return max(1, int(np.ceil(seconds / dt_s - 1e-9)))


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


def _track(row, t_rel: np.ndarray, ground: GroundFn) -> Track:
    raid, entry, launch = row["raid"], row["entry"], row["launch"]
    if entry.threat_class == "ballistic":
        return ballistic_track(
            launch.lat,
            launch.lon,
            row["aim_lat"],
            row["aim_lon"],
            t_rel,
            boost_time_s=entry.boost_time_s.si(),
            apogee_alt_m=raid.apogee_alt_m,
        )
    lats = [launch.lat, *[w.lat for w in raid.waypoints], row["aim_lat"]]
    lons = [launch.lon, *[w.lon for w in raid.waypoints], row["aim_lon"]]
    speed = raid.speed_mps or entry.speed_mps.si()
    if entry.threat_class == "aircraft" and raid.height_agl_m is None:
        height = entry.cruise_altitude_m.si()
        return route_track(lats, lons, speed, height, t_rel, reference="msl")
    # cruise and drone at their height above ground; an aircraft given height_agl_m flies a
    # terrain-following ingress at that height instead of its cruise altitude
    height = raid.height_agl_m or entry.cruise_height_agl_m.si()
    return route_track(lats, lons, speed, height, t_rel, reference="agl", ground_elevation_m=ground)


def prepare_threats(scenario: Scenario, catalog: Catalog, ground: GroundFn):
    """Sample every threat on the engine's time grid. Returns (t_s, Threats)."""
    dt = scenario.time_step_s
    rows = _build_tracks(scenario, catalog, ground)
    # first pass at a coarse grid only to learn each flight's duration
    durations = []
    for row in rows:
        probe = _track(row, np.array([0.0]), ground)
        durations.append(probe.duration_s)
    t_end = max(r["t0"] + d for r, d in zip(rows, durations, strict=True))
    n_steps = _steps(t_end, dt) + 2
    t_s = np.arange(n_steps) * dt
    n = len(rows)
    lat = np.full((n, n_steps), np.nan)
    lon = np.full((n, n_steps), np.nan)
    alt = np.full((n, n_steps), np.nan)
    speed = np.full((n, n_steps), np.nan)
    launch_step = np.zeros(n, dtype=np.int64)
    impact_step = np.zeros(n, dtype=np.int64)
    for j, (row, dur) in enumerate(zip(rows, durations, strict=True)):
        s0 = _steps(row["t0"], dt) if row["t0"] > 0 else 0
        s1 = min(int(np.floor((row["t0"] + dur) / dt)), n_steps - 1)
        s1 = max(s1, s0 + 1)
        launch_step[j], impact_step[j] = s0, s1
        idx = np.arange(s0, s1 + 1)
        tr = _track(row, t_s[idx] - row["t0"], ground)
        lat[j, idx], lon[j, idx], alt[j, idx] = tr.lat_deg, tr.lon_deg, tr.alt_m
        speed[j, idx] = tr.speed_mps
        # the last sample is the arrival itself: pin it to the aim point on the ground
        lat[j, s1], lon[j, s1] = tr.impact_lat_deg, tr.impact_lon_deg
        alt[j, s1] = ground(np.array(tr.impact_lat_deg), np.array(tr.impact_lon_deg))
        speed[j, s1] = speed[j, s1 - 1] if s1 - 1 >= s0 else speed[j, s1]
    ground_here = np.where(np.isnan(lat), np.nan, 0.0)
    flying = ~np.isnan(lat)
    ground_here[flying] = ground(lat[flying], lon[flying])
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
        speed_mps=speed,
        aim_lat=np.array([r["aim_lat"] for r in rows]),
        aim_lon=np.array([r["aim_lon"] for r in rows]),
        aim_asset=[r["aim_name"] for r in rows],
        lat=lat,
        lon=lon,
        alt=alt,
        height_agl=np.maximum(alt - ground_here, 0.0),
    )
    return t_s, threats


def _in_sector(az_deg: np.ndarray, center_deg: float, width_deg: float) -> np.ndarray:
    if width_deg >= 360.0:
        return np.ones(az_deg.shape, dtype=bool)
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


def launch_windows(intercept: np.ndarray) -> np.ndarray:
    """First and last launch step with an intercept solution, per fire unit and threat
    ((1, 0) where there is none, an empty window)."""
    n_f, n_t, _ = intercept.shape
    window = np.empty((n_f, n_t, 2), dtype=np.int64)
    window[..., 0], window[..., 1] = 1, 0
    for f in range(n_f):
        for j in range(n_t):
            ok = np.flatnonzero(intercept[f, j] >= 0)
            if ok.size:
                window[f, j] = ok[0], ok[-1]
    return window


def dem_ground(dem) -> GroundFn:
    """Ground elevation from a DEM (sea level where the DEM has no data)."""

    def ground(lat_deg, lon_deg):
        return np.nan_to_num(dem.elevation_m(lat_deg, lon_deg), nan=0.0)

    return ground


_TABLES: dict = {}


def site_table(dem, site: _RadarSite, k_factor: float, az_step_deg: float, range_step_m: float):
    """The terrain coverage table of a radar site (cached per process: variants share them)."""
    from iadsim.terrain import coverage_table

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
        table = coverage_table(
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
        if len(_TABLES) > 64:
            _TABLES.clear()
        _TABLES[key] = table
    return table


def radar_coverage(site: _RadarSite, threats: Threats, k_factor: float, table=None):
    """Detection probability and geometric visibility of every threat sample from one radar.

    Without a terrain ``table`` the earth is smooth: a target is in line of sight above
    ``min_visible_height_m`` (the 4/3-earth horizon). With one, above the table's minimum
    visible height over the terrain at that azimuth and range.

    Returns (pd, visible, slant_m, az_deg), each (N, T); 0/NaN where the threat is not flying.
    """
    spec = site.spec
    flying = ~np.isnan(threats.lat)
    shape = threats.lat.shape
    pd = np.zeros(shape, dtype=np.float32)
    visible = np.zeros(shape, dtype=bool)
    slant = np.full(shape, np.nan)
    az = np.full(shape, np.nan)
    if not flying.any():
        return pd, visible, slant, az
    lat, lon = threats.lat[flying], threats.lon[flying]
    h_agl = threats.height_agl[flying]
    az_f, _, ground_range = geo.inverse(site.lat, site.lon, lat, lon)
    if table is None:
        h_r = spec.antenna_height_m.si()
        h_target = threats.alt[flying]
        mask_h = min_visible_height_m(ground_range, h_r, k_factor)
        in_view = h_target >= mask_h
    else:
        # heights above the sea-level sphere: the radar on its ground, the target as flown
        h_r = table.radar_alt_m
        h_target = threats.alt[flying]
        in_view = h_agl >= table.min_visible_agl_m(az_f, ground_range)
    elev = elevation_angle_deg(ground_range, h_r, h_target, k_factor)
    rng = slant_range_m(ground_range, h_r, h_target, k_factor)
    seen = (
        in_view
        & (elev >= spec.min_elevation_deg.si())
        & (elev <= spec.max_elevation_deg.si())
        & _in_sector(az_f, site.sector_center_deg, site.sector_width_deg)
        & (rng <= spec.instrumented_range_km.si())
    )
    rcs = np.broadcast_to(threats.rcs_m2[:, None], shape)[flying]
    p = detection_probability(
        rng,
        rcs,
        spec.reference_range_km.si(),
        spec.reference_rcs_m2.si(),
        spec.reference_pd.si(),
        spec.reference_pfa.si(),
    )
    pd[flying] = np.where(seen, p, 0.0)
    visible[flying] = seen
    slant[flying] = rng
    az[flying] = az_f
    return pd, visible, slant, az


def prepare(
    scenario: Scenario,
    variant: str | None = None,
    catalog: Catalog | None = None,
    dem=_UNSET,
) -> Prepared:
    """Compute every deterministic input of one variant of ``scenario``.

    ``dem`` defaults to the scenario's terrain (``resolve_terrain``); None means a smooth earth.
    """
    catalog = catalog or scenario.effective_catalog or load_catalog()
    if dem is _UNSET:
        dem = resolve_terrain(scenario)
    ground = smooth_earth if dem is None else dem_ground(dem)
    var = scenario.variant(variant)
    doctrine = scenario.doctrine_for(var)
    dt = scenario.time_step_s
    k = scenario.propagation.k_factor
    t_s, threats = prepare_threats(scenario, catalog, ground)
    n_threats, n_steps = threats.lat.shape

    fus = [f for f in scenario.fire_units if var.fire_units is None or f.name in var.fire_units]
    sensors = [s for s in scenario.sensors if var.sensors is None or s.name in var.sensors]

    sites = radar_sites(fus, sensors, catalog)

    n_s = len(sites)
    pd = np.zeros((n_s, n_threats, n_steps), dtype=np.float32)
    visible = np.zeros((n_s, n_threats, n_steps), dtype=bool)
    fu_slant, fu_az = [], []
    tables = []
    for si, site in enumerate(sites):
        table = None
        if dem is not None:
            table = site_table(
                dem, site, k, scenario.terrain.az_step_deg, scenario.terrain.range_step_m
            )
        p, vis, slant, az = radar_coverage(site, threats, k, table)
        # kept for coverage shares: limited to the sector the radar covers as placed
        tables.append(
            None
            if table is None
            else table.with_sector(site.sector_center_deg, site.sector_width_deg)
        )
        pd[si], visible[si] = p, vis
        if site.owner >= 0:
            fu_slant.append(slant)
            fu_az.append(az)
    sensor_arrays = Sensors(
        name=[s.name for s in sites],
        owner=np.array([s.owner for s in sites], dtype=np.int64),
        networked=np.array([s.networked for s in sites], dtype=np.bool_),
        scan_steps=np.array([_steps(s.spec.scan_period_s.si(), dt) for s in sites], dtype=np.int64),
        track_capacity=np.array([int(s.spec.track_capacity.si()) for s in sites], dtype=np.int64),
        pd=pd,
        visible=visible,
        lat=np.array([s.lat for s in sites]),
        lon=np.array([s.lon for s in sites]),
        instrumented_range_m=np.array([s.spec.instrumented_range_km.si() for s in sites]),
        sector_center_deg=np.array([s.sector_center_deg for s in sites]),
        sector_width_deg=np.array([s.sector_width_deg for s in sites]),
    )

    n_f = len(fus)
    intercept = np.full((n_f, n_threats, n_steps), -1, dtype=np.int32)
    pk = np.zeros((n_f, n_threats))
    cols: dict[str, list] = {
        key: []
        for key in (
            "reaction",
            "assess",
            "channels",
            "in_flight",
            "capacity",
            "ready",
            "per_launcher",
            "reload",
            "cost",
            "acq",
            "interceptor",
            "max_range",
        )
    }
    classes = np.array(threats.threat_class)
    speed_ok_base = np.nan_to_num(threats.speed_mps, nan=np.inf)
    for i, fu in enumerate(fus):
        system = catalog.systems[fu.system]
        unit = system.fire_unit
        name = fu.interceptor or unit.default_interceptor
        icp = system.interceptors[name]
        per_launcher = int(unit.missiles_per_launcher.si())
        capacity = int(unit.launchers.si()) * per_launcher
        ready = capacity if fu.interceptors_loaded is None else fu.interceptors_loaded
        cols["reaction"].append(_steps(unit.reaction_time_s.si(), dt))
        cols["assess"].append(_steps(unit.kill_assessment_s.si(), dt))
        cols["channels"].append(int(unit.fire_channels.si()))
        cols["in_flight"].append(int(unit.max_missiles_in_flight.si()))
        cols["capacity"].append(max(capacity, ready))
        cols["ready"].append(ready)
        cols["per_launcher"].append(max(per_launcher, 1))
        cols["reload"].append(_steps(unit.reload_time_s.si(), dt))
        cols["cost"].append(icp.unit_cost_usd.si())
        cols["acq"].append(unit.acquisition_cost_usd.si())
        cols["interceptor"].append(name)
        cols["max_range"].append(icp.max_range_km.si())
        for c in THREAT_CLASSES:
            sel = classes == c
            if not sel.any():
                continue
            value = fu.pk.get(c) if fu.pk else None
            pk[i, sel] = icp.pk[c].si() if value is None else value

        # envelope per threat class (ballistic figures where the catalog gives them)
        max_range = np.full(n_threats, icp.max_range_km.si())
        max_alt = np.full(n_threats, icp.max_altitude_m.si())
        if getattr(icp, "max_range_ballistic_km", None) is not None:
            max_range[threats.is_ballistic] = icp.max_range_ballistic_km.si()
        if getattr(icp, "max_altitude_ballistic_m", None) is not None:
            max_alt[threats.is_ballistic] = icp.max_altitude_ballistic_m.si()
        slant = fu_slant[i]
        h = threats.height_agl
        feasible = (
            visible[i]
            & (slant >= icp.min_range_km.si())
            & (slant <= max_range[:, None])
            & (h >= icp.min_altitude_m.si())
            & (h <= max_alt[:, None])
            & (speed_ok_base <= icp.max_target_speed_mps.si())
            & _in_sector(np.nan_to_num(fu_az[i]), fu.sector_center_deg, fu.sector_width_deg)
        )
        out = np.empty((n_threats, n_steps), dtype=np.int32)
        earliest_intercepts(
            t_s,
            np.nan_to_num(slant, nan=np.inf),
            feasible,
            threats.launch_step,
            threats.impact_step,
            icp.max_speed_mps.si(),
            icp.boost_time_s.si(),
            icp.speed_decay_time_s.si(),
            out,
        )
        # a fire unit never engages what its interceptor cannot kill (Pk 0)
        out[pk[i] <= 0.0] = -1
        intercept[i] = out

    fire_units = FireUnits(
        name=[f.name for f in fus],
        system=[f.system for f in fus],
        interceptor=cols["interceptor"],
        lat=np.array([f.lat for f in fus]),
        lon=np.array([f.lon for f in fus]),
        networked=np.array([f.networked for f in fus], dtype=np.bool_),
        reaction_steps=np.array(cols["reaction"], dtype=np.int64),
        assess_steps=np.array(cols["assess"], dtype=np.int64),
        channels=np.array(cols["channels"], dtype=np.int64),
        max_in_flight=np.array(cols["in_flight"], dtype=np.int64),
        capacity=np.array(cols["capacity"], dtype=np.int64),
        ready0=np.array(cols["ready"], dtype=np.int64),
        reserve0=np.array([f.reserve_interceptors for f in fus], dtype=np.int64),
        per_launcher=np.array(cols["per_launcher"], dtype=np.int64),
        reload_steps=np.array(cols["reload"], dtype=np.int64),
        interceptor_cost_usd=np.array(cols["cost"], dtype=float),
        acquisition_cost_usd=np.array(cols["acq"], dtype=float),
        pk=pk,
        intercept=intercept,
        window=launch_windows(intercept),
        max_range_m=np.array(cols["max_range"], dtype=float),
        sector_center_deg=np.array([f.sector_center_deg for f in fus], dtype=float),
        # the sector as used: the fire-control radar's own sector caps the scenario's
        sector_width_deg=np.array([s.sector_width_deg for s in sites if s.owner >= 0], dtype=float),
    )

    in_flight = np.zeros(n_steps, dtype=bool)
    for j in range(n_threats):
        in_flight[threats.launch_step[j] : threats.impact_step[j] + 1] = True
    return Prepared(
        scenario=scenario.name,
        variant=var.name,
        dt_s=dt,
        t_s=t_s,
        active_steps=np.flatnonzero(in_flight).astype(np.int64),
        threats=threats,
        sensors=sensor_arrays,
        fire_units=fire_units,
        doctrine=Doctrine(
            salvo=doctrine.salvo_size,
            max_engagements=doctrine.max_engagements,
            assignment=GREEDY if doctrine.assignment == "greedy" else OPTIMAL,
            hold_value=doctrine.hold_fire_below_value,
            reserve_ballistic=doctrine.reserve_for_ballistic,
        ),
        confirm_m=scenario.tracking.confirm_m,
        confirm_n=scenario.tracking.confirm_n,
        assets=list(scenario.assets),
        terrain="smooth earth" if dem is None else dem.name,
        tables=tables,
    )
