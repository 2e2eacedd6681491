"""The guard in front of every request of ``iadsim serve`` (pure ASGI middleware).

The server drives a simulator on the user's machine, so a web page elsewhere must not be able
to drive it. Each request must

- name the served host in ``Host`` (a DNS-rebinding page reaches 127.0.0.1 under its own
  name, so its ``Host`` header is not ours: refused with 421);
- carry no ``Origin``, or exactly the served origin (cross-site requests: 403);
- carry the session token: ``?token=`` on the first page load (answered with an HttpOnly,
  SameSite=Strict cookie), then the cookie or an ``X-Iadsim-Token`` header (else 401);
- send a body of at most ``max_body_bytes`` (413), counted as it streams when no
  ``Content-Length`` is given.

Every response gets a strict Content-Security-Policy (only this origin's scripts, styles,
images and fetches; ``data:`` images for the relief), ``nosniff``, no referrer, no framing and
no caching.

References
----------
.. [1] OWASP, "HTML5 Security Cheat Sheet" and "Cross-Site Request Forgery Prevention Cheat
   Sheet" (Origin verification, SameSite cookies).
.. [2] RFC 9110, 15.5.20 (421 Misdirected Request); RFC 6454 (the Origin header).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from urllib.parse import parse_qs

#: Content-Security-Policy of every response.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'none'; frame-src 'none'; object-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
COOKIE = "iadsim_token"
HEADER = b"x-iadsim-token"
#: Largest request body. [bytes]
MAX_BODY_BYTES = 64 * 1024

SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


def new_token() -> str:
    """A fresh session token (32 random bytes, URL-safe)."""
    return secrets.token_urlsafe(32)


class Guard:
    """ASGI middleware: refuse requests without the token or from another host or origin.

    Parameters
    ----------
    app : the ASGI application behind the guard.
    token : the session token.
    hosts : accepted ``Host`` header values, e.g. ``["127.0.0.1:8765", "localhost:8765"]``.
    max_body_bytes : largest request body.
    """

    def __init__(self, app, token: str, hosts: Iterable[str], max_body_bytes: int = MAX_BODY_BYTES):
        self.app = app
        self.token = token
        self.hosts = {h.lower() for h in hosts}
        self.origins = {f"http://{h}" for h in self.hosts}
        self.max_body_bytes = max_body_bytes

    @staticmethod
    async def _refuse(send, status: int, message: str) -> None:
        body = json.dumps({"error": message}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *SECURITY_HEADERS,
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _token_ok(self, scope, headers: dict) -> tuple[bool, bool]:
        """(token valid, token came in the query string)."""
        given = headers.get(HEADER, b"").decode("latin-1")
        from_query = False
        if not given:
            for part in headers.get(b"cookie", b"").decode("latin-1").split(";"):
                key, _, value = part.strip().partition("=")
                if key == COOKIE:
                    given = value
        if not given:
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            given = (query.get("token") or [""])[0]
            from_query = bool(given)
        ok = bool(given) and secrets.compare_digest(given.encode(), self.token.encode())
        return ok, from_query and ok

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = {}
        for k, v in scope.get("headers", []):
            headers.setdefault(k.lower(), v)
        host = headers.get(b"host", b"").decode("latin-1").lower()
        if host not in self.hosts:
            await self._refuse(send, 421, "this server answers only to its own address")
            return
        origin = headers.get(b"origin")
        if origin is not None and origin.decode("latin-1").lower() not in self.origins:
            await self._refuse(send, 403, "cross-origin requests are refused")
            return
        ok, from_query = self._token_ok(scope, headers)
        if not ok:
            await self._refuse(
                send, 401, "missing or wrong session token: use the URL printed by iadsim serve"
            )
            return
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_body_bytes
            except ValueError:
                too_big = True
            if too_big:
                await self._refuse(send, 413, f"request body over {self.max_body_bytes} bytes")
                return
        # read the whole body first (it is small): an oversized one is refused before the
        # application sees any of it, and the application reads it from memory
        chunks, received = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            received += len(chunks[-1])
            if received > self.max_body_bytes:
                await self._refuse(send, 413, f"request body over {self.max_body_bytes} bytes")
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay_receive():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # then wait for the disconnect, as the server would send

        async def guarded_send(message):
            if message["type"] == "http.response.start":
                extra = list(SECURITY_HEADERS)
                if from_query:
                    cookie = f"{COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
                    extra.append((b"set-cookie", cookie.encode()))
                names = {k.lower() for k, _ in extra}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + extra}
            await send(message)

        await self.app(scope, replay_receive, guarded_send)
