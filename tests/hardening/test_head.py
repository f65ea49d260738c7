"""HEAD works on every GET route (headers only), and streams stop right after their headers."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
from fastapi import APIRouter
from fastapi.testclient import TestClient

from frigate_media.api.streaming import ClosingStreamingResponse
from tests.support.app import app_of


def test_head_on_a_get_route_answers_its_headers_without_a_body(client: TestClient) -> None:
    get = client.get("/api/version")
    head = client.head("/api/version")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == str(len(get.content))


def test_head_on_an_error_keeps_the_status_and_drops_the_body(client: TestClient) -> None:
    head = client.head("/api/no/such/route/here")
    assert head.status_code == 404
    assert head.content == b""


def test_head_on_an_endless_stream_stops_the_stream_after_the_headers(
    client_factory: Callable[..., TestClient], frigate_db: Path
) -> None:
    client = client_factory()
    closed = threading.Event()
    router = APIRouter()

    @router.get("/probe/endless")
    async def endless() -> ClosingStreamingResponse:
        async def frames() -> AsyncIterator[bytes]:
            try:
                while True:
                    yield b"--frame\r\n"
                    await asyncio.sleep(0.01)
            finally:
                closed.set()

        return ClosingStreamingResponse(
            frames(), media_type="multipart/x-mixed-replace;boundary=frame"
        )

    app_of(client).include_router(router)
    # The TestClient has no timeout: wait for the HEAD on a thread, so a stream that never stops
    # fails the test instead of hanging it.
    replies: list[httpx.Response] = []
    asking = threading.Thread(
        target=lambda: replies.append(client.head("/probe/endless")), daemon=True
    )
    asking.start()
    asking.join(10)
    assert replies, "HEAD on an endless stream did not return"
    head = replies[0]
    assert head.status_code == 200
    assert head.headers["content-type"].startswith("multipart/x-mixed-replace")
    assert head.content == b""
    # The generator is closed (its finally ran), so a real stream's ffmpeg would be reaped.
    assert closed.wait(10)


def test_options_is_a_json_405_not_a_server_error(client: TestClient) -> None:
    response = client.options("/api/version")
    assert response.status_code == 405
    assert response.json() == {"success": False, "message": "Method Not Allowed"}
