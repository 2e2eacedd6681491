"""The offline HTML report: self-contained, small, strict CSP, every layer and plot present."""

from __future__ import annotations

import base64
import io
import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest
from PIL import Image
from rasterio.crs import CRS
from rasterio.transform import Affine

from iadsim.report.hillshade import hillshade_overlay
from iadsim.report.html import CSP, build_report
from iadsim.terrain import Dem


class _Tags(HTMLParser):
    """Every start tag with its attributes (script and style contents are not parsed)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


@pytest.fixture(scope="module")
def page(report_path) -> str:
    return report_path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tags(page) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


@pytest.fixture(scope="module")
def data(page) -> dict:
    m = re.search(r'<script id="report-data" type="application/json">(.*?)</script>', page, re.S)
    assert m, "the data block is missing"
    return json.loads(m.group(1))


def test_report_is_small(report_path):
    assert report_path.stat().st_size < 10 * 1024 * 1024


def test_strict_content_security_policy(tags):
    metas = [a for t, a in tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert len(metas) == 1
    csp = metas[0]["content"]
    assert csp == CSP
    assert "default-src 'none'" in csp
    assert "img-src data:" in csp
    assert "unsafe-eval" not in csp
    assert "http" not in csp


def test_no_external_resources(tags):
    """Nothing is loaded from anywhere: no src or href to a URL, except source links (<a>)."""
    for tag, attrs in tags:
        for name in ("src", "href", "data", "srcset", "poster", "action"):
            value = (attrs.get(name) or "").strip()
            if not value:
                continue
            if tag == "a" and name == "href":
                assert value.startswith(("http://", "https://", "#")), value
                continue
            assert not re.match(r"^(https?:)?//", value), f"<{tag} {name}={value!r}>"
            assert value.startswith(("data:", "#")), f"<{tag} {name}={value!r}>"
    assert not [a for t, a in tags if t == "link" and a.get("rel") != "icon"]
    scripts = [a for t, a in tags if t == "script"]
    assert scripts and not [a for a in scripts if "src" in a]


def test_libraries_inlined_once(page):
    assert page.count('t.version="1.9.4"') == 1  # Leaflet
    assert page.count("sourceMappingURL") == 0
    assert len(re.findall(r"<script>[^<]{0,80}plotly\.js v\d", page, re.I)) <= 1
    # Leaflet's CSS images are data URIs
    assert "url(images/" not in page


def test_source_links_are_anchors(tags, page):
    anchors = [a["href"] for t, a in tags if t == "a" and a.get("href", "").startswith("http")]
    assert anchors, "catalog source links expected"
    assert all(a.startswith("https://") or a.startswith("http://") for a in anchors)
    for entry in ("s-400", "tor-m2", "patriot-pac3", "fateh-313", "qiam-1"):
        assert f'data-entry="{entry}"' in page


def test_data_block(data):
    names = [v["name"] for v in data["variants"]]
    assert names == ["undefended", "s400-tor", "patriot"]
    assert data["borders"]["features"]
    assert data["hillshade"]["url"].startswith("data:image/png;base64,")
    by_name = {v["name"]: v for v in data["variants"]}
    layers = {f["properties"]["layer"] for f in by_name["s400-tor"]["features"]["features"]}
    assert {"asset", "fire_unit", "range_ring", "radar", "radar_sector", "coverage"} <= layers
    assert {"trajectory"} <= layers
    bands = sorted(
        f["properties"]["altitude_m"]
        for f in by_name["s400-tor"]["features"]["features"]
        if f["properties"]["layer"] == "coverage"
    )
    assert bands == [30.0, 100.0, 300.0, 1000.0]
    undefended = {f["properties"]["layer"] for f in by_name["undefended"]["features"]["features"]}
    assert "coverage" not in undefended and "leak" in undefended
    divs = {p["div"] for p in data["plots"]}
    assert {"plot-leakers", "plot-p-leak", "plot-shots"} <= divs
    assert {"plot-timeline-0", "plot-timeline-1", "plot-timeline-2"} <= divs


def test_tables_and_scenario(page):
    assert "Comparison of variants" in page
    assert "P(leak)" in page
    assert "schema_version: 1" in page  # the scenario as run
    assert "Leaflet licence" in page


def test_default_path_and_atomic(results_dir, tmp_path):
    out = build_report(results_dir, tmp_path / "sub" / "r.html", hillshade=False, coverage=False)
    assert out == tmp_path / "sub" / "r.html"
    assert [p.name for p in out.parent.iterdir()] == ["r.html"]  # no temporary file left
    assert '"hillshade":null' in out.read_text(encoding="utf-8")


def test_hillshade_of_a_cone():
    n = 200
    y, x = np.mgrid[0:n, 0:n]
    cone = np.maximum(0.0, 2000.0 - 40.0 * np.hypot(x - n / 2, y - n / 2)).astype(np.float32)
    cell = 1.0 / 120.0
    dem = Dem(cone, Affine(cell, 0, 40.0, 0, -cell, 35.0), CRS.from_epsg(4326))
    out = hillshade_overlay(dem, (39.0, 32.0, 43.0, 36.0), max_px=100)
    (south, west), (north, east) = out["bounds"]
    assert west == pytest.approx(40.0) and north == pytest.approx(35.0)
    assert east == pytest.approx(40.0 + n * cell) and south == pytest.approx(35.0 - n * cell)
    png = base64.b64decode(out["url"].split(",", 1)[1])
    img = np.asarray(Image.open(io.BytesIO(png)).convert("LA"))
    assert max(img.shape[:2]) <= 100
    lum, alpha = img[..., 0], img[..., 1]
    assert alpha[0, 0] == 0  # flat ground stays transparent
    # sun from the north-west: the north-west flank is lit (white), the south-east in shadow
    h, w = alpha.shape
    assert (
        lum[h // 2 - h // 8, w // 2 - w // 8] == 255 and alpha[h // 2 - h // 8, w // 2 - w // 8] > 0
    )
    assert (
        lum[h // 2 + h // 8, w // 2 + w // 8] == 0 and alpha[h // 2 + h // 8, w // 2 + w // 8] > 0
    )


def test_hillshade_outside_the_dem_is_none():
    dem = Dem(np.zeros((10, 10), np.float32), Affine(0.1, 0, 0, 0, -0.1, 1), CRS.from_epsg(4326))
    assert hillshade_overlay(dem, (20.0, 20.0, 21.0, 21.0)) is None


def test_relief_covers_a_wide_map_panel():
    """The relief is widened to fill a wide map panel (it stopped short of the east edge)."""
    import math

    from iadsim.report.html import _relief_bounds

    for b in [(42.0, 32.0, 44.5, 36.5), (30.0, 10.0, 60.0, 12.0), (40.0, 30.0, 41.0, 31.0)]:
        w, s, e, n = _relief_bounds(b)
        assert w <= b[0] and s <= b[1] and e >= b[2] and n >= b[3]  # holds what it was given
        coslat = math.cos(math.radians((b[1] + b[3]) / 2))
        assert (e - w) * coslat >= 2.6 * (b[3] - b[1]) - 1e-9  # wide enough for the raid's height
        assert n - s >= (b[2] - b[0]) * coslat / 2 - 1e-9  # and tall enough for a wide raid
