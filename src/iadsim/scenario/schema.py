"""Scenario format v1: the validated model of a scenario file.

Units are SI with the unit in the field name (``range_km``, ``spacing_s``, ``height_agl_m``);
positions are WGS84 ``lat``/``lon`` in degrees; azimuths are degrees clockwise from true north;
times are seconds from scenario start. See docs/scenario-format.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

if TYPE_CHECKING:
    from iadsim.catalog import Catalog

SCHEMA_VERSION = 1

# Bounds of every number (docs/scenario-format.md, "Bounds"): what the physics allows and the
# engine can hold (int64 counters, a time grid in memory), so a file that validates can run.
#: Longest a launch time or a launch spacing may be: a day. [s]
MAX_TIME_S = 86_400.0
#: Most rounds on a fire unit's launchers, in its reserve, or held for ballistic threats. [1]
MAX_ROUNDS = 10_000
#: Highest ballistic apogee: one earth radius, above any surface-to-surface arc. [m]
MAX_APOGEE_M = 6_371_000.0
#: Highest cruise height above ground: higher is not a cruise or drone profile. [m]
MAX_CRUISE_HEIGHT_M = 30_000.0
#: Speed overrides: from a hovering drone's crawl to about Mach 30. [m/s]
MIN_SPEED_MPS, MAX_SPEED_MPS = 1.0, 10_000.0
#: Largest relative value of an asset (and of the hold-fire threshold). [1]
MAX_VALUE = 1e6
#: Largest impact radius of an asset. [m]
MAX_RADIUS_M = 100_000.0
#: Most launch points or waypoints of one raid.
MAX_POINTS = 1_000

Name = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        max_length=64,
        description="Stable name: letters, digits, '.', '_' and '-'.",
    ),
]
Lat = Annotated[float, Field(ge=-90.0, le=90.0, description="Latitude, WGS84. [deg]")]
Lon = Annotated[float, Field(ge=-180.0, le=180.0, description="Longitude, WGS84. [deg]")]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
ThreatClass = Literal["ballistic", "cruise", "drone", "aircraft"]


class _Model(BaseModel):
    # NaN and infinity pass a "ge" bound in spirit but not in arithmetic: refuse them outright
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Point(_Model):
    """A point on the earth."""

    lat: Lat
    lon: Lon


class Asset(_Model):
    """A defended asset: what the raid aims at and the defence protects."""

    name: Name
    lat: Lat
    lon: Lon
    value: float = Field(
        1.0, gt=0, le=MAX_VALUE, description="Relative value, used to rank threats. [1]"
    )
    radius_m: float = Field(
        500.0,
        gt=0,
        le=MAX_RADIUS_M,
        description="A leaker impacting within this distance hits the asset. [m]",
    )


class Load(_Model):
    """One interceptor type of a mixed load: its own launchers' rounds and reserve."""

    interceptor: str = Field(description="Catalog interceptor of the fire unit's system.")
    loaded: int = Field(ge=0, le=MAX_ROUNDS, description="Ready rounds of this type. [1]")
    reserve: int = Field(0, ge=0, le=MAX_ROUNDS, description="Rounds of this type in reserve. [1]")


