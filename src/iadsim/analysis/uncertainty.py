"""Uncertainty over the catalog's assumptions, and which of them decide the answer.

The figures that carry an ``uncertainty`` (catalog or ``catalog.overrides``) are the factors.
A design of samples is drawn on the unit hypercube with SALib (Saltelli's scheme on a scrambled
Sobol' sequence for variance-based indices, or Morris trajectories for screening), mapped to
each factor's span through its distribution, and the engine is run once per sample and option
with the *same* root seed: common random numbers, so that between samples only the assumptions
change, never the chance draws. The outputs per sample (P(leak) per threat class, hits per
asset, interceptors spent, leakers) are then apportioned to the factors.

Running the study (models, executors, resuming) is in
:mod:`iadsim.analysis.uncertainty_study`; what it says, in
:mod:`iadsim.analysis.uncertainty_report`.

References
----------
.. [1] A. Saltelli et al., *Global Sensitivity Analysis: The Primer*, Wiley, 2008.
.. [2] I. M. Sobol', "Global sensitivity indices for nonlinear mathematical models and their
   Monte Carlo estimates", Math. Comput. Simul. 55 (2001) 271-280.
.. [3] A. Saltelli et al., "Variance based sensitivity analysis of model output. Design and
   estimator for the total sensitivity index", Comput. Phys. Commun. 181 (2010) 259-270.
.. [4] M. D. Morris, "Factorial sampling plans for preliminary computational experiments",
   Technometrics 33 (1991) 161-174.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ValidationError

from iadsim.catalog import Catalog, Figure
from iadsim.catalog.schema import NO_UNCERTAINTY_CHECK, UNIT_BY_SUFFIX
from iadsim.errors import InputError

__all__ = ["Factor", "analyze", "catalog_with", "design", "effects", "scenario_factors"]

#: Morris grid levels (Morris 1991; 4 is the usual choice, Saltelli et al. 2008, ch. 3).
MORRIS_LEVELS = 4
#: Bootstrap resamples behind the indices' confidence intervals (SALib).
RESAMPLES = 200
CONF_LEVEL = 0.95

# counts: sampled values are rounded, each integer in [low, high] equally likely if uniform
_COUNTS = {
    "launchers",
    "missiles_per_launcher",
    "fire_channels",
    "max_missiles_in_flight",
    "track_capacity",
}
_WORDS = {
    "reference_range_km": "detection range",
    "reference_rcs_m2": "reference RCS",
    "rcs_m2": "RCS",
    "reaction_time_s": "reaction time",
    "reload_time_s": "reload time",
    "kill_assessment_s": "kill assessment time",
    "max_speed_mps": "speed",
    "scan_period_s": "scan period",
    "reliability": "reliability",
    "cep_m": "CEP",
}


#: Longest radar name kept whole in a figure's label.
_SHORT = 24


@dataclass(frozen=True)
class Factor:
    """One uncertain figure: where it is, its value and the span it is sampled over.

    ``id`` is ``entry:path`` (``s-400:interceptors.48n6e3.pk.ballistic``), the column name of
    the figure in ``samples.parquet``; values are in ``unit``.
    """

    id: str
    entry: str
    path: str
    label: str
    unit: str
    value: float
    low: float
    high: float
    distribution: str
    reasoning: str = ""
    integer: bool = False

    def transform(self, u: np.ndarray) -> np.ndarray:
        """Values for unit-interval coordinates ``u`` (the inverse of the distribution's CDF)."""
        u = np.asarray(u, dtype=float)
        lo, hi = self.low, self.high
        if hi <= lo:
            return np.full(u.shape, self.value)
        if self.integer and self.distribution == "uniform":
            # each integer owns an equal slice of the unit interval
            return np.clip(np.floor(lo + u * (hi - lo + 1)), lo, hi)
        if self.distribution == "uniform":
            x = lo + u * (hi - lo)
        elif self.distribution == "triangular":
            from scipy.stats import triang

            x = triang.ppf(u, (self.value - lo) / (hi - lo), loc=lo, scale=hi - lo)
        else:  # loguniform
            x = np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))
        # clipped: 0.3 + 1.0 * (0.9 - 0.3) is 0.9000000000000001, outside the span, which the
        # catalog then rejects (Morris designs sample the ends exactly)
        return np.clip(np.round(x) if self.integer else x, lo, hi)


