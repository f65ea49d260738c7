"""MJPEG over a real server: multipart parts parse, decode at the asked height, follow new frames."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import simplejpeg

from tests.conftest import RunningServer
from tests.frames.conftest import lavfi_camera

BOUNDARY = b"--frame\r\nContent-Type: image/jpeg\r\n\r\n"


def read_parts(url: str, count: int, timeout: float = 30.0) -> tuple[httpx.Headers, list[bytes]]:
    """The first `count` JPEG parts of a multipart stream."""
    buffer = b""
    parts: list[bytes] = []
    with httpx.stream("GET", url, timeout=timeout) as response:
        assert response.status_code == 200
        headers = response.headers
        for chunk in response.iter_bytes():
            buffer += chunk
            while True:
                start = buffer.find(BOUNDARY)
                end = buffer.find(b"\r\n\r\n--frame", start + len(BOUNDARY))
                if start < 0 or end < 0:
                    break
                parts.append(buffer[start + len(BOUNDARY) : end])
                buffer = buffer[end + 4 :]
            if len(parts) >= count:
                return headers, parts
    raise AssertionError(f"stream ended after {len(parts)} parts")


@pytest.fixture
def live_server(server_factory: Callable[..., RunningServer]) -> RunningServer:
    return server_factory({"cameras": {"cam": lavfi_camera()}})


def test_mjpeg_parts_decode_at_the_asked_height(live_server: RunningServer) -> None:
    headers, parts = read_parts(live_server.url("/api/cam?fps=5&height=120"), 6)
    assert headers["content-type"] == "multipart/x-mixed-replace;boundary=frame"
    for part in parts:
        height, width, _, _ = simplejpeg.decode_jpeg_header(part)
        assert (width, height) == (160, 120)
    assert len(set(parts)) > 1  # the pattern moves: later parts are new frames


def test_mjpeg_height_above_the_source_is_capped(live_server: RunningServer) -> None:
    _, parts = read_parts(live_server.url("/api/cam?fps=2&height=2000"), 2)
    assert simplejpeg.decode_jpeg_header(parts[0])[:2] == (240, 320)


def test_mjpeg_of_an_idle_camera_still_streams(live_server: RunningServer) -> None:
    _, parts = read_parts(live_server.url("/api/front?fps=1&height=90"), 2)
    assert simplejpeg.decode_jpeg_header(parts[0])[:2] == (90, 160)


def test_mjpeg_bad_fps_is_rejected_before_the_stream(live_server: RunningServer) -> None:
    response = httpx.get(live_server.url("/api/cam?fps=0"), timeout=10)
    assert response.status_code == 400
    assert response.json()["success"] is False
