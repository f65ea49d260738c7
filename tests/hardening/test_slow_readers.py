"""Slow readers and fairness, against a real server: clients that stop reading are dropped after
`limits.stream_stall_seconds` and their ffmpeg reaped; streams never take the slots of short jobs
(other users' GIFs and previews answer meanwhile); one user holds at most half of a pool.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import RunningServer
from tests.hardening.conftest import SlowReader, ffmpeg_children, token, wait_for
from tests.hardening.world import BASE_TIME, World

pytestmark = pytest.mark.e2e
STALL_SECONDS = 3.0
CLIP = f"/api/front/start/{BASE_TIME}/end/{BASE_TIME + 30}/clip.mp4"
GIF = f"/api/front/start/{BASE_TIME}/end/{BASE_TIME + 20}/preview.gif"
PREVIEW = f"/api/back/start/{BASE_TIME}/end/{BASE_TIME + 30}/preview.mp4"


def bearer(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role)}"}


def auth_on(limits: dict[str, Any]) -> dict[str, Any]:
    """Auth on, and clips through ffmpeg (the virtual MP4 runs no ffmpeg: see the last test)."""
    return {
        "auth": {"enabled": True},
        "limits": {"ffmpeg_queue_wait": 0.5, "virtual_mp4": False, **limits},
    }


def open_stalled(server: RunningServer, role: str, path: str = CLIP) -> SlowReader:
    reader = SlowReader(server, path, bearer(role))
    head = reader.head()
    assert head.startswith(b"HTTP/1.1 200"), head[:300]
    return reader


def test_four_stalled_clip_readers_are_dropped_and_reaped_while_others_get_gifs_and_previews(
    heavy_world: World, heavy_server_factory: Callable[..., RunningServer]
) -> None:
    server = heavy_server_factory(
        auth_on({"ffmpeg_jobs": 4, "ffmpeg_streams": 4, "stream_stall_seconds": STALL_SECONDS})
    )
    pid = server.process.pid
    # Two users, two stalled clips each: every stream slot is taken (the four).
    readers = [open_stalled(server, role) for role in ("admin", "admin", "viewer", "viewer")]
    try:
        assert len(ffmpeg_children(pid)) == 4
        # A third user's short jobs do not wait for the streams.
        other = bearer("front_only")
        gif = httpx.get(server.url(GIF), headers=other, timeout=60)
        assert gif.status_code == 200 and gif.content[:6] == b"GIF89a"
        preview = httpx.get(server.url(PREVIEW.replace("back", "front")), headers=other, timeout=60)
        assert preview.status_code == 200 and preview.content[4:8] == b"ftyp"
        # After the stall time the four are dropped and their ffmpeg reaped.
        assert wait_for(lambda: not ffmpeg_children(pid), timeout=STALL_SECONDS + 15), (
            ffmpeg_children(pid)
        )
        for reader in readers:
            assert reader.read_to_end(timeout=10), "the server kept a stalled client"
        # The stream slots are free again.
        with httpx.stream("GET", server.url(CLIP), headers=other, timeout=60) as response:
            assert response.status_code == 200
            assert sum(len(chunk) for chunk in response.iter_bytes()) > 5_000_000
    finally:
        for reader in readers:
            reader.close()
    assert b"accepted no bytes" in server.log.read_bytes()


def test_one_user_holds_at_most_half_the_streams_others_still_get_theirs(
    heavy_world: World, heavy_server_factory: Callable[..., RunningServer]
) -> None:
    server = heavy_server_factory(
        auth_on({"ffmpeg_streams": 4, "identity_share": 0.5, "stream_stall_seconds": 60})
    )
    readers = [open_stalled(server, "admin"), open_stalled(server, "admin")]
    try:
        third = httpx.get(server.url(CLIP), headers=bearer("admin"), timeout=60)
        assert third.status_code == 503, third.text[:200]
        assert int(third.headers["retry-after"]) > 0
        assert "this user" in third.json()["message"]
        # Another user is not held up by the first one's share.
        with httpx.stream("GET", server.url(CLIP), headers=bearer("viewer"), timeout=60) as ok:
            assert ok.status_code == 200
            assert sum(len(chunk) for chunk in ok.iter_bytes()) > 5_000_000
    finally:
        for reader in readers:
            reader.close()
    # Once the first user's streams end, it gets a stream again.
    assert wait_for(lambda: not ffmpeg_children(server.process.pid), timeout=15)
    again = httpx.get(server.url(CLIP), headers=bearer("admin"), timeout=60)
    assert again.status_code == 200


def live_front(limits: dict[str, Any]) -> dict[str, Any]:
    """Camera `front` ingesting a 720p test pattern (MJPEG parts of ~100 KB, ten a second)."""
    source = {
        "path": "testsrc2=size=1280x720:rate=10",
        "input_args": "-re -f lavfi",
        "roles": ["detect"],
    }
    front = {"ffmpeg": {"inputs": [source]}, "detect": {"width": 1280, "height": 720, "fps": 10}}
    return {"auth": {"enabled": False}, "cameras": {"front": front}, "limits": limits}


def test_a_stalled_mjpeg_viewer_is_dropped_and_a_reading_one_kept(
    heavy_world: World, heavy_server_factory: Callable[..., RunningServer]
) -> None:
    server = heavy_server_factory(live_front({"stream_stall_seconds": STALL_SECONDS}))
    assert wait_for(
        lambda: (
            httpx.get(server.url("/api/front/latest.jpg"), timeout=10).headers.get(
                "x-frigate-offline"
            )
            is None
        ),
        timeout=20,
    )
    log_before = server.log.read_bytes().count(b"accepted no bytes")
    viewer = SlowReader(server, "/api/front?fps=10&height=720")
    try:
        head = viewer.head()
        assert head.startswith(b"HTTP/1.1 200"), head[:300]
        assert b"multipart/x-mixed-replace" in head
        with httpx.stream("GET", server.url("/api/front?fps=10&height=180"), timeout=30) as kept:
            assert kept.status_code == 200
            # The reading viewer outlives the stall time by far; the stalled one is dropped.
            deadline, parts = time.monotonic() + 3 * STALL_SECONDS + 3, 0
            for chunk in kept.iter_bytes():
                parts += chunk.count(b"--frame")
                if time.monotonic() > deadline:
                    break
            assert parts >= 10
            # Read until now, this viewer was never stalled: the one drop is the other's.
            dropped = server.log.read_bytes().count(b"accepted no bytes") - log_before
            assert dropped == 1
        assert viewer.read_to_end(timeout=10), "the server kept the stalled viewer"
    finally:
        viewer.close()


def test_a_stalled_reader_of_a_virtual_mp4_clip_is_dropped_too(
    heavy_world: World, heavy_server_factory: Callable[..., RunningServer]
) -> None:
    """No ffmpeg to reap here, but the response (and its open segment files) must end."""
    limits = {"ffmpeg_queue_wait": 0.5, "stream_stall_seconds": STALL_SECONDS}
    server = heavy_server_factory({"auth": {"enabled": True}, "limits": limits})
    log_before = server.log.read_bytes().count(b"accepted no bytes")
    reader = open_stalled(server, "admin")
    try:
        assert not ffmpeg_children(server.process.pid)
        assert wait_for(
            lambda: server.log.read_bytes().count(b"accepted no bytes") > log_before,
            timeout=STALL_SECONDS + 15,
        )
        assert reader.read_to_end(timeout=10), "the server kept a stalled client"
    finally:
        reader.close()
    whole = httpx.get(server.url(CLIP), headers=bearer("admin"), timeout=60)
    assert whole.status_code == 200 and len(whole.content) > 5_000_000