class FireUnit(_Model):
    """One fire unit (battery, battalion or vehicle) of a catalog system."""

    name: Name
    system: str = Field(description="Catalog system name, e.g. 's-400'.")
    lat: Lat
    lon: Lon
    interceptor: str | None = Field(None, description="Catalog interceptor; default: the system's.")
    interceptors_loaded: int | None = Field(
        None,
        ge=0,
        le=MAX_ROUNDS,
        description="Ready rounds on the launchers; default: launchers x missiles.",
    )
    reserve_interceptors: int = Field(
        0,
        ge=0,
        le=MAX_ROUNDS,
        description="Rounds in reserve, loaded at the system's reload time. [1]",
    )
    sector_center_deg: float = Field(0.0, ge=-360, le=360, description="Sector centre. [deg]")
    sector_width_deg: float = Field(360.0, gt=0, le=360, description="Sector width. [deg]")
    networked: bool = Field(True, description="Shares tracks with the network (else sees alone).")
    pk: dict[ThreatClass, Probability] | None = Field(
        None, description="Override of single-shot kill probability per threat class. [1]"
    )
    # issue 11: emission control of the fire-control radar (docs/models/attack.md)
    emcon: Literal["always", "cued", "dark_on_arm"] = Field(
        "always",
        description="always emits; cued: silent until a networked radar holds a track; "
        "dark_on_arm: goes dark while an ARM aimed at it is tracked.",
    )
    decoy_discrimination: dict[str, Probability] | None = Field(
        None,
        description="Per decoy type, the probability that this radar recognises a decoy it "
        "tracks (default: the decoy's catalog discrimination_p). [1]",
    )
    loads: list[Load] | None = Field(
        None,
        min_length=1,
        max_length=8,
        description="Mixed load: several interceptor types of the system, each with its own "
        "rounds (instead of interceptor, interceptors_loaded and reserve_interceptors).",
    )
    # issue 13 (record): fire units at sea (ships); docs/scenario-format.md
    at_sea: bool = Field(
        False,
        description="A ship: its position must be at sea (off the land of the packaged borders), "
        "and its cells cannot be reloaded at sea (no reserve).",
    )
    vls_cells: int | None = Field(
        None,
        ge=1,
        le=MAX_ROUNDS,
        description="A ship's vertical launch cells, shared by the interceptor types of its "
        "loads: every type's rounds must fit in them together. [1]",
    )

    @model_validator(mode="after")
    def _one_way_to_load(self) -> FireUnit:
        if self.loads is not None:
            given = [
                f for f in ("interceptor", "interceptors_loaded") if getattr(self, f) is not None
            ] + (["reserve_interceptors"] if self.reserve_interceptors else [])
            if given:
                raise ValueError(
                    f"loads replaces {', '.join(given)}: give each interceptor's rounds in loads"
                )
            names = [ld.interceptor for ld in self.loads]
            if len(set(names)) < len(names):
                raise ValueError("loads names an interceptor twice")
        # issue 13: a ship's cells are one magazine its interceptor types share at load-out
        if self.at_sea and (
            self.reserve_interceptors or any(ld.reserve for ld in self.loads or [])
        ):
            raise ValueError("a ship cannot reload its launch cells at sea: no reserve")
        if self.vls_cells is not None:
            if self.loads is None and self.interceptors_loaded is None:
                raise ValueError("vls_cells needs loads (or interceptors_loaded) to fit in them")
            need = (
                sum(ld.loaded for ld in self.loads)
                if self.loads
                else int(self.interceptors_loaded or 0)
            )
            if need > self.vls_cells:
                raise ValueError(f"the loads need {need} cells and the ship has {self.vls_cells}")
        return self


class Sensor(_Model):
    """A stand-alone sensor (an early-warning or acquisition radar of a catalog system)."""

    name: Name
    system: str = Field(description="Catalog system that owns the radar.")
    radar: str = Field(description="Radar name within the system, e.g. '91n6e'.")
    lat: Lat
    lon: Lon
    networked: bool = True
    sector_center_deg: float = Field(0.0, ge=-360, le=360)
    sector_width_deg: float | None = Field(None, gt=0, le=360)
    emcon: Literal["always", "cued", "dark_on_arm"] = Field(
        "always", description="Emission control, as for a fire unit's radar (issue 11)."
    )
    decoy_discrimination: dict[str, Probability] | None = Field(
        None, description="As for a fire unit's radar (issue 11). [1]"
    )


class RaidWeapon(_Model):
    """Weapons each aircraft of a raid carries and releases (issue 11)."""

    weapon: str = Field(description="Catalog threat an aircraft can carry, e.g. 'gbu-39'.")
    count: int = Field(1, ge=1, le=64, description="Rounds per aircraft. [1]")
    release_range_m: float = Field(
        gt=0,
        le=5_000_000,
        description="Ground distance from the aim at which the aircraft releases them. [m]",
    )
    target: Name | None = Field(
        None,
        description="Anti-radiation missiles: the fire unit or sensor whose radar they home on "
        "(their aim is then that radar).",
    )


