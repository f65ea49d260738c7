"""A recorder whose ffmpeg dies mid-segment: the broken segment gets no row and recording goes on."""

from __future__ import annotations

import errno
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import pytest
from fastapi.testclient import TestClient

from frigate_media.workers.recording import segments
from frigate_media.workers.recording.layout import parse_cache_name
from frigate_media.workers.recording.service import RecorderService
from tests.support.app import context_of
from tests.workers.recording.conftest import recording_rows


def wait_for(condition: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(message)


def test_sigkill_mid_segment_leaves_no_row_for_the_broken_segment_and_recording_resumes(
    client_factory: Callable[..., TestClient],
    frigate_db: Path,
    lavfi_camera: dict[str, Any],
    tmp_path: Path,
) -> None:
    client = client_factory(lavfi_camera, background=True)
    recorder = context_of(client).worker(RecorderService).recorders["front"]
    wait_for(lambda: len(recording_rows(frigate_db)) >= 1, 40, "no first segment")
    time.sleep(3)  # well inside the second segment
    in_progress = [parse_cache_name(p) for p in recorder.cache_dir.glob("*.mp4")]
    assert len(in_progress) == 1 and in_progress[0] is not None
    broken = in_progress[0]
    assert recorder.process is not None
    os.kill(recorder.process.pid, signal.SIGKILL)

    wait_for(lambda: recorder.restarts >= 1, 20, "ffmpeg was not restarted")
    wait_for(
        lambda: any(r["start_time"] > broken.start for r in recording_rows(frigate_db)),
        40,
        "no segment recorded after the restart",
    )
    assert client.get("/api/version").status_code == 200
    rows = recording_rows(frigate_db)
    assert all(abs(r["start_time"] - broken.start) >= 1 for r in rows)
    assert not broken.path.exists()
    for row in rows:
        with av.open(row["path"]) as container:
            assert container.duration is not None and container.duration > 0
            assert sum(1 for _ in container.decode(video=0)) > 0


def test_a_full_media_disk_stops_ffmpeg_keeps_serving_and_resumes_when_room_returns(
    client_factory: Callable[..., TestClient],
    frigate_db: Path,
    lavfi_camera: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_space(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(segments, "_move_complete_file", no_space)
    client = client_factory(lavfi_camera, background=True)
    recorder = context_of(client).worker(RecorderService).recorders["front"]
    recorder.disk_full_retry = 1.0
    wait_for(lambda: recorder.disk_full, 40, "the full disk was not noticed")
    wait_for(lambda: recorder.process is None, 20, "ffmpeg kept writing on a full disk")
    assert client.get("/api/version").status_code == 200
    assert recording_rows(frigate_db) == []
    # The finished segment and the one ffmpeg closed on stopping wait in the cache.
    kept = list(recorder.cache_dir.glob("*.mp4"))
    assert 1 <= len(kept) <= 2

    monkeypatch.undo()
    wait_for(
        lambda: len(recording_rows(frigate_db)) >= len(kept), 20, "kept segments were not filed"
    )
    wait_for(lambda: recorder.process is not None, 20, "recording did not resume")
    assert not recorder.disk_full and not any(path.exists() for path in kept)