def _walk(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, Figure]]:
    """Every figure of a catalog model, with its dotted path."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(value, Figure):
            yield path, value
        elif isinstance(value, BaseModel):
            yield from _walk(value, path + ".")
        elif isinstance(value, dict):
            for key, child in value.items():
                if isinstance(child, BaseModel):
                    yield from _walk(child, f"{path}.{key}.")


def _proper(text: str) -> str:
    """The leading proper-name words of a name (at most two): 'BGM-109 Tomahawk Block IV
    land-attack cruise missile' -> 'BGM-109 Tomahawk', 'Shahed-136 one-way attack drone' ->
    'Shahed-136'."""
    words = []
    for w in text.split()[:2]:
        if not (w[0].isupper() or w[0].isdigit()):
            break
        words.append(w)
    return " ".join(words)


def _short(owner: str, radar: bool) -> str:
    """A name short enough for a table column and the tornado plot's axis, still telling
    apart the systems that share a family ('MIM-104 Patriot (PAC-3 MSE)')."""
    if len(owner) <= _SHORT:
        return owner
    head, _, weapon = owner.partition(" with ")
    short = _proper(head)
    if not any(c.isdigit() for c in short):
        return owner  # no designation to stand for it ('Small explosive quadcopter')
    if radar:
        return f"{short} radar"
    return f"{short} ({_proper(weapon)})" if _proper(weapon) else short


def _label(entry, path: str) -> str:
    """A reader's name for a figure: '48N6E3 Pk vs ballistic', '91N6E detection range'."""
    parts = path.split(".")
    owner = entry.display_name
    radar = parts[0] == "radars"
    if parts[0] in ("interceptors", "radars") and len(parts) > 2:
        owner = getattr(entry, parts[0])[parts[1]].display_name
        parts = parts[2:]
    elif parts[0] == "fire_unit":
        parts = parts[1:]
    owner = _short(owner.split(" (")[0], radar)  # "48N6E3 (48N6DM export)" -> "48N6E3"
    if parts[0] == "pk" and len(parts) == 2:
        what = f"Pk vs {parts[1]}"
    else:
        field = parts[-1]
        unit = next(
            (u for u in sorted(UNIT_BY_SUFFIX, key=len, reverse=True) if field.endswith(u)), ""
        )
        what = _WORDS.get(field) or field.removesuffix(unit).replace("_", " ")
    return f"{owner} {what}"


def used_parts(scenario, variants: Sequence[str]) -> dict[str, tuple[str, ...] | None]:
    """Catalog entries the variants use, with the path prefixes that reach the engine
    (None: every figure). A system's unused radars and interceptors do not."""
    used: dict[str, set[str] | None] = {}
    catalog = scenario.effective_catalog
    for name in variants:
        var = scenario.variant(name)
        for fu in scenario.fire_units:
            if var.fire_units is None or fu.name in var.fire_units:
                unit = catalog.systems[fu.system].fire_unit
                icp = fu.interceptor or unit.default_interceptor
                used.setdefault(fu.system, set()).update(  # type: ignore[union-attr]
                    {"fire_unit.", f"radars.{unit.fire_control_radar}.", f"interceptors.{icp}."}
                )
        for se in scenario.sensors:
            if var.sensors is None or se.name in var.sensors:
                used.setdefault(se.system, set()).add(f"radars.{se.radar}.")  # type: ignore[union-attr]
    for raid in scenario.raids:
        used[raid.threat] = None
    return {k: (None if v is None else tuple(sorted(v))) for k, v in used.items()}


