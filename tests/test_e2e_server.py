"""End to end: `frigate-media serve` as a real process answers over real HTTP and stops cleanly."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from frigate_media import __version__
from tests.conftest import RunningServer, stop_server

pytestmark = pytest.mark.e2e


def test_serve_answers_version_over_http(server_factory: Callable[..., RunningServer]) -> None:
    server = server_factory()
    response = httpx.get(server.url("/api/version"), timeout=5)
    assert response.status_code == 200
    assert response.text.endswith(__version__)
    stop_server(server)
    # uvicorn re-raises SIGTERM after a graceful shutdown, so check that the shutdown ran.
    assert "Application shutdown complete" in server.log.read_text()
