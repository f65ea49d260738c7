"""Streams end with their clients: stalled clients are dropped, and a stream's ffmpeg dies with it.

`ClosingStreamingResponse`: Starlette cancels a stream when the client goes away. If the cancel
lands while the response waits in `send` (a slow or vanished client: the usual case for a fast
producer such as `clip.mp4 -c copy`), the body generator is left suspended at its `yield` and
is only closed when the garbage collector breaks the response's reference cycle, seconds or
minutes later. Until then its ffmpeg keeps running. Closing the iterator in `finally` runs the
generator's cleanup (the runner's terminate-and-reap) at once.

`StalledClientGuard`: a client that stops reading but keeps its connection open holds whatever
serves it (an ffmpeg stream slot, an MJPEG viewer's frames, a pinned cache file) for as long as
it likes. The server's `send` waits while the connection's buffers are full, so a `send` that
does not complete within `limits.stream_stall_seconds` means the client accepted no bytes for
that long: the connection is aborted (through the `ABORT_EXTENSION` our uvicorn protocol puts
in the scope, see `serving.py`) and the response is ended, which reaps its ffmpeg. A client
must so take at least the transport's buffer (64 KiB) per stall time to keep a stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.responses import StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

# The scope extension holding a callable that drops the connection at once (unsent bytes too).
ABORT_EXTENSION = "frigate_media.abort"


class ClosingStreamingResponse(StreamingResponse):
    """Use this for every stream backed by a process or a file handle."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await close_iterator(self.body_iterator)


async def close_iterator(iterator: object) -> None:
    """Close an async generator (shielded: the request task may itself be cancelled)."""
    if not isinstance(iterator, AsyncIterator):
        return
    aclose = getattr(iterator, "aclose", None)
    if aclose is None:
        return
    with contextlib.suppress(Exception):
        await asyncio.shield(aclose())


class ClientStalled(Exception):
    """The client accepted no bytes for the stall time (raised out of `send`)."""


class _Exchange:
    """One request's state for the guard: its scope and whether its client stalled."""

    __slots__ = ("scope", "stalled")

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.stalled = False

    def drop(self) -> None:
        """Mark it stalled and abort its connection (unsent bytes are discarded)."""
        self.stalled = True
        abort: Callable[[], None] | None = self.scope.get("extensions", {}).get(ABORT_EXTENSION)
        if abort is not None:
            abort()


class StalledClientGuard:
    """Ends any HTTP response whose `send` waits longer than `stall_seconds` (module docstring).

    The hot path must stay cheap (latest.jpg answers thousands of requests a second), so a send
    costs a dict entry and no timer: while the app runs (its lifespan), one watchdog looks at the
    sends in flight every `check_seconds` and cancels those waiting too long; the cancelled send
    raises `ClientStalled`. Without a lifespan each send gets its own timeout instead.
    """

    def __init__(self, app: ASGIApp, *, stall_seconds: float) -> None:
        self.app = app
        self.stall_seconds = stall_seconds
        self.check_seconds = min(1.0, stall_seconds / 4)
        self._sending: dict[asyncio.Task[Any], tuple[float, _Exchange]] = {}
        self._watchdog: asyncio.TimerHandle | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            self._watch()
            try:
                await self.app(scope, receive, send)
            finally:
                if self._watchdog is not None:
                    self._watchdog.cancel()
                    self._watchdog = None
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        exchange = _Exchange(scope)
        guarded = self._watched_send if self._watchdog is not None else self._timed_send
        try:
            await self.app(scope, receive, functools.partial(guarded, send, exchange))
        except Exception:
            if not exchange.stalled:
                raise
            logger.info(
                "dropped a client of %s: it accepted no bytes for %g s",
                scope.get("path", "?"),
                self.stall_seconds,
            )
            # Let the server see the aborted connection before this response returns.
            await asyncio.sleep(0)

    async def _watched_send(self, send: Send, exchange: _Exchange, message: Message) -> None:
        if exchange.stalled:
            raise ClientStalled
        task = asyncio.current_task()
        assert task is not None
        self._sending[task] = (asyncio.get_running_loop().time(), exchange)
        try:
            await send(message)
        except asyncio.CancelledError:
            if not exchange.stalled:
                raise
            task.uncancel()  # the watchdog's cancel, turned into ClientStalled
            raise ClientStalled from None
        finally:
            self._sending.pop(task, None)

    async def _timed_send(self, send: Send, exchange: _Exchange, message: Message) -> None:
        if exchange.stalled:
            raise ClientStalled
        try:
            async with asyncio.timeout(self.stall_seconds):
                await send(message)
        except TimeoutError:
            exchange.drop()
            raise ClientStalled from None

    def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        self._watchdog = loop.call_later(self.check_seconds, self._check)

    def _check(self) -> None:
        """Cancel the sends waiting longer than the stall time, then look again later."""
        now = asyncio.get_running_loop().time()
        for task, (since, exchange) in list(self._sending.items()):
            if now - since > self.stall_seconds and not exchange.stalled:
                exchange.drop()
                task.cancel()
        self._watch()