def scenario_factors(
    scenario, variants: Sequence[str], patterns: Sequence[str] | None = None
) -> list[Factor]:
    """The uncertain figures that can change the given variants' outcome, in catalog order:
    those of the entries, radars and interceptors the variants use, less the Pk against threat
    classes absent from the raids and the costs (no output studied depends on them).

    ``patterns`` (shell globs, any of which may match) select figures by id
    (``s-400:interceptors.*.pk.*``) or label (``*Pk*``); an unmatched pattern is an error.
    """
    catalog: Catalog = scenario.effective_catalog
    # a Pk against a class no raid belongs to never reaches the engine
    classes = {catalog.threat(r.threat).threat_class for r in scenario.raids}
    factors = []
    for name, prefixes in sorted(used_parts(scenario, variants).items()):
        entry = catalog.entry(name)
        for path, fig in _walk(entry):
            if fig.uncertainty is None:
                continue
            if prefixes is not None and not path.startswith(prefixes):
                continue
            parts = path.split(".")
            if len(parts) > 1 and parts[-2] == "pk" and parts[-1] not in classes:
                continue
            if fig.unit == "USD":  # costs change no output studied (leaks, hits, rounds)
                continue
            u = fig.uncertainty
            factors.append(
                Factor(
                    id=f"{name}:{path}",
                    entry=name,
                    path=path,
                    label=_label(entry, path),
                    unit=fig.unit,
                    value=fig.value,
                    low=u.low,
                    high=u.high,
                    distribution=u.distribution,
                    reasoning=u.reasoning,
                    integer=path.rsplit(".", 1)[-1] in _COUNTS,
                )
            )
    # two systems may share a radar or an interceptor (PAC-2 and PAC-3 batteries, one
    # AN/MPQ-65 each): their figures' labels name the entry too
    seen = defaultdict(int)
    for f in factors:
        seen[f.label] += 1
    factors = [
        dataclasses.replace(f, label=f"{f.label} ({f.entry})") if seen[f.label] > 1 else f
        for f in factors
    ]
    if patterns:
        chosen = []
        for pat in patterns:
            hit = [
                f
                for f in factors
                if fnmatch.fnmatchcase(f.id, pat) or fnmatch.fnmatchcase(f.label, pat)
            ]
            if not hit:
                known = ", ".join(f.id for f in factors) or "(none)"
                raise InputError.single(
                    f"--figures {pat!r} matches no uncertain figure; known: {known}",
                    field_path="--figures",
                )
            chosen += [f for f in hit if f not in chosen]
        factors = [f for f in factors if f in chosen]
    if not factors:
        raise InputError.single(
            "no figure used by this scenario carries an uncertainty (add one in the catalog "
            "or under catalog.overrides: {entry, path, uncertainty}; see docs/uncertainty.md)",
            scenario.source_path,
            field_path="catalog.overrides",
        )
    return factors


def catalog_with(catalog: Catalog, factors: Sequence[Factor], values: Sequence[float]) -> Catalog:
    """``catalog`` with each factor's figure set to its value in ``values``.

    The changed entries are validated again (without the uncertainty-ends check), so a sample
    that breaks a rule across figures (a minimum range above the maximum) is an InputError
    naming the values, never a silent nonsense run.
    """
    changes: dict[str, list[tuple[Factor, float]]] = defaultdict(list)
    for f, x in zip(factors, values, strict=True):
        changes[f.entry].append((f, float(x)))
    systems, threats = dict(catalog.systems), dict(catalog.threats)
    for name, items in changes.items():
        book = systems if name in systems else threats
        entry = book[name]
        dumped = entry.model_dump()
        for f, x in items:
            node = dumped
            for part in f.path.split("."):
                node = node[part]
            # a sampled value is a hypothesis, not a sourced one: the sources' range no longer
            # bounds it (the uncertainty does)
            node["value"], node["range"] = x, None
        try:
            book[name] = type(entry).model_validate(dumped, context={NO_UNCERTAINTY_CHECK: True})
        except ValidationError as exc:
            shown = ", ".join(f"{f.path}={x:g}" for f, x in items)
            why = "; ".join(
                ".".join(map(str, e["loc"])) + f": {e['msg']}"
                for e in exc.errors(include_url=False)
            )
            raise InputError.single(
                f"sampled figures of '{name}' ({shown}) break a catalog rule: {why}; "
                "narrow the uncertainties so every combination is valid",
                field_path="catalog.overrides",
            ) from None
    return dataclasses.replace(catalog, systems=systems, threats=threats)


def _problem(factors: Sequence[Factor]) -> dict:
    return {
        "num_vars": len(factors),
        "names": [f.id for f in factors],
        "bounds": [[0.0, 1.0]] * len(factors),
    }


def design(factors: Sequence[Factor], samples: int, method: str, seed: int):
    """(unit-cube design, figure values), one row per model run.

    ``sobol``: Saltelli's scheme, ``samples · (D + 2)`` rows (first-order and total indices;
    ``samples`` a power of two). ``morris``: ``samples`` trajectories of ``D + 1`` rows.
    """
    import warnings

    problem = _problem(factors)
    if method == "sobol":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy's advice on powers of two; docs say it
            unit = _saltelli(len(factors), samples, seed)
    elif method == "morris":
        from SALib.sample import morris

        unit = morris.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)
    else:
        raise InputError.single(
            f"unknown method {method!r}; use sobol or morris", field_path="--method"
        )
    values = np.column_stack([f.transform(unit[:, k]) for k, f in enumerate(factors)])
    return unit, values


