"""The map: sectors drawn as wedges when run.json has them (read defensively), labels placed
apart, launch points, the starting view, and the comparison table's cost and hits columns."""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import Point, shape

from iadsim.report.data import VariantData, load_results
from iadsim.report.features import launch_features, sector_of, site_features
from iadsim.report.tables import comparison_table

GEOD = Geod(ellps="WGS84")


def _variant(meta: dict) -> VariantData:
    empty = pd.DataFrame()
    return VariantData("v", Path("."), meta, empty, empty, empty, empty)


@pytest.mark.parametrize(
    ("site", "expected"),
    [
        ({}, (0.0, 360.0)),
        ({"sector_center_deg": None, "sector_width_deg": None}, (0.0, 360.0)),
        ({"sector_center_deg": "south", "sector_width_deg": "wide"}, (0.0, 360.0)),
        ({"sector_center_deg": 135.0, "sector_width_deg": float("nan")}, (135.0, 360.0)),
        ({"sector_center_deg": 10.0, "sector_width_deg": -5.0}, (10.0, 360.0)),
        ({"sector_center_deg": 10.0, "sector_width_deg": 400.0}, (10.0, 360.0)),
        ({"sector_center_deg": -45.0, "sector_width_deg": 90.0}, (315.0, 90.0)),
        ({"sector_center_deg": "135", "sector_width_deg": "90"}, (135.0, 90.0)),
        ({"sector_width_deg": 120.0}, (0.0, 120.0)),
    ],
)
def test_sector_is_read_defensively(site, expected):
    assert sector_of(site) == expected


def _area_km2(geometry: dict) -> float:
    lon, lat = shape(geometry).exterior.xy
    return abs(GEOD.polygon_area_perimeter(lon, lat)[0]) / 1e6


def test_sectors_are_wedges_and_full_circles_otherwise():
    """A 90° sector facing 135° is a quarter of the disc, on the south-east side; a site
    without sector fields (an old run.json) keeps its full ring."""
    lat, lon, r = 33.8, 42.4, 100_000.0
    meta = {
        "fire_units": [
            {"name": "se", "lat": lat, "lon": lon, "max_range_m": r, "interceptor": "x",
             "sector_center_deg": 135.0, "sector_width_deg": 90.0},
            {"name": "old", "lat": lat, "lon": lon, "max_range_m": r, "interceptor": "x"},
        ],
        "radars": [
            {"name": "radar", "lat": lat, "lon": lon, "instrumented_range_m": r,
             "sector_center_deg": 135.0, "sector_width_deg": 90.0},
        ],
    }  # fmt: skip
    feats = site_features(_variant(meta))
    rings = {
        f["properties"]["fire_unit"]: f for f in feats if f["properties"]["layer"] == "range_ring"
    }
    disc = math.pi * (r / 1e3) ** 2
    assert _area_km2(rings["se"]["geometry"]) == pytest.approx(disc / 4, rel=0.01)
    assert _area_km2(rings["old"]["geometry"]) == pytest.approx(disc, rel=0.01)
    wedge = shape(rings["se"]["geometry"])
    south_east = GEOD.fwd(lon, lat, 135.0, r / 2)[:2]
    north_west = GEOD.fwd(lon, lat, 315.0, r / 2)[:2]
    assert wedge.contains(Point(south_east)) and not wedge.contains(Point(north_west))
    assert "90° sector facing 135°" in rings["se"]["properties"]["name"]
    radar = next(f for f in feats if f["properties"]["layer"] == "radar_sector")
    assert radar["properties"]["sector_width_deg"] == 90.0
    assert _area_km2(radar["geometry"]) == pytest.approx(disc / 4, rel=0.01)


