"""The ffmpeg fallback's Range files: capped in bytes before writing, least recently used first,
never a file being served; one build per set of cut points."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from frigate_media.app import build_context
from frigate_media.clock import FixedClock
from frigate_media.config import FrigateConfig
from frigate_media.context import AppContext, ClipBytes
from frigate_media.errors import Busy
from frigate_media.services.recordings.clips import (
    BUILD_MARGIN_BYTES,
    BUILD_MARGIN_SHARE,
    ClipCache,
    clip_body,
)
from frigate_media.storage.paths import MediaPaths
from tests.support.app import context_of
from tests.support.recordings import NOW, T0, record_segments

MIB = 1024 * 1024
CAP_MB = 1
SPAN = 3  # segments per clip: two such files fit in the cap, a third needs one to go


@pytest.fixture
def segments(tmp_path: Path, frigate_db: Path, clip_factory: Callable[..., Path]) -> list[Path]:
    return record_segments(tmp_path, clip_factory, "front", T0, 4 * SPAN, gop_seconds=2)


def bound(paths: list[Path]) -> int:
    """What a build of these whole files reserves (the cache's own rule)."""
    total = sum(path.stat().st_size for path in paths)
    return int(total * (1 + BUILD_MARGIN_SHARE)) + BUILD_MARGIN_BYTES


def clip_files(context: AppContext) -> dict[str, int]:
    directory = context.paths.clip_cache
    return {path.name: path.stat().st_size for path in directory.iterdir()}


CAPS = {
    # its own cap
    "clip cap": {"clip_cache_mb": CAP_MB},
    # the scratch total (less the sample index's share set aside in it) is the tighter one
    "scratch total": {"clip_cache_mb": 1000, "scratch_mb": 1 + CAP_MB, "sample_index_mb": 1},
}


@pytest.fixture(params=list(CAPS))
def capped(
    request: pytest.FixtureRequest,
    client_factory: Callable[..., TestClient],
    segments: list[Path],
) -> TestClient:
    """ffmpeg for every clip, its Range files capped at 1 MiB (by its cap or the total)."""
    one = sum(path.stat().st_size for path in segments[:SPAN])
    assert one + bound(segments[:SPAN]) <= CAP_MB * MIB < 2 * one + bound(segments[:SPAN])
    limits = {"virtual_mp4": False, **CAPS[request.param]}
    return client_factory({"limits": limits}, clock=FixedClock(NOW))


def ranged(client: TestClient, part: int) -> str:
    """A Range of the clip over the `part`-th SPAN of segments; its ETag."""
    start = T0 + 10 * SPAN * part
    url = f"/api/front/start/{start}/end/{start + 10 * SPAN}/clip.mp4"
    response = client.get(url, headers={"range": "bytes=0-99"})
    assert response.status_code == 206, response.text
    return response.headers["etag"].strip('"')


def test_the_cache_stays_under_its_cap_dropping_the_least_recently_used(
    capped: TestClient,
) -> None:
    context = context_of(capped)
    a, b = ranged(capped, 0), ranged(capped, 1)
    assert set(clip_files(context)) == {f"{a}.mp4", f"{b}.mp4"}
    assert ranged(capped, 0) == a  # used again: b is now the least recently used
    c = ranged(capped, 2)
    assert set(clip_files(context)) == {f"{a}.mp4", f"{c}.mp4"}
    assert sum(clip_files(context).values()) <= CAP_MB * MIB
    held = context.clips.files.stats()
    assert held.bytes + held.reserved <= CAP_MB * MIB
    assert context.scratch.used() <= CAP_MB * MIB


@pytest.mark.parametrize(
    ("limits", "setting"),
    [
        ({"clip_cache_mb": 1}, "limits.clip_cache_mb"),
        ({"scratch_mb": 2, "sample_index_mb": 1}, "limits.scratch_mb"),
    ],
    ids=["clip cap", "scratch total"],
)
def test_a_build_larger_than_the_cache_is_503_with_retry_after_and_writes_nothing(
    limits: dict[str, float],
    setting: str,
    client_factory: Callable[..., TestClient],
    segments: list[Path],
) -> None:
    client = client_factory({"limits": {"virtual_mp4": False, **limits}}, clock=FixedClock(NOW))
    assert bound(segments) > MIB
    url = f"/api/front/start/{T0}/end/{T0 + 10 * len(segments)}/clip.mp4"
    response = client.get(url, headers={"range": "bytes=0-"})
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["success"] is False
    assert setting in response.json()["message"]  # the key to raise
    assert not (context_of(client).paths.clip_cache).exists() or not clip_files(context_of(client))
    # A plain GET needs no file: it is still streamed.
    assert client.get(url).status_code == 200


def test_a_file_being_served_is_never_evicted(
    config_factory: Callable[..., FrigateConfig], segments: list[Path]
) -> None:
    """Service level: one clip held open (as a response holds it) while others need room."""
    config = config_factory({"limits": {"virtual_mp4": False, "clip_cache_mb": CAP_MB}})
    context = build_context(config, clock=FixedClock(NOW))

    async def scenario() -> None:
        async def held(part: int) -> tuple[str, ClipBytes]:
            start = T0 + 10 * SPAN * part
            body = await clip_body(context, "front", start, start + 10 * SPAN, ranged=True)
            assert body.sized is not None
            return body.key, body.sized

        key_a, body_a = await held(0)
        _, body_b = await held(1)
        body_b.close()
        key_c, body_c = await held(2)  # room is made by dropping b, never the held a
        assert set(clip_files(context)) == {f"{key_a}.mp4", f"{key_c}.mp4"}
        with pytest.raises(Busy) as full:
            await held(3)  # a and c are both being served: no room now, try later
        assert full.value.retry_after > 0
        data = b"".join(body_a.iter_range(0, body_a.size))
        assert data[4:8] == b"ftyp"
        body_a.close()
        key_d, body_d = await held(3)  # now a can go
        assert set(clip_files(context)) == {f"{key_c}.mp4", f"{key_d}.mp4"}
        body_c.close()
        body_d.close()
        await context.stop()

    asyncio.run(scenario())


def test_leftovers_of_a_previous_run_are_adopted_and_partial_builds_dropped(
    config_factory: Callable[..., FrigateConfig], frigate_db: Path
) -> None:
    config = config_factory({"limits": {"clip_cache_mb": 8192 / MIB}})  # 8 KiB
    directory = MediaPaths.from_config(config).clip_cache
    directory.mkdir(parents=True)
    (directory / "old.mp4").write_bytes(b"x" * 1000)
    (directory / "new.mp4").write_bytes(b"y" * 2000)
    (directory / ".tmp-0123.part").write_bytes(b"z" * 500)  # a build cut short by a crash
    os.utime(directory / "old.mp4", (1, 1))
    context = build_context(config)
    try:
        files = context.clips.files
        assert files.stats().bytes == 3000
        assert context.scratch.used() == 3000  # counted in the scratch total too
        assert sorted(p.name for p in directory.iterdir()) == ["new.mp4", "old.mp4"]
        # The least recently used goes first when room is needed.
        with files.reserve(6000):
            assert sorted(p.name for p in directory.iterdir()) == ["new.mp4"]
    finally:
        asyncio.run(context.stop())


def test_the_cache_directory_comes_from_the_scratch_of_the_paths(
    config_factory: Callable[..., FrigateConfig], frigate_db: Path
) -> None:
    config = config_factory()
    context = build_context(config)
    try:
        assert isinstance(context.clips, ClipCache)
        assert context.clips.files.directory == MediaPaths.from_config(config).clip_cache
    finally:
        asyncio.run(context.stop())
