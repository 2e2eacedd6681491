"""The HTML report in a real browser with the network cut: it loads nothing, logs no error,
and draws the map layers and the plots.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright's sync API; no browser is
downloaded. Without Chromium or Playwright the test is skipped locally and fails on CI
(environment variable ``CI`` set).
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.unit.report._results import al_asad_report

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _require_browser():
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package")
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        missing.append(CHROMIUM)
    if missing:
        message = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    return al_asad_report(tmp_path_factory)


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        exe = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
        b = p.chromium.launch(executable_path=exe, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def _open(browser, report: Path):
    """Open the report as file:// with every other request aborted; return what happened."""
    url = report.resolve().as_uri()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = {"requests": [], "blocked": [], "console": [], "errors": []}

    def route(r):
        seen["requests"].append(r.request.url)
        if r.request.url == url:
            r.continue_()
        else:
            seen["blocked"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: seen["console"].append((m.type, m.text)))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("requestfailed", lambda r: seen["blocked"].append(r.url))
    page.goto(url, wait_until="load")
    page.wait_for_function("document.body.dataset.reportReady === '1'", timeout=30_000)
    page.wait_for_timeout(300)
    return page, url, seen


def _count(page, selector: str) -> int:
    return page.locator(selector).count()


def test_report_offline_in_chromium(browser, report, tmp_path):
    page, url, seen = _open(browser, report)
    try:
        assert seen["requests"] == [url], seen["requests"]
        assert not seen["blocked"], seen["blocked"]
        assert not seen["errors"], seen["errors"]
        bad = [m for m in seen["console"] if m[0] in ("error", "warning")]
        assert not bad, bad

        # map: Leaflet's panes, the controls and the first variant's layers
        assert _count(page, ".leaflet-map-pane") == 1
        assert _count(page, ".leaflet-control-layers") == 1
        assert _count(page, ".leaflet-control-scale") == 1
        assert _count(page, "path.iad-border") > 10
        assert _count(page, "img.iad-relief") == 1
        assert _count(page, "path.iad-asset") == 2
        assert _count(page, "path.iad-trajectory") == 16
        assert _count(page, "path.iad-leak") > 100
        # plots: the three comparisons and the first variant's timeline are drawn
        assert _count(page, ".plotly") >= 6
        assert _count(page, ".variant-block.active .plotly") == 1

        # switch to the defended variant: rings, coverage and fire units appear
        page.select_option("#variant-select", "s400-tor")
        page.wait_for_timeout(300)
        assert _count(page, "path.iad-ring") == 2
        assert _count(page, "path.iad-coverage") == 4
        assert _count(page, "path.iad-fire-unit") == 2
        assert _count(page, "path.iad-radar-sector") == 3
        assert _count(page, "path.iad-trajectory") == 16
        assert _count(page, "path.iad-intercept") >= 1
        assert page.locator(".variant-block.active").get_attribute("data-variant") == "s400-tor"
        assert not seen["errors"], seen["errors"]

        shot = page.locator("#map").screenshot()
        (tmp_path / "map.png").write_bytes(shot)
        _assert_not_blank(shot)
        assert seen["requests"] == [url]
    finally:
        page.close()


def test_csp_refuses_a_stray_fetch(browser, report):
    """A fetch the page might attempt is refused by the Content-Security-Policy itself."""
    page, url, seen = _open(browser, report)
    try:
        outcome = page.evaluate(
            """async () => {
                try { await fetch("https://example.invalid/tile.png"); return "fetched"; }
                catch (e) { return "refused"; }
            }"""
        )
        assert outcome == "refused"
        assert seen["requests"] == [url]  # refused before it became a request
        assert any("Content Security Policy" in text for _, text in seen["console"])
    finally:
        page.close()


def _assert_not_blank(png: bytes) -> None:
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    h, w, _ = img.shape
    assert h > 300 and w > 600
    colours = np.unique(img.reshape(-1, 3), axis=0)
    assert len(colours) > 200, f"only {len(colours)} distinct colours"
    non_white = np.any(img < 245, axis=2).mean()
    assert non_white > 0.5, f"{non_white:.0%} of the map is not white"