class Raid(_Model):
    """A raid: ``count`` threats of one type from launch point(s) at an aim point."""

    name: Name
    threat: str = Field(description="Catalog threat name, e.g. 'fateh-313'.")
    launch_points: list[Point] = Field(min_length=1, max_length=MAX_POINTS)
    aim: Name | Point = Field(description="An asset name, or a point {lat, lon}.")
    count: int = Field(1, ge=1, le=100_000)
    launch_time_s: float = Field(0.0, ge=0, le=MAX_TIME_S, description="First launch. [s]")
    spacing_s: float = Field(
        0.0, ge=0, le=MAX_TIME_S, description="Time between successive launches. [s]"
    )
    waypoints: list[Point] = Field(
        default_factory=list,
        max_length=MAX_POINTS,
        description="Route points between launch and aim (not ballistic).",
    )
    apogee_alt_m: float | None = Field(
        None,
        gt=0,
        le=MAX_APOGEE_M,
        description="Ballistic apogee; default: minimum-energy arc. [m]",
    )
    height_agl_m: float | None = Field(
        None, gt=0, le=MAX_CRUISE_HEIGHT_M, description="Cruise height override. [m]"
    )
    speed_mps: float | None = Field(
        None, ge=MIN_SPEED_MPS, le=MAX_SPEED_MPS, description="Speed override. [m/s]"
    )
    # issue 11, the attacker fights back
    jammer: Name | None = Field(
        None,
        description="Catalog jammer every threat of the raid carries (a pod, a MALD-J): it "
        "screens its carrier in the radars' main beam and every other threat through their "
        "sidelobes while it flies (docs/models/electronic-warfare.md).",
    )
    route: Literal["direct", "avoid-defences"] = Field(
        "direct",
        description="direct: launch, waypoints, aim; avoid-defences: a least-exposure path "
        "planned over the defence's radar coverage (not ballistic; no waypoints).",
    )
    weapons: list[RaidWeapon] = Field(
        default_factory=list,
        max_length=8,
        description="Aircraft only: stand-off weapons released at their release range if the "
        "aircraft is still alive; it then turns back to its launch point.",
    )


class CombatAirPatrol(_Model):
    """Fighters on combat air patrol: a fire unit on an orbit (issue 13; docs/models/cap.md).

    Its radar, weapons and times are assumptions listed in :mod:`iadsim.engagement.cap`. It
    engages drones, cruise missiles and aircraft its own radar holds (cued by the network or
    not), returns when its load is spent, and stops at the end of its time on station."""

    name: Name
    lat: Lat = Field(description="Orbit centre latitude. [deg]")
    lon: Lon = Field(description="Orbit centre longitude. [deg]")
    orbit_radius_m: float = Field(30_000.0, ge=1_000.0, le=300_000.0, description="[m]")
    altitude_m: float = Field(8_000.0, ge=100.0, le=20_000.0, description="Orbit altitude. [m]")
    orbit_speed_mps: float = Field(200.0, ge=50.0, le=700.0, description="Orbit speed. [m/s]")
    dash_speed_mps: float = Field(
        300.0, ge=50.0, le=1_000.0, description="Speed to intercept. [m/s]"
    )
    max_dash_m: float = Field(
        150_000.0, ge=0.0, le=1_000_000.0, description="Longest dash off the orbit (fuel). [m]"
    )
    on_station_s: float = Field(0.0, ge=0, le=MAX_TIME_S, description="Arrival on station. [s]")
    time_on_station_s: float = Field(
        7_200.0, gt=0, le=MAX_TIME_S, description="Endurance on station. [s]"
    )
    weapon: Literal["aim-120", "aim-9x", "apkws"] = Field(
        description="Weapon class (one per CAP; a mixed load is two CAPs on one orbit)."
    )
    load: int = Field(ge=1, le=200, description="Rounds carried by the patrol. [1]")
    pk: dict[ThreatClass, Probability] | None = Field(
        None, description="Override of single-shot kill probability per threat class. [1]"
    )


