"""Faults: a missing or crashing ffmpeg, missing and truncated recordings, a locked DB, clients
that vanish mid-stream, and a saturated job limit. Each ends in a clear answer, no zombie
ffmpeg, no leaked temp file, and a server that keeps answering.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from tests.conftest import RunningServer
from tests.hardening.conftest import ffmpeg_children, temp_files, wait_for
from tests.hardening.world import BASE_TIME, World, build_world

pytestmark = pytest.mark.e2e
S, E = f"{BASE_TIME + 1:.1f}", f"{BASE_TIME + 29:.1f}"
AUTH_OFF = {"auth": {"enabled": False}}


def fake_ffmpeg(directory: Path) -> Path:
    """A stand-in ffmpeg that always fails (a fake is the only way to make ffmpeg crash on cue)."""
    script = directory / "ffmpeg"
    script.write_text("#!/bin/sh\necho 'fake ffmpeg: simulated crash' >&2\nexit 1\n")
    script.chmod(0o755)
    return script


def raw_get_then_vanish(server: RunningServer, path: str, read_bytes: int = 1) -> bytes:
    """Send a GET, read a little of the body, then drop the connection without a word."""
    location = urlsplit(server.base_url)
    with socket.create_connection((location.hostname, location.port), timeout=20) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
        received = b""
        while b"\r\n\r\n" not in received or len(received.split(b"\r\n\r\n", 1)[1]) < read_bytes:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    return received


def test_a_missing_ffmpeg_binary_stops_the_start_with_a_config_error(world: World) -> None:
    config = {
        "mode": "standalone",
        "database": {"path": str(world.db_path)},
        "paths": {"media": str(world.media_dir), "cache": str(world.cache_dir)},
        "ffmpeg": {"path": str(world.root / "no" / "such" / "ffmpeg")},
        "cameras": {"front": {}},
    }
    path = world.root / "missing-ffmpeg.yml"
    path.write_text(yaml.safe_dump(config))
    result = subprocess.run(
        [sys.executable, "-m", "frigate_media", "serve", "--config", str(path), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2])),
    )
    assert result.returncode == 2
    assert "ffmpeg.path" in result.stderr


def test_a_crashing_ffmpeg_gives_a_clear_error_and_the_server_keeps_answering(
    world: World, world_server_factory: Callable[..., RunningServer]
) -> None:
    fake = fake_ffmpeg(world.root)
    server = world_server_factory({**AUTH_OFF, "ffmpeg": {"path": str(fake)}})
    before = temp_files(world)
    for path in (
        f"/api/front/recordings/{S}/snapshot.jpg",
        f"/api/front/start/{S}/end/{E}/preview.gif",
        f"/api/front/start/{S}/end/{E}/clip.mp4",
    ):
        response = httpx.get(server.url(path), timeout=30)
        # A crash before any byte is a JSON error; a clip may already be under way (200, short).
        if response.status_code != 200:
            assert 400 <= response.status_code < 600 and response.status_code != 500, path
            assert response.json()["success"] is False, path
    assert httpx.get(server.url("/api/version"), timeout=10).status_code == 200
    assert wait_for(lambda: not ffmpeg_children(server.process.pid))
    assert wait_for(lambda: temp_files(world) <= before)


@pytest.fixture
def damaged_world(tmp_path: Path, clip_factory: Callable[..., Path]) -> tuple[World, Path, Path]:
    """A world whose camera A has one recording deleted and one truncated to 2 KB."""
    clip = clip_factory(seconds=10, fps=5, width=640, height=360, gop_seconds=1)
    preview = clip_factory(seconds=60, fps=1, width=320, height=180, gop_seconds=10)
    world = build_world(tmp_path / "damaged", clip, preview)
    missing, truncated = world["front"].recording_files[:2]
    missing.unlink()
    data = truncated.read_bytes()[:2048]
    truncated.unlink()  # it is a hard link to the shared clip: write a separate file
    truncated.write_bytes(data)
    return world, missing, truncated


def test_missing_and_truncated_recordings_give_clear_errors_not_500s(
    damaged_world: tuple[World, Path, Path],
) -> None:
    from tests.conftest import start_server, stop_server
    from tests.hardening.conftest import world_config

    world, _missing, _truncated = damaged_world
    workdir = world.root / "server"
    workdir.mkdir()
    server = start_server(world_config(world, AUTH_OFF), workdir)
    try:
        for path in (
            f"/api/front/recordings/{BASE_TIME + 3}/snapshot.jpg",  # file missing
            f"/api/front/recordings/{BASE_TIME + 13}/snapshot.jpg",  # file truncated
            f"/api/front/start/{BASE_TIME + 1}/end/{BASE_TIME + 19}/clip.mp4",
            f"/vod/front/start/{BASE_TIME + 1}/end/{BASE_TIME + 19}/master.m3u8",
            f"/vod/front/start/{BASE_TIME + 1}/end/{BASE_TIME + 19}/seg-1-v1.m4s",
        ):
            response = httpx.get(server.url(path), timeout=30)
            assert response.status_code < 500 or response.status_code == 502, (
                path,
                response.status_code,
                response.text[:200],
            )
            if response.status_code >= 400:
                assert response.json()["success"] is False
        assert httpx.get(server.url("/api/version"), timeout=10).status_code == 200
        assert wait_for(lambda: not ffmpeg_children(server.process.pid))
    finally:
        stop_server(server)


def test_a_db_write_lock_held_for_5s_does_not_stop_reads_or_cause_500s(
    world: World, world_server_factory: Callable[..., RunningServer]
) -> None:
    server = world_server_factory(AUTH_OFF)
    locked = threading.Event()
    release = threading.Event()

    def hold_lock() -> None:
        connection = sqlite3.connect(world.db_path, timeout=30, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("UPDATE event SET top_score = top_score WHERE 0")
        locked.set()
        release.wait(5)
        connection.execute("COMMIT")
        connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(10)
        started = time.monotonic()
        event = world["front"].event_id
        for path in (
            f"/api/vod/front/start/{S}/end/{E}",
            f"/api/events/{event}/snapshot.jpg",
            f"/vod/front/start/{S}/end/{E}/index-v1.m3u8",
        ):
            response = httpx.get(server.url(path), timeout=30)
            assert response.status_code == 200, (path, response.text[:200])
        # WAL: readers are not blocked by the writer.
        assert time.monotonic() - started < 5
    finally:
        release.set()
        holder.join()


@pytest.mark.parametrize(
    "path",
    [
        f"/api/front/start/{S}/end/{E}/clip.mp4",
        f"/vod/front/start/{S}/end/{E}/seg-1-v1.m4s",
        f"/api/front/start/{S}/end/{E}/preview.mp4",
    ],
    ids=["clip.mp4", "hls segment", "preview.mp4"],
)
def test_a_client_vanishing_mid_stream_leaves_no_ffmpeg_and_no_temp_file(
    path: str, world: World, world_server_factory: Callable[..., RunningServer]
) -> None:
    server = world_server_factory(AUTH_OFF)
    before = temp_files(world)
    for _ in range(3):
        head = raw_get_then_vanish(server, path)
        assert head.startswith(b"HTTP/1.1 200"), head[:200]
    assert wait_for(lambda: not ffmpeg_children(server.process.pid)), ffmpeg_children(
        server.process.pid
    )
    assert wait_for(lambda: temp_files(world) <= before), temp_files(world) - before
    assert httpx.get(server.url("/api/version"), timeout=10).status_code == 200


def test_a_client_vanishing_from_mjpeg_leaves_no_ffmpeg(
    world: World, world_server_factory: Callable[..., RunningServer]
) -> None:
    server = world_server_factory(AUTH_OFF)
    head = raw_get_then_vanish(server, "/api/front?fps=5&height=180")
    assert head.startswith(b"HTTP/1.1 200"), head[:300]
    assert b"multipart/x-mixed-replace" in head
    assert wait_for(lambda: not ffmpeg_children(server.process.pid))
    assert httpx.get(server.url("/api/version"), timeout=10).status_code == 200


def test_the_cache_dir_not_writable_gives_clear_errors_not_500s(
    world: World, world_server_factory: Callable[..., RunningServer], tmp_path: Path
) -> None:
    server = world_server_factory(AUTH_OFF)
    work = world.cache_dir / "frigate-media"
    moved = tmp_path / "work-moved"
    shutil.move(str(work), str(moved))
    work.write_text("not a directory")  # even root cannot create files under a file
    try:
        for path in (
            f"/api/front/start/{S}/end/{E}/preview.mp4",
            f"/api/front/start/{S}/end/{E}/clip.mp4",
            f"/vod/front/start/{S}/end/{E}/seg-1-v1.m4s",
        ):
            response = httpx.get(server.url(path), timeout=30)
            assert response.status_code != 500 and response.status_code < 600, (
                path,
                response.text[:200],
            )
            if response.status_code >= 400:
                assert response.json()["success"] is False
        assert httpx.get(server.url("/api/version"), timeout=10).status_code == 200
    finally:
        work.unlink()
        shutil.move(str(moved), str(work))


def test_a_saturated_ffmpeg_job_limit_answers_503_with_retry_after(
    world: World, world_server_factory: Callable[..., RunningServer]
) -> None:
    server = world_server_factory(
        {**AUTH_OFF, "limits": {"ffmpeg_jobs": 1, "ffmpeg_queue_wait": 0.05}}
    )
    paths = [f"/api/front/start/{BASE_TIME + i}/end/{E}/preview.gif" for i in range(1, 9)]
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda p: httpx.get(server.url(p), timeout=60), paths))
    statuses = sorted(r.status_code for r in responses)
    busy = [r for r in responses if r.status_code == 503]
    assert busy, statuses
    assert all(r.headers.get("retry-after") for r in busy)
    assert all(r.json()["success"] is False for r in busy)
    assert all(s in (200, 503) for s in statuses), statuses
    assert httpx.get(server.url("/api/version"), timeout=10).status_code == 200


def test_a_full_disk_under_the_cache_gives_clear_errors_and_no_leftovers(
    world: World, world_server_factory: Callable[..., RunningServer], tmp_path: Path
) -> None:
    """Our work dir on a 1 MB tmpfs, filled up: encodes fail with a JSON error, not a 500."""
    server = world_server_factory(AUTH_OFF)
    work = world.cache_dir / "frigate-media"
    moved = tmp_path / "work-moved"
    shutil.move(str(work), str(moved))
    work.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(work)], check=True)
    try:
        filler = work / "filler.bin"
        with filler.open("wb") as handle, contextlib.suppress(OSError):
            handle.write(b"\0" * 2 * 1024 * 1024)
        for path in (
            f"/api/front/start/{S}/end/{E}/preview.mp4",
            f"/api/front/start/{BASE_TIME + 2}/end/{E}/preview.gif",
            f"/vod/front/start/{BASE_TIME + 2}/end/{E}/seg-1-v1.m4s",
        ):
            response = httpx.get(server.url(path), timeout=30)
            assert response.status_code != 500 and response.status_code < 600, (
                path,
                response.text[:200],
            )
            if response.status_code >= 400:
                assert response.json()["success"] is False

        def partials() -> list[str]:
            return [p.name for p in work.rglob("*") if p.is_file() and ".part" in p.name]

        assert wait_for(lambda: not partials()), partials()
        assert httpx.get(server.url("/api/version"), timeout=10).status_code == 200
    finally:
        subprocess.run(["umount", str(work)], check=True)
        work.rmdir()
        shutil.move(str(moved), str(work))
