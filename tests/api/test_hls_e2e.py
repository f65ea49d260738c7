"""ffmpeg as an HLS client against a real server: the joined file plays for the right duration."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import RunningServer
from tests.support.db import insert_event
from tests.support.hls import parse_media, probe_file, record_clips, top_level_boxes
from tests.support.media import ffmpeg_binary

T0 = 1_719_000_000.0
pytestmark = pytest.mark.e2e
COPY_ARGS = ("-map", "0", "-c", "copy")


def fetch_with_ffmpeg(url: str, target: Path, timeout: float = 120) -> dict[str, Any]:
    """`ffmpeg -i <playlist> -c copy out.mp4`, then the result probed with PyAV.

    ffmpeg follows an open (live) playlist for as long as it keeps reloading it, so for a
    playlist that reaches now the timeout is what turns "never exits" into a failure.
    """
    completed = subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-v", "error", "-y", "-i", url, *COPY_ARGS, str(target)],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )
    assert completed.returncode == 0, completed.stderr.decode()[-2000:]
    return probe_file(target)


def decode_errors(path: Path) -> str:
    completed = subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    return completed.stderr.decode()


@pytest.fixture
def server(
    tmp_path: Path,
    frigate_db: Path,
    clip_factory: Callable[..., Path],
    server_factory: Callable[..., RunningServer],
) -> RunningServer:
    """`front`: six 10-s H.264 recordings; `yard`: four with AAC audio; both from T0."""
    recordings = tmp_path / "media" / "recordings"
    record_clips(frigate_db, recordings, "front", T0, clip_factory(seconds=10), 6)
    record_clips(frigate_db, recordings, "yard", T0, clip_factory(seconds=10, audio=True), 4)
    yard = {"ffmpeg": {"inputs": []}, "detect": {"width": 320, "height": 240, "fps": 5}}
    return server_factory({"cameras": {"yard": yard}})


def test_ffmpeg_joins_index_m3u8_into_a_file_of_the_planned_duration(
    server: RunningServer, tmp_path: Path
) -> None:
    url = server.url(f"/vod/front/start/{T0 + 3.3}/end/{T0 + 56.5}/index.m3u8")
    playlist = parse_media(httpx.get(url).text)
    joined = fetch_with_ffmpeg(url, tmp_path / "joined.mp4")
    video = joined["video"]
    assert video["codec"] == "h264"
    # 7.0 + 4 x 10 + 6.5 s; at 5 fps the last kept frame ends at 53.6 s (one frame of slack).
    assert playlist.total == pytest.approx(53.5, abs=0.001)
    assert video["duration"] == pytest.approx(playlist.total, abs=0.2 + 0.001)
    assert video["packets"] == 268
    assert decode_errors(tmp_path / "joined.mp4") == ""


def test_ffmpeg_follows_master_m3u8_with_a_query_string(
    server: RunningServer, tmp_path: Path
) -> None:
    url = server.url(f"/vod/front/start/{T0}/end/{T0 + 30}/master.m3u8?authSig=sig.abc")
    joined = fetch_with_ffmpeg(url, tmp_path / "master.mp4")
    assert joined["video"]["duration"] == pytest.approx(30.0, abs=0.2)
    assert joined["video"]["packets"] == 150


def test_audio_rides_along_in_the_a1_variant(server: RunningServer, tmp_path: Path) -> None:
    base = server.url(f"/vod/yard/start/{T0 + 2}/end/{T0 + 40}")
    master = httpx.get(f"{base}/master.m3u8").text
    assert "index-v1-a1.m3u8" in master and 'mp4a.40.2"' in master
    assert top_level_boxes(httpx.get(f"{base}/init-v1-a1.mp4").content) == ["ftyp", "moov"]
    joined = fetch_with_ffmpeg(f"{base}/master.m3u8", tmp_path / "audio.mp4")
    assert joined["video"]["duration"] == pytest.approx(38.0, abs=0.2)
    assert joined["audio"]["codec"] == "aac"
    assert joined["audio"]["duration"] == pytest.approx(38.0, abs=0.1)
    assert decode_errors(tmp_path / "audio.mp4") == ""
    video_only = fetch_with_ffmpeg(f"{base}/index-v1.m3u8", tmp_path / "video-only.mp4")
    assert "audio" not in video_only


def test_a_discontinuity_playlist_still_plays_every_frame(
    server: RunningServer, tmp_path: Path
) -> None:
    url = server.url(f"/vod/clip/front/start/{T0 + 5}/end/{T0 + 35}/index.m3u8")
    playlist = parse_media(httpx.get(url).text)
    assert sum(s.discontinuity for s in playlist.segments) == 3
    joined = fetch_with_ffmpeg(url, tmp_path / "clip.mp4")
    assert joined["video"]["packets"] == 150
    assert decode_errors(tmp_path / "clip.mp4") == ""


@pytest.fixture
def recorded_until_now(
    tmp_path: Path, frigate_db: Path, clip_factory: Callable[..., Path]
) -> tuple[Path, float]:
    """`front` recorded in four 10-s segments that end 5 s ago (real time): a camera now."""
    start = round(time.time() - 45, 3)
    clip = clip_factory(seconds=10)
    record_clips(frigate_db, tmp_path / "media" / "recordings", "front", start, clip, 4)
    return frigate_db, start


def test_ffmpeg_reads_a_range_reaching_now_and_exits_with_every_listed_second(
    recorded_until_now: tuple[Path, float],
    server_factory: Callable[..., RunningServer],
    tmp_path: Path,
) -> None:
    _, start = recorded_until_now
    server = server_factory()
    url = server.url(f"/vod/front/start/{start}/end/{start + 600}/index.m3u8")
    playlist = parse_media(httpx.get(url).text)
    assert playlist.ended and playlist.playlist_type == "VOD"
    assert playlist.total == pytest.approx(40.0, abs=0.001)
    joined = fetch_with_ffmpeg(url, tmp_path / "now.mp4", timeout=60)
    assert joined["video"]["duration"] == pytest.approx(playlist.total, abs=0.2)


def test_ffmpeg_reads_a_running_event_and_exits_with_every_listed_second(
    recorded_until_now: tuple[Path, float],
    server_factory: Callable[..., RunningServer],
    tmp_path: Path,
) -> None:
    db_path, start = recorded_until_now
    event_id = insert_event(db_path, "front", start + 10, None)
    server = server_factory()
    base = server.url(f"/vod/event/{event_id}")
    playlist = parse_media(httpx.get(f"{base}/index-v1.m3u8").text)
    assert playlist.ended and playlist.playlist_type == "VOD"
    assert playlist.total == pytest.approx(30.0, abs=0.001)  # the three segments since its start
    joined = fetch_with_ffmpeg(f"{base}/master.m3u8", tmp_path / "event.mp4", timeout=60)
    assert joined["video"]["duration"] == pytest.approx(playlist.total, abs=0.2)
