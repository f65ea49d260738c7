"""A live Frigate writing beside us: a separate process files a segment and inserts its
`recordings` row every 2 s (and updates events 20 times a second) while a real frigate-media
server, read-only on the same database, answers VOD JSON, HLS and clips. Each new segment is in
the very next answer, and no `database is locked` (or any server error) reaches a client."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.beside.install import beside_config, frigate_config, write_frigate_config
from tests.conftest import REPO_ROOT, RunningServer, start_server, stop_server
from tests.hardening.world import CAMERA_A, World
from tests.support.hls import parse_media

pytestmark = pytest.mark.e2e

SEGMENTS = 8
INTERVAL_SECONDS = 2.0
SEGMENT_SECONDS = 10.0
HEADERS = {"remote-user": "root", "remote-role": "admin"}


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[RunningServer]:
    workdir = world.root / "frigate-media-live"
    workdir.mkdir()
    frigate_file = write_frigate_config(world, frigate_config(world))
    running = start_server(
        beside_config(world, frigate_file, workdir / "scratch"), workdir, ready_path="/version"
    )
    yield running
    stop_server(running)


class Background:
    """Other clients asking the same routes all along; every answer is kept."""

    def __init__(self, server: RunningServer, urls: Callable[[], list[str]]) -> None:
        self.server, self.urls = server, urls
        self.answers: list[tuple[str, int, bytes]] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(3)]

    def _run(self) -> None:
        with httpx.Client(base_url=self.server.base_url, headers=HEADERS, timeout=60) as http:
            while not self._stop.is_set():
                for url in self.urls():
                    response = http.get(url)
                    self.answers.append((url, response.status_code, response.content[:200]))

    def __enter__(self) -> Background:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)


def test_segments_frigate_files_now_are_in_the_next_answer_and_no_lock_reaches_a_client(
    server: RunningServer, world: World, clip_factory: Callable[..., Path]
) -> None:
    clip = clip_factory(seconds=10, fps=5, width=640, height=360, gop_seconds=1)
    start = float(int(time.time()) - 3600)  # an hour ago: whole segments, filed as they come
    filed = 0
    writer = subprocess.Popen(
        [
            sys.executable, "-m", "tests.beside.frigate_writer", str(world.db_path),
            str(world.media_dir / "recordings"), CAMERA_A, str(clip), str(start),
            str(SEGMENTS), str(INTERVAL_SECONDS),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
    )  # fmt: skip

    def so_far() -> list[str]:
        end = start + SEGMENT_SECONDS * max(filed, 1)
        return [
            f"/vod/{CAMERA_A}/start/{start}/end/{end}",
            f"/vod/{CAMERA_A}/start/{start}/end/{end}/index-v1.m3u8",
            f"/{CAMERA_A}/start/{start}/end/{end}/clip.mp4",
        ]

    seen: list[tuple[int, int, float, int]] = []
    with (
        writer,
        httpx.Client(base_url=server.base_url, headers=HEADERS, timeout=60) as http,
        Background(server, so_far) as others,
    ):
        assert writer.stdout is not None
        for line in writer.stdout:
            if line.strip() == "done":
                break
            filed = int(line) + 1
            end = start + SEGMENT_SECONDS * filed
            mapping = http.get(f"/vod/{CAMERA_A}/start/{start}/end/{end}")
            playlist = http.get(f"/vod/{CAMERA_A}/start/{start}/end/{end}/index-v1.m3u8")
            last = http.get(f"/{CAMERA_A}/start/{end - 9}/end/{end - 1}/clip.mp4")
            statuses = (mapping.status_code, playlist.status_code, last.status_code)
            assert statuses == (200, 200, 200), (mapping.text[:200], playlist.text[:200])
            clips = mapping.json()["sequences"][0]["clips"]
            total = parse_media(playlist.text).total
            seen.append((filed, len(clips), total, len(last.content)))
    assert writer.returncode == 0

    assert [(n, count) for n, count, _, _ in seen] == [(n, n) for n in range(1, SEGMENTS + 1)]
    for n, _, total, clip_bytes in seen:
        assert total == pytest.approx(SEGMENT_SECONDS * n, abs=0.5)
        assert clip_bytes > 10_000
    failures = [answer for answer in others.answers if answer[1] >= 500]
    assert others.answers and failures == []
    assert not any(b"locked" in body for _, _, body in others.answers)
    assert "database is locked" not in server.log.read_text()
