"""Every figure that drives outcomes carries an uncertainty with its reasoning (issue 17, item 1).

The figures are those an uncertainty study must be able to vary: kill probabilities, in-flight
reliability, radar reference detection ranges, threat RCS (log-uniform), reaction and reload
times and interceptor speeds. The one exemption is a Pk of 0 against a class that flies wholly
below the interceptor's altitude floor (an exo-atmospheric round against drones): no sampled
value can change a result, so a span there would be noise in the indices.
"""

from __future__ import annotations

import re

import pytest

from iadsim.catalog import load_catalog
from iadsim.catalog.present import iter_figures

CATALOG = load_catalog()

DRIVERS = re.compile(
    r"(^interceptors\.[^.]+\.pk\.\w+$|^reliability$|^radars\.[^.]+\.reference_range_km$"
    r"|^rcs_m2$|^fire_unit\.(reaction|reload)_time_s$|^interceptors\.[^.]+\.max_speed_mps$)"
)


def _below_floor(entry, path: str) -> bool:
    """A Pk of 0 against a class every catalog threat of which flies below the floor."""
    m = re.fullmatch(r"interceptors\.([^.]+)\.pk\.(\w+)", path)
    if not m or m.group(2) == "ballistic":
        return False
    icp = entry.interceptors[m.group(1)]
    if icp.pk[m.group(2)].value != 0.0:
        return False
    heights = [
        (t.cruise_altitude_m or t.cruise_height_agl_m).si()
        for t in CATALOG.threats.values()
        if t.threat_class == m.group(2)
    ]
    return all(h < icp.min_altitude_m.si() for h in heights)


FIGURES = [
    (entry, path, fig)
    for entry in CATALOG
    for path, fig in iter_figures(entry)
    if DRIVERS.search(path) and not _below_floor(entry, path)
]
IDS = [f"{e.name}:{p}" for e, p, _ in FIGURES]


def test_the_drivers_are_found():
    kinds = {re.sub(r"^.*\.", "", p) for _, p, _ in FIGURES}
    assert {"reliability", "rcs_m2", "reference_range_km", "reaction_time_s"} <= kinds
    assert {"reload_time_s", "max_speed_mps", "ballistic", "drone"} <= kinds
    assert len(FIGURES) > 100


@pytest.mark.parametrize(("entry", "path", "fig"), FIGURES, ids=IDS)
def test_driver_has_an_uncertainty_with_reasoning(entry, path, fig):
    u = fig.uncertainty
    assert u is not None, f"{entry.name}: {path} drives outcomes and needs an uncertainty"
    assert u.low <= fig.value <= u.high
    assert u.low < u.high, "a span that cannot move tells a study nothing"
    assert len(u.reasoning) >= 40 and u.reasoning != fig.note
    if path == "rcs_m2":
        assert u.distribution == "loguniform"
        assert u.high / u.low >= 4.0, "RCS is uncertain by a factor, not a few percent"
    if ".pk." in path or path == "reliability":
        assert 0.0 <= u.low and u.high <= 1.0


def test_disputed_and_assumed_figures_are_covered():
    # The rule, stated directly: every assumption or disputed (range) driver is uncertain.
    missing = [
        f"{e.name}: {p}"
        for e, p, f in FIGURES
        if (f.claim == "assumption" or f.range is not None) and f.uncertainty is None
    ]
    assert not missing


def test_exempt_pk_really_cannot_act():
    exempt = [
        (entry, path)
        for entry in CATALOG
        for path, _ in iter_figures(entry)
        if DRIVERS.search(path) and _below_floor(entry, path)
    ]
    assert {e.name for e, _ in exempt} == {"thaad", "arrow-3", "arrow-2", "aegis-bmd"}


def test_every_disputed_figure_that_acts_carries_its_sources_span():
    # A figure whose sources disagree (`range`) and that the engine or the cost summary uses is
    # uncertain over the sources' span. Threat max range (only validates launch points)
    # and warhead mass (not modelled) do not act on results.
    missing = []
    for entry in CATALOG:
        for path, fig in iter_figures(entry):
            if fig.range is None or path in ("max_range_km", "warhead_kg"):
                continue
            u = fig.uncertainty
            # a driver's span is reasoned on its own (it may drop an uncited end of the range);
            # the others take the range itself
            own = DRIVERS.search(path) is not None
            if u is None or (not own and (u.low, u.high) != tuple(fig.range)):
                missing.append(f"{entry.name}: {path}")
    assert not missing, missing
