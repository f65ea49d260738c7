"""clip.mp4 over real HTTP: a client that leaves mid-clip leaves no ffmpeg and no files behind."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import RunningServer
from tests.support.recordings import T0, record_segments

pytestmark = pytest.mark.e2e


def children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def test_a_client_leaving_mid_clip_leaves_nothing_behind(
    tmp_path: Path,
    frigate_db: Path,
    clip_factory: Callable[..., Path],
    server_factory: Callable[..., RunningServer],
) -> None:
    record_segments(tmp_path, clip_factory, "front", T0, 30, seconds=10, gop_seconds=1)
    server = server_factory()
    work = tmp_path / "cache" / "frigate-media"
    url = server.url(f"/api/front/start/{T0}/end/{T0 + 300}/clip.mp4")
    with httpx.stream("GET", url, timeout=30) as response:
        assert response.status_code == 200
        first = next(response.iter_bytes(4096))
        assert b"ftyp" in first[:16]
    # Started and abandoned: ffmpeg must be reaped and nothing left in the work dir.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and children_of(server.process.pid):
        time.sleep(0.2)
    assert children_of(server.process.pid) == []
    assert [p for p in work.rglob("*") if p.is_file()] == []
    # The server still answers.
    again = httpx.get(server.url(f"/api/front/start/{T0}/end/{T0 + 20}/clip.mp4"), timeout=30)
    assert again.status_code == 200 and len(again.content) > 1000
