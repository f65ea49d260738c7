"""Previews through a real `serve` process (uvloop, as in production): current-hour frames."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.conftest import RunningServer
from tests.support.previews import write_frames

pytestmark = pytest.mark.e2e


def test_a_gif_of_current_hour_frames_is_made_by_the_real_server(
    server_factory: Callable[..., RunningServer], tmp_path: Path
) -> None:
    # Under uvloop a child's stdin is a socket: the frames list must be read from pipe:0.
    now = time.time()
    if now % 3600 < 40:  # keep the whole range inside the current hour
        time.sleep(41 - now % 3600)
        now = time.time()
    write_frames(tmp_path / "cache" / "preview_frames", "front", [now - 30 + i for i in range(20)])
    server = server_factory()
    response = httpx.get(
        server.url(f"/api/front/start/{now - 31:.3f}/end/{now - 5:.3f}/preview.gif"), timeout=30
    )
    assert response.status_code == 200, response.text
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "GIF"
    assert getattr(image, "n_frames", 1) > 1
    assert response.headers["cache-control"] == "private, max-age=60"
