"""``iadsim serve`` from the command line: it prints a URL with a token and serves on it (a
real socket, a free port); requests without the token or for another Host are refused; another
address than 127.0.0.1 is served only when asked, with a warning; a bad scenario is one
FILE:LINE:COL line and exit 2."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "iraq-2020-al-asad.yaml"
URL = re.compile(r"http://(\S+?):(\d+)/\?token=(\S+)")


def _start(args: list[str]):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "iadsim.cli", "serve", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stdout.readline()
        m = URL.search(line)
        if m or proc.poll() is not None:
            return proc, m
    return proc, None


def _stop(proc) -> str:
    proc.terminate()
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return err


def test_serves_with_a_token_on_loopback(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "s.yaml")
    proc, m = _start([str(tmp_path / "s.yaml"), "--port", "0"])
    try:
        assert m, proc.stderr.read() if proc.poll() is not None else "no URL"
        host, port, token = m.group(1), int(m.group(2)), m.group(3)
        assert host == "127.0.0.1" and port > 0 and len(token) >= 40
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/api/state", timeout=30).status_code == 401
        r = httpx.get(f"{base}/?token={token}", timeout=30)
        assert r.status_code == 200 and "iadsim serve" in r.text
        cookies = r.cookies
        assert httpx.get(f"{base}/api/coverage", cookies=cookies, timeout=60).status_code == 200
        rebound = httpx.get(
            f"{base}/api/state", headers={"Host": f"attacker.example:{port}"}, cookies=cookies
        )
        assert rebound.status_code == 421
        # localhost is the same machine's name for it
        r = httpx.get(f"http://localhost:{port}/static/app.css", cookies=cookies, timeout=30)
        assert r.status_code in (200, 401)  # the cookie is per host name; never 421
        assert httpx.get(f"{base}/static/app.css", cookies=cookies).status_code == 200
    finally:
        err = _stop(proc)
    assert "Traceback" not in err


def test_other_address_only_when_asked_and_with_a_warning(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "s.yaml")
    proc, m = _start([str(tmp_path / "s.yaml"), "--port", "0", "--host", "0.0.0.0"])
    try:
        assert m and m.group(1) == "0.0.0.0"
    finally:
        err = _stop(proc)
    assert "warning" in err and "0.0.0.0" in err


def test_bad_scenario_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("count: 4\n", "count: -4\n", 1))
    out = subprocess.run(
        [sys.executable, "-m", "iadsim.cli", "serve", str(bad), "--port", "0"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 2
    assert re.match(r"^\S*bad\.yaml:\d+:\d+: raids\[0\]\.count: ", out.stderr)
    assert "Traceback" not in out.stderr
