"""HEAD on every GET route: answer with the GET response's status and headers, never its body.

FastAPI's `@router.get` routes answer HEAD with 405, but curl -I, proxies and link checkers
send HEAD. The middleware runs the request as a GET on a copy of the scope (the server still
sees HEAD, so it writes no body), drops the body, and then tells the app the client has gone:
a streaming response (MJPEG, clip.mp4) stops right after its headers and its ffmpeg is reaped.
"""

from __future__ import annotations

import asyncio
import contextlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DISCONNECT: Message = {"type": "http.disconnect"}


class HeadAsGetMiddleware:
    """Serve HEAD requests through the GET routes, headers only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        get_scope = dict(scope, method="GET")
        # The disconnect-listening path of StreamingResponse is the one that stops on our signal.
        get_scope["asgi"] = dict(scope.get("asgi", {}), spec_version="2.3")
        headers_sent = asyncio.Event()
        body_closed = False

        async def head_send(message: Message) -> None:
            nonlocal body_closed
            if message["type"] == "http.response.start":
                await send(message)
                headers_sent.set()
                return
            if message["type"] == "http.response.body":
                if not body_closed:
                    body_closed = True
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        async def head_receive() -> Message:
            if headers_sent.is_set():
                return DISCONNECT
            real = asyncio.ensure_future(receive())
            sent = asyncio.ensure_future(headers_sent.wait())
            await asyncio.wait({real, sent}, return_when=asyncio.FIRST_COMPLETED)
            if real.done():
                sent.cancel()
                return real.result()
            real.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await real
            return DISCONNECT

        await self.app(get_scope, head_receive, head_send)
