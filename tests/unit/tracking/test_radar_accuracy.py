"""Every packaged radar states its plot accuracy (issue 12), so ``tracking: estimated`` can run
any catalog system; each figure is an assumption with its reasoning or a sourced value."""

from __future__ import annotations

import pytest

from iadsim.catalog import load_catalog

CATALOG = load_catalog()
RADARS = [(s.name, k, r) for s in CATALOG.systems.values() for k, r in s.radars.items()]


@pytest.mark.parametrize(("system", "key", "radar"), RADARS, ids=[f"{s}/{k}" for s, k, _ in RADARS])
def test_radar_has_plot_accuracy(system, key, radar):
    for name, upper in (
        ("range_sigma_m", 500.0),
        ("azimuth_sigma_deg", 2.0),
        ("elevation_sigma_deg", 2.0),
    ):
        fig = getattr(radar, name)
        assert fig is not None, f"{system}/{key}: {name} missing"
        assert 0.0 < fig.value < upper
        assert fig.sources or (fig.claim == "assumption" and len(fig.note) > 40)
    # an engagement radar is at least as accurate as the surveillance radars of the catalog
    if radar.role == "fire_control":
        assert radar.azimuth_sigma_deg.value <= 0.1
