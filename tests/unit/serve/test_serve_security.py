"""The refusals of iadsim serve's guard and routes: each gives its status, the response carries
the strict CSP, no traceback leaves the server, and the next good request is still served."""

from __future__ import annotations

import pytest

from iadsim.serve.security import CSP

TOKEN = "s3cret-token"


def _still_serving(client):
    r = client.get("/api/coverage", params={"variant": "patriot", "altitude_m": 100})
    assert r.status_code == 200
    assert r.json()["type"] == "FeatureCollection"


def test_missing_and_wrong_token_refused(client):
    for headers in ({"X-Iadsim-Token": ""}, {"X-Iadsim-Token": "guess"}):
        r = client.get("/api/state", headers=headers)
        assert r.status_code == 401
        assert r.headers["content-security-policy"] == CSP
    r = client.get("/", headers={"X-Iadsim-Token": ""})
    assert r.status_code == 401
    _still_serving(client)


def test_token_in_url_sets_a_strict_cookie(client):
    r = client.get(f"/?token={TOKEN}", headers={"X-Iadsim-Token": ""})
    assert r.status_code == 200
    assert "text/html" in r.headers["content-type"]
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert r.headers["content-security-policy"] == CSP
    assert "default-src 'none'" in CSP and "script-src 'self'" in CSP
    assert "unsafe" not in CSP
    # the page pulls nothing from elsewhere
    assert "http://" not in r.text and "https://" not in r.text


def test_wrong_host_refused_against_dns_rebinding(client):
    r = client.get("/api/state", headers={"Host": "evil.example:8765"})
    assert r.status_code == 421
    r = client.get("/api/state", headers={"Host": "127.0.0.1.evil.example"})
    assert r.status_code == 421
    _still_serving(client)


def test_wrong_origin_refused(client):
    r = client.post("/api/save", json={"name": "x"}, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    r = client.get("/api/coverage", headers={"Origin": "null"})
    assert r.status_code == 403
    # the served origin is accepted
    r = client.get(
        "/api/coverage", params={"variant": "patriot"}, headers={"Origin": "http://testserver"}
    )
    assert r.status_code == 200


def test_oversized_body_refused(client, folder):
    big = b'{"name": "' + b"a" * 70_000 + b'"}'
    r = client.post("/api/save", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(20):
            yield b"x" * 8192

    r = client.post("/api/edit", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    _still_serving(client)


@pytest.mark.parametrize(
    "name", ["../evil", "..", "sub/evil", "/tmp/evil", ".hidden", "a\\b", "a..b", "", "é"]
)
def test_save_traversal_refused(client, folder, name):
    before = sorted(p.name for p in folder.parent.rglob("*"))
    r = client.post("/api/save", json={"name": name})
    assert r.status_code in (400, 422), r.text
    assert sorted(p.name for p in folder.parent.rglob("*")) == before


def test_invalid_edit_gives_the_fields_message(client, session):
    revision = session.revision
    r = client.post(
        "/api/edit",
        json={
            "op": "set",
            "kind": "fire_units",
            "name": "patriot-al-asad",
            "field": "sector_width_deg",
            "value": 500,
        },
    )
    assert r.status_code == 422
    (problem,) = r.json()["errors"]
    assert problem["field"].endswith("sector_width_deg")
    assert "less than or equal to 360" in problem["message"]
    # FILE:LINE:COL as iadsim validate prints it
    file, line, col, *_ = problem["text"].split(":")
    assert file.endswith(".yaml") and int(line) > 0 and int(col) > 0
    assert session.revision == revision  # nothing changed
    # a cross-reference problem: an interceptor the system does not have
    r = client.post(
        "/api/edit",
        json={
            "op": "set",
            "kind": "fire_units",
            "name": "patriot-al-asad",
            "field": "interceptor",
            "value": "48n6e3",
        },
    )
    assert r.status_code == 422
    assert "has no interceptor '48n6e3'" in r.json()["errors"][0]["message"]
    # a field the page may not set, and an unknown unit
    r = client.post(
        "/api/edit",
        json={"op": "set", "kind": "fire_units", "name": "patriot-al-asad", "field": "name",
              "value": "x"},
    )  # fmt: skip
    assert r.status_code == 400
    r = client.post(
        "/api/edit", json={"op": "move", "kind": "fire_units", "name": "nope", "lat": 1, "lon": 1}
    )
    assert r.status_code == 400
    r = client.post("/api/edit", json={"op": "explode", "kind": "fire_units"})
    assert r.status_code == 422
    _still_serving(client)


def test_static_files_are_a_fixed_list(client):
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/leaflet.js").status_code == 200
    for name in ("../session.py", "..%2Fsession.py", "static/app.js", "index.html"):
        assert client.get(f"/static/{name}").status_code == 404


def test_no_traceback_reaches_the_client(client, session, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("secret internal detail /home/user/file.py line 12")

    monkeypatch.setattr(session, "coverage", boom)
    r = client.get("/api/coverage")
    assert r.status_code == 500
    assert "Traceback" not in r.text and "secret" not in r.text and ".py" not in r.text
    monkeypatch.undo()
    _still_serving(client)


def test_bad_run_requests(client):
    r = client.post("/api/run", json={"variant": "patriot", "replications": 0})
    assert r.status_code == 422
    r = client.post("/api/run", json={"variant": "no-such", "replications": 10})
    assert r.status_code == 422
    assert "unknown variant" in r.json()["errors"][0]["message"]
    assert client.get("/api/run/doesnotexist").status_code == 404


def test_served_hosts():
    from iadsim.cli_serve import served_hosts

    assert served_hosts("127.0.0.1", 8765) == ["127.0.0.1:8765", "localhost:8765"]
    assert served_hosts("192.168.1.5", 80) == ["192.168.1.5:80"]
    assert served_hosts("::1", 9) == ["[::1]:9"]
    wild = served_hosts("0.0.0.0", 5)
    assert "127.0.0.1:5" in wild and "0.0.0.0:5" in wild
    assert all(h.endswith(":5") for h in wild)


def test_cli_import_does_not_load_the_web_stack():
    import json
    import subprocess
    import sys

    probe = (
        "import iadsim.cli, sys, json; "
        "print(json.dumps([m for m in ('fastapi', 'uvicorn', 'starlette') if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
