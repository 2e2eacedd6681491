"""Catalog schema, figures: the sourced :class:`Figure` and the rules every figure obeys.

Each numeric parameter of a catalog entry is a :class:`Figure` that carries its value, unit,
claim type, source URLs and a note. The rules below are enforced while a file is validated, so
an unsourced or mislabelled number never reaches the engine:

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

This module also holds what every entry model shares: the unit check by field-name suffix and
the check of both ends of each uncertainty (:class:`FigureHolder`), and the fields of every
entry file (:class:`EntryBase`). The entries themselves are in :mod:`iadsim.catalog.systems`
and :mod:`iadsim.catalog.threats`; :mod:`iadsim.catalog.schema` gathers all three.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

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
    "KEY_PATTERN",
    "NAME_PATTERN",
    "NO_UNCERTAINTY_CHECK",
    "SCHEMA_VERSION",
    "THREAT_CLASSES",
    "UNIT_BY_SUFFIX",
    "Claim",
    "EntryBase",
    "Figure",
    "FigureHolder",
    "Key",
    "Name",
    "Problems",
    "ThreatClass",
    "Uncertainty",
    "expected_unit",
    "raise_problems",
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


def raise_problems(model: str, problems: Problems) -> None:
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
            raise_problems("Uncertainty", problems)
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
            raise_problems("Figure", problems)
        return self

    def si(self) -> float:
        """The value in SI units (km -> m; every other unit, degrees included, unchanged)."""
        return self.value * _SI_FACTOR.get(self.unit, 1.0)


#: Validation-context key that skips the check of both ends of each uncertainty (for catalogs
#: whose figures were just set to sampled values, and for the check's own copies).
NO_UNCERTAINTY_CHECK = "iadsim_no_uncertainty_check"


class FigureHolder(_Model):
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
            raise_problems(type(self).__name__, problems)
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


class EntryBase(FigureHolder):
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