def _saltelli(d: int, n: int, seed: int) -> np.ndarray:
    """Saltelli's design for first-order and total indices, in SALib's row layout (per base
    sample: A, AB_1 .. AB_d, B), with A and B two independently scrambled d-dimensional
    Sobol' nets, B's points in random order.

    SALib's sampler takes A and B as the two halves of one 2d-dimensional Sobol' sequence.
    When N is small against d, the paired columns j and j + d of that sequence are strongly
    correlated (seed 20200108: up to 0.87 at d = 19, N = 16; 0.57 at d = 29, N = 32), so A and
    AB_j hardly differ in figure j and its total index comes out several times too low.
    Here B is a second scrambled net (scipy's Sobol' engine, the one SALib uses) whose points
    are paired with A's at random; the estimators are SALib's, unchanged.
    """
    from scipy.stats import qmc

    rng = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)]
    a = qmc.Sobol(d, scramble=True, seed=rng[0]).random(n)
    # a second scramble alone is not enough: point i of both nets shares the digits of i
    # (column 0 of A and B then differs by a quarter of what independent draws do, at any N);
    # pairing the points at random breaks that, and B stays a scrambled net as a set
    b = qmc.Sobol(d, scramble=True, seed=rng[1]).random(n)[rng[2].permutation(n)]
    rows = np.empty((n, d + 2, d))
    rows[:, 0] = a
    for k in range(d):
        rows[:, 1 + k] = a
        rows[:, 1 + k, k] = b[:, k]
    rows[:, d + 1] = b
    return rows.reshape(n * (d + 2), d)


def analyze(
    factors: Sequence[Factor], unit: np.ndarray, y: np.ndarray, method: str, seed: int
) -> list[dict]:
    """Indices of each factor for output ``y`` (one value per design row), largest first.

    Sobol: ``S1``, ``ST`` and their bootstrap half-widths at 95% (``S1_conf``, ``ST_conf``);
    Morris: ``mu_star`` (mean absolute elementary effect over the factor's whole span, in the
    output's unit), ``mu_star_conf``, ``sigma`` and ``mu`` (the signed mean). An output that does not vary has indices 0.
    """
    y = np.asarray(y, dtype=float)
    problem = _problem(factors)
    flat = not np.isfinite(y).all() or float(np.var(y)) <= 1e-15 * max(1.0, float(np.mean(y * y)))
    rows = []
    if method == "sobol":
        if flat:
            res = {k: np.zeros(len(factors)) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            from SALib.analyze import sobol

            res = sobol.analyze(
                problem,
                y,
                calc_second_order=False,
                num_resamples=RESAMPLES,
                conf_level=CONF_LEVEL,
                seed=seed,
            )
        for k, f in enumerate(factors):
            rows.append(
                {
                    "figure": f.id,
                    "label": f.label,
                    **{key: float(res[key][k]) for key in ("S1", "S1_conf", "ST", "ST_conf")},
                }
            )
        rows.sort(key=lambda r: -r["ST"])
    else:
        if flat:
            res = {k: np.zeros(len(factors)) for k in ("mu", "mu_star", "mu_star_conf", "sigma")}
        else:
            from SALib.analyze import morris

            res = morris.analyze(
                problem,
                unit,
                y,
                num_resamples=RESAMPLES,
                conf_level=CONF_LEVEL,
                num_levels=MORRIS_LEVELS,
                seed=seed,
            )
        for k, f in enumerate(factors):
            rows.append(
                {
                    "figure": f.id,
                    "label": f.label,
                    **{
                        key: float(res[key][k])
                        for key in ("mu", "mu_star", "mu_star_conf", "sigma")
                    },
                }
            )
        rows.sort(key=lambda r: -r["mu_star"])
    return rows


def effects(factors: Sequence[Factor], unit: np.ndarray, y: np.ndarray, method: str) -> np.ndarray:
    """Per factor, the change of ``y`` when the factor goes from the bottom to the top of its
    span with the others as sampled (in ``y``'s unit): the signed direction of each figure.

    Sobol' (Saltelli's layout: per base sample, rows A, AB_1 .. AB_D, B): the rows A and AB_k
    differ in factor k alone, so the slope of their output difference against their coordinate
    difference is factor k's own effect, free of the others (and exactly 0 for a factor with
    no effect, under common random numbers). Morris: SALib's signed mean elementary effect.
    """
    d = len(factors)
    y = np.asarray(y, dtype=float)
    if method == "morris":
        from SALib.analyze import morris

        if float(np.ptp(y)) == 0.0:
            return np.zeros(d)
        res = morris.analyze(_problem(factors), unit, y, num_levels=MORRIS_LEVELS)
        return np.asarray(res["mu"], dtype=float)
    step = d + 2
    a = np.arange(0, len(y), step)
    out = np.zeros(d)
    for k in range(d):
        ab = a + 1 + k
        du = unit[ab, k] - unit[a, k]
        dy = y[ab] - y[a]
        denom = float(np.sum(du * du))
        out[k] = float(np.sum(du * dy) / denom) if denom > 0 else 0.0
    return out