class Doctrine(_Model):
    """How the defence fights."""

    salvo_size: int = Field(1, ge=1, le=8, description="Interceptors per engagement. [1]")
    shoot_look_shoot: bool = Field(
        False, description="After a miss, look (kill assessment) and engage again if time allows."
    )
    engagements_per_threat: int | None = Field(
        None, ge=1, le=8, description="Most engagements of one threat; default 2 with SLS, else 1."
    )
    assignment: Literal["greedy", "optimal"] = Field(
        "greedy", description="Weapon-assignment rule (see docs/models/engagement.md)."
    )
    hold_fire_below_value: float = Field(
        0.0,
        ge=0,
        le=MAX_VALUE,
        description="Do not engage threats aimed at assets below this value. [1]",
    )
    reserve_for_ballistic: int = Field(
        0,
        ge=0,
        le=MAX_ROUNDS,
        description="Interceptors per fire unit kept for ballistic threats. [1]",
    )
    interceptor_choice: Literal["cheapest_feasible", "earliest_intercept"] = Field(
        "cheapest_feasible",
        description="Which interceptor of a mixed load a fire unit fires: the cheapest with a "
        "feasible intercept, or the one that intercepts first.",
    )
    # issue 12: the defender's picture (docs/models/tracking.md)
    tracking: Literal["perfect", "estimated"] = Field(
        "perfect",
        description="'perfect': a confirmed track is the truth; 'estimated': Kalman tracks from "
        "noisy radar plots, dropped after missed scans, aim points predicted.",
    )
    engage_only_predicted_hits: bool = Field(
        False,
        description="Engage a ballistic threat only when its predicted impact ellipse meets a "
        "defended asset's footprint.",
    )
    predicted_hit_confidence: float = Field(
        0.95,
        ge=0.5,
        le=0.9999,
        description="Confidence level of that impact ellipse. [1]",
    )

    @property
    def max_engagements(self) -> int:
        if self.engagements_per_threat is not None:
            return self.engagements_per_threat
        return 2 if self.shoot_look_shoot else 1


class DoctrinePatch(_Model):
    """Fields of :class:`Doctrine` a variant changes."""

    salvo_size: int | None = Field(None, ge=1, le=8)
    shoot_look_shoot: bool | None = None
    engagements_per_threat: int | None = Field(None, ge=1, le=8)
    assignment: Literal["greedy", "optimal"] | None = None
    hold_fire_below_value: float | None = Field(None, ge=0, le=MAX_VALUE)
    reserve_for_ballistic: int | None = Field(None, ge=0, le=MAX_ROUNDS)
    interceptor_choice: Literal["cheapest_feasible", "earliest_intercept"] | None = None
    # issue 12
    tracking: Literal["perfect", "estimated"] | None = None
    engage_only_predicted_hits: bool | None = None
    predicted_hit_confidence: float | None = Field(None, ge=0.5, le=0.9999)


class MonteCarlo(_Model):
    """Replications and the root seed."""

    replications: int = Field(1000, ge=1, le=10_000_000)
    seed: int = Field(
        0, ge=0, le=2**63 - 1, description="Root seed; every random draw flows from it."
    )
    chunk_size: int = Field(
        1000, ge=1, le=1_000_000, description="Replications per chunk (streamed to disk)."
    )


class Propagation(_Model):
    """Radio propagation."""

    k_factor: float = Field(
        4.0 / 3.0, gt=0.5, le=10, description="Effective earth radius factor (4/3 standard)."
    )


class Terrain(_Model):
    """Elevation data and the resolution of the per-radar coverage tables."""

    dem: str = Field(
        "default",
        description="'default' (the packaged GLOBE 30\" crop, where the scenario lies inside it; "
        "smooth earth elsewhere), 'none' (smooth earth), or a GeoTIFF path (relative to the "
        "scenario file), any CRS.",
    )
    az_step_deg: float = Field(0.1, ge=0.01, le=2.0, description="Table azimuth step. [deg]")
    range_step_m: float = Field(250.0, ge=10.0, le=5000.0, description="Table range step. [m]")


class Tracking(_Model):
    """Track confirmation: M detections in the last N scans of one radar."""

    confirm_m: int = Field(2, ge=1, le=30, description="Detections needed. [1]")
    confirm_n: int = Field(3, ge=1, le=30, description="Within this many scans. [1]")
    # issue 12
    drop_after_missed_scans: int = Field(
        3,
        ge=1,
        le=30,
        description="With doctrine.tracking 'estimated', a radar drops a track after this many "
        "scans in a row without a plot. [1]",
    )

    @model_validator(mode="after")
    def _m_le_n(self) -> Tracking:
        if self.confirm_m > self.confirm_n:
            raise ValueError("confirm_m must not exceed confirm_n")
        return self


