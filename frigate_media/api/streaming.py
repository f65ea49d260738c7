"""A StreamingResponse that always closes its body iterator, so a stream's ffmpeg dies with it.

Starlette cancels a stream when the client goes away. If the cancel lands while the response
waits in `send` (a slow or vanished client: the usual case for a fast producer such as
`clip.mp4 -c copy`), the body generator is left suspended at its `yield` and is only closed
when the garbage collector breaks the response's reference cycle, seconds or minutes later.
Until then its ffmpeg keeps running. Closing the iterator in `finally` runs the generator's
cleanup (the runner's terminate-and-reap) at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send


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
