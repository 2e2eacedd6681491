"""One ``iadsim serve`` process for the e2e tests of the server (test_serve_cli.py and
test_serve_browser.py): started once on a free port, over a copy of the Al Asad example in a
temporary folder (saves land there), and stopped at the end of the session."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "iraq-2020-al-asad.yaml"
URL = re.compile(r"(http://127\.0\.0\.1:(\d+)/)\?token=(\S+)")


@pytest.fixture(scope="session")
def serve_process(tmp_path_factory):
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
        yield {
            "url": m.group(0),
            "base": m.group(1),
            "port": int(m.group(2)),
            "token": m.group(3),
            "folder": folder,
            "proc": proc,
        }
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert "Traceback" not in proc.stderr.read()
