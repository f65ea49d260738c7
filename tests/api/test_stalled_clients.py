"""The stalled-client guard at the ASGI level, with and without the app's lifespan.

The real-server tests (`tests/hardening/test_slow_readers.py`) cover the guard as `serve` runs
it (lifespan on, the watchdog). Here a `send` that never completes stands in for a client that
stopped reading, which is the only way to reach the per-send timeout used when a server runs
no lifespan.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from starlette.types import Message, Receive, Scope, Send

from frigate_media.api.streaming import (
    ABORT_EXTENSION,
    ClosingStreamingResponse,
    StalledClientGuard,
)

STALL = 0.3


class Stalled:
    """A client whose connection takes the response head, then nothing more."""

    def __init__(self) -> None:
        self.aborted = 0
        self.messages: list[Message] = []

    def scope(self) -> Scope:
        return {"type": "http", "path": "/clip", "extensions": {ABORT_EXTENSION: self.abort}}

    def abort(self) -> None:
        self.aborted += 1

    async def send(self, message: Message) -> None:
        self.messages.append(message)
        if message["type"] == "http.response.body":
            await asyncio.Event().wait()  # the buffers are full: never returns


async def receive() -> Message:
    await asyncio.Event().wait()
    return {"type": "http.disconnect"}


def stream_app(closed: list[bool]) -> object:
    async def body() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"x" * 65536
        finally:
            closed.append(True)  # where the runner would reap ffmpeg

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await asyncio.Event().wait()
            return
        await ClosingStreamingResponse(body())(scope, receive, send)

    return app


@pytest.mark.parametrize("lifespan", [True, False], ids=["watchdog", "per-send timeout"])
def test_a_response_whose_send_waits_past_the_stall_time_is_ended_and_its_stream_closed(
    lifespan: bool,
) -> None:
    async def scenario() -> tuple[int, list[bool], float]:
        closed: list[bool] = []
        guard = StalledClientGuard(stream_app(closed), stall_seconds=STALL)  # type: ignore[arg-type]
        life = None
        if lifespan:
            life = asyncio.create_task(guard({"type": "lifespan"}, receive, Stalled().send))
            await asyncio.sleep(0)
        client = Stalled()
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.wait_for(guard(client.scope(), receive, client.send), 10)
        took = loop.time() - started
        if life is not None:
            life.cancel()
        assert client.messages[0]["type"] == "http.response.start"
        return client.aborted, closed, took

    aborted, closed, took = asyncio.run(scenario())
    assert aborted == 1
    assert closed == [True]
    assert took >= STALL  # not dropped before its stall time
