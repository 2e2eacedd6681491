"""iadsim serve in a real browser: the test starts ``iadsim serve`` on a free port, loads the
page in Debian's Chromium (Playwright), drags the S-400 with mouse events and checks that the
coverage layer was redrawn differently, clicks Run and checks that the leakage table appeared,
and that no request left 127.0.0.1.

Without Chromium or Playwright the test is skipped locally and fails on CI (``CI`` set).
``IADSIM_SCREENSHOT=path.png`` also writes the page's screenshot there (docs/serve.md's
picture is made so).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.e2e.test_report_browser import ARGS, CHROMIUM, _require_browser

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "iraq-2020-al-asad.yaml"
URL = re.compile(r"(http://127\.0\.0\.1:(\d+)/)\?token=(\S+)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _require_browser()
    folder = tmp_path_factory.mktemp("serve-e2e")
    shutil.copy(EXAMPLE, folder / "al-asad.yaml")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "iadsim.cli", "serve", str(folder / "al-asad.yaml"), "--port",
         "0", "--workers", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        deadline = time.time() + 120
        line = ""
        while time.time() < deadline:
            line = proc.stdout.readline()
            if URL.search(line) or proc.poll() is not None:
                break
        m = URL.search(line)
        assert m, f"no URL printed: {line!r} {proc.stderr.read() if proc.poll() else ''}"
        yield {"url": m.group(0), "base": m.group(1), "folder": folder}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode is not None


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


def _coverage_paths(page) -> list[str]:
    return page.eval_on_selector_all("path.coverage-area", "ps => ps.map(p => p.getAttribute('d'))")


def test_drag_run_and_nothing_leaves_localhost(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requests, outside, problems = [], [], []

    def route(r):
        requests.append(r.request.url)
        if r.request.url.startswith(server["base"]):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        page.goto(server["url"], wait_until="load")
        page.wait_for_function(
            "() => Number(document.body.dataset.coverageRev) >= 1", timeout=120_000
        )
        assert page.locator("path.serve-border").count() > 10
        assert page.locator("img.serve-relief").count() == 1
        assert page.locator("[data-kind=fire_units]").count() == 7
        assert page.locator("[data-kind=sensors]").count() == 1
        # close in on Al Asad, where the S-400, its radar and the options stand together
        page.evaluate("() => iadsimMap.setView([33.77, 42.46], 11, {animate: false})")
        page.wait_for_timeout(500)
        before = _coverage_paths(page)
        assert before and all(before)
        rev = int(page.evaluate("() => document.body.dataset.coverageRev"))

        # drag the S-400 about 150 px west-south-west with mouse events
        marker = page.locator("[data-site='s400-al-asad']")
        box = marker.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        for i in range(1, 11):
            page.mouse.move(x - 15 * i, y + 5 * i)
        page.mouse.up()
        page.wait_for_function(
            f"() => Number(document.body.dataset.coverageRev) > {rev}", timeout=120_000
        )
        after = _coverage_paths(page)
        assert after and after != before
        assert "1 table(s) computed" in page.locator("#cov-status").inner_text()
        moved = page.locator("[data-site='s400-al-asad']").bounding_box()
        assert moved["x"] < box["x"] - 100

        # Run: progress streams, then the leakage table is filled
        page.fill("#reps", "50")
        page.click("#run-btn")
        page.wait_for_function(
            "() => Number(document.body.dataset.resultsRev) >= 1", timeout=300_000
        )
        rows = page.locator("#leak-table tr")
        assert rows.count() >= 3  # header, ballistic, all
        text = page.locator("#leak-table").inner_text()
        assert "ballistic" in text and "all" in text
        assert re.search(r"0\.\d{3}", text)
        assert "done" in page.locator("#run-status").inner_text()

        # an invalid edit shows the field's message beside the field
        page.locator("[data-site='s400-al-asad']").click()
        page.fill("#editor input[type=number] >> nth=1", "900")  # sector_center_deg
        page.locator("#editor input[type=number] >> nth=1").dispatch_event("change")
        page.wait_for_function("() => document.getElementById('error').textContent.length > 0")
        assert "sector_center_deg" in page.locator("#error").inner_text()
        beside = page.locator(".field-error[data-field=sector_center_deg]").inner_text()
        assert "less than or equal to 360" in beside

        # Save as: a new name is written; the same name again asks before overwriting
        dialogs = []

        def on_dialog(d):
            dialogs.append(d.message)
            d.accept()

        page.on("dialog", on_dialog)
        page.fill("#save-name", "dragged")
        page.click("#save-btn")
        page.wait_for_function(
            "() => /saved/.test(document.getElementById('save-status').textContent)"
        )
        saved = server["folder"] / "dragged.yaml"
        assert saved.exists() and "s400-al-asad" in saved.read_text(encoding="utf-8")
        page.evaluate("() => { document.getElementById('save-status').textContent = ''; }")
        page.click("#save-btn")
        page.wait_for_function(
            "() => /saved/.test(document.getElementById('save-status').textContent)"
        )
        assert dialogs and "exists" in dialogs[0]
        page.fill("#save-name", "../escape")
        page.click("#save-btn")
        page.wait_for_function(
            "() => /plain file name/.test(document.getElementById('save-status').textContent)"
        )
        assert not (server["folder"].parent / "escape.yaml").exists()

        # the whole theatre for the picture: Al Asad, Erbil and the launch areas
        page.evaluate("() => iadsimMap.setView([34.6, 44.6], 7, {animate: false})")
        page.wait_for_timeout(800)
        shot = page.screenshot()
        _assert_not_blank(shot)
        if os.environ.get("IADSIM_SCREENSHOT"):
            Path(os.environ["IADSIM_SCREENSHOT"]).write_bytes(shot)
        assert requests and not outside, outside
        assert all(u.startswith(server["base"]) for u in requests)
        # the failed loads allowed are the refusals provoked above: the invalid edit (422),
        # the existing save name (409) and the traversal (400)
        provoked = [p for p in problems if re.search(r"status of (422|409|400)\b", p)]
        statuses = {re.search(r"status of (\d+)", p).group(1) for p in provoked}
        assert statuses == {"422", "409", "400"}, provoked
        problems = [p for p in problems if p not in provoked]
        assert not problems, problems[:3]
    finally:
        page.close()


def _assert_not_blank(png: bytes) -> None:
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)
    assert img.std() > 10