def test_labels_of_sites_together_are_stacked_apart():
    meta = {
        "assets": [{"name": "base", "lat": 33.80, "lon": 42.43}, {"name": "far", "lat": 36, "lon": 44}],
        "fire_units": [
            {"name": "south", "lat": 33.77, "lon": 42.46},
            {"name": "north", "lat": 33.81, "lon": 42.42},
            {"name": "middle", "lat": 33.79, "lon": 42.44},
        ],
    }  # fmt: skip
    props = {
        f["properties"]["name"]: f["properties"]
        for f in site_features(_variant(meta))
        if f["properties"]["layer"] in ("asset", "fire_unit")
    }
    assert props["base"]["label_side"] == "right" and props["far"]["label_side"] == "right"
    assert {props[n]["label_side"] for n in ("south", "north", "middle")} == {"left"}
    dy = [props[n]["label_dy_px"] for n in ("north", "middle", "south")]
    assert dy == sorted(dy)  # the northern site keeps the upper label
    assert min(b - a for a, b in itertools.pairwise(dy)) >= 15  # a label is 15 px high
    assert props["far"]["label_dy_px"] == 0 and props["base"]["label_dy_px"] == 0


def test_launch_points_come_from_the_scenario(results_dir):
    results = load_results(results_dir)
    feats = launch_features(results)
    spec = results.scenario["raids"]
    expected = {(p["lon"], p["lat"]) for raid in spec for p in raid["launch_points"]}
    assert {tuple(f["geometry"]["coordinates"]) for f in feats} == expected
    erbil = next(f for f in feats if "erbil-volley" in f["properties"]["raids"])
    assert erbil["properties"]["raids"] == ["erbil-volley"]
    assert "qiam-1" in erbil["properties"]["name"]


def test_starting_view_holds_every_site_and_launch_point(report_path, results_dir):
    page = report_path.read_text(encoding="utf-8")
    data = json.loads(
        re.search(r'<script id="report-data" type="application/json">(.*?)</script>', page, re.S)
        .group(1)
        .replace("<\\/", "</")
    )
    (south, west), (north, east) = data["view"]
    results = load_results(results_dir)
    points = [(p["lat"], p["lon"]) for r in results.scenario["raids"] for p in r["launch_points"]]
    for v in results.variants:
        points += [(s["lat"], s["lon"]) for s in [*v.assets, *v.fire_unit_sites, *v.radars]]
    for lat, lon in points:
        assert south < lat < north and west < lon < east
    # fitted, not the whole region: no more than a degree of margin on any side
    assert south > min(p[0] for p in points) - 1 and east < max(p[1] for p in points) + 1


def test_comparison_table_has_acquisition_cost_and_hits_per_asset(results_dir):
    results = load_results(results_dir)
    html = comparison_table(results)
    header = re.findall(r"<th[^>]*>(.*?)</th>", html)
    assert header[-1] == "acquisition cost"
    assert "hits on al-asad / rep [95% CI]" in header and "hits on erbil / rep [95% CI]" in header
    rows = re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>")[1])
    assert len(rows) == len(results.variants)
    for v, row in zip(results.variants, rows, strict=True):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        assert cells[-1] == f"${sum(v.meta['acquisition_cost_usd']):,.0f}"
        hits = {a["asset"]: a for a in v.summary["assets"]}
        col = header.index("hits on al-asad / rep [95% CI]")
        assert cells[col].startswith(f"{hits['al-asad']['hits_mean']:.2f} ")
        assert f"[{hits['al-asad']['hits_lo']:.2f}, {hits['al-asad']['hits_hi']:.2f}]" in cells[col]
    assert sum(results.variants[1].meta["acquisition_cost_usd"]) > 0  # s400-tor costs something


def test_exported_map_labels_do_not_overlap(results_dir):
    """In the PNG map the names of Al Asad and the fire units beside it come apart."""
    import matplotlib.pyplot as plt

    from iadsim.report.features import variant_features
    from iadsim.report.figures import _map_figure

    results = load_results(results_dir)
    v = next(x for x in results.variants if x.name == "s400-tor")
    fig = _map_figure(results, v, variant_features(results, v, coverage=False))
    try:
        fig.canvas.draw()
        names = {"al-asad", "erbil", "s400-al-asad", "tor-al-asad"}
        texts = [t for t in fig.axes[0].texts if t.get_text() in names]
        assert sorted(t.get_text() for t in texts) == sorted(names)
        boxes = [t.get_window_extent() for t in texts]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not a.overlaps(b), (texts[boxes.index(a)].get_text(), a, b)
        legend = {t.get_text() for t in fig.axes[0].get_legend().get_texts()}
        assert {"interceptor range (wedge: sector)", "radar instrumented range"} <= legend
        assert {"launch point", "defended asset", "fire unit"} <= legend
    finally:
        plt.close(fig)
