"""``iadsim serve`` from the command line: it prints a URL with a token and serves on it (a
real socket, a free port); requests without the token or for another Host are refused; it
binds 127.0.0.1 unless another address is asked for, which prints a warning; a bad scenario
is one FILE:LINE:COL line and exit 2.

The served process is the session's one (tests/e2e/conftest.py); the binding and the bad
scenario run the command in this process (uvicorn's loop replaced by a probe of its socket)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
from typer.testing import CliRunner

from iadsim.cli import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "iraq-2020-al-asad.yaml"


def test_serves_with_a_token_on_loopback(serve_process):
    port, token = serve_process["port"], serve_process["token"]
    assert port > 0 and len(token) >= 40
    base = f"http://127.0.0.1:{port}"
    assert httpx.get(f"{base}/api/state", timeout=30).status_code == 401
    r = httpx.get(f"{base}/?token=wrong", timeout=30)
    assert r.status_code == 401
    r = httpx.get(f"{base}/?token={token}", timeout=30)
    assert r.status_code == 200 and "iadsim serve" in r.text
    cookies = r.cookies
    assert httpx.get(f"{base}/api/state", cookies=cookies, timeout=60).status_code == 200
    rebound = httpx.get(
        f"{base}/api/state", headers={"Host": f"attacker.example:{port}"}, cookies=cookies
    )
    assert rebound.status_code == 421
    # localhost is the same machine's name for it
    r = httpx.get(f"http://localhost:{port}/static/app.css", cookies=cookies, timeout=30)
    assert r.status_code in (200, 401)  # the cookie is per host name; never 421
    assert httpx.get(f"{base}/static/app.css", cookies=cookies).status_code == 200
    assert serve_process["proc"].poll() is None  # still serving


def _bound(monkeypatch, tmp_path, *args: str):
    """Run ``iadsim serve`` in this process until uvicorn would start; return the CLI result
    and the address its socket is bound to."""
    import uvicorn

    seen = {}

    def probe(self, sockets=None):
        seen["address"] = sockets[0].getsockname()[0]
        # the URL is already printed: a client that follows it now must be queued, not refused
        import socket

        port = sockets[0].getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            seen["listening"] = True

    monkeypatch.setattr(uvicorn.Server, "run", probe)
    shutil.copy(EXAMPLE, tmp_path / "s.yaml")
    r = CliRunner().invoke(app, ["serve", str(tmp_path / "s.yaml"), "--port", "0", *args])
    assert seen.get("listening") or r.exit_code != 0, "socket not listening when URL printed"
    return r, seen.get("address")


def test_loopback_by_default_other_address_only_when_asked(monkeypatch, tmp_path):
    r, address = _bound(monkeypatch, tmp_path)
    assert r.exit_code == 0, r.output
    assert address == "127.0.0.1" and "warning" not in r.output
    assert re.search(r"at http://127\.0\.0\.1:\d+/\?token=\S{40,}", r.output)
    r, address = _bound(monkeypatch, tmp_path, "--host", "0.0.0.0")
    assert r.exit_code == 0, r.output
    assert address == "0.0.0.0"
    assert "warning" in r.output and "0.0.0.0" in r.output


def test_bad_scenario_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("count: 4\n", "count: -4\n", 1))
    r = CliRunner().invoke(app, ["serve", str(bad), "--port", "0"])
    assert r.exit_code == 2
    assert re.match(r"^\S*bad\.yaml:\d+:\d+: raids\[0\]\.count: ", r.output)
    assert len(r.output.strip().splitlines()) == 1
    assert "Traceback" not in r.output
