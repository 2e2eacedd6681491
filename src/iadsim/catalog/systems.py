"""Catalog schema, systems: an air-defence system's fire unit, radars and interceptors.

Every number is a :class:`~iadsim.catalog.figures.Figure`; the checks here are those that span
several figures of one part (a Pd in (0, 1), a minimum range below the maximum, a default
interceptor the system has). Errors keep their place in the file, as in
:mod:`iadsim.catalog.figures`. The field names are an interface: the engine reads them
(``interceptor.boost_time_s.si()``).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from iadsim.catalog.figures import (
    THREAT_CLASSES,
    EntryBase,
    Figure,
    FigureHolder,
    Key,
    Problems,
    raise_problems,
)

__all__ = ["FireUnit", "Interceptor", "PkTable", "Radar", "SystemEntry"]


class FireUnit(FigureHolder):
    """The unit a scenario places: one battalion, battery or launcher vehicle."""

    unit_name: str = Field(description="What one fire unit is called (battalion, battery...). [-]")
    launchers: Figure = Field(description="Launchers per fire unit. [1]")
    missiles_per_launcher: Figure = Field(
        description="Rounds of the default interceptor per launcher. [1]"
    )
    fire_channels: Figure = Field(description="Targets engaged (guided at) simultaneously. [1]")
    max_missiles_in_flight: Figure = Field(description="Interceptors guided at once. [1]")
    reaction_time_s: Figure = Field(description="Track confirmation to first launch. [s]")
    reload_time_s: Figure = Field(description="Time to reload one launcher. [s]")
    kill_assessment_s: Figure = Field(
        description="Look time after an intercept before re-engaging the same target. [s]"
    )
    acquisition_cost_usd: Figure = Field(description="Cost of one fire unit. [USD]")
    default_interceptor: Key = Field(description="Key in the system's ``interceptors``. [-]")
    fire_control_radar: Key = Field(description="Key in the system's ``radars``. [-]")


class Radar(FigureHolder):
    """A radar, described for a statistical detection model.

    Detection follows SNR(R, σ) = SNR_ref · (σ/σ_ref) · (R_ref/R)⁴ from a reference detection
    range ``reference_range_km`` against ``reference_rcs_m2`` at ``reference_pd`` and
    ``reference_pfa`` (see docs/models).
    """

    display_name: str = Field(description="Human-readable designation. [-]")
    role: Literal["fire_control", "acquisition", "early_warning"] = Field(
        description="fire_control, acquisition or early_warning. [-]"
    )
    reference_range_km: Figure = Field(
        description="Detection range against reference_rcs_m2 at reference_pd/pfa. [km]"
    )
    reference_rcs_m2: Figure = Field(description="RCS of the reference target. [m^2]")
    reference_pd: Figure = Field(description="Single-scan Pd at the reference range. [1]")
    reference_pfa: Figure = Field(description="Probability of false alarm. [1]")
    instrumented_range_km: Figure = Field(description="Largest range the radar reports. [km]")
    scan_period_s: Figure = Field(description="Revisit time of a given direction. [s]")
    min_elevation_deg: Figure = Field(description="Lowest elevation covered. [deg]")
    max_elevation_deg: Figure = Field(description="Highest elevation covered. [deg]")
    sector_width_deg: Figure = Field(description="Azimuth sector covered; 360 = all round. [deg]")
    antenna_height_m: Figure = Field(description="Antenna phase centre above ground. [m]")
    track_capacity: Figure = Field(description="Targets tracked at once. [1]")
    # issue 12: plot accuracy, read by the tracker (``doctrine.tracking: estimated``)
    range_sigma_m: Figure | None = Field(
        None, description="Standard deviation of one plot's range. [m]"
    )
    azimuth_sigma_deg: Figure | None = Field(
        None, description="Standard deviation of one plot's azimuth. [deg]"
    )
    elevation_sigma_deg: Figure | None = Field(
        None, description="Standard deviation of one plot's elevation. [deg]"
    )
    # electronic attack (issue 11): what the radar and jammer equations need; optional, but a
    # scenario with a jammer refuses a radar without them (docs/models/electronic-warfare.md)
    peak_power_w: Figure | None = Field(None, description="Transmitted peak power Pt. [W]")
    antenna_gain_db: Figure | None = Field(None, description="Main-beam antenna gain Gt. [dB]")
    sidelobe_level_db: Figure | None = Field(
        None, description="Sidelobe gain relative to the main beam (negative). [dB]"
    )
    bandwidth_hz: Figure | None = Field(None, description="Receiver noise bandwidth Br. [Hz]")
    processing_gain_db: Figure | None = Field(
        None,
        description="Pulse-compression and integration gain against noise jamming (the "
        "reference SNR already holds it for thermal noise). [dB]",
    )

    #: The figures jamming needs, all or none.
    EW_FIELDS: ClassVar[tuple[str, ...]] = (
        "peak_power_w",
        "antenna_gain_db",
        "sidelobe_level_db",
        "bandwidth_hz",
        "processing_gain_db",
    )

    @property
    def has_ew(self) -> bool:
        """Whether the radar carries the figures the jamming model needs."""
        return all(getattr(self, n) is not None for n in self.EW_FIELDS)

    @model_validator(mode="after")
    def _physical(self) -> Radar:
        problems: Problems = []
        given = [n for n in self.EW_FIELDS if getattr(self, n) is not None]
        if given and len(given) < len(self.EW_FIELDS):
            missing = [n for n in self.EW_FIELDS if n not in given]
            problems.append(
                (
                    (missing[0],),
                    "ew_incomplete",
                    "the EW figures go together; missing: " + ", ".join(missing),
                )
            )
        for name in ("peak_power_w", "bandwidth_hz"):
            fig = getattr(self, name)
            if fig is not None and fig.value <= 0.0:
                problems.append(((name, "value"), "positive", "must be positive"))
        if self.processing_gain_db is not None and self.processing_gain_db.value < 0.0:
            problems.append((("processing_gain_db", "value"), "positive", "must be >= 0"))
        if self.sidelobe_level_db is not None and self.sidelobe_level_db.value >= 0.0:
            problems.append(
                (("sidelobe_level_db", "value"), "sidelobe", "must be negative (below the beam)")
            )
        for name in ("reference_pd", "reference_pfa"):
            v = getattr(self, name).value
            if not 0.0 < v < 1.0:
                problems.append(((name, "value"), "probability", f"must be in (0, 1), got {v}"))
        if self.min_elevation_deg.value >= self.max_elevation_deg.value:
            problems.append(
                (("max_elevation_deg", "value"), "order", "must exceed min_elevation_deg")
            )
        if not 0.0 < self.sector_width_deg.value <= 360.0:
            problems.append((("sector_width_deg", "value"), "sector", "must be in (0, 360]"))
        for name in (
            "reference_range_km",
            "reference_rcs_m2",
            "instrumented_range_km",
            "scan_period_s",
            "track_capacity",
        ):
            if getattr(self, name).value <= 0.0:
                problems.append(((name, "value"), "positive", "must be positive"))
        if problems:
            raise_problems("Radar", problems)
        return self


class PkTable(FigureHolder):
    """Single-shot kill probability of one interceptor against each threat class."""

    ballistic: Figure = Field(description="Against ballistic missiles. [1]")
    cruise: Figure = Field(description="Against cruise missiles. [1]")
    drone: Figure = Field(description="Against one-way attack drones. [1]")
    aircraft: Figure = Field(description="Against crewed aircraft. [1]")

    @model_validator(mode="after")
    def _probabilities(self) -> PkTable:
        problems: Problems = [
            ((c, "value"), "probability", f"must be in [0, 1], got {getattr(self, c).value}")
            for c in THREAT_CLASSES
            if not 0.0 <= getattr(self, c).value <= 1.0
        ]
        if problems:
            raise_problems("PkTable", problems)
        return self

    def __getitem__(self, threat_class: str) -> Figure:
        """``pk["ballistic"]``: the figure for one threat class."""
        if threat_class not in THREAT_CLASSES:
            raise KeyError(threat_class)
        return getattr(self, threat_class)


class Interceptor(FigureHolder):
    """An interceptor missile: engagement envelope, fly-out profile, cost and kill probability.

    Fly-out: constant acceleration to ``max_speed_mps`` in ``boost_time_s``, then speed decays
    as exp(-t/τ) with τ = ``speed_decay_time_s``; kinematic reach v_max·t_b/2 + v_max·τ.
    """

    display_name: str = Field(description="Human-readable designation. [-]")
    min_range_km: Figure = Field(description="Minimum intercept range. [km]")
    max_range_km: Figure = Field(description="Maximum intercept range, aircraft-class. [km]")
    max_range_ballistic_km: Figure | None = Field(
        None, description="Maximum intercept range against ballistic targets. [km]"
    )
    min_altitude_m: Figure = Field(description="Lowest target height. [m]")
    max_altitude_m: Figure = Field(description="Highest target altitude, aircraft-class. [m]")
    max_altitude_ballistic_m: Figure | None = Field(
        None, description="Highest intercept altitude against ballistic targets. [m]"
    )
    max_target_speed_mps: Figure = Field(description="Fastest target it can engage. [m/s]")
    max_speed_mps: Figure = Field(description="Speed at burnout. [m/s]")
    boost_time_s: Figure = Field(description="Boost duration (constant acceleration). [s]")
    speed_decay_time_s: Figure = Field(description="Time constant τ of the coast decay. [s]")
    unit_cost_usd: Figure = Field(description="Cost of one round. [USD]")
    # issue 12: how far the round can correct the fire-control prediction (``tracking: estimated``)
    divert_m: Figure | None = Field(
        None,
        description="Largest miss of the predicted intercept point the round can still correct; "
        "default: the engine's assumption (docs/models/tracking.md). [m]",
    )
    pk: PkTable = Field(description="Single-shot kill probability per threat class. [1]")

    @model_validator(mode="after")
    def _envelope(self) -> Interceptor:
        problems: Problems = []
        if self.min_range_km.value >= self.max_range_km.value:
            problems.append((("max_range_km", "value"), "order", "must exceed min_range_km"))
        if self.min_altitude_m.value >= self.max_altitude_m.value:
            problems.append((("max_altitude_m", "value"), "order", "must exceed min_altitude_m"))
        for name in ("max_speed_mps", "speed_decay_time_s", "max_target_speed_mps"):
            if getattr(self, name).value <= 0.0:
                problems.append(((name, "value"), "positive", "must be positive"))
        if self.boost_time_s.value < 0.0:
            problems.append((("boost_time_s", "value"), "positive", "must be >= 0"))
        if problems:
            raise_problems("Interceptor", problems)
        return self

    def kinematic_reach_m(self) -> float:
        """Distance the fly-out approaches but never reaches: v·t_b/2 + v·τ. [m]"""
        v = self.max_speed_mps.si()
        return 0.5 * v * self.boost_time_s.si() + v * self.speed_decay_time_s.si()


class SystemEntry(EntryBase):
    """An air-defence system: what one fire unit holds, its radars and its interceptors."""

    kind: Literal["system"] = Field(description="Entry kind: system. [-]")
    fire_unit: FireUnit = Field(description="The unit a scenario places. [-]")
    radars: dict[Key, Radar] = Field(min_length=1, description="Radars by key. [-]")
    interceptors: dict[Key, Interceptor] = Field(
        min_length=1, description="Interceptors by key. [-]"
    )

    @model_validator(mode="after")
    def _references(self) -> SystemEntry:
        problems: Problems = []
        fu = self.fire_unit
        if fu.default_interceptor not in self.interceptors:
            known = ", ".join(sorted(self.interceptors))
            problems.append(
                (
                    ("fire_unit", "default_interceptor"),
                    "unknown_reference",
                    f"unknown interceptor '{fu.default_interceptor}'; known: {known}",
                )
            )
        if fu.fire_control_radar not in self.radars:
            known = ", ".join(sorted(self.radars))
            problems.append(
                (
                    ("fire_unit", "fire_control_radar"),
                    "unknown_reference",
                    f"unknown radar '{fu.fire_control_radar}'; known: {known}",
                )
            )
        if problems:
            raise_problems("SystemEntry", problems)
        return self
