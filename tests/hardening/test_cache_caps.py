"""Byte caps of our caches, against a real server: HLS segments and preview MP4 encodes stay
under their caps and the scratch total through request sequences that would exceed them; one
request alone larger than a cap is 503 + Retry-After and leaves nothing; a segment being sent
to a slow client is not evicted while other segments push the cache over its cap.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import RunningServer
from tests.hardening.conftest import SlowReader, wait_for
from tests.hardening.world import BASE_TIME, CAMERAS, SEGMENTS, World

pytestmark = pytest.mark.e2e
MIB = 1024 * 1024
START, END = BASE_TIME, BASE_TIME + 30


def own_cache(world: World, name: str, limits: dict[str, Any]) -> dict[str, Any]:
    """A server override with a cache dir of its own (each server owns its caches' index)."""
    cache = world.root / name
    return {"auth": {"enabled": False}, "paths": {"cache": str(cache)}, "limits": limits}


def scratch_dir(override: dict[str, Any]) -> Path:
    """Our scratch standalone: `<paths.cache>/frigate-media`."""
    return Path(override["paths"]["cache"]) / "frigate-media"


def hls_dir(override: dict[str, Any]) -> Path:
    return scratch_dir(override) / "hls"


def preview_dir(override: dict[str, Any]) -> Path:
    return scratch_dir(override) / "previews"


def bytes_in(directory: Path, pattern: str = "*") -> int:
    return sum(p.stat().st_size for p in directory.glob(pattern) if p.is_file())


def files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*") if p.is_file())


def segment_url(camera: str, number: int) -> str:
    return f"/vod/{camera}/start/{START}/end/{END}/seg-{number}-v1.m4s"


@pytest.mark.parametrize(
    "limits",
    [
        {"hls_cache_mb": 8},  # its own cap: two of the ~3.4 MB segments
        {"hls_cache_mb": 1000, "scratch_mb": 9, "sample_index_mb": 1},  # the scratch total
    ],
    ids=["hls cap", "scratch total"],
)
def test_hls_segments_beyond_the_cap_keep_the_cache_under_it(
    limits: dict[str, Any],
    heavy_world: World,
    heavy_server_factory: Callable[..., RunningServer],
) -> None:
    override = own_cache(heavy_world, f"cache-seq-{len(limits)}", limits)
    server = heavy_server_factory(override)
    cap = 8 * MIB
    sizes = []
    for camera in CAMERAS:
        for number in range(1, SEGMENTS + 1):
            response = httpx.get(server.url(segment_url(camera, number)), timeout=60)
            assert response.status_code == 200, response.text[:200]
            assert len(response.content) == int(response.headers["content-length"])
            sizes.append(len(response.content))
            assert bytes_in(hls_dir(override)) <= cap
    assert min(sizes) > 3 * MIB  # so six of them (20 MB) would have passed the cap
    # The newest two segments are what is left.
    assert len(list(hls_dir(override).glob("*.m4s"))) == 2


def test_one_segment_larger_than_the_cap_is_503_with_retry_after_and_leaves_nothing(
    heavy_world: World, heavy_server_factory: Callable[..., RunningServer]
) -> None:
    override = own_cache(heavy_world, "cache-oversized", {"hls_cache_mb": 2})
    server = heavy_server_factory(override)
    response = httpx.get(server.url(segment_url("front", 1)), timeout=60)
    assert response.status_code == 503, response.text[:200]
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["success"] is False
    assert files_in(hls_dir(override)) == []  # no segment, no temp file
    # Playlists need no cache room and still answer.
    playlist = httpx.get(server.url(f"/vod/front/start/{START}/end/{END}/index.m3u8"), timeout=30)
    assert playlist.status_code == 200


def test_a_segment_being_sent_is_not_evicted_while_others_push_the_cache_over_its_cap(
    heavy_world: World, heavy_server_factory: Callable[..., RunningServer]
) -> None:
    override = own_cache(heavy_world, "cache-pinned", {"hls_cache_mb": 8})
    override["limits"]["stream_stall_seconds"] = 120  # this client pauses; do not drop it
    server = heavy_server_factory(override)
    slow = SlowReader(server, segment_url("front", 1), {"Connection": "close"})
    try:
        head = slow.head()
        assert head.startswith(b"HTTP/1.1 200"), head[:200]
        length = int(
            next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
            .split(b":")[1]
            .strip()
        )
        served = list(hls_dir(override).glob("*.m4s"))
        assert len(served) == 1
        # Four other segments, each evicting the least recently used unpinned one.
        for camera, number in (("front", 2), ("front", 3), ("back", 1), ("back", 2)):
            response = httpx.get(server.url(segment_url(camera, number)), timeout=60)
            assert response.status_code == 200, response.text[:200]
            assert bytes_in(hls_dir(override)) <= 8 * MIB
            assert served[0].exists()  # pinned by the response still under way
        on_disk = served[0].read_bytes()
        assert slow.read_to_end(timeout=30)
        assert slow.body_so_far()[:length] == on_disk
        assert len(on_disk) == length > 2 * MIB  # really sent in several chunks
    finally:
        slow.close()
    # Once sent, it is an ordinary cache entry again: the next segment may evict it.
    assert httpx.get(server.url(segment_url("back", 3)), timeout=60).status_code == 200
    assert wait_for(lambda: not served[0].exists(), timeout=5)


def preview_url(camera: str, start: float, end: float) -> str:
    return f"/api/{camera}/start/{start}/end/{end}/preview.mp4"


def test_preview_encodes_beyond_the_cap_keep_the_cache_under_it(
    world: World, world_server_factory: Callable[..., RunningServer]
) -> None:
    cap = 1 * MIB  # room for one encode's reservation (~0.8 MB) and a few finished files
    override = own_cache(world, "cache-previews", {"preview_cache_mb": 1})
    server = world_server_factory(override)
    sent = 0
    for offset in range(14):  # fourteen different ranges, fourteen files
        url = preview_url("front", BASE_TIME + offset, BASE_TIME + 40 + offset)
        response = httpx.get(server.url(url), timeout=60)
        assert response.status_code == 200, response.text[:200]
        assert response.content[4:8] == b"ftyp"
        sent += len(response.content)
        assert bytes_in(preview_dir(override), "preview_*.mp4") <= cap
        assert bytes_in(preview_dir(override), ".*") == 0  # no temp file left either
    assert sent > cap  # kept, they would have passed the cap
    assert 0 < len(list(preview_dir(override).glob("preview_*.mp4"))) < 14


def test_one_preview_larger_than_the_cap_is_503_with_retry_after_and_leaves_nothing(
    world: World, world_server_factory: Callable[..., RunningServer]
) -> None:
    override = own_cache(world, "cache-preview-oversized", {"preview_cache_mb": 0.5})
    server = world_server_factory(override)
    response = httpx.get(server.url(preview_url("front", BASE_TIME, BASE_TIME + 60)), timeout=60)
    assert response.status_code == 503, response.text[:200]
    assert int(response.headers["retry-after"]) > 0
    time.sleep(0.5)
    assert files_in(preview_dir(override)) == []  # no preview, no temp file
    # GIFs are made in memory: the MP4 cap does not refuse them.
    gif = httpx.get(
        server.url(f"/api/front/start/{BASE_TIME}/end/{BASE_TIME + 20}/preview.gif"), timeout=60
    )
    assert gif.status_code == 200
