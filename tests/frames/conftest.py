"""Fixtures for live frames: lavfi and looping-file cameras, a restartable TCP camera source."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from frigate_media.frames.processor import FrameProcessor
from tests.conftest import free_port
from tests.support.app import context_of
from tests.support.media import ffmpeg_binary

WIDTH, HEIGHT, FPS = 320, 240, 5


def camera_config(
    path: str, input_args: str, retry_interval: float = 1.0, **extra: Any
) -> dict[str, Any]:
    """A camera whose detect input is `path`; extra keys are merged into the camera."""
    camera: dict[str, Any] = {
        "ffmpeg": {
            "inputs": [{"path": path, "input_args": input_args, "roles": ["detect"]}],
            "retry_interval": retry_interval,
        },
        "detect": {"width": WIDTH, "height": HEIGHT, "fps": FPS},
    }
    camera.update(extra)
    return camera


def lavfi_camera(retry_interval: float = 1.0, **extra: Any) -> dict[str, Any]:
    return camera_config(
        f"testsrc2=size={WIDTH}x{HEIGHT}:rate={FPS}", "-re -f lavfi", retry_interval, **extra
    )


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0, step: float = 0.1) -> float:
    """Poll `predicate` until it holds; returns the seconds it took, fails after `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout} s")


def is_live(response: httpx.Response) -> bool:
    return (
        response.status_code == 200
        and "x-frigate-offline" not in response.headers
        and (response.headers.get("etag") is not None)
    )


def wait_live(client: TestClient, camera: str = "cam", timeout: float = 30.0) -> None:
    """Until the camera serves live frames (not the error image, not a preview frame)."""
    processor = context_of(client).worker(FrameProcessor)
    wait_until(lambda: not processor.is_offline(camera), timeout)


class TcpSource:
    """An ffmpeg serving an MPEG-TS test pattern on a TCP port: a camera we can unplug."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin",
                "-re", "-f", "lavfi", "-i", f"testsrc2=size={WIDTH}x{HEIGHT}:rate={FPS}",
                "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
                "-g", str(FPS), "-f", "mpegts", f"{self.url}?listen=1",
            ],
            stdin=subprocess.DEVNULL,
        )  # fmt: skip

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def tcp_source() -> Iterator[TcpSource]:
    source = TcpSource()
    source.start()
    yield source
    source.stop()


@pytest.fixture
def live_client(client_factory: Callable[..., TestClient], frigate_db: Path) -> TestClient:
    """An app ingesting one lavfi camera `cam` (plus the idle `front` and `back`), already live."""
    client = client_factory({"cameras": {"cam": lavfi_camera()}}, background=True)
    wait_live(client)
    return client
