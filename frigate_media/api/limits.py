"""A byte cap on every request body, enforced before and while it streams in, never buffered.

A declared `Content-Length` over the route's cap is refused with 413 before the app runs (no
byte of the body is read). A body without one (chunked) is counted as the app reads it, and
the read that crosses the cap raises `TooLarge` (413) instead of returning the bytes. Either
way the answer closes the connection, so the server stops receiving the rest. Any answer sent
while part of a body is still unread (a 401 before the body, say) closes the connection too,
for the same reason. `POST /login` has its own, smaller cap.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frigate_media.api.errors import error_response
from frigate_media.errors import TooLarge

CLOSE = (b"connection", b"close")


class RequestBodyLimit:
    """413 for request bodies over `default_limit` bytes (or the path's own limit)."""

    def __init__(self, app: ASGIApp, *, default_limit: int, path_limits: Mapping[str, int]) -> None:
        self.app = app
        self.default_limit = default_limit
        self.path_limits = dict(path_limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.path_limits.get(scope["path"], self.default_limit)
        declared, chunked = _body_framing(scope)
        if declared is not None and declared > limit:
            error = TooLarge(limit)
            response = error_response(error.status_code, error.message, error.headers)
            await response(scope, receive, send)
            return
        received = 0
        body_done = not chunked and not declared

        async def counted_receive() -> Message:
            nonlocal received, body_done
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise TooLarge(limit)
                if not message.get("more_body", False):
                    body_done = True
            return message

        async def closing_send(message: Message) -> None:
            if message["type"] == "http.response.start" and not body_done:
                # The rest of the body would otherwise be received (and dropped) for nothing.
                headers_out = [h for h in message.get("headers", []) if h[0] != CLOSE[0]]
                message = {**message, "headers": [*headers_out, CLOSE]}
            await send(message)

        await self.app(scope, counted_receive, closing_send)


def _body_framing(scope: Scope) -> tuple[int | None, bool]:
    """The declared Content-Length (None when absent or not a number) and whether it is chunked.

    Read from the raw header list: this runs on every request, the hot ones included.
    """
    declared: int | None = None
    chunked = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            text = value.strip()
            declared = int(text) if text.isdigit() else None
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
    return declared, chunked
