"""clip.mp4 over real HTTP: a client that leaves mid-clip leaves no ffmpeg, no open segment and
no files behind, on the virtual MP4 and on the ffmpeg path."""

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


def open_media_files(pid: int) -> list[str]:
    """The .mp4 files the process holds open."""
    held = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink()
        except OSError:
            continue
        if target.suffix == ".mp4":
            held.append(str(target))
    return held


@pytest.mark.parametrize("virtual", [True, False], ids=["virtual MP4", "ffmpeg"])
def test_a_client_leaving_mid_clip_leaves_nothing_behind(
    tmp_path: Path,
    frigate_db: Path,
    clip_factory: Callable[..., Path],
    server_factory: Callable[..., RunningServer],
    virtual: bool,
) -> None:
    record_segments(tmp_path, clip_factory, "front", T0, 30, seconds=10, gop_seconds=1)
    server = server_factory({"limits": {"virtual_mp4": virtual}})
    work = tmp_path / "cache" / "frigate-media"
    url = server.url(f"/api/front/start/{T0}/end/{T0 + 300}/clip.mp4")
    for headers in ({}, {"range": "bytes=1000-"}):
        with httpx.stream("GET", url, timeout=30, headers=headers) as response:
            assert response.status_code in (200, 206)
            first = next(response.iter_bytes(4096))
            assert b"ftyp" in first[:16] or headers
    # Started and abandoned: ffmpeg must be reaped, the segments let go, no file left in the
    # work dir but the sample index (and the ffmpeg path's one faststart file for the Range).
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (
        children_of(server.process.pid) or open_media_files(server.process.pid)
    ):
        time.sleep(0.2)
    assert children_of(server.process.pid) == []
    assert open_media_files(server.process.pid) == []
    left = [p.parent.name for p in work.rglob("*") if p.is_file()]
    assert set(left) <= {"sample-index", "clips"}
    assert left.count("clips") == (0 if virtual else 1)
    # The server still answers.
    again = httpx.get(server.url(f"/api/front/start/{T0}/end/{T0 + 20}/clip.mp4"), timeout=30)
    assert again.status_code == 200 and len(again.content) > 1000
