"""Camera ingest with real ffmpeg: lavfi, a looping mp4, an unpluggable TCP source, restarts."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import simplejpeg
from fastapi.testclient import TestClient

from frigate_media.config import parse_config
from frigate_media.frames.ingest import ingest_args
from tests.frames.conftest import (
    HEIGHT,
    WIDTH,
    TcpSource,
    camera_config,
    wait_live,
    wait_until,
)
from tests.support.app import context_of, frames_of


def test_lavfi_camera_frames_reach_latest_at_detect_size(live_client: TestClient) -> None:
    response = live_client.get("/api/cam/latest.jpg")
    assert response.status_code == 200
    assert "x-frigate-offline" not in response.headers
    height, width, _, _ = simplejpeg.decode_jpeg_header(response.content)
    assert (width, height) == (WIDTH, HEIGHT)
    first = frames_of(live_client).frame_time("cam")
    wait_until(lambda: frames_of(live_client).frame_time("cam") > first, timeout=10)


def test_a_looping_mp4_camera_is_ingested(
    client_factory: Callable[..., TestClient], frigate_db: Path, clip_factory: Callable[..., Path]
) -> None:
    clip = clip_factory(seconds=2, width=640, height=480)
    camera = camera_config(str(clip), "-stream_loop -1 -re")
    client = client_factory({"cameras": {"cam": camera}}, background=True)
    wait_live(client)
    processor = frames_of(client)
    received = processor.state("cam").frames_received
    # more than the clip's 10 frames: the file plays in a loop
    wait_until(lambda: processor.state("cam").frames_received >= received + 12, timeout=30)
    response = client.get("/api/cam/latest.jpg?height=120")
    height, width, _, _ = simplejpeg.decode_jpeg_header(response.content)
    assert (width, height) == (160, 120)


def test_killing_the_ffmpeg_process_restarts_ingest(live_client: TestClient) -> None:
    ingest = frames_of(live_client).ingests["cam"]
    first_pid = ingest.stats.pid
    os.kill(first_pid, signal.SIGKILL)
    wait_until(lambda: ingest.stats.starts >= 2 and ingest.stats.pid != first_pid, timeout=15)
    frames_before = ingest.stats.frames
    wait_until(lambda: ingest.stats.frames > frames_before + 3, timeout=20)


def test_unplugged_source_goes_offline_with_the_preview_frame_then_comes_back(
    client_factory: Callable[..., TestClient], frigate_db: Path, tcp_source: TcpSource
) -> None:
    retry = 1.0
    camera = camera_config(tcp_source.url, "-f mpegts", retry_interval=retry)
    client = client_factory({"cameras": {"cam": camera}}, background=True)
    wait_live(client, timeout=40)
    preview_dir = context_of(client).paths.preview_frames
    wait_until(lambda: any(p.name.startswith("preview_cam-") for p in preview_dir.iterdir()))

    tcp_source.stop()
    unplugged = time.monotonic()
    wait_until(lambda: "x-frigate-offline" in client.get("/api/cam/latest.jpg").headers, 15)
    # offline is decided by the newest frame's age: within retry_interval (+ generous margin)
    assert time.monotonic() - unplugged < retry + 3
    response = client.get("/api/cam/latest.jpg")
    assert response.status_code == 200
    assert response.headers["x-frigate-offline"] == "true"
    height, _, _, _ = simplejpeg.decode_jpeg_header(response.content)
    assert height == 180  # the preview frame's own height

    # a dead source is retried no faster than retry_interval: a few starts, not hundreds
    ingest = frames_of(client).ingests["cam"]
    starts = ingest.stats.starts
    time.sleep(2.5)
    assert ingest.stats.starts - starts <= 4

    tcp_source.start()
    wait_until(lambda: "x-frigate-offline" not in client.get("/api/cam/latest.jpg").headers, 40)
    height, width, _, _ = simplejpeg.decode_jpeg_header(client.get("/api/cam/latest.jpg").content)
    assert (width, height) == (WIDTH, HEIGHT)


def test_a_camera_whose_input_never_works_serves_the_error_image(
    client_factory: Callable[..., TestClient], frigate_db: Path, tmp_path: Path
) -> None:
    camera = camera_config(str(tmp_path / "missing.mp4"), "", retry_interval=1.0)
    client = client_factory({"cameras": {"cam": camera}}, background=True)
    ingest = frames_of(client).ingests
    wait_until(lambda: "cam" in ingest and ingest["cam"].stats.starts >= 1, timeout=15)
    response = client.get("/api/cam/latest.jpg")
    assert response.status_code == 200
    assert "x-frigate-offline" not in response.headers
    assert simplejpeg.decode_jpeg_header(response.content)[0] == HEIGHT


def test_ingest_arguments_take_the_inputs_then_the_cameras_then_the_global_config() -> None:
    """The command line itself is tested in tests/ffmpeg/args/test_ingest.py."""
    config = parse_config(
        {
            "ffmpeg": {"input_args": "-global-in", "global_args": "-loglevel error"},
            "cameras": {
                "c": camera_config("rtsp://cam/stream", "", detect={"fps": 7}),
                "d": camera_config("rtsp://cam/d", "-input-in", detect={"fps": 7}),
            },
        }
    )
    for name, expected in (("c", "-global-in"), ("d", "-input-in")):
        camera = config.cameras[name]
        source = camera.input_with_role("detect")
        assert source is not None
        args = ingest_args(camera, source, config.ffmpeg, 640, 360, 7)
        assert args[: args.index("-i") + 2] == [
            "-loglevel",
            "error",
            expected,
            "-i",
            source.path,
        ]
    camera = config.cameras["c"]
    camera.ffmpeg.input_args = "-camera-in"
    source = camera.input_with_role("detect")
    assert source is not None
    assert "-camera-in" in ingest_args(camera, source, config.ffmpeg, 640, 360, 7)
