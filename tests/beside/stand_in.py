"""A stand-in for the rest of Frigate behind its nginx: the API process, /auth, nginx-vod.

A fake, because Frigate itself cannot run here (no Frigate image, no detector, no go2rtc). It
answers `/auth` the way Frigate's does (200 with `remote-user`/`remote-role`, or 401), answers
`/config`, `/stats`, `/events` and every other path with small JSON, and records every request
it receives, so a test can tell what reached "Frigate" and with which headers.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# The cookie the test's clients carry: `frigate_token=<user>:<role>`; anything else is a 401.
IDENTITY_COOKIE = "frigate_token"
STAND_IN_HEADER = "X-Stand-In"


@dataclass(frozen=True)
class Seen:
    """One request as the stand-in received it (header names lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]

    @property
    def location(self) -> str:
        """The Frigate nginx location that sent it (X-Frigate-Location)."""
        return self.headers.get("x-frigate-location", "")

    @property
    def is_auth_check(self) -> bool:
        """nginx's auth_request subrequest (a client's own GET /api/auth comes via /api/)."""
        return self.path == "/auth" and "x-frigate-location" not in self.headers


def identity_cookie(user: str, role: str) -> dict[str, str]:
    return {"Cookie": f"{IDENTITY_COOKIE}={user}:{role}"}


class FrigateStandIn:
    """A threaded HTTP/1.1 server on a free port that records what it is asked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: list[Seen] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> FrigateStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def record(self, seen: Seen) -> None:
        with self._lock:
            self._seen.append(seen)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()

    def seen(self) -> list[Seen]:
        with self._lock:
            return list(self._seen)

    def proxied(self) -> list[Seen]:
        """Requests nginx passed on to "Frigate" (everything but its /auth subrequests)."""
        return [seen for seen in self.seen() if not seen.is_auth_check]

    def auth_checks(self) -> list[Seen]:
        return [seen for seen in self.seen() if seen.is_auth_check]


def _answer(path: str) -> tuple[int, dict[str, Any] | list[Any]]:
    bare = path.split("?", 1)[0]
    if bare == "/config":
        return 200, {"cameras": {"front": {}, "back": {}}}
    if bare == "/stats":
        return 200, {"service": {"version": "0.16.0-stand-in"}}
    if bare == "/events":
        return 200, []
    return 200, {"stand_in": True, "path": path}


def _handler_for(stand_in: FrigateStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reads the record, not stderr."""

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            stand_in.record(Seen(self.command, self.path, headers))
            if self.path == "/auth":
                self._auth(headers)
                return
            status, body = _answer(self.path)
            self._send(status, json.dumps(body).encode(), {STAND_IN_HEADER: "frigate"})

        def _auth(self, headers: dict[str, str]) -> None:
            cookie = SimpleCookie(headers.get("cookie", ""))
            morsel = cookie.get(IDENTITY_COOKIE)
            user, _, role = (morsel.value if morsel else "").partition(":")
            if not user or not role:
                self._send(401, b'{"message": "unauthorized"}', {})
                return
            self._send(202, b"", {"remote-user": user, "remote-role": role})

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if self.close_connection:  # an HTTP/1.0 request: say so, or nginx would reuse it
                self.send_header("Connection", "close")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle

    return Handler