def _inside(box: dict, frame: dict) -> bool:
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    return frame["x"] <= cx <= frame["x"] + frame["width"] and (
        frame["y"] <= cy <= frame["y"] + frame["height"]
    )


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_map_labels_legend_and_starting_view(browser, report):
    """Every asset and fire unit has a permanent label, none overlapping another; the legend
    has an entry for every style drawn; the starting view holds every site and launch point,
    none under the legend; plot legends keep off the plot titles."""
    page, _url, seen = _open(browser, report)
    try:
        page.select_option("#variant-select", "s400-tor")
        page.wait_for_timeout(300)
        frame = page.locator("#map").bounding_box()
        legend = page.locator(".map-legend").bounding_box()
        labels = page.locator(".iad-label")
        texts = sorted(labels.all_inner_texts())
        assert texts == sorted(["al-asad", "erbil", "s400-al-asad", "tor-al-asad"])
        boxes = [labels.nth(i).bounding_box() for i in range(labels.count())]
        for i, a in enumerate(boxes):
            assert _inside(a, frame), texts[i]
            for b in boxes[i + 1 :]:
                assert not _overlap(a, b), (a, b)
        launches = page.locator(".iad-launch")
        assert launches.count() == 3  # two Fateh-313 launch sites and the Qiam-1 one
        for i in range(launches.count()):
            box = launches.nth(i).bounding_box()
            assert _inside(box, frame) and not _overlap(box, legend)
        sites = page.locator("path.iad-asset, path.iad-fire-unit")
        for i in range(sites.count()):
            assert _inside(sites.nth(i).bounding_box(), frame)

        key = page.locator(".map-legend").inner_text()
        for entry in (
            "killed",
            "leaked",
            "failed",
            "intercept",
            "impact",
            "leaker impacts",
            "launch point",
            "defended asset",
            "fire unit",
            "interceptor range",
            "radar instrumented range",
            "Coverage",
        ):
            assert entry in key, entry
        # the legend's range-ring key is drawn dashed like the rings themselves
        dash = page.locator("path.iad-ring").first.get_attribute("stroke-dasharray")
        assert page.locator(f'.map-legend line[stroke-dasharray="{dash}"]').count() == 1

        # a click on a fire unit tells its system, interceptor and range
        page.locator("path.iad-fire-unit").first.click(force=True)
        popup = page.locator(".leaflet-popup-content").inner_text()
        assert "system: " in popup and "interceptor: " in popup and " km" in popup

        for div in ("plot-leakers", "plot-p-leak", "plot-shots"):
            title = page.locator(f"#{div} .gtitle").bounding_box()
            plot_legend = page.locator(f"#{div} .legend").bounding_box()
            assert title and plot_legend
            assert not _overlap(title, plot_legend), div
        assert not seen["errors"], seen["errors"]
    finally:
        page.close()


def test_markup_in_any_text_does_not_break_the_report(browser, tmp_path):
    """A variant described as ``draft <!-- todo -->`` (and a scenario description holding
    ``</script>`` and U+2028) once stopped JSON.parse: no plots, an empty map (issue 10 B8)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    import iadsim
    from iadsim.report.html import build_report

    yaml = YAML(typ="rt")
    data = yaml.load(Path("examples/iraq-2020-al-asad.yaml").read_text(encoding="utf-8"))
    data["variants"][1]["description"] = "draft <!-- todo -->"
    data["description"] = DoubleQuotedScalarString("notes </script><script>x</script> a\u2028b")
    scenario_path = tmp_path / "markup.yaml"
    with scenario_path.open("w", encoding="utf-8") as fh:
        yaml.dump(data, fh)
    scenario = iadsim.load_scenario(scenario_path)
    results = iadsim.run(scenario, replications=20, workers=1, out_dir=tmp_path / "out")
    report = build_report(results.directory)
    page, url, seen = _open(browser, report)
    try:
        assert not seen["errors"], seen["errors"]
        assert seen["requests"] == [url]
        assert _count(page, ".plotly") >= 6
        assert _count(page, "path.iad-trajectory") == 16
        page.select_option("#variant-select", data["variants"][1]["name"])
        page.wait_for_timeout(300)
        assert page.locator("#variant-description").inner_text() == "draft <!-- todo -->"
        assert _count(page, "path.iad-fire-unit") >= 1
        assert not seen["errors"], seen["errors"]
    finally:
        page.close()
