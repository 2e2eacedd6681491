"""Catalog schema v1: every number is a sourced :class:`Figure`.

A catalog file describes one air-defence system (fire unit, radars, interceptors) or one threat
type. Each numeric parameter is a :class:`Figure` that carries its value, unit, claim type, source
URLs and a note. The rules below are enforced while a file is validated, so an unsourced or
mislabelled number never reaches the engine:

* ``claim`` is one of :data:`CLAIMS`;
* every claim except ``assumption`` cites at least one http(s) URL;
* ``derived`` and ``assumption`` explain themselves in ``note``;
* ``range`` (where sources disagree) has ``lo <= value <= hi``;
* ``uncertainty`` (the span of plausible values an uncertainty study samples, see
  docs/uncertainty.md) has ``low <= value <= high``, a distribution, its reasoning, ``low > 0``
  if log-uniform, and both ends keep the entry valid (a Pk range cannot reach 1.2);
* the unit matches the field-name suffix (:data:`UNIT_BY_SUFFIX`); fields without a suffix
  (counts, probabilities) use unit ``1``.

Errors raised here keep their place in the file (``FILE:LINE:COL: path.to.field: message``): a
check that spans several fields raises a :class:`pydantic.ValidationError` whose locations are
relative to the model, which pydantic prefixes with the model's own location.

The field names are an interface: the engine reads them (``entry.boost_time_s.si()``).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

__all__ = [
    "CLAIMS",
    "DISTRIBUTIONS",
    "NAME_PATTERN",
    "NO_UNCERTAINTY_CHECK",
    "SCHEMA_VERSION",
    "THREAT_CLASSES",
    "UNIT_BY_SUFFIX",
    "Claim",
    "Figure",
    "FireUnit",
    "Interceptor",
    "JammerEntry",
    "PkTable",
    "Radar",
    "SystemEntry",
    "ThreatEntry",
    "Uncertainty",
    "expected_unit",
]

#: Version of the catalog file format described here.
SCHEMA_VERSION = 1

#: Claim types, from the most to the least direct (see docs/catalog-format.md).
CLAIMS = ("manufacturer", "government", "independent", "derived", "assumption")
Claim = Literal["manufacturer", "government", "independent", "derived", "assumption"]

#: Threat classes; interceptor kill probabilities are given per class.
THREAT_CLASSES = ("ballistic", "cruise", "drone", "aircraft")
ThreatClass = Literal["ballistic", "cruise", "drone", "aircraft"]

#: Distributions an uncertainty may follow (``triangular`` peaks at the figure's value).
DISTRIBUTIONS = ("uniform", "triangular", "loguniform")
Distribution = Literal["uniform", "triangular", "loguniform"]

#: Unit required by a field-name suffix; a field with none of these suffixes uses unit ``1``.
UNIT_BY_SUFFIX = {
    "_km": "km",
    "_m": "m",
    "_s": "s",
    "_mps": "m/s",
    "_m2": "m^2",
    "_usd": "USD",
    "_deg": "deg",
    "_kg": "kg",
    # electronic warfare (issue 11): powers, bandwidths and antenna gains
    "_w": "W",
    "_hz": "Hz",
    "_db": "dB",
}

#: Stable registry names of entries: lowercase letters, digits and single hyphens.
NAME_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
#: Keys of radars and interceptors inside a system (a slash is allowed: ``an/mpq-65``).
KEY_PATTERN = r"^[a-z0-9]+([-/][a-z0-9]+)*$"

_SI_FACTOR = {"km": 1000.0}


def expected_unit(field_name: str) -> str:
    """The unit a figure named ``field_name`` must carry (``max_range_km`` -> ``km``)."""
    for suffix in sorted(UNIT_BY_SUFFIX, key=len, reverse=True):
        if field_name.endswith(suffix):
            return UNIT_BY_SUFFIX[suffix]
    return "1"


Problems = list[tuple[tuple[str | int, ...], str, str]]  # (loc, error type, message)


def _raise(model: str, problems: Problems) -> None:
    """Raise one ValidationError with a located error per (loc, type, message)."""
    details = [
        InitErrorDetails(type=PydanticCustomError(kind, msg), loc=loc, input=None)
        for loc, kind, msg in problems
    ]
    raise ValidationError.from_exception_data(model, details)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Uncertainty(_Model):
    """The span of plausible values of a figure, sampled by ``iadsim uncertainty``.

    ``low`` and ``high`` are in the figure's unit. ``uniform`` spreads samples evenly,
    ``triangular`` peaks at the figure's value, ``loguniform`` is uniform in log (for figures
    spanning orders of magnitude, such as RCS; needs ``low > 0``).

    References
    ----------
    .. [1] A. Saltelli et al., *Global Sensitivity Analysis: The Primer*, Wiley, 2008, ch. 1.
    """

    low: float = Field(description="Lowest plausible value, in the figure's unit. [unit]")
    high: float = Field(description="Highest plausible value, in the figure's unit. [unit]")
    distribution: Distribution = Field(
        description="uniform, triangular (peak at the value) or loguniform. [-]"
    )
    reasoning: str = Field(
        min_length=1, description="Why this span: what the sources or the physics allow. [-]"
    )

    @model_validator(mode="after")
    def _order(self) -> Uncertainty:
        problems: list[tuple[tuple[str | int, ...], str, str]] = []
        if self.low > self.high:
            problems.append((("high",), "bad_range", f"low {self.low} > high {self.high}"))
        if self.distribution == "loguniform" and self.low <= 0.0:
            problems.append(
                (("low",), "loguniform", f"a loguniform range needs low > 0, got {self.low}")
            )
        if problems:
            _raise("Uncertainty", problems)
        return self

    def contains(self, other: Uncertainty) -> bool:
        """True if ``other`` lies within this span (a narrowing of it)."""
        return self.low <= other.low and other.high <= self.high


class Figure(_Model):
    """One sourced number: value, unit, what kind of claim it is, and where it comes from."""

    value: float = Field(description="The figure, in ``unit``. [unit]")
    unit: str = Field(description="Unit; must match the field-name suffix (``1`` if none). [-]")
    claim: Claim = Field(
        description="Who says so: manufacturer, government, independent, derived or assumption. [-]"
    )
    sources: list[str] = Field(
        default_factory=list,
        description="Public http(s) URLs backing the value; required unless an assumption. [-]",
    )
    note: str = Field(
        "",
        description="Why this value; the method if derived; the reasoning if assumed. [-]",
    )
    range: tuple[float, float] | None = Field(
        None, description="Span the sources give where they disagree, ``[lo, hi]``. [unit]"
    )
    uncertainty: Uncertainty | None = Field(
        None,
        description="Plausible span sampled by uncertainty studies: low, high, distribution, "
        "reasoning. [unit]",
    )

    @field_validator("sources")
    @classmethod
    def _urls(cls, sources: list[str]) -> list[str]:
        bad = [s for s in sources if not s.startswith(("http://", "https://"))]
        if bad:
            raise ValueError(f"sources must be http(s) URLs; not: {', '.join(bad)}")
        return sources

    @model_validator(mode="after")
    def _rules(self) -> Figure:
        problems: Problems = []
        if self.claim != "assumption" and not self.sources:
            problems.append(
                (
                    ("sources",),
                    "missing_source",
                    f"a '{self.claim}' figure needs at least one source URL "
                    "(or mark it claim: assumption and explain it in note)",
                )
            )
        if self.claim in ("derived", "assumption") and not self.note:
            problems.append(
                (
                    ("note",),
                    "missing_note",
                    f"a '{self.claim}' figure needs a note: "
                    + ("the method" if self.claim == "derived" else "the reasoning"),
                )
            )
        if self.range is not None:
            lo, hi = self.range
            if lo > hi:
                problems.append((("range",), "bad_range", f"range lo {lo} > hi {hi}"))
            elif not lo <= self.value <= hi:
                problems.append(
                    (
                        ("value",),
                        "outside_range",
                        f"value {self.value} is outside range [{lo}, {hi}]",
                    )
                )
        u = self.uncertainty
        if u is not None and not u.low <= self.value <= u.high:
            problems.append(
                (
                    ("uncertainty", "low" if self.value < u.low else "high"),
                    "outside_uncertainty",
                    f"value {self.value} is outside the uncertainty [{u.low}, {u.high}]",
                )
            )
        if problems:
            _raise("Figure", problems)
        return self

    def si(self) -> float:
        """The value in SI units (km -> m; every other unit, degrees included, unchanged)."""
        return self.value * _SI_FACTOR.get(self.unit, 1.0)


#: Validation-context key that skips the check of both ends of each uncertainty (for catalogs
#: whose figures were just set to sampled values, and for the check's own copies).
NO_UNCERTAINTY_CHECK = "iadsim_no_uncertainty_check"


class _Holder(_Model):
    """A model whose Figure fields must carry the unit their name's suffix names, and whose
    uncertain figures keep the model valid at both ends of their span."""

    @model_validator(mode="after")
    def _units(self, info: ValidationInfo) -> Any:
        problems: Problems = []
        for name in type(self).model_fields:
            fig = getattr(self, name)
            if isinstance(fig, Figure):
                want = expected_unit(name)
                if fig.unit != want:
                    problems.append(
                        (
                            (name, "unit"),
                            "unit_mismatch",
                            f"unit '{fig.unit}' does not match the field name "
                            f"'{name}': expected '{want}'",
                        )
                    )
                elif fig.uncertainty is not None and not (info.context or {}).get(
                    NO_UNCERTAINTY_CHECK
                ):
                    problems += self._ends(name, fig)
        if problems:
            _raise(type(self).__name__, problems)
        return self

    def _ends(self, name: str, fig: Figure) -> list[tuple[tuple[str | int, ...], str, str]]:
        """Problems if this model breaks one of its rules with ``name`` at either end of its
        uncertainty (each end alone; the others at their values). The context flag stops the
        check recursing into the copies it validates."""
        assert fig.uncertainty is not None
        out: list[tuple[tuple[str | int, ...], str, str]] = []
        for end in ("low", "high"):
            x = getattr(fig.uncertainty, end)
            dumped = self.model_dump()
            dumped[name] = {**dumped[name], "value": x, "uncertainty": None, "range": None}
            try:
                type(self).model_validate(dumped, context={NO_UNCERTAINTY_CHECK: True})
            except ValidationError as exc:
                why = "; ".join(
                    ".".join(str(p) for p in e["loc"]) + ": " + e["msg"]
                    for e in exc.errors(include_url=False)
                )
                out.append(
                    (
                        (name, "uncertainty", end),
                        "uncertainty_breaks_rule",
                        f"at {end} = {x:g} the entry is invalid ({why})",
                    )
                )
        return out


Name = Annotated[str, Field(pattern=NAME_PATTERN, min_length=1, max_length=64)]
Key = Annotated[str, Field(pattern=KEY_PATTERN, min_length=1, max_length=64)]


class FireUnit(_Holder):
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


class Radar(_Holder):
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
            _raise("Radar", problems)
        return self


class PkTable(_Holder):
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
            _raise("PkTable", problems)
        return self

    def __getitem__(self, threat_class: str) -> Figure:
        """``pk["ballistic"]``: the figure for one threat class."""
        if threat_class not in THREAT_CLASSES:
            raise KeyError(threat_class)
        return getattr(self, threat_class)


class Interceptor(_Holder):
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
            _raise("Interceptor", problems)
        return self

    def kinematic_reach_m(self) -> float:
        """Distance the fly-out approaches but never reaches: v·t_b/2 + v·τ. [m]"""
        v = self.max_speed_mps.si()
        return 0.5 * v * self.boost_time_s.si() + v * self.speed_decay_time_s.si()


class _Entry(_Holder):
    schema_version: Literal[1] = Field(description="Catalog format version (1). [-]")
    name: Name = Field(description="Stable registry name; equals the file stem. [-]")
    display_name: str = Field(description="Human-readable name. [-]")
    origin: str = Field(description="Country of origin. [-]")
    summary: str = Field(description="One paragraph: what it is and what the figures rest on. [-]")

    @field_validator("name")
    @classmethod
    def _name_matches_file(cls, name: str, info: ValidationInfo) -> str:
        expected = (info.context or {}).get("expected_name")
        if expected is not None and name != expected:
            raise ValueError(f"name '{name}' must equal the file name stem '{expected}'")
        return name


class SystemEntry(_Entry):
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
            _raise("SystemEntry", problems)
        return self


_CLASS_FIELDS: dict[str, tuple[str, ...]] = {
    "ballistic": ("boost_time_s",),
    "cruise": ("speed_mps", "cruise_height_agl_m"),
    "drone": ("speed_mps", "cruise_height_agl_m"),
    "aircraft": ("speed_mps", "cruise_altitude_m"),
}
_OPTIONAL_CLASS_FIELDS = ("boost_time_s", "speed_mps", "cruise_height_agl_m", "cruise_altitude_m")


class ThreatEntry(_Entry):
    """A threat type: signature, cost, reliability, accuracy and flight profile."""

    kind: Literal["threat"] = Field(description="Entry kind: threat. [-]")
    threat_class: ThreatClass = Field(description="ballistic, cruise, drone or aircraft. [-]")
    rcs_m2: Figure = Field(description="Radar cross section seen by the defence. [m^2]")
    unit_cost_usd: Figure = Field(description="Cost of one round or aircraft. [USD]")
    reliability: Figure = Field(
        description="Probability of completing the flight absent defences. [1]"
    )
    cep_m: Figure = Field(description="Circular error probable. [m]")
    max_range_km: Figure = Field(description="Maximum range (combat radius for aircraft). [km]")
    boost_time_s: Figure | None = Field(None, description="Boost duration; ballistic only. [s]")
    speed_mps: Figure | None = Field(None, description="Cruise speed; not ballistic. [m/s]")
    cruise_height_agl_m: Figure | None = Field(
        None, description="Cruise height above ground; cruise and drone. [m]"
    )
    cruise_altitude_m: Figure | None = Field(
        None, description="Cruise altitude above mean sea level; aircraft. [m]"
    )
    warhead_kg: Figure | None = Field(None, description="Warhead (explosive) mass. [kg]")
    # issue 11: air-launched weapons
    carriers: list[ThreatClass] | None = Field(
        None,
        description="Platform classes that release it (air-launched weapons, "
        "``raids[].weapons``); none: launched from the ground. [-]",
    )
    arm_pk: Figure | None = Field(
        None,
        description="Anti-radiation missiles: probability of killing the radar it homes on when "
        "that radar still emits at arrival. [1]",
    )
    arm_memory_pk: Figure | None = Field(
        None,
        description="Anti-radiation missiles: the same once the radar went dark (the missile "
        "flies to the last position it heard). [1]",
    )
    decoy: bool = Field(
        False,
        description="A decoy (MALD class): mimics a real threat, takes tracks and interceptors, "
        "does no damage. [-]",
    )
    discrimination_p: Figure | None = Field(
        None,
        description="Decoys: probability that a radar which confirms a track on it recognises "
        "it as a decoy (scenario radars may override it). [1]",
    )
    profile: Literal["route", "glide"] = Field(
        "route",
        description="route: flies at its cruise height; glide (unpowered bombs, cruise class): "
        "descends evenly from the release altitude to the aim. [-]",
    )

    @model_validator(mode="after")
    def _class_fields(self) -> ThreatEntry:
        problems: Problems = []
        if self.decoy != (self.discrimination_p is not None):
            problems.append(
                (("discrimination_p",), "decoy", "a decoy has a discrimination_p, and only a decoy")
            )
        elif (
            self.decoy
            and self.discrimination_p is not None
            and not 0.0 <= self.discrimination_p.value <= 1.0
        ):
            problems.append((("discrimination_p", "value"), "probability", "must be in [0, 1]"))
        if (self.arm_pk is None) != (self.arm_memory_pk is None):
            problems.append((("arm_memory_pk",), "arm", "arm_pk and arm_memory_pk go together"))
        for name in ("arm_pk", "arm_memory_pk"):
            fig = getattr(self, name)
            if fig is not None and not 0.0 <= fig.value <= 1.0:
                problems.append(((name, "value"), "probability", "must be in [0, 1]"))
        if self.profile == "glide" and (self.threat_class != "cruise" or not self.carriers):
            problems.append(
                (
                    ("profile",),
                    "glide",
                    "a glide profile is for air-launched (carriers) cruise-class weapons",
                )
            )
        needed = _CLASS_FIELDS[self.threat_class]
        for name in _OPTIONAL_CLASS_FIELDS:
            present = getattr(self, name) is not None
            if name in needed and not present:
                problems.append(
                    (
                        (name,),
                        "class_field_missing",
                        f"required for threat_class '{self.threat_class}'",
                    )
                )
            elif name not in needed and present:
                users = [c for c, f in _CLASS_FIELDS.items() if name in f]
                problems.append(
                    (
                        (name,),
                        "not_applicable",
                        f"not used for threat_class '{self.threat_class}' "
                        f"(only for {', '.join(users)})",
                    )
                )
        r = self.reliability.value
        if not 0.0 < r <= 1.0:
            problems.append(
                (("reliability", "value"), "probability", f"must be in (0, 1], got {r}")
            )
        if problems:
            _raise("ThreatEntry", problems)
        return self


class JammerEntry(_Entry):
    """A noise jammer (a pod or an expendable jammer's payload): what the jammer equation needs.

    ``J = Pj Gj G_r λ² / ((4π)² Rj²) · min(1, Br/Bj)`` at a radar (docs/models/electronic-warfare.md).
    """

    kind: Literal["jammer"] = Field(description="Entry kind: jammer. [-]")
    carriers: list[ThreatClass] = Field(
        min_length=1, description="Threat classes that can carry it. [-]"
    )
    power_w: Figure = Field(description="Noise power Pj delivered to the antenna. [W]")
    antenna_gain_db: Figure = Field(description="Antenna gain Gj towards the radar. [dB]")
    bandwidth_hz: Figure = Field(description="Noise bandwidth Bj the power is spread over. [Hz]")

    @model_validator(mode="after")
    def _physical(self) -> JammerEntry:
        problems: Problems = [
            ((name, "value"), "positive", "must be positive")
            for name in ("power_w", "bandwidth_hz")
            if getattr(self, name).value <= 0.0
        ]
        if problems:
            _raise("JammerEntry", problems)
        return self