class FigureOverride(_Model):
    """A catalog figure replaced for this scenario (a hypothetical parameter)."""

    entry: str = Field(description="Catalog entry name, e.g. 's-400'.")
    path: str = Field(
        description="Dotted path of the figure in the entry, e.g. "
        "'interceptors.48n6e3.max_speed_mps' or 'pk.ballistic' under an interceptor."
    )
    figure: dict[str, Any] | None = Field(
        None,
        description="The new figure: value, unit, claim, sources, note (the catalog's rules).",
    )
    uncertainty: dict[str, Any] | None = Field(
        None,
        description="Add an uncertainty to the catalog figure, or narrow the one it has: low, "
        "high, distribution, reasoning (docs/uncertainty.md). Not with 'figure' (put it inside).",
    )

    @model_validator(mode="after")
    def _one_change(self) -> FigureOverride:
        if (self.figure is None) == (self.uncertainty is None):
            raise ValueError(
                "give either 'figure' (a new figure) or 'uncertainty' (a span for the catalog's "
                "figure)"
            )
        return self


class ScenarioCatalog(_Model):
    """Catalog entries defined in the scenario, and figures changed for it."""

    entries: list[dict[str, Any]] = Field(
        default_factory=list, description="New systems or threats, in the catalog file schema."
    )
    overrides: list[FigureOverride] = Field(default_factory=list)


class Variant(_Model):
    """A named variant of the scenario: a subset of the defence and doctrine changes."""

    name: Name
    description: str = ""
    fire_units: list[Name] | None = Field(None, description="Fire units used; default: all.")
    sensors: list[Name] | None = Field(None, description="Sensors used; default: all.")
    doctrine: DoctrinePatch | None = None


class Scenario(_Model):
    """A scenario file, schema version 1."""

    schema_version: Literal[1] = Field(description="Format version; this is version 1.")
    name: Name
    description: str = ""
    time_step_s: float = Field(1.0, ge=0.1, le=10, description="Engine time step. [s]")
    propagation: Propagation = Propagation()
    terrain: Terrain = Terrain()
    catalog: ScenarioCatalog = ScenarioCatalog()
    assets: list[Asset] = Field(min_length=1)
    fire_units: list[FireUnit] = Field(default_factory=list)
    sensors: list[Sensor] = Field(default_factory=list)
    raids: list[Raid] = Field(min_length=1)
    tracking: Tracking = Tracking()
    doctrine: Doctrine = Doctrine()
    monte_carlo: MonteCarlo = MonteCarlo()
    variants: list[Variant] = Field(default_factory=list)
    # issue 13 (record): fighters on combat air patrol, fire units named like fire_units
    combat_air_patrols: list[CombatAirPatrol] = Field(default_factory=list)

    _source_path: str | None = PrivateAttr(default=None)
    _catalog: Any = PrivateAttr(default=None)
    _source_text: str | None = PrivateAttr(default=None)
    _loaded_dump: dict[str, Any] | None = PrivateAttr(default=None)

    def _remember_source(self, text: str) -> None:
        """Keep the file's text and the model as loaded (called by ``load_scenario``)."""
        self._source_text = text
        self._loaded_dump = self.model_dump()

    @property
    def source_text(self) -> str | None:
        """The text of the file this scenario was loaded from (None: not loaded from a file)."""
        return self._source_text

    @property
    def changed_since_load(self) -> bool:
        """Whether this model differs from the file's (a copy with an update, a sweep point, a
        list changed in place); True when it was not loaded from a file. ``model_copy`` keeps
        the loaded model, so the comparison is against the file, not the copy's parent."""
        return self._loaded_dump is None or self.model_dump() != self._loaded_dump

    @property
    def effective_catalog(self) -> Catalog | None:
        """The packaged catalog with this scenario's own entries and overrides (None: not
        resolved yet; :func:`iadsim.scenario.load_scenario` resolves it)."""
        return self._catalog

    @property
    def source_path(self) -> str | None:
        """The file this scenario was loaded from, if any."""
        return self._source_path

    def variant_names(self) -> list[str]:
        return [v.name for v in self.variants] or ["base"]

    def variant(self, name: str | None = None) -> Variant:
        if not self.variants:
            if name not in (None, "base"):
                raise KeyError(name)
            return Variant(name="base")
        if name is None:
            return self.variants[0]
        for v in self.variants:
            if v.name == name:
                return v
        raise KeyError(name)

    def doctrine_for(self, variant: Variant) -> Doctrine:
        if variant.doctrine is None:
            return self.doctrine
        update = {k: v for k, v in variant.doctrine.model_dump().items() if v is not None}
        return self.doctrine.model_copy(update=update)

    def asset(self, name: str) -> Asset:
        for a in self.assets:
            if a.name == name:
                return a
        raise KeyError(name)
